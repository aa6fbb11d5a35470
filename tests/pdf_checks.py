"""PDFs in tests: machine checks of the structure PDF/UA-1 asks of a printed document, and a renderer that
never finishes, for the tests of the time limit and of what happens while a document prints.

pdfua_problems checks the things a renderer most often leaves out, each as a readable problem, so a test can say
`assert pdfua_problems(pdf) == []` and show what is wrong when it is not. accessibility_problems adds every error
the `pdfua` checker from PyPI finds (the machine-checkable part of PDF/UA-1 and WCAG; its heuristic warnings are
for a person to look at, not failures). Neither is a full validator (veraPDF is).
"""

import io
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdfua
import pikepdf
from bs4 import BeautifulSoup

# Set the app's PDF_RENDERER to this module and every render blocks until it is stopped.
NEVER_FINISHING_RENDERER = "tests.pdf_checks"
# If this is set in the environment to a path, the never-finishing renderer writes its process id there once
# it holds a request: the render has started.
RENDER_STARTED = "EARLYHELP_TEST_RENDER_STARTED"

PDFUA_PART = "{http://www.aiim.org/pdfua/ns/id/}part"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def pdfua_problems(pdf: bytes) -> list[str]:
    """Every PDF/UA-1 structure problem found, as sentences; an empty list when there are none."""
    try:
        document = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError as error:
        return [f"It is not a readable PDF: {error}"]
    with document:
        return _catalog_problems(document.Root) + _metadata_problems(document) + _font_problems(document)


def accessibility_problems(pdf: bytes) -> list[str]:
    """pdfua_problems, and the errors of the pdfua checker from PyPI."""
    return pdfua_problems(pdf) or pdfua_checker_errors(pdf)


def pdfua_checker_errors(pdf: bytes) -> list[str]:
    """The errors (not the heuristic warnings) the pdfua checker finds, as sentences."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        report = pdfua.validate(str(path))
    return [
        f"{finding.rule_id} (page {finding.location.page}): {finding.message}"
        for finding in report.findings
        if finding.severity >= pdfua.Severity.ERROR
    ]


def _is_true(value) -> bool:
    return isinstance(value, bool) and value


def _catalog_problems(root: pikepdf.Dictionary) -> list[str]:
    problems = []
    mark_info = root.get("/MarkInfo")
    if not isinstance(mark_info, pikepdf.Dictionary):
        problems.append("The catalog has no /MarkInfo, so the PDF does not say it is tagged")
    elif not _is_true(mark_info.get("/Marked")):
        problems.append("The catalog's /MarkInfo does not have /Marked true")
    tree = root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        problems.append("The catalog has no /StructTreeRoot: the document has no structure tree (tags)")
    elif "/K" not in tree:
        problems.append("The /StructTreeRoot has no elements (/K)")
    lang = root.get("/Lang")
    if lang is None or not str(lang).strip():
        problems.append("The catalog has no /Lang: the document's language is not set")
    preferences = root.get("/ViewerPreferences")
    if not isinstance(preferences, pikepdf.Dictionary) or not _is_true(preferences.get("/DisplayDocTitle")):
        problems.append("The catalog's /ViewerPreferences does not have /DisplayDocTitle true")
    return problems


def _metadata_problems(document: pikepdf.Pdf) -> list[str]:
    if not isinstance(document.Root.get("/Metadata"), pikepdf.Stream):
        return ["The catalog has no XMP /Metadata stream"]
    problems = []
    metadata = document.open_metadata()
    part = metadata.get(PDFUA_PART)
    if str(part or "").strip() != "1":
        problems.append(f"The XMP metadata does not have pdfuaid:part = 1 (it has {part!r})")
    title = metadata.get(DC_TITLE)
    if not str(title or "").strip():
        problems.append("The XMP metadata has no dc:title")
    return problems


def _font_problems(document: pikepdf.Pdf) -> list[str]:
    problems = []
    for number, page in enumerate(document.pages, start=1):
        seen: set = set()
        for name, font in _fonts(page.obj.get("/Resources"), seen):
            if not _embedded(font):
                base = str(font.get("/BaseFont", name)).lstrip("/")
                problem = f"Page {number}: the font {base} is not embedded"
                if problem not in problems:
                    problems.append(problem)
    return problems


def _fonts(resources, seen: set):
    """(resource name, font) for every font in these resources and in the form XObjects they draw."""
    if not isinstance(resources, pikepdf.Dictionary):
        return
    key = resources.objgen if resources.is_indirect else id(resources)
    if key in seen:
        return
    seen.add(key)
    fonts = resources.get("/Font")
    if isinstance(fonts, pikepdf.Dictionary):
        yield from fonts.items()
    xobjects = resources.get("/XObject")
    if isinstance(xobjects, pikepdf.Dictionary):
        for xobject in xobjects.values():
            if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
                yield from _fonts(xobject.get("/Resources"), seen)


def _embedded(font) -> bool:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":  # its glyphs are drawn by the PDF itself
        return True
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        return isinstance(descendants, pikepdf.Array) and len(descendants) > 0 and all(map(_embedded, descendants))
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, pikepdf.Dictionary) and any(key in descriptor for key in FONT_FILES)


def word_heights(data: bytes) -> list[tuple[str, float]]:
    """Every word printed, with the height of its box in points: about 1.16 times its size in DejaVu Sans."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True).stdout
    words = BeautifulSoup(html, "html.parser").find_all("word")
    return [(w.get_text(), float(w["ymax"]) - float(w["ymin"])) for w in words]


def word_height(data: bytes, word: str) -> float:
    """The height of the first box of this word on the page, in points: it grows with the font size."""
    return next(height for text, height in word_heights(data) if text == word)


def never_finish() -> None:
    """Run as a renderer process (python -m tests.pdf_checks): read one request, say so, wait to be stopped."""
    stdin = sys.stdin.buffer
    header = stdin.read(4)
    if len(header) < 4:
        return
    stdin.read(struct.unpack(">I", header)[0])
    if started := os.environ.get(RENDER_STARTED):
        Path(f"{started}.part").write_text(str(os.getpid()))
        os.replace(f"{started}.part", started)
    while True:
        signal.pause()


def render_started(path: Path, *, within: float = 60) -> int:
    """The process id of the never-finishing renderer once it holds a request (it has started to print).

    `within` is only how long to wait before calling the test broken, not a measure of anything.
    """
    deadline = time.monotonic() + within
    while not path.exists():
        assert time.monotonic() < deadline, "the render never started"
        time.sleep(0.02)
    return int(path.read_text())


if __name__ == "__main__":
    never_finish()
