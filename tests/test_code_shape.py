"""The one shape of the code (docs/architecture.md), checked by reading the source so that it cannot drift."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "earlyhelp"
SOURCES = sorted(PACKAGE.rglob("*.py"))
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            yield node, ast.unparse(node.func)


VIEWS_AND_FORMS = [p for p in SOURCES if p.name in ("views.py", "forms.py") or p.name == "web.py"]


@pytest.mark.parametrize("path", VIEWS_AND_FORMS, ids=_relative)
def test_no_view_or_form_commits_or_rolls_back(path):
    """The service owns the transaction: a view parses, calls one use case, and redirects or renders."""
    found = [f"line {node.lineno}: {name}()" for node, name in _calls(path) if name.endswith((".commit", ".rollback"))]
    assert found == []


CLOCK_CALLS = re.compile(r"(^|\.)(now|today|utcnow|utcfromtimestamp|fromtimestamp|time|monotonic_ns)$")


@pytest.mark.parametrize("path", [p for p in SOURCES if p.name != "clock.py"], ids=_relative)
def test_nothing_but_the_clock_asks_for_the_date_or_time(path):
    found = []
    for node, name in _calls(path):
        if name in ("datetime.now", "datetime.today", "date.today", "datetime.utcnow", "time.time"):
            found.append(f"line {node.lineno}: {name}()")
    assert found == [], "use earlyhelp.clock.now() or today()"


@pytest.mark.parametrize("path", [p for p in SOURCES if p.name != "clock.py"], ids=_relative)
def test_dates_are_written_by_the_clock_module_only(path):
    source = path.read_text()
    assert "%-d" not in source and "%B" not in source and "%b" not in source, "use earlyhelp.clock's formats"
    assert 'ZoneInfo("Europe/London")' not in source, "use earlyhelp.clock.LONDON"


def test_refusals_are_one_family():
    """Anything a person may be told 'no' through is a Refused; other exceptions are faults, not answers."""
    allowed = {
        "earlyhelp/domain/refusals.py": {"Refused", "Stale", "NeedsConfirmation"},
        # Faults of the PDF renderer: shown as an error page, never as a form's refusal.
        "earlyhelp/pdf.py": {"RefusedResource", "RenderTimeout", "RenderFailed"},
    }
    found = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            is_exception = isinstance(node, ast.ClassDef) and any(
                ast.unparse(base).endswith(("Exception", "Error", "Refused")) for base in node.bases
            )
            if is_exception and node.name not in allowed.get(_relative(path), set()):
                found.setdefault(_relative(path), []).append(node.name)
    assert found == {}


@pytest.mark.parametrize("path", TEMPLATES, ids=_relative)
def test_templates_link_through_url_for_and_show_statuses_with_their_labels(path):
    source = path.read_text()
    hard_coded = re.findall(r'(?:href|action|hx-get|hx-post)="(/[^"{]*)', source)
    assert hard_coded == [], "build links with url_for"
    assert not re.search(r"replace\(\s*[\"']_[\"']", source), "show a status by its label (components/tag.html)"


@pytest.mark.parametrize(
    "path", [p for p in TEMPLATES if "components" not in p.parts and p.parent.name != "pdf"], ids=_relative
)
def test_pages_use_the_components_for_what_every_page_repeats(path):
    source = path.read_text()
    assert 'class="govuk-back-link"' not in source, "use components/back_link.html"
    assert "The children in the household changed" not in source, "use components/household_changed.html"
    assert "govuk-error-summary__title" not in source, "refusals reach the layout's error summary (web.show_refusal)"


def test_every_fragment_comes_from_the_one_htmx_helper():
    """Views choose a page or its partial through earlyhelp.web.render_page / wants_fragment, nowhere else."""
    found = []
    for path in SOURCES:
        if path.name == "web.py":
            continue
        source = path.read_text()
        if re.search(r"\bhtmx\.(boosted|history_restore_request)|request\.headers\.get\([\"']HX-Request", source):
            found.append(_relative(path))
    assert found == []


# Who may see what is decided in earlyhelp/policy.py only: nothing else compares a role to a string.
ROLE_WORDS = re.compile(r"""role\.code\s*(==|!=|\bin\b)|Role\.code\s*==\s*["']|roles\(\s*["']|has_role\([^)]*["']""")
ROLE_CODES_AS_DATA = {"earlyhelp/policy.py"}


@pytest.mark.parametrize(
    "path", [p for p in SOURCES + TEMPLATES if _relative(p) not in ROLE_CODES_AS_DATA], ids=_relative
)
def test_no_role_is_compared_outside_the_policy_module(path):
    found = [line.strip() for line in path.read_text().splitlines() if ROLE_WORDS.search(line)]
    assert not found, f"ask earlyhelp/policy.py instead: {found}"


def test_every_form_is_the_one_form_that_refuses_hostile_input():
    """Control characters, file parts and the rest are refused by earlyhelp.forms.Form (earlyhelp/hostile.py
    for the request itself): a form built on FlaskForm directly would let them through."""
    found = [
        f"{_relative(path)}:{node.lineno}"
        for path in SOURCES
        if _relative(path) != "earlyhelp/forms.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and any(ast.unparse(base).endswith("FlaskForm") for base in node.bases)
    ]
    assert found == []
