"""The one PDF pipeline: every printed document (family plans, letters, handover summaries) comes from here.

Families read these at a kitchen table, so the defaults are for them: A4, tagged for screen readers
(PDF/UA-1), body text at least 12 pt. The renderer fetches nothing but this app's own static files:
WeasyPrint would otherwise follow http:// and file:// URLs found in the HTML.
"""

import mimetypes
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


def render_pdf(template: str, *, large_print: bool = False, **context) -> bytes:
    """Render a template under templates/pdf/ to PDF bytes. Text typed by people is escaped like any page."""
    html = render_template(template, large_print=large_print, **context)
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")


def pdf_response(data: bytes, filename: str, *, download: bool = True) -> Response:
    disposition = "attachment" if download else "inline"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )
