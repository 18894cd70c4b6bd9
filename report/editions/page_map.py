"""The print edition's page numbers, kept for the editions that have no pages of their own.

The Word edition's contents list shows page numbers before Word has laid the document
out (LibreOffice, Protected View and online viewers never do): the print edition's are
the best known, and Word replaces them with its own when the reader updates the field.
The map is only used when it was made from the same render as the edition reading it.
"""

from __future__ import annotations

import json

from report.editions.context import BuildContext
from report.outputs import atomic_path

NAME = "print-pages.json"


def save(context: BuildContext, pages: dict[str, str]) -> None:
    """Keep the page (as printed) of every label the print edition laid out."""
    path = context.path(".cache") / NAME
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({"render": context.rendered.key, "pages": pages},
                                  sort_keys=True), encoding="utf-8")


def load(context: BuildContext) -> dict[str, str]:
    """The saved map when it matches this build's render, else nothing."""
    try:
        saved = json.loads((context.path(".cache") / NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(saved, dict) or saved.get("render") != context.rendered.key:
        return {}
    return {str(k): str(v) for k, v in saved.get("pages", {}).items()}
