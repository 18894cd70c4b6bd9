"""A chapter's title comes from its first level-one heading: the search that looks only
at lines starting with ``#`` finds what a search of the whole text finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from report.manuscript.chapter import _HEADING, first_heading

# What a heading line is made of, and what comes near one: other levels, attributes,
# closing hashes, blank lines, code with a hash in it.
_PIECES = st.sampled_from(["#", "# ", "## ", "#\t", "\n", " ", "Title", "{#id}", "{",
                           "}", "#[derive]", "x", "\n\n", "  #", "\r"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_the_first_heading_is_the_one_a_whole_search_finds(body: str) -> None:
    whole, lines = _HEADING.search(body), first_heading(body)
    assert (whole and (whole.span(), whole.groups())) == \
        (lines and (lines.span(), lines.groups()))
