"""Files made by real office software: LibreOffice (headless) saves what reviewers send.

Each test writes the content a reviewer would type (with openpyxl, which writes a cell
beginning with ``=`` as a formula, as a spreadsheet program does when one is typed), and
LibreOffice Calc opens and saves it in the format under test, so the bytes imported are
the bytes real software writes: recalculated formula results beside their formulas,
Windows-1252 or UTF-8 CSV, Calc's quoting of quotes and separators.

Two dialects LibreOffice on Linux does not write are derived from its output, each step
named: the byte-order mark Excel puts before UTF-8 ("CSV UTF-8"), and the CRLF line ends
Excel on Windows writes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

#: LibreOffice CSV filter options: separator, quote, charset, first line, cell format,
#: language, quote all text cells. Charset 76 is UTF-8, 1 is Windows-1252.
CSV_UTF8_COMMA = "44,34,76,1,,0,true"
CSV_1252_SEMICOLON = "59,34,1,1,,0,true"

needs_office = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not "
                                  "installed: apt-get install libreoffice-calc-nogui")


def convert(source: Path, target_dir: Path, to: str) -> Path:
    """``soffice --convert-to`` with a private profile (tests may run side by side)."""
    assert SOFFICE is not None
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", to, "--outdir", str(target_dir), str(source)],
            check=True, capture_output=True, timeout=120)
    extension = to.split(":", 1)[0]
    out = target_dir / f"{source.stem}.{extension}"
    assert out.is_file(), f"LibreOffice wrote no {out.name}"
    return out


def calc_xlsx(source: Path, target_dir: Path) -> Path:
    """The workbook as Calc saves it (Excel 2007-365), formulas recalculated."""
    return convert(source, target_dir, 'xlsx:Calc MS Excel 2007 XML')


def calc_csv(source: Path, target_dir: Path, options: str) -> Path:
    """The first sheet as Calc's "Text CSV" export with the given filter options."""
    return convert(source, target_dir, f"csv:Text - txt - csv (StarCalc):{options}")


def with_bom(path: Path) -> Path:
    """The UTF-8 byte-order mark Excel's "CSV UTF-8" writes first."""
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return path


def with_crlf(path: Path) -> Path:
    """CRLF row ends, as Excel on Windows writes them (line breaks in a cell stay LF)."""
    out = bytearray()
    quoted = False
    for byte in path.read_bytes():
        if byte == ord('"'):
            quoted = not quoted
        if byte == ord("\n") and not quoted:
            out += b"\r"
        out.append(byte)
    path.write_bytes(bytes(out))
    return path
