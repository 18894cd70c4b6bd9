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
manifest names it (``extra.print_profile``, a path in the tree), else the toolkit's for
the paper (``extra.print.paper``; the cover's ``cover_paper``, coated board by default):
FOGRA39 for coated, FOGRA29 for uncoated offset (ISO 12647-2), which ``make`` builds with
ArgyllCMS from the characterisation data in Debian's ``icc-profiles-free`` (zlib
licence). Without either the print PDF claims no PDF/X conformance it could not meet, and
the build says so.
"""

from __future__ import annotations

import functools
import json
import zlib
from pathlib import Path

import pikepdf
from PIL import Image, ImageCms

from report.editions import EditionResult
from report.editions.chaptered import build_chaptered, parts_spec
from report.editions.context import BuildContext
from report.editions.paged import running_heads_css
from report.editions.pdf import pdf_bytes
from report.editions.stamp import draft_css, sha256_of
from report.errors import InputError, Problem
from report.outputs import write_bytes

MM = 72 / 25.4
BLEED = 3 * MM
SLUG = 10 * MM          # room beyond the bleed for the marks
MARK_GAP = 1 * MM       # between the bleed edge and a crop mark
MARK_LENGTH = 6 * MM
ICC = Path(__file__).resolve().parent.parent / "styles" / "icc"
# The toolkit's printing conditions (ISO 12647-2:2004 offset), by paper: file, identifier.
CONDITIONS = {
    "coated": ("FOGRA39L.icc", "FOGRA39", "Coated FOGRA39 (ISO 12647-2:2004), profile built "
               "by ArgyllCMS from the FOGRA39L characterisation data"),
    "uncoated": ("FOGRA29L.icc", "FOGRA29", "Uncoated FOGRA29 (ISO 12647-2:2004), profile "
                 "built by ArgyllCMS from the FOGRA29L characterisation data"),
}
COVER_PAPER = "coated board"  # a cover is printed on coated board unless the manifest says
NO_PROFILE = ("print edition is not PDF/X-4: name the printer's CMYK ICC profile as "
              "extra.print_profile in mkdocs.yml (or run `make` to build the toolkit's "
              "FOGRA profiles)")


def default_profiles_built() -> bool:
    """Whether ``make`` built the toolkit's printing conditions (else no PDF/X without
    the printer's profile)."""
    return all((ICC / file).is_file() for file, *_ in CONDITIONS.values())


def _profile(context: BuildContext, paper: str | None
             ) -> tuple[Path | None, tuple[str, str] | None]:
    """The CMYK output profile and its printing condition (identifier, description): the
    printer's, else the toolkit's for the paper (uncoated paper: FOGRA29; else FOGRA39)."""
    manifest = context.manuscript.manifest
    name = manifest.extra.get("print_profile")
    if not name:
        kind = "uncoated" if "uncoated" in str(paper or "").lower() else "coated"
        file, identifier, description = CONDITIONS[kind]
        if (ICC / file).is_file():
            return ICC / file, (identifier, description)
        if NO_PROFILE not in context.warnings:
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
    # components a comma-separated list (WeasyPrint's grammar): "c m y k" is one component,
    # and the profile's stream would say /N 1 for a four-colour profile
    css = f'@color-profile device-cmyk {{ src: url("{path.as_uri()}"); components: c, m, y, k; }}'
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


def _contents(container) -> list[bytes]:
    """The decoded content of a page (its streams) or of a form XObject."""
    if isinstance(container, pikepdf.Page):
        contents = container.obj.get("/Contents")
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        return [s.read_bytes() if isinstance(s, pikepdf.Stream) else b"" for s in streams]
    return [container.read_bytes()]


def may_set_rgb(container, contents: list[bytes] | None = None) -> bool:
    """Whether a content stream may hold an ``rg``/``RG`` operator: not when neither
    appears in its bytes at all, the case of every page but one of the bundled report
    (WeasyPrint writes text as hexadecimal glyph strings, the palette is CMYK), so those
    are not parsed. Parsing every page's operators to find none was most of
    :func:`finish_sheets` (0.27 s of 0.47 s on the bundled report, cold)."""
    return any(b"rg" in data or b"RG" in data
               for data in (contents if contents is not None else _contents(container)))


class CmykConverter:
    """sRGB colours left in the laid-out pages (figures drawn in SVG, the barcode) into
    the output profile's CMYK, so the printer's file is CMYK throughout; neutral greys
    (and black) go to black ink only, as the text does. Without a profile, the plain
    conversion (K = 1 - max) stands in."""

    def __init__(self, pdf: pikepdf.Pdf, profile: Path | None) -> None:
        self.pdf = pdf
        self.profile = profile
        self._transform: ImageCms.ImageCmsTransform | None = None
        self.seen: set[tuple[int, int]] = set()
        self.known: dict[tuple[float, float, float], tuple[float, ...]] = {}

    @property
    def transform(self) -> ImageCms.ImageCmsTransform | None:
        """sRGB to the output profile, built when a colour is first converted (most
        sheets have none to convert: 0.03 s saved on each of the two files)."""
        if self._transform is None and self.profile is not None:
            self._transform = ImageCms.buildTransform(
                ImageCms.createProfile("sRGB"), ImageCms.getOpenProfile(str(self.profile)),
                "RGB", "CMYK", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
        return self._transform

    def cmyk(self, r: float, g: float, b: float) -> tuple[float, ...]:
        if (r, g, b) not in self.known:
            self.known[(r, g, b)] = self._convert(r, g, b)
        return self.known[(r, g, b)]

    def _convert(self, r: float, g: float, b: float) -> tuple[float, ...]:
        if max(r, g, b) - min(r, g, b) < 0.03:  # grey: black ink only
            return (0.0, 0.0, 0.0, round(1 - (r + g + b) / 3, 4))
        if self.transform is None:
            k = 1 - max(r, g, b)
            return tuple(round((1 - v - k) / (1 - k), 4) for v in (r, g, b)) + (round(k, 4),)
        pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in (r, g, b)))
        converted = ImageCms.applyTransform(pixel, self.transform).getpixel((0, 0))
        return tuple(round(v / 255, 4) for v in converted)

    def stream(self, container) -> bool:
        """Rewrite ``rg``/``RG`` operators in one content stream; True when changed."""
        if not may_set_rgb(container):
            return False
        changed = False
        instructions = []
        for operands, operator in pikepdf.parse_content_stream(container):
            op = str(operator)
            if op in ("rg", "RG") and len(operands) == 3:
                values = self.cmyk(*(float(v) for v in operands))
                operands = [pikepdf.Object.parse(f"{v:.4f}".encode()) for v in values]
                operator = pikepdf.Operator("k" if op == "rg" else "K")
                changed = True
            instructions.append((operands, operator))
        if changed:
            data = pikepdf.unparse_content_stream(instructions)
            if isinstance(container, pikepdf.Page):
                container.obj.Contents = self.pdf.make_stream(data)
            else:
                container.write(data)
        return changed

    def resources(self, resources) -> bool:
        """The forms and images of a page's (or form's) resources made CMYK; True when
        any was changed."""
        changed = False
        for xobject in (resources or {}).get("/XObject", {}).values():
            if xobject.objgen in self.seen:
                continue
            self.seen.add(xobject.objgen)
            if xobject.get("/Subtype") == pikepdf.Name.Form:
                changed |= self.stream(xobject)
                changed |= self.resources(xobject.get("/Resources"))
            elif xobject.get("/Subtype") == pikepdf.Name.Image and _is_rgb(xobject):
                self.set_pixels(xobject, self.cmyk_pixels(xobject))
                changed = True
        return changed

    def cmyk_pixels(self, xobject) -> bytes:
        """An RGB image's pixels in the output profile's CMYK, compressed (Flate)."""
        from pikepdf import PdfImage

        picture = PdfImage(xobject).as_pil_image().convert("RGB")
        if self.transform is not None:
            picture = ImageCms.applyTransform(picture, self.transform)
        else:
            picture = picture.convert("CMYK")
        return zlib.compress(picture.tobytes())

    @staticmethod
    def set_pixels(xobject, data: bytes) -> None:
        """The image made CMYK, 8 bits a channel, with ``data`` (:meth:`cmyk_pixels`)."""
        xobject.write(data, filter=pikepdf.Name.FlateDecode)
        xobject.ColorSpace = pikepdf.Name.DeviceCMYK
        xobject.BitsPerComponent = 8
        for key in ("/DecodeParms", "/Decode"):
            if key in xobject:
                del xobject[key]


def _is_rgb(xobject) -> bool:
    """An image in DeviceRGB or a three-channel ICC colour space: what is converted."""
    space = xobject.get("/ColorSpace")
    return space == pikepdf.Name.DeviceRGB or (
        isinstance(space, pikepdf.Array) and space[0] == pikepdf.Name.ICCBased
        and int(space[1].get("/N", 0)) == 3)


_CHANNELS = {b"CMYK": 4, b"RGB ": 3, b"GRAY": 1}


def _embed_as_written(pdf: pikepdf.Pdf, icc: bytes) -> None:
    """The output profile embedded byte for byte as its file, with its channel count.

    WeasyPrint embeds the profile as Pillow's lcms serialises it again, and that is not
    stable: the same file came out 408,708 or 408,832 bytes depending on which of its tags
    had been read before (two copies in one print PDF, a cover laid out again differing
    from the one kept). A stream is taken for this profile when its header says the same
    class, colour space, connection space and creation date."""
    channels = _CHANNELS.get(icc[16:20])
    compressed: bytes | None = None  # once: each chapter part brought its own copy
    # Each part's copy is the same stream, byte for byte: inflated once (113 copies, two
    # distinct, in the corpus's print edition: 0.21 -> 0.01 s).
    inflated: dict[bytes, bytes | None] = {}
    for obj in pdf.objects:
        if not (isinstance(obj, pikepdf.Stream) and "/N" in obj and "/Type" not in obj):
            continue
        raw = bytes(obj.read_raw_bytes()) + repr(obj.get("/Filter")).encode()
        if raw not in inflated:
            try:
                inflated[raw] = obj.read_bytes()
            except pikepdf.PdfError:
                inflated[raw] = None
        data = inflated[raw]
        if data is None:
            continue
        if data[36:40] == b"acsp" and data[12:36] == icc[12:36] and data != icc:
            compressed = compressed or zlib.compress(icc)
            obj.write(compressed, filter=pikepdf.Name.FlateDecode)
        if data[12:36] == icc[12:36] and channels:
            obj.N = channels


def _share_profiles(pdf: pikepdf.Pdf) -> None:
    """One copy of the ICC profile: each chapter is laid out on its own, so each part
    brought its own copy of the same 130 kB profile (2 MB in a 90-page book).

    The copies are found where colour spaces are named (the output intent; each page's
    resources and those of its forms, images, patterns and shadings), not by going
    through every object of the book and every entry of each: that was 0.4 s of every
    build of the 470-page corpus. A copy referred to from elsewhere stays a copy: a
    larger file, never a wrong one."""
    canonical: dict[bytes, pikepdf.Object] = {}
    seen: set[tuple[int, int]] = set()

    def shared(profile) -> pikepdf.Object:
        """The first stream of these bytes, or ``profile`` itself."""
        if not isinstance(profile, pikepdf.Stream):
            return profile
        return canonical.setdefault(bytes(profile.read_raw_bytes()), profile)

    def space(value) -> None:
        """An ICCBased colour space's profile relinked; the base of an Indexed one."""
        if not isinstance(value, pikepdf.Array) or len(value) < 2:
            return
        if value[0] == pikepdf.Name.ICCBased:
            profile = shared(value[1])
            if profile.objgen != value[1].objgen:
                value[1] = profile
        elif value[0] == pikepdf.Name.Indexed:
            space(value[1])

    def first_time(obj) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in seen:
            return False
        seen.add(obj.objgen)
        return True

    def resources(found) -> None:
        if not isinstance(found, pikepdf.Dictionary) or not first_time(found):
            return
        for value in found.get("/ColorSpace", {}).values():
            space(value)
        for xobject in found.get("/XObject", {}).values():
            if isinstance(xobject, pikepdf.Stream) and first_time(xobject):
                space(xobject.get("/ColorSpace"))
                group = xobject.get("/Group")
                if isinstance(group, pikepdf.Dictionary):
                    space(group.get("/CS"))
                resources(xobject.get("/Resources"))
        for pattern in found.get("/Pattern", {}).values():
            if isinstance(pattern, pikepdf.Dictionary | pikepdf.Stream) and first_time(pattern):
                resources(pattern.get("/Resources"))
                shading = pattern.get("/Shading")
                if isinstance(shading, pikepdf.Dictionary | pikepdf.Stream):
                    space(shading.get("/ColorSpace"))
        for shading in found.get("/Shading", {}).values():
            if isinstance(shading, pikepdf.Dictionary | pikepdf.Stream):
                space(shading.get("/ColorSpace"))

    for intent in pdf.Root.get("/OutputIntents", []):
        if "/DestOutputProfile" in intent:
            intent.DestOutputProfile = shared(intent.DestOutputProfile)
    for page in pdf.pages:
        resources(page.obj.get("/Resources"))
        group = page.obj.get("/Group")
        if isinstance(group, pikepdf.Dictionary):
            space(group.get("/CS"))


def finish_sheets(path: Path, condition: tuple[str, str] | None,
                  profile: Path | None = None) -> None:
    """The PDF at ``path`` made ready for the printer (:func:`sheets`), in place: the
    print edition's cover."""
    with pikepdf.open(path) as pdf:
        sheets(pdf, condition, profile)
        finished = pdf_bytes(pdf)
    write_bytes(path, finished)


def convert_part(pdf: pikepdf.Pdf, profile: Path | None) -> bool:
    """A part of the print edition made CMYK (the RGB colours of its pages and forms, its
    RGB images) where it is laid out, in a layout worker, and kept so in the layout
    cache: the book's assembly then has none of it to do (:func:`sheets` with
    ``converted``). Going through every page, form and image of the book again at every
    build, in the build's own process, was 0.6 s of a one-chapter rebuild of the
    470-page corpus and 2.3 s of its cold build. False when nothing was changed (the
    part is then kept as WeasyPrint wrote it)."""
    converter = CmykConverter(pdf, profile)
    changed = False
    for page in pdf.pages:
        changed |= converter.stream(page)
        changed |= converter.resources(page.obj.get("/Resources"))
    return changed


def sheets(pdf: pikepdf.Pdf, condition: tuple[str, str] | None,
           profile: Path | None = None, *, converted: bool = False) -> None:
    """Every page on a sheet with a slug outside the bleed, marks drawn there; TrimBox and
    BleedBox on every page; what is left in RGB converted to CMYK (unless ``converted``:
    the book's parts were, :func:`convert_part`); the output intent names its printing
    condition.

    On the book as assembled, before it is saved (:func:`build`): saving the assembled
    book, then opening, parsing and saving it again to finish it, was 0.7 s of every
    rebuild of the 470-page corpus."""
    if not converted:
        convert_part(pdf, profile)
    # The marks of a trim box, drawn once and shared by every page of that size (one
    # stream, not one a page: 638 streams made and compressed on the corpus).
    marks: dict[tuple[float, ...], pikepdf.Object] = {}
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
        if (x0, y0, x1, y1) not in marks:
            marks[x0, y0, x1, y1] = pdf.make_stream(_mark_lines(page.obj.TrimBox))
        page.contents_add(marks[x0, y0, x1, y1])
    if profile is not None:
        _embed_as_written(pdf, profile.read_bytes())
    _share_profiles(pdf)
    intents = pdf.Root.get("/OutputIntents")
    if condition and isinstance(intents, pikepdf.Array):
        for intent in intents:
            intent.OutputConditionIdentifier = pikepdf.String(condition[0])
            intent.Info = pikepdf.String(condition[1])
            if condition[0] != "Custom":
                intent.RegistryName = pikepdf.String("http://www.color.org")
    if "/ID" in pdf.trailer:  # WeasyPrint's hashes what it wrote, profile and all:
        del pdf.trailer["/ID"]  # both halves from the finished content instead


def build(context: BuildContext) -> EditionResult:
    from report.editions.printcover import PrintCover, print_settings

    manuscript = context.manuscript
    out = context.path(f"{manuscript.manifest.slug}-print.pdf")
    _, _, paper, cover_paper = print_settings(context)
    profile, condition = _profile(context, paper)
    css, options = profile_css(profile)
    extra_css = css + running_heads_css(context.rendered)
    cover_profile, cover_condition = _profile(context, cover_paper or COVER_PAPER)
    cover = PrintCover(context, *profile_css(cover_profile),
                       finish=functools.partial(finish_sheets, condition=cover_condition,
                                                profile=cover_profile),
                       finish_inputs=[json.dumps(cover_condition),
                                      cover_profile.read_bytes() if cover_profile else b""])
    # The cover starts as soon as the page count is known, beside the book's assembly.
    try:
        pages = build_chaptered(context, out, parts_spec(["paged.css", "print.css"],
                                                         extra_css, options,
                                                         layer_css=draft_css(context),
                                                         cmyk=str(profile or "")),
                                pages_known=cover.start,
                                finish=functools.partial(sheets, condition=condition,
                                                         profile=profile, converted=True))
    except BaseException:
        cover.stop()  # no cover laid out for a build that stopped
        raise
    cover_path = cover.build(pages)
    return EditionResult("print", out, pages=pages, sha256=sha256_of(out),
                         extra={"cover": context.rel(cover_path),
                                "cover_sha256": sha256_of(cover_path)})
