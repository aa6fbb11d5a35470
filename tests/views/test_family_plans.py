"""Family plans as a practitioner uses them: start, write with the family, add next steps, check, issue, download
and compare versions. All names are fictional."""

import hashlib
from datetime import timedelta

from sqlalchemy import select

from earlyhelp.clock import today
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, FamilyPlan, NextStep
from earlyhelp.services import family_plans as service
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from tests.factories import make_episode, make_household, make_user
from tests.helpers import error_messages, soup_of, text_of

CLEAR = {
    "worries": "We are worried the children miss school.",
    "working_well": "Mum walks the younger two to school most days.\nGran helps on Fridays.",
    "needs_to_happen": "Everyone gets to school on time, every day.",
    "goals": "We want mornings to be calmer.",
    "contingency": "Call Robin the same day. Out of hours, call 01632 960000.",
}
CLEAR_TITLES = [
    "What we are worried about",
    "What is working well",
    "What needs to happen",
    "Our goals, in our own words",
    "If things get worse",
]


def date_parts(day):
    return [str(day.day), str(day.month), str(day.year)]


def long_date(day) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


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
    db.session.commit()
    return plan


def a_step(plan, actor, what="Set two alarms for school mornings", *, family_facing=True) -> NextStep:
    step = add_next_step(
        plan.family_id,
        NextStepInput(
            what=what,
            owner_kind="family_member",
            owner_name="Alex",
            due_on=today() + timedelta(days=14),
            family_facing=family_facing,
        ),
        source_type="family_plan",
        source_id=plan.id,
        actor=actor,
        today=today(),
    )
    db.session.commit()
    return step


def issued(plan, actor) -> FamilyPlan:
    plan = service.issue(plan, actor=actor, confirmed=True)
    db.session.commit()
    return plan


def plan_form(plan, **overrides) -> dict:
    data = CLEAR | {
        "review_on": date_parts(today() + timedelta(weeks=6)),
        "lead_contact": "01632 960111, Monday to Friday",
        "copies_to": "",
        "agreed_by": "",
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


def fresh(plan) -> FamilyPlan:
    db.session.expire_all()
    return db.session.get(FamilyPlan, plan.id)


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
    soup = client.page(f"/families/{family.id}/plan")
    assert text_of(soup, "h1") == "Family plan"
    assert "No plan has been issued to this family yet." in text_of(soup, "main")
    assert text_of(soup, f"form[action='/families/{family.id}/plan/start'] button") == "Start the family plan"

    assert client.http.post(f"/families/{family.id}/plan/start").status_code == 400, "no CSRF token"
    assert db.session.scalar(select(FamilyPlan).where(FamilyPlan.family_id == family.id)) is None
    response = client.post(f"/families/{family.id}/plan/start")
    plan = db.session.scalar(select(FamilyPlan).where(FamilyPlan.family_id == family.id))
    assert response.headers["Location"] == f"/family-plans/{plan.id}/edit"
    assert (plan.version, plan.status, plan.lead_id) == (1, "draft", lead.id)
    assert client.post(f"/families/{family.id}/plan/start").headers["Location"] == f"/family-plans/{plan.id}/edit"
    assert len(db.session.scalars(select(FamilyPlan).where(FamilyPlan.family_id == family.id)).all()) == 1

    soup = client.page(f"/families/{family.id}/plan")
    assert "Version 1 is being written." in text_of(soup, "main")
    assert soup.find("a", string="Carry on writing version 1")["href"] == f"/family-plans/{plan.id}/edit"
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

    soup = client.page(f"/family-plans/{plan.id}/edit")
    assert text_of(soup, "label[for='children-0-child_words']") == "Ash, in their own words"
    assert text_of(soup, "label[for='children-1-child_words']") == "Bo, in their own words"
    assert soup.select_one("#children-0-child_words").get_text().strip() == "I like my teacher."
    review = today() + timedelta(weeks=6)
    assert [int(i["value"]) for i in soup.select("input[name='review_on']")] == [review.day, review.month, review.year]
    assert text_of(soup, "label[for='lead_contact']") == "How the family can reach Robin Quillfeather"

    data = plan_form(
        plan,
        **{"children-0-child_words": "  I like my teacher and football.  ", "children-1-child_words": "I want a dog."},
        agreed_by="Alex and Ash",
        agreed_on=date_parts(today()),
        signed_paper_copy="y",
        copies_to="Oakfield Primary School",
    )
    response = client.post(f"/family-plans/{plan.id}/edit", data)
    assert response.headers["Location"] == f"/family-plans/{plan.id}/edit"
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


def test_over_long_text_gets_its_limit_and_keeps_what_was_typed(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, worries="Saved before.")
    too_long = "We are worried. " * 312 + "Still going."  # 5004 characters
    response = client.post(
        f"/family-plans/{plan.id}/edit",
        plan_form(plan, worries=too_long, **{"children-0-child_words": "I said " + "a" * 4994}, lead_contact="0" * 201),
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
    blank = soup_of(client.post(f"/family-plans/{plan.id}/edit", plan_form(plan, review_on=["", "", ""])))
    assert error_messages(blank) == ["Enter the date the plan will be reviewed"]
    unreal = soup_of(client.post(f"/family-plans/{plan.id}/edit", plan_form(plan, review_on=["31", "2", "2027"])))
    assert error_messages(unreal) == ["Review date must be a real date"]
    assert [i["value"] for i in unreal.select("input[name='review_on']")] == ["31", "2", "2027"]
    assert fresh(plan).review_on == today() + timedelta(weeks=6)


def test_the_review_date_hint_follows_the_councils_setting(client, monkeypatch):
    monkeypatch.setitem(client.app.config, "PLAN_REVIEW_WEEKS", 10)
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead)
    soup = client.page(f"/family-plans/{plan.id}/edit")
    review = today() + timedelta(weeks=10)
    assert [int(i["value"]) for i in soup.select("input[name='review_on']")] == [review.day, review.month, review.year]
    assert text_of(soup, "#review_on-hint") == "10 weeks on by default"


# Next steps


def test_next_steps_added_to_the_plan_are_listed_for_the_family_or_for_professionals(client):
    lead, family = signed_in_lead(client, children=1)
    colleague = robin("Kit Colleague")
    plan = a_draft(family, lead)

    response = client.post(f"/family-plans/{plan.id}/next-steps", step_form())
    assert response.headers["Location"] == f"/family-plans/{plan.id}/edit#next-steps"
    soup = follow(client, response)
    assert flash_of(soup) == "Next step added to the plan."
    client.post(
        f"/family-plans/{plan.id}/next-steps",
        step_form(
            what="Check attendance with the school",
            owner_kind="user",
            owner_user=str(colleague.id),
            due_in="date",
            due_on=date_parts(today() + timedelta(days=20)),
            family_facing="",
        ),
    )
    soup = client.page(f"/family-plans/{plan.id}/edit")
    captions = [text_of(table, "caption") for table in soup.select("table")]
    assert captions == ["For the family (1 of at most 8)", "Professional-only"]
    family_row, professional_row = (table.select_one("tbody tr") for table in soup.select("table"))
    assert "Set two alarms for school mornings" in family_row.get_text()
    assert "Check attendance with the school" in professional_row.get_text()
    assert "Kit Colleague" in professional_row.get_text()
    assert long_date(today() + timedelta(days=20)) in professional_row.get_text()
    steps = db.session.scalars(select(NextStep).where(NextStep.family_id == family.id).order_by(NextStep.id)).all()
    assert [(s.what, s.owner, s.source_type, s.source_id, s.family_facing) for s in steps] == [
        ("Set two alarms for school mornings", "Alex", "family_plan", plan.id, True),
        ("Check attendance with the school", "Kit Colleague", "family_plan", plan.id, False),
    ]


def test_a_next_step_without_what_who_or_a_date_from_today_says_what_to_fix(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead)
    url = f"/family-plans/{plan.id}/next-steps"

    no_what = soup_of(client.post(url, step_form(what="   ")))
    assert error_messages(no_what) == ["Enter what needs to happen"]
    no_owner = soup_of(client.post(url, step_form(owner_kind="")))
    assert error_messages(no_owner) == ["Select who will do it"]
    assert no_owner.select_one("#what")["value"] == "Set two alarms for school mornings"
    no_person = soup_of(client.post(url, step_form(owner_kind="user", owner_user="")))
    assert error_messages(no_person) == ["Select who will do it"]
    no_name = soup_of(client.post(url, step_form(owner_name="")))
    assert error_messages(no_name) == ["Enter the name of the person who will do it"]
    past = client.post(url, step_form(due_in="date", due_on=date_parts(today() - timedelta(days=1))))
    assert past.status_code == 200
    assert error_messages(soup_of(past)) == ["The date it needs to be done by must be today or in the future"]
    assert [i["value"] for i in soup_of(past).select("input[name='due_on']")] == date_parts(today() - timedelta(days=1))
    no_date = soup_of(client.post(url, step_form(due_in="date")))
    assert error_messages(no_date) == ["Enter the date it needs to be done by"]
    assert db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all() == []


# Checking and issuing


def test_a_plan_that_reads_clearly_is_issued_without_a_confirmation_box(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR)
    soup = client.page(f"/family-plans/{plan.id}/issue")
    assert text_of(soup, ".govuk-panel") == "The plan reads clearly"
    assert soup.select_one("#findings") is None
    assert soup.select_one("input[name='confirm']") is None
    assert text_of(soup, "button[name='submit_issue']") == "Issue the plan"


def test_the_check_page_lists_what_to_fix_and_issuing_anyway_needs_the_box_ticked(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR | {"worries": "The TAF is worried.", "contingency": ""})
    a_step(plan, lead)

    soup = client.page(f"/family-plans/{plan.id}/issue")
    assert text_of(soup, ".govuk-warning-text") == "! Warning 2 things to fix so the family can read it easily"
    assert [" ".join(li.get_text().split()) for li in soup.select("#findings li")] == [
        'What we are worried about: Replace "TAF" with plain words, such as "team around the family"',
        "If things get worse: Write the contingency plan: what happens if things get worse",
    ]
    assert soup.find("a", string="Go back and fix them")["href"] == f"/family-plans/{plan.id}/edit"
    assert soup.select_one("input[name='confirm']") is not None

    refused = client.post(f"/family-plans/{plan.id}/issue", {"submit_issue": "y"})
    assert refused.status_code == 200
    assert error_messages(soup_of(refused)) == ["Fix the warnings, or confirm you want to issue the plan anyway"]
    assert len(soup_of(refused).select("#findings li")) == 2
    assert (fresh(plan).status, fresh(plan).documents) == ("draft", [])

    response = client.post(f"/family-plans/{plan.id}/issue", {"confirm": "y", "submit_issue": "y"})
    assert response.headers["Location"] == f"/families/{family.id}/plan"
    soup = follow(client, response)
    assert flash_of(soup) == "Version 1 issued. Print the family copy and give it to the family."
    plan = fresh(plan)
    assert (plan.status, plan.issued_by_id, plan.warnings_at_issue) == ("issued", lead.id, 2)
    current = text_of(soup, "#current-plan")
    assert f"Version 1 was issued on {long_date(today())} by Robin Quillfeather." in current
    assert f"Review due {long_date(plan.review_on)}." in current
    links = {a.get_text(): a["href"] for a in soup.select("#current-plan a")}
    assert links == {
        "Download the family copy (PDF)": f"/family-plans/{plan.id}/family.pdf",
        "Download the family copy, large print (PDF)": f"/family-plans/{plan.id}/family_large_print.pdf",
        "Download the professional copy (PDF)": f"/family-plans/{plan.id}/professional.pdf",
    }
    assert text_of(soup, "form[action$='/plan/start'] button") == "Start a new version"

    download = client.get(links["Download the family copy (PDF)"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == service.document(plan, "family").pdf
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="family-plan-{family.reference}-v1-family.pdf"'
    )
    record = str(plan.id)
    assert events(family, "view", "issue", "download")[-4:] == [
        ("view", "family_plan", record, lead.id, "ok"),  # the check page
        ("issue", "family_plan", record, lead.id, "ok"),
        ("view", "family_plan", record, lead.id, "ok"),  # the overview
        ("download", "family_plan", record, lead.id, "ok"),
    ]


def test_an_issued_plan_cannot_be_changed_and_the_practitioner_is_told_why(client):
    lead, family = signed_in_lead(client, children=1)
    plan = issued(a_draft(family, lead, **CLEAR, review_on=today() - timedelta(days=1)), lead)
    overview = client.page(f"/families/{family.id}/plan")
    assert f"Review due {long_date(today() - timedelta(days=1))} Overdue" in text_of(overview, "#current-plan")
    told = "Version 1 has been issued and cannot change. Start a new version to make changes."

    attempts = [
        lambda: client.get(f"/family-plans/{plan.id}/edit"),
        lambda: client.post(f"/family-plans/{plan.id}/edit", plan_form(plan, worries="Changed after issue.")),
        lambda: client.post(f"/family-plans/{plan.id}/next-steps", step_form(what="A step added after issue")),
        lambda: client.get(f"/family-plans/{plan.id}/issue"),
        lambda: client.post(f"/family-plans/{plan.id}/issue", {"confirm": "y", "submit_issue": "y"}),
    ]
    for attempt in attempts:
        response = attempt()
        assert response.headers["Location"] == f"/families/{family.id}/plan"
        assert flash_of(follow(client, response)) == told
    plan = fresh(plan)
    assert (plan.worries, plan.issued_by_id) == (CLEAR["worries"], lead.id)
    assert db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all() == []
    assert [e[0] for e in events(family, "issue")] == ["issue"]


def test_a_plan_whose_printing_runs_out_of_time_stays_a_draft_and_can_be_issued_again(client, monkeypatch):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, **CLEAR)
    monkeypatch.setitem(client.app.config, "PDF_TIMEOUT_SECONDS", 0.001)
    response = client.post(f"/family-plans/{plan.id}/issue", {"submit_issue": "y"})
    assert response.status_code == 503
    assert "The document took too long to print" in response.text
    plan = fresh(plan)
    assert (plan.status, plan.issued_at, plan.snapshot, plan.documents) == ("draft", None, None, [])
    assert events(family, "issue") == []

    monkeypatch.setitem(client.app.config, "PDF_TIMEOUT_SECONDS", 30)
    response = client.post(f"/family-plans/{plan.id}/issue", {"submit_issue": "y"})
    assert flash_of(follow(client, response)).startswith("Version 1 issued.")
    assert sorted(d.kind for d in fresh(plan).documents) == ["family", "family_large_print", "professional"]


# Downloads and versions


def test_downloads_that_were_never_issued_are_not_found(client):
    lead, family = signed_in_lead(client, children=1)
    draft = a_draft(family, lead, **CLEAR)
    assert client.get(f"/family-plans/{draft.id}/family.pdf").status_code == 404
    assert client.get(f"/family-plans/{draft.id}/professional.pdf").status_code == 404
    assert client.get(f"/family-plans/{draft.id}/secret.pdf").status_code == 404
    assert client.get("/family-plans/999999/family.pdf").status_code == 404
    assert client.get(f"/family-plans/{draft.id}/changes").status_code == 404
    assert client.get("/family-plans/999999/edit").status_code == 404
    assert client.get("/family-plans/999999/issue").status_code == 404
    assert client.get("/families/999999/plan").status_code == 404
    assert events(family, "download") == []


def test_a_second_version_shows_what_changed_and_the_first_versions_downloads_never_change(client):
    lead, family = signed_in_lead(client, children=1)
    (child,) = family.children
    v1 = a_draft(family, lead, **CLEAR, agreed_by="Alex")
    a_step(v1, lead, "Set two alarms for school mornings")
    v1 = issued(v1, lead)
    first = {kind: client.get(f"/family-plans/{v1.id}/{kind}.pdf").data for kind in service.DOCUMENTS}
    for kind, data in first.items():
        stored = service.document(v1, kind)
        assert hashlib.sha256(data).hexdigest() == stored.sha256, kind
        assert client.get(f"/family-plans/{v1.id}/{kind}.pdf").data == data, kind
    assert client.get(f"/family-plans/{v1.id}/changes").status_code == 404

    response = client.post(f"/families/{family.id}/plan/start")
    soup = client.page(f"/families/{family.id}/plan")
    assert "Version 1 was issued on" in text_of(soup, "#current-plan")
    assert "Version 2 is being written." in text_of(soup, "main")
    v2 = db.session.scalar(select(FamilyPlan).where(FamilyPlan.family_id == family.id, FamilyPlan.version == 2))
    assert response.headers["Location"] == f"/family-plans/{v2.id}/edit"
    soup = client.page(f"/family-plans/{v2.id}/edit")
    assert soup.select_one("#working_well").get_text().strip() == CLEAR["working_well"]
    assert soup.select_one("#agreed_by")["value"] == ""
    new_working_well = "Mum walks all three children to school now.\nGran helps on Fridays.\nDad does Mondays."
    client.post(
        f"/family-plans/{v2.id}/edit",
        plan_form(v2, working_well=new_working_well, **{"children-0-child_words": "Mornings are better."}),
    )
    client.post(f"/family-plans/{v2.id}/next-steps", step_form(what="Pack school bags the night before"))
    response = client.post(f"/family-plans/{v2.id}/issue", {"submit_issue": "y"})
    assert flash_of(follow(client, response)).startswith("Version 2 issued.")

    soup = client.page(f"/families/{family.id}/plan")
    assert "Version 2 was issued on" in text_of(soup, "#current-plan")
    assert soup.select_one("#current-plan a")["href"] == f"/family-plans/{v2.id}/family.pdf"
    rows = soup.select("table tbody tr")
    assert [row.select_one("td").get_text(" ", strip=True).split()[0] for row in rows] == ["2", "1"]
    assert rows[0].find("a", string="What changed from version 1")["href"] == f"/family-plans/{v2.id}/changes"
    assert rows[1].find("a", string=lambda text: text and text.startswith("What changed")) is None

    soup = client.page(f"/family-plans/{v2.id}/changes")
    assert text_of(soup, "h1") == "What changed from version 1 to 2"
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
        f"Added: Pack school bags the night before | Alex | {packing.due_on:%-d %B %Y}"
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
        assert client.get(f"/family-plans/{v1.id}/{kind}.pdf").data == data, kind
    assert client.get(f"/family-plans/{v2.id}/family.pdf").data != first["family"]
    downloads = [e for e in events(family, "download") if e[2] == str(v1.id)]
    assert len(downloads) == 9
    assert ("view", "family_plan", str(v2.id), lead.id, "ok") in events(family, "view")


def test_an_administrator_cannot_open_any_family_plan_page(client):
    lead = robin()
    family = make_household(children=1)
    plan = a_draft(family, lead)
    admin = make_user("administrator", team_name=None)
    client.sign_in(admin)
    for url in (
        f"/families/{family.id}/plan",
        f"/family-plans/{plan.id}/edit",
        f"/family-plans/{plan.id}/issue",
        f"/family-plans/{plan.id}/family.pdf",
        f"/family-plans/{plan.id}/changes",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/families/{family.id}/plan/start").status_code == 403
    assert client.post(f"/family-plans/{plan.id}/edit", plan_form(plan, worries="By the admin")).status_code == 403
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
    response = client.get(f"/family-plans/{plan.id}/family.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
