"""A person signs in, sees the home page, signs out, and their old session no longer works."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_page, sign_in
from tests.helpers import url


def test_sign_in_see_home_sign_out_and_the_old_session_is_refused(page, browser, live_server, live_app):
    home = url(live_app, "main.home")
    sent_to_sign_in = live_server + url(live_app, "auth.sign_in", next=home)
    page.goto(home)
    expect(page).to_have_url(sent_to_sign_in)
    check_page(page, "sign-in")

    sign_in(page, "practitioner@northshire.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    expect(page.locator(".app-account-bar")).to_contain_text("Signed in as Robin Practitioner")
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.lower().startswith("arial")
    check_page(page, "home")
    old_cookies = page.context.cookies()

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")
    check_page(page, "signed-out")

    # Someone who copied the cookie before sign-out gets nothing from it.
    other = browser.new_context(base_url=live_server)
    other.add_cookies(old_cookies)
    stolen = other.new_page()
    stolen.goto(home)
    expect(stolen).to_have_url(sent_to_sign_in)
    other.close()


def test_a_wrong_password_shows_an_accessible_error_summary(page):
    sign_in(page, "practitioner@northshire.example", password="not the password")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_label("Email address")).to_have_value("practitioner@northshire.example")
    check_page(page, "sign-in-error")


def test_an_administrator_adds_a_user_after_fixing_a_mistake(page):
    sign_in(page, "admin@northshire.example")
    page.get_by_role("link", name="Users", exact=True).click()
    check_page(page, "admin-users")
    page.get_by_role("link", name="Add a user").click()
    check_page(page, "admin-new-user")
    page.get_by_label("Full name").fill("Casey Newstarter")
    page.get_by_label("Email address").fill("casey.newstarter@northshire.example")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a role")
    expect(page.get_by_label("Full name")).to_have_value("Casey Newstarter")
    check_page(page, "admin-new-user-errors")
    page.get_by_label("Role").select_option(label="Social worker")
    page.get_by_label("Team").select_option(label="Social care team (Children's social care)")
    page.get_by_label("Temporary password").fill("a long temporary phrase")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Casey Newstarter has been added.")
    check_page(page, "admin-users-added")
