"""The privacy gate: no name without consent, no attribution under the Chatham House Rule.

Two halves. :func:`consent_findings` reads the sources an author edits (every text file
of the manuscript folder, captions and alt text included, and ``mkdocs.yml``) and points
at ``path:line:col``. :func:`scan_built_files` reads what a build produced (PDF text and
metadata, web pages, search index, sitemap, DOCX and EPUB parts), because a name can
also arrive through a template, a metadata field or a filter; the build deletes any file
it names.

Names are matched as people write them: any case, across line breaks, with possessives
and typographic apostrophes, accents or not, as "J. Doe", "Doe, Jane" or "Dr Doe".
Matching runs on a *folded* copy of the text (accents and invisible characters removed,
apostrophes made straight) that keeps a map back to the original offsets. Messages name
the record id, never the person: check output ends up in CI logs.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from report.checks.findings import Finding, position
from report.manuscript import tree
from report.manuscript.contributors import (
    CONTRIBUTORS,
    Contributor,
    Register,
    load_contributors,
    split_name,
)
from report.manuscript.manifest import MANIFEST

if TYPE_CHECKING:
    from report.manuscript import Manuscript

SOURCE_SUFFIXES = frozenset({".md", ".markdown", ".html", ".htm", ".txt", ".svg", ".yml",
                             ".yaml", ".json", ".csv"})
MARKUP_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".xml", ".svg", ".opf", ".ncx",
                             ".rels"})
PLAIN_SUFFIXES = frozenset({".txt", ".md", ".csv", ".yml", ".yaml"})
ZIP_SUFFIXES = frozenset({".docx", ".epub", ".odt", ".xlsx", ".pptx"})
# Roles whose holders took part under the Chatham House Rule (as opposed to writing or
# commissioning the report).
PARTICIPANT_ROLES = frozenset({"conference-delegate", "speaker", "consultation-reviewer",
                               "call-for-evidence-respondent", "survivor-adviser",
                               "youth-advisory-board", "steering-committee"})
TITLE_WORDS = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "dame", "sir",
               "lord", "lady", "baroness", "baron", "cllr", "councillor", "rev", "revd",
               "judge", "justice")

_REASONS = {
    "withdrawn": "who withdrew consent to be listed",
    "declined": "who declined to be listed",
    "no-record": "who has no consent record (no consent, no name)",
    "listed": "who consented to be listed by affiliation only",
}

# ------------------------------------------------------------------------- folding

# Characters that show nothing (or a blank) and split a name for a pattern: soft hyphens,
# zero-width and bidirectional marks, word joiners (all Unicode format characters, Cf)
# and the fillers and joiners that are not.
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff\u034f\u115f\u1160\u17b4\u17b5"
                       "\u180b\u180c\u180d\u180e\u3164\uffa0")
_APOSTROPHES = frozenset("\u2019\u2018\u02bc\u2032`\u00b4")
_HYPHENS = frozenset("\u2010\u2011")


def _fold_char(char: str) -> str:
    """What one character becomes when folded ("" when it is dropped)."""
    if char in _INVISIBLE or unicodedata.category(char) == "Cf" or "\ufe00" <= char <= "\ufe0f":
        return ""
    if char in _APOSTROPHES:
        return "'"
    if char in _HYPHENS:
        return "-"
    if ord(char) < 128:
        return char
    return "".join(c for c in unicodedata.normalize("NFKD", char)
                   if not unicodedata.combining(c)) or char


class _FoldTable(dict):
    """Code point → folded text, filled as characters are met: a table for
    ``str.translate``, which folds a built file's text in C rather than in a Python loop
    (the scan of every built file spent most of its time folding)."""

    def __missing__(self, code: int) -> str:
        value = self[code] = _fold_char(chr(code))
        return value


_FOLD = _FoldTable()


def fold(text: str) -> tuple[str, list[int] | None]:
    """Text with accents, invisible characters (soft hyphens) and curly apostrophes
    normalised, plus the original offset of every folded character (None: identical)."""
    if text.isascii():
        return text, None
    out: list[str] = []
    index: list[int] = []
    for offset, char in enumerate(text):
        for piece in _FOLD[ord(char)]:
            out.append(piece)
            index.append(offset)
    return "".join(out), index


def _folded(text: str) -> str:
    return text if text.isascii() else text.translate(_FOLD)


# ----------------------------------------------------------------- name patterns

_INITIAL_END = r"(?:\.\s*|\s+)"
_SPACE = r"\s+"


def _word(word: str) -> str:
    """A folded word as a pattern: hyphens may break across lines, apostrophes straight
    or curly."""
    pieces = []
    for piece in re.split(r"(['-])", _folded(word)):
        if piece == "'":
            pieces.append("['\u2019]")
        elif piece == "-":
            pieces.append(r"\s*-\s*")
        elif piece:
            pieces.append(re.escape(piece))
    return "".join(pieces)


def name_alternatives(name: str) -> str:
    """The ways people write one person's name, as a regex alternation (no boundaries).

    Full forms are matched in any case; forms built on an initial are matched only as
    capitalised, so that "A Smith" does not fire on "a smith".
    """
    parts = split_name(name)
    surname = _word(parts.surname)
    if parts.particles:
        particles = r"\s+".join(_word(p) for p in parts.particles)
        surname = rf"(?:{particles}\s+)?{surname}"
    if not parts.given:
        return surname  # a single name (a pseudonym): as written, case and all
    given = [_word(g) for g in parts.given]
    initial = re.escape(_folded(parts.given[0])[0])
    middle = "".join(rf"(?:{re.escape(_folded(g)[0])}{_INITIAL_END})?" for g in parts.given[1:])
    titles = "|".join(TITLE_WORDS)
    all_given = _SPACE.join(given)
    variants = [
        rf"(?i:{all_given}\s+{surname})",
        rf"(?i:{given[0]}\s+{surname})",
        rf"{initial}{_INITIAL_END}{middle}{surname}",
        rf"(?i:{surname},\s*{given[0]})",
        rf"{surname},\s*{initial}(?:\.|(?!\w))",
        rf"(?i:(?:{titles})\.?\s+{surname})",
    ]
    return "|".join(dict.fromkeys(variants))


def name_pattern(name: str) -> re.Pattern[str]:
    """A compiled pattern for one name, to run on :func:`fold`-ed text."""
    return re.compile(rf"(?<!\w)(?:{name_alternatives(name)})(?!\w)")


def _affiliation_alternatives(affiliation: str) -> str:
    words = [_word(w) for w in affiliation.split()]
    if words and words[0].lower() == "the":
        words = words[1:]
    return rf"(?i:(?:the\s+)?{_SPACE.join(words)})"


def affiliation_pattern(contributor: Contributor) -> re.Pattern[str]:
    """A name written next to its affiliation: "Jane Doe (Example Council)", "Jane Doe,
    Example Council", "Jane Doe of the Example Council", "Example Council's Jane Doe"."""
    name = name_alternatives(contributor.name)
    affiliation = _affiliation_alternatives(contributor.affiliation or "")
    after = r"(?:['\u2019]s)?(?:\s*\(\s*|\s*,\s*|\s*[-\u2013\u2014]\s*|\s+(?i:of|from|at|with)\s+)"
    before = r"(?:['\u2019]s\s+|\s*[,:(]\s*|\s*[-\u2013\u2014]\s*)"
    return re.compile(rf"(?<!\w)(?:(?:{name}){after}{affiliation}"
                      rf"|{affiliation}{before}(?:{name}))(?!\w)")


def forbidden_people(register: Register) -> list[Contributor]:
    """People whose name must not appear: no current consent, or consent to be listed
    by affiliation only."""
    return [c for c in register if c.is_person and not c.shows_name]


NamePatterns = list[tuple[str, re.Pattern[str]]]


def forbidden_names(source: Manuscript | Register | Path | str) -> NamePatterns:
    """``(record id, pattern)`` for every name that must not appear in a built file.

    Run the patterns on :func:`fold`-ed text (or use :func:`find_names`)."""
    register = source if isinstance(source, Register) else load_contributors(source)
    return [(c.id, name_pattern(c.name)) for c in forbidden_people(register)]


def find_names(text: str, names: NamePatterns) -> set[str]:
    """Record ids of the names found in ``text``."""
    folded = " ".join(_folded(text).split())
    return {record_id for record_id, pattern in names if pattern.search(folded)}


# ---------------------------------------------------------------- source findings


def _sources(manuscript: Manuscript) -> Iterator[tuple[str, str]]:
    """``(path relative to the tree, text)`` of every file an author writes words in."""
    root = manuscript.root
    yield MANIFEST, (root / MANIFEST).read_text(encoding="utf-8")
    docs = root / manuscript.manifest.docs_dir
    seen: set[Path] = set()
    for chapter in manuscript.chapters:
        seen.add(chapter.path.resolve())
        yield chapter.rel, chapter.text
    if docs.is_dir():
        for path in sorted(docs.rglob("*")):
            if (path.is_file() and path.suffix.lower() in SOURCE_SUFFIXES
                    and path.resolve() not in seen
                    and not any(p.startswith(".") for p in path.relative_to(docs).parts)):
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                yield path.relative_to(root).as_posix(), text
    # The bibliography reaches every edition (the references): scanned as the build is.
    for name in manuscript.manifest.bibliography:
        try:
            path = tree.resolve(root, name)
            yield path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")
        except (tree.Refused, OSError, UnicodeDecodeError, ValueError):
            continue


def _hits(pattern: re.Pattern[str], text: str,
          folding: tuple[str, list[int] | None] | None = None
          ) -> Iterator[tuple[int, int, int]]:
    """``(line, column, end offset)`` in the original text of every match; ``folding``:
    :func:`fold` of ``text``, made once for all the patterns run on it (folding is most
    of a pattern's time on a chapter)."""
    folded, index = folding if folding is not None else fold(text)
    for match in pattern.finditer(folded):
        start = index[match.start()] if index else match.start()
        end = (index[match.end() - 1] + 1) if index else match.end()
        line, column = position(text, start)
        yield line, column, end


_QUOTE_OPEN = re.compile(r"^[ \t]*:{3,}[ \t]*\{([^}\n]*)\}", re.M)
_BY = re.compile(r"""(?<![\w-])by\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'}]+))""")


def _quote_attributions(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, value)`` of the ``by`` attribute of every ``.quote`` block."""
    for block in _QUOTE_OPEN.finditer(text):
        attributes = block.group(1)
        if not re.search(r"(?<![\w-])\.quote(?![\w-])", attributes):
            continue
        by = _BY.search(attributes)
        if by:
            group = next(g for g in (1, 2, 3) if by.group(g) is not None)
            yield block.start(1) + by.start(group), by.group(group)


def consent_findings(manuscript: Manuscript, register: Register | None = None) -> list[Finding]:
    """Every place in the sources that names someone it must not (errors), and consent
    records that are incomplete (warnings)."""
    register = register if register is not None else load_contributors(manuscript)
    people = [c for c in register if c.is_person]
    forbidden = [(c, name_pattern(c.name)) for c in forbidden_people(register)]
    name_only = [(c, affiliation_pattern(c)) for c in people
                 if c.is_listed and c.consent is not None and c.consent.show == "name"
                 and c.affiliation]
    participants = [(c, name_pattern(c.name)) for c in people if c.shows_name
                    and c.roles and set(c.roles) <= PARTICIPANT_ROLES]
    attributable = [(c, name_pattern(c.name)) for c in people]
    affiliations = [(c, re.compile(rf"(?<!\w){_affiliation_alternatives(c.affiliation)}(?!\w)"))
                    for c in people if c.affiliation]
    findings: list[Finding] = []
    for rel, text in _sources(manuscript):
        folding = fold(text)
        for contributor, pattern in forbidden:
            for line, column, _ in _hits(pattern, text, folding):
                findings.append(Finding(
                    rel, line, column, "CONSENT-NAME", "error",
                    f"name of contributor {contributor.id!r}, {_REASONS[contributor.status]}",
                    "remove the name; describe the role without identifying the person"))
        for contributor, pattern in name_only:
            for line, column, _ in _hits(pattern, text, folding):
                findings.append(Finding(
                    rel, line, column, "CONSENT-AFFILIATION", "error",
                    f"affiliation shown next to contributor {contributor.id!r}, who "
                    "consented to be listed by name only",
                    "remove the affiliation"))
        if rel == MANIFEST:
            continue
        for contributor, pattern in participants:
            for line, column, _ in _hits(pattern, text, folding):
                findings.append(Finding(
                    rel, line, column, "CONSENT-PARTICIPANT", "warning",
                    f"contributor {contributor.id!r} took part under the Chatham House Rule: "
                    "naming them in the text may attribute views to them",
                    "name them only in the contributors list"))
        findings.extend(_quote_findings(rel, text, attributable, affiliations))
    findings.extend(_record_findings(register))
    findings.extend(_listing_findings(register, forbidden))
    errors_at = {(f.path, f.line, f.column) for f in findings if f.severity == "error"}
    return sorted({f for f in findings
                   if f.severity == "error" or (f.path, f.line, f.column) not in errors_at})


def _quote_findings(rel: str, text: str, attributable, affiliations) -> list[Finding]:
    findings = []
    kinds = (
        (attributable, "quote attributed to contributor {id!r}: the conference was held "
                       "under the Chatham House Rule"),
        (affiliations, "quote attributed to the organisation of contributor {id!r}: the "
                       "Chatham House Rule protects affiliations too"),
    )
    for offset, value in _quote_attributions(text):
        for patterns, message in kinds:
            for contributor, pattern in patterns:
                for line, column, _ in _hits(pattern, value):
                    line, column = position(text, offset + _offset_in(value, line, column))
                    findings.append(Finding(
                        rel, line, column, "CONSENT-QUOTE", "error",
                        message.format(id=contributor.id),
                        'attribute by role only, e.g. by="practitioner, local authority"'))
    return findings


def _offset_in(text: str, line: int, column: int) -> int:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return starts[line - 1] + column - 1


def _listing_findings(register: Register, forbidden) -> list[Finding]:
    """Names without consent inside what the contributors list prints (an affiliation
    such as "Wren Withdrawn Associates"): the build's scan finds them in every edition,
    so ``report check`` says so first, at the record that prints them."""
    findings = []
    for c in register:
        if not c.is_listed:
            continue
        shown = " ".join(part for part in c.display() if part)
        for other, pattern in forbidden:
            if other.id != c.id and find_names(shown, [(other.id, pattern)]):
                findings.append(Finding(
                    CONTRIBUTORS, c.line or 1, 1, "CONSENT-NAME", "error",
                    f"name of contributor {other.id!r}, {_REASONS[other.status]}, in the "
                    f"contributors list entry of {c.id!r}",
                    "change the entry's name or affiliation"))
    return findings


def _record_findings(register: Register) -> list[Finding]:
    """A listing without who, how and which wording cannot be shown to the ICO."""
    findings = []
    for c in register:
        if c.is_listed and c.consent is not None:
            missing = [f for f in ("method", "wording", "recorded_by")
                       if not getattr(c.consent, f)]
            if missing:
                findings.append(Finding(
                    CONTRIBUTORS, c.line or 1, 1, "CONSENT-RECORD", "warning",
                    f"consent of contributor {c.id!r} does not record {', '.join(missing)}",
                    "record how, in which wording and by whom consent was given"))
    return findings


# ---------------------------------------------------------------- built files


@dataclass(frozen=True, order=True)
class Leak:
    """A forbidden name found in a built file; ``part`` says where inside it."""

    path: Path
    record_id: str
    part: str = ""

    def __str__(self) -> str:
        where = f"{self.path} ({self.part})" if self.part else str(self.path)
        return f"{where}: name of contributor {self.record_id!r}"


_COMMENT = re.compile(r"<!--(.*?)-->|<!\[CDATA\[(.*?)\]\]>", re.S)
_TAG = re.compile(r"(<[^>]*>)")  # captured: split keeps the tags
_ATTRIBUTE = re.compile(r"""[\w:.-]+\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PARAGRAPH = re.compile(r"<w:p[\s>].*?</w:p>", re.S)
_RUN_TEXT = re.compile(r"<w:(?:t|delText)(?:\s[^>]*)?>([^<]*)</w:(?:t|delText)>"
                       r"|<w:(?:tab|br|cr)\b[^>]*/>")


def markup_text(markup: str) -> str:
    """Text of HTML or XML with tags stripped, attribute values (alt, title, content)
    and comments kept, entities unescaped, whitespace normalised."""
    markup = _COMMENT.sub(lambda m: f" {m.group(1) or m.group(2) or ''} ", markup)

    def tag(text: str) -> str:
        values = [a.group(1) if a.group(1) is not None else a.group(2)
                  for a in _ATTRIBUTE.finditer(text)]
        return " " + " ".join(values) + " " if values else " "

    # Text and tags split in C, each tag then replaced by its attribute values (a tag
    # without "=" has none): as a substitution with a function per tag, in 0.6 of the
    # time (a Word document has 33,000 tags, three in four without attributes).
    pieces = _TAG.split(markup)
    pieces[1::2] = [tag(text) if "=" in text else " " for text in pieces[1::2]]
    return " ".join(html.unescape("".join(pieces)).split())


def _ooxml_paragraphs(markup: str) -> str:
    """Word splits a paragraph into runs, sometimes inside a word: join them first."""
    paragraphs = []
    for paragraph in _PARAGRAPH.finditer(markup):
        pieces = [m.group(1) if m.group(1) is not None else " "
                  for m in _RUN_TEXT.finditer(paragraph.group(0))]
        paragraphs.append(html.unescape("".join(pieces)))
    return "\n".join(paragraphs)


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _texts(name: str, data: bytes) -> list[str]:
    """The words a reader (or a search engine) could get out of one text file."""
    suffix = Path(name).suffix.lower()
    text = data.decode("utf-8", errors="replace")
    if suffix in MARKUP_SUFFIXES:
        texts = [markup_text(text)]
        if "<w:t" in text or "<w:delText" in text:
            texts.append(_ooxml_paragraphs(text))
        return texts
    if suffix == ".json":
        try:
            strings = list(_json_strings(json.loads(text)))
        except ValueError:
            return [markup_text(text)]
        return ["\n".join(markup_text(s) for s in strings)]
    return [html.unescape(text)]


@dataclass
class Verdicts:
    """What scans against the same names found clean, by content, so that a rebuild
    scans only what changed: whole files by their bytes, texts (a page's, a part's) by
    their characters, PDF pages by everything their text is drawn from.

    ``clean`` holds the keys read back (the caller keeps them with the names they were
    judged against); ``seen`` gathers the clean keys met in this scan, known or new, for
    the caller to keep. Only a clean verdict is ever kept: what named someone is scanned
    again every time."""

    clean: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)

    def known(self, key: str) -> bool:
        """True when ``key`` was found clean before (and is then kept as seen)."""
        if key in self.clean:
            self.seen.add(key)
            return True
        return False

    def file_key(self, path: Path) -> str:
        import hashlib

        return "file:" + hashlib.sha256(path.read_bytes()).hexdigest()

    @staticmethod
    def text_key(text: str) -> str:
        import hashlib

        return "text:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# What a page's text does not depend on: its place in the page tree, the structure tree
# and annotations (scanned with the document's strings), links to other pages.
_NOT_PAGE_TEXT = frozenset({"/Parent", "/StructParents", "/Annots", "/P", "/B", "/Tabs",
                            "/Thumb"})


def _page_keys(pdf) -> list[str]:
    """A key per page for everything PDFium reads to give its text: the page dictionary
    (boxes, rotation) less what the text does not depend on, its content streams and its
    resources (fonts with their programs, encodings and ToUnicode maps, forms, images),
    by content, not object number (an edit earlier in the book renumbers every object
    after it). Each shared object (a font) is digested once."""
    import hashlib

    import pikepdf

    memo: dict[tuple[int, int], bytes] = {}
    active: set[tuple[int, int]] = set()

    def digest(obj: object, skip: frozenset[str] = frozenset()) -> bytes:
        if not isinstance(obj, pikepdf.Object):
            return repr(obj).encode()
        indirect = obj.is_indirect
        if indirect:
            if obj.objgen in memo:
                return memo[obj.objgen]
            if obj.objgen in active:  # a loop back: the object is being digested already
                return b"loop"
            active.add(obj.objgen)
        h = hashlib.sha256()
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            h.update(b"stream<<" if isinstance(obj, pikepdf.Stream) else b"<<")
            for key in sorted(obj.keys()):
                if key in skip:
                    continue
                h.update(key.encode() + b"=" + digest(obj.get(key)) + b";")
            if isinstance(obj, pikepdf.Stream):
                h.update(b">>" + obj.read_raw_bytes())
        elif isinstance(obj, pikepdf.Array):
            h.update(b"[" + b",".join(digest(item) for item in obj) + b"]")
        else:
            h.update(obj.unparse())
        value = h.digest()
        if indirect:
            active.discard(obj.objgen)
            memo[obj.objgen] = value
        return value

    return ["page:" + digest(page.obj, _NOT_PAGE_TEXT).hex() for page in pdf.pages]


# A string in qpdf's JSON of an object (version 2): "u:" and its text, or "b:" and the
# hex of a string that is not text. Names are "/…" (or "n:/…"), references "N G R".
_QPDF_STRING = re.compile(rb'"([ub]):((?:[^"\\]|\\.)*)"')


def _pdf_strings(pdf) -> list[str]:
    """Every string of every object in the file (document information, outline, alt and
    actual text of the structure tree, annotations, names, font names): what a reader
    or a tool could show. Each object is written as JSON by qpdf, in C++, and its strings
    read from that: four times quicker than a walk from the trailer in Python (0.08
    against 0.37 s on the digital edition, under load), and it reads every object in the
    file, reachable or not."""
    import pikepdf

    written = [pdf.trailer.to_json(dereference=False)]
    written.extend(obj.to_json(dereference=True) for obj in pdf.objects)
    strings = []
    for kind, body in _QPDF_STRING.findall(b"\n".join(written)):
        text = json.loads(b'"' + body + b'"')
        strings.append(str(pikepdf.String(bytes.fromhex(text))) if kind == b"b" else text)
    return strings


def _pdf_texts(path: Path, verdicts: Verdicts | None = None
               ) -> Iterator[tuple[str, str, str | None]]:
    """Page text, and every string in the PDF's objects: document information, XMP
    metadata, outline, alt text and actual text of the structure tree, annotations.
    Each page's texts come with the page's key (:func:`_page_keys`); a page ``verdicts``
    knows clean is not read again."""
    import pikepdf
    import pypdfium2 as pdfium

    # The objects through qpdf (pikepdf): four times faster than pypdf's parser on a
    # tagged report's structure tree.
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PdfError as exc:  # unreadable: the caller counts it as leaking
        raise ValueError(str(exc)) from None
    with pdf:
        keys = _page_keys(pdf) if verdicts is not None else [None] * len(pdf.pages)
        # Page text through PDFium: thirty times faster than pypdf's extractor on a long
        # report, and this scan runs after every build.
        document = pdfium.PdfDocument(str(path))
        try:
            if len(document) != len(keys):
                raise ValueError("PDFium and qpdf count different pages")
            for number, key in enumerate(keys):
                if key is not None and verdicts is not None and verdicts.known(key):
                    continue
                page = document[number]
                text = page.get_textpage().get_text_range() or ""
                text = text.replace("\r\n", "\n").replace("\r", "\n")
                yield f"page {number + 1}", text, key
                yield (f"page {number + 1}",
                       re.sub(r"[-\u2010\u00ad\ufffe\x02]\s*\n\s*", "", text), key)
        finally:
            document.close()
        strings = _pdf_strings(pdf)
        yield "document strings and metadata", "\n".join(strings), None
        metadata = pdf.Root.get("/Metadata")
        if metadata is not None:
            try:
                xmp = metadata.read_bytes().decode("utf-8", errors="replace")
            except Exception:
                xmp = ""
            yield "XMP metadata", markup_text(xmp), None


# The lookahead (the first letter of every alternative) spares the engine trying each
# alternative at every character: half the time on a Word document's 600 kB of XML.
_URL_VALUE = re.compile(r"""(?=[hsdpca<])(?:(?:href|src|srcset|data|poster|content|action)"""
                        r"""\s*=\s*(?:"([^"]*)"|'([^']*)')|<loc>([^<]*)</loc>)""", re.I)


def locator_words(locator: str) -> str:
    """A file name, path or URL as words: ``/jane-doe/J%C3%A9r%C3%B4me_Doe.png`` reads
    "jane doe Jérôme Doe png", so that the name patterns find a name a URL spells."""
    return " ".join(re.sub(r"[\W_]+", " ", unquote(locator)).split())


def _locators(data: bytes, suffix: str) -> str:
    """The URLs a markup or JSON file holds, as words."""
    text = html.unescape(data.decode("utf-8", errors="replace"))
    if suffix == ".json":
        found = re.findall(r'"([^"\s]*[/.#][^"\s]*)"', text)
    else:
        found = [next(g for g in m.groups() if g is not None) for m in _URL_VALUE.finditer(text)]
    return "\n".join(locator_words(u) for u in found)


def _file_texts(path: Path, verdicts: Verdicts | None = None
                ) -> Iterator[tuple[str, str, str | None]]:
    """``(part, text, group)`` for one built file of any kind the toolkit produces; the
    texts of one group (a PDF page) are clean together or not (``None``: no group)."""
    if path.suffix.lower() == ".pdf":
        yield from _pdf_texts(path, verdicts)
    else:
        yield from ((part, text, None) for part, text in _file_contents(path))
    suffix = path.suffix.lower()
    if suffix in MARKUP_SUFFIXES | {".json"}:
        yield "URLs", _locators(path.read_bytes(), suffix), None
    elif suffix == ".gz":
        yield ("URLs", _locators(gzip.decompress(path.read_bytes()), path.with_suffix("").suffix),
               None)
    elif suffix in ZIP_SUFFIXES:
        with zipfile.ZipFile(path) as archive:
            yield "file names", "\n".join(locator_words(n) for n in archive.namelist()), None
            for member in archive.namelist():
                member_suffix = Path(member).suffix.lower()
                if member_suffix in MARKUP_SUFFIXES | {".json"}:
                    yield (f"{member} (URLs)", _locators(archive.read(member), member_suffix),
                           None)


def _file_contents(path: Path) -> Iterator[tuple[str, str]]:
    """``(part, text)`` of what one built file says."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        yield from _pdf_texts(path)
    elif suffix in ZIP_SUFFIXES:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                member_suffix = Path(member).suffix.lower()
                if member_suffix in MARKUP_SUFFIXES | PLAIN_SUFFIXES | {".json"}:
                    for text in _texts(member, archive.read(member)):
                        yield member, text
    elif suffix == ".gz":
        inner = path.with_suffix("")
        for text in _texts(inner.name, gzip.decompress(path.read_bytes())):
            yield "", text
    elif suffix in MARKUP_SUFFIXES | PLAIN_SUFFIXES | {".json"}:
        for text in _texts(path.name, path.read_bytes()):
            yield "", text


def _built_files(paths: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """Each file with its name as published (its path inside a folder given)."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted((p, p.relative_to(path).as_posix()) for p in path.rglob("*")
                              if p.is_file())
        elif path.is_file():
            yield path, path.name


# Pieces of a long text are cut where a word's checksum says (about every 700 words, at
# least 200 apart): where they fall depends on the words around them, not on their
# place, so an edit changes the pieces around it and no other.
_PIECE_MIN, _PIECE_MASK = 200, 511


def piece_starts(words: list[str]) -> list[int]:
    """Where the pieces of a text (its words) start: see :func:`_names_by_piece`."""
    import zlib

    starts = [0]
    for index in range(1, len(words)):
        if index - starts[-1] >= _PIECE_MIN and (
                zlib.crc32(words[index].encode("utf-8", "surrogatepass")) & _PIECE_MASK) == 0:
            starts.append(index)
    return starts


def _names_by_piece(text: str, names: NamePatterns, verdicts: Verdicts) -> set[str]:
    """:func:`find_names` on ``text``, each piece of it found clean before not matched
    again (a Word document's body is one text: an edit changes a piece of it).

    The same verdict as on the whole: the patterns run on the folded text with its
    whitespace made single spaces, where a match covers at most one more word than the
    pattern has ``\\s`` (each matches at most one space). Each piece runs that many words
    into the next, so every match lies whole in some piece; a piece starts and ends at a
    word's edge, where the whole has a space, so the patterns' word boundaries read the
    same."""
    words = _folded(text).split()
    reach = max(pattern.pattern.count(r"\s") for _, pattern in names) + 1
    starts = piece_starts(words)
    found: set[str] = set()
    for start, end in zip(starts, [*starts[1:], len(words)], strict=True):
        piece = " ".join(words[start:end + reach])
        key = Verdicts.text_key(piece)
        if verdicts.known(key):
            continue
        named = {record_id for record_id, pattern in names if pattern.search(piece)}
        if not named:
            verdicts.seen.add(key)
        found |= named
    return found


def leaks_as_published(made: Path, published: Path,
                       source: Manuscript | Register | Path | str) -> list[str]:
    """Every forbidden name in ``made`` (a file, or a folder of them, not yet in place),
    each said at ``published``, where it would have gone: the last gate of an output
    made aside and kept only when clean (the reviewer pack, a redline)."""
    return [str(leak).replace(str(made), str(published), 1)
            for leak in scan_built_files([made], source)]


def scan_built_files(paths: list[Path], source: Manuscript | Register | Path | str,
                     verdicts: Verdicts | None = None) -> list[Leak]:
    """Every forbidden name in the given built files (folders are walked).

    ``verdicts`` holds what was found clean before against the same names (the caller
    keys them by the names): a file whose bytes were clean has only its published name
    scanned; in a changed file, a PDF page drawn from the same content and a text (a
    page's, a part's) with the same characters are not matched again. An incremental
    build changes a few pages of a site and a few pages of each PDF."""
    names = forbidden_names(source)
    if not names:
        return []
    leaks: set[Leak] = set()
    for path, published in _built_files(paths):
        for record_id in find_names(locator_words(published), names):
            leaks.add(Leak(path, record_id, "file name"))
        try:
            whole = verdicts.file_key(path) if verdicts is not None else None
            if whole is not None and verdicts is not None and verdicts.known(whole):
                continue
            found: set[Leak] = set()
            named_groups: set[str] = set()
            groups: set[str] = set()
            for part, text, group in _file_texts(path, verdicts):
                named = (find_names(text, names) if verdicts is None
                         else _names_by_piece(text, names, verdicts))
                found.update(Leak(path, record_id, part) for record_id in named)
                if group is not None:
                    groups.add(group)
                    if named:
                        named_groups.add(group)
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            # An unreadable output cannot be shown to be clean: treat it as leaking.
            leaks.add(Leak(path, "?", f"unreadable: {exc}"))
            continue
        leaks |= found
        if verdicts is not None:
            verdicts.seen.update(groups - named_groups)
            if not found and whole is not None:
                verdicts.seen.add(whole)
    return sorted(leaks)
