"""What the copyright page and the back cover say about the licence, and how a URL may
break across lines in the paged editions.

The licence statement is the licensor's own wording (for the Open Government Licence, the
statement The National Archives asks publishers to print), so it lives here once and both
the copyright page and the back cover print it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from markupsafe import Markup, escape


@dataclass(frozen=True)
class Licence:
    name: str
    statement: str
    url: str | None = None
    contact: str = ""
    third_party: str = ""


_OGL3 = Licence(
    name="Open Government Licence v3.0",
    statement=("This publication is licensed under the terms of the Open Government Licence "
               "v3.0 except where otherwise stated."),
    url="nationalarchives.gov.uk/doc/open-government-licence/version/3",
    contact=(" or write to the Information Policy Team, The National Archives, Kew, London "
             "TW9 4DU, or email: psi@nationalarchives.gov.uk"),
    third_party=("Where we have identified any third-party copyright information you will "
                 "need to obtain permission from the copyright holders concerned."),
)
_CC_BY4 = Licence(
    name="Creative Commons Attribution 4.0 International",
    statement=("This publication is licensed under the Creative Commons Attribution 4.0 "
               "International licence (CC BY 4.0) except where otherwise stated."),
    url="creativecommons.org/licenses/by/4.0",
)


def licence(name: str | None) -> Licence | None:
    """The full statement for a licence the manifest names; a plain sentence otherwise."""
    if not name:
        return None
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if "opengovernmentlicence" in key and ("v30" in key or "version3" in key):
        return _OGL3
    if key in ("ccby40", "creativecommonsattribution40",
               "creativecommonsattribution40international"):
        return _CC_BY4
    return Licence(name=name, statement=f"This publication is licensed under the {name}.")


# Break points in a URL: after "/", "." and "-" (never inside a word with a hyphen added).
_URL_BREAK = re.compile(r"(?<=[/.\-])(?=[^/.\-])")
URL_TEXT = re.compile(r"^(?:https?://|www\.)\S+$|^\S+\.[a-z]{2,}/\S*$")


def breakable(url: str) -> Markup:
    """``url`` as HTML with a ``<wbr>`` after each ``/``, ``.`` and ``-`` (a Jinja filter)."""
    return Markup("<wbr>").join(escape(part) for part in _URL_BREAK.split(url))


def mark_url_breaks(root: etree._Element) -> None:
    """In every link whose text is a URL, allow breaks only after ``/``, ``.`` and ``-``
    (``<wbr>``) and mark it ``url`` (paged.css: never hyphenated)."""
    for link in root.iter("a"):
        text = link.text or ""
        if len(link) or not URL_TEXT.match(text):
            continue
        parts = _URL_BREAK.split(text)
        link.text = parts[0]
        for part in parts[1:]:
            wbr = etree.SubElement(link, "wbr")
            wbr.tail = part
        link.set("class", " ".join(filter(None, (link.get("class"), "url"))))
