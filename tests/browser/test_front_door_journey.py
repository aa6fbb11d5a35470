"""A referral from receipt to a decision that opens early help, as front door staff work it."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from earlyhelp.extensions import db
from earlyhelp.models import Family, Referral
from tests.browser.conftest import check_page, choose, sign_in
from tests.helpers import url


def a_family_with_no_referral(app) -> tuple[int, str, list[str]]:
    with app.app_context():
        family = db.session.scalar(select(Family).where(~Family.id.in_(select(Referral.family_id))).order_by(Family.id))
        return family.id, family.reference, [child.first_name for child in family.children]


def test_a_referral_from_receipt_to_an_early_help_decision(page, live_app):
    family_id, reference, children = a_family_with_no_referral(live_app)
    sign_in(page, "front.door@northshire.example")

    # Nobody at the front door works with this family yet: found by its reference, it offers a referral.
    page.goto(url(live_app, "families.search", reference=reference))
    check_page(page, "front-door-family")
    page.get_by_role("link", name=f"Record a referral for {reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a referral")
    check_page(page, "front-door-record-referral")

    # Saving too early explains exactly what is missing.
    page.get_by_role("button", name="Save referral").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select yes if any child is in immediate danger")
    check_page(page, "front-door-record-referral-errors")

    choose(page, "Is any child in immediate danger?", "No")
    page.get_by_label("Referring agency").select_option(label="School")
    page.get_by_label("Referrer's name").fill("Robin Headteacher")
    page.get_by_label("Referrer's phone number").fill("01632 960999")
    choose(page, "What level of need does the referrer believe applies?", "Level 2: Early help")
    page.get_by_label("What are they worried about?").fill("Attendance has dropped and the children seem hungry.")
    page.get_by_label("What has been tried so far?").fill("A meeting with the parent and breakfast club.")
    page.get_by_label("What will happen if nothing changes?").fill("They will fall behind at school.")
    for name in children:
        choose(page, f"Is {name} part of the referral?", "Yes")
        page.get_by_label(f"If yes: what is the impact on {name}?").fill(f"{name} is tired in class.")
    choose(page, "Does the family know about this referral?", "Yes")
    choose(page, "Does the family agree to it?", "Yes")
    page.get_by_role("button", name="Save referral").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Referral recorded. Decision due")
    expect(page.locator("#decision-clock")).to_contain_text("1 working day after the referral received on")
    check_page(page, "front-door-referral")
    referral_url = page.url

    page.get_by_role("link", name="Front door", exact=True).click()
    row = page.locator("#referral-queue tbody tr", has_text=reference)
    expect(row).to_contain_text("School")
    expect(row.locator(".govuk-tag")).to_have_text(re.compile(r"Due (today|\w{3} \d+ \w{3} \d{4})"))
    check_page(page, "front-door-queue")

    # Filtering in place with htmx keeps the page and swaps the list.
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Agency").select_option(label="School")
    expect(page).to_have_url(re.compile(r"agency=\d+"))
    expect(page.locator("#referral-queue tbody tr", has_text=reference)).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    check_page(page, "front-door-queue-filtered")

    page.goto(referral_url)
    page.get_by_role("link", name="Record the decision").click()
    check_page(page, "front-door-decide")
    choose(page, "Decision", "Early help")
    page.get_by_label("Reasons for the decision").fill("A coordinated early help plan will meet these needs.")
    page.get_by_role("button", name="Record decision").click()

    # Early help without a lead practitioner is refused on that field, and the reasons typed stay.
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the lead practitioner")
    expect(page.get_by_label("Reasons for the decision")).to_have_value(
        "A coordinated early help plan will meet these needs."
    )
    check_page(page, "front-door-decide-refused")
    page.get_by_label("Lead practitioner").select_option(label="Robin Practitioner (Early help north)")
    page.get_by_role("button", name="Record decision").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded: Early help")
    expect(page.locator("#decision")).to_contain_text("Early help")
    expect(page.locator("#decision-clock")).to_contain_text("Done on time")
    check_page(page, "front-door-decided")

    page.goto(url(live_app, "families.show", family_id=family_id))
    expect(page.locator("main")).to_contain_text("Robin Practitioner")
    check_page(page, "front-door-family-after")


def waiting_referrals(app, count: int) -> list[tuple[int, str]]:
    """Referrals awaiting a decision, newest first, about families the front door may see (none restricted) whose
    children have not changed since (an amendment would ask about a child who joined the household)."""
    from earlyhelp.models import Person, ReferralChild

    on_referral = select(ReferralChild.person_id).where(ReferralChild.referral_id == Referral.id)
    new_child = select(Person.id).where(
        Person.family_id == Referral.family_id, Person.is_child, Person.id.not_in(on_referral)
    )
    with app.app_context():
        rows = db.session.execute(
            select(Referral.id, Family.reference)
            .join(Family, Family.id == Referral.family_id)
            .where(Referral.status == "awaiting_decision", Family.restricted.is_(False), ~new_child.exists())
            .order_by(Referral.received_at.desc(), Referral.id)
            .limit(count)
        ).all()
    assert len(rows) == count, rows
    return [tuple(row) for row in rows]


def test_a_referral_is_amended_and_another_withdrawn(page, live_app):
    (amended_id, _), (withdrawn_id, withdrawn_reference) = waiting_referrals(live_app, 2)
    sign_in(page, "front.door@northshire.example")

    page.goto(url(live_app, "referrals.show", referral_id=amended_id))
    page.get_by_role("link", name="Amend the referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amend the referral")
    check_page(page, "front-door-amend")
    page.get_by_label("Referrer's role").fill("Head of year 9 and pastoral lead")
    page.get_by_label("Why are you changing the referral?").fill("n/a")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Explain why the referral is being changed")
    expect(page.get_by_label("Referrer's role")).to_have_value("Head of year 9 and pastoral lead")
    check_page(page, "front-door-amend-refused")
    page.get_by_label("Why are you changing the referral?").fill("The referrer rang to give their role.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Referral changed")
    expect(page.locator("#referral-history")).to_contain_text("Head of year 9 and pastoral lead")
    expect(page.locator("#referral-history")).to_contain_text("The referrer rang to give their role.")
    check_page(page, "front-door-amended")

    page.goto(url(live_app, "referrals.show", referral_id=withdrawn_id))
    page.get_by_role("link", name="Withdraw the referral").click()
    check_page(page, "front-door-withdraw")
    page.get_by_label("Why is the referral being withdrawn?").fill("The referrer sent it about the wrong family.")
    page.get_by_role("button", name="Withdraw referral").click()
    expect(page.locator("#referral-status")).to_have_text("Withdrawn")
    expect(page.locator("#put-aside")).to_contain_text("No decision was made and no letter is sent")
    check_page(page, "front-door-withdrawn")
    page.get_by_role("link", name="Front door", exact=True).click()
    expect(page.locator("#referral-queue")).not_to_contain_text(withdrawn_reference)


def test_a_decision_that_needs_sign_off_waits_for_the_front_door_manager(page, live_app, person):
    [(referral_id, reference)] = waiting_referrals(live_app, 1)
    sign_in(page, "front.door@northshire.example")
    page.goto(url(live_app, "referrals.decide", referral_id=referral_id))
    expect(page.locator("#outcome-hint")).to_contain_text("No further action at Level 3 (Targeted or complex)")
    choose(page, "Decision", "No further action")
    choose(page, "Level of need decided", "Level 3: Targeted or complex")
    page.get_by_label("Reasons for the decision").fill("Mum has support from her GP and her sister.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("needs a team manager's sign-off")
    expect(page.locator("#referral-status")).to_have_text("Pending sign-off")
    check_page(page, "front-door-pending-sign-off")

    manager = person("front.door.manager")
    expect(manager.locator("#decisions-to-sign-off")).to_contain_text(reference)
    check_page(manager, "front-door-manager-my-work")
    manager.locator("#decisions-to-sign-off").get_by_role("link", name=re.compile(reference)).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Sign off the decision")
    check_page(manager, "front-door-sign-off")
    choose(manager, "Do you agree with this decision?", "Yes, I agree with this decision")
    manager.get_by_label("Your reasons").fill("The GP and her sister are supporting her; nothing more is needed.")
    manager.get_by_role("button", name="Save").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("Decision signed off: No further action")
    expect(manager.locator("#decision")).to_contain_text("Taylor Thresholdlead")
    check_page(manager, "front-door-signed-off")

    page.reload()
    expect(page.locator("#referral-status")).to_have_text("Decided")
    expect(page.get_by_role("heading", name="Record that the referrer was told")).to_be_visible()
