"""Demo step-down requests that show consent as asked: a draft where the family said no (their words recorded),
and a step-down a manager returned with a reason, waiting to be changed and sent again.

Made through the same use cases people use (services.transfers). Called by earlyhelp/services/demo.py:
`seed_requests(accounts)`, right after `_transfer_history(accounts)` (it takes the demo social worker's next
open social care families, those with no request open). All names are fictional.
"""

import uuid
from datetime import timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.outcomes import ProposedOutcome
from earlyhelp.domain.transfers import Direction, TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import Episode, LevelOfNeed, Service, Transfer, User
from earlyhelp.services import transfers
from earlyhelp.services.transfers.common import OPEN_STATES

FAMILY_SAID_NO = (
    "Mum said: “We don't want another worker coming to the house. We've had enough people in our business.” "
    "She said she would think again after the school holidays."
)
RETURN_REASON = (
    "The outcomes need a date the school agrees with, and say what the family has been told about the "
    "handover meeting. Then send it again."
)


def _free_episodes(social_worker: User) -> list[Episode]:
    """The social worker's open social care episodes with no request open, oldest first."""
    busy = select(Transfer.from_episode_id).where(Transfer.state.in_(OPEN_STATES))
    return db.session.scalars(
        select(Episode)
        .join(Service)
        .where(
            Service.code == "social_care",
            Episode.ended_on.is_(None),
            Episode.lead_id == social_worker.id,
            Episode.id.not_in(busy),
        )
        .order_by(Episode.id)
    ).all()


def _step_down(episode: Episode, *, actor: User, receiving_team_id: int, level_id: int, agreement: str, words: str):
    now, today = clock.now(), clock.today()
    children = episode.family.children
    first = children[0] if children else None
    return transfers.start(
        episode,
        direction=Direction.STEP_DOWN,
        submission_key=uuid.uuid4().hex,
        fields={
            "worries": "Mum's low mood means mornings are chaotic and the children are often late for school.",
            "why_now": "The child in need plan has ended: home is calmer and Mum is seeing her GP.",
            "level_id": level_id,
            "receiving_team_id": receiving_team_id,
            "told_family": "yes",
            "told_on": today - timedelta(days=2),
            "told_by": actor.name,
            "family_agreement": agreement,
            "family_words": words,
            "not_to_share": "",
            "threshold_reviewed": True,
            "threshold_reviewed_note": "Reviewed with the team manager against level 2 descriptors.",
            "clear_outcomes": True,
            "clear_outcomes_note": "",
            "outstanding_tasks_listed": True,
            "outstanding_tasks_listed_note": "",
        },
        children=[
            transfers.ChildChoice(c.id, True, child_words="I want mornings to be less shouty.") for c in children
        ],
        outstanding=[],
        outcomes=[
            ProposedOutcome(
                first.id if first else None,
                f"{first.first_name if first else 'The children'} gets to school on time at least 9 days in 10",
                today + timedelta(weeks=10),
            ),
            ProposedOutcome(
                None,
                "Mum has a morning routine she says works, written into the family plan",
                today + timedelta(weeks=6),
            ),
        ],
        actor=actor,
        now=now - timedelta(days=2),
    )


def seed_requests(accounts: list[User]) -> list[Transfer]:
    """Two step-downs from the demo social worker: a draft the family said no to, and one returned by the
    social care manager with a reason. Returns them (fewer if the social worker has too few free families)."""
    people = {a.email.split("@")[0]: a for a in accounts}
    social_worker, manager, practitioner = (
        people["social.worker"],
        people["social.care.manager"],
        people["practitioner"],
    )
    level = db.session.scalar(select(LevelOfNeed).where(LevelOfNeed.number == 2))
    made = []
    episodes = _free_episodes(social_worker)
    if episodes:
        made.append(
            _step_down(
                episodes[0],
                actor=social_worker,
                receiving_team_id=practitioner.team_id,
                level_id=level.id,
                agreement="no",
                words=FAMILY_SAID_NO,
            )
        )
    if len(episodes) > 1:
        transfer = _step_down(
            episodes[1],
            actor=social_worker,
            receiving_team_id=practitioner.team_id,
            level_id=level.id,
            agreement="yes",
            words="Dad said: “Yes, if it's someone who can help with the school runs.”",
        )
        transfers.act(transfer.id, TransferAction.SUBMIT, actor=social_worker, now=clock.now() - timedelta(days=1))
        transfers.act(
            transfer.id,
            TransferAction.RETURN,
            actor=manager,
            reason=RETURN_REASON,
            now=clock.now() - timedelta(hours=20),
        )
        made.append(transfer)
    return made
