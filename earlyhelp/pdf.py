"""The one PDF pipeline: every printed document (family plans, letters, handover summaries) comes from here.

Families read these at a kitchen table, so the defaults are for them: A4, tagged for screen readers
(PDF/UA-1), body text at least 12 pt. The renderer fetches nothing but this app's own static files:
WeasyPrint would otherwise follow http:// and file:// URLs found in the HTML.
"""

import atexit
import mimetypes
import multiprocessing
import threading
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

BASE_URL = "app://earlyhelp/"


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


class RenderTimeout(Exception):
    """A document took longer than PDF_TIMEOUT_SECONDS to render; its renderer was stopped."""


def html_to_pdf(html: str, static_folder: str) -> bytes:
    """The render itself: tagged PDF/UA-1, fetching only static files. Runs in a renderer process."""
    fetcher = StaticOnlyFetcher(static_folder)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")


class _Renderers:
    """A small pool of renderer processes, so that a render can be stopped when it runs too long.

    A thread cannot be killed; a process can. The processes come from a forkserver with WeasyPrint
    already imported, so a render costs little more than rendering in this process.
    """

    def __init__(self):
        self._pool = None
        self._lock = threading.Lock()

    def _get(self, processes: int):
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["weasyprint", "earlyhelp.pdf"])
                self._pool = context.Pool(processes)
            return self._pool

    def render(self, html: str, *, static_folder: str, timeout: float, processes: int) -> bytes:
        pool = self._get(processes)
        result = pool.apply_async(html_to_pdf, (html, static_folder))
        try:
            return result.get(timeout=timeout)
        except multiprocessing.TimeoutError:
            with self._lock:
                pool.terminate()
                if self._pool is pool:
                    self._pool = None
            raise RenderTimeout(f"rendering took longer than {timeout} seconds") from None

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.terminate()
                self._pool.join()
                self._pool = None


renderers = _Renderers()
atexit.register(renderers.close)


def render_pdf(template: str, *, large_print: bool = False, **context) -> bytes:
    """Render a template under templates/pdf/ to PDF bytes. Text typed by people is escaped like any page."""
    html = render_template(template, large_print=large_print, **context)
    config = current_app.config
    return renderers.render(
        html,
        static_folder=current_app.static_folder,
        timeout=config["PDF_TIMEOUT_SECONDS"],
        processes=config["PDF_RENDERERS"],
    )


def pdf_response(data: bytes, filename: str, *, download: bool = True) -> Response:
    disposition = "attachment" if download else "inline"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )
