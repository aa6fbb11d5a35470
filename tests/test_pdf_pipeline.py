"""The shared PDF pipeline: what it prints, what it refuses to fetch, and how long it may take."""

import subprocess

import pytest

from earlyhelp.pdf import StaticOnlyFetcher
from tests.helpers import pdf_text
from tests.pdf_checks import NEVER_FINISHING_RENDERER, word_height

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0, reason="poppler-utils not installed"
)


def printed(pdf_client, **query) -> bytes:
    response = pdf_client.get("print_check", query_string=query)
    assert response.status_code == 200, response.status_code
    return response.data


def test_a_printed_document_has_its_reference_and_page_numbers(pdf_client):
    response = pdf_client.get("print_check", query_string={"text": "Hello from the print check", "paragraphs": 80})
    text = pdf_text(response)
    assert "Hello from the print check" in text
    assert "REF-PRINT-CHECK" in text
    pages = text.count("\f")
    assert pages > 1
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert text.count("REF-PRINT-CHECK") == pages
    assert response.headers["Content-Disposition"] == 'attachment; filename="print-check.pdf"'


def test_text_typed_by_a_person_prints_literally(pdf_client):
    typed = "<b>bold?</b> {{ 7*7 }} <script>alert(1)</script>"
    assert "<b>bold?</b> {{ 7*7 }} <script>alert(1)</script>" in " ".join(
        pdf_text(printed(pdf_client, text=typed)).split()
    )


def test_the_renderer_fetches_nothing_but_the_apps_static_files(pdf_app, pdf_client):
    fetcher = StaticOnlyFetcher(pdf_app.static_folder)
    for url in [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "app://earlyhelp/static/../../pyproject.toml",
        "app://elsewhere/static/pdf/print.css",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("app://earlyhelp/static/pdf/print.css").status == 200
    # Even markup that reached the template unescaped could not make the renderer fetch anything.
    hostile = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
    assert printed(pdf_client, text=hostile).startswith(b"%PDF-")


def test_a_pdf_is_tagged_for_accessibility(pdf_client, tmp_path):
    source = tmp_path / "in.pdf"
    source.write_bytes(printed(pdf_client, text="x"))
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(source), str(tmp_path / "out.pdf")], check=True)
    data = (tmp_path / "out.pdf").read_bytes()
    assert b"/StructTreeRoot" in data
    assert b"/MarkInfo" in data
    assert b"pdfuaid:part" in data
    assert b"/Lang (en-GB)" in data


def test_body_text_is_at_least_12_point_and_large_print_at_least_16(pdf_client):
    normal = word_height(printed(pdf_client, text="Measure"), "Measure")
    large = word_height(printed(pdf_client, text="Measure", large="1"), "Measure")
    # DejaVu Sans's box is about 1.16 times its point size.
    assert normal >= 12 * 1.1
    assert large >= 16 * 1.1


def test_a_render_that_runs_too_long_is_stopped_with_a_clear_page_and_the_next_one_works(
    pdf_app, pdf_client, monkeypatch
):
    monkeypatch.setitem(pdf_app.config, "PDF_RENDERER", NEVER_FINISHING_RENDERER)
    monkeypatch.setitem(pdf_app.config, "PDF_TIMEOUT_SECONDS", 1)
    response = pdf_client.get("print_check", query_string={"text": "never printed"})
    assert response.status_code == 503
    assert "The document took too long to print" in response.text

    monkeypatch.undo()
    assert printed(pdf_client, text="again").startswith(b"%PDF-")


def test_a_renderer_that_dies_gives_a_clear_page_and_the_next_render_works(pdf_app, pdf_client, monkeypatch):
    monkeypatch.setitem(pdf_app.config, "PDF_RENDERER", "tests.dying_renderer")
    response = pdf_client.get("print_check", query_string={"text": "never printed"})
    assert response.status_code == 503
    assert "The document could not be printed" in response.text
    assert "Traceback" not in response.text

    monkeypatch.undo()
    assert printed(pdf_client, text="again").startswith(b"%PDF-")
