"""Personal names wherever text is printed (NAME codes): the Chatham House Rule beyond the
register.

The consent checks know only the people in ``contributors.yaml``. The conference was held
under the Chatham House Rule, so no delegate may be identified whether or not they are in
the register: this check finds personal names in the chapters (body, headings, captions,
alt text, footnotes, tables, quote attributions) and in the metadata of ``mkdocs.yml``.

- A name in a quote attribution (``::: {.quote by="..."}``) is an error (NAME-ATTRIBUTION):
  attributions are role-only.
- Elsewhere a name is a warning (NAME-TEXT) unless it is a contributor in the register
  (the consent checks judge those), an author in the bibliography, or a public office
  holder named in that role ("the Home Secretary, Jane Doe"). An author who keeps a name
  on purpose says why with ``<!-- report: allow NAME-TEXT reason -->``.

Detection is a gazetteer with rules, not a statistical model: the given names and
surnames of the 86 locales Faker ships (MIT; installed with the toolkit, nothing is
downloaded at run time), run over capitalised words in sequence. A run is a name when it
starts with a title ("Dr Okafor"), an initial before a known surname ("J. Hargreaves"), a
known given name before a name-like word ("Sarah Johnson", "Dawit Tesfaye"), or an
unknown name-like word before a known surname ("Wei Zhang"). A word the document also
writes in lower case ("grace", "hope") is not name-like; a run that goes on into an
organisation or place word ("St Giles Trust", "Milton Keynes Council") is not a person.
``tests/names/labelled.txt`` measures precision and recall. Messages never repeat the
name: check output ends up in CI logs.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from report.checks.findings import Finding, position
from report.manuscript import MANIFEST, yamlsource

if TYPE_CHECKING:
    from report.checks.source import ChapterSource
    from report.manuscript import Manuscript
    from report.manuscript.contributors import Register

DATA = "data/names.yaml"
ATTRIBUTION_MESSAGE = ("personal name in a quote attribution: the conference was held under "
                       "the Chatham House Rule, so attributions name a role only")
ATTRIBUTION_SUGGESTION = 'attribute by role only, e.g. by="practitioner, local authority"'
TEXT_MESSAGE = ("personal name that is not a contributor in the register, a cited author or "
                "a public office holder named in that role: under the Chatham House Rule no "
                "delegate may be identified, and a named child or family could be traced")
TEXT_SUGGESTION = ("describe the role instead; if the person agreed to be named, add them to "
                   "contributors.yaml; if named in a public office, name the office beside "
                   "them; to keep it, <!-- report: allow NAME-TEXT <why> -->")

_WORD = re.compile(r"(?<![\w@#/\\:.=-])[^\W\d_][\w'\u2019-]*")
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_ATTRIBUTION = re.compile(r"""(?<![\w-])by\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_QUOTE_OPEN = re.compile(r"^[ \t]*:{3,}[ \t]*\{([^}\n]*)\}", re.M)
_YAML_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$", re.M)


def fold(word: str) -> str:
    """A word as the gazetteer keeps it: accents removed, lower case."""
    if word.isascii():
        return word.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", word)
                   if not unicodedata.combining(c)).lower()


@dataclass(frozen=True)
class Lexicon:
    """The gazetteer and the word lists of ``data/names.yaml``, folded."""

    given: frozenset[str]
    surnames: frozenset[str]
    titles: frozenset[str]
    particles: frozenset[str]
    not_given: frozenset[str]
    not_person: frozenset[str]
    place_prefixes: frozenset[str]
    offices: re.Pattern[str]


def _latin(word: str) -> bool:
    if word.isascii():
        return bool(word)
    return bool(word) and all(ord(c) < 0x250 or unicodedata.combining(c) for c in word)


# Where the names Faker ships are kept between builds (build/.cache of the report being
# checked), once a check of that report has asked for them (keep_lexicon_in).
_KEPT_IN: Path | None = None
LEXICON_KEPT = "names-lexicon.json"


def keep_lexicon_in(folder: Path) -> None:
    """Keep the names Faker ships in ``folder`` (a report's build cache, once its
    ``build/`` exists) and read them from there: reading them costs a child process,
    0.3 s of every build that checks an attribution."""
    global _KEPT_IN
    _KEPT_IN = folder


def _lexicon_key() -> str:
    """What the kept names are made from: Faker's release, this module, the toolkit."""
    import hashlib
    from importlib import metadata

    from report import __version__

    return hashlib.sha256("\0".join([
        __version__, metadata.version("faker"),
        hashlib.sha256(Path(__file__).read_bytes()).hexdigest()]).encode()).hexdigest()


def _faker_names() -> tuple[set[str], set[str]]:
    """Given names and surnames of every person locale Faker ships (Latin script), read
    in a child process: importing Faker's person locales grows a process by about 20 MiB
    that Python does not give back, which a build kept through its layout and assembly
    (and its forked layout workers inherited). The child sends two lists (1 MB).

    Kept between builds (:func:`keep_lexicon_in`) under this user's seal
    (:mod:`report.seal`): a planted file that left a name out would let it through the
    attribution check unseen, so one whose seal does not verify is read afresh."""
    import subprocess

    from report.outputs import write_text
    from report.seal import seal, sealed

    key = _lexicon_key()
    path = _KEPT_IN / LEXICON_KEPT if _KEPT_IN is not None else None
    if path is not None:
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            kept = None
        if isinstance(kept, dict) and kept.get("key") == key and sealed(
                "names-lexicon", json.dumps([key, kept.get("names")]).encode(),
                kept.get("seal")):
            given, surnames = kept["names"]
            return set(given), set(surnames)
    package = Path(__file__).resolve().parent.parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(package), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.run([sys.executable, "-m", "report.checks.names"], env=env,
                          capture_output=True, check=True)
    given, surnames = json.loads(proc.stdout)
    mark = seal("names-lexicon", json.dumps([key, [given, surnames]]).encode())
    # Kept only in a build/ that is already there, as the toolkit's fingerprint is: a
    # check of a tree never built must not make one, or the build it refuses next (a
    # name without consent) would find build/ there and keep its render in it.
    if path is not None and mark is not None and path.parent.parent.is_dir():
        try:
            path.parent.mkdir(exist_ok=True)
            write_text(path, json.dumps({"key": key, "names": [given, surnames],
                                         "seal": mark}))
        except OSError:
            pass  # kept next time, perhaps
    return set(given), set(surnames)


def _read_faker_names() -> tuple[set[str], set[str]]:
    """The names, read here (see :func:`_faker_names`)."""
    import faker.providers.person as locales

    given: set[str] = set()
    surnames: set[str] = set()
    for module in pkgutil.iter_modules(locales.__path__):
        provider = importlib.import_module(f"{locales.__name__}.{module.name}").Provider
        for attributes, into in ((("first_names", "first_names_male", "first_names_female",
                                   "first_names_nonbinary"), given),
                                 (("last_names", "last_names_male", "last_names_female"),
                                  surnames)):
            for attribute in attributes:
                value = getattr(provider, attribute, None)
                if isinstance(value, dict | list | tuple | set | frozenset):
                    into.update(fold(name) for name in value if _latin(name))
    return given, surnames


@cache
def lexicon() -> Lexicon:
    text = resources.files("report.checks").joinpath(DATA).read_text(encoding="utf-8")
    data = yamlsource.parse(text, f"report/checks/{DATA}")
    given, surnames = _faker_names()

    def folded(key: str) -> frozenset[str]:
        return frozenset(fold(str(word)) for word in data.get(key) or [])

    offices = "|".join(r"\s+".join(re.escape(w) for w in str(o).split())
                       for o in sorted(data.get("offices") or [], key=len, reverse=True))
    return Lexicon(given=frozenset(given), surnames=frozenset(surnames),
                   titles=folded("titles"), particles=folded("particles"),
                   not_given=folded("not_given"), not_person=folded("not_person"),
                   place_prefixes=folded("place_prefixes"),
                   offices=re.compile(rf"(?<!\w)(?:{offices})(?!\w)"))


# ------------------------------------------------------------------------- detection


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        """The word without a possessive, folded."""
        return fold(_POSSESSIVE.sub("", self.text)) if len(self.text) > 2 else fold(self.text)

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper()

    @property
    def initial(self) -> bool:
        return len(self.text) == 1 and self.text.isupper()


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Words the document writes in lower case: capitalised, they start a sentence."""
    return frozenset(fold(m.group(0)) for text in texts for m in _WORD.finditer(text)
                     if m.group(0)[0].islower())


def _runs(text: str, lex: Lexicon) -> Iterator[list[Token]]:
    """Runs of capitalised words within a paragraph, one space or line break apart
    (particles and initials inside)."""
    run: list[Token] = []
    previous: Token | None = None
    pending: list[Token] = []  # particles waiting for a capitalised word
    for match in _WORD.finditer(text):
        token = Token(match.start(), match.end(), match.group(0))
        gap = text[previous.end:token.start] if previous else ""
        joined = previous is not None and gap.count("\n") <= 1 and (
            not gap.strip() or (gap.strip() == "." and (previous.initial
                                                        or previous.key in lex.titles)))
        if token.capitalised:
            if run and joined:
                run.extend(pending)
                run.append(token)
            else:
                if run:
                    yield run
                run = [token]
            pending = []
        elif run and joined and token.key in lex.particles and not pending[3:]:
            pending.append(token)
        else:
            if run:
                yield run
            run, pending = [], []
        previous = token
    if run:
        yield run


class _Judge:
    """Whether the words of a run are given names, surnames or merely capitalised."""

    def __init__(self, lex: Lexicon, common: frozenset[str]):
        self.lex = lex
        self.common = common

    def stop(self, token: Token) -> bool:
        return token.key in self.lex.not_person or token.key in self.lex.not_given

    def name_like(self, token: Token) -> bool:
        """Could be part of a name: capitalised, not an acronym, not a common word."""
        text = _POSSESSIVE.sub("", token.text)
        return (token.capitalised and len(text) > 1 and not text.isupper()
                and not self.stop(token) and token.key not in self.common)

    @staticmethod
    def _known(token: Token, names: frozenset[str]) -> bool:
        """In the gazetteer, whole or (hyphenated, "Ebadi-Khan") by every part."""
        parts = [p for p in token.key.split("-") if p]
        return token.key in names or (len(parts) > 1 and all(p in names for p in parts))

    def given(self, token: Token) -> bool:
        return self.name_like(token) and self._known(token, self.lex.given)

    def weak_given(self, token: Token) -> bool:
        """A given name that is also a word ("Grace", "Mercy"): a name only before a
        known surname."""
        return (token.capitalised and token.key in self.lex.not_given
                and token.key not in self.lex.not_person and token.key in self.lex.given)

    def surname(self, token: Token) -> bool:
        return self.name_like(token) and (
            self._known(token, self.lex.surnames)
            or any(p in self.lex.surnames for p in token.key.split("-")[1:]))

    def title(self, token: Token) -> bool:
        return token.capitalised and token.key.rstrip(".") in self.lex.titles


def _name_spans(run: list[Token], judge: _Judge, lenient: bool) -> Iterator[tuple[int, int]]:
    """``(first, last)`` token indexes of the names in one run."""
    lex = judge.lex
    i = 0
    while i < len(run):
        token = run[i]
        j = i + 1
        # the rest of the run that may belong to a name (particles inside)
        while j < len(run) and j - i < 5 and (judge.name_like(run[j]) or
                                               run[j].key in lex.particles):
            j += 1
        while j - 1 > i and run[j - 1].key in lex.particles:
            j -= 1
        tail = run[i + 1:j]
        found = False
        if token.key in lex.place_prefixes:
            pass  # "West Yorkshire", "St Helens": a place, whatever follows
        elif judge.title(token) and tail:
            found = True
        elif token.initial and tail and judge.surname(tail[-1]):
            found = True
        elif judge.given(token) and tail:
            found = True
        elif judge.weak_given(token) and len(tail) == 1 and judge.surname(tail[0]):
            found = True
        elif tail and judge.name_like(token) and (
                judge.surname(tail[-1]) or (judge.surname(token) and judge.given(tail[0]))):
            found = True
        elif lenient and judge.given(token):
            found, j = True, i + 1
        if found:
            after = run[j] if j < len(run) else None
            prefix = run[i - 1] if i > 0 else None
            organisation = after is not None and after.key in lex.not_person
            place = prefix is not None and prefix.capitalised and \
                prefix.key.rstrip(".") in lex.place_prefixes
            if not (organisation or place):
                yield i, j - 1
            i = j
        else:
            i += 1


def find_names(text: str, common: frozenset[str] | None = None,
               lenient: bool = False) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the personal names in ``text``.

    ``common``: the document's lower-case words (:func:`vocabulary`); by default those of
    ``text``. ``lenient``: a known given name alone counts too (an attribution is meant
    to hold a role only, so even "Sarah" there identifies).
    """
    lex = lexicon()
    judge = _Judge(lex, vocabulary([text]) if common is None else common)
    spans = []
    for run in _runs(text, lex):
        for first, last in _name_spans(run, judge, lenient):
            end = run[last].end
            word = run[last].text
            possessive = _POSSESSIVE.search(word) if len(word) > 2 else None
            spans.append((run[first].start, end - (len(possessive.group(0)) if possessive
                                                   and word[-1] in "s'\u2019" else 0)))
    return spans


# ------------------------------------------------------------------------ exemptions


def cited_authors(manuscript: Manuscript) -> frozenset[tuple[str, str]]:
    """``(family, given initial)`` of every author and editor in the bibliography, read
    by pandoc (the same reader as the build)."""
    from report.checks.citations import bibliography_files
    from report.render import pandoc

    people: set[tuple[str, str]] = set()
    for _, path in bibliography_files(manuscript):
        suffix = path.suffix.lower()
        if suffix == ".json":
            items = json.loads(path.read_text(encoding="utf-8"))
        elif suffix in (".yaml", ".yml"):
            items = (yamlsource.load(path, path.name) or {}).get("references") or []
        else:
            items = json.loads(pandoc.run(["-f", "biblatex", "-t", "csljson",
                                           str(path)]).stdout)
        for item in items if isinstance(items, list) else []:
            for role in ("author", "editor"):
                for person in item.get(role) or []:
                    family = fold(str(person.get("family") or person.get("literal") or ""))
                    given = fold(str(person.get("given") or ""))[:1]
                    if family:
                        people.add((family.split()[-1], given))
    return frozenset(people)


def _is_cited(name: str, authors: frozenset[tuple[str, str]]) -> bool:
    words = [fold(_POSSESSIVE.sub("", w)) for w in name.replace(".", " ").split()]
    if not words:
        return False
    lex = lexicon()
    given = words[0][:1] if words[0].rstrip(".") not in lex.titles and len(words) > 1 else ""
    return any(family == words[-1] and (not given or not initial or initial == given)
               for family, initial in authors)


def _in_office(text: str, start: int, end: int) -> bool:
    """A public office named just before or just after the name, in the same sentence."""
    offices = lexicon().offices
    before = text[max(0, start - 80):start]
    before = re.split(r"[.;:\n]\s", before)[-1]
    if re.search(rf"(?:{offices.pattern})(?:\s*,)?\s*(?:\w+\s+)?$", before):
        return True
    after = text[end:end + 100]
    after = re.split(r"[.;:\n](?:\s|$)", after)[0]
    return bool(re.match(
        rf"^(?:['\u2019]s)?\s*(?:,|\(|\u2013|\u2014|-)?\s*(?:(?:the|then|former|current|"
        rf"now|who\s+was|who\s+is|as|a)\s+)*(?:[\w'\u2019-]+\s+){{0,6}}?"
        rf"(?:{offices.pattern})", after))


def register_patterns(register: Register) -> list[re.Pattern[str]]:
    """The consent checks' patterns for every person in the register (they judge those)."""
    from report.checks.consent import name_pattern

    return [name_pattern(c.name) for c in register if c.is_person]


def _registered(name: str, patterns: list[re.Pattern[str]]) -> bool:
    from report.checks.consent import fold as consent_fold

    folded = consent_fold(" ".join(name.split()))[0]
    return any(pattern.search(folded) for pattern in patterns)


# -------------------------------------------------------------------------- findings


def _attributions(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of the ``by`` value of every ``.quote`` block."""
    for block in _QUOTE_OPEN.finditer(text):
        attributes = block.group(1)
        if re.search(r"(?<![\w-])\.quote(?![\w-])", attributes):
            by = _ATTRIBUTION.search(attributes)
            if by:
                group = 1 if by.group(1) is not None else 2
                yield block.start(1) + by.start(group), block.start(1) + by.end(group)


def _metadata_text(manuscript: Manuscript) -> str:
    """``mkdocs.yml`` with its comments blanked: what the title pages and metadata print."""
    from report.checks.source import blank_matches

    return blank_matches((manuscript.root / MANIFEST).read_text(encoding="utf-8"),
                         _YAML_COMMENT)


def name_findings(manuscript: Manuscript, sources: list[ChapterSource], *,
                  errors_only: bool = False) -> list[Finding]:
    """NAME-ATTRIBUTION errors and NAME-TEXT warnings for every chapter and the manifest.

    ``errors_only`` (a build, which stops on errors alone): the attributions only. Their
    names still need the whole document's lower-case words, read only when the book has
    an attribution at all (a book without quotes pays nothing here)."""
    from report.manuscript.contributors import load_contributors

    keep_lexicon_in(manuscript.build_dir / ".cache")
    metadata = _metadata_text(manuscript)
    documents = [(s.rel, s.text, s.prose_masked) for s in sources]
    documents.append((MANIFEST, metadata, metadata))
    attributions = [list(_attributions(prose)) for _, _, prose in documents]
    if errors_only and not any(attributions):
        return []
    register = register_patterns(load_contributors(manuscript))
    common = vocabulary(prose for _, _, prose in documents)
    findings: list[Finding] = []
    for (rel, text, prose), quoted in zip(documents, attributions, strict=True):
        for start, end in quoted:
            for s, e in find_names(prose[start:end], common, lenient=True):
                if not _registered(prose[start + s:start + e], register):
                    line, column = position(text, start + s)
                    findings.append(Finding(rel, line, column, "NAME-ATTRIBUTION", "error",
                                            ATTRIBUTION_MESSAGE, ATTRIBUTION_SUGGESTION))
    if errors_only:
        return findings
    authors = cited_authors(manuscript)
    for (rel, text, prose), quoted in zip(documents, attributions, strict=True):
        for start, end in find_names(prose, common):
            name = prose[start:end]
            if any(q0 <= start < q1 for q0, q1 in quoted) or _registered(name, register) \
                    or _is_cited(name, authors) or _in_office(prose, start, end):
                continue
            line, column = position(text, start)
            findings.append(Finding(rel, line, column, "NAME-TEXT", "warning",
                                    TEXT_MESSAGE, TEXT_SUGGESTION))
    return findings


if __name__ == "__main__":  # the child of _faker_names
    json.dump([sorted(names) for names in _read_faker_names()], sys.stdout)
