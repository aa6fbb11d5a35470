"""Family plans a family can trust (issue 12, part 8, and part 7's "a new version carries only open steps"):
the issue check, the jargon list as data, the printed copy (version, date, step status, the signature block
kept together, how a child's words came to us), preview and discard, review meetings, and the plan closed
after a step-up. Each test is named after the failure it stops. All names are fictional."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import TransferAction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import Family, FamilyPlan, NextStep, NextStepStatus, TimelineEntry
from earlyhelp.models.family_plans import FamilyPlanReview, JargonTerm
from earlyhelp.pdf import print_html
from earlyhelp.services import family_plans as service
from earlyhelp.services import transfers
from earlyhelp.services.next_steps import NextStepInput, close_undone, complete
from tests.factories import make_episode, make_household, make_user
from tests.factories_family_plans import CLEAR
from tests.factories_transfers import quick_request
from tests.helpers import fresh, pdf_text
from tests.pdf_checks import pdfua_problems

TODAY = date(2026, 3, 2)  # a Monday
ISSUED_AT = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)  # 10:30 in London, two days on


@pytest.fixture
def on_today():
    with time_machine.travel(clock.at_london(TODAY, time(9, 0)), tick=True):
        yield


def robin(name="Robin Quillfeather"):
    return make_user("practitioner", team_name="Early help team", name=name)


def family_led_by(lead, *, children=2):
    family = make_household(children=children)
    make_episode(family, lead=lead)
    return family


def a_draft(family, actor, *, today=TODAY, **text) -> FamilyPlan:
    plan = service.start_draft(family, actor=actor, today=today)
    if text:
        service.save_draft(plan, changes=text, child_words={}, actor=actor)
    return plan


def a_step(plan, actor, what, *, kind="family_member", owner="Alex", family_facing=True, agency="", user=None):
    step = NextStepInput(
        what=what,
        owner_kind=kind,
        owner_name=owner if kind != "user" else "",
        owner_agency=agency,
        owner_user_id=user.id if user else None,
        due_on=TODAY + timedelta(days=7),
        family_facing=family_facing,
    )
    return service.add_step(plan, step, actor=actor, today=TODAY)


def issue(plan, actor, *, now=ISSUED_AT, confirmed=True) -> FamilyPlan:
    return service.issue(plan, actor=actor, confirmed=confirmed, now=now)


def pages(data: bytes) -> list[str]:
    return [" ".join(page.split()) for page in pdf_text(data, layout=False).split("\f") if page.strip()]


def flat(data: bytes) -> str:
    return " ".join(pdf_text(data, layout=False).split())


def step_sources(family) -> dict[str, int]:
    db.session.expire_all()
    return {s.what: s.source_id for s in db.session.scalars(select(NextStep).where(NextStep.family_id == family.id))}


# The issue check


def test_an_empty_goal_an_empty_who_agreed_and_a_past_review_date_raise_nothing_no_longer(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR | {"goals": "  ", "agreed_by": ""})
    with pytest.raises(Refused) as refused:
        issue(plan, lead)
    assert (refused.value.message, refused.value.field) == ("Enter the family's goals, in their own words", "goals")
    assert [(b.field, b.message) for b in service.blockers(fresh(plan), TODAY)] == [
        ("goals", "Enter the family's goals, in their own words"),
        ("agreed_by", "Enter who in the family agreed the plan"),
    ]
    service.save_draft(plan, changes={"goals": "Calmer mornings."}, child_words={}, actor=lead)
    with pytest.raises(Refused, match="Enter who in the family agreed the plan"):
        issue(plan, lead)
    service.save_draft(plan, changes={"agreed_by": "Alex", "review_on": date(2026, 3, 3)}, child_words={}, actor=lead)
    with pytest.raises(Refused) as refused:
        issue(plan, lead)  # issued on 4 March: a review on 3 March has already gone by
    assert (refused.value.message, refused.value.field) == (
        "The review date has passed: enter a review date that is today or later",
        "review_on",
    )
    assert fresh(plan).status == "draft"
    service.save_draft(plan, changes={"review_on": date(2026, 3, 4)}, child_words={}, actor=lead)
    assert issue(plan, lead).status == "issued"


def test_the_warnings_that_exist_stay_warnings_that_can_be_confirmed(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR | {"worries": "The TAF is worried."})
    with pytest.raises(Refused, match="Fix the warnings, or confirm"):
        issue(plan, lead, confirmed=False)
    assert issue(plan, lead, confirmed=True).warnings_at_issue == 1


# The jargon list as data


@pytest.mark.parametrize(
    "term", ["CAMHS", "DV", "SENCO", "EHCP", "PLO", "LADO", "CLA", "CIN", "CP", "TAF", "EHA", "MASH", "ICPC", "NFA"]
)
def test_childrens_services_acronyms_were_not_flagged_as_jargon(app, term):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR | {"worries": f"The {term} meeting is on Friday."})
    plain = db.session.scalar(select(JargonTerm.plain_words).where(JargonTerm.term == term))
    assert [(f.section, f.message) for f in service.findings(plan)] == [
        ("What we are worried about", f'Replace "{term}" with plain words, such as "{plain}"')
    ]


def test_lead_professional_s17_and_s47_are_flagged_in_any_case(app):
    lead = robin()
    plan = a_draft(
        family_led_by(lead),
        lead,
        **CLEAR | {"worries": "Your Lead Professional will call.", "needs_to_happen": "This is not an s47. Nor s17."},
    )
    assert [f.message for f in service.findings(plan)] == [
        'Replace "lead professional" with plain words, such as "your lead worker"',
        'Replace "s17" with plain words, such as "section 17 (support for a child in need)"',
        'Replace "s47" with plain words, such as "section 47 (a child protection enquiry)"',
    ]


def test_a_council_extends_the_jargon_list_with_flask_jargon_add_and_can_retire_a_word(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR | {"worries": "The FHH will call. Safeguarding matters."})
    assert [f.message for f in service.findings(plan)] == [
        'Replace "safeguarding" with plain words, such as "keeping the children safe"'
    ]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jargon", "add", "FHH", "the family help hub"])
    assert result.exit_code == 0, result.output
    assert result.output == 'Family plans now flag "FHH", suggesting "the family help hub".\n'
    result = runner.invoke(args=["jargon", "remove", "safeguarding"])
    assert result.exit_code == 0, result.output
    assert [f.message for f in service.findings(plan)] == [
        'Replace "FHH" with plain words, such as "the family help hub"'
    ]
    refused = runner.invoke(args=["jargon", "add", "PEP", "  "])
    assert refused.exit_code == 1
    assert 'Enter the plain words to use instead of "PEP"' in refused.output
    assert db.session.scalar(select(JargonTerm.active).where(JargonTerm.term == "safeguarding")) is False


# The printed copy


@pytest.mark.usefixtures("on_today")
def test_the_family_copy_had_no_version_number_and_printed_copies_did_not_show_which_steps_are_done(app):
    lead = robin()
    family = family_led_by(lead)
    v1 = a_draft(family, lead, **CLEAR)
    a_step(v1, lead, "Buy an alarm clock")
    issue(v1, lead)
    v2 = a_draft(family, lead, today=TODAY, **CLEAR)
    alarm = db.session.scalar(select(NextStep).where(NextStep.what == "Buy an alarm clock"))
    complete(alarm, actor=lead, on=TODAY)
    db.session.commit()
    a_step(v2, lead, "Walk to school together")
    late = a_step(v2, lead, "Ring the school nurse")
    late.due_on = TODAY + timedelta(days=1)  # set for tomorrow; printed three days after it
    db.session.commit()
    issue(v2, lead, now=datetime(2026, 3, 5, 10, 0, tzinfo=UTC))

    for kind in service.DOCUMENTS:
        printed = pages(service.document(v2, kind).pdf)
        text = " ".join(printed)
        assert "Version 2, issued on Thu 5 Mar 2026" in printed[0], kind
        assert all("Version 2" in page for page in printed), kind  # on every page, with the reference
        assert "Walk to school together Alex Mon 9 Mar 2026 Open" in text, kind
        assert "Ring the school nurse Alex Tue 3 Mar 2026 Overdue" in text, kind
        assert "Buy an alarm clock Alex Mon 9 Mar 2026 Done" in text, kind  # carried over open, done since
    # Version 1's copy is exactly as it was issued, when the alarm clock was still to buy.
    assert "Buy an alarm clock Alex Mon 9 Mar 2026 Open" in flat(service.document(v1, "family").pdf)


def test_the_family_copy_gave_only_the_leads_phone_no_team_number_no_999_and_no_way_to_complain(app):
    from tests.pdf_checks import accessibility_problems

    lead = robin()
    lead.phone = "01632 960111"
    lead.team.phone, lead.team.email = "01632 960222", "earlyhelp@northshire.example"
    db.session.commit()
    family = family_led_by(lead)
    plan = issue(a_draft(family, lead, **CLEAR), lead)

    for kind in ("family", "family_large_print"):
        pdf = service.document(plan, kind).pdf
        text = flat(pdf)
        assert f"Robin Quillfeather, your lead practitioner: call 01632 960111 or email {lead.email}" in text, kind
        assert (
            "Early help team, Robin Quillfeather's team: call 01632 960222 or email earlyhelp@northshire.example"
            in text
        ), kind
        assert "If a child is in danger now, call 999." in text, kind
        assert " ".join(app.config["FAMILY_RIGHTS_TEXT"].split()) in text, kind
        assert " ".join(app.config["COMPLAINTS_TEXT"].split()) in text, kind
        assert accessibility_problems(pdf) == [], kind


def test_a_lead_or_team_with_no_phone_number_prints_the_councils_switchboard(app):
    lead = robin("Sam Nophone")
    lead.phone, lead.team.phone, lead.team.email = "", "", ""
    db.session.commit()
    plan = issue(a_draft(family_led_by(lead), lead, **CLEAR), lead)
    text = flat(service.document(plan, "family").pdf)
    switchboard = app.config.get("COUNCIL_SWITCHBOARD") or "01632 960000"
    assert f"Sam Nophone, your lead practitioner: call {switchboard} (the council's switchboard: ask for Sam" in text
    assert f"Early help team, Sam Nophone's team: call {switchboard} (the council's switchboard: ask for Early" in text


def _plan_with_lines(lead, lines: int) -> str:
    family = family_led_by(lead, children=1)
    plan = a_draft(
        family, lead, **CLEAR | {"working_well": "\n".join(f"Line {n} of what works." for n in range(lines))}
    )
    return service.preview_html(plan, actor=lead, now=ISSUED_AT)


KEPT_TOGETHER = 'class="agreement-block"'  # static/pdf/family-plan.css keeps it together


def _signature_pages(html: str) -> tuple[list[int], list[int]]:
    printed = pages(print_html(html))
    heading = [n for n, page in enumerate(printed) if "Agreeing the plan" in page]
    lines = [n for n, page in enumerate(printed) if "Signed (family) Signed (lead practitioner)" in page]
    return heading, lines


def test_the_signature_lines_were_printed_alone_on_a_third_page(app):
    """Find a plan long enough that, printed without the rule, the signature lines fall on the page after their
    heading; printed as issued, that same plan has the heading and both lines on one page (pdftotext per page)."""
    lead = robin()
    for lines in range(20, 60):
        html = _plan_with_lines(lead, lines)
        assert KEPT_TOGETHER in html
        heading, signed = _signature_pages(html.replace(KEPT_TOGETHER, 'class="not-kept-together"'))
        if heading != signed:
            break
    else:
        pytest.fail("no plan length put the signature block across a page break")
    heading, signed = _signature_pages(html)
    assert heading == signed and len(heading) == 1, (lines, heading, signed)


def test_a_three_year_olds_words_could_not_be_marked_as_given_through_a_parent_or_observed(app):
    lead = robin()
    family = family_led_by(lead, children=3)
    ash, bo, cal = family.children
    plan = a_draft(family, lead, **CLEAR)
    service.save_draft(
        plan,
        changes={},
        child_words={ash.id: "I like my teacher.", bo.id: "Bo hides when voices are raised.", cal.id: "Wants a dog."},
        words_given={
            ash.id: ("directly", "ignored"),
            bo.id: ("observed", "Robin Quillfeather"),
            cal.id: (
                "through_parent",
                "their mum",
            ),
        },
        actor=lead,
    )
    assert [(c.words_given, c.words_given_by) for c in fresh(plan).children_words] == [
        ("directly", ""),
        ("observed", "Robin Quillfeather"),
        ("through_parent", "their mum"),
    ]
    issue(plan, lead)
    text = flat(service.document(plan, "family").pdf)
    assert "Ash: I like my teacher. Bo:" in text
    assert "Bo hides when voices are raised. (Observed by Robin Quillfeather)" in text
    assert "Wants a dog. (Told to us by their mum)" in text
    v2 = a_draft(family, lead, today=TODAY)
    assert [(c.words_given, c.words_given_by) for c in v2.children_words][1:] == [
        ("observed", "Robin Quillfeather"),
        ("through_parent", "their mum"),
    ], "how the words came to us carries on with them"
    with pytest.raises(Refused, match="Select how Ash's words came to us"):
        service.save_draft(
            fresh(v2),
            changes={},
            child_words={},
            words_given={ash.id: ("guessed", "")},
            actor=lead,
        )


# Preview and discard


def test_there_was_no_preview_before_issuing_and_a_preview_is_marked_and_never_stored(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR | {"agreed_by": ""})  # a preview does not need to be ready
    pdf = print_html(service.preview_html(plan, actor=lead, now=ISSUED_AT))
    printed = pages(pdf)
    assert all("PREVIEW, NOT ISSUED" in page for page in printed)
    assert "PREVIEW: this plan has not been issued. Do not give this copy to the family." in printed[0]
    assert "Version 1, not issued yet" in printed[0]
    assert pdfua_problems(pdf) == []
    plan = fresh(plan)
    assert (plan.status, plan.documents, plan.snapshot) == ("draft", [], None)


@pytest.mark.usefixtures("on_today")
def test_there_was_no_way_to_discard_a_draft_and_its_steps_go_back_or_are_cancelled(app):
    lead, colleague = robin(), robin("Kit Colleague")
    family = family_led_by(lead)
    v1 = a_draft(family, lead, **CLEAR)
    carried = a_step(v1, lead, "Set two alarms for school mornings")
    issue(v1, lead)
    v2 = a_draft(family, lead)
    assert step_sources(family) == {carried.what: v2.id}
    added = a_step(v2, lead, "Ask the school about breakfast club", kind="user", user=colleague, family_facing=False)
    v2_id = v2.id

    assert service.discard_draft(v2, actor=lead, today=TODAY) == 2

    assert db.session.get(FamilyPlan, v2_id) is None
    assert step_sources(family) == {carried.what: v1.id, added.what: v2_id}
    added, carried = fresh(added), fresh(carried)
    assert (carried.status, added.status, added.status_reason) == (
        "open",
        "cancelled",
        "The draft of family plan version 2 was discarded",
    )
    summaries = [
        t.summary
        for t in db.session.scalars(
            select(TimelineEntry).where(TimelineEntry.family_id == family.id).order_by(TimelineEntry.id)
        )
    ]
    assert summaries[-1] == "Draft of family plan version 2 discarded"
    again = a_draft(family, lead)
    assert again.version == 2 and step_sources(family)[carried.what] == again.id


def test_an_issued_version_is_never_discarded(app):
    lead = robin()
    plan = issue(a_draft(family_led_by(lead), lead, **CLEAR), lead)
    with pytest.raises(Refused, match="Version 1 has been issued: an issued version is never discarded"):
        service.discard_draft(plan, actor=lead, today=TODAY)
    assert fresh(plan).status == "issued"


# Part 7: a new version carries only open steps


@pytest.mark.usefixtures("on_today")
def test_family_and_partner_steps_carried_into_every_new_plan_version(app):
    lead = robin()
    family = family_led_by(lead)
    v1 = a_draft(family, lead, **CLEAR)
    for status in ("open", "done", "not_done", "cancelled"):
        a_step(v1, lead, f"Family step {status}")
        a_step(v1, lead, f"Partner step {status}", kind="partner", owner="Sam Nurse", agency="School nursing")
        a_step(v1, lead, f"Worker step {status}", kind="user", user=lead, family_facing=False)
    for step in db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)):
        kind = step.what.rsplit(" ", 1)[1]
        if kind == "done":
            complete(step, actor=lead, on=TODAY)
        elif kind in ("not_done", "cancelled"):
            close_undone(step, NextStepStatus(kind), reason="The family moved school", actor=lead, on=TODAY)
    db.session.commit()
    issue(v1, lead)

    v2 = a_draft(family, lead)
    open_ones = {"Family step open", "Partner step open", "Worker step open"}
    sources = step_sources(family)
    assert {what for what, source in sources.items() if source == v2.id} == open_ones
    assert sorted(fresh(v2).carried_step_ids) == sorted(
        s.id for s in db.session.scalars(select(NextStep).where(NextStep.what.in_(open_ones)))
    )
    service.save_draft(v2, changes={"agreed_by": "Alex"}, child_words={}, actor=lead)
    issue(v2, lead, now=ISSUED_AT + timedelta(days=1))
    v3 = a_draft(family, lead)
    sources = step_sources(family)
    assert {what for what, source in sources.items() if source == v3.id} == open_ones
    assert len(db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all()) == 12, "no copies"
    family_steps, professional_steps = service.steps(v3)
    assert [s.what for s in family_steps] == ["Family step open", "Partner step open"]
    assert [s.what for s in professional_steps] == ["Worker step open"]


# Review meetings


def review(
    plan,
    actor,
    *,
    held_on,
    outcome="continue",
    note="",
    late_reason="",
    now=ISSUED_AT + timedelta(days=40),
    next_review_on="default",
):
    if next_review_on == "default":
        next_review_on = held_on + timedelta(weeks=6) if outcome == "continue" else None
    return service.record_review(
        plan,
        service.ReviewInput(
            held_on=held_on,
            attended="Alex, Robin, Oakfield school",
            outcome=outcome,
            note=note,
            late_reason=late_reason,
            next_review_on=next_review_on,
        ),
        actor=actor,
        now=now,
    )


def test_a_review_meeting_is_recorded_with_its_outcome_on_the_family_timeline(app):
    lead = robin()
    family = family_led_by(lead)
    plan = issue(a_draft(family, lead, **CLEAR), lead)
    held = clock.local_date(ISSUED_AT + timedelta(days=40))

    entry = review(plan, lead, held_on=held, note="Mornings are calmer.")

    assert (entry.held_on, entry.outcome_label, entry.attended, entry.note, entry.late_reason) == (
        held,
        "Continue the plan",
        "Alex, Robin, Oakfield school",
        "Mornings are calmer.",
        "",
    )
    timeline = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.family_id == family.id).order_by(TimelineEntry.id)
    ).all()
    assert timeline[-1].summary == (
        f"Family plan version 1 reviewed: continue the plan, next review {clock.long_day(held + timedelta(weeks=6))}"
    )
    # At the date the meeting was held, shown as that day (no invented time).
    assert (clock.local_date(timeline[-1].at), timeline[-1].day_only) == (held, True)


def test_continue_the_plan_did_not_ask_for_the_next_review_date_and_the_plan_stayed_review_due_the_old_date(app):
    lead = robin()
    family = family_led_by(lead)
    plan = issue(a_draft(family, lead, **CLEAR), lead)
    printed_review = fresh(plan).review_on
    issued_pdf = service.document(plan, "family").pdf
    held = clock.local_date(ISSUED_AT + timedelta(days=40))

    with pytest.raises(Refused, match="Enter the date of the next review") as refused:
        review(plan, lead, held_on=held, next_review_on=None)
    assert refused.value.field == "next_review_on"
    for not_after in (held, held - timedelta(days=1)):
        with pytest.raises(Refused, match=f"The next review must be after the review held on {clock.long_day(held)}"):
            review(plan, lead, held_on=held, next_review_on=not_after)
    assert db.session.scalars(select(FamilyPlanReview)).all() == []
    assert fresh(plan).review_on == printed_review

    review(plan, lead, held_on=held, next_review_on=held + timedelta(weeks=8))
    plan = fresh(plan)
    assert plan.review_on == held + timedelta(weeks=8)
    # What the family was given is unchanged: the issued copy and the frozen content keep the date they printed.
    assert service.document(plan, "family").pdf == issued_pdf
    assert plan.snapshot["Review date"] == clock.long_day(printed_review)


def test_the_default_next_review_follows_the_councils_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "PLAN_REVIEW_WEEKS", 10)
    assert service.next_review_default(date(2026, 4, 13)) == date(2026, 6, 22)


def test_only_continue_asks_for_the_next_review_date(app):
    lead = robin()
    family = family_led_by(lead)
    plan = issue(a_draft(family, lead, **CLEAR), lead)
    before = fresh(plan).review_on
    held = clock.local_date(ISSUED_AT + timedelta(days=40))
    review(plan, lead, held_on=held, outcome="change", note="Evenings are hard.", next_review_on=None)
    assert fresh(plan).review_on == before  # the new version being written sets its own


def test_a_review_is_refused_before_issue_in_the_future_without_who_attended_or_an_outcome(app):
    lead = robin()
    family = family_led_by(lead)
    draft = a_draft(family, lead, **CLEAR)
    with pytest.raises(Refused, match="Only an issued plan is reviewed"):
        review(draft, lead, held_on=TODAY)
    plan = issue(draft, lead)
    with pytest.raises(Refused, match="The review cannot have been held before version 1 was issued on 4 March 2026"):
        review(plan, lead, held_on=date(2026, 3, 3))
    with pytest.raises(Refused, match="The date the review was held must be today or in the past"):
        review(plan, lead, held_on=date(2026, 6, 1), now=ISSUED_AT)
    with pytest.raises(Refused, match="Select what the review decided"):
        review(plan, lead, held_on=date(2026, 3, 5), outcome="maybe")
    with pytest.raises(Refused) as refused:
        review(plan, lead, held_on=date(2026, 3, 5), outcome="close", note="")
    assert refused.value.field == "note"
    assert db.session.scalars(select(FamilyPlanReview)).all() == []


def test_a_review_recorded_late_needs_the_late_reason(app):
    lead = robin()
    plan = issue(a_draft(family_led_by(lead), lead, **CLEAR), lead)
    with pytest.raises(Refused) as refused:
        review(plan, lead, held_on=date(2026, 3, 5))  # recorded on 13 April
    assert refused.value.field == "late_reason"
    entry = review(plan, lead, held_on=date(2026, 3, 5), late_reason="The notes were with the school until now.")
    assert entry.late_reason == "The notes were with the school until now."
    timeline = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.family_id == plan.family_id).order_by(TimelineEntry.id)
    ).all()
    assert timeline[-1].late_recording_reason == "The notes were with the school until now."


def test_a_review_that_changes_the_plan_starts_a_new_version_and_one_closing_early_help_closes_it(app):
    lead = robin()
    family = family_led_by(lead)
    plan = issue(a_draft(family, lead, **CLEAR), lead)
    held = clock.local_date(ISSUED_AT + timedelta(days=40))
    review(plan, lead, held_on=held, outcome="change", note="School mornings are fine; evenings are not.")
    versions = service.plans(family.id)
    assert [(p.version, p.status) for p in versions] == [(2, "draft"), (1, "issued")]
    service.discard_draft(versions[0], actor=lead, today=held)

    review(plan, lead, held_on=held, outcome="close", note="The family no longer needs early help.")
    plan = fresh(plan)
    assert plan.closed_note == f"Closed: early help ended at the review on {clock.long_day(held)}."


# After a step-up


@pytest.mark.usefixtures("on_today")
def test_the_early_help_plan_stayed_live_after_the_family_stepped_up(app):
    lead = robin()
    social_worker = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    transfer = quick_request(requester=lead, state=TransferState.ACCEPTED, receiving_lead=social_worker)
    family = db.session.get(Family, transfer.family_id)
    v1 = a_draft(family, lead, **CLEAR)
    a_step(v1, lead, "Set two alarms for school mornings")
    issue(v1, lead, now=clock.now())
    draft = a_draft(family, lead)
    transfer.handover_plan.meeting_held, transfer.handover_plan.meeting_on = True, TODAY
    db.session.commit()

    transfers.act(transfer.id, TransferAction.COMPLETE_HANDOVER, actor=social_worker)

    note = "Closed: the family stepped up to children's social care on 2 March 2026; Sol Socialworker leads now."
    v1, draft = fresh(v1), fresh(draft)
    assert (v1.closed_note, draft.closed_note) == (note, note)
    assert v1.status == "issued" and v1.documents, "the issued copy is kept as it was"
    with pytest.raises(Refused, match="A new version can be started when early help works with the family again"):
        service.start_draft(family, actor=lead, today=TODAY)
    with pytest.raises(Refused, match="Version 2 was closed"):
        service.save_draft(draft, changes={"worries": "Later."}, child_words={}, actor=lead)
    with pytest.raises(Refused, match="Version 1 was closed"):
        review(v1, lead, held_on=TODAY)

    # When early help works with the family again, a new version starts from the last one.
    make_episode(family, lead=lead, started_on=date(2026, 9, 1))
    again = service.start_draft(family, actor=lead, today=date(2026, 9, 2))
    assert again.version == 3 and not again.is_closed
