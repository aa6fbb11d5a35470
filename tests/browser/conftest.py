"""Real-browser tests: Playwright drives the system Chromium against a live server on 127.0.0.1.

Playwright cannot download its own browsers here, so it launches the Debian chromium through
executable_path. Without Chromium the browser tests skip locally; with CI set, they fail instead.
"""

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.helpers import app_on_fresh_database

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = (ROOT / "tests" / "vendor" / "axe.min.js").read_text()
ARTIFACTS = ROOT / "test-artifacts" / "journeys"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "browser demo passphrase"
CSP_LISTENER = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "tests/browser/" in str(item.fspath)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if CHROMIUM or not browser_items:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("Chromium is not installed, so the browser tests cannot run: apt-get install chromium")
    skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium); browser tests skipped")
    for item in browser_items:
        item.add_marker(skip)


live_apps = []


@pytest.fixture(scope="session")
def live_app(live_server):
    """The app behind the live server, for looking things up in its database."""
    return live_apps[0]


@pytest.fixture(scope="session")
def live_server():
    """The app with demo data, served on a free port on 127.0.0.1 by a background thread."""
    from earlyhelp.services import demo

    with app_on_fresh_database("browser") as app:
        with app.app_context():
            demo.seed(password=DEMO_PASSWORD, family_count=30, random_seed=7)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
        live_apps.append(app)
        try:
            yield app.config["LIVE_URL"]
        finally:
            server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Any Content-Security-Policy violation (an inline style or script that slipped in) fails the test.
    page.add_init_script(CSP_LISTENER)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-last.png"), full_page=True)
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def check_page(page, name: str | None = None) -> None:
    """Every page a journey visits: no accessibility violations (axe-core, WCAG 2.2 AA), no CSP violations."""
    page.wait_for_load_state("load")
    # Evaluated through the DevTools protocol: a script tag would be blocked, rightly, by our CSP.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']]}"
        for v in result["violations"]
    ]
    assert violations == [], f"{page.url}\n" + json.dumps(violations, indent=2)
    assert page.evaluate("window.__cspViolations") == [], page.url
    started = page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert started, "GOV.UK Frontend's JavaScript did not start"
    if name:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def person(browser, live_server, request):
    """Open a fresh browser for one person, signed in: person("team.manager") for team.manager@northshire.example."""
    contexts = []

    def open_as(name: str):
        context = browser.new_context(base_url=live_server, viewport={"width": 1200, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.add_init_script(CSP_LISTENER)
        sign_in(page, f"{name}@northshire.example")
        return page

    yield open_as
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for index, context in enumerate(contexts):
        for number, page in enumerate(context.pages):
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{index}-{number}-last.png"), full_page=True)
        context.close()


def choose(page, question: str, answer: str) -> None:
    """Pick a radio button by its question (the fieldset legend) and answer."""
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
