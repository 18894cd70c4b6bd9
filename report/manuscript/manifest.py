"""The manifest: ``mkdocs.yml`` is the one place for title, metadata and chapter order.

Keeping the report's metadata in the MkDocs configuration (under ``extra:``) means the
web edition and the PDFs cannot disagree about the title or the chapter order, and a
plain ``mkdocs build`` in the tree still works.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from report.errors import InputError, Problem
from report.manuscript import yamlsource

MANIFEST = "mkdocs.yml"
EDITION_NAMES = ("print", "digital", "web", "docx", "epub")


@dataclass(frozen=True)
class NavEntry:
    """One chapter in reading order: its file (relative to docs_dir) and nav title."""

    file: str
    title: str | None
    line: int


@dataclass
class Manifest:
    """What the editions need to know about the report as a whole."""

    root: Path
    title: str
    docs_dir: str = "chapters"
    subtitle: str | None = None
    partners: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    version: str = "0.0.0"
    date: str | None = None
    licence: str | None = None
    isbn: dict[str, str] = field(default_factory=dict)
    isbn_placeholders: set[str] = field(default_factory=set)
    partner_articles: dict[str, str] = field(default_factory=dict)
    language: str = "en-GB"
    bibliography: list[str] = field(default_factory=list)
    csl: str | None = None
    place: str | None = None
    copyright: str | None = None
    word_targets: dict[str, int] = field(default_factory=dict)
    nav: list[NavEntry] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def full_title(self) -> str:
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title

    @property
    def partners_in_text(self) -> str:
        """The partners as running text needs them: "Cumberland Lodge and the Independent
        Anti-Slavery Commissioner" (an office takes "the"; a partner's ``article``)."""
        names = [" ".join(filter(None, (self.partner_articles.get(name), name)))
                 for name in self.partners]
        if len(names) < 2:
            return "".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def slug(self) -> str:
        """File-name stem of the editions, from ``extra.slug`` or the title."""
        explicit = self.extra.get("slug")
        if explicit:
            return str(explicit)
        return slugify(self.title)[:60].strip("-") or "report"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _flatten_nav(items: Any, path: str, problems: list[Problem]) -> list[NavEntry]:
    """MkDocs nav entries may be ``file``, ``{title: file}`` or nested sections."""
    entries: list[NavEntry] = []
    if not isinstance(items, list):
        problems.append(Problem(path, getattr(items, "line", None), "nav must be a list"))
        return entries
    for index, item in enumerate(items):
        line = items.line_of(index) if isinstance(items, yamlsource.LinedList) else None
        if isinstance(item, str):
            entries.append(NavEntry(item, None, line or 0))
        elif isinstance(item, dict) and len(item) == 1:
            (title, target), = item.items()
            if isinstance(target, str):
                if not re.match(r"^[a-z]+://", target):
                    entries.append(NavEntry(target, str(title), line or 0))
            else:
                entries.extend(_flatten_nav(target, path, problems))
        else:
            problems.append(Problem(path, line, f"nav entry not understood: {item!r}"))
    return entries


ISBN_PLACEHOLDER = "(placeholder)"


def isbn_problem(value: str) -> str | None:
    """Why ``value`` is not an ISBN-13 with a valid check digit (None when it is)."""
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"97[89]\d{10}", digits):
        return "is not a 13-digit ISBN starting 978 or 979"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    check = (10 - total % 10) % 10
    if int(digits[12]) != check:
        return f"has a wrong check digit: {digits[12]}, not {check}"
    return None


def _partners(value: Any, problems: list[Problem]) -> tuple[list[str], dict[str, str]]:
    """Partners are names, or ``{name: ..., article: the}`` for those English gives an
    article in running text ("the Independent Anti-Slavery Commissioner")."""
    names: list[str] = []
    articles: dict[str, str] = {}
    for item in [] if value is None else [value] if isinstance(value, str) else value:
        if isinstance(item, dict):
            name = str(item.get("name") or "")
            if not name:
                problems.append(Problem(MANIFEST, getattr(item, "line", None),
                                        "a partner given as a mapping needs a name"))
                continue
            names.append(name)
            if item.get("article"):
                articles[name] = str(item["article"])
        else:
            names.append(str(item))
    return names, articles


def _string_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def load_manifest(root: Path) -> Manifest:
    """Read and validate ``mkdocs.yml`` in the report tree."""
    path = root / MANIFEST
    config = yamlsource.load(path, MANIFEST)
    problems: list[Problem] = []
    if not isinstance(config, dict):
        raise InputError(Problem(MANIFEST, 1, "expected a mapping of MkDocs settings"))
    extra = config.get("extra") or {}
    if not isinstance(extra, dict):
        problems.append(Problem(MANIFEST, config.line_of("extra"), "extra must be a mapping"))
        extra = {}
    title = extra.get("title") or config.get("site_name")
    if not title:
        problems.append(Problem(MANIFEST, 1, "site_name is required"))
    nav = _flatten_nav(config.get("nav") or [], MANIFEST, problems)
    if "nav" not in config:
        problems.append(Problem(MANIFEST, 1, "nav is required: it gives the chapter order"))
    isbn = extra.get("isbn") or {}
    if not isinstance(isbn, dict):
        problems.append(Problem(MANIFEST, extra.line_of("isbn"), "isbn must map editions"))
        isbn = {}
    numbers: dict[str, str] = {}
    placeholders: set[str] = set()
    for edition, value in isbn.items():
        if edition not in EDITION_NAMES:
            problems.append(Problem(MANIFEST, isbn.line_of(edition),
                                    f"isbn for unknown edition {edition!r}"))
            continue
        number = str(value).strip()
        if number.endswith(ISBN_PLACEHOLDER):
            number = number[:-len(ISBN_PLACEHOLDER)].strip()
            placeholders.add(str(edition))
        why = isbn_problem(number)
        if why:
            problems.append(Problem(MANIFEST, isbn.line_of(edition),
                                    f"ISBN for the {edition} edition {number} {why}"))
        numbers[str(edition)] = number
    targets = extra.get("word_targets") or {}
    if not isinstance(targets, dict):
        problems.append(Problem(MANIFEST, extra.line_of("word_targets"),
                                "word_targets must map chapter files to numbers of words"))
        targets = {}
    for name, value in list(targets.items()):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Problem(MANIFEST, targets.line_of(name),
                                    f"word target for {name} is not a number of words: "
                                    f"{value!r}"))
            del targets[name]
    partners, articles = _partners(extra.get("partners"), problems)
    if problems:
        raise InputError(problems)
    return Manifest(
        root=root,
        title=str(title),
        docs_dir=str(config.get("docs_dir") or "docs"),
        subtitle=extra.get("subtitle"),
        partners=partners,
        partner_articles=articles,
        authors=_string_list(extra.get("authors") or config.get("site_author")),
        publisher=extra.get("publisher"),
        version=str(extra.get("version") or "0.0.0"),
        date=str(extra["date"]) if extra.get("date") else None,
        licence=extra.get("licence"),
        isbn=numbers,
        isbn_placeholders=placeholders,
        language=str(extra.get("language") or "en-GB"),
        bibliography=_string_list(extra.get("bibliography")),
        csl=extra.get("csl"),
        place=extra.get("place"),
        copyright=extra.get("copyright") or config.get("copyright"),
        word_targets={str(k): int(v) for k, v in targets.items()},
        nav=nav,
        extra=dict(extra),
        config=dict(config),
    )
