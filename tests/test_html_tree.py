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
