"""Whether ``report build`` has anything to do: a fingerprint of all a build depends on.

An author saves, runs ``report build`` again and a CI job builds every push: when nothing
a build reads has changed and every edition it made is still there as it was written,
the build has nothing to do and says so in well under a second. The fingerprint covers
the tree's files (all but ``build/``, ``review/``, ``.git`` and other hidden folders), the
toolkit's own source and version and the versions of the tools it drives, the editions
asked for and the options, and the provenance the draft stamp prints (commit, dirty
state, date). It is kept beside ``build/manifest.json`` with a size and mtime signature
of each edition's output and is written only after a successful build. Anything
uncertain (a missing or damaged file, an edition whose output changed) means rebuild. The
record checks itself, so a refused or stopped build leaves it as it was (nothing written):
what that build changed, the sources or the manifest and outputs, no longer matches it.

This module imports only the standard library and the provenance (GitPython) so that the
no-change path pays for nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

FINGERPRINT_NAME = "fingerprint.json"
MANIFEST_NAME = "manifest.json"  # report.build's name, kept here to stay light to import

# Folders of a tree that are output, review records, caches or tooling, never a source.
SKIPPED_DIRS = frozenset({"build", "review", "node_modules", "__pycache__"})

# The tools whose versions change what an edition holds.
TOOLS = ("pypandoc-binary", "pypandoc", "weasyprint", "mkdocs", "mkdocs-material",
         "python-docx", "pikepdf", "pillow", "citeproc-py")

# The fields of a manifest entry that name a built file (the print edition's cover too).
OUTPUT_FIELDS = ("path", "cover")

_CHUNK = 1 << 20

# The toolkit's own package: its source, templates, styles and Lua filters.
PACKAGE = Path(__file__).resolve().parent


def _file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(top: Path, skip_top: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Every file under ``top`` in a stable order, without hidden entries, ``skip_top``
    at the top level or ``SKIPPED_DIRS`` anywhere."""
    for dirpath, dirnames, filenames in os.walk(top):
        at_top = dirpath == str(top)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and d not in SKIPPED_DIRS and not (at_top and d in skip_top))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath, name)


def _sources(root: Path) -> str:
    """The content of every file of the tree a build may read."""
    digest = hashlib.sha256()
    for path in _walk(root):
        digest.update(f"{path.relative_to(root).as_posix()}\0{_file_sha(path)}\n".encode())
    return digest.hexdigest()


def _toolkit(cache: Path) -> str:
    """The toolkit's own files and the tools' versions; the content hash of the package is
    cached under a signature of its files' sizes and mtimes, so a check reads no source."""
    from importlib import metadata

    package = PACKAGE
    files = list(_walk(package))
    stat = hashlib.sha256()
    for path in files:
        info = path.stat()
        stat.update(f"{path.relative_to(package)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    signature = stat.hexdigest()
    cached = _read_json(cache)
    content = cached.get(signature) if isinstance(cached.get(signature), str) else None
    if content is None:
        digest = hashlib.sha256()
        for path in files:
            digest.update(f"{path.relative_to(package)}\0{_file_sha(path)}\n".encode())
        content = digest.hexdigest()
        # Kept only in a build/ that is already there: a refused first build leaves none.
        if cache.parent.parent.is_dir():
            try:
                _write_json(cache, {signature: content})
            except OSError:
                pass  # a cache, not a record: the next check hashes again
    versions = []
    for name in ("report-toolkit", *TOOLS):
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return f"{content}:{','.join(versions)}"


def _toolkit_cache(build_dir: Path) -> Path:
    return build_dir / ".cache" / "toolkit-fingerprint.json"


# The toolkit's fingerprint while a build pins it (:func:`pinned`): a list, empty until
# the first reading (the value does not depend on the folder its cache is kept in).
_pin: list[str] | None = None


@contextmanager
def pinned() -> Iterator[None]:
    """Within: the toolkit's fingerprint is read once and reused.

    A build asks for it a dozen times and more (the no-change check, each edition's key,
    each cache's setting, each privacy gate): each asking walks the package (2,300
    stats) and asks ten packages' metadata, about 25 ms. One build runs one toolkit, so
    its parts are keyed on one reading, the first; outside a pin (``report serve``
    between saves) every asking reads the toolkit again, so a changed filter or template
    is seen at the next save. Pins nest (the outermost holds); the build's threads share
    it."""
    global _pin
    outer = _pin
    if outer is None:
        _pin = []
    try:
        yield
    finally:
        _pin = outer


def _toolkit_once(cache: Path) -> str:
    """:func:`_toolkit`, read once per pin (every time outside one); read again, to keep
    its cache, where that cache is missing (a cold build's first reading came before
    there was a ``build/`` to keep it in)."""
    pin = _pin
    if pin is None:
        return _toolkit(cache)
    if not pin:
        pin.append(_toolkit(cache))
    elif not cache.is_file() and cache.parent.parent.is_dir():
        _toolkit(cache)
    return pin[0]


def toolkit(build_dir: Path) -> str:
    """The toolkit's source and the tools' versions, as one string: what a cache of
    built output must be keyed on besides its inputs."""
    return _toolkit_once(_toolkit_cache(build_dir))


def _parts(root: Path, *, final: bool, noindex: bool, build_dir: Path) -> dict:
    """All a build reads but the editions asked for."""
    from report.manuscript.provenance import provenance

    origin = provenance(root)
    return {
        "sources": _sources(root),
        "toolkit": _toolkit_once(_toolkit_cache(build_dir)),
        "final": final,
        "noindex": noindex,
        "commit": origin.commit,
        "dirty": origin.dirty,
        "date": origin.date.isoformat(),
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
    }


def _digest(parts: dict) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def fingerprint(root: Path, editions: Iterable[str], *, final: bool, noindex: bool = False,
                build_dir: Path | None = None) -> str:
    """The fingerprint of a build of ``editions`` from the tree at ``root``, taken before
    the build so that an edit made while it runs leads to another build."""
    parts = _parts(root, final=final, noindex=noindex, build_dir=build_dir or root / "build")
    return _digest({**parts, "editions": sorted(set(editions))})


def edition_keys(root: Path, editions: Iterable[str], *, final: bool, noindex: bool = False,
                 build_dir: Path | None = None) -> dict[str, str]:
    """One fingerprint per edition: the same inputs as :func:`fingerprint`, for one
    edition, so that a build skips an edition whose inputs and output are as its last
    build left them while it rebuilds another (a deleted PDF, a web edition built for
    preview with noindex)."""
    parts = _parts(root, final=final, noindex=noindex, build_dir=build_dir or root / "build")
    return {name: _digest({**parts, "edition": name}) for name in editions}


def _output_signature(path: Path) -> str | None:
    """Size and mtime of an edition's file, or of every file of its folder (the web
    edition); None when it is missing."""
    if path.is_file():
        info = path.stat()
        return f"{info.st_size}:{info.st_mtime_ns}"
    if not path.is_dir():
        return None
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames):
            file = Path(dirpath, name)
            info = file.stat()
            digest.update(f"{file.relative_to(path)}\0{info.st_size}\0{info.st_mtime_ns}\n"
                          .encode())
    return digest.hexdigest()


def output_signatures(root: Path, entry: object, name: str) -> dict[str, str] | None:
    """Size and mtime of each file a manifest entry names (the print edition's cover
    too); None when one is missing or the entry is not one."""
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        return None
    signatures = {}
    for field in OUTPUT_FIELDS:
        if isinstance(entry.get(field), str):
            signature = _output_signature(root / entry[field])
            if signature is None:
                return None
            signatures[name if field == "path" else f"{name}:{field}"] = signature
    return signatures


def _outputs(root: Path, manifest: dict, editions: Iterable[str]) -> dict[str, str] | None:
    entries = manifest.get("editions")
    if not isinstance(entries, dict):
        return None
    signatures: dict[str, str] = {}
    for name in sorted(set(editions)):
        found = output_signatures(root, entries.get(name), name)
        if found is None:
            return None
        signatures.update(found)
    return signatures


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict) -> None:
    from report.outputs import write_text

    write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def unchanged(root: Path, key: str, editions: Iterable[str],
              build_dir: Path | None = None) -> dict | None:
    """The manifest of the last build when it was made with fingerprint ``key`` and its
    manifest and every edition's output are still as that build left them; else None."""
    build_dir = build_dir or root / "build"
    recorded = _read_json(build_dir / FINGERPRINT_NAME)
    if not recorded or recorded.get("key") != key:
        return None
    manifest_path = build_dir / MANIFEST_NAME
    try:
        if _file_sha(manifest_path) != recorded.get("manifest"):
            return None
    except OSError:
        return None
    manifest = _read_json(manifest_path)
    outputs = _outputs(root, manifest, editions)
    if outputs is None or outputs != recorded.get("outputs"):
        return None
    return manifest


def record(root: Path, key: str, editions: Iterable[str], build_dir: Path | None = None) -> None:
    """Keep ``key`` and the signatures of the editions just built, after a successful
    build; an edition missing from the manifest leaves no record (the next build runs)."""
    build_dir = build_dir or root / "build"
    manifest_path = build_dir / MANIFEST_NAME
    outputs = _outputs(root, _read_json(manifest_path), editions)
    if outputs is None:
        return
    _toolkit_once(_toolkit_cache(build_dir))  # cached now, so that a check writes nothing
    _write_json(build_dir / FINGERPRINT_NAME,
                {"key": key, "manifest": _file_sha(manifest_path), "outputs": outputs})


def is_tree(root: Path) -> bool:
    """A report tree has its manifest at the top (``report.manuscript`` says so when not)."""
    from report.manuscript.manifest import MANIFEST

    return (root / MANIFEST).is_file()
