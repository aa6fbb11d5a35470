"""Family plans against the real database and the real PDF pipeline: drafting with the family, the plain-language
check, issuing the exact PDFs a family receives, and new versions. All names are fictional."""

import hashlib
import io
import re
import subprocess
from datetime import UTC, date, datetime, time, timedelta

import pikepdf
import pytest
import time_machine
import weasyprint
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.plain_language import Finding
from earlyhelp.domain.refusals import NeedsConfirmation, Refused, Stale
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, FamilyPlan, NextStep, NextStepStatus, TimelineEntry
from earlyhelp.models.family_plans import SECTIONS
from earlyhelp.pdf import print_html
from earlyhelp.services import family_plans as service
from earlyhelp.services.next_steps import NextStepInput, close_undone, complete
from tests.factories import make_episode, make_household, make_user
from tests.factories_family_plans import CLEAR
from tests.helpers import fresh, pdf_text
from tests.pdf_checks import pdfua_problems, word_height, word_heights

TODAY = date(2026, 3, 2)  # a Monday
ISSUED_AT = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)  # 10:30 in London (winter time), two days after TODAY

needs_poppler = pytest.mark.skipif(
    subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0, reason="poppler-utils not installed"
)


@pytest.fixture
def on_today():
    """For tests that set next steps on TODAY and close them later: the clock stands on TODAY's morning."""
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
        write(plan, actor, **text)
    return plan


def write(plan, actor, *, child_words=None, **changes):
    service.save_draft(plan, changes=changes, child_words=child_words or {}, actor=actor)


def a_step(plan, actor, what, *, family_facing=True, owner="Alex", due_on=TODAY + timedelta(days=7)) -> NextStep:
    step = NextStepInput(
        what=what, owner_kind="family_member", owner_name=owner, due_on=due_on, family_facing=family_facing
    )
    return service.add_step(plan, step, actor=actor, today=TODAY)


def issue(plan, actor, *, confirmed=False, now=ISSUED_AT) -> FamilyPlan:
    return service.issue(plan, actor=actor, confirmed=confirmed, now=now)


def issue_events(family) -> list[tuple]:
    return [
        (e.record_id, e.user_id, e.outcome)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.family_id == family.id, AuditEvent.action == "issue")
            .order_by(AuditEvent.id)
        )
    ]


def messages(plan) -> list[tuple[str, str]]:
    return [(f.section, f.message) for f in service.findings(plan)]


def pages(data: bytes) -> list[str]:
    return [page for page in pdf_text(data).split("\f") if page.strip()]


def flat(data: bytes) -> str:
    """The PDF's words on one line. A line that ends at a hyphen ("plain-" then "language") joins up again."""
    return " ".join(re.sub(r"-\n\s*", "-", pdf_text(data)).split())


# Proving the PDF/UA checker itself


def test_the_pdfua_checker_finds_what_a_plain_untagged_pdf_lacks(app):
    plain = weasyprint.HTML(string="<html><head><title>A plain page</title></head><body><p>Hello</p></body></html>")
    assert pdfua_problems(plain.write_pdf()) == [
        "The catalog has no /MarkInfo, so the PDF does not say it is tagged",
        "The catalog has no /StructTreeRoot: the document has no structure tree (tags)",
        "The catalog has no /Lang: the document's language is not set",
        "The catalog's /ViewerPreferences does not have /DisplayDocTitle true",
        "The catalog has no XMP /Metadata stream",
    ]
    assert pdfua_problems(b"%PDF-1.7 not really")[0].startswith("It is not a readable PDF")


def test_the_pdfua_checker_finds_fonts_that_are_not_embedded_and_thin_metadata(app):
    tagged = weasyprint.HTML(
        string='<html lang="en-GB"><head><title>A tagged page</title></head>'
        "<body style=\"font-family: 'DejaVu Sans'\"><p>Hello</p></body></html>"
    ).write_pdf(pdf_variant="pdf/ua-1")
    assert pdfua_problems(tagged) == []
    with pikepdf.open(io.BytesIO(tagged)) as document:
        font = next(iter(document.pages[0].Resources.Font.values()))
        del font.DescendantFonts[0].FontDescriptor["/FontFile2"]
        with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as metadata:
            metadata["pdfuaid:part"] = "2"
            del metadata["dc:title"]
        out = io.BytesIO()
        document.save(out)
    problems = pdfua_problems(out.getvalue())
    assert problems[:2] == [
        "The XMP metadata does not have pdfuaid:part = 1 (it has '2')",
        "The XMP metadata has no dc:title",
    ]
    assert len(problems) == 3
    assert re.fullmatch(r"Page 1: the font [A-Z]{6}\+DejaVu-Sans is not embedded", problems[2]), problems[2]


# Starting a draft


def test_a_first_draft_is_version_1_reviewed_after_the_set_weeks_with_every_child_and_the_familys_lead(app):
    lead, colleague = robin(), make_user("practitioner", name="Kit Colleague")
    family = family_led_by(lead, children=3)
    ash, bo, cal = family.children
    ash.child_words, cal.child_words = "I like my teacher.", "I want my own room."
    db.session.commit()

    plan = a_draft(family, colleague)

    assert (plan.version, plan.status, plan.review_on) == (1, "draft", TODAY + timedelta(weeks=6))
    assert plan.lead.name == "Robin Quillfeather"
    assert plan.created_by_id == colleague.id
    assert [(c.person.first_name, c.child_words) for c in plan.children_words] == [
        ("Ash", "I like my teacher."),
        ("Bo", ""),
        ("Cal", "I want my own room."),
    ]
    timeline = db.session.scalars(select(TimelineEntry).where(TimelineEntry.family_id == family.id)).all()
    assert [t.summary for t in timeline] == ["Family plan version 1 started"]


def test_the_review_date_follows_the_councils_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "PLAN_REVIEW_WEEKS", 10)
    plan = a_draft(family_led_by(robin()), robin("Kit Colleague"))
    assert plan.review_on == date(2026, 5, 11)


def test_starting_the_plan_again_carries_on_with_the_same_draft(app):
    lead = robin()
    family = family_led_by(lead)
    first = a_draft(family, lead, worries="Half written.")
    again = service.start_draft(family, actor=make_user("team_manager", name="Max Manager"), today=TODAY + timedelta(1))
    assert again.id == first.id
    assert (again.version, again.worries, again.review_on) == (1, "Half written.", TODAY + timedelta(weeks=6))
    assert db.session.scalars(select(FamilyPlan).where(FamilyPlan.family_id == family.id)).all() == [first]


def test_without_an_open_early_help_episode_the_person_starting_the_plan_leads_it(app):
    family = make_household(children=1)
    make_episode(family, service_code="social_care", lead=make_user("social_worker", team_name="Social care team"))
    make_episode(family, lead=robin("Former Lead"), ended_on=date(2026, 1, 5))
    starter = robin("Kit Colleague")
    assert a_draft(family, starter).lead_id == starter.id


def test_a_new_version_copies_the_text_but_not_the_agreement_and_takes_over_the_open_next_steps(app, on_today):
    lead = robin()
    family = family_led_by(lead)
    ash, bo = family.children
    v1 = a_draft(family, lead)
    write(
        v1,
        lead,
        **CLEAR | {"agreed_by": "Alex and Ash"},
        lead_contact="01632 960111, Monday to Friday",
        copies_to="Oakfield Primary School",
        agreed_on=date(2026, 3, 3),
        signed_paper_copy=True,
        child_words={ash.id: "I like football.", bo.id: "I like drawing."},
    )
    open_family = a_step(v1, lead, "Set two alarms for school mornings")
    open_professional = a_step(v1, lead, "Check attendance with the school", family_facing=False)
    done = a_step(v1, lead, "Buy an alarm clock")
    complete(done, actor=lead, on=TODAY)
    cancelled = a_step(v1, lead, "Ask about the breakfast club")
    close_undone(cancelled, NextStepStatus.CANCELLED, reason="The school closed it", actor=lead, on=TODAY)
    db.session.commit()
    issue(v1, lead)
    frozen = dict(v1.snapshot)

    later = TODAY + timedelta(weeks=6)
    v2 = a_draft(family, lead, today=later)

    assert (v2.version, v2.status, v2.review_on) == (2, "draft", later + timedelta(weeks=6))
    for name in (*SECTIONS, "lead_contact", "copies_to"):
        assert getattr(v2, name) == getattr(v1, name), name
    assert (v2.agreed_by, v2.agreed_on, v2.signed_paper_copy) == ("", None, False)
    assert [(c.person_id, c.child_words) for c in v2.children_words] == [
        (ash.id, "I like football."),
        (bo.id, "I like drawing."),
    ]
    db.session.expire_all()
    assert {s.what for s in db.session.scalars(select(NextStep).where(NextStep.source_id == v2.id))} == {
        open_family.what,
        open_professional.what,
    }
    assert {s.what for s in db.session.scalars(select(NextStep).where(NextStep.source_id == v1.id))} == {
        done.what,
        cancelled.what,
    }
    v1 = db.session.get(FamilyPlan, v1.id)
    assert (v1.status, v1.agreed_by, v1.snapshot) == ("issued", "Alex and Ash", frozen)


def test_a_new_version_names_the_familys_current_early_help_lead(app):
    first_lead, new_lead = robin("Robin Quillfeather"), robin("Jude Newlead")
    family = make_household(children=1)
    episode = make_episode(family, lead=first_lead)
    issue(a_draft(family, first_lead, **CLEAR), first_lead)
    episode.ended_on = date(2026, 7, 2)
    make_episode(family, lead=new_lead, started_on=date(2026, 7, 2))

    v2 = a_draft(family, new_lead, today=date(2026, 7, 3))

    assert v2.lead.name == "Jude Newlead"


# The plain-language check


def test_a_clearly_written_plan_has_no_findings(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR)
    a_step(plan, lead, "Set two alarms for school mornings")
    assert service.findings(plan) == []


def test_jargon_is_found_in_each_section_and_family_step_with_plain_words_to_use(app):
    lead = robin()
    plan = a_draft(
        family_led_by(lead),
        lead,
        **CLEAR
        | {
            "worries": "The TAF is worried about safeguarding at home.",
            "goals": "We said the taf meetings help. We do not want to escalate.",
        },
    )
    a_step(plan, lead, "Come to the CIN meeting")
    a_step(plan, lead, "Share notes with the MASH", family_facing=False)
    assert messages(plan) == [
        ("What we are worried about", 'Replace "TAF" with plain words, such as "team around the family"'),
        ("What we are worried about", 'Replace "safeguarding" with plain words, such as "keeping the children safe"'),
        ("Our goals, in our own words", 'Replace "escalate" with plain words, such as "step up"'),
        ("Next steps", 'Replace "CIN" with plain words, such as "child in need"'),
    ]


def test_a_councils_own_jargon_from_its_settings_is_found_as_well(app, monkeypatch):
    monkeypatch.setitem(
        app.config, "PLAIN_LANGUAGE_JARGON", "FHH=the family help hub; step-down = moving to lighter support;bad item"
    )
    lead = robin()
    plan = a_draft(
        family_led_by(lead),
        lead,
        **CLEAR | {"needs_to_happen": "After the Step-down review, the FHH will call. The TAF stays in touch."},
    )
    assert messages(plan) == [
        ("What needs to happen", 'Replace "TAF" with plain words, such as "team around the family"'),
        ("What needs to happen", 'Replace "FHH" with plain words, such as "the family help hub"'),
        ("What needs to happen", 'Replace "step-down" with plain words, such as "moving to lighter support"'),
    ]


def test_more_than_8_family_steps_is_a_finding_but_professional_only_steps_do_not_count(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR)
    for number in range(8):
        a_step(plan, lead, f"Family step number {number + 1}")
    for number in range(3):
        a_step(plan, lead, f"Professional step number {number + 1}", family_facing=False)
    assert service.findings(plan) == []
    a_step(plan, lead, "Family step number 9")
    assert messages(plan) == [
        ("Next steps", "Keep the family's list to 8 steps or fewer (it has 9): move the rest to professional-only")
    ]


def test_a_plan_without_a_contingency_or_a_review_date_is_told_to_add_them(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR | {"contingency": "   "}, review_on=None)
    assert plan.contingency == ""
    assert messages(plan) == [
        ("If things get worse", "Write the contingency plan: what happens if things get worse"),
        ("Review", "Set the date the plan will be reviewed"),
    ]


def test_a_sentence_over_25_words_is_to_be_split_and_one_of_25_is_not(app):
    lead = robin()
    twenty_five = " ".join(["word"] * 24) + " end."
    twenty_six = "Mum and the school will talk every week about " + " ".join(["how"] * 15) + " mornings go."
    plan = a_draft(
        family_led_by(lead),
        lead,
        **CLEAR | {"working_well": twenty_five, "needs_to_happen": f"Short first. {twenty_six}\nA new line."},
    )
    assert messages(plan) == [
        (
            "What needs to happen",
            'Split the sentence starting "Mum and the school will talk..." (26 words; aim for 25 or fewer)',
        )
    ]


def test_each_childs_own_words_are_checked_too(app):
    lead = robin()
    family = family_led_by(lead)
    ash, bo = family.children
    long_words = "I do not like it when " + " ".join(["everyone"] * 20) + " shouts at me."
    plan = a_draft(family, lead, **CLEAR, child_words={ash.id: "The CP meeting was scary.", bo.id: long_words})
    assert messages(plan) == [
        ("Ash's words", 'Replace "CP" with plain words, such as "child protection"'),
        ("Bo's words", 'Split the sentence starting "I do not like it when..." (29 words; aim for 25 or fewer)'),
    ]


def test_two_children_with_the_same_first_name_both_have_their_words_checked(app):
    lead = robin()
    family = family_led_by(lead, children=5)  # the first and the fifth child are both called Ash
    first_ash, *_, second_ash = family.children
    assert first_ash.first_name == second_ash.first_name == "Ash"
    plan = a_draft(family, lead, **CLEAR, child_words={first_ash.id: "The CP meeting was scary.", second_ash.id: "Ok."})
    assert ("Ash's words", 'Replace "CP" with plain words, such as "child protection"') in messages(plan)


def test_jargon_in_who_else_gets_a_copy_is_found_because_the_family_copy_prints_it(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR, copies_to="Oakfield Primary School\nCSC duty team")
    assert messages(plan) == [
        ("Who else gets a copy", 'Replace "CSC" with plain words, such as "children\'s social care"')
    ]


# Issuing


def test_warnings_stop_an_issue_until_confirmed_and_a_second_issue_says_who_issued_it_and_when(app):
    lead = robin()
    family = family_led_by(lead)
    plan = a_draft(family, lead, **CLEAR | {"worries": "The TAF is worried."})

    with pytest.raises(NeedsConfirmation) as needs:
        service.issue(plan, actor=lead, confirmed=False, now=ISSUED_AT)
    assert str(needs.value) == "Fix the warnings, or confirm you want to issue the plan anyway"
    assert needs.value.findings == [
        Finding("What we are worried about", 'Replace "TAF" with plain words, such as "team around the family"')
    ]
    plan = fresh(plan)
    assert (plan.status, plan.issued_at, plan.documents) == ("draft", None, [])

    issue(plan, lead, confirmed=True)
    assert (plan.status, plan.issued_at, plan.issued_by.name, plan.warnings_at_issue) == (
        "issued",
        ISSUED_AT,
        "Robin Quillfeather",
        1,
    )
    assert "Issued with 1 plain-language warning left." in flat(service.document(plan, "professional").pdf)

    kit = robin("Kit Colleague")
    with pytest.raises(Refused) as refused:
        service.issue(plan, actor=kit, confirmed=True, now=ISSUED_AT + timedelta(hours=2))
    assert str(refused.value) == "Version 1 was issued by Robin Quillfeather on 4 March 2026 at 10:30"
    with pytest.raises(Refused, match="Version 1 has been issued and cannot change"):
        service.save_draft(plan, changes={"worries": "Changed later"}, child_words={}, actor=lead)
    with pytest.raises(Refused, match="Version 1 has been issued and cannot change"):
        a_step(plan, lead, "A step added after issue")
    assert fresh(plan).worries == "The TAF is worried."
    assert db.session.scalars(select(NextStep).where(NextStep.family_id == family.id)).all() == []
    assert issue_events(family) == [
        (str(plan.id), lead.id, "refused"),
        (str(plan.id), lead.id, "ok"),
        (str(plan.id), kit.id, "refused"),
    ]


def test_a_plan_changed_while_it_was_printing_is_not_issued_and_stays_as_changed(app):
    lead = robin()
    family = family_led_by(lead)
    plan = a_draft(family, lead, **CLEAR)
    printing = service.prepare_issue(plan, actor=lead, confirmed=False, now=ISSUED_AT)
    pdfs = {kind: print_html(html) for kind, html in printing.html.items()}
    write(plan, lead, goals="We want mornings to be calmer, and a dog.")

    with pytest.raises(Stale) as stale:
        service.store_issued(plan, printing, pdfs, actor=lead)
    assert str(stale.value) == "Someone changed the plan while it was being printed. Check it and issue it again."
    plan = fresh(plan)
    assert (plan.status, plan.goals, plan.snapshot, plan.documents) == (
        "draft",
        "We want mornings to be calmer, and a dog.",
        None,
        [],
    )
    assert issue_events(family) == [(str(plan.id), lead.id, "refused")]

    issue(plan, lead)
    assert "We want mornings to be calmer, and a dog." in flat(service.document(plan, "family").pdf)


def test_a_plan_issued_by_someone_else_while_it_was_printing_is_not_issued_twice(app):
    lead, kit = robin(), robin("Kit Colleague")
    family = family_led_by(lead)
    plan = a_draft(family, lead, **CLEAR)
    printing = service.prepare_issue(plan, actor=kit, confirmed=False, now=ISSUED_AT + timedelta(minutes=1))
    issue(plan, lead)
    first = {d.kind: d.sha256 for d in fresh(plan).documents}

    with pytest.raises(Refused, match="Version 1 was issued by Robin Quillfeather on 4 March 2026 at 10:30"):
        service.store_issued(plan, printing, {kind: b"%PDF-" for kind in printing.html}, actor=kit)
    plan = fresh(plan)
    assert (plan.issued_by_id, {d.kind: d.sha256 for d in plan.documents}) == (lead.id, first)


@needs_poppler
def test_issuing_stores_the_three_documents_with_their_hashes_and_only_the_professional_copy_has_professional_steps(
    app,
):
    lead = robin()
    family = family_led_by(lead)
    ash, bo = family.children
    typed = "<b>x</b> {{ 7*7 }} <script>alert(1)</script>"
    plan = a_draft(
        family,
        lead,
        **CLEAR | {"goals": f"We typed {typed} here."},
        copies_to="Oakfield Primary School",
        child_words={ash.id: "I like my teacher.", bo.id: "{% if true %}Bo{% endif %} said hi."},
    )
    a_step(plan, lead, "Set two alarms for school mornings", owner="Alex")
    a_step(plan, lead, "Check attendance records weekly", family_facing=False, owner="Oakfield attendance officer")
    issue(plan, lead)

    documents = {d.kind: d for d in plan.documents}
    assert sorted(documents) == ["family", "family_large_print", "professional"]
    for document in documents.values():
        assert document.pdf.startswith(b"%PDF-")
        assert (document.sha256, document.size) == (hashlib.sha256(document.pdf).hexdigest(), len(document.pdf))
    family_copy, large_print, professional = (flat(documents[k].pdf) for k in service.DOCUMENTS)
    for text in (family_copy, large_print, professional):
        assert "We are worried the children miss school." in text
        assert "Set two alarms for school mornings" in text
        assert "I like my teacher." in text
        assert f"We typed {typed} here." in text
        assert "{% if true %}Bo{% endif %} said hi." in text
        assert "Your lead practitioner: Robin Quillfeather" in text
        assert "We will look at this plan again together on: Mon 13 Apr 2026" in text
    for text in (family_copy, large_print):
        assert "Check attendance records weekly" not in text
        assert "For professionals only" not in text
        assert "Professional copy" not in text
    assert "For professionals only" in professional
    assert "Check attendance records weekly" in professional
    assert "Version 1, issued Wed 4 Mar 2026 by Robin Quillfeather." in professional
    timeline = db.session.scalars(select(TimelineEntry).where(TimelineEntry.family_id == family.id)).all()
    assert "Family plan version 1 issued to the family" in [t.summary for t in timeline]


@needs_poppler
def test_every_issued_pdf_is_numbered_and_referenced_on_every_page_large_enough_and_tagged(app):
    lead = robin()
    family = family_led_by(lead)
    many_lines = "\n".join(f"Mum walked them to school on day {n}." for n in range(1, 41))
    plan = a_draft(family, lead, **CLEAR | {"working_well": many_lines})
    a_step(plan, lead, "Set two alarms for school mornings")
    issue(plan, lead)

    for document in plan.documents:
        printed = pages(document.pdf)
        assert len(printed) > 1, document.kind
        for number, page in enumerate(printed, start=1):
            assert f"Page {number} of {len(printed)}" in page, (document.kind, number)
            assert family.reference in page, (document.kind, number)
            assert ("Professional copy" in page) == (document.kind == "professional"), (document.kind, number)
        assert pdfua_problems(document.pdf) == [], document.kind
    # A word's box is about 1.16 times its point size in DejaVu Sans.
    assert word_height(service.document(plan, "family").pdf, "Everyone") >= 12 * 1.1
    assert word_height(service.document(plan, "professional").pdf, "Everyone") >= 12 * 1.1
    assert word_height(service.document(plan, "family_large_print").pdf, "Everyone") >= 16 * 1.1


@needs_poppler
def test_every_word_of_the_large_print_copy_above_the_page_furniture_is_at_least_16_point(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR)
    issue(plan, lead)
    small = [
        word
        for word, height in word_heights(service.document(plan, "family_large_print").pdf)
        if height < 16 * 1.1
        and word not in {"Page", "of", "·", "Version", plan.family.reference}  # the page furniture
        and not word.isdigit()
    ]
    assert small == []


@needs_poppler
def test_a_next_step_cancelled_before_issue_is_not_printed_as_something_to_do(app, on_today):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR)
    a_step(plan, lead, "Set two alarms for school mornings")
    mistake = a_step(plan, lead, "Visit the dentist on Friday")
    close_undone(mistake, NextStepStatus.CANCELLED, reason="Added to the wrong family", actor=lead, on=TODAY)
    db.session.commit()
    issue(plan, lead)
    family_copy = flat(service.document(plan, "family").pdf)
    assert "Set two alarms for school mornings" in family_copy
    assert "Visit the dentist on Friday" not in family_copy


@needs_poppler
def test_a_plan_the_family_has_not_agreed_does_not_say_it_was_agreed(app):
    lead = robin()
    plan = a_draft(family_led_by(lead), lead, **CLEAR)
    issue(plan, lead)
    family_copy = flat(service.document(plan, "family").pdf)
    assert "Please sign below to show you agree." in family_copy
    assert "agreed with you on" not in family_copy
