"""Citations (STRUCT020): every ``@key`` must be in a bibliography file of the manifest.

The keys are read without a BibTeX parser: an entry starts ``@type{key,`` and that is all
the check needs. CSL JSON (``[{"id": ...}]``) and CSL YAML (``references: [{id: ...}]``)
are read as data. A bibliography file named in ``mkdocs.yml`` that does not exist is bad
input (exit 2), as it is for the build.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from report.checks.findings import Finding
from report.checks.source import ChapterSource
from report.checks.structure import CROSSREF_PREFIXES, without_attributes
from report.errors import InputError, Problem
from report.manuscript import MANIFEST, Manuscript, yamlsource

_BIB_ENTRY = re.compile(r"@([A-Za-z]+)\s*[{(]\s*([^,\s{}()]+)\s*,")
_NOT_ENTRIES = {"string", "preamble", "comment"}
_CITATION = re.compile(
    r"(?<![\w@/.:+-])-?@(?:\{([^{}\s]+)\}|([A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*\w)?))")


def bibliography_files(manuscript: Manuscript) -> list[tuple[str, Path]]:
    """Each ``extra.bibliography`` entry resolved against the tree, then ``docs_dir``."""
    files: list[tuple[str, Path]] = []
    problems: list[Problem] = []
    for name in manuscript.manifest.bibliography:
        candidates = [manuscript.root / name, manuscript.root / manuscript.manifest.docs_dir / name]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            problems.append(Problem(MANIFEST, _bibliography_line(manuscript),
                                    f"bibliography file not found: {name}"))
        else:
            files.append((name, path))
    if problems:
        raise InputError(problems)
    return files


def _bibliography_line(manuscript: Manuscript) -> int | None:
    extra = manuscript.manifest.config.get("extra")
    if isinstance(extra, yamlsource.LinedDict):
        return extra.line_of("bibliography")
    return None


def bibliography_keys(manuscript: Manuscript) -> set[str]:
    keys: set[str] = set()
    for name, path in bibliography_files(manuscript):
        text = path.read_text(encoding="utf-8")
        suffix = path.suffix.lower()
        if suffix == ".json":
            keys |= _csl_json_keys(text, name)
        elif suffix in (".yaml", ".yml"):
            data = yamlsource.parse(text, name)
            items = data.get("references", []) if isinstance(data, dict) else data or []
            keys |= {str(item["id"]) for item in items if isinstance(item, dict) and "id" in item}
        else:
            keys |= {m.group(2) for m in _BIB_ENTRY.finditer(text)
                     if m.group(1).lower() not in _NOT_ENTRIES}
    return keys


def _csl_json_keys(text: str, name: str) -> set[str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(name, exc.lineno, f"malformed JSON: {exc.msg}")) from None
    if isinstance(data, dict):
        data = data.get("items") or data.get("references") or []
    return {str(item["id"]) for item in data if isinstance(item, dict) and "id" in item}


def citation_findings(sources: list[ChapterSource], keys: set[str],
                      has_bibliography: bool) -> list[Finding]:
    findings: list[Finding] = []
    for source in sources:
        for match in _CITATION.finditer(without_attributes(source.prose_masked)):
            key = match.group(1) or match.group(2)
            if key.split("-", 1)[0] in CROSSREF_PREFIXES and "-" in key:
                continue
            if key in keys:
                continue
            if not has_bibliography:
                suggestion = "list a .bib or CSL JSON file under extra.bibliography in mkdocs.yml"
            else:
                close = difflib.get_close_matches(key, sorted(keys), n=1)
                suggestion = (f"did you mean @{close[0]}?" if close
                              else "add the entry to the bibliography")
            findings.append(source.finding(
                match.start(), "STRUCT020", "error",
                f"citation @{key} is not in the bibliography", suggestion))
    return findings
