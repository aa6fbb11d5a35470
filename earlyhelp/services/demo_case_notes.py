"""Demo case notes: fictional notes on several of the demo practitioner's families, written through the use
case, so that each family's notes and chronology read like a real one: a police call-out, a home visit, a
phone call with school, new information from health, some significant, some about one child, and one
written down late with its reason.

Called by earlyhelp/services/demo.py: `seed_case_notes(accounts)`, after the family plans.
"""

from datetime import time, timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import Episode, User
from earlyhelp.models.case_notes import CaseNoteType
from earlyhelp.services.case_notes import NoteInput, add_case_note

# (days ago, hour, type code, who was involved, text, significant, about: "family", "eldest" or "youngest",
#  hours after it happened it was written down, the reason if that is late)
NOTES = [
    (
        41,
        23,
        "new_information",
        "PC Amir Okafor (Northshire Police), Mum",
        "Police were called by a neighbour at 22:40 after shouting was heard from the flat. Officers found Mum"
        ' upset and Dad had left before they arrived. {eldest} was awake and told the officer: "I stayed in my'
        ' room with my headphones on." No injuries seen. Police shared a domestic abuse notification the next'
        " morning.",
        True,
        "family",
        1,
        "",
    ),
    (
        39,
        10,
        "visit",
        "Mum, {eldest}, {youngest}",
        "Home visit after the police call-out. Mum said Dad has not been back and she does not want him to"
        " return for now. The home was tidy and there was food in the fridge. {eldest} showed me his drawings"
        " and said he feels safer when it is quiet. Agreed that Mum will call the domestic abuse helpline and"
        " that I will visit again next week.",
        True,
        "family",
        2,
        "",
    ),
    (
        33,
        14,
        "phone_call",
        "Mrs Patel, designated safeguarding lead, {eldest}'s school",
        "Phone call with school. {eldest}'s attendance this half term is 86%, up from 71%. He has been"
        " falling asleep in the afternoons on Mondays. School will offer him a place at breakfast club and"
        " let me know straight away if he is absent without a reason.",
        False,
        "eldest",
        1,
        "",
    ),
    (
        26,
        11,
        "new_information",
        "Jo Hart, health visitor",
        "The health visitor told me that {youngest} missed the two-year review twice. She has rebooked it"
        " for a home appointment and will check {youngest}'s speech and weight.",
        True,
        "youngest",
        9 * 24,
        "I was on annual leave when the health visitor left the message, and wrote it up on my return.",
    ),
    (
        12,
        15,
        "meeting",
        "Mum, Mrs Patel (school), Jo Hart (health visitor), Robin Practitioner",
        "Team around the family meeting at school. Everyone agreed things are calmer at home since the"
        " police call-out. Mum has started the Freedom Programme on Thursdays. Next meeting in six weeks.",
        False,
        "family",
        3,
        "",
    ),
]


def _children(family):
    children = sorted(family.children, key=lambda child: child.date_of_birth or clock.today())
    return children[0], children[-1]


def seed_case_notes(accounts: list[User], *, families: int = 3) -> int:
    """Case notes on up to `families` of the demo practitioner's open families. Returns how many were written.

    Each note is written through services.case_notes.add_case_note at the moment it was written down in the
    story (`now`), so it and its timeline entry are late only where the story says so."""
    practitioner = next(account for account in accounts if account.email.startswith("practitioner@"))
    types = {note_type.code: note_type.id for note_type in db.session.scalars(select(CaseNoteType))}
    episodes = db.session.scalars(
        select(Episode).where(Episode.lead_id == practitioner.id, Episode.ended_on.is_(None)).order_by(Episode.id)
    ).all()
    now = clock.now()
    written = 0
    for number, episode in enumerate(episodes[:families]):
        family = episode.family
        if not family.children:
            continue
        eldest, youngest = _children(family)
        names = {"eldest": eldest.first_name, "youngest": youngest.first_name}
        # The first family has every note; the others a few, so that the lists differ.
        for days_ago, hour, code, who, text, significant, about, delay, reason in NOTES[: 5 if number == 0 else 3]:
            happened = clock.at_london(clock.today() - timedelta(days=days_ago), _hour(hour))
            if happened > now:
                continue
            written_at = min(happened + timedelta(hours=delay), now)
            child = {"eldest": eldest, "youngest": youngest}.get(about)
            add_case_note(
                family,
                NoteInput(
                    happened_at=happened,
                    type_id=types[code],
                    who_was_involved=who.format(**names),
                    text=text.format(**names),
                    significant=significant,
                    child_ids=(child.id,) if child else (),
                    whole_family=child is None,
                    late_recording_reason=reason,
                ),
                actor=practitioner,
                now=written_at,
            )
            written += 1
    db.session.commit()
    return written


def _hour(hour: int) -> time:
    return time(hour, 5 if hour % 2 else 20)
