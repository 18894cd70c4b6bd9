"""Contributors and their consent to be listed: ``contributors.yaml``.

The conference was held under the Chatham House Rule and survivors took part, so a name
is printed only where its owner opted in, in exactly the form they agreed to (name and
affiliation, name only, affiliation only), and never after they withdrew. Everything
that prints the list (every edition, ``report contributors``) goes through
:class:`Register`, so that there is one rule for who is listed and one order.

The file is validated twice: by the JSON Schema shipped in ``report/schemas`` (the same
one an editor uses for completion, through the modeline on the file's first line) and by
the rules a schema cannot say (unique ids, withdrawn not before given, a shown
affiliation that exists). Every problem becomes ``contributors.yaml:line: message``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

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


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema shipped with the package (also the file's modeline target)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


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
    return Register(tuple(parse_contributors(text)), organisations_first, count_others)


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


def parse_contributors(text: str, display: str = CONTRIBUTORS) -> list[Contributor]:
    """Validate the text of a ``contributors.yaml`` and build its records."""
    data = _parse_yaml(text, display)
    if data is None:
        return []
    problems = _duplicate_keys(text, display)
    plain = _plain(data)
    if isinstance(plain, dict) and plain.get("contributors") is None and "contributors" in plain:
        plain["contributors"] = []
    validator = Draft202012Validator(schema(), format_checker=FormatChecker())
    for error in validator.iter_errors(plain):
        problems.append(_problem(error, data, plain, display))
    problems.extend(_rules(data, display))
    if problems:
        unique = {(p.line or 0, p.message): p for p in problems}
        raise InputError([unique[k] for k in sorted(unique)])
    records = plain.get("contributors") or []
    items = data.get("contributors") or []
    return [_contributor(record, items.line_of(i) if isinstance(items, yamlsource.LinedList)
                         else 0) for i, record in enumerate(records)]


def _parse_yaml(text: str, display: str) -> Any:
    try:
        return yamlsource.parse(text, display)
    except ValueError as exc:
        # PyYAML turns an impossible unquoted date (2021-13-45) into a ValueError, not a
        # YAMLError; find the line so the author can fix it.
        for number, line in enumerate(text.splitlines(), 1):
            for found in re.finditer(r"\b(\d{4}-\d{1,2}-\d{1,2})\b", line):
                try:
                    dt.date.fromisoformat(found.group(1))
                except ValueError:
                    message = f"not a real date: {found.group(1)} ({exc})"
                    raise InputError(Problem(display, number, message)) from None
        raise InputError(Problem(display, None, f"malformed YAML: {exc}")) from None


def _duplicate_keys(text: str, display: str) -> list[Problem]:
    """A key written twice silently keeps only the last value; in a consent block that
    could undo a withdrawal, so it is an error."""
    problems = []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return problems
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        problems.append(Problem(
                            display, key.start_mark.line + 1,
                            f"key {key.value!r} is written twice (only the last would count)"))
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return problems


def _plain(value: Any) -> Any:
    """A JSON-shaped copy for the schema: YAML dates become ISO strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _line_at(data: Any, path: Sequence[Any]) -> int | None:
    """Line of the value at ``path``: the line of its key (or list item) in its parent."""
    node, line = data, getattr(data, "line", None) or 1
    for step in path:
        if isinstance(node, yamlsource.LinedDict) and step in node:
            line, node = node.line_of(step), node[step]
        elif isinstance(node, yamlsource.LinedList) and isinstance(step, int) and step < len(node):
            line, node = node.line_of(step), node[step]
        else:
            break
    return line


def _record_label(plain: Any, path: Sequence[Any]) -> str:
    if len(path) >= 2 and path[0] == "contributors" and isinstance(path[1], int):
        records = plain.get("contributors") if isinstance(plain, dict) else None
        record = records[path[1]] if isinstance(records, list) else None
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            return f"contributor {record['id']!r}: "
        return f"contributor #{path[1] + 1}: "
    return ""


def _field(path: Sequence[Any]) -> str:
    names = [str(p) for p in path[2:] if not isinstance(p, int)] if len(path) > 2 else []
    return ".".join(names) or ("contributors" if path else CONTRIBUTORS)


_TYPE_WORDS = {"string": "text", "boolean": "true or false", "array": "a list",
               "object": "a mapping of fields", "number": "a number"}


def _problem(error: ValidationError, data: Any, plain: Any, display: str) -> Problem:
    path = list(error.absolute_path)
    label = _record_label(plain, path)
    field = _field(path)
    line = _line_at(data, path)
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        if field == "consent" and missing in ("given", "show"):
            what = {"given": "the date consent was given",
                    "show": "what may be shown: " + " | ".join(SHOW_FORMS)}[missing]
            message = f"consent.{missing} is required where listed is true ({what})"
        elif not path:
            message = "expected 'contributors:' followed by a list of records"
        else:
            prefix = f"{field}." if field not in ("contributors", CONTRIBUTORS) else ""
            message = f"{prefix}{missing} is required"
    elif kind == "enum":
        value = error.instance
        if path and path[-2:-1] == ["roles"]:
            message = f"unknown role {value!r}; use one of: {', '.join(ROLES)}"
        else:
            options = " | ".join(str(v) for v in error.validator_value)
            message = f"{field} must be one of {options}, not {value!r}"
    elif kind in ("format", "pattern") and field in ("consent.given", "consent.withdrawn"):
        message = f"{field} must be an ISO date (YYYY-MM-DD), not {error.instance!r}"
    elif kind == "pattern" and field == "id":
        message = (f"id {error.instance!r} must be letters, digits, '.', '_' or '-' "
                   "(no spaces)")
    elif kind == "type":
        wanted = error.validator_value
        wanted = [wanted] if isinstance(wanted, str) else wanted
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
        message = f"{field} must be {words}, not {error.instance!r}"
        if not path:
            message = "expected a mapping with 'contributors:' followed by a list of records"
    elif kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        where = data
        for step in path:
            where = where[step]
        if isinstance(where, yamlsource.LinedDict) and unknown:
            line = where.line_of(unknown[0])
        message = (f"unknown field {', '.join(map(repr, unknown))} in {field} (a misspelt "
                   f"consent field could publish a name); use {', '.join(allowed)}")
    elif kind == "minItems":
        message = f"{field} must name at least one role"
    elif kind == "uniqueItems":
        message = f"{field} lists the same role twice"
    elif kind == "minLength":
        message = f"{field} must not be empty"
    else:
        message = f"{field}: {error.message}"
    return Problem(display, line, label + message)


def _rules(data: Any, display: str) -> list[Problem]:
    """What the schema cannot say: unique ids, dates in order, a shown affiliation."""
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("contributors"), list):
        return problems
    seen: dict[str, int] = {}
    for record in data["contributors"]:
        if not isinstance(record, yamlsource.LinedDict):
            continue
        record_id = record.get("id")
        label = f"contributor {record_id!r}: " if isinstance(record_id, str) else ""
        if isinstance(record_id, str):
            if record_id in seen:
                problems.append(Problem(display, record.line_of("id"),
                                        f"duplicate id {record_id!r} (first at line "
                                        f"{seen[record_id]})"))
            else:
                seen[record_id] = record.line_of("id")
        consent = record.get("consent")
        if not isinstance(consent, yamlsource.LinedDict):
            continue
        given, withdrawn = consent.get("given"), consent.get("withdrawn")
        if (isinstance(given, dt.date) and isinstance(withdrawn, dt.date)
                and not isinstance(given, dt.datetime) and not isinstance(withdrawn, dt.datetime)
                and withdrawn < given):
            problems.append(Problem(display, consent.line_of("withdrawn"),
                                    f"{label}consent.withdrawn ({withdrawn}) is before "
                                    f"consent.given ({given})"))
        show = consent.get("show")
        if consent.get("listed") is True and show in ("name-and-affiliation", "affiliation"):
            if not record.get("affiliation"):
                problems.append(Problem(display, consent.line_of("show"),
                                        f"{label}consent.show is {show} but the record has "
                                        "no affiliation"))
    return problems


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def _contributor(record: dict[str, Any], line: int) -> Contributor:
    consent = record.get("consent")
    wording = consent.get("wording") if consent else None
    return Contributor(
        id=record["id"],
        name=record["name"].strip(),
        roles=tuple(record["roles"]),
        type=record.get("type", "person"),
        affiliation=(record.get("affiliation") or "").strip() or None,
        sort_as=record.get("sort_as"),
        pseudonym=bool(record.get("pseudonym", False)),
        placeholder=bool(record.get("placeholder", False)),
        consent=None if consent is None else Consent(
            listed=consent["listed"],
            show=consent.get("show"),
            given=_date(consent.get("given")),
            method=consent.get("method"),
            wording=None if wording is None else str(wording),
            recorded_by=consent.get("recorded_by"),
            withdrawn=_date(consent.get("withdrawn")),
        ),
        line=line,
    )


# ---------------------------------------------------------------------- rendering

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
