"""A renderer process for the PDF pipeline. Reads framed requests on stdin, writes framed PDFs on stdout.

Runs as `python -m earlyhelp.pdf_worker`, started and stopped by earlyhelp.pdf: a process, unlike a
thread, can be stopped when a render runs too long. Frames are a 4-byte big-endian length then the body;
a reply starts with b"K" (the PDF follows) or b"E" (an error message follows).

The render itself lives here, not in earlyhelp.pdf, so that a renderer starts quickly: it imports
WeasyPrint and nothing of the app's database or views. Once started it prints a one-page document to
itself, so that fonts are loaded before the first real document arrives.
"""

import contextlib
import json
import mimetypes
import struct
import sys
from pathlib import Path
from urllib.parse import urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

BASE_URL = "app://earlyhelp/"
WARM_UP = '<!DOCTYPE html><html lang="en-GB"><title>Warm up</title><p>Warm up <strong>bold</strong> <em>it</em></p>'


class RefusedResource(ValueError):
    pass


class StaticOnlyFetcher(URLFetcher):
    """Serves app://earlyhelp/static/... from the static folder and refuses every other URL."""

    def __init__(self, static_folder: str):
        super().__init__(allowed_protocols={"app"})
        self.static_folder = Path(static_folder).resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "app" and parts.netloc == "earlyhelp" and parts.path.startswith("/static/"):
            path = (self.static_folder / parts.path.removeprefix("/static/")).resolve()
            if path.is_relative_to(self.static_folder) and path.is_file():
                mime, _ = mimetypes.guess_type(path.name)
                return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime or ""})
        self.refused.append(url)
        raise RefusedResource(f"PDF renderer refused to fetch {url}")


def html_to_pdf(html: str, static_folder: str) -> bytes:
    """The render itself: tagged PDF/UA-1, fetching only static files. Runs in a renderer process."""
    fetcher = StaticOnlyFetcher(static_folder)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames may reach the real stdout
    with contextlib.suppress(Exception):  # a warm-up only: a real render reports its own error
        html_to_pdf(WARM_UP, str(Path(__file__).resolve().parent.parent / "static"))

    while True:
        header = stdin.read(4)
        if len(header) < 4:
            return
        request = json.loads(stdin.read(struct.unpack(">I", header)[0]))
        try:
            status, body = b"K", html_to_pdf(request["html"], request["static_folder"])
        except Exception as error:  # reported to the app, which raises it there
            status, body = b"E", repr(error).encode()
        stdout.write(status + struct.pack(">I", len(body)) + body)
        stdout.flush()


if __name__ == "__main__":
    main()
