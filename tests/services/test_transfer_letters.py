"""The family's "what happens next" letter (issue 12, part 6): written only from what is marked for the family,
in the right tense, with phone numbers; issued once per form, kept byte for byte, versioned. All names are
fictional."""

import hashlib
from datetime import date, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, IssuedLetter, LetterDocument, TimelineEntry
from earlyhelp.services import transfers
from earlyhelp.services.next_steps import NextStepInput
from earlyhelp.services.transfers import letters
from tests.factories import make_episode, make_household, make_transfer, make_user
from tests.helpers import fresh, pdf_text
from tests.pdf_checks import pdfua_problems, word_height

# A Wednesday morning in London: the clock stands here unless a test moves it.
NOW = clock.at_london(date(2026, 11, 18), time(10, 30))
# When the requests were made, sent and decided: two weeks before.
BEFORE = NOW - timedelta(days=14)
ABUSER = "Darren Vexwood"
CONTINGENCY = f"If {ABUSER} returns to the house, call the police and move Mum and the children to the refuge."


@pytest.fixture
def at_now(app):
    with time_machine.travel(NOW, tick=False):
        yield


def people():
    lead = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather", phone="01632 960101")
    manager = make_user("team_manager", team_name="Early help team", name="Morgan Thistlewhite", phone="01632 960102")
    worker = make_user("social_worker", team_name="Social care team", name="Kit Marrowby", phone="01632 960201")
    receiving_manager = make_user("team_manager", team_name="Social care team", name="Jo Brackenfold")
    for user in (lead, worker):
        user.team.phone, user.team.email = "01632 960100", "team@council.example"
    db.session.commit()
    return lead, manager, worker, receiving_manager


def act(transfer, action, actor, *, lead=None, reason=""):
    transfers.act(transfer.id, TransferAction(action), actor=actor, lead=lead, reason=reason)
    return fresh(transfer)


def accepted_step_up(**fields):
    """Robin's step-up, sent and accepted two weeks ago with Kit Marrowby as the lead."""
    with time_machine.travel(BEFORE, tick=False):
        lead, manager, worker, receiving_manager = people()
        family = make_household(children=2)
        transfer = make_transfer(make_episode(family, lead=lead), actor=lead, **fields)
        transfer = act(transfer, "submit", lead)
        if transfer.needs_override_authorisation:
            transfers.authorise_override(
                transfer, actor=manager, reason="The children were hurt last week and Mum is frightened of him."
            )
        transfer = act(transfer, "approve", manager)
        transfer = act(transfer, "accept", receiving_manager, lead=worker)
    return transfer, lead, worker


def save_plan(transfer, actor, **changes):
    plan = fresh(transfer).handover_plan
    transfers.save_handover_plan(transfer, expected_version=plan.version, changes=changes, actor=actor)
    return fresh(transfer)


def words(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf, layout=False).split())


def issue(transfer, actor, key="form-1"):
    return letters.issue_letter(fresh(transfer), submission_key=key, actor=actor)


def copies(letter) -> dict[str, bytes]:
    db.session.expire_all()
    return {
        d.kind: d.pdf
        for d in db.session.scalars(select(LetterDocument).where(LetterDocument.letter_id == letter.id)).all()
    }


def letters_of(transfer) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(IssuedLetter.id)).where(IssuedLetter.transfer_id == transfer.id))


# What it prints


def test_letter_never_prints_the_contingency(app, at_now):
    transfer, lead, worker = accepted_step_up(not_to_share=f"Do not tell {ABUSER} where the children go to school.")
    transfer = save_plan(
        transfer,
        worker,
        contingency=CONTINGENCY,
        information_shared=f"Police reports naming {ABUSER}.",
        family_told_what=f"Told Mum the plan about {ABUSER}.",
        family_message="We will help you find a nursery place for Ash.",
    )
    letter = issue(transfer, worker)
    for kind, pdf in copies(letter).items():
        text = words(pdf)
        assert ABUSER not in text, kind
        assert "refuge" not in text
        assert "We will help you find a nursery place for Ash." in text
    assert ABUSER not in str(letter.content)


def test_letter_prints_only_family_facing_next_steps_with_their_status(app, at_now):
    transfer, lead, worker = accepted_step_up()
    due = clock.today() + timedelta(days=7)
    for what, family_facing in (("Take Ash to the dentist", True), (f"Check {ABUSER}'s bail conditions", False)):
        step = NextStepInput(
            what=what, owner_kind="family_member", owner_name="Alex Testfamily", due_on=due, family_facing=family_facing
        )
        transfers.add_handover_step(fresh(transfer), step, actor=worker)
    text = words(copies(issue(transfer, worker))["family"])
    assert f"Take Ash to the dentist Alex Testfamily {clock.long_day(due)} To do" in text
    assert ABUSER not in text


def test_letter_says_we_met_for_a_meeting_already_held(app, at_now):
    transfer, lead, worker = accepted_step_up()
    yesterday = clock.today() - timedelta(days=1)
    transfer = save_plan(transfer, worker, meeting_on=yesterday, meeting_held=True, meeting_place="the family centre")
    text = words(copies(issue(transfer, worker))["family"])
    assert f"We met on {clock.long_day(yesterday)} at the family centre." in text
    assert "We will meet" not in text


def test_letter_says_we_will_meet_for_a_meeting_arranged_in_the_future(app, at_now):
    transfer, lead, worker = accepted_step_up()
    next_week = clock.today() + timedelta(days=7)
    transfer = save_plan(transfer, worker, meeting_on=next_week, meeting_place="your home")
    content = letters.family_letter(fresh(transfer)).content
    assert f"We will meet on {clock.long_day(next_week)} at your home." in str(content)


def test_letter_says_we_will_contact_you_when_no_meeting_is_arranged(app, at_now):
    transfer, lead, worker = accepted_step_up()
    text = words(copies(issue(transfer, worker))["family"])
    assert "We will contact you to arrange a time to meet." in text
    assert "We will meet on" not in text and "We met on" not in text


def test_letter_for_a_past_meeting_not_recorded_as_held_says_neither_and_warns(app, at_now):
    transfer, lead, worker = accepted_step_up()
    last_week = clock.today() - timedelta(days=7)
    transfer = save_plan(transfer, worker, meeting_on=last_week)
    preview = letters.family_letter(fresh(transfer))
    text = str(preview.content)
    assert "We met" not in text and "We will meet" not in text
    assert f"We planned to meet on {clock.long_day(last_week)}" in text
    assert any("is not recorded as held" in warning for warning in preview.warnings)


def test_accepted_declined_and_complete_each_say_what_happened(app, at_now):
    transfer, lead, worker = accepted_step_up()
    accepted = str(letters.family_letter(fresh(transfer)).content)
    assert "They have agreed." in accepted
    assert "From now on, Kit Marrowby from children's social care will be your main worker." in accepted
    assert "Until the handover is finished, Robin Quillfeather from early help is still there for you." in accepted
    assert "A social worker will visit you" in accepted
    transfer = save_plan(transfer, worker, meeting_on=clock.today(), meeting_held=True)
    transfer = act(transfer, "complete_handover", worker)
    complete = str(letters.family_letter(transfer).content)
    assert "Children's social care is now working with your family. Kit Marrowby is your main worker." in complete
    assert "is no longer your worker" in complete
    assert "Until the handover is finished" not in complete

    lead2, manager2 = make_user("practitioner", name="Sam Orrinwell"), make_user("team_manager", name="Lee Pardew")
    family = make_household(children=1)
    declined = make_transfer(make_episode(family, lead=lead2), actor=lead2)
    declined = act(declined, "submit", lead2)
    declined = act(declined, "approve", manager2)
    declined = act(
        declined,
        "decline",
        make_user("team_manager", team_name="Social care team"),
        reason="The early help plan still meets the need.",
    )
    said = str(letters.family_letter(declined).content)
    assert "They have decided not to, for now." in said
    assert "Sam Orrinwell from early help will carry on working with you, as before." in said
    assert "A social worker will visit you" not in said
    assert "still meets the need" not in said  # the receiving team's reasoning is theirs


def test_a_step_down_letter_says_early_help_is_voluntary(app, at_now):
    worker = make_user("social_worker", team_name="Social care team", name="Kit Marrowby", phone="01632 960201")
    manager = make_user("team_manager", team_name="Social care team")
    receiver = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather", phone="01632 960101")
    family = make_household(children=1)
    transfer = make_transfer(
        make_episode(family, service_code="social_care", lead=worker),
        actor=worker,
        direction="step_down",
        receiving_team="Early help team",
    )
    transfer = act(transfer, "submit", worker)
    transfer = act(transfer, "approve", manager)
    transfer = act(transfer, "accept", make_user("team_manager", team_name="Early help team"), lead=receiver)
    said = str(letters.family_letter(transfer).content)
    assert "Early help is support that you choose to have." in said
    assert "You can say no to early help" in said


def test_a_step_up_without_agreement_says_so_kindly_without_the_professional_reasoning(app, at_now):
    transfer, lead, worker = accepted_step_up(family_agrees=False)
    text = words(copies(issue(transfer, worker))["family"])
    assert "We know you did not agree to us asking children's social care to work with your family." in text
    assert "the law says we must act to keep them safe" in text
    assert "you can speak to Morgan Thistlewhite, the manager who agreed it: call 01632 960102" in text
    assert "Asking would put the children at risk" not in text  # the requester's reasoning
    assert "hurt last week" not in text  # the manager's


def test_letter_gives_phone_numbers_and_emails_never_call_your_worker_alone(app, at_now):
    transfer, lead, worker = accepted_step_up()
    text = words(copies(issue(transfer, worker))["family"])
    assert f"Kit Marrowby Your main worker, children's social care Phone: 01632 960201 Email: {worker.email}" in text
    assert "Social care team Kit Marrowby's team Phone: 01632 960100 Email: team@council.example" in text
    assert (
        f"Robin Quillfeather Until the handover is finished, early help Phone: 01632 960101 Email: {lead.email}" in text
    )
    assert "Call your worker." not in text
    assert "You can ask to see what we have written about your family." in text  # FAMILY_RIGHTS_TEXT
    assert "make a complaint" in text  # COMPLAINTS_TEXT


def test_a_lead_with_no_phone_is_warned_of_and_the_letter_gives_the_switchboard(app, at_now):
    transfer, lead, worker = accepted_step_up()
    worker.phone = ""
    db.session.commit()
    preview = letters.family_letter(fresh(transfer))
    assert preview.warnings == [
        f"Kit Marrowby has no phone number recorded. The letter gives the council's switchboard "
        f"({letters.switchboard()}) instead. An administrator can add it."
    ]
    assert f"{letters.switchboard()} (the council's switchboard: ask for Kit Marrowby)" in str(preview.content)


def test_the_letter_waits_for_the_receiving_teams_decision(app, at_now):
    lead = make_user(name="Robin Quillfeather")
    transfer = make_transfer(make_episode(make_household(children=1), lead=lead), actor=lead)
    with pytest.raises(Refused, match="once the receiving team has decided"):
        issue(transfer, lead)
    assert letters_of(transfer) == 0


# Issued and kept


def test_letter_downloaded_twice_is_identical_and_is_what_was_issued(app, at_now):
    transfer, lead, worker = accepted_step_up()
    letter = issue(transfer, worker)
    first, second = copies(letter), copies(letter)
    assert set(first) == {"family", "family_large_print"}
    assert first == second
    for document in db.session.scalars(select(LetterDocument).where(LetterDocument.letter_id == letter.id)):
        assert document.sha256 == hashlib.sha256(document.pdf).hexdigest() and document.size == len(document.pdf)
    assert (letter.version, letter.issued_by_id, letter.issued_at) == (1, worker.id, NOW)
    assert (
        "Letter to the family issued: what happens next (version 1)"
        in db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.family_id == transfer.family_id)).all()
    )
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "issue", AuditEvent.record_id == str(letter.id))
    )


def test_issue_posted_twice_makes_one_letter(app, at_now):
    transfer, lead, worker = accepted_step_up()
    first = issue(transfer, worker, key="same-form")
    second = issue(transfer, worker, key="same-form")
    assert first.id == second.id
    assert letters_of(transfer) == 1


def test_issuing_again_unchanged_is_refused_with_the_version_to_download(app, at_now):
    transfer, lead, worker = accepted_step_up()
    issue(transfer, worker, key="first")
    with pytest.raises(Refused, match="This letter says the same as version 1, issued by Kit Marrowby"):
        issue(transfer, worker, key="second")
    assert letters_of(transfer) == 1


def test_reissuing_after_a_change_makes_version_2_and_keeps_version_1(app, at_now):
    transfer, lead, worker = accepted_step_up()
    v1 = issue(transfer, worker, key="first")
    v1_bytes = copies(v1)
    next_week = clock.today() + timedelta(days=7)
    transfer = save_plan(transfer, worker, meeting_on=next_week)
    v2 = issue(transfer, worker, key="second")
    assert (v1.version, v2.version) == (1, 2)
    assert copies(fresh(v1)) == v1_bytes
    assert "We will contact you to arrange" in words(v1_bytes["family"])
    assert f"We will meet on {clock.long_day(next_week)}" in words(copies(v2)["family"])
    assert "Letter version 2" in words(copies(v2)["family"])


def test_the_large_print_copy_is_larger_and_both_copies_are_tagged(app, at_now):
    transfer, lead, worker = accepted_step_up()
    pdfs = copies(issue(transfer, worker))
    assert word_height(pdfs["family_large_print"], "Marrowby") > word_height(pdfs["family"], "Marrowby") * 1.2
    for pdf in pdfs.values():
        assert pdfua_problems(pdf) == []


# The handover plan's date rule


def test_a_meeting_dated_before_the_request_was_sent_is_refused(app):
    lead, manager, worker, receiving_manager = people()
    family = make_household(children=1)
    made = clock.at_london(date(2026, 11, 16), time(10, 0))
    with time_machine.travel(made, tick=False):
        transfer = make_transfer(make_episode(family, lead=lead), actor=lead)
        transfer = act(transfer, "submit", lead)
    with time_machine.travel(NOW, tick=False):
        transfer = act(transfer, "approve", manager)
        transfer = act(transfer, "accept", receiving_manager, lead=worker)
        made_day = date(2026, 11, 17)  # after the request was made, before it was sent
        with pytest.raises(Refused) as refused:
            save_plan(transfer, worker, meeting_on=made_day, meeting_held=True)
    assert refused.value.field == "meeting_on"
    assert f"({clock.day(made_day)}) cannot be before" in refused.value.message
    assert f"({clock.day(NOW)})" in refused.value.message
    assert fresh(transfer).handover_plan.meeting_on is None


def test_a_meeting_dated_before_the_request_is_never_scored_done_on_time(app, at_now):
    transfer, lead, worker = accepted_step_up()
    plan = fresh(transfer).handover_plan
    plan.meeting_on, plan.meeting_held = clock.today() - timedelta(days=30), True  # written before the rule
    plan.meeting_due_on, plan.meeting_due_explanation = clock.today() + timedelta(days=14), "Due in two weeks"
    db.session.commit()
    clock_now = transfers.meeting_clock(fresh(transfer).handover_plan)
    assert clock_now is not None and clock_now.summary != "Done on time"
    assert clock_now.state not in ("on_time", "late")


# The demo


def test_the_demo_gives_contact_details_family_messages_and_issues_letters(app, at_now):
    from earlyhelp.services.demo_letters import seed_letters

    transfer, lead, worker = accepted_step_up()
    lead.phone = worker.phone = ""
    admin = make_user("administrator", team_name=None)
    db.session.commit()
    assert seed_letters([admin, lead, worker]) == 1
    db.session.expire_all()
    assert fresh(worker).phone.startswith("01632 960")
    assert fresh(worker).team.email == "social.care.team@council.example"
    plan = fresh(transfer).handover_plan
    assert plan.family_message.startswith("Thank you for talking with us.")
    [letter] = letters.issued_letters(fresh(transfer))
    assert "Thank you for talking with us." in str(letter.content)
    assert letters.family_letter(fresh(transfer)).warnings == []


def test_two_posts_of_one_form_printing_at_once_make_one_letter(app, at_now):
    transfer, lead, worker = accepted_step_up()
    from earlyhelp.pdf import print_html

    printings = [
        letters.prepare_letter(fresh(transfer), submission_key="same-form", actor=worker, now=NOW) for _ in range(2)
    ]
    pdfs = [{kind: print_html(html) for kind, html in printing.html.items()} for printing in printings]
    first = letters.store_letter(fresh(transfer), printings[0], pdfs[0], submission_key="same-form", actor=worker)
    second = letters.store_letter(fresh(transfer), printings[1], pdfs[1], submission_key="same-form", actor=worker)
    assert first.id == second.id
    assert letters_of(transfer) == 1


def test_two_forms_issuing_at_once_make_one_letter_and_the_other_is_told(app, at_now):
    transfer, lead, worker = accepted_step_up()
    from earlyhelp.pdf import print_html

    printings = [
        letters.prepare_letter(fresh(transfer), submission_key=key, actor=worker, now=NOW) for key in ("a", "b")
    ]
    pdfs = [{kind: print_html(html) for kind, html in printing.html.items()} for printing in printings]
    letters.store_letter(fresh(transfer), printings[0], pdfs[0], submission_key="a", actor=worker)
    with pytest.raises(Refused, match="This letter says the same as version 1"):
        letters.store_letter(fresh(transfer), printings[1], pdfs[1], submission_key="b", actor=worker)
    assert letters_of(transfer) == 1
