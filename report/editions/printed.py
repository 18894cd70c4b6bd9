"""The print edition: what goes to the printer (A4, 3 mm bleed, crop marks, PDF/X-4).

Named ``printed`` because ``print`` is a Python built-in.

PDF/X-4 needs the printer's CMYK output profile (an ICC file) embedded as the output
intent. No CMYK profile with a licence compatible with this toolkit is available to ship,
so the report names its printer's profile in ``mkdocs.yml`` (``extra.print_profile``, a
path inside the tree). With it, the print PDF is PDF/X-4; without it, the PDF keeps bleed,
trim box and crop marks but claims no PDF/X conformance it could not meet, and the build
says so.
"""

from __future__ import annotations

from report.editions import EditionResult
from report.editions.chaptered import build_chaptered
from report.editions.context import BuildContext
from report.editions.paged import running_heads_css
from report.editions.stamp import draft_css, sha256_of
from report.errors import InputError, Problem

NO_PROFILE = ("print edition is not PDF/X-4: name the printer's CMYK ICC profile as "
              "extra.print_profile in mkdocs.yml")


def _profile_css(context: BuildContext) -> tuple[str, dict]:
    manifest = context.manuscript.manifest
    name = manifest.extra.get("print_profile")
    if not name:
        context.warnings.append(NO_PROFILE)
        return "", {}
    path = (context.manuscript.root / str(name)).resolve()
    if context.manuscript.root not in path.parents or not path.is_file():
        raise InputError(Problem("mkdocs.yml", manifest.config["extra"].line_of("print_profile"),
                                 f"print profile not found in the report tree: {name}"))
    css = f'@color-profile device-cmyk {{ src: url("{path.as_uri()}"); components: c m y k; }}'
    return css, {"pdf_variant": "pdf/x-4"}


def build(context: BuildContext) -> EditionResult:
    manuscript = context.manuscript
    out = context.path(f"{manuscript.manifest.slug}-print.pdf")
    profile_css, options = _profile_css(context)
    extra_css = profile_css + running_heads_css(context.rendered)
    pages = build_chaptered(context, out, ["paged.css", "print.css"], extra_css, options,
                            layer_css=draft_css(context))
    return EditionResult("print", out, pages=pages, sha256=sha256_of(out))
