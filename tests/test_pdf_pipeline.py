"""The shared PDF pipeline: what it prints, and what it refuses to fetch."""

import subprocess

import pytest
from bs4 import BeautifulSoup


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0, reason="poppler-utils not installed"
)


def test_a_printed_document_has_its_reference_and_page_numbers(pdf_client):
    response = pdf_client.get("/print-check.pdf", query_string={"text": "Hello from the print check", "paragraphs": 80})
    text = pdf_text(response.data)
    assert "Hello from the print check" in text
    assert "REF-PRINT-CHECK" in text
    pages = text.count("\f")
    assert pages > 1
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert text.count("REF-PRINT-CHECK") == pages
    assert response.headers["Content-Disposition"] == 'attachment; filename="print-check.pdf"'


def test_text_typed_by_a_person_prints_literally(pdf_client):
    typed = "<b>bold?</b> {{ 7*7 }} <script>alert(1)</script>"
    text = pdf_text(pdf_client.get("/print-check.pdf", query_string={"text": typed}).data)
    assert "<b>bold?</b> {{ 7*7 }} <script>alert(1)</script>" in " ".join(text.split())


def test_the_renderer_fetches_nothing_but_the_apps_static_files(pdf_app, pdf_client, caplog):
    hostile = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
    # Even markup that reached the template unescaped could not make the renderer fetch anything.
    from earlyhelp.pdf import StaticOnlyFetcher

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
    assert pdf_client.get("/print-check.pdf", query_string={"text": hostile}).status_code == 200


def test_a_pdf_is_tagged_for_accessibility(pdf_client, tmp_path):
    source = tmp_path / "in.pdf"
    source.write_bytes(pdf_client.get("/print-check.pdf?text=x").data)
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(source), str(tmp_path / "out.pdf")], check=True)
    data = (tmp_path / "out.pdf").read_bytes()
    assert b"/StructTreeRoot" in data
    assert b"/MarkInfo" in data
    assert b"pdfuaid:part" in data
    assert b"/Lang (en-GB)" in data


def word_height(data: bytes, word: str) -> float:
    """The height of a word's box on the page, in points: it grows with the font size."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True).stdout
    soup = BeautifulSoup(html, "html.parser")
    box = next(w for w in soup.find_all("word") if w.get_text() == word)
    return float(box["ymax"]) - float(box["ymin"])


def test_body_text_is_at_least_12_point_and_large_print_at_least_16(pdf_client):
    normal = word_height(pdf_client.get("/print-check.pdf?text=Measure").data, "Measure")
    large = word_height(pdf_client.get("/print-check.pdf?text=Measure&large=1").data, "Measure")
    # DejaVu Sans's box is about 1.16 times its point size.
    assert normal >= 12 * 1.1
    assert large >= 16 * 1.1


def test_a_render_that_runs_too_long_is_stopped_with_a_clear_page_and_the_next_one_works(pdf_app, pdf_client):
    pdf_app.config["PDF_TIMEOUT_SECONDS"] = 0.001
    try:
        response = pdf_client.get("/print-check.pdf?paragraphs=500")
    finally:
        pdf_app.config["PDF_TIMEOUT_SECONDS"] = 30
    assert response.status_code == 503
    assert "The document took too long to print" in response.text
    assert pdf_client.get("/print-check.pdf?text=again").data.startswith(b"%PDF-")
