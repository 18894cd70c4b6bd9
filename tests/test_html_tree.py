"""The tree WeasyPrint lays out is the one its own HTML5 parser would have made.

``report.editions.html_tree`` hands WeasyPrint libxml2's parse instead of tinyhtml5's
(a tenth of the parse's time); the PDFs stay byte for byte the same only if the trees are
the same. Every document the constructs and minimal trees lay out (each part of both PDF
editions, the front matter, the folio layers, the cover) is compared node for node.
"""

from __future__ import annotations

import itertools
import os
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import tinyhtml5
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report.editions import html_tree, pdf
from report.render.fetcher import make_fetcher


def _nodes(root: ElementTree.Element) -> list[tuple]:
    """Every node of ``root`` in document order, as what WeasyPrint reads of it (an empty
    text is no text)."""
    return [(node.tag, dict(node.attrib), node.text or None, node.tail or None, len(node))
            for node in root.iter()]


def _tinyhtml5(document: str) -> ElementTree.Element:
    return tinyhtml5.parse(document, namespace_html_elements=False)


@pytest.fixture
def laid_out_documents(monkeypatch, tmp_path: Path):
    """Record every document given to WeasyPrint, in this process or a forked one."""
    folder = tmp_path / "documents"
    folder.mkdir()
    counter = itertools.count()
    recorded = pdf.weasyprint_html

    def record(document: str, base_url: str, url_fetcher):
        (folder / f"{os.getpid()}-{next(counter)}.html").write_text(document)
        return recorded(document, base_url, url_fetcher)

    monkeypatch.setattr(pdf, "weasyprint_html", record)
    return folder


@pytest.mark.parametrize("tree", ["constructs", "minimal"])
def test_every_laid_out_document_has_tinyhtml5s_tree(tree, make_tree, run_report,
                                                       laid_out_documents):
    root = make_tree(tree)
    result = run_report(root, "build", "print", "digital")
    assert result.exit_code == 0, result.output
    documents = [path.read_text() for path in sorted(laid_out_documents.iterdir())]
    assert len(documents) >= 6
    parsed = 0
    for document in documents:
        tree_ = html_tree.html5_tree(document)
        if tree_ is None:  # the cover, with its inline SVG logo
            assert "<svg" in document
            continue
        parsed += 1
        assert _nodes(tree_) == _nodes(_tinyhtml5(document))
    assert parsed >= len(documents) - 1


@pytest.mark.parametrize("body", [
    # The toolkit's URLs: <wbr> is void in HTML5, and libxml2 nests what follows it.
    '<p>See <a class="url" href="https://example.org/a-b">https://<wbr>example.<wbr>org/'
    '<wbr>a-<wbr>b</a> now.</p>',
    # A newline opening a listing is dropped by HTML5, kept by libxml2.
    "<pre>\nfn main() {}\n</pre><pre><code>\nx</code></pre><listing>\n\ny</listing>",
    "<p>a<!-- a comment -->b</p>\n\n",
    "<p>x</p>",
    "<div>" * 240 + "deep" + "</div>" * 240,
])
def test_tree_as_tinyhtml5_makes_it(body):
    document = (f'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
                f"<title>t</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
    tree = html_tree.html5_tree(document)
    assert tree is not None
    assert _nodes(tree) == _nodes(_tinyhtml5(document))


@pytest.mark.parametrize("body", [
    '<svg viewBox="0 0 10 10"><rect width="5" height="5"/></svg>',  # foreign content
    "<video><source src='a.mp4'><track src='a.vtt'></video>",  # voids libxml2 nests
    '<p><a href="#x">a<wbr><em>b</em></a></p>',  # a <wbr> not the toolkit's own
    "<div>" * 300 + "deeper than libxml2 keeps" + "</div>" * 300,
    "<p>a\r\nb</p>",
    "<p>An author's paragraph <section>holding a section</section></p>",  # HTML5 ends the p
    "<table><tr><td>a row without its tbody</td></tr></table>",  # HTML5 adds the tbody
    "<noscript><p>parsed its own way</p></noscript>",
])
def test_documents_the_parsers_read_differently_go_to_tinyhtml5(body, tmp_path: Path):
    document = f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"
    assert html_tree.html5_tree(document) is None
    html = html_tree.weasyprint_html(document, str(tmp_path) + "/", make_fetcher(tmp_path))
    assert _nodes(html.etree_element) == _nodes(_tinyhtml5(document))


def test_weasyprint_html_is_what_weasyprint_makes(tmp_path: Path):
    """Every attribute WeasyPrint's own constructor sets, with the same values: a new
    WeasyPrint that sets one more fails here, not in a layout."""
    from weasyprint import HTML

    document = ('<!DOCTYPE html><html><head><base href="sub/"><title>t</title></head>'
                "<body><p>x</p></body></html>")
    fetcher = make_fetcher(tmp_path)
    own = HTML(string=document, base_url=str(tmp_path) + "/", url_fetcher=fetcher)
    ours = html_tree.weasyprint_html(document, str(tmp_path) + "/", fetcher)
    assert set(vars(ours)) == set(vars(own))
    assert (ours.base_url, ours.url_fetcher, ours.media_type) == \
        (own.base_url, own.url_fetcher, own.media_type)
    assert ours.base_url.endswith("/sub/")
    assert _nodes(ours.etree_element) == _nodes(own.etree_element)


# -- any document the pipeline could hand over ------------------------------------------
# Every laid-out document is lxml's serialisation of lxml's parse (the render's, then
# chaptered._part_document's). These make random HTML, with the elements pandoc and the
# toolkit write and those an author's raw HTML might hold, mis-nested at will, pass it
# through that round trip, and require the copy to be tinyhtml5's tree or to leave the
# document to tinyhtml5.

_TAGS = ("p", "div", "span", "a", "em", "strong", "code", "pre", "section", "h1", "h2",
         "h3", "ul", "ol", "li", "table", "thead", "tbody", "tr", "td", "th", "caption",
         "colgroup", "col", "figure", "figcaption", "img", "br", "hr", "wbr", "sup", "sub",
         "blockquote", "aside", "nav", "dl", "dt", "dd", "small", "q", "cite", "abbr",
         "mark", "del", "ins", "details", "summary", "header", "footer", "article", "b",
         "i", "u", "s", "kbd", "var", "samp", "listing", "textarea", "label", "address",
         "main", "font", "center", "nobr", "ruby", "rt", "rp", "bdi", "bdo", "time", "data",
         "meter", "progress", "output", "picture", "audio", "video", "canvas", "map",
         "area", "object", "param", "title", "style", "script", "link", "meta", "base",
         "head", "body", "html", "frame", "image", "isindex", "menu", "dir", "marquee")
_TEXTS = st.text(alphabet=st.sampled_from(list("ab \n\t\f&;#<>/=!\"'é—\u00a0\u00ad\u2028")),
                 max_size=6)


@st.composite
def _markup(draw, depth: int = 0) -> str:
    """A fragment of HTML, not necessarily well formed (an element left open, an end tag
    without its start), as an author or a filter might write it."""
    pieces = []
    for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
        kind = draw(st.integers(0, 9))
        if kind < 3:
            pieces.append(draw(_TEXTS))
        elif kind == 3:
            pieces.append(f"</{draw(st.sampled_from(_TAGS))}>")
        elif kind == 4:
            pieces.append(f"<!--{draw(_TEXTS).replace('-', '')}-->")
        else:
            tag = draw(st.sampled_from(_TAGS))
            value = draw(_TEXTS).replace('"', "&quot;")
            attribute = draw(st.sampled_from(("", f' class="{value}"', f' id="x{value}"',
                                               f' href="#{value}"', " hidden")))
            closed = draw(st.booleans())
            inner = draw(_markup(depth + 1))
            pieces.append(f"<{tag}{attribute}>{inner}" + (f"</{tag}>" if closed else ""))
    return "".join(pieces)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(body=_markup(), before=st.sampled_from(("", "\n", " ")),
       after=st.sampled_from(("", "\n", "\n\n ")))
def test_any_round_tripped_document_is_tinyhtml5s_tree_or_left_to_it(body, before, after):
    import lxml.html

    written = f"<!DOCTYPE html><html><head><title>t</title></head>{before}<body>{body}</body>"
    try:
        parsed = lxml.html.document_fromstring(written)
    except (lxml.etree.ParserError, ValueError):
        return  # the render never gets such a document from pandoc
    document = lxml.html.tostring(parsed, encoding="unicode", doctype="<!DOCTYPE html>") \
        + after
    tree = html_tree.html5_tree(document)
    if tree is not None:
        assert _nodes(tree) == _nodes(_tinyhtml5(document)), document
