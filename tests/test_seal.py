"""This user's seal on what a build keeps and trusts for consent (report.seal): a key of
their own, outside the tree, owner-only; none where it could not be kept private."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from report import seal


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(seal, "_KEY", None)  # what a new process starts without
    return tmp_path / "cache"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_the_key_is_made_once_owner_only_and_seals_verify(cache_home: Path) -> None:
    mark = seal.seal("privacy", b"[key, clean]")
    key = cache_home / "report-toolkit" / seal.KEY_NAME
    assert mark is not None and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert seal.sealed("privacy", b"[key, clean]", mark)
    assert not seal.sealed("privacy", b"[key, clean, more]", mark)
    assert not seal.sealed("contributors", b"[key, clean]", mark)  # each kind its own
    assert not seal.sealed("privacy", b"[key, clean]", None)
    seal._KEY = None  # a new process: the same key, read back
    assert seal.seal("privacy", b"[key, clean]") == mark


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_no_key_where_others_could_read_it(cache_home: Path) -> None:
    """A key folder or file others can read (or replace) gives no key: nothing kept is
    trusted, nothing is sealed, every build does the work itself."""
    folder = cache_home / "report-toolkit"
    folder.mkdir(parents=True)
    os.chmod(folder, 0o755)
    assert seal.seal("privacy", b"x") is None and not seal.sealed("privacy", b"x", "0" * 64)
    os.chmod(folder, 0o700)
    (folder / seal.KEY_NAME).write_bytes(b"k" * 32)
    os.chmod(folder / seal.KEY_NAME, 0o644)
    seal._KEY = None
    assert seal.seal("privacy", b"x") is None
    (folder / seal.KEY_NAME).unlink()
    (folder / seal.KEY_NAME).symlink_to(cache_home / "elsewhere")
    seal._KEY = None
    assert seal.seal("privacy", b"x") is None


def test_without_a_key_nothing_is_kept(cache_home: Path, tmp_path: Path) -> None:
    """No key: the register's reading is not kept (it could not be trusted back)."""
    from report.manuscript import contributors_kept

    (cache_home / "report-toolkit").mkdir(parents=True)
    os.chmod(cache_home / "report-toolkit", 0o777)
    build = tmp_path / "build"
    (build / ".cache").mkdir(parents=True)
    contributors_kept.keep("register text", build, ())
    assert not (build / ".cache" / contributors_kept.KEPT_NAME).exists()
