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
from report.manuscript import tree, yamlsource

MANIFEST = "mkdocs.yml"
EDITION_NAMES = ("print", "digital", "web", "docx", "epub")
# MkDocs plugins a report may name: each is code that runs during the build.
PLUGINS = frozenset({"search", "report"})
# Markdown extensions MkDocs may load (chapter pages are the render's, so only pages the
# toolkit does not render use them): Python-Markdown's own, pymdownx and material's.
EXTENSION_PREFIXES = ("markdown.extensions.", "pymdownx.", "material.")
EXTENSIONS = frozenset({"abbr", "admonition", "attr_list", "codehilite", "def_list",
                        "extra", "fenced_code", "footnotes", "legacy_attrs", "legacy_em",
                        "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables",
                        "toc", "wikilinks"})
# Settings that make MkDocs run code or read files from outside the tree.
REFUSED_SETTINGS = {
    "INHERIT": "INHERIT not allowed: the manifest is one file in the tree",
    "hooks": "hooks not allowed: a report's manifest runs no code",
}
# Files the manifest names under extra:, read by the build (through the tree's gate).
EXTRA_FILES = ("bibliography", "csl", "print_profile", "terminology")


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


def _names(value: Any) -> list[tuple[str, int | None]]:
    """Plugin or extension names with their lines: a list of names or one-key mappings,
    or a mapping of names to options."""
    if isinstance(value, dict):
        return [(str(k), value.line_of(k) if isinstance(value, yamlsource.LinedDict) else None)
                for k in value]
    out: list[tuple[str, int | None]] = []
    for index, item in enumerate(value if isinstance(value, list) else [value]):
        line = value.line_of(index) if isinstance(value, yamlsource.LinedList) else None
        for name in (item if isinstance(item, dict) else [item]):
            out.append((str(name), line))
    return out


def _extension_allowed(name: str) -> bool:
    return name in EXTENSIONS or name.startswith(EXTENSION_PREFIXES)


def safety_problems(config: dict, root: Path) -> list[Problem]:
    """Settings that would make MkDocs run code or read outside the tree.

    Checked on the toolkit's own (safe) parse, before MkDocs, whose loader runs python
    tags and whose ``hooks``, ``INHERIT`` and ``theme.custom_dir`` read any file.
    """
    problems: list[Problem] = []

    def line(mapping: Any, key: str) -> int | None:
        return mapping.line_of(key) if isinstance(mapping, yamlsource.LinedDict) else None

    for key, message in REFUSED_SETTINGS.items():
        if key in config:
            problems.append(Problem(MANIFEST, line(config, key), message))
    theme = config.get("theme")
    if isinstance(theme, dict) and "custom_dir" in theme:
        problems.append(Problem(MANIFEST, line(theme, "custom_dir"),
                                "theme.custom_dir not allowed: the web edition's templates "
                                "are the toolkit's"))
    for name, at in _names(config.get("plugins") or []):
        if name not in PLUGINS:
            problems.append(Problem(MANIFEST, at, f"plugin {name!r} not allowed: a report "
                                    f"uses only {', '.join(sorted(PLUGINS))}"))
    for name, at in _names(config.get("markdown_extensions") or []):
        if not _extension_allowed(name):
            problems.append(Problem(MANIFEST, at, f"Markdown extension {name!r} not allowed"))
    for key in ("docs_dir", "site_dir"):
        value = config.get(key)
        if value is not None:
            try:
                tree.resolve_folder(root, str(value))
            except tree.Refused as exc:
                problems.append(Problem(MANIFEST, line(config, key), f"{key} {exc}"))
    docs_dir = str(config.get("docs_dir") or "docs")
    for key in ("extra_css", "extra_javascript"):
        items = config.get(key) or []
        for index, item in enumerate(items if isinstance(items, list) else [items]):
            name = str(item.get("path", "")) if isinstance(item, dict) else str(item)
            at = items.line_of(index) if isinstance(items, yamlsource.LinedList) else None
            try:
                tree.resolve(root / docs_dir, name, must_exist=False)
            except tree.Refused as exc:
                problems.append(Problem(MANIFEST, at, f"{key}: {exc} (the site loads "
                                        "nothing from elsewhere)"))
    extra = config.get("extra")
    if isinstance(extra, dict):
        for key in EXTRA_FILES:
            for name in _string_list(extra.get(key)) if key in extra else []:
                try:
                    tree.resolve(root, name, must_exist=False)
                except tree.Refused as exc:
                    problems.append(Problem(MANIFEST, line(extra, key), f"extra.{key}: {exc}"))
    return problems


def nav_problems(nav: list[NavEntry], root: Path, docs_dir: str) -> list[Problem]:
    """Chapters in nav must be files inside docs_dir once symlinks are resolved."""
    problems: list[Problem] = []
    try:
        docs = tree.resolve_folder(root, docs_dir)
    except tree.Refused:
        return problems  # already reported against docs_dir
    resolver = tree.Resolver(docs)
    for entry in nav:
        try:
            target = resolver.resolve(entry.file, must_exist=False)
        except tree.Refused as exc:
            problems.append(Problem(MANIFEST, entry.line, f"nav entry {exc}"))
            continue
        # tree.resolve refused a target outside docs_dir already (symlinks resolved):
        # left to tell is a symlink to a file inside it.
        if (docs / entry.file).is_symlink() or not target.is_relative_to(docs):
            problems.append(Problem(MANIFEST, entry.line,
                                    f"nav entry is a symlink: {entry.file} (chapters are "
                                    "files in the tree)"))
    return problems


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
    config = yamlsource.load(path, MANIFEST, tags=yamlsource.MKDOCS_TAGS)
    if not isinstance(config, dict):
        raise InputError(Problem(MANIFEST, 1, "expected a mapping of MkDocs settings"))
    problems = safety_problems(config, root)
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
    problems += nav_problems(nav, root, str(config.get("docs_dir") or "docs"))
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
