/* Regions that scroll sideways (wide tables, figures on a phone) say so only when they
   do: the hint shows while the content is wider than the region. */
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".report-scroll").forEach(function (region) {
      region.classList.toggle("is-overflowing", region.scrollWidth > region.clientWidth + 1);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mark);
  } else {
    mark();
  }
  window.addEventListener("load", mark);
  window.addEventListener("resize", mark);
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(mark);  /* material's instant navigation */
  }
})();
