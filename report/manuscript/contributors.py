"""Contributors and their consent to be listed: ``contributors.yaml``.

The conference was held under the Chatham House Rule and survivors took part, so a name
is printed only where its owner opted in, in exactly the form they agreed to (name and
affiliation, name only, affiliation only), and never after they withdrew. Everything
that prints the list (every edition, ``report contributors``) goes through
:class:`Register`, so that there is one rule for who is listed and one order.

Reading and validating the file, with ``contributors.yaml:line: message`` for every
problem, is :mod:`report.manuscript.contributors_file`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from report.errors import InputError, Problem
from report.manuscript import yamlsource
from report.manuscript.manifest import MANIFEST, load_manifest

if TYPE_CHECKING:
    from report.manuscript import Manuscript

CONTRIBUTORS = "contributors.yaml"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "contributors.schema.json"
MODELINE = "# yaml-language-server: $schema=report/schemas/contributors.schema.json"

ROLES = (
    "author", "editor", "commissioner", "partner", "steering-committee",
    "conference-delegate", "speaker", "call-for-evidence-respondent",
    "consultation-reviewer", "survivor-adviser", "youth-advisory-board",
    "research-associate", "organisation",
)
SHOW_FORMS = ("name-and-affiliation", "name", "affiliation")
TYPES = ("person", "organisation")
STATUSES = ("listed", "declined", "withdrawn", "no-record")

# Print order of the appendix: a record appears once, in the first group holding one of
# its roles. Organisations sit after people (or before, by manifest option).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Authors and editors", ("author", "editor", "research-associate")),
    ("Commissioner and partners", ("commissioner", "partner")),
    ("Steering committee", ("steering-committee",)),
    ("Speakers", ("speaker",)),
    ("Conference delegates", ("conference-delegate",)),
    ("Call for evidence respondents", ("call-for-evidence-respondent",)),
    ("Consultation reviewers", ("consultation-reviewer",)),
    ("Survivor advisers and youth advisory board", ("survivor-adviser", "youth-advisory-board")),
    ("Organisations", ("organisation",)),
)
ORGANISATIONS_GROUP = "Organisations"

# Words that are part of how a name is written but not of who it names.
TITLES = frozenset({
    "dame", "sir", "dr", "prof", "professor", "mr", "mrs", "ms", "miss", "mx", "lord",
    "lady", "baroness", "baron", "cllr", "councillor", "rev", "revd", "reverend", "rt",
    "hon", "right", "honourable", "the",
})
POSTNOMINALS = frozenset({
    "obe", "cbe", "mbe", "dbe", "kbe", "bem", "qpm", "kc", "qc", "mp", "phd", "frsa",
    "jr", "sr", "ii", "iii", "iv",
})
# Surname particles: printed with the surname, ignored when sorting ("van Beethoven"
# sorts under B).
PARTICLES = frozenset({
    "de", "van", "von", "der", "den", "du", "le", "la", "da", "di", "del", "della", "des",
    "dos", "das", "do", "ter", "ten", "op", "het", "zu", "af", "al", "el", "bin", "ibn",
})


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Consent:
    """The recorded answer: opt-in, what is shown, when and how, and any withdrawal."""

    listed: bool
    show: str | None = None
    given: dt.date | None = None
    method: str | None = None
    wording: str | None = None
    recorded_by: str | None = None
    withdrawn: dt.date | None = None


@dataclass(frozen=True)
class NameParts:
    """A person's name taken apart for sorting and for matching as people write it."""

    given: tuple[str, ...]
    particles: tuple[str, ...]
    surname: str

    @property
    def full_surname(self) -> str:
        return " ".join((*self.particles, self.surname))


@dataclass(frozen=True)
class Contributor:
    """One record of ``contributors.yaml``; ``line`` is where it starts in the file."""

    id: str
    name: str
    roles: tuple[str, ...]
    type: str = "person"
    affiliation: str | None = None
    sort_as: str | None = None
    pseudonym: bool = False
    placeholder: bool = False
    consent: Consent | None = None
    line: int = 0

    @property
    def is_person(self) -> bool:
        return self.type == "person"

    @property
    def status(self) -> str:
        """listed, declined, withdrawn or no-record: the register's one-word answer."""
        if self.consent is None:
            return "no-record"
        if self.consent.withdrawn is not None:
            return "withdrawn"
        if self.consent.listed and self.consent.given is not None:
            return "listed"
        return "declined"

    @property
    def is_listed(self) -> bool:
        """Current opt-in: a consent block, listed, a date given and no withdrawal."""
        return self.status == "listed"

    @property
    def shows_name(self) -> bool:
        """Whether the printed list may carry this person's name."""
        return self.is_listed and self.consent is not None and self.consent.show != "affiliation"

    def display(self) -> tuple[str, str | None]:
        """``(display_name, affiliation)`` exactly as consented; only for listed records."""
        if not self.is_listed or self.consent is None:
            raise ValueError(f"{self.id} is not listed")
        if self.consent.show == "affiliation":
            return str(self.affiliation), None
        if self.consent.show == "name":
            return self.name, None
        return self.name, self.affiliation

    @property
    def name_parts(self) -> NameParts:
        return split_name(self.name)


@dataclass(frozen=True)
class Entry:
    """One printed line of the list: what ``report contributors --format json`` gives."""

    id: str
    display_name: str
    affiliation: str | None
    roles: tuple[str, ...]
    group: str

    @property
    def text(self) -> str:
        return f"{self.display_name}, {self.affiliation}" if self.affiliation else self.display_name

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "display_name": self.display_name,
                "affiliation": self.affiliation, "roles": list(self.roles)}


@dataclass(frozen=True)
class Group:
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Register:
    """Every record of a report tree, with the manifest's options for printing them."""

    contributors: tuple[Contributor, ...] = ()
    organisations_first: bool = False
    count_others: bool = False

    def __iter__(self):
        return iter(self.contributors)

    def __len__(self) -> int:
        return len(self.contributors)

    def get(self, record_id: str) -> Contributor | None:
        return next((c for c in self.contributors if c.id == record_id), None)

    def groups(self) -> list[Group]:
        """The listed records grouped by role, each group sorted; empty groups left out."""
        buckets: dict[str, list[Contributor]] = {title: [] for title, _ in GROUPS}
        for contributor in self.contributors:
            if contributor.is_listed:
                buckets[group_of(contributor)].append(contributor)
        order = [title for title, _ in GROUPS]
        if self.organisations_first:
            order.remove(ORGANISATIONS_GROUP)
            order.insert(0, ORGANISATIONS_GROUP)
        groups = []
        for title in order:
            members = sorted(buckets[title], key=lambda c: self._sort_key(c))
            entries = _entries(members, title)
            if entries:
                groups.append(Group(title, tuple(entries)))
        return groups

    def entries(self) -> list[Entry]:
        """Every printed line in print order."""
        return [entry for group in self.groups() for entry in group.entries]

    def others(self) -> int:
        """How many took part but are not listed: a number only, never who."""
        return sum(1 for c in self.contributors if c.roles and not c.is_listed)

    def _sort_key(self, contributor: Contributor) -> tuple:
        organisation_like = not contributor.is_person or (
            contributor.consent is not None and contributor.consent.show == "affiliation")
        rank = (0 if organisation_like else 1) if self.organisations_first else (
            1 if organisation_like else 0)
        return (rank, *sort_key(contributor))


def _entries(members: Sequence[Contributor], title: str) -> list[Entry]:
    """Entries of one group; an affiliation shown twice (two people consenting to
    affiliation only) is printed once."""
    entries: list[Entry] = []
    seen_bodies: set[str] = set()
    for contributor in members:
        display_name, affiliation = contributor.display()
        body_like = not contributor.is_person or affiliation is None and (
            contributor.consent is not None and contributor.consent.show == "affiliation")
        if body_like:
            key = fold_key(display_name)
            if key in seen_bodies:
                continue
            seen_bodies.add(key)
        entries.append(Entry(contributor.id, display_name, affiliation, contributor.roles, title))
    return entries


def group_of(contributor: Contributor) -> str:
    """The first group, in print order, holding one of the record's roles."""
    for title, roles in GROUPS:
        if any(role in roles for role in contributor.roles):
            return title
    return ORGANISATIONS_GROUP


# ------------------------------------------------------------------- names and sorting


def fold_key(text: str) -> str:
    """Comparison form: accents, case and punctuation ignored, hyphens as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = re.sub(r"[-\u2010\u2011\u2012\u2013\u2014]", " ", plain)
    plain = re.sub(r"[^\w\s]", "", plain)
    return re.sub(r"\s+", " ", plain).strip()


def _bare(word: str) -> str:
    return fold_key(word).replace(" ", "")


def split_name(name: str) -> NameParts:
    """Given names, particles and surname of a name as written ("Dame Sara Thornton",
    "Ludwig van Beethoven", "Jane Doe OBE"); titles and post-nominals dropped."""
    words = name.replace(",", " ").split()
    while len(words) > 1 and _bare(words[-1]) in POSTNOMINALS:
        words.pop()
    while len(words) > 1 and _bare(words[0]) in TITLES:
        words.pop(0)
    if not words:
        return NameParts((), (), name.strip())
    surname = words[-1]
    index = len(words) - 1
    while index > 1 and _bare(words[index - 1]) in PARTICLES:
        index -= 1
    return NameParts(tuple(words[:index]), tuple(words[index:-1]), surname)


def sort_key(contributor: Contributor) -> tuple[str, ...]:
    """Surname first, ignoring case, accents and particles; ``sort_as`` wins.

    An entry printed as an affiliation sorts by that affiliation: its place in the list
    must not hint at the name behind it."""
    affiliation_only = contributor.consent is not None and contributor.consent.show == "affiliation"
    if contributor.sort_as and not affiliation_only:
        surname, _, given = contributor.sort_as.partition(",")
        return (fold_key(surname), fold_key(given), fold_key(contributor.name), contributor.id)
    shown = contributor.name
    if affiliation_only:
        shown = contributor.affiliation or contributor.name
    if not contributor.is_person or affiliation_only:
        key = fold_key(shown)
        key = key[4:] if key.startswith("the ") else key
        return (key, "", "", contributor.id)
    parts = split_name(contributor.name)
    return (fold_key(parts.surname), fold_key(" ".join(parts.given)),
            fold_key(" ".join(parts.particles)), contributor.id)


# ------------------------------------------------------------------------ loading


def load_contributors(source: Manuscript | Path | str) -> Register:
    """Read ``contributors.yaml`` of a tree (a missing file: no contributors).

    ``source`` is a loaded :class:`~report.manuscript.Manuscript` or the tree's root;
    with a root, the manifest's options are read from ``mkdocs.yml`` if there is one.
    Every problem is raised together as an :class:`InputError`.
    """
    if isinstance(source, str | Path):
        root = Path(source).resolve()
        manifest = load_manifest(root) if (root / MANIFEST).is_file() else None
    else:
        root, manifest = source.root, source.manifest
    # The manifest's ``config`` keeps the line-aware mapping, for errors that point at it.
    extra = {} if manifest is None else manifest.config.get("extra") or manifest.extra
    organisations_first, count_others = _options(extra)
    path = root / CONTRIBUTORS
    if not path.is_file():
        return Register((), organisations_first, count_others)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(CONTRIBUTORS, None, f"cannot read: {exc}")) from None
    return Register(_records(text, root / "build"), organisations_first, count_others)


# The registers (their text's hash, the build folder) this process has kept or found
# kept: a cold build reads the register before there is a build/ to keep it in.
_KEPT: set[tuple[int, Path]] = set()


def _records(text: str, build_dir: Path) -> tuple[Contributor, ...]:
    """The records of a register's text, parsed once per process for the same text: a
    build reads the register for the render, the checks and each edition's name scan
    (a tenth of a second each on the bundled report); and once for all processes while
    the text and the toolkit are the same (:mod:`contributors_kept`), kept as soon as
    there is a ``build/``. Records are frozen; a problem is raised each time
    (exceptions are not cached, nor kept)."""
    records = _read_records(text, build_dir)
    if (hash(text), build_dir) not in _KEPT:
        if build_dir.is_dir():
            _keep(text, build_dir, records)
        else:  # kept once the render has made build/ (keep_unkept)
            _UNKEPT[(hash(text), build_dir)] = (text, records)
    return records


def _keep(text: str, build_dir: Path, records: tuple[Contributor, ...]) -> None:
    from report.manuscript import contributors_kept

    contributors_kept.keep(text, build_dir, records)
    _KEPT.add((hash(text), build_dir))
    _UNKEPT.pop((hash(text), build_dir), None)


# Readings made where there was no build/ yet (a tree's first render), to keep once the
# render has made it, so that the next render with nothing changed writes nothing.
_UNKEPT: dict[tuple[int, Path], tuple[str, tuple[Contributor, ...]]] = {}


def keep_unkept() -> None:
    """Keep the readings made before their ``build/`` was there, now that it is."""
    for (_, build_dir), (text, records) in list(_UNKEPT.items()):
        if build_dir.is_dir():
            _keep(text, build_dir, records)


@functools.lru_cache(maxsize=4)
def _read_records(text: str, build_dir: Path) -> tuple[Contributor, ...]:
    from report.manuscript import contributors_kept

    records = contributors_kept.kept(text, build_dir)
    if records is not None:
        _KEPT.add((hash(text), build_dir))
        return records
    from report.manuscript.contributors_file import parse_contributors  # our records

    return tuple(parse_contributors(text))


def _options(extra: dict[str, Any]) -> tuple[bool, bool]:
    problems = []
    where = extra.line_of if isinstance(extra, yamlsource.LinedDict) else (lambda _k: None)
    placement = extra.get("contributors_organisations", "last")
    if placement not in ("first", "last"):
        problems.append(Problem(MANIFEST, where("contributors_organisations"),
                                "extra.contributors_organisations must be 'first' or 'last'"))
    others = extra.get("contributors_others", False)
    if not isinstance(others, bool):
        problems.append(Problem(MANIFEST, where("contributors_others"),
                                "extra.contributors_others must be true or false"))
    if problems:
        raise InputError(problems)
    return placement == "first", bool(others)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#@~^$|!])")


def _escape(text: str) -> str:
    """Names are printed, never interpreted: no emphasis, citation or link by accident."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def register_markdown(register: Register) -> str:
    """The appendix list as pandoc Markdown: a bold title and a bullet list per group,
    so that every edition prints the same list without extra headings in the outline."""
    blocks: list[str] = []
    for group in register.groups():
        blocks.append(f"**{_escape(group.title)}**")
        blocks.append("\n".join(f"- {_escape(entry.text)}" for entry in group.entries))
    if blocks and register.count_others:
        others = register.others()
        if others:
            blocks.append(f"and {others} {'other' if others == 1 else 'others'} who took part.")
    return "\n\n".join(blocks) + "\n" if blocks else ""


def contributors_markdown(source: Manuscript | Path | str) -> str:
    """The contributors list for the ``::: {.contributors}`` placeholder of a chapter."""
    return register_markdown(load_contributors(source))


CSV_FIELDS = ("id", "name", "affiliation", "roles", "listed", "show", "given", "method",
              "wording", "recorded_by", "withdrawn", "status")


def register_rows(register: Register | Iterable[Contributor]) -> list[dict[str, str]]:
    """The consent register for the data-protection file: every record, listed or not."""
    rows = []
    for c in register:
        consent = c.consent
        rows.append({
            "id": c.id,
            "name": c.name,
            "affiliation": c.affiliation or "",
            "roles": "; ".join(c.roles),
            "listed": "" if consent is None else ("yes" if consent.listed else "no"),
            "show": (consent.show or "") if consent else "",
            "given": consent.given.isoformat() if consent and consent.given else "",
            "method": (consent.method or "") if consent else "",
            "wording": (consent.wording or "") if consent else "",
            "recorded_by": (consent.recorded_by or "") if consent else "",
            "withdrawn": consent.withdrawn.isoformat() if consent and consent.withdrawn else "",
            "status": c.status,
        })
    return rows
