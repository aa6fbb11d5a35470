"""Each case notes page, the chronology (on the page and printed) and the family page's panel load what they show
in a fixed number of SQL statements: the same with 5 rows of everything as with 50."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import DecisionOutcome, Episode, LevelOfNeed, Service
from earlyhelp.models.case_notes import CaseNoteType
from earlyhelp.services import case_notes as service
from earlyhelp.services import transfers
from earlyhelp.services.referrals import decide_referral
from tests.factories import make_episode, make_household, make_referral, make_transfer, make_user, reference
from tests.factories_family_plans import make_versions
from tests.helpers import statements_of as statements


def a_family_with(client, rows: int):
    """A family of `rows` children, whose lead has written `rows` notes (each about two of the children, every
    other one significant), and (for the chronology) `rows` of each kind of decision."""
    lead = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
    family = make_household(children=rows)
    make_episode(family, lead=lead)
    visit = db.session.scalar(select(CaseNoteType.id).where(CaseNoteType.code == "visit"))
    children = family.children
    for number in range(rows):
        service.add_case_note(
            family,
            service.NoteInput(
                happened_at=clock.now() - timedelta(minutes=rows - number),
                type_id=visit,
                who_was_involved="Mum",
                text=f"Note number {number}",
                significant=number % 2 == 0,
                child_ids=(children[number].id, children[(number + 1) % rows].id),
            ),
            actor=lead,
        )
    client.sign_in(lead)
    return lead, family


def with_decisions(family, lead, rows: int) -> None:
    """`rows` decided referrals, `rows` step-up events, `rows` issued plans and `rows` ended episodes."""
    officer = make_user("front_door", team_name="Front door")
    for _ in range(rows):
        referral = make_referral(family, actor=officer)
        decide_referral(
            referral.id,
            outcome=reference(DecisionOutcome, code="information_and_advice"),
            decided_level=reference(LevelOfNeed, number=2),
            rationale="Advice is enough for now, with school's support.",
            decided_at=clock.now(),
            late_reason="",
            lead=None,
            actor=officer,
        )
    db.session.commit()
    manager = make_user("team_manager", team_name="Early help team")
    episode = db.session.scalar(select(Episode).where(Episode.family_id == family.id, Episode.ended_on.is_(None)))
    transfer = make_transfer(episode, actor=lead)
    for _ in range(rows // 2):  # each round is two events: sent for approval, then returned
        transfers.act(transfer.id, TransferAction.SUBMIT, actor=lead)
        transfers.act(transfer.id, TransferAction.RETURN, actor=manager, reason="Say more about what has changed.")
    make_versions(family, rows, lead=lead)
    service_id = db.session.scalar(select(Service.id).where(Service.code == "social_care"))
    for number in range(rows):
        db.session.add(
            Episode(
                family_id=family.id,
                service_id=service_id,
                started_on=date(2024, 1, 1) + timedelta(days=number),
                ended_on=date(2024, 6, 1) + timedelta(days=number),
                closure_reason="Work complete",
            )
        )
    db.session.commit()


@pytest.mark.parametrize("endpoint", ["case_notes.index", "families.show"])
def test_the_notes_list_and_the_family_page_run_as_many_statements_for_50_notes_as_for_5(client, endpoint):
    counts = {}
    for rows in (5, 50):
        _, family = a_family_with(client, rows)
        counts[rows] = statements(client, endpoint, family_id=family.id)
    assert counts[5] == counts[50], counts


def test_the_latest_notes_fragment_runs_as_many_statements_for_50_notes_as_for_5(client):
    counts = {}
    for rows in (5, 50):
        _, family = a_family_with(client, rows)
        counts[rows] = statements(client, "case_notes.recent", family_id=family.id, headers={"HX-Request": "true"})
    assert counts[5] == counts[50], counts


def test_a_note_and_its_correction_run_as_many_statements_for_50_children_as_for_5(client):
    counts = {}
    for rows in (5, 50):
        lead, family = a_family_with(client, rows)
        note = service.recent(family.id, limit=1)[0]
        service.correct_case_note(
            note,
            service.NoteInput(
                happened_at=note.happened_at,
                type_id=note.type_id,
                who_was_involved="Mum and every child",
                text="The same visit, about everyone.",
                significant=True,
                child_ids=tuple(child.id for child in family.children),
            ),
            reason="It was about every child, not two of them.",
            actor=lead,
        )
        counts[rows] = (
            statements(client, "case_notes.show", note_id=note.id),
            statements(client, "case_notes.correct", note_id=service.correction_of(note).id),
            statements(client, "case_notes.new", family_id=family.id),
        )
    assert counts[5] == counts[50], counts


# The PDF with 20 of everything is already 100 entries over many pages; 50 would only take WeasyPrint longer.
@pytest.mark.parametrize("endpoint, more", [("case_notes.chronology", 50), ("case_notes.chronology_pdf", 20)])
def test_the_chronology_runs_as_many_statements_for_many_of_everything_as_for_5(client, endpoint, more):
    counts = {}
    for rows in (5, more):
        lead, family = a_family_with(client, rows)
        with_decisions(family, lead, rows)
        assert len(service.chronology(family)) >= 5 * rows // 2
        counts[rows] = (
            statements(client, endpoint, family_id=family.id),
            statements(client, endpoint, family_id=family.id, child=family.children[0].id),
        )
    assert counts[5] == counts[more], counts
