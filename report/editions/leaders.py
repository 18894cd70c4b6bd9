"""Dot leaders drawn as one run of text per line, not one text box per dot.

The contents page's ``leader(".")`` (``paged.css``) is laid out by WeasyPrint as one text
box per dot: about a hundred boxes on each of the contents' eighty lines, each drawn on
its own (a Pango layout set up, a text object written, and in the tagged edition a
marked-content sequence each). That was 1-2 s of the 3.9 s it took to lay out the
bundled report's front matter, in each of the two PDFs, on every cold build and on
every build whose page numbers change.

WeasyPrint places the dots on a grid from the line's end, so that they line up from one
line to the next; this keeps that grid. After WeasyPrint has placed a leader's dots, the
boxes are replaced by one box holding as many dots, at the first dot's place, when that
run is exactly as wide as the dots side by side (no kerning between them); otherwise the
boxes are kept as WeasyPrint made them. The page looks the same and its text is the same
characters. Each box of dots is marked ``leader_dots``: the tagged edition draws them as
layout artifacts (``report.editions.tagged``), so that a screen reader reads a contents
line as its title and page number, not as a hundred dots.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from weasyprint.layout import inline
from weasyprint.layout.leader import handle_leader, leader_index
from weasyprint.text.line_break import split_first_line

_TOLERANCE = 1e-3
"""How far (in CSS pixels) the joined run may differ from the dots side by side."""


def _handle_leader(context, line, containing_block) -> None:
    handle_leader(context, line, containing_block)
    _, leader = leader_index(line)
    if leader is None:
        return
    for dot in leader.children:  # the tagged edition draws them as artifacts
        dot.leader_dots = True
    if len(leader.children) < 2:
        return
    dots = sorted(leader.children, key=lambda box: box.position_x)
    first = dots[0]
    text = first.text * len(dots)
    layout, _, _, width, _, _ = split_first_line(
        text, first.style, context, None, first.justification_spacing)
    expected = dots[-1].position_x + dots[-1].width - first.position_x
    if abs(width - expected) > _TOLERANCE:
        return  # the font kerns or rounds the run otherwise: keep one box a dot
    joined = first.copy_with_text(text)  # with leader_dots, copied
    joined.pango_layout = layout
    joined.width = width
    leader.children = (joined,)


@contextlib.contextmanager
def joined_leaders() -> Iterator[None]:
    """Lay out with one text box per leader while in this block."""
    inline.handle_leader = _handle_leader
    try:
        yield
    finally:
        inline.handle_leader = handle_leader
