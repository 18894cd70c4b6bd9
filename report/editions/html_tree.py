"""The toolkit's HTML handed to WeasyPrint as a tree libxml2 parsed, not tinyhtml5.

WeasyPrint parses a document with tinyhtml5, an HTML5 parser in pure Python: on the
corpus, 1.05 s of CPU for the print edition's 113 first-round parts (and as much again
for the digital edition's), about 4% of the layout workers' time, where libxml2 and the
copy below take 0.15 s (``scripts/bench_parse_html.py TREE``). Every document laid out
here is lxml's own serialisation of the render (``report.render.html`` parsed pandoc's
HTML with lxml), so libxml2 reads back the tree the checks and the page map saw.

The copy is made the way tinyhtml5 makes its tree (HTML elements without a namespace;
the whitespace HTML5 drops or moves, and ``<wbr>``, done likewise), so the PDFs are
byte for byte those tinyhtml5's tree gives (the corpus's, the bundled report's and the
constructs tree's both editions were compared); ``tests/test_html_tree.py`` compares the
two trees node for node for every document the test trees lay out, and for thousands of
random, mis-nested documents put through lxml's round trip as the pipeline puts the
render (Hypothesis), where the copy must be tinyhtml5's tree or leave the document to it.

A document the two parsers may read differently goes to tinyhtml5 as before: foreign
content (SVG or MathML inline); a template; a void element libxml2 does not know;
carriage returns or NULs; a node neither element nor comment; nesting deeper than
libxml2 keeps; an element the copy does not take (only those pandoc and the toolkit
write, and the like); a block in a paragraph, a table's part out of place or anything
else in a table's structure, a heading straight in a heading, a list item or a
definition's term in one HTML5 would end, a link in a link; an empty list item, which
lxml writes without its end tag (HTML5 keeps it open).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import cssselect2
import lxml.etree
import lxml.html
from tinyhtml5.constants import namespaces, special_elements
from weasyprint import HTML
from weasyprint import _find_base_url as find_base_url
from weasyprint.urls import ensure_url

from report.render.fetcher import TreeFetcher

_TINYHTML5_ONLY = re.compile(
    r"<\s*(?:svg|math|template|embed|source|track|keygen|noscript|noembed|noframes|iframe"
    r"|frameset|plaintext|xmp|select|option|button|form)\b|[\r\0]", re.IGNORECASE)
"""Foreign content; templates, forms and the elements whose content HTML5 parses its own
way; void elements libxml2 does not know as void (it nests what follows them), bar
``<wbr>``, which ``_html5_tree`` puts right."""
_CLOSE_P = frozenset(
    "address article aside blockquote center details dialog dir div dl dd dt fieldset "
    "figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr li listing main menu nav "
    "ol p pre search section summary table ul".split())
"""Elements whose start closes an open ``<p>`` in HTML5; libxml2 leaves some inside it
(those it does not know), where tinyhtml5 would make them the paragraph's siblings."""
_TABLE_CHILDREN = {
    "table": frozenset({"caption", "colgroup", "thead", "tbody", "tfoot"}),
    "thead": frozenset({"tr"}), "tbody": frozenset({"tr"}), "tfoot": frozenset({"tr"}),
    "tr": frozenset({"td", "th"}), "colgroup": frozenset({"col"}),
}
"""The table as HTML5 builds it: what each of its structural elements holds. Anything
else in them (text too) is moved or dropped by HTML5's table rules (foster parenting, a
row given its ``<tbody>``, a column its ``<colgroup>``), and libxml2 keeps it in place."""
_TABLE_PARENTS = {child: frozenset(parent for parent, children in _TABLE_CHILDREN.items()
                                   if child in children)
                  for children in _TABLE_CHILDREN.values() for child in children}
"""Where each of the table's parts must stand; HTML5 ignores or moves one elsewhere."""
_HEAD_ELEMENTS = frozenset({"title", "meta", "link", "style", "base"})
"""What the copy takes in ``<head>``: what the toolkit writes there."""
_BODY_ELEMENTS = frozenset(
    "a abbr address article aside b bdi bdo big blockquote br caption center cite code col "
    "colgroup data dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 "
    "h6 header hgroup hr i img ins kbd label li listing main mark nav ol p pre q s samp "
    "section small span strike strong sub summary sup table tbody td tfoot th thead time "
    "tr tt u ul var wbr".split())
"""What the copy takes in ``<body>``: the elements pandoc and the toolkit write, and the
like, which HTML5 builds by its general rules or by those this module follows. Any other
(a form's, a frame, ``<image>``, ``<nobr>``, ruby's, an object, head elements in the
body, an unknown one) leaves the document to tinyhtml5."""
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_ITEM_ENDS = {"li": frozenset({"li"}), "dd": frozenset({"dd", "dt"}),
              "dt": frozenset({"dd", "dt"})}
"""An item HTML5 ends when the next starts inside it: a list item in a list item (unless
a list or another block but ``<address>``, ``<div>`` or ``<p>`` stands between), a
definition's term or description in another."""
_ITEM_SCOPE_ENDS = frozenset(
    name for space, name in special_elements if space == namespaces["html"]
) - {"address", "div", "p"}
"""tinyhtml5's special elements less ``<address>``, ``<div>`` and ``<p>``: where its
search for an open item to end stops."""
_END = re.compile(r"</html>(\s*)\Z", re.IGNORECASE)
"""A document this module takes ends with ``</html>`` (whitespace after it is the body's
in HTML5)."""
_ITEM_START = re.compile(r"<li[\s>/]", re.IGNORECASE)
"""lxml writes an empty list item without its end tag, where HTML5 keeps it open (and an
end tag of an element around it is then ignored): a document with fewer ``</li>`` than
``<li>`` goes to tinyhtml5."""
_DEEPEST = 250
"""libxml2 keeps 256 levels of elements and drops what is deeper, without an error."""
_LARGEST = 5_000_000
"""Characters; libxml2 refuses a text node of 10 MB without its huge-tree option."""
_FIRST_NEWLINE_DROPPED = frozenset({"pre", "listing", "textarea"})
"""Elements whose text loses a leading newline in HTML5 (libxml2 keeps it)."""


class _Unlike(Exception):
    """The document holds a node the copy does not make as tinyhtml5 would."""


def weasyprint_html(document: str, base_url: str, url_fetcher: TreeFetcher) -> HTML:
    """WeasyPrint's ``HTML(string=document, base_url=…, url_fetcher=…)``, parsed by lxml
    where the tree is the same (see the module's docstring). The fetcher is the tree's
    resource gate, required: there is no default that reads outside the tree."""
    root = html5_tree(document)
    if root is None:
        return HTML(string=document, base_url=base_url, url_fetcher=url_fetcher)
    html = HTML.__new__(HTML)
    html.base_url = find_base_url(root, ensure_url(base_url))
    html.url_fetcher = url_fetcher
    html.media_type = "print"
    html.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    html.etree_element = html.wrapper_element.etree_element
    return html


def html5_tree(document: str) -> ElementTree.Element | None:
    """The tree tinyhtml5 would make of ``document``, made from libxml2's parse; None
    where the two may differ."""
    end = _END.search(document)
    if (len(document) > _LARGEST or _TINYHTML5_ONLY.search(document) or end is None
            or len(_ITEM_START.findall(document)) != document.lower().count("</li>")):
        return None
    try:
        return _html5_tree(lxml.html.document_fromstring(document), end.group(1))
    except (_Unlike, lxml.etree.ParserError, ValueError):
        return None


def _html5_tree(root: lxml.html.HtmlElement, after_html: str) -> ElementTree.Element:
    """An ElementTree copy of lxml's tree, as tinyhtml5 builds it from the same text:
    whitespace before ``<head>`` dropped, whitespace after ``</body>`` (and
    ``after_html``, after ``</html>``, which libxml2 drops) moved to the end of the body, a
    newline opening a ``<pre>`` dropped. Made without recursion, so a deeply
    nested document cannot overflow the stack."""
    if (root.text or "").strip() or [child.tag for child in root] != ["head", "body"]:
        raise _Unlike
    copy = _element(root)
    copy.text = None
    stack = [(root, copy, 1, False)]
    while stack:
        source, target, depth, in_p = stack.pop()
        if depth >= _DEEPEST:
            raise _Unlike
        if source.tag in _TABLE_CHILDREN and any(
                (text or "").strip(" \t\n\f")
                for text in (source.text, *(child.tail for child in source))):
            raise _Unlike  # text in a table's structure: HTML5 puts it before the table
        for child in source:
            if child.tag == "wbr" and (child.text or len(child)):
                _unnest_wbr(child, target)
                continue
            if isinstance(child.tag, str):
                if _moved_by_html5(source, child, in_p):
                    raise _Unlike
                made = _element(child)
                stack.append((child, made, depth + 1, in_p or child.tag == "p"))
            elif child.tag is lxml.etree.Comment:
                made = ElementTree.Comment(child.text)
            else:
                raise _Unlike
            made.tail = child.tail
            target.append(made)
    body = copy.find("body")
    if body is None or (body.tail or "").strip():
        raise _Unlike
    moved = (body.tail or "") + after_html
    if moved:
        last = body[-1] if len(body) else None
        if last is None:
            body.text = (body.text or "") + moved
        else:
            last.tail = (last.tail or "") + moved
        body.tail = None
    return copy


def _moved_by_html5(parent: lxml.html.HtmlElement, child: lxml.html.HtmlElement,
                    in_p: bool) -> bool:
    """Whether HTML5 might not build ``child`` where libxml2 put it, inside ``parent``
    (``in_p``: inside a paragraph): an element the copy does not take there, a block that
    ends the paragraph, a table's part out of place or anything else in a table's parts,
    a heading straight inside a heading, an item inside another it ends, a link in a
    link."""
    tag = child.tag
    allowed = ({"head", "body"} if parent.tag == "html"
               else _HEAD_ELEMENTS if parent.tag == "head" else _BODY_ELEMENTS)
    if tag not in allowed or (in_p and tag in _CLOSE_P):
        return True
    if parent.tag not in _TABLE_PARENTS.get(tag, (parent.tag,)) or (
            parent.tag in _TABLE_CHILDREN and tag not in _TABLE_CHILDREN[parent.tag]):
        return True
    if tag in _HEADINGS and parent.tag in _HEADINGS:
        return True
    if tag in _ITEM_ENDS:
        for ancestor in child.iterancestors():
            if ancestor.tag in _ITEM_ENDS[tag]:
                return True
            if ancestor.tag in _ITEM_SCOPE_ENDS:
                break
    return tag == "a" and next(child.iterancestors("a"), None) is not None


def _unnest_wbr(wbr: lxml.html.HtmlElement, target: ElementTree.Element) -> None:
    """``<wbr>`` as HTML5 reads it, a void element: libxml2 does not know it is void, and
    makes what follows it (up to its parent's end) its content. The toolkit's URLs
    (``report.editions.frontmatter.mark_url_breaks``) are text and ``<wbr>`` alone; any
    other content is left to tinyhtml5."""
    nested = list(wbr.iter())
    if any(node.tag != "wbr" or (node is not wbr and node.tail) for node in nested):
        raise _Unlike
    for node in nested:
        made = ElementTree.Element("wbr", dict(node.attrib))
        made.tail = node.text
        target.append(made)
    if wbr.tail:
        made.tail = (made.tail or "") + wbr.tail


def _element(source: lxml.html.HtmlElement) -> ElementTree.Element:
    made = ElementTree.Element(source.tag, dict(source.attrib))
    text = source.text
    if text and source.tag in _FIRST_NEWLINE_DROPPED and text.startswith("\n"):
        text = text[1:] or None
    made.text = text
    return made
