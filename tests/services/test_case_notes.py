"""Case notes and the family's chronology, through their use cases, against the real database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.clock import LONDON
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, DecisionOutcome, Episode, LevelOfNeed, TimelineEntry
from earlyhelp.models.case_notes import CaseNote, CaseNoteType
from earlyhelp.services import case_notes as service
from earlyhelp.services import transfers
from earlyhelp.services.referrals import ChildInput, decide_referral, record_referral
from tests.factories import make_episode, make_household, make_referral, make_transfer, make_user, reference
from tests.factories_family_plans import issue_as_stored

# Tuesday 1 December 2026, 14:00 in London: the moment every test here is written down at.
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=LONDON)


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def lead(app):
    return make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")


@pytest.fixture
def family(app, lead):
    family = make_household(children=2)
    make_episode(family, lead=lead)
    return family


def note_type(code: str) -> CaseNoteType:
    return reference(CaseNoteType, code=code)


def a_note(family, **overrides) -> service.NoteInput:
    values = {
        "happened_at": london(2026, 12, 1, 9, 30),
        "type_id": note_type("visit").id,
        "who_was_involved": "Mum and both children",
        "text": "Home visit. The children were at home with Mum, calm and fed.",
        "significant": False,
        "whole_family": True,
    } | overrides
    return service.NoteInput(**values)


def add(family, actor, **overrides) -> CaseNote:
    return service.add_case_note(family, a_note(family, **overrides), actor=actor)


def refusal_of(family, actor, **overrides) -> Refused:
    with pytest.raises(Refused) as refused:
        add(family, actor, **overrides)
    return refused.value


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_types_of_note_are_data_seeded_by_the_migration(app):
    assert [t.name for t in service.note_types()] == ["Visit", "Phone call", "Meeting", "New information", "Other"]


def test_a_note_keeps_when_it_happened_and_when_it_was_written_and_goes_on_the_timeline(frozen, family, lead):
    first, second = family.children
    note = add(family, lead, whole_family=False, child_ids=(second.id,), significant=True)
    assert note.happened_at == london(2026, 12, 1, 9, 30)
    assert note.recorded_at == NOW.astimezone(UTC)
    assert not note.recorded_late and note.late_recording_reason == ""
    assert note.about == second.full_name and note.author_id == lead.id
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.record_type == "case_note"))
    assert entry.record_id == note.id and entry.at == note.happened_at and entry.actor_id == lead.id
    assert entry.summary == f"Case note: Visit (significant), about {second.first_name}"
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.record_type == "case_note", AuditEvent.action == "create")
    ).record_id == str(note.id)


def test_a_note_about_the_whole_family_says_so(frozen, family, lead):
    note = add(family, lead)
    assert note.about_whole_family and note.children == [] and note.about == "The whole family"


def test_a_note_cannot_have_happened_in_the_future(frozen, family, lead):
    refused = refusal_of(family, lead, happened_at=london(2026, 12, 1, 14, 30))
    assert refused.field == "happened_on"
    assert refused.message == "When it happened (Tue 1 Dec 2026 at 14:30) cannot be in the future"
    assert count(CaseNote) == 0
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "add_case_note", AuditEvent.outcome == "refused")
        ).family_id
        == family.id
    )


def test_a_note_written_down_late_asks_why_and_a_non_answer_is_not_a_reason(frozen, family, lead):
    happened = london(2026, 9, 1, 10, 0)
    missing = refusal_of(family, lead, happened_at=happened)
    assert missing.field == "late_recording_reason"
    assert missing.message == "Explain why this case note is being recorded 3 months after it happened"
    non_answer = refusal_of(family, lead, happened_at=happened, late_recording_reason="n/a")
    assert non_answer.field == "late_recording_reason" and "at least 10 characters" in non_answer.message
    assert count(CaseNote) == 0

    note = add(family, lead, happened_at=happened, late_recording_reason="Found in my notebook after leave.")
    assert note.recorded_late and note.late_recording_reason == "Found in my notebook after leave."
    assert service.recorded_note(note.happened_at, note.recorded_at) == "recorded on Tue 1 Dec 2026 (3 months after)"
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.record_id == note.id))
    assert entry.recorded_late and entry.late_recording_reason == "Found in my notebook after leave."


def test_a_note_written_the_next_working_day_needs_no_reason(frozen, family, lead):
    note = add(family, lead, happened_at=london(2026, 11, 30, 16, 0))  # Monday, written Tuesday
    assert not note.recorded_late


@pytest.mark.parametrize(
    "about, message",
    [
        ({"whole_family": False, "child_ids": ()}, "Select which children the note is about, or the whole family"),
        (
            {"whole_family": True, "child_ids": "first"},
            "Select the whole family, or the children the note is about, not both",
        ),
        ({"whole_family": False, "child_ids": "other"}, "Select children from this household"),
    ],
)
def test_a_note_is_about_some_of_the_households_children_or_the_whole_family(frozen, family, lead, about, message):
    other = make_household(children=1)
    ids = {"first": (family.children[0].id,), "other": (other.children[0].id,)}
    about = about | {"child_ids": ids.get(about["child_ids"], about["child_ids"])}
    refused = refusal_of(family, lead, **about)
    assert (refused.field, refused.message) == ("about", message)


@pytest.mark.parametrize(
    "field, overrides, message",
    [
        ("type", {"type_id": None}, "Select the type of note"),
        (
            "who_was_involved",
            {"who_was_involved": "  "},
            "Enter who was involved, for example Mum, Leo and the school nurse",
        ),
        ("text", {"text": " "}, "Enter what happened"),
    ],
)
def test_every_part_of_a_note_is_asked_for(frozen, family, lead, field, overrides, message):
    refused = refusal_of(family, lead, **overrides)
    assert (refused.field, refused.message) == (field, message)


def test_a_type_no_longer_in_use_is_refused(frozen, family, lead):
    other = note_type("other")
    other.active = False
    db.session.commit()
    assert refusal_of(family, lead, type_id=other.id).field == "type"
    assert "Other" not in [t.name for t in service.note_types()]


def test_someone_who_does_not_work_with_the_family_cannot_add_a_note(frozen, family):
    outsider = make_user("practitioner", team_name="Social care team")
    refused = refusal_of(family, outsider)
    assert refused.field is None and "you do not work with the family" in refused.message
    assert count(CaseNote) == 0


def test_a_correction_is_a_later_note_linked_to_the_one_it_corrects_which_is_kept(frozen, family, lead):
    first = family.children[0]
    original = add(family, lead, significant=True, text="Mum said Dad moved out on Friday.")
    frozen.move_to(NOW + timedelta(hours=2), tick=False)
    colleague = make_user("practitioner", team_name="Early help team", name="Kit Colleague")
    with pytest.raises(Refused) as refused:
        service.correct_case_note(original, a_note(family), reason="n/a", actor=colleague)
    assert refused.value.field == "reason"
    correction = service.correct_case_note(
        original,
        a_note(family, text="Mum said Dad moved out on Saturday.", whole_family=False, child_ids=(first.id,)),
        reason="Mum rang to say it was Saturday, not Friday.",
        actor=colleague,
    )
    db.session.expire_all()
    kept = db.session.get(CaseNote, original.id)
    assert kept.text == "Mum said Dad moved out on Friday." and kept.significant and kept.author_id == lead.id
    assert correction.corrects_id == original.id and correction.correction_reason.startswith("Mum rang")
    assert service.correction_of(kept).id == correction.id
    assert correction.about == first.full_name and not correction.recorded_late
    entry = db.session.scalar(select(TimelineEntry).where(TimelineEntry.record_id == correction.id))
    assert entry.summary == f"Case note of Tue 1 Dec 2026 corrected: Visit, about {first.first_name}"
    assert entry.at == (NOW + timedelta(hours=2)).astimezone(UTC)

    with pytest.raises(Refused) as again:
        service.correct_case_note(kept, a_note(family), reason="A second go at the same note.", actor=lead)
    assert again.value.message.startswith("This note was corrected by Kit Colleague on 1 December 2026 at 16:00")
    assert count(CaseNote) == 2


def test_a_correction_still_cannot_be_in_the_future_and_needs_no_late_reason(frozen, family, lead):
    original = add(family, lead, happened_at=london(2026, 9, 1, 10), late_recording_reason="Written up after leave.")
    with pytest.raises(Refused) as refused:
        service.correct_case_note(
            original, a_note(family, happened_at=london(2026, 12, 2, 10)), reason="The date was wrong.", actor=lead
        )
    assert refused.value.field == "happened_on"
    correction = service.correct_case_note(
        original, a_note(family, happened_at=london(2026, 9, 2, 10)), reason="It was the 2nd, not the 1st.", actor=lead
    )
    assert correction.recorded_late and correction.late_recording_reason == ""


def test_the_list_is_newest_first_and_filters_by_child_type_and_significance(frozen, family, lead):
    first, second = family.children
    whole = add(family, lead, happened_at=london(2026, 11, 30, 9))
    about_first = add(
        family, lead, happened_at=london(2026, 11, 30, 10), whole_family=False, child_ids=(first.id,), significant=True
    )
    call = add(
        family,
        lead,
        happened_at=london(2026, 11, 30, 11),
        whole_family=False,
        child_ids=(second.id,),
        type_id=note_type("phone_call").id,
    )

    def ids(**filters):
        return [note.id for note in service.notes_page(family.id, page=1, **filters).items]

    assert ids() == [call.id, about_first.id, whole.id]
    assert ids(child_id=first.id) == [about_first.id, whole.id]
    assert ids(child_id=second.id) == [call.id, whole.id]
    assert ids(type_id=note_type("phone_call").id) == [call.id]
    assert ids(significant_only=True) == [about_first.id]
    assert [note.id for note in service.recent(family.id, limit=2)] == [call.id, about_first.id]


def a_history(frozen, family, lead):
    """A family's year: a referral decided (only the first child in it), early help opened, a significant note
    about the second child and one about everyone, a step-up requested, approved and accepted, a plan issued."""
    first, second = family.children
    officer = make_user("front_door", team_name="Front door", name="Frankie Doorstep")
    manager = make_user("team_manager", team_name="Early help team", name="Morgan Overseer")
    social_worker = make_user("social_worker", team_name="Social care team", name="Sam Casework")

    frozen.move_to(datetime(2026, 9, 1, 9, 0, tzinfo=LONDON), tick=False)
    referral = record_referral(
        family,
        fields=_referral_fields(),
        children=[
            ChildInput(first.id, True, "Tired and hungry in class", ""),
            ChildInput(second.id, False, "", "She is at nursery and is doing well there."),
        ],
        actor=officer,
    )
    frozen.move_to(datetime(2026, 9, 1, 11, 30, tzinfo=LONDON), tick=False)
    decide_referral(
        referral.id,
        outcome=reference(DecisionOutcome, code="information_and_advice"),
        decided_level=reference(LevelOfNeed, number=2),
        rationale="Advice to Mum about breakfast club is enough for now.",
        decided_at=london(2026, 9, 1, 11, 0),
        late_reason="",
        lead=None,
        actor=officer,
    )
    db.session.commit()
    frozen.move_to(datetime(2026, 10, 5, 15, 0, tzinfo=LONDON), tick=False)
    about_second = add(
        family,
        lead,
        happened_at=london(2026, 10, 5, 13, 0),
        whole_family=False,
        child_ids=(second.id,),
        significant=True,
        type_id=note_type("new_information").id,
        text="Nursery say she has a bruise on her arm.",
    )
    add(family, lead, happened_at=london(2026, 10, 5, 14, 0), text="Not significant: a routine call.")
    frozen.move_to(datetime(2026, 10, 6, 10, 0, tzinfo=LONDON), tick=False)
    police = add(family, lead, happened_at=london(2026, 10, 6, 8, 0), significant=True, text="Police call-out.")
    episode = db.session.scalar(select(Episode).where(Episode.family_id == family.id))
    transfer = make_transfer(episode, actor=lead)
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=lead)
    frozen.move_to(datetime(2026, 10, 6, 12, 0, tzinfo=LONDON), tick=False)
    transfers.act(transfer.id, TransferAction.APPROVE, actor=manager)
    frozen.move_to(datetime(2026, 10, 7, 9, 0, tzinfo=LONDON), tick=False)
    transfers.act(
        transfer.id,
        TransferAction.ACCEPT,
        actor=make_user("team_manager", team_name="Social care team", name="Jo Decider"),
        lead=social_worker,
        reason="Risk has risen: s47 needed.",
    )
    frozen.move_to(datetime(2026, 11, 2, 10, 0, tzinfo=LONDON), tick=False)
    from earlyhelp.services import family_plans

    plan = family_plans.start_draft(family, actor=lead, today=clock.today())
    issue_as_stored(plan, by=lead)
    frozen.move_to(NOW, tick=False)
    return {"referral": referral, "about_second": about_second, "police": police, "transfer": transfer}


def _referral_fields() -> dict:
    from earlyhelp.models import Agency

    return {
        "received_at": london(2026, 9, 1, 9, 0),
        "agency_id": reference(Agency, name="School").id,
        "referrer_name": "Pat Teacher",
        "referrer_role": "Designated safeguarding lead",
        "referrer_phone": "01632 960000",
        "referrer_email": "",
        "level_id": reference(LevelOfNeed, number=2).id,
        "worries": "Attendance has dropped to 60% and he arrives hungry.",
        "what_has_been_tried": "Two meetings with Mum.",
        "if_nothing_changes": "He will fall further behind.",
        "immediate_danger": False,
        "family_knows": "yes",
        "family_agrees": "yes",
        "family_agreement_note": "",
    }


def test_the_chronology_is_the_significant_events_oldest_first(frozen, family, lead):
    a_history(frozen, family, lead)
    entries = service.chronology(family)
    assert [(entry.kind, entry.summary) for entry in entries] == [
        ("Involvement", "Early help involvement began"),  # the factory's episode, from 1 September 2025
        ("Referral decision", "Referral from School (received Tue 1 Sep 2026): Information and advice"),
        ("Case note", "New information"),
        ("Case note", "Visit"),
        ("Step-up", "Step-up to Social care team requested"),
        ("Step-up", "Step-up to Social care team approved by a manager and sent"),
        ("Step-up", "Step-up to Social care team accepted, lead Sam Casework"),
        ("Involvement", "Children's social care involvement began"),
        ("Family plan", "Family plan version 1 issued"),
    ]
    decision = entries[1]
    assert decision.detail == "Advice to Mum about breakfast club is enough for now."
    assert decision.by == "Decided by Frankie Doorstep" and decision.about == family.children[0].full_name
    assert entries[6].detail == "Risk has risen: s47 needed." and entries[6].by == "Accepted by Jo Decider"
    assert entries[2].about == family.children[1].full_name and entries[3].about == "The whole family"
    assert entries[0].day_only and not entries[1].day_only


def test_the_chronology_for_one_child_has_what_is_about_them_and_the_whole_family(frozen, family, lead):
    a_history(frozen, family, lead)
    first, second = family.children
    for_first = [entry.summary for entry in service.chronology(family, child_id=first.id)]
    for_second = [entry.summary for entry in service.chronology(family, child_id=second.id)]
    assert "New information" not in for_first and "Visit" in for_first
    assert any(summary.startswith("Referral from School") for summary in for_first)
    assert "New information" in for_second and "Visit" in for_second
    assert not any(summary.startswith("Referral from School") for summary in for_second)
    assert "Family plan version 1 issued" in for_second
    # A child of another family is no filter at all.
    other = make_household(children=1).children[0]
    assert len(service.chronology(family, child_id=other.id)) == len(service.chronology(family))


def test_the_chronology_shows_the_latest_version_of_a_corrected_note(frozen, family, lead):
    original = add(family, lead, significant=True, text="Dad moved out on Friday.")
    service.correct_case_note(
        original,
        a_note(family, significant=True, text="Dad moved out on Saturday."),
        reason="It was Saturday.",
        actor=lead,
    )
    notes = [entry for entry in service.chronology(family) if entry.kind == "Case note"]
    assert [entry.detail for entry in notes] == ["Dad moved out on Saturday."]
    assert notes[0].correction == "Corrects the note written on Tue 1 Dec 2026: It was Saturday."


def test_a_late_note_says_so_in_the_chronology(frozen, family, lead):
    add(
        family, lead, happened_at=london(2026, 9, 1, 10), significant=True, late_recording_reason="Written after leave."
    )
    (entry,) = [entry for entry in service.chronology(family) if entry.kind == "Case note"]
    assert entry.recorded == "recorded on Tue 1 Dec 2026 (3 months after)"
    assert entry.late_reason == "Written after leave."


def test_the_referral_factory_is_every_child_included(frozen, family, lead):
    """A referral made by the shared factory is about every child: it shows for each."""
    officer = make_user("front_door", team_name="Front door")
    referral = make_referral(family, actor=officer, received_at=london(2026, 12, 1, 9))
    decide_referral(
        referral.id,
        outcome=reference(DecisionOutcome, code="information_and_advice"),
        decided_level=reference(LevelOfNeed, number=2),
        rationale="Advice is enough for now, with school's support.",
        decided_at=london(2026, 12, 1, 10),
        late_reason="",
        lead=None,
        actor=officer,
    )
    for child in family.children:
        kinds = [entry.kind for entry in service.chronology(family, child_id=child.id)]
        assert "Referral decision" in kinds


def test_the_demo_notes_are_written_through_the_use_case_one_late_with_its_reason(app, frozen):
    from earlyhelp.services.demo_case_notes import seed_case_notes

    practitioner = make_user("practitioner", team_name="Early help team", email="practitioner@northshire.example")
    families = [make_household(children=2) for _ in range(4)]
    for family in families:
        make_episode(family, lead=practitioner)
    assert seed_case_notes([practitioner]) == 5 + 3 + 3
    written = db.session.scalars(select(CaseNote).order_by(CaseNote.id)).all()
    assert {note.family_id for note in written} == {family.id for family in families[:3]}
    late = [note for note in written if note.recorded_late]
    assert [note.type.name for note in late] == ["New information"]
    assert late[0].late_recording_reason.startswith("I was on annual leave")
    assert late[0].about == families[0].children[-1].full_name  # the youngest
    assert any(note.significant for note in written) and not all(note.significant for note in written)
    assert {note.type.code for note in written} == {"visit", "phone_call", "meeting", "new_information"}
    assert "Police were called" in written[0].text
    entries = db.session.scalars(select(TimelineEntry).where(TimelineEntry.record_type == "case_note")).all()
    assert len(entries) == 11 and sum(entry.recorded_late for entry in entries) == 1
    assert all(entry.recorded_at < NOW.astimezone(UTC) for entry in entries)
