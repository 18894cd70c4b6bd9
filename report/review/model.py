"""Review files and rounds: the records of a consultation, kept in git beside the text.

``review/<round>/round.yaml`` records a round (the commit the reviewers read);
``review/<round>/<reviewer-id>.yaml`` holds one reviewer's comments, so two reviewers'
files never conflict. A comment keeps what was marked exactly as marked (a W3C Web
Annotation target: quote, prefix, suffix, offsets, commit) so it can always be found
again or shown as orphaned; where it stands *now* is computed by
:mod:`report.review.anchoring`, never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from report.errors import InputError, Problem
from report.manuscript import yamlsource
from report.outputs import write_text

REVIEW_DIR = "review"
ROUND_FILE = "round.yaml"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "review.schema.json"
KINDS = ("comment", "insertion", "deletion", "replacement", "reply")
TYPES = ("ge", "te", "ed")
STATUSES = ("open", "accepted", "accepted-in-principle", "declined", "noted",
            "out-of-scope", "withdrawn")
CONTEXT = 32  # characters of prefix and suffix kept around a quote


def comment_id(sha256: str, native_id: str | None, kind: str) -> str:
    """Stable id: the same file imported twice gives the same ids, so nothing doubles."""
    digest = hashlib.sha256(f"{sha256}\0{native_id}\0{kind}".encode()).hexdigest()
    return "c-" + digest[:8]


@dataclass
class Source:
    """Where a comment came from: format, file name, its sha256 and the id inside it."""

    format: str
    file: str
    sha256: str
    native_id: str | None = None


@dataclass
class Target:
    """What a comment is about, at the round's commit (W3C selectors, source offsets)."""

    source: str | None = None
    commit: str | None = None
    paragraph: int | None = None
    exact: str = ""
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    marked: str | None = None

    def as_dict(self) -> dict[str, Any]:
        selector: list[dict[str, Any]] = [
            {"type": "TextQuoteSelector", "exact": self.exact, "prefix": self.prefix,
             "suffix": self.suffix}]
        if self.start is not None and self.end is not None:
            selector.append({"type": "TextPositionSelector", "start": self.start,
                             "end": self.end})
        out: dict[str, Any] = {"source": self.source, "commit": self.commit,
                               "paragraph": self.paragraph, "selector": selector}
        if self.marked is not None:
            out["marked"] = self.marked
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Target:
        data = data or {}
        target = cls(source=data.get("source"), commit=data.get("commit"),
                     paragraph=data.get("paragraph"), marked=data.get("marked"))
        for selector in data.get("selector") or []:
            if selector.get("type") == "TextQuoteSelector":
                target.exact = selector.get("exact") or ""
                target.prefix = selector.get("prefix") or ""
                target.suffix = selector.get("suffix") or ""
            elif selector.get("type") == "TextPositionSelector":
                target.start, target.end = selector.get("start"), selector.get("end")
        return target


@dataclass
class Disposition:
    """The author's answer: one of :data:`STATUSES`, a response, who and when."""

    status: str = "open"
    response: str | None = None
    by: str | None = None
    date: str | None = None


@dataclass
class Comment:
    """One comment, reply or suggested change, mirroring the review file's YAML."""

    id: str
    kind: str = "comment"
    type: str = "ge"
    body: str | None = None
    proposed: str | None = None
    author: str | None = None
    initials: str | None = None
    created: str | None = None
    parent: str | None = None
    resolved: bool = False
    source: Source | None = None
    target: Target = field(default_factory=Target)
    disposition: Disposition = field(default_factory=Disposition)
    move: str | None = None

    @property
    def quote(self) -> str:
        """The text the reviewer marked (empty for a point comment)."""
        return self.target.marked if self.target.marked is not None else self.target.exact

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "kind": self.kind, "type": self.type, "body": self.body,
            "proposed": self.proposed, "author": self.author, "initials": self.initials,
            "created": self.created,
        }
        if self.parent is not None:
            out["parent"] = self.parent
        out["resolved"] = self.resolved
        if self.move is not None:
            out["move"] = self.move
        if self.source is not None:
            out["source"] = dict(vars(self.source))
        out["target"] = self.target.as_dict()
        out["disposition"] = dict(vars(self.disposition))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], fallback_id: str) -> Comment:
        source = data.get("source")
        disposition = data.get("disposition") or {}
        return cls(
            id=str(data.get("id") or fallback_id),
            kind=data.get("kind") or "comment",
            type=data.get("type") or "ge",
            body=data.get("body"),
            proposed=data.get("proposed"),
            author=data.get("author"),
            initials=data.get("initials"),
            created=data.get("created"),
            parent=data.get("parent"),
            resolved=bool(data.get("resolved", False)),
            source=Source(source.get("format", "yaml"), source.get("file", ""),
                          source.get("sha256", ""), source.get("native_id"))
            if source else None,
            target=Target.from_dict(data.get("target")),
            disposition=Disposition(status=disposition.get("status") or "open",
                                    response=disposition.get("response"),
                                    by=disposition.get("by"), date=disposition.get("date")),
            move=data.get("move"),
        )


@dataclass
class Reviewer:
    id: str
    name: str | None = None
    organisation: str | None = None


@dataclass
class ReviewFile:
    """``review/<round>/<reviewer>.yaml``: one reviewer's comments in one round."""

    path: Path
    round: str
    reviewer: Reviewer
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Round:
    """A consultation round: the commit reviewers read, when, until when, and who."""

    name: str
    commit: str
    opened: str
    deadline: str | None = None
    reviewers: list[str] = field(default_factory=list)
    closed: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "commit": self.commit, "opened": self.opened,
                               "deadline": self.deadline, "reviewers": list(self.reviewers)}
        if self.closed:
            out["closed"] = self.closed
        return out


# --- reading ------------------------------------------------------------------------

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _stringify_dates(node: Any) -> Any:
    """YAML turns ``2021-11-02`` into a date; the model keeps ISO strings."""
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = _stringify_dates(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            node[index] = _stringify_dates(value)
    elif isinstance(node, dt.datetime):
        if node.tzinfo is not None and node.utcoffset() == dt.timedelta(0):
            return node.replace(tzinfo=None).isoformat() + "Z"
        return node.isoformat()
    elif isinstance(node, dt.date):
        return node.isoformat()
    return node


def _line_at(data: Any, path: list[Any]) -> int | None:
    """Line of the deepest node of ``path`` that remembers one."""
    line = getattr(data, "line", None)
    node = data
    for key in path:
        if isinstance(node, yamlsource.LinedDict) and key in node:
            line = node.line_of(key)
            node = node[key]
        elif isinstance(node, yamlsource.LinedList) and isinstance(key, int) and key < len(node):
            line = node.line_of(key)
            node = node[key]
        else:
            break
    return line


def validate(data: Any, rel: str) -> None:
    """Check review-file data against the schema; every error as ``path:line: message``."""
    validator = jsonschema.Draft202012Validator(schema())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        problems.append(Problem(rel, _line_at(data, list(error.absolute_path)),
                                f"{where}: {error.message}"))
    if problems:
        raise InputError(problems)


def duplicate_keys(text: str, rel: str) -> list[Problem]:
    """Keys written twice in one mapping, each at its second line.

    YAML loaders keep the last value silently; in a review file the first would be a
    comment (or its answer) lost without a word.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return []  # the line-aware parse reports the syntax error
    problems: list[Problem] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        problems.append(Problem(rel, line, f"key {key.value!r} twice in one "
                                                f"mapping (first at line {seen[key.value]})"))
                    else:
                        seen[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(problems, key=lambda p: p.line or 0)


def parse_review(text: str, rel: str) -> Any:
    """Parse and validate the YAML text of a review file; return its data.

    libyaml and one schema pass first (a file may hold thousands of comments); only a
    file with a problem is parsed again, slowly, to report each problem with its line.
    A key written twice is bad input too, never a silent choice of one value.
    """
    yamlsource.check_limits(text, rel)  # an alias bomb would hang the quick path too
    doubled = duplicate_keys(text, rel)
    if doubled:
        raise InputError(doubled)
    try:
        quick = _stringify_dates(yaml.load(text, Loader=_Loader))
    except yaml.YAMLError:
        quick = None
    if isinstance(quick, dict) and jsonschema.Draft202012Validator(schema()).is_valid(quick):
        return quick
    data = yamlsource.parse(text, rel)
    if not isinstance(data, dict):
        raise InputError(Problem(rel, 1, "a review file is a mapping with a 'comments' list"))
    data = _stringify_dates(data)
    validate(data, rel)
    return data


def person_id(name: str) -> str:
    """A reviewer id for a name as written, in any script.

    A name in Latin letters reads as its slug (``Jane Smith`` is ``jane-smith``); a name
    with letters of any other script (``Иван Петров``, ``李小龍``) gets a hash of the exact
    name after whatever slug it has, so people are never merged because their names
    share no ASCII letters.
    """
    from report.manuscript.manifest import slugify

    ident = slugify(name)
    letters = [c for c in name if c.isalpha()]
    if ident and all(unicodedata.name(c, "").startswith("LATIN") for c in letters):
        return ident
    digest = hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:8]
    return f"{ident}-{digest}" if ident else f"reviewer-{digest}"


def reviewer_of(data: Any, fallback: str) -> Reviewer:
    value = data.get("reviewer") if isinstance(data, dict) else None
    if isinstance(value, dict):
        return Reviewer(str(value["id"]), value.get("name"), value.get("organisation"))
    if isinstance(value, str):
        return Reviewer(person_id(value), value)
    return Reviewer(fallback)


def _plausible(data: Any) -> bool:
    """A quick check of a stored file; anything odd gets the full, line-precise one."""
    if not isinstance(data, dict) or not isinstance(data.get("comments", []), list):
        return False
    for item in data.get("comments") or []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            return False
        if item.get("kind", "comment") not in KINDS or item.get("type", "ge") not in TYPES:
            return False
        disposition = item.get("disposition") or {}
        if not isinstance(disposition, dict) or \
                disposition.get("status", "open") not in STATUSES:
            return False
        target = item.get("target") or {}
        if not isinstance(target, dict) or not isinstance(target.get("selector", []), list):
            return False
        for key in ("body", "proposed", "author", "created", "parent"):
            if item.get(key) is not None and not isinstance(item[key], str):
                return False
    return True


def load_review_file(path: Path, root: Path) -> ReviewFile:
    """Read one stored review file.

    Files the toolkit wrote are read with libyaml and a quick plausibility check (a
    round may hold thousands of comments); a file that fails it, e.g. after a careless
    hand edit, is parsed again and checked against the schema, line by line.
    """
    rel = path.resolve().relative_to(Path(root).resolve()).as_posix()
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(rel, None, f"cannot read: {exc}")) from None
    cache = _cache_path(Path(root), raw)
    data = _cached(cache)
    if data is None:
        try:
            data = _stringify_dates(yaml.load(text, Loader=_Loader))
        except yaml.YAMLError:
            data = None
        if not _plausible(data) or duplicate_keys(text, rel):
            data = parse_review(text, rel)
        _remember(cache, data)
    comments = [Comment.from_dict(item, f"{path.stem}-{index + 1}")
                for index, item in enumerate(data.get("comments") or [])]
    return ReviewFile(path=path, round=str(data.get("round") or path.parent.name),
                      reviewer=reviewer_of(data, path.stem), comments=comments)


CACHE_FROM = 64 * 1024  # bytes: smaller review files are read directly


def _cache_path(root: Path, raw: bytes) -> Path | None:
    """Where the parsed form of a large review file is kept: inside the repository's
    ``.git`` (never in the working tree), named by the file's content hash, so an edited
    file is simply a new entry and nothing can go stale. YAML parsing is the slow part
    of ``status`` for a round of thousands of comments."""
    if len(raw) < CACHE_FROM:
        return None
    for folder in (root, *root.resolve().parents):
        git_dir = folder / ".git"
        if git_dir.is_dir():
            digest = hashlib.sha256(raw).hexdigest()
            return git_dir / "report-cache" / "review" / f"{digest}.json"
        if git_dir.exists():
            return None
    return None


def _cached(cache: Path | None) -> Any:
    if cache is None:
        return None
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _remember(cache: Path | None, data: Any) -> None:
    if cache is None:
        return
    try:
        write_text(cache, json.dumps(data, ensure_ascii=False))
    except OSError:
        pass  # a read-only repository: no cache, just slower


def round_dir(root: Path, name: str) -> Path:
    return Path(root) / REVIEW_DIR / name


def rounds(root: Path) -> list[Round]:
    """Every round recorded under ``review/``, oldest first (by ``opened``, then name)."""
    found: list[Round] = []
    base = Path(root) / REVIEW_DIR
    if not base.is_dir():
        return found
    for record in sorted(base.glob(f"*/{ROUND_FILE}")):
        rel = record.relative_to(root).as_posix()
        data = _stringify_dates(yamlsource.load(record, rel))
        if not isinstance(data, dict) or not data.get("commit"):
            raise InputError(Problem(rel, 1, "a round record needs at least 'commit'"))
        found.append(Round(
            name=str(data.get("name") or record.parent.name),
            commit=str(data["commit"]),
            opened=str(data.get("opened") or ""),
            deadline=data.get("deadline"),
            reviewers=[str(r) for r in data.get("reviewers") or []],
            closed=data.get("closed"),
        ))
    found.sort(key=lambda r: (r.opened, r.name))
    return found


def get_round(root: Path, name: str | None = None, open_only: bool = True) -> Round:
    """The named round, or the newest open one (the newest of all if ``open_only`` is off)."""
    all_rounds = rounds(root)
    if name is not None:
        for candidate in all_rounds:
            if candidate.name == name:
                return candidate
        raise InputError(Problem(f"{REVIEW_DIR}/{name}/{ROUND_FILE}", None,
                                 f"no review round {name!r}: open it with "
                                 f"'report review open {name}'"))
    pool = [r for r in all_rounds if not r.closed] if open_only else all_rounds
    if not pool:
        raise InputError(Problem(REVIEW_DIR, None, "no open review round: start one with "
                                 "'report review open ROUND'"))
    return pool[-1]


def load_round(root: Path, round: str | Round) -> list[ReviewFile]:
    """Every reviewer's file in a round, in file-name order."""
    name = round.name if isinstance(round, Round) else round
    folder = round_dir(root, name)
    if not folder.is_dir():
        return []
    return [load_review_file(path, root) for path in sorted(folder.glob("*.yaml"))
            if path.name != ROUND_FILE]


def find_comment(root: Path, comment_id: str) -> tuple[ReviewFile, Comment]:
    """The review file and comment with this id, searching every round."""
    for record in rounds(root):
        for review in load_round(root, record):
            for comment in review.comments:
                if comment.id == comment_id:
                    return review, comment
    raise InputError(Problem(REVIEW_DIR, None, f"no comment {comment_id!r} in any round"))


# --- writing ------------------------------------------------------------------------

class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Block style, multi-line text as ``|`` blocks: review files are read by people."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        clean = "\n".join(line.rstrip() for line in value.split("\n"))
        return dumper.represent_scalar("tag:yaml.org,2002:str", clean, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


def modeline(path: Path) -> str:
    """The yaml-language-server modeline that lets editors check the file as it is typed.

    Relative when the schema lives inside the report tree (the bundled report), so the
    file reads the same on every machine; the installed schema's path otherwise.
    """
    root = path.parent.parent.parent.resolve()
    if SCHEMA_PATH.is_relative_to(root):
        target = Path(os.path.relpath(SCHEMA_PATH, path.parent.resolve())).as_posix()
    else:
        target = SCHEMA_PATH.as_posix()
    return f"# yaml-language-server: $schema={target}\n"


def _data(review: ReviewFile) -> dict[str, Any]:
    return {
        "round": review.round,
        "reviewer": dict(vars(review.reviewer)),
        "comments": [c.as_dict() for c in review.comments],
    }


def render(review: ReviewFile) -> str:
    return modeline(review.path) + dump_yaml(_data(review))


def save(review: ReviewFile) -> None:
    """Write the review file atomically (never half a file in ``review/``)."""
    data = _data(review)
    text = modeline(review.path) + dump_yaml(data)
    write_text(review.path, text)
    root = review.path.parent.parent.parent
    _remember(_cache_path(root, text.encode("utf-8")), data)


def write_round(root: Path, record: Round) -> Path:
    """Write ``review/<round>/round.yaml``; returns its path."""
    path = round_dir(root, record.name) / ROUND_FILE
    write_text(path, dump_yaml(record.as_dict()))
    return path
