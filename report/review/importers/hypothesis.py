"""Annotations made on the web draft with Hypothesis, from its JSON export.

Each annotation's ``target[].selector[]`` holds a TextQuoteSelector (exact, prefix,
suffix: what we search) and a TextPositionSelector (offsets in the *web page's* text,
not in our Markdown, so only the quote is used). ``references`` lists the thread a
reply belongs to, its direct parent last. ``uri`` must be a page of this report's web
edition: an export made on another document is refused as a whole, since importing
half of it would attach strangers' notes to our text.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

from report.errors import InputError, Problem
from report.manuscript.manifest import slugify
from report.review.importers import Marked, RoundText
from report.review.importers.safety import check_size, refuse

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


def _annotations(data: object, display: str) -> list[dict]:
    if isinstance(data, dict):
        data = data.get("rows", data.get("annotations"))
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise refuse(display, "not a Hypothesis export: expected a list of annotations "
                     "(or {\"rows\": [...]})")
    for index, row in enumerate(data):
        if not row.get("id") or "uri" not in row:
            raise refuse(display, f"annotation {index + 1} has no id or uri: not a "
                         "Hypothesis export")
    return data


def _pages(round_text: RoundText) -> dict[str, str]:
    """URL path of each chapter's web page (as MkDocs names it) -> chapter file."""
    docs = round_text.manuscript.manifest.docs_dir
    pages = {}
    for chapter in round_text.corpus.chapters:
        page = chapter.rel[len(docs) + 1:] if chapter.rel.startswith(docs + "/") else \
            chapter.rel
        stem = page[:-3] if page.endswith(".md") else page
        if stem == "index" or stem.endswith("/index"):
            stem = stem[: -len("index")].rstrip("/")
        pages[stem] = chapter.rel
    return pages


def chapter_for(uri: str, round_text: RoundText) -> str | None:
    """The chapter a web-draft URI shows, or None if it is not a page of this report."""
    parsed = urlparse(uri)
    site = urlparse(str(round_text.manuscript.manifest.config.get("site_url") or ""))
    path = parsed.path
    if parsed.scheme in ("http", "https") and site.netloc and \
            parsed.hostname not in LOCAL_HOSTS and parsed.netloc != site.netloc:
        return None
    if site.path and site.path != "/" and path.startswith(site.path.rstrip("/")):
        path = path[len(site.path.rstrip("/")):]
    for ending in ("index.html", ".html"):
        if path.endswith(ending):
            path = path[: -len(ending)]
    path = path.strip("/")
    pages = _pages(round_text)
    if path in pages:
        return pages[path]
    for stem, rel in pages.items():  # a local build: .../site/<page>/index.html
        if stem and (path.endswith("/" + stem)):
            return rel
    return None


def _selector(annotation: dict) -> dict | None:
    for target in annotation.get("target") or []:
        for selector in (target or {}).get("selector") or []:
            if selector.get("type") == "TextQuoteSelector":
                return selector
    return None


def read(path: Path, display: str, round_text: RoundText) -> list[Marked]:
    check_size(path, display)
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(Problem(display, line, f"malformed JSON: {exc}")) from None
    except RecursionError:  # Python's decoder bounds nesting by the recursion limit
        raise InputError(Problem(display, 1, "JSON nested too deeply")) from None
    annotations = _annotations(data, display)
    chapters: dict[str, str] = {}
    foreign = []
    for annotation in annotations:
        rel = chapter_for(str(annotation["uri"]), round_text)
        if rel is None:
            foreign.append(str(annotation["uri"]))
        else:
            chapters[annotation["id"]] = rel
    if foreign:
        shown = ", ".join(sorted(set(foreign))[:3])
        raise refuse(display, f"export for another document: {shown} is not a page of "
                     "this report's web edition")

    items: list[Marked] = []
    by_id: dict[str, Marked] = {}
    for annotation in annotations:
        ident = str(annotation["id"])
        rel = chapters[ident]
        user = str(annotation.get("user") or "")
        name = user.split(":", 1)[-1].split("@", 1)[0] if user else None
        display_name = (annotation.get("user_info") or {}).get("display_name") or name
        references = [str(r) for r in annotation.get("references") or []]
        selector = _selector(annotation)
        if selector is not None:
            target = round_text.locate(selector.get("exact") or "", selector.get("prefix") or "",
                                       selector.get("suffix") or "", rel=rel)
        else:
            target = round_text.unlocated("", rel=rel)
        tags = [str(t).lower() for t in annotation.get("tags") or []]
        ctype = next((t for t in tags if t in ("ge", "te", "ed")), "ge")
        item = Marked(
            native_id=ident, kind="reply" if references else "comment", target=target,
            type=ctype, body=annotation.get("text") or "", author=name,
            created=annotation.get("created"),
            parent_native=references[-1] if references else None,
            reviewer=slugify(name) if name else None, reviewer_name=display_name)
        items.append(item)
        by_id[ident] = item
    for item in items:
        parent = by_id.get(item.parent_native or "")
        if item.kind == "reply" and parent is not None and not item.target.exact:
            item.target = parent.target
    return items
