"""A person signs in, sees the home page, signs out, and their old session no longer works; a new person
chooses their own password first, then sets up and uses a sign-in code."""

import re
import time

import pyotp
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

    with page.expect_response(lambda response: response.url.endswith("/sign-out")) as signed_out:
        page.get_by_role("button", name="Sign out").click()
    assert signed_out.value.all_headers().get("clear-site-data") == '"cache", "cookies", "storage"'
    expect(page.locator("#session-ended")).to_contain_text("You have signed out.")
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


def test_a_new_person_chooses_their_own_password_then_sets_up_and_uses_a_second_factor(page):
    sign_in(page, "admin@northshire.example")
    page.goto("/admin/users/new")
    page.get_by_label("Full name").fill("Sam Secondfactor")
    page.get_by_label("Email address").fill("sam.secondfactor@northshire.example")
    page.get_by_label("Role").select_option(label="Social worker")
    page.get_by_label("Team").select_option(label="Social care team (Children's social care)")
    page.get_by_label("Temporary password").fill("a temporary phrase to change")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sam Secondfactor has been added.")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "sam.secondfactor@northshire.example", password="a temporary phrase to change")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your own password")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your own password")
    page.get_by_label("Temporary password").fill("a temporary phrase to change")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm new password").fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Password must be between 12 and 200 characters")
    check_page(page, "choose-own-password-error")
    page.get_by_label("Temporary password").fill("a temporary phrase to change")
    page.get_by_label("New password", exact=True).fill("sams own long passphrase")
    page.get_by_label("Confirm new password").fill("sams own long passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your password is set.")

    page.goto("/account/password")
    page.get_by_role("link", name="Set up your sign-in code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your sign-in code")
    check_page(page, "set-up-second-factor")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Turn on sign-in codes").click()
    if page.locator(".govuk-error-summary").count():
        check_page(page, "set-up-second-factor-error")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on sign-in codes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sign-in codes are on.")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "sam.secondfactor@northshire.example", password="sams own long passphrase")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    check_page(page, "second-factor")
    page.goto("/")  # the same sign-in stays at its code step
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    # The code of the next time step: the one just used to set it up works only once.
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".app-account-bar")).to_contain_text("Signed in as Sam Secondfactor")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "admin@northshire.example")
    page.goto("/admin/users")
    page.get_by_role("link", name="Sam Secondfactor").click()
    check_page(page, "admin-edit-user-signing-in")
    page.get_by_role("link", name="Sign Sam Secondfactor out everywhere").click()
    check_page(page, "admin-end-sessions")
    page.get_by_role("button", name="Sign them out everywhere").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Sam Secondfactor has been signed out everywhere"
    )
    page.get_by_role("link", name="Remove Sam Secondfactor's sign-in code").click()
    check_page(page, "admin-remove-second-factor")
    page.get_by_role("button", name="Remove their sign-in code").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("sign-in code has been removed")
    page.get_by_role("link", name="Reset Sam Secondfactor's password").click()
    check_page(page, "admin-reset-password")
