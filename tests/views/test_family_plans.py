"""Family plans as a practitioner uses them: start, write with the family, add next steps, check, issue, download
and compare versions. All names are fictional."""

import hashlib
from datetime import timedelta

import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.clock import long_moment, moment, today
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, FamilyPlan, NextStep
from earlyhelp.services import family_plans as service
from earlyhelp.services.next_steps import NextStepInput
from tests.factories import make_episode, make_household, make_user
from tests.helpers import date_parts, error_messages, fresh, long_date, short_date, soup_of, text_of
from tests.pdf_checks import NEVER_FINISHING_RENDERER

CLEAR = {
    "worries": "We are worried the children miss school.",
    "working_well": "Mum walks the younger two to school most days.\nGran helps on Fridays.",
    "needs_to_happen": "Everyone gets to school on time, every day.",
    "goals": "We want mornings to be calmer.",
    "contingency": "Call Robin the same day. Out of hours, call 01632 960000.",
    "agreed_by": "Alex and Ash",
}
CLEAR_TITLES = [
    "What we are worried about",
    "What is working well",
    "What needs to happen",
    "Our goals, in our own words",
    "If things get worse",
]
ISSUED_ALREADY = "Version 1 has been issued and cannot change. Start a new version to make changes."


def robin(name="Robin Quillfeather"):
    return make_user("practitioner", team_name="Early help team", name=name)


def signed_in_lead(client, **family):
    """A practitioner, signed in, who leads a family's early help; the family has two children unless told."""
    lead = robin()
    household = make_household(children=family.pop("children", 2))
    make_episode(household, lead=lead)
    client.sign_in(lead)
    return lead, household


def a_draft(family, actor, **text) -> FamilyPlan:
    plan = service.start_draft(family, actor=actor, today=today())
    if text:
        service.save_draft(plan, changes=text, child_words={}, actor=actor)
    return plan


def a_step(plan, actor, what="Set two alarms for school mornings", *, family_facing=True) -> NextStep:
    step = NextStepInput(
        what=what,
        owner_kind="family_member",
        owner_name="Alex",
        due_on=today() + timedelta(days=14),
        family_facing=family_facing,
    )
    return service.add_step(plan, step, actor=actor, today=today())


def issued(plan, actor) -> FamilyPlan:
    return service.issue(plan, actor=actor, confirmed=True)


def plan_form(plan, **overrides) -> dict:
    data = CLEAR | {
        "review_on": date_parts(today() + timedelta(weeks=6)),
        "lead_contact": "01632 960111, Monday to Friday",
        "copies_to": "",
        "agreed_on": ["", "", ""],
    }
    for index, child in enumerate(plan.children_words):
        data[f"children-{index}-person_id"] = str(child.person_id)
        data[f"children-{index}-child_words"] = child.child_words
    return data | overrides


def step_form(**overrides) -> dict:
    return {
        "what": "Set two alarms for school mornings",
        "owner_kind": "family_member",
        "owner_user": "",
        "owner_name": "Alex",
        "owner_agency": "",
        "due_in": "5",
        "due_on": ["", "", ""],
        "family_facing": "y",
    } | overrides


def events(family, *actions) -> list[tuple]:
    db.session.expire_all()
    return [
        (e.action, e.record_type, e.record_id, e.user_id, e.outcome)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.family_id == family.id, AuditEvent.action.in_(actions))
            .order_by(AuditEvent.id)
        )
    ]


def flash_of(soup) -> str:
    return text_of(soup, ".govuk-notification-banner__content")


def follow(client, response):
    assert response.status_code == 302, response.status_code
    return client.page(response.headers["Location"])


# Starting


def test_the_overview_offers_to_start_the_plan_and_starting_opens_version_1_to_write(client):
    lead, family = signed_in_lead(client)
    soup = client.page("family_plans.overview", family_id=family.id)
    assert text_of(soup, "h1") == "Family plan"
    assert "No plan has been issued to this family yet." in text_of(soup, "main")
    start = client.url("family_plans.start", family_id=family.id)
    assert text_of(soup, f"form[action='{start}'] button") == "Start the family plan"
    assert soup.select_one(".govuk-back-link")["href"] == client.url("families.show", family_id=family.id)

    assert client.http.post(start).status_code == 400, "no CSRF token"
    assert db.session.scalar(select(FamilyPlan).where(FamilyPlan.family_id == family.id)) is None
    response = client.post("family_plans.start", family_id=family.id)
    plan = db.session.scalar(select(FamilyPlan).where(FamilyPlan.family_id == family.id))
    assert response.headers["Location"] == client.url("family_plans.edit", plan_id=plan.id)
    assert (plan.version, plan.status, plan.lead_id) == (1, "draft", lead.id)
    again = client.post("family_plans.start", family_id=family.id)
    assert again.headers["Location"] == client.url("family_plans.edit", plan_id=plan.id)
    assert len(db.session.scalars(select(FamilyPlan).where(FamilyPlan.family_id == family.id)).all()) == 1

    soup = client.page("family_plans.overview", family_id=family.id)
    assert "Version 1 is being written." in text_of(soup, "main")
    carry_on = soup.find("a", string="Carry on writing version 1")
    assert carry_on["href"] == client.url("family_plans.edit", plan_id=plan.id)
    assert events(family, "view", "create") == [
        ("view", "family_plan", None, lead.id, "ok"),
        ("create", "family_plan", str(plan.id), lead.id, "ok"),
        ("view", "family_plan", str(plan.id), lead.id, "ok"),
    ]


# Writing


def test_the_edit_page_asks_for_each_childs_words_and_saving_keeps_what_was_typed(client):
    lead, family = signed_in_lead(client)
    ash, bo = family.children
    ash.child_words = "I like my teacher."
    db.session.commit()
    plan = a_draft(family, lead)

    soup = client.page("family_plans.edit", plan_id=plan.id)
    assert text_of(soup, ".govuk-caption-l") == f"{family.name}, {family.reference}: version 1 Draft"
    assert text_of(soup, "label[for='children-0-child_words']") == "Ash, in their own words"
    assert text_of(soup, "label[for='children-1-child_words']") == "Bo, in their own words"
    assert soup.select_one("#children-0-child_words").get_text().strip() == "I like my teacher."
    review = today() + timedelta(weeks=6)
    assert [int(i["value"]) for i in soup.select("input[name='review_on']")] == [review.day, review.month, review.year]
    assert text_of(soup, "label[for='lead_contact']") == "How the family can reach Robin Quillfeather"
    assert soup.select_one(".govuk-back-link")["href"] == client.url("family_plans.overview", family_id=family.id)

    data = plan_form(
        plan,
        **{"children-0-child_words": "  I like my teacher and football.  ", "children-1-child_words": "I want a dog."},
        agreed_by="Alex and Ash",
        agreed_on=date_parts(today()),
        signed_paper_copy="y",
        copies_to="Oakfield Primary School",
    )
    response = client.post("family_plans.edit", data, plan_id=plan.id)
    assert response.headers["Location"] == client.url("family_plans.edit", plan_id=plan.id)
    soup = follow(client, response)
    assert flash_of(soup) == "Family plan saved."
    assert soup.select_one("#working_well").get_text().strip() == CLEAR["working_well"]
    assert soup.select_one("#children-0-child_words").get_text().strip() == "I like my teacher and football."

    plan = fresh(plan)
    assert {name: getattr(plan, name) for name in CLEAR} == CLEAR
    assert [(c.person_id, c.child_words) for c in plan.children_words] == [
        (ash.id, "I like my teacher and football."),
        (bo.id, "I want a dog."),
    ]
    assert (plan.agreed_by, plan.agreed_on, plan.signed_paper_copy, plan.copies_to) == (
        "Alex and Ash",
        today(),
        True,
        "Oakfield Primary School",
    )
    assert ash.child_words == "I like my teacher.", "the plan keeps its own copy of what the child said"
    assert ("update", "family_plan", str(plan.id), lead.id, "ok") in events(family, "update")


def test_the_edit_page_shows_what_to_fix_in_the_plan_as_saved(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR)
    assert client.page("family_plans.edit", plan_id=plan.id).select_one("#findings") is None

    response = client.post("family_plans.edit", plan_form(plan, worries="The TAF is worried."), plan_id=plan.id)
    soup = follow(client, response)
    assert text_of(soup, ".govuk-warning-text") == "! Warning 1 thing to fix so the family can read it easily"
    assert [" ".join(li.get_text().split()) for li in soup.select("#findings li")] == [
        'What we are worried about: Replace "TAF" with plain words, such as "team around the family"'
    ]
    assert soup.select_one("#worries").get_text().strip() == "The TAF is worried."


def test_over_long_text_gets_its_limit_and_keeps_what_was_typed(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, worries="Saved before.")
    too_long = "We are worried. " * 312 + "Still going."  # 5004 characters
    response = client.post(
        "family_plans.edit",
        plan_form(plan, worries=too_long, **{"children-0-child_words": "I said " + "a" * 4994}, lead_contact="0" * 201),
        plan_id=plan.id,
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == [
        "What we are worried about must be 5000 characters or fewer",
        "Their words must be 5000 characters or fewer",
        "The contact details must be 200 characters or fewer",
    ]
    assert soup.select_one("#worries").get_text().strip() == too_long.strip()
    assert soup.select_one("#children-0-child_words").get_text().strip() == "I said " + "a" * 4994
    assert soup.select_one("#lead_contact")["value"] == "0" * 201
    assert soup.select_one("#goals").get_text().strip() == CLEAR["goals"]
    assert soup.title.get_text().startswith("Error:")
    assert fresh(plan).worries == "Saved before."


def test_a_plan_needs_a_real_review_date(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead)
    blank = soup_of(client.post("family_plans.edit", plan_form(plan, review_on=["", "", ""]), plan_id=plan.id))
    assert error_messages(blank) == ["Enter the date the plan will be reviewed"]
    unreal = soup_of(client.post("family_plans.edit", plan_form(plan, review_on=["31", "2", "2027"]), plan_id=plan.id))
    assert error_messages(unreal) == ["Review date must be a real date"]
    assert [i["value"] for i in unreal.select("input[name='review_on']")] == ["31", "2", "2027"]
    assert fresh(plan).review_on == today() + timedelta(weeks=6)


def test_the_review_date_hint_follows_the_councils_setting(client, monkeypatch):
    monkeypatch.setitem(client.app.config, "PLAN_REVIEW_WEEKS", 10)
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead)
    soup = client.page("family_plans.edit", plan_id=plan.id)
    review = today() + timedelta(weeks=10)
    assert [int(i["value"]) for i in soup.select("input[name='review_on']")] == [review.day, review.month, review.year]
    assert text_of(soup, "#review_on-hint") == "10 weeks on by default"


# Next steps


def test_next_steps_added_to_the_plan_are_listed_for_the_family_or_for_professionals(client):
    lead, family = signed_in_lead(client, children=1)
    colleague = robin("Kit Colleague")
    plan = a_draft(family, lead)

    response = client.post("family_plans.add_step", step_form(), plan_id=plan.id)
    assert response.headers["Location"] == client.url("family_plans.edit", plan_id=plan.id, _anchor="next-steps")
    soup = follow(client, response)
    assert flash_of(soup) == "Next step added to the plan."
    client.post(
        "family_plans.add_step",
        step_form(
            what="Check attendance with the school",
            owner_kind="user",
            owner_user=str(colleague.id),
            due_in="date",
            due_on=date_parts(today() + timedelta(days=20)),
            family_facing="",
        ),
        plan_id=plan.id,
    )
    soup = client.page("family_plans.edit", plan_id=plan.id)
    captions = [text_of(table, "caption") for table in soup.select("table")]
    assert captions == ["For the family (1 of at most 8)", "Professional-only"]
    family_row, professional_row = (table.select_one("tbody tr") for table in soup.select("table"))
    assert "Set two alarms for school mornings" in family_row.get_text()
    assert "Check attendance with the school" in professional_row.get_text()
    assert "Kit Colleague" in professional_row.get_text()
    assert short_date(today() + timedelta(days=20)) in professional_row.get_text()
    steps = db.session.scalars(select(NextStep).where(NextStep.family_id == family.id).order_by(NextStep.id)).all()
    assert [(s.what, s.owner, s.source_type, s.source_id, s.family_facing) for s in steps] == [
        ("Set two alarms for school mornings", "Alex", "family_plan", plan.id, True),
        ("Check attendance with the school", "Kit Colleague", "family_plan", plan.id, False),
    ]


def test_a_next_step_without_what_who_or_a_date_from_today_says_what_to_fix(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead)

    def add(**changes):
        return client.post("family_plans.add_step", step_form(**changes), plan_id=plan.id)

    no_what = soup_of(add(what="   "))
    assert error_messages(no_what) == ["Enter what needs to happen"]
    no_owner = soup_of(add(owner_kind=""))
    assert error_messages(no_owner) == ["Select who will do it"]
    assert no_owner.select_one("#what")["value"] == "Set two alarms for school mornings"
    no_person = soup_of(add(owner_kind="user", owner_user=""))
    assert error_messages(no_person) == ["Select who will do it"]
    no_name = soup_of(add(owner_name=""))
    assert error_messages(no_name) == ["Enter the name of the person who will do it"]
    past = add(due_in="date", due_on=date_parts(today() - timedelta(days=1)))
    assert past.status_code == 200
    assert error_messages(soup_of(past)) == ["The date it needs to be done by must be today or in the future"]
    assert [i["value"] for i in soup_of(past).select("input[name='due_on']")] == date_parts(today() - timedelta(days=1))
    no_date = soup_of(add(due_in="date"))
    assert error_messages(no_date) == ["Enter the date it needs to be done by"]
    assert db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all() == []


# Checking and issuing


def test_a_plan_that_reads_clearly_is_issued_without_a_confirmation_box(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR)
    soup = client.page("family_plans.issue", plan_id=plan.id)
    assert text_of(soup, ".govuk-panel") == "The plan reads clearly"
    assert soup.select_one("#findings") is None
    assert soup.select_one("input[name='confirm']") is None
    assert text_of(soup, "button[name='submit_issue']") == "Issue the plan"
    assert soup.select_one(".govuk-back-link")["href"] == client.url("family_plans.edit", plan_id=plan.id)


def test_the_check_page_lists_what_to_fix_and_issuing_anyway_needs_the_box_ticked(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR | {"worries": "The TAF is worried.", "contingency": ""})
    a_step(plan, lead)

    soup = client.page("family_plans.issue", plan_id=plan.id)
    assert text_of(soup, ".govuk-warning-text") == "! Warning 2 things to fix so the family can read it easily"
    assert [" ".join(li.get_text().split()) for li in soup.select("#findings li")] == [
        'What we are worried about: Replace "TAF" with plain words, such as "team around the family"',
        "If things get worse: Write the contingency plan: what happens if things get worse",
    ]
    assert soup.find("a", string="Go back and fix them")["href"] == client.url("family_plans.edit", plan_id=plan.id)
    assert soup.select_one("input[name='confirm']") is not None

    refused = client.post("family_plans.issue", {"submit_issue": "y"}, plan_id=plan.id)
    assert refused.status_code == 200
    assert error_messages(soup_of(refused)) == ["Fix the warnings, or confirm you want to issue the plan anyway"]
    assert len(soup_of(refused).select("#findings li")) == 2
    assert soup_of(refused).select_one("input[name='confirm']").get("checked") is None
    summary_link = soup_of(refused).select_one(".govuk-error-summary__list a")
    assert soup_of(refused).select_one(summary_link["href"])["name"] == "confirm"
    assert text_of(soup_of(refused), "#confirm-error") == (
        "Error: Fix the warnings, or confirm you want to issue the plan anyway"
    )
    assert (fresh(plan).status, fresh(plan).documents) == ("draft", [])
    assert events(family, "issue") == [("issue", "family_plan", str(plan.id), lead.id, "refused")]

    response = client.post("family_plans.issue", {"confirm": "y", "submit_issue": "y"}, plan_id=plan.id)
    assert response.headers["Location"] == client.url("family_plans.overview", family_id=family.id)
    soup = follow(client, response)
    assert flash_of(soup) == "Version 1 issued. Print the family copy and give it to the family."
    plan = fresh(plan)
    assert (plan.status, plan.issued_by_id, plan.warnings_at_issue) == ("issued", lead.id, 2)
    current = text_of(soup, "#current-plan")
    assert f"Version 1 was issued on {short_date(today())} by Robin Quillfeather." in current
    assert f"Review due {short_date(plan.review_on)}." in current
    links = {a.get_text(): a["href"] for a in soup.select("#current-plan a")}
    assert links == {
        "Download the family copy (PDF)": client.url("family_plans.download", plan_id=plan.id, kind="family"),
        "Download the family copy, large print (PDF)": client.url(
            "family_plans.download", plan_id=plan.id, kind="family_large_print"
        ),
        "Download the professional copy (PDF)": client.url(
            "family_plans.download", plan_id=plan.id, kind="professional"
        ),
    }
    assert text_of(soup, f"form[action='{client.url('family_plans.start', family_id=family.id)}'] button") == (
        "Start a new version"
    )
    assert [" ".join(td.get_text(" ").split()) for td in soup.select("#versions tbody tr td")][:1] == ["Issued"]

    download = client.get(links["Download the family copy (PDF)"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == service.document(plan, "family").pdf
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="family-plan-{family.reference}-v1-family.pdf"'
    )
    record = str(plan.id)
    assert events(family, "view", "issue", "download")[-5:] == [
        ("view", "family_plan", record, lead.id, "ok"),  # the check page
        ("issue", "family_plan", record, lead.id, "refused"),  # not confirmed
        ("issue", "family_plan", record, lead.id, "ok"),
        ("view", "family_plan", record, lead.id, "ok"),  # the overview
        ("download", "family_plan", record, lead.id, "ok"),
    ]


def test_an_issued_plan_cannot_be_changed_and_the_practitioner_is_told_why(client):
    lead, family = signed_in_lead(client, children=1)
    review = today() + timedelta(days=1)
    plan = issued(a_draft(family, lead, **CLEAR, review_on=review), lead)
    with time_machine.travel(clock.now() + timedelta(days=2), tick=True):  # the review date goes by
        client.sign_in(lead)
        overview = client.page("family_plans.overview", family_id=family.id)
    client.sign_in(lead)
    assert f"Review due {short_date(review)} Overdue" in text_of(overview, "#current-plan")

    for endpoint in ("family_plans.edit", "family_plans.issue"):
        response = client.get(endpoint, plan_id=plan.id)
        assert response.headers["Location"] == client.url("family_plans.overview", family_id=family.id)
        assert flash_of(follow(client, response)) == ISSUED_ALREADY

    typed = "Changed after issue."
    saved = client.post("family_plans.edit", plan_form(plan, worries=typed), plan_id=plan.id)
    assert saved.status_code == 200
    assert error_messages(soup_of(saved)) == [ISSUED_ALREADY]
    assert soup_of(saved).select_one("#worries").get_text().strip() == typed, "what was typed is kept"
    step = client.post("family_plans.add_step", step_form(what="A step added after issue"), plan_id=plan.id)
    assert error_messages(soup_of(step)) == [ISSUED_ALREADY]
    assert soup_of(step).select_one("#what")["value"] == "A step added after issue"
    again = client.post("family_plans.issue", {"confirm": "y", "submit_issue": "y"}, plan_id=plan.id)
    assert flash_of(follow(client, again)) == f"Version 1 was already issued on {long_moment(fresh(plan).issued_at)}."

    plan = fresh(plan)
    assert (plan.worries, plan.issued_by_id) == (CLEAR["worries"], lead.id)
    assert db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all() == []
    record = str(plan.id)
    assert events(family, "issue", "update", "add_next_step") == [
        ("update", "family_plan", record, lead.id, "ok"),  # written
        ("issue", "family_plan", record, lead.id, "ok"),
        ("update", "family_plan", record, lead.id, "refused"),
        ("add_next_step", "family_plan", record, lead.id, "refused"),
    ]


def test_a_plan_whose_printing_runs_out_of_time_stays_a_draft_and_can_be_issued_afterwards(client, monkeypatch):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR)
    monkeypatch.setitem(client.app.config, "PDF_RENDERER", NEVER_FINISHING_RENDERER)
    monkeypatch.setitem(client.app.config, "PDF_TIMEOUT_SECONDS", 1)
    response = client.post("family_plans.issue", {"submit_issue": "y"}, plan_id=plan.id)
    assert response.status_code == 503
    assert "The document took too long to print" in response.text
    plan = fresh(plan)
    assert (plan.status, plan.issued_at, plan.snapshot, plan.documents) == ("draft", None, None, [])
    assert events(family, "issue") == []

    monkeypatch.undo()
    response = client.post("family_plans.issue", {"submit_issue": "y"}, plan_id=plan.id)
    assert flash_of(follow(client, response)).startswith("Version 1 issued.")
    assert sorted(d.kind for d in fresh(plan).documents) == ["family", "family_large_print", "professional"]


# Downloads and versions


def test_downloads_that_were_never_issued_are_not_found(client):
    lead, family = signed_in_lead(client, children=1)
    draft = a_draft(family, lead, **CLEAR)
    for kind in ("family", "professional", "secret"):
        assert client.get("family_plans.download", plan_id=draft.id, kind=kind).status_code == 404, kind
    assert client.get("family_plans.download", plan_id=999999, kind="family").status_code == 404
    assert client.get("family_plans.changes", plan_id=draft.id).status_code == 404
    assert client.get("family_plans.edit", plan_id=999999).status_code == 404
    assert client.get("family_plans.issue", plan_id=999999).status_code == 404
    assert client.get("family_plans.overview", family_id=999999).status_code == 404
    assert client.get("family_plans.overview", family_id=2**63).status_code == 404
    assert events(family, "download") == []


def test_a_second_version_shows_what_changed_and_the_first_versions_downloads_never_change(client):
    lead, family = signed_in_lead(client, children=1)
    (child,) = family.children
    v1 = a_draft(family, lead, **CLEAR | {"agreed_by": "Alex"})
    a_step(v1, lead, "Set two alarms for school mornings")
    v1 = issued(v1, lead)

    def download(plan, kind):
        return client.get("family_plans.download", plan_id=plan.id, kind=kind).data

    first = {kind: download(v1, kind) for kind in service.DOCUMENTS}
    for kind, data in first.items():
        stored = service.document(v1, kind)
        assert hashlib.sha256(data).hexdigest() == stored.sha256, kind
        assert download(v1, kind) == data, kind
    assert client.get("family_plans.changes", plan_id=v1.id).status_code == 404

    response = client.post("family_plans.start", family_id=family.id)
    soup = client.page("family_plans.overview", family_id=family.id)
    assert "Version 1 was issued on" in text_of(soup, "#current-plan")
    assert "Version 2 is being written." in text_of(soup, "main")
    v2 = db.session.scalar(select(FamilyPlan).where(FamilyPlan.family_id == family.id, FamilyPlan.version == 2))
    assert [
        [" ".join(cell.get_text(" ").split()) for cell in row.select("th, td")]
        for row in soup.select("#versions tbody tr")
    ] == [
        ["2", "Draft", "Not issued yet", "None yet"],
        [
            "1",
            "Issued",
            f"{moment(v1.issued_at)}, Robin Quillfeather",
            "Family copy of version 1 , large print family copy of version 1 , professional copy of version 1",
        ],
    ]
    assert response.headers["Location"] == client.url("family_plans.edit", plan_id=v2.id)
    soup = client.page("family_plans.edit", plan_id=v2.id)
    assert soup.select_one("#working_well").get_text().strip() == CLEAR["working_well"]
    assert soup.select_one("#agreed_by")["value"] == ""
    new_working_well = "Mum walks all three children to school now.\nGran helps on Fridays.\nDad does Mondays."
    client.post(
        "family_plans.edit",
        plan_form(v2, working_well=new_working_well, **{"children-0-child_words": "Mornings are better."}),
        plan_id=v2.id,
    )
    client.post("family_plans.add_step", step_form(what="Pack school bags the night before"), plan_id=v2.id)
    response = client.post("family_plans.issue", {"submit_issue": "y"}, plan_id=v2.id)
    assert flash_of(follow(client, response)).startswith("Version 2 issued.")

    soup = client.page("family_plans.overview", family_id=family.id)
    assert "Version 2 was issued on" in text_of(soup, "#current-plan")
    assert soup.select_one("#current-plan a")["href"] == client.url(
        "family_plans.download", plan_id=v2.id, kind="family"
    )
    rows = soup.select("#versions tbody tr")
    assert [row.select_one("th").get_text(" ", strip=True).split()[0] for row in rows] == ["2", "1"]
    changed = rows[0].find("a", string="What changed from version 1")
    assert changed["href"] == client.url("family_plans.changes", plan_id=v2.id)
    assert rows[1].find("a", string=lambda text: text and text.startswith("What changed")) is None

    soup = client.page("family_plans.changes", plan_id=v2.id)
    assert text_of(soup, "h1") == "What changed from version 1 to 2"
    assert soup.select_one(".govuk-back-link")["href"] == client.url("family_plans.overview", family_id=family.id)
    tags = {h2.contents[0].strip(): text_of(h2, ".govuk-tag") for h2 in soup.select("main h2")}
    assert list(tags) == [
        *CLEAR_TITLES,
        "Each child's words",
        "Next steps for the family",
        "Professional-only next steps",
        "Review date",
        "Lead practitioner",
        "Who gets a copy",
        "Agreement",
    ]
    assert tags["What we are worried about"] == "No change"
    assert tags["What is working well"] == "Changed"
    assert tags["Each child's words"] == "Changed"
    assert tags["Next steps for the family"] == "Changed"
    assert tags["Agreement"] == "Changed"
    assert tags["Professional-only next steps"] == "No change"
    added = [" ".join(li.get_text().split()) for li in soup.select(".app-diff__added")]
    removed = [" ".join(li.get_text().split()) for li in soup.select(".app-diff__removed")]
    assert f"Added: {child.first_name}: Mornings are better." in added
    assert f"Removed: {child.first_name}:" in removed
    packing = db.session.scalar(select(NextStep).where(NextStep.what == "Pack school bags the night before"))
    assert (packing.source_id, packing.family_facing) == (v2.id, True)
    assert [line for line in added if line.startswith("Added: Pack school bags")] == [
        f"Added: Pack school bags the night before | Alex | {long_date(packing.due_on)}"
    ]
    assert "Removed: Alex" in removed
    headings = {h2.contents[0].strip(): h2 for h2 in soup.select("main h2")}
    working_well = headings["What is working well"].find_next_sibling("ul")
    assert [(li.get("class", [""])[0], " ".join(li.get_text().split())) for li in working_well.select("li")] == [
        ("app-diff__removed", "Removed: Mum walks the younger two to school most days."),
        ("app-diff__added", "Added: Mum walks all three children to school now."),
        ("", "Gran helps on Fridays."),
        ("app-diff__added", "Added: Dad does Mondays."),
    ]
    assert headings["What we are worried about"].find_next_sibling().name == "h2", "no lines for an unchanged section"

    for kind, data in first.items():
        assert download(v1, kind) == data, kind
    assert download(v2, "family") != first["family"]
    downloads = [e for e in events(family, "download") if e[2] == str(v1.id)]
    assert len(downloads) == 9
    assert ("view", "family_plan", str(v2.id), lead.id, "ok") in events(family, "view")


def test_an_administrator_cannot_open_any_family_plan_page(client):
    lead = robin()
    family = make_household(children=1)
    plan = a_draft(family, lead)
    admin = make_user("administrator", team_name=None)
    client.sign_in(admin)
    pages = [
        ("family_plans.overview", {"family_id": family.id}),
        ("family_plans.edit", {"plan_id": plan.id}),
        ("family_plans.issue", {"plan_id": plan.id}),
        ("family_plans.download", {"plan_id": plan.id, "kind": "family"}),
        ("family_plans.changes", {"plan_id": plan.id}),
    ]
    for endpoint, values in pages:
        assert client.get(endpoint, **values).status_code == 403, endpoint
    assert client.post("family_plans.start", family_id=family.id).status_code == 403
    assert client.post("family_plans.edit", plan_form(plan, worries="By the admin"), plan_id=plan.id).status_code == 403
    assert fresh(plan).worries == ""
    denied = db.session.scalars(
        select(AuditEvent).where(AuditEvent.user_id == admin.id, AuditEvent.outcome == "denied")
    ).all()
    assert len(denied) == 7
    assert (
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.family_id == family.id, AuditEvent.user_id == admin.id)
        ).all()
        == []
    )


def test_someone_signed_out_is_sent_to_sign_in(client):
    plan = a_draft(make_household(children=1), robin())
    response = client.get("family_plans.download", plan_id=plan.id, kind="family")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(client.url("auth.sign_in"))
