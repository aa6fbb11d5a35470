"""The family plan pages of issue 12 (part 8): nothing typed is lost, preview and discard, the issue check on
its fields, a plan issued once however often it is posted, review meetings, a plan closed after a step-up.
All names are fictional."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import today
from earlyhelp.extensions import db
from earlyhelp.models import FamilyPlan, IssuedDocument, NextStep
from earlyhelp.models.family_plans import FamilyPlanReview
from earlyhelp.services import family_plans as service
from tests.helpers import date_parts, error_messages, fresh, long_date, pdf_text, short_date, soup_of, text_of
from tests.views.test_family_plans import (
    CLEAR,
    a_draft,
    a_step,
    flash_of,
    follow,
    issued,
    plan_form,
    signed_in_lead,
    step_form,
)


def plan_and_step(plan, **overrides) -> dict:
    """The edit page's one form as a browser posts it: the plan's fields and the add-a-step questions."""
    return plan_form(plan) | step_form() | overrides


def test_text_typed_into_the_plan_was_lost_on_pressing_add_next_step(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead)
    edit = client.page("family_plans.edit", plan_id=plan.id)
    button = edit.select_one("button[name='submit_step']")
    assert button["formaction"] == client.url("family_plans.add_step", plan_id=plan.id)
    assert button.find_parent("form") is edit.select_one("#worries").find_parent("form"), "one form, no JavaScript"
    assert edit.select("form form") == [], "a step's own Done and Not done forms are outside the plan's form"

    typed = "Typed just now, then the step was added."
    response = client.post(
        "family_plans.add_step", plan_and_step(plan, worries=typed, submit_step="y"), plan_id=plan.id
    )
    soup = follow(client, response)
    assert flash_of(soup) == "Family plan saved and the next step added."
    assert soup.select_one("#worries").get_text().strip() == typed
    assert fresh(plan).worries == typed
    assert [s.what for s in db.session.scalars(select(NextStep).where(NextStep.family_id == family.id))] == [
        "Set two alarms for school mornings"
    ]


def test_a_step_that_cannot_be_added_keeps_and_saves_the_text_typed_into_the_plan(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead)
    typed = "Typed, then a step with no name."
    response = client.post(
        "family_plans.add_step", plan_and_step(plan, worries=typed, owner_name="", submit_step="y"), plan_id=plan.id
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == ["Enter the name of the person who will do it"]
    assert soup.select_one("#worries").get_text().strip() == typed
    assert soup.select_one("#what")["value"] == "Set two alarms for school mornings"
    assert fresh(plan).worries == typed, "the plan was saved before the step was tried"
    assert db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all() == []


def test_saving_the_plan_with_a_step_typed_in_adds_the_step_too(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead)
    response = client.post("family_plans.edit", plan_and_step(plan, submit="y"), plan_id=plan.id)
    assert flash_of(follow(client, response)) == "Family plan saved and the next step added."
    assert len(db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all()) == 1


def test_a_childs_words_are_marked_on_the_page_as_given_through_a_parent_or_observed(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead)
    data = plan_form(
        plan,
        **{
            "children-0-child_words": "Points at the door when voices are raised.",
            "children-0-words_given": "observed",
            "children-0-words_given_by": "Robin Quillfeather",
        },
    )
    follow(client, client.post("family_plans.edit", data, plan_id=plan.id))
    soup = client.page("family_plans.edit", plan_id=plan.id)
    assert soup.select_one("input[name='children-0-words_given'][value='observed']").has_attr("checked")
    assert soup.select_one("#children-0-words_given_by")["value"] == "Robin Quillfeather"
    assert fresh(plan).children_words[0].words_source == "Observed by Robin Quillfeather"


def test_an_empty_goal_and_who_agreed_are_shown_on_their_fields_and_the_issue_button_is_not_offered(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR | {"goals": "", "agreed_by": ""})
    page = client.page("family_plans.issue", plan_id=plan.id)
    links = [(a.get_text(strip=True), a["href"]) for a in page.select("#blockers a")]
    edit = client.url("family_plans.edit", plan_id=plan.id)
    assert links == [
        ("Enter the family's goals, in their own words", f"{edit}#goals"),
        ("Enter who in the family agreed the plan", f"{edit}#agreed_by"),
    ]
    assert page.select_one("button[name='submit_issue']") is None
    posted = client.post("family_plans.issue", {"submit_issue": "y"}, plan_id=plan.id)
    assert error_messages(soup_of(posted)) == ["Enter the family's goals, in their own words"]
    edit_page = client.page("family_plans.edit", plan_id=plan.id)
    assert [a["href"] for a in edit_page.select("#blockers a")] == ["#goals", "#agreed_by"]
    assert fresh(plan).status == "draft"


def test_a_plan_issue_posted_twice_makes_one_version(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR)
    first = client.post("family_plans.issue", {"submit_issue": "y"}, plan_id=plan.id)
    second = client.post("family_plans.issue", {"submit_issue": "y"}, plan_id=plan.id)
    assert first.status_code == second.status_code == 302
    assert flash_of(follow(client, second)).startswith("Version 1 was already issued on ")
    assert db.session.scalars(select(FamilyPlan).where(FamilyPlan.family_id == family.id)).all() == [plan]
    documents = db.session.scalars(select(IssuedDocument).where(IssuedDocument.plan_id == plan.id)).all()
    assert sorted(d.kind for d in documents) == ["family", "family_large_print", "professional"]


def test_the_preview_is_the_family_copy_marked_preview_and_nothing_is_kept(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR)
    edit = client.page("family_plans.edit", plan_id=plan.id)
    assert edit.find("a", string="Preview the family copy (PDF, not issued)")["href"] == client.url(
        "family_plans.preview", plan_id=plan.id
    )
    response = client.get("family_plans.preview", plan_id=plan.id)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    text = " ".join(pdf_text(response, layout=False).split())
    assert "PREVIEW: this plan has not been issued. Do not give this copy to the family." in text
    assert "Professional-only" not in text and "For professionals only" not in text
    assert db.session.scalars(select(IssuedDocument).where(IssuedDocument.plan_id == plan.id)).all() == []
    assert fresh(plan).status == "draft"


def test_discard_asked_for_a_tick_and_a_button_and_is_now_one_confirmation_page_with_a_warning_button(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR)
    a_step(plan, lead, "Ring the school about mornings")
    page = client.page("family_plans.discard", plan_id=plan.id)
    assert text_of(page, "h1") == "Discard the draft of version 1?"
    assert "This cannot be undone." in text_of(page, ".govuk-warning-text")
    assert "Ring the school about mornings (Alex)" in text_of(page, "#cancelled-steps")
    assert page.select("main input[type='checkbox']") == []
    button = page.select_one("main form button, main form input[type='submit']")
    assert "govuk-button--warning" in button["class"]
    assert button.get_text(strip=True) == "Discard this draft"
    assert db.session.get(FamilyPlan, plan.id) is not None  # opening the page changes nothing

    response = client.post("family_plans.discard", {"submit_discard": "Discard this draft"}, plan_id=plan.id)
    soup = follow(client, response)
    assert flash_of(soup) == "The draft of version 1 was discarded."
    assert "No plan has been issued to this family yet." in text_of(soup, "main")
    db.session.expire_all()
    step = db.session.scalar(select(NextStep).where(NextStep.family_id == family.id))
    assert (step.status, step.status_reason) == ("cancelled", "The draft of family plan version 1 was discarded")


def test_an_issued_version_is_never_discarded_from_the_page(client):
    lead, family = signed_in_lead(client, children=1)
    plan = issued(a_draft(family, lead, **CLEAR), lead)
    response = client.post("family_plans.discard", {"submit_discard": "Discard this draft"}, plan_id=plan.id)
    assert response.headers["Location"] == client.url("family_plans.overview", family_id=family.id)
    assert fresh(plan).status == "issued"


def test_a_review_meeting_is_recorded_on_the_plan_page(client):
    lead, family = signed_in_lead(client, children=1)
    plan = issued(a_draft(family, lead, **CLEAR | {"lead_contact": "01632 960111"}), lead)
    overview = client.page("family_plans.overview", family_id=family.id)
    assert "No review meeting has been recorded yet." in text_of(overview, "main")
    assert "The family reaches Robin Quillfeather on 01632 960111" in text_of(overview, "#how-to-reach")
    form = {
        "held_on": date_parts(today()),
        "attended": "Alex, Robin",
        "outcome": "continue",
        "next_review_on": date_parts(today() + timedelta(weeks=8)),
        "note": "Mornings are calmer.",
        "submit_review": "y",
    }
    refused = client.post("family_plans.review", form | {"attended": " "}, plan_id=plan.id)
    assert error_messages(soup_of(refused)) == ["Enter who attended the review"]
    soup = follow(client, client.post("family_plans.review", form, plan_id=plan.id))
    assert flash_of(soup) == "Review recorded: continue the plan."
    assert "Continue the plan" in text_of(soup, "#review-list")
    assert "Attended: Alex, Robin" in text_of(soup, "#review-list")
    assert len(db.session.scalars(select(FamilyPlanReview)).all()) == 1


def test_continue_the_plan_asks_for_the_next_review_date_and_the_plan_is_then_due_on_it(client):
    lead, family = signed_in_lead(client, children=1)
    plan = issued(a_draft(family, lead, **CLEAR), lead)
    old_review = fresh(plan).review_on
    overview = client.page("family_plans.overview", family_id=family.id)
    default = today() + timedelta(weeks=6)
    assert [int(i["value"]) for i in overview.select("input[name='next_review_on']")] == [
        default.day,
        default.month,
        default.year,
    ]
    assert "6 weeks after the review by default" in text_of(overview, "#next_review_on-hint")
    form = {
        "held_on": date_parts(today()),
        "attended": "Alex, Robin",
        "outcome": "continue",
        "next_review_on": ["", "", ""],
        "note": "",
        "submit_review": "y",
    }
    blank = soup_of(client.post("family_plans.review", form, plan_id=plan.id))
    assert error_messages(blank) == ["Enter the date of the next review"]
    assert text_of(blank, "textarea[name='attended']") == "Alex, Robin"  # what was typed is kept
    same_day = soup_of(
        client.post("family_plans.review", form | {"next_review_on": date_parts(today())}, plan_id=plan.id)
    )
    assert error_messages(same_day) == [f"The next review must be after the review held on {clock.long_day(today())}"]
    assert fresh(plan).review_on == old_review

    next_review = today() + timedelta(weeks=8)
    soup = follow(
        client, client.post("family_plans.review", form | {"next_review_on": date_parts(next_review)}, plan_id=plan.id)
    )
    assert f"Review due {short_date(next_review)}." in text_of(soup, "#current-plan")


def test_the_review_meeting_was_missing_from_the_family_timeline(client):
    lead, family = signed_in_lead(client, children=1)
    plan = issued(a_draft(family, lead, **CLEAR), lead)
    held = today() + timedelta(days=2)
    with time_machine.travel(clock.now() + timedelta(days=20), tick=True):  # written down 18 days after
        client.sign_in(lead)
        next_review = today() + timedelta(weeks=6)
        form = {
            "held_on": date_parts(held),
            "attended": "Alex, Robin",
            "outcome": "continue",
            "next_review_on": date_parts(next_review),
            "note": "",
            "late_reason": "I was off sick.",
            "submit_review": "y",
        }
        follow(client, client.post("family_plans.review", form, plan_id=plan.id))
        page = client.page("families.show", family_id=family.id)
    row = next(
        row.get_text(" ", strip=True)
        for row in page.select("#family-timeline tbody tr")
        if "reviewed" in row.get_text()
    )
    assert f"Family plan version 1 reviewed: continue the plan, next review {clock.long_day(next_review)}" in row
    assert "Why it was recorded late: I was off sick." in row
    assert short_date(held) in row or long_date(held) in row, row


def test_the_versions_table_had_no_large_print_link_and_now_offers_both_family_copies(client):
    lead, family = signed_in_lead(client, children=1)
    plan = issued(a_draft(family, lead, **CLEAR), lead)
    soup = client.page("family_plans.overview", family_id=family.id)
    links = {a.get_text(" ", strip=True): a["href"] for a in soup.select("#versions a")}
    assert links["Family copy of version 1"] == client.url("family_plans.download", plan_id=plan.id, kind="family")
    assert links["large print family copy of version 1"] == client.url(
        "family_plans.download", plan_id=plan.id, kind="family_large_print"
    )
    for href in links.values():
        assert client.get(href).status_code == 200


def test_after_a_step_up_the_plan_page_shows_no_review_due_and_no_way_to_reach_the_old_lead(client):
    lead, family = signed_in_lead(client, children=1)
    plan = fresh(issued(a_draft(family, lead, **CLEAR), lead))
    # As close_after_step_up leaves it (tests/services/test_family_plans_issue_12.py walks the real step-up).
    plan.closed_at, plan.closed_by_id = clock.now(), lead.id
    plan.closed_note = "Closed: the family stepped up to children's social care on 1 December 2026; Sol leads now."
    db.session.commit()  # the lead's early help episode began before the plan closed: it is not a new one

    soup = client.page("family_plans.overview", family_id=family.id)
    current = text_of(soup, "#current-plan")
    assert "Closed: the family stepped up to children's social care on 1 December 2026; Sol leads now." in current
    assert "Review due" not in current
    assert soup.select_one("#how-to-reach") is None
    assert "A new version can be started when early help works with the family again." in text_of(soup, "main")
    assert soup.find("button", string="Start a new version") is None
    assert soup.select_one("button[name='submit_review']") is None
    response = client.post("family_plans.start", family_id=family.id)
    assert "A new version can be started when early help works" in flash_of(follow(client, response))
    assert len(service.plans(family.id)) == 1
