"""The print edition: what goes to the printer, as two files (A4 inside pages, and the
cover with its spine), each with 3 mm bleed and crop marks outside the bleed (PDF/X-4).

Named ``printed`` because ``print`` is a Python built-in.

Marks: WeasyPrint draws ``marks: crop`` inside the bleed area (its sheet stops at the bleed
edge), where they would print over a bled background. So the pages are laid out with bleed
and no marks, and here each sheet is enlarged by a slug of :data:`SLUG` beyond the bleed,
with crop marks and registration targets drawn in it: MediaBox ⊃ BleedBox ⊃ TrimBox on
every page, and nothing of the marks inside the BleedBox.

Colour: print.css defines the palette in CMYK (text in black ink only). PDF/X-4 needs an
output intent, an ICC profile of the printing condition: the printer's own when the
manifest names it (``extra.print_profile``, a path in the tree), else the toolkit's
FOGRA39 profile (coated offset, ISO 12647-2), which ``make`` builds with ArgyllCMS from
the FOGRA39 characterisation data in Debian's ``icc-profiles-free`` (zlib licence). Without
either the print PDF claims no PDF/X conformance it could not meet, and the build says so.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

from report.editions import EditionResult
from report.editions.chaptered import build_chaptered
from report.editions.context import BuildContext
from report.editions.paged import running_heads_css
from report.editions.stamp import draft_css, sha256_of
from report.errors import InputError, Problem
from report.outputs import atomic_path

MM = 72 / 25.4
BLEED = 3 * MM
SLUG = 10 * MM          # room beyond the bleed for the marks
MARK_GAP = 1 * MM       # between the bleed edge and a crop mark
MARK_LENGTH = 6 * MM
DEFAULT_PROFILE = Path(__file__).resolve().parent.parent / "styles" / "icc" / "FOGRA39L.icc"
DEFAULT_CONDITION = ("FOGRA39", "Coated FOGRA39 (ISO 12647-2:2004), profile built by "
                     "ArgyllCMS from the FOGRA39L characterisation data")
NO_PROFILE = ("print edition is not PDF/X-4: name the printer's CMYK ICC profile as "
              "extra.print_profile in mkdocs.yml (or run `make` to build the toolkit's "
              "FOGRA39 profile)")


def _profile(context: BuildContext) -> tuple[Path | None, tuple[str, str] | None]:
    """The CMYK output profile and its printing condition (identifier, description)."""
    manifest = context.manuscript.manifest
    name = manifest.extra.get("print_profile")
    if not name:
        if DEFAULT_PROFILE.is_file():
            return DEFAULT_PROFILE, DEFAULT_CONDITION
        context.warnings.append(NO_PROFILE)
        return None, None
    path = (context.manuscript.root / str(name)).resolve()
    if context.manuscript.root not in path.parents or not path.is_file():
        raise InputError(Problem("mkdocs.yml", manifest.config["extra"].line_of("print_profile"),
                                 f"print profile not found in the report tree: {name}"))
    return path, ("Custom", f"The printer's profile: {path.name}")


def profile_css(path: Path | None) -> tuple[str, dict]:
    if path is None:
        return "", {}
    css = f'@color-profile device-cmyk {{ src: url("{path.as_uri()}"); components: c m y k; }}'
    return css, {"pdf_variant": "pdf/x-4"}


def _circle(x: float, y: float, r: float) -> str:
    """A stroked circle as four Bezier quarters."""
    k = r * 0.5523
    points = [(x + r, y), (x + r, y + k), (x + k, y + r), (x, y + r), (x - k, y + r),
              (x - r, y + k), (x - r, y), (x - r, y - k), (x - k, y - r), (x, y - r),
              (x + k, y - r), (x + r, y - k), (x + r, y)]
    text = [f"{points[0][0]:.3f} {points[0][1]:.3f} m"]
    for i in range(1, 13, 3):
        text.append(" ".join(f"{px:.3f} {py:.3f}" for px, py in points[i:i + 3]) + " c")
    return " ".join(text) + " S"


def _mark_lines(trim: pikepdf.Array) -> bytes:
    """Crop marks at the four corners (in line with the trim edges, starting outside the
    bleed) and a registration target at the middle of each side, all in the slug."""
    x0, y0, x1, y1 = (float(v) for v in trim)
    ops: list[str] = ["q", "0.25 w", "1 1 1 1 K"]  # registration colour: every separation
    out = BLEED + MARK_GAP
    for x in (x0, x1):
        for y, sign in ((y0, -1), (y1, 1)):
            ops.append(f"{x:.3f} {y + sign * out:.3f} m {x:.3f} "
                       f"{y + sign * (out + MARK_LENGTH):.3f} l S")
    for y in (y0, y1):
        for x, sign in ((x0, -1), (x1, 1)):
            ops.append(f"{x + sign * out:.3f} {y:.3f} m "
                       f"{x + sign * (out + MARK_LENGTH):.3f} {y:.3f} l S")
    radius = 2 * MM
    centre = BLEED + MARK_GAP + MARK_LENGTH / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for px, py in ((cx, y0 - centre), (cx, y1 + centre), (x0 - centre, cy), (x1 + centre, cy)):
        ops.append(_circle(px, py, radius))
        span = radius * 1.6
        ops.append(f"{px - span:.3f} {py:.3f} m {px + span:.3f} {py:.3f} l S "
                   f"{px:.3f} {py - span:.3f} m {px:.3f} {py + span:.3f} l S")
    ops.append("Q")
    return ("\n".join(ops) + "\n").encode()


def finish_sheets(path: Path, condition: tuple[str, str] | None) -> None:
    """Every page on a sheet with a slug outside the bleed, marks drawn there; TrimBox and
    BleedBox on every page; the output intent names its printing condition."""
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            trim = page.obj.get("/TrimBox") or page.obj.MediaBox
            x0, y0, x1, y1 = (float(v) for v in trim)
            page.obj.TrimBox = pikepdf.Array([x0, y0, x1, y1])
            page.obj.BleedBox = pikepdf.Array([x0 - BLEED, y0 - BLEED, x1 + BLEED, y1 + BLEED])
            sheet = pikepdf.Array([x0 - BLEED - SLUG, y0 - BLEED - SLUG,
                                   x1 + BLEED + SLUG, y1 + BLEED + SLUG])
            page.obj.MediaBox = sheet
            page.obj.CropBox = sheet
            if "/ArtBox" in page.obj:
                del page.obj["/ArtBox"]
            page.contents_add(pdf.make_stream(_mark_lines(page.obj.TrimBox)))
        intents = pdf.Root.get("/OutputIntents")
        if condition and isinstance(intents, pikepdf.Array):
            for intent in intents:
                intent.OutputConditionIdentifier = pikepdf.String(condition[0])
                intent.Info = pikepdf.String(condition[1])
                if condition[0] != "Custom":
                    intent.RegistryName = pikepdf.String("http://www.color.org")
        with atomic_path(path) as tmp:
            pdf.save(tmp, deterministic_id=True, compress_streams=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.generate)


def build(context: BuildContext) -> EditionResult:
    from report.editions.printcover import build_cover

    manuscript = context.manuscript
    out = context.path(f"{manuscript.manifest.slug}-print.pdf")
    profile, condition = _profile(context)
    css, options = profile_css(profile)
    extra_css = css + running_heads_css(context.rendered)
    pages = build_chaptered(context, out, ["paged.css", "print.css"], extra_css, options,
                            layer_css=draft_css(context))
    finish_sheets(out, condition)
    cover = build_cover(context, pages, css, options)
    finish_sheets(cover, condition)
    return EditionResult("print", out, pages=pages, sha256=sha256_of(out),
                         extra={"cover": context.rel(cover), "cover_sha256": sha256_of(cover)})
