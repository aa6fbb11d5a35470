"""The one PDF pipeline: every printed document (family plans, letters, handover summaries) comes from here.

Families read these at a kitchen table, so the defaults are for them: A4, tagged for screen readers
(PDF/UA-1), body text at least 12 pt. The renderer fetches nothing but this app's own static files:
WeasyPrint would otherwise follow http:// and file:// URLs found in the HTML.
"""

import atexit
import json
import mimetypes
import struct
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from earlyhelp.database import end_transaction

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


class RenderFailed(Exception):
    pass


class _Renderers:
    """Renderer processes, kept warm and reused, so that a render can be stopped.

    A thread cannot be killed; a process can. Each render borrows an idle process of the configured
    module (earlyhelp.pdf_worker, unless a test swaps in one that never finishes), or starts one while
    fewer than `processes` exist; a render that outlives the time limit has its process killed.
    """

    def __init__(self):
        self._idle: dict[str, list[subprocess.Popen]] = {}
        self._count: dict[str, int] = {}
        self._lock = threading.Condition()

    def _borrow(self, module: str, processes: int) -> subprocess.Popen:
        with self._lock:
            idle = self._idle.setdefault(module, [])
            while not idle and self._count.get(module, 0) >= processes:
                self._lock.wait()
            if idle:
                return idle.pop()
            self._count[module] = self._count.get(module, 0) + 1
        return subprocess.Popen(  # noqa: S603 (the module is a setting, never from a request)
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(Path(__file__).resolve().parent.parent),
        )

    def _give_back(self, module: str, worker: subprocess.Popen, *, healthy: bool) -> None:
        with self._lock:
            if healthy:
                self._idle[module].append(worker)
            else:
                self._count[module] -= 1
            self._lock.notify_all()

    def render(self, html: str, *, static_folder: str, timeout: float, processes: int, module: str) -> bytes:
        worker = self._borrow(module, processes)
        request = json.dumps({"html": html, "static_folder": static_folder}).encode()
        stopped = threading.Event()

        def stop():
            stopped.set()
            worker.kill()

        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
            worker.stdin.write(struct.pack(">I", len(request)) + request)
            worker.stdin.flush()
            head = worker.stdout.read(5)
            if len(head) < 5:
                raise BrokenPipeError
            body = worker.stdout.read(struct.unpack(">I", head[1:])[0])
        except (OSError, struct.error):
            timer.cancel()
            worker.kill()
            worker.wait()
            self._give_back(module, worker, healthy=False)
            if stopped.is_set():
                raise RenderTimeout(f"rendering took longer than {timeout} seconds") from None
            raise RenderFailed("the renderer stopped unexpectedly") from None
        timer.cancel()
        self._give_back(module, worker, healthy=True)
        if head[:1] != b"K":
            raise RenderFailed(body.decode(errors="replace"))
        return body

    def close(self) -> None:
        with self._lock:
            for module, idle in self._idle.items():
                for worker in idle:
                    worker.kill()
                    worker.wait()
                self._count[module] -= len(idle)
                idle.clear()


renderers = _Renderers()
atexit.register(renderers.close)


def pdf_html(template: str, *, large_print: bool = False, **context) -> str:
    """The HTML of a document under templates/pdf/, made from the records. Text typed by people is escaped
    like any page. Cheap: a use case gathers the HTML of what it will store inside its transaction."""
    return render_template(template, large_print=large_print, **context)


def print_html(html: str) -> bytes:
    """Print HTML to PDF bytes, with no transaction open.

    The transaction ends first, so that no lock or snapshot is held while WeasyPrint works (a long
    document can take many seconds). Only a request that has changed nothing may print: a use case that
    stores documents prints between its two transactions (see services/family_plans.py:issue).
    """
    end_transaction()
    config = current_app.config
    return renderers.render(
        html,
        static_folder=current_app.static_folder,
        timeout=config["PDF_TIMEOUT_SECONDS"],
        processes=config["PDF_RENDERERS"],
        module=config["PDF_RENDERER"],
    )


def render_pdf(template: str, *, large_print: bool = False, **context) -> bytes:
    """A document under templates/pdf/ as PDF bytes: its HTML from the records, then printed with the
    transaction ended (print_html)."""
    return print_html(pdf_html(template, large_print=large_print, **context))


def pdf_response(data: bytes, filename: str, *, download: bool = True) -> Response:
    disposition = "attachment" if download else "inline"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )
