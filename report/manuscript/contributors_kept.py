"""The records of ``contributors.yaml`` as its last reading found them, kept in
``build/.cache/contributors.json`` by the file's text and the toolkit.

Validating the register (YAML with line numbers, the JSON Schema, the rules a schema
cannot say) costs a process about a fifth of a second, and importing the schema
validator as much again: a build after a one-chapter edit paid both for a register
that had not changed. A kept reading is used only for the same text (a consent
withdrawn, a name changed: a new text, read afresh) read by the same toolkit (a rule
added: read afresh); only a register that passed every rule is kept, so a file with a
problem is refused every time, with its lines. A missing, damaged or foreign entry is a
miss, and so is one without this user's seal (:mod:`report.seal`): the records say who
opted in, and a register planted in ``build/`` must not list anyone the text does not.
Nothing is kept where no ``build/`` is yet (a refused first build leaves none).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, fields
from pathlib import Path

from report.manuscript.contributors import Consent, Contributor
from report.seal import seal, sealed

KEPT_NAME = "contributors.json"
SEAL_KIND = "contributors"
# Bumped when the shape of a kept record changes.
VERSION = "1"


def _key(text: str, build_dir: Path) -> str:
    from report import fingerprint

    return hashlib.sha256("\0".join((VERSION, fingerprint.toolkit(build_dir), text))
                          .encode("utf-8", "surrogatepass")).hexdigest()


def _sealed_part(key: object, records: object) -> bytes:
    return json.dumps([key, records], sort_keys=True).encode()


def _plain(record: Contributor) -> dict:
    data = asdict(record)
    consent = data.get("consent")
    if consent is not None:
        for name in ("given", "withdrawn"):
            if consent[name] is not None:
                consent[name] = consent[name].isoformat()
    return data


def _record(data: dict) -> Contributor:
    """A record as :func:`_plain` wrote it; raises on anything else (a miss)."""
    consent = data["consent"]
    if consent is not None:
        if set(consent) != {f.name for f in fields(Consent)}:
            raise ValueError("not a kept consent")
        consent = Consent(**{**consent, **{
            name: None if consent[name] is None else dt.date.fromisoformat(consent[name])
            for name in ("given", "withdrawn")}})
    if set(data) != {f.name for f in fields(Contributor)}:
        raise ValueError("not a kept record")
    return Contributor(**{**data, "roles": tuple(data["roles"]), "consent": consent})


def kept(text: str, build_dir: Path) -> tuple[Contributor, ...] | None:
    """The records kept for this text and toolkit, or None."""
    path = build_dir / ".cache" / KEPT_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["key"] != _key(text, build_dir) or not sealed(
                SEAL_KIND, _sealed_part(data["key"], data["records"]), data.get("seal")):
            return None
        return tuple(_record(record) for record in data["records"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(text: str, build_dir: Path, records: tuple[Contributor, ...]) -> None:
    """Keep a register that passed every rule, in a ``build/`` that is there already."""
    if not build_dir.is_dir():
        return
    from report.outputs import write_text

    key, plain = _key(text, build_dir), [_plain(r) for r in records]
    mark = seal(SEAL_KIND, _sealed_part(key, plain))
    if mark is None:
        return  # no key of this user's: a kept reading could not be trusted
    try:
        write_text(build_dir / ".cache" / KEPT_NAME, json.dumps(
            {"key": key, "records": plain, "seal": mark}) + "\n")
    except OSError:
        pass  # a cache, not a record: the next reading validates again
