"""The whole-book index: what a chapter needs to know about the others to render alone.

Numbers run across the book (chapters, figures, tables, case studies, recommendations),
cross-references point into other chapters, the summary of recommendations copies them
all, and citation disambiguation (2021a/2021b) depends on every work cited. All of that
is collected here from the cached parses, so that each chapter can then be rendered on
its own and re-rendered only when its text or the entries it uses change.

The numbering itself stays in one place, ``filters/number.lua``: the index runs that
filter on each chapter alone, starting from the counters the chapters before it ended
with (``report-start``), and keeps the labels, recommendations and end counters it
writes. A chapter's run is cached by its text and its starting counters, so an edit
re-indexes that chapter only, unless it changes how many things it numbers; then the
chapters after it are re-indexed too (their numbers changed).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from report import __version__
from report.manuscript.chapter import Chapter
from report.render import batches, highlighting, pandoc, parse, source
from report.render.cache import JsonCache, digest

COUNTERS = ("chapter", "appendix", "rec", "fig", "tbl", "box")
# The prefixes crossref.lua reads as cross-references, not citations (its PREFIXES).
LABEL_PREFIXES = ("rec-", "ch-", "sec-", "fig-", "tbl-", "box-")

_SCHEMA = "index 1"  # bump when the entries change shape
Counters = dict[str, int]
Node = dict


@dataclass
class Facts:
    """What a chapter's parse says about its needs, read once per chapter text."""

    cites: list[str]  # citation keys (not cross-references), in reading order
    xrefs: list[str]  # the labels it cross-references
    refs: bool  # holds the references list (a Div with id "refs")
    summary: bool  # holds the summary of recommendations
    contributors: bool  # holds the list of contributors
    references: list[list[str]]  # images and links, for the resource gate (source.check)
    api: list  # the pandoc API version of its parse
    code_classes: list[str]  # of its code blocks and inline code (report.render.highlighting)
    # How many things of each kind it numbers: counted from the parse (_facts_of), then
    # as number.lua numbered them (_learn). The count only guesses where the chapters
    # after it start, so that their index runs can go side by side (build); a wrong one
    # costs those chapters a second run, never a wrong number.
    delta: Counters | None = None


@dataclass
class Entry:
    """One chapter's part of the index, as number.lua wrote it."""

    start: Counters
    end: Counters
    labels: dict[str, Node]  # id -> the MetaMap number.lua wrote
    order: list[str]
    recs: list[Node]

    def meta(self) -> Node:
        """The entry as chapterwise.lua writes it (a MetaMap): what a preview save's
        run compares its own numbering with (``report.render``'s fast path)."""
        return {"t": "MetaMap", "c": {
            "labels": {"t": "MetaMap", "c": self.labels},
            "order": {"t": "MetaList", "c": [{"t": "MetaString", "c": label}
                                             for label in self.order]},
            "recs": {"t": "MetaList", "c": self.recs},
            "start": meta_counters(self.start), "end": meta_counters(self.end)}}


def entry_of(value: Node) -> Entry:
    """The entry chapterwise.lua wrote (a MetaMap), as the index keeps it."""
    fields = value["c"]
    return Entry(_counters(fields["start"]), _counters(fields["end"]), fields["labels"]["c"],
                 [label["c"] for label in fields["order"]["c"]], fields["recs"]["c"])


@dataclass
class Index:
    chapters: list[Entry]
    facts: list[Facts]
    labels: dict[str, Node] = field(default_factory=dict)  # first definition wins
    order: list[str] = field(default_factory=list)
    recs: list[Node] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)  # every key cited, first citation first

    def meta(self) -> dict[str, Node]:
        """The whole book's labels and recommendations as pandoc metadata."""
        return {"report-labels": {"t": "MetaMap", "c": self.labels},
                "report-label-order": {"t": "MetaList", "c": [
                    {"t": "MetaString", "c": label} for label in self.order]},
                "report-recommendations": {"t": "MetaList", "c": self.recs}}


def chapter_key(chapter: Chapter) -> str:
    """The chapter's text and the attributes its wrapper Div gives the filters."""
    return digest(parse.text_key(chapter), chapter.rel, chapter.kind, chapter.label,
                  chapter.title, str(chapter.draft))


def meta_counters(counters: Counters) -> Node:
    return {"t": "MetaMap", "c": {name: {"t": "MetaString", "c": str(counters[name])}
                                  for name in COUNTERS}}


def _facts_of(wrapper: Node, api: list) -> Facts:
    """Walk the parsed chapter for the citations and the Divs the book fills in."""
    items = list(source.elements(wrapper["c"][1]))  # one walk, read twice
    chapter_kind = dict(wrapper["c"][0][2]).get("kind", "chapter")
    counts = dict.fromkeys(COUNTERS, 0)
    counts["chapter"] = int(chapter_kind == "chapter")
    counts["appendix"] = int(chapter_kind == "appendix")
    facts = Facts([], [], refs=False, summary=False, contributors=False,
                  references=source.references_in(items), api=api,
                  code_classes=highlighting.code_classes(items), delta=counts)
    for item in items:
        kind, content = item.get("t"), item.get("c")
        if kind == "Cite":
            for citation in content[0]:
                key = citation["citationId"]
                (facts.xrefs if key.startswith(LABEL_PREFIXES) else facts.cites).append(key)
        elif kind == "Div":
            identifier, classes, _ = content[0]
            facts.refs |= identifier == "refs"
            facts.summary |= "recommendations-summary" in classes
            facts.contributors |= "contributors" in classes
            # number.lua's Div filter: a recommendation, else a case study, is numbered
            if "recommendation" in classes:
                counts["rec"] += 1
            elif "case-study" in classes:
                counts["box"] += 1
        elif kind == "Figure":
            counts["fig"] += 1
        elif kind == "Table":
            counts["tbl"] += 1
    return facts


def _number_batch(wrappers: list[Node], api: list, plus: list[Counters]) -> list[Entry]:
    """number.lua on each chapter alone, in one pandoc process (filters/chapterwise.lua).

    Each chapter starts where the one before it in the batch ended, plus ``plus`` (the
    counts of the chapters between them, or the first one's whole start).
    """
    with tempfile.TemporaryDirectory(prefix="report-index-") as tmp:
        # Problems are reported by the chapter's render, which runs the same filter.
        meta = {"report-batch-mode": {"t": "MetaString", "c": "index"},
                "report-number-filter": {"t": "MetaString",
                                         "c": pandoc.filter_path("number.lua")},
                "report-diagnostics": {"t": "MetaString", "c": str(Path(tmp) / "ignored")},
                "report-batch": {"t": "MetaList", "c": [
                    {"t": "MetaMap", "c": {"plus": meta_counters(p)}} for p in plus]}}
        document = {"pandoc-api-version": api, "meta": meta, "blocks": wrappers}
        result = pandoc.run(["-f", "json", "-t", "json", "--lua-filter",
                             pandoc.filter_path("chapterwise.lua")],
                            stdin=json.dumps(document).encode("utf-8"))
    return [entry_of(item) for item in json.loads(result.stdout)["meta"]["report-batch"]["c"]]


def _counters(value: Node) -> Counters:
    return {name: int(value["c"][name]["c"]) for name in COUNTERS}


class IndexCache:
    """Chapter facts by chapter text; number.lua's entries by text and start counters."""

    def __init__(self, folder: Path) -> None:
        self.facts = JsonCache(folder / "facts")
        self.entries = JsonCache(folder / "entries")

    def save(self) -> None:
        self.facts.save()
        self.entries.save()

    def prune(self) -> None:
        self.facts.prune()
        self.entries.prune()


def _sum(deltas: list[Counters | None]) -> Counters:
    """The counters after ``deltas``; an unknown delta counts as nothing."""
    return _starts([*deltas, None])[-1]


def _starts(deltas: list[Counters | None]) -> list[Counters]:
    """``_sum(deltas[:i])`` for each i, in one pass: each chapter's starting counters
    (summed afresh for each chapter, the corpus's 111 took 15 ms of every render)."""
    total = dict.fromkeys(COUNTERS, 0)
    starts = []
    for delta in deltas:
        starts.append(dict(total))
        for name in COUNTERS:
            total[name] += (delta or {}).get(name, 0)
    return starts


def _learn(facts: Facts, key: str, entry: Entry, cache: IndexCache) -> None:
    """Keep how many things of each kind the chapter numbers, learnt from its entry."""
    delta = {name: entry.end[name] - entry.start[name] for name in COUNTERS}
    if facts.delta != delta:
        facts.delta = delta
        cache.facts.put(key, facts.__dict__)


def _filters_key() -> str:
    """What makes the facts and entries: the filters, this module and the gate's walk."""
    here = Path(__file__).resolve().parent
    return digest(_SCHEMA, __version__, pandoc.version(),
                  *((pandoc.FILTERS / name).read_bytes()
                    for name in ("number.lua", "chapterwise.lua")),
                  (here / "index.py").read_bytes(), (here / "source.py").read_bytes())


def _key(filters_key: str, chapter: Chapter) -> str:
    return digest(filters_key, chapter_key(chapter))


def cached_facts(chapters: list[Chapter], cache: IndexCache) -> list[Facts | None]:
    """The facts of each chapter whose text was seen before, else None."""
    filters_key = _filters_key()
    found: list[Facts | None] = []
    for chapter in chapters:
        cached = cache.facts.get(_key(filters_key, chapter))
        ok = isinstance(cached, dict) and set(cached) == set(Facts.__dataclass_fields__)
        found.append(Facts(**cached) if ok else None)
    return found


def learn_facts(chapter: Chapter, wrapper: Node, api: list, cache: IndexCache) -> Facts:
    """The facts of a chapter not seen before, from its parse (and cached)."""
    found = _facts_of(wrapper, api)
    cache.facts.put(_key(_filters_key(), chapter), found.__dict__)
    return found


def keep_entry(chapter: Chapter, facts: Facts, entry: Entry, cache: IndexCache,
               filters_key: str | None = None) -> None:
    """Keep the chapter's entry, numbered from ``entry.start``, where :func:`build`
    looks it up, and learn its counts."""
    key = _key(filters_key or _filters_key(), chapter)
    cache.entries.put(digest(key, json.dumps(entry.start, sort_keys=True)), entry.__dict__)
    _learn(facts, key, entry, cache)


def build(chapters: list[Chapter], facts: list[Facts], wrapper_of: Callable[[int], Node],
          cache: IndexCache) -> Index:
    """The index of the book, running number.lua only on chapters whose entry is missing.

    A chapter's entry is looked up by its text and starting counters. Those come from
    the counts of the chapters before it; for a chapter not seen before (a new text)
    its count from the last build is the guess. The chapters whose entry is missing are
    numbered in one pandoc process, each starting where the previous ended, so their
    numbers are exact; a guess that proves wrong sends the chapters after it round again.
    ``wrapper_of(i)`` gives the parsed chapter i, read only for those.
    """
    filters_key = _filters_key()
    keys = [_key(filters_key, c) for c in chapters]
    last = cache.facts.get(filters_key)
    last = last if isinstance(last, dict) else {}
    entries: list[Entry | None] = [None] * len(chapters)
    while True:
        deltas = [f.delta if f.delta is not None else last.get(c.rel)
                  for f, c in zip(facts, chapters, strict=True)]
        misses = []
        starts = _starts(deltas)
        for i, start in enumerate(starts):
            current = entries[i]
            if current is not None and current.start == start:
                continue
            cached = cache.entries.get(digest(keys[i], json.dumps(start, sort_keys=True)))
            if isinstance(cached, dict) and set(cached) == set(Entry.__dataclass_fields__):
                entries[i] = Entry(**cached)
                _learn(facts[i], keys[i], entries[i], cache)
            else:
                misses.append(i)
        if not misses:
            break
        plus = [_sum(deltas[(misses[j - 1] + 1 if j else 0):i]) for j, i in enumerate(misses)]
        # In runs of a bounded size (report.render.batches). Where every chapter's count
        # is known (counted from its parse, or learnt), a run starts where those counts
        # say, and the runs go side by side, a core each; else one after the other, each
        # starting where the one before it ended.
        runs = batches.runs([len(chapters[i].body) for i in misses])
        api = facts[misses[0]].api
        if all(delta is not None for delta in deltas) and len(runs) > 1:
            work = [([wrapper_of(misses[n]) for n in run], api,
                     [starts[misses[run[0]]], *(plus[n] for n in run[1:])])
                    for run in runs]
            with ThreadPoolExecutor(max_workers=batches.cores()) as pool:
                batch = [entry for numbered in pool.map(lambda args: _number_batch(*args), work)
                         for entry in numbered]
        else:
            batch = []
            for run in runs:
                first = plus[run[0]] if not batch else _sum([batch[-1].end, plus[run[0]]])
                batch += _number_batch([wrapper_of(misses[n]) for n in run], api,
                                       [first, *(plus[n] for n in run[1:])])
        for i, entry in zip(misses, batch, strict=True):
            entries[i] = entry
            keep_entry(chapters[i], facts[i], entry, cache, filters_key)
    latest = {c.rel: f.delta for c, f in zip(chapters, facts, strict=True)}
    if latest != last:
        cache.facts.put(filters_key, latest)
    index = Index([e for e in entries if e is not None], facts)
    seen: set[str] = set()
    for entry, chapter_facts in zip(index.chapters, facts, strict=True):
        for label in entry.order:
            if label not in index.labels:
                index.labels[label] = entry.labels[label]
                index.order.append(label)
        index.recs += entry.recs
        index.cites += [k for k in dict.fromkeys(chapter_facts.cites) if k not in seen]
        seen.update(chapter_facts.cites)
    return index
