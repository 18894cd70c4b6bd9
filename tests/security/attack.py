"""What every attack test asserts: nothing from outside reached a built file, no code
ran, no request reached a listener, and the command failed the way the contract says."""

from __future__ import annotations

import http.server
import socket
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# What the outside files hold: a build that embeds one of them shows this in its output.
SECRET = "OUTSIDE-SECRET-7f3a"


def pdf_text(path: Path) -> str:
    """The PDF's text as poppler extracts it (what a reader could copy out)."""
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def outside_file(tmp_path: Path, name: str = "secret.txt") -> Path:
    """A file beside (not inside) the report tree, holding :data:`SECRET`."""
    path = tmp_path / name
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    return path


def built_texts(build: Path) -> Iterator[tuple[str, bytes]]:
    """Every byte a build produced: plain files, the members of DOCX and EPUB archives,
    and the text of PDFs."""
    for path in sorted(p for p in build.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield str(path), data
        if path.suffix in (".docx", ".epub"):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path}!{member}", archive.read(member)
        elif path.suffix == ".pdf":
            yield f"{path} (text)", pdf_text(path).encode("utf-8")


def assert_nothing_outside(build: Path, *needles: str) -> None:
    for where, data in built_texts(build):
        for needle in (SECRET, *needles):
            assert needle.encode() not in data, f"{needle} in {where}"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.hits.append(self.path)
        body = f"{SECRET}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


@contextmanager
def listener() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1; yields its base URL and the paths requested."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
