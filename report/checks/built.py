"""Accessibility of built files (A11Y codes): the digital PDF, the EPUB, and the web
edition (axe-core in Chromium: ``report.checks.web``, A11Y040-049).

The Public Sector Bodies Accessibility Regulations 2018 cover the IASC's documents: the
digital PDF must be tagged, with real headings, alt text on informative images, the
language set and the title shown (GOV.UK guidance). These are properties of the file the
reader downloads, so they are checked on the file, not on the source. The release gate
calls :func:`pdf_accessibility_findings` and :func:`epub_findings` directly.

PDF:  A11Y001 not tagged (no structure tree)   A11Y006 Figure without /Alt
      A11Y002 MarkInfo Marked not true         A11Y007 no outline (bookmarks)
      A11Y003 no document language (/Lang)     A11Y008 no PDF/UA identifier in XMP
      A11Y004 DisplayDocTitle not true         A11Y009 font not embedded
      A11Y005 no document title                A11Y010 not a readable PDF
      A11Y011-019 PDF/UA-1 structure, after the Matterhorn Protocol (report.checks.pdfua)
EPUB: A11Y020 EPUBCheck error   A11Y021 EPUBCheck warning   A11Y029 EPUBCheck not run
Both: A11Y030 an edition in build/manifest.json is missing on disk
Print: PRINT001-008, the printer's preflight of the print PDF and its cover
      (``report.checks.preflight``)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pikepdf

from report.checks.findings import Finding
from report.checks.pdfua import pdfua_findings
from report.errors import InputError, Problem
from report.manuscript import Manuscript

PDFUA_NS = "http://www.aiim.org/pdfua/ns/id/"
DC_NS = "http://purl.org/dc/elements/1.1/"
_EPUBCHECK_SEVERITY = {"FATAL": ("A11Y020", "error"), "ERROR": ("A11Y020", "error"),
                       "WARNING": ("A11Y021", "warning")}


def _finding(display: str, code: str, severity: str, message: str,
             suggestion: str | None = None) -> Finding:
    return Finding(display, 1, 1, code, severity, message, suggestion)


def pdf_accessibility_findings(path: Path | str, display: str | None = None) -> list[Finding]:
    """What a tagged, PDF/UA-1 digital edition must have; ``display`` names the file in
    findings (default: the path as given)."""
    path = Path(path)
    shown = display or str(path)
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError) as exc:
        return [_finding(shown, "A11Y010", "error", f"cannot read the PDF: {exc}")]
    with pdf:
        return _pdf_findings(pdf, shown)


def _pdf_findings(pdf: pikepdf.Pdf, shown: str) -> list[Finding]:
    root = pdf.Root
    findings: list[Finding] = []

    def add(code: str, message: str, suggestion: str) -> None:
        findings.append(_finding(shown, code, "error", message, suggestion))

    tree = root.get("/StructTreeRoot")
    if tree is None:
        add("A11Y001", "PDF is not tagged: no structure tree",
            "build the digital edition as PDF/UA-1 (tagged)")
    mark_info = root.get("/MarkInfo")
    if not (isinstance(mark_info, pikepdf.Dictionary) and bool(mark_info.get("/Marked", False))):
        add("A11Y002", "MarkInfo /Marked is not true", "build as tagged PDF (PDF/UA-1)")
    if not str(root.get("/Lang", "")).strip():
        add("A11Y003", "no document language (/Lang)", "set the language, e.g. en-GB")
    preferences = root.get("/ViewerPreferences")
    if not (isinstance(preferences, pikepdf.Dictionary)
            and bool(preferences.get("/DisplayDocTitle", False))):
        add("A11Y004", "ViewerPreferences /DisplayDocTitle is not true: readers show the "
            "file name instead of the title", "set DisplayDocTitle (PDF/UA-1 does)")
    metadata = pdf.open_metadata()
    xmp_title = metadata.get(f"{{{DC_NS}}}title")
    info_title = pdf.docinfo.get("/Title") if pdf.docinfo is not None else None
    if not str(xmp_title or "").strip() and not str(info_title or "").strip():
        add("A11Y005", "no document title in Info or XMP metadata", "give the HTML a <title>")
    if tree is not None:
        missing = _figures_without_alt(tree)
        if missing:
            add("A11Y006", f"{missing} Figure structure element(s) without /Alt text",
                "give every informative image alt text (fig-alt)")
    outlines = root.get("/Outlines")
    if not (isinstance(outlines, pikepdf.Dictionary) and "/First" in outlines):
        add("A11Y007", "no outline (bookmarks)", "headings make the outline; check the build")
    if not str(metadata.get(f"{{{PDFUA_NS}}}part") or "").strip():
        add("A11Y008", "no PDF/UA identifier (pdfuaid:part) in XMP metadata",
            "build with pdf_variant pdf/ua-1")
    for name in _unembedded_fonts(pdf):
        add("A11Y009", f"font not embedded: {name}", "embed every font")
    return findings + pdfua_findings(pdf, shown)


def _figures_without_alt(tree: pikepdf.Dictionary) -> int:
    """Count Figure elements (directly or through the RoleMap) that lack /Alt."""
    role_map = tree.get("/RoleMap")
    roles = ({str(k): str(v) for k, v in role_map.items()}
             if isinstance(role_map, pikepdf.Dictionary) else {})
    missing = 0
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [tree.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        kind = str(node.get("/S", ""))
        for _ in range(5):
            if kind not in roles:
                break
            kind = roles[kind]
        if kind == "/Figure" and not str(node.get("/Alt", "")).strip() \
                and not str(node.get("/ActualText", "")).strip():
            missing += 1
        if "/K" in node:
            stack.append(node.get("/K"))
    return missing


def _unembedded_fonts(pdf: pikepdf.Pdf) -> list[str]:
    names: set[str] = set()
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != pikepdf.Name.Font:
            continue
        subtype = obj.get("/Subtype")
        if subtype in (pikepdf.Name.Type0, pikepdf.Name.Type3):
            continue  # Type0 is checked through its descendant; Type3 glyphs are in the file
        descriptor = obj.get("/FontDescriptor")
        if not isinstance(descriptor, pikepdf.Dictionary) or not any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            names.add(str(obj.get("/BaseFont", "unnamed")).lstrip("/"))
    return sorted(names)


def epubcheck_command() -> list[str] | None:
    """How to run EPUBCheck here: Debian installs ``epubcheck`` as a bare jar. A one-shot
    run spends most of its time compiling; the quick JIT tier and the serial collector
    halve that on a small machine."""
    found = shutil.which("epubcheck")
    if not found:
        return None
    if os.path.realpath(found).endswith(".jar"):
        java = shutil.which("java")
        if not java:
            return None
        return [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
                os.path.realpath(found)]
    return [found]


def epub_findings(path: Path | str, display: str | None = None) -> list[Finding]:
    """EPUBCheck's errors and warnings on the EPUB, one finding each."""
    path = Path(path)
    shown = display or str(path)
    command = epubcheck_command()
    if command is None:
        return [_finding(shown, "A11Y029", "warning", "EPUB not checked: epubcheck not found",
                         "install epubcheck (Debian package epubcheck)")]
    result = subprocess.run([*command, str(path), "--json", "-"], capture_output=True,
                            text=True, timeout=600, check=False)
    start = result.stdout.find("{")
    try:
        report = json.loads(result.stdout[start:]) if start >= 0 else None
    except json.JSONDecodeError:
        report = None
    if not isinstance(report, dict):
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return [_finding(shown, "A11Y029", "warning", f"EPUBCheck gave no report: {detail[0]}")]
    findings: list[Finding] = []
    for message in report.get("messages", []):
        code, severity = _EPUBCHECK_SEVERITY.get(str(message.get("severity")), (None, None))
        if code is None:
            continue
        where = ""
        locations = message.get("locations") or []
        if locations:
            first = locations[0]
            where = f" ({first.get('path')}:{first.get('line')})"
        text = " ".join(f"EPUBCheck {message.get('ID')}: {message.get('message')}{where}".split())
        suggestion = " ".join(str(message.get("suggestion") or "").split()) or None
        findings.append(_finding(shown, code, severity, text, suggestion))
    return findings


def built_editions(manuscript: Manuscript) -> dict[str, Path]:
    """The digital PDF and the EPUB of the last build, from ``build/manifest.json`` when
    it exists, else by their usual names."""
    build = manuscript.build_dir
    manifest_path = build / "manifest.json"
    editions: dict[str, Path] = {}
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(Problem("build/manifest.json", exc.lineno,
                                     f"malformed JSON: {exc.msg}")) from None
        for name in ("print", "digital", "epub", "web"):
            entry = (manifest.get("editions") or {}).get(name)
            if isinstance(entry, dict) and entry.get("path"):
                editions[name] = manuscript.root / entry["path"]
                if name == "print" and entry.get("cover"):
                    editions["print-cover"] = manuscript.root / entry["cover"]
    else:
        slug = manuscript.manifest.slug
        for name, file in (("digital", f"{slug}.pdf"), ("epub", f"{slug}.epub")):
            if (build / file).is_file():
                editions[name] = build / file
    if not editions:
        raise InputError(Problem("build", None, "no digital PDF or EPUB built: "
                                 "run `report build digital epub` first"))
    return editions


def built_findings(manuscript: Manuscript) -> list[Finding]:
    findings: list[Finding] = []
    for name, path in built_editions(manuscript).items():
        shown = manuscript.rel(path) if path.resolve().is_relative_to(manuscript.root) \
            else str(path)
        if not path.exists():
            findings.append(_finding(shown, "A11Y030", "error",
                                     f"the {name} edition is in build/manifest.json but missing",
                                     f"run `report build {name}`"))
        elif name == "digital":
            findings += pdf_accessibility_findings(path, shown)
        elif name.startswith("print"):
            from report.checks.preflight import preflight_findings

            findings += preflight_findings(path, shown)
        elif name == "web":
            from report.checks.web import web_findings  # Chromium only when asked

            findings += web_findings(path, shown)
        else:
            findings += epub_findings(path, shown)
    return findings
