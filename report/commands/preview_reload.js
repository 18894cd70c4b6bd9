/* report serve: when the site is rebuilt, show the page's new content without reloading it.

   MkDocs' live-reload script reloads the whole page, which fetches every stylesheet,
   script and font again from the preview server and lays the page out afresh (about a
   third of a second). A save usually changes only the chapter's text: so the new page is
   fetched, and when everything around its content (navigation, table of contents, assets:
   the server's "frame" key) is as on the page shown, only the content, the title and the
   problems panel are swapped in; anything else reloads the page as MkDocs would.
   report.commands.serve fills in the arguments on the last line. */
(function (epoch, requestId, frame, overlayId) {
  "use strict";
  var req, timeout;
  var CONTENT = "article.md-content__inner";

  function swap(text, next) {
    var fresh = new DOMParser().parseFromString(text, "text/html");
    var marker = fresh.getElementById("report-preview-reload");
    var shown = document.querySelector(CONTENT);
    var content = fresh.querySelector(CONTENT);
    if (!marker || marker.getAttribute("data-frame") !== frame || !shown || !content) {
      location.reload();
      return;
    }
    shown.replaceChildren.apply(shown, Array.from(content.childNodes).map(function (node) {
      return document.adoptNode(node);
    }));
    document.title = fresh.title;
    var old = document.getElementById(overlayId);
    if (old) old.remove();
    var panel = fresh.getElementById(overlayId);
    if (panel) document.body.appendChild(document.adoptNode(panel));
    window.dispatchEvent(new Event("resize"));  /* report.js marks wide regions again */
    epoch = next;
    poll();
  }

  function poll() {
    req = new XMLHttpRequest();
    req.onloadend = function () {
      var next = parseFloat(this.responseText);
      if (next > epoch) {
        fetch(location.href, {cache: "no-store"})
          .then(function (response) {
            if (!response.ok) throw new Error(response.statusText);
            return response.text();
          })
          .then(function (text) { swap(text, next); })
          .catch(function () { location.reload(); });
      } else {
        timeout = setTimeout(poll, this.status === 200 ? 0 : 3000);
      }
    };
    req.open("GET", "/livereload/" + epoch + "/" + requestId);
    req.send();
  }

  function stop() {
    if (req) req.abort();
    if (timeout) clearTimeout(timeout);
    req = timeout = undefined;
  }

  window.addEventListener("load", function () {
    if (document.visibilityState === "visible") poll();
  });
  window.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") poll();
    else stop();
  });
  window.addEventListener("beforeunload", stop);
})(EPOCH, REQUEST_ID, "FRAME", "OVERLAY_ID");
