"""Demo decisions: who decides a request, and who is told (issue 12, parts 4 and 5). All names are fictional.

Made through the use cases people use, from the demo practitioner's own early help families (those with no
request open), so that the demo shows:

- a step-up awaiting approval that the early help team's only manager passed to a manager of another team,
  with the reason (that manager has it on their "Awaiting my approval" list and a notice);
- a step-up the family does not agree to, authorised by the manager with their reasoning, approved and sent:
  the social care manager has it in "Requests to decide";
- a step-up approved by the other team's manager and accepted by the social care manager, naming the social
  worker as lead: the early help manager's "waiting for your approval" notice and the social care manager's
  "waiting for your team's decision" are done, saying who did it; the practitioner is told of the approval
  and the acceptance, the social worker that they are now the lead.

Called by earlyhelp/services/demo.py: `seed_decisions(accounts)`, after `_transfer_history(accounts)`.
Needs no contact details (phones, emails) and nothing of the letters or family plans.
"""

import uuid
from datetime import timedelta

from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import Direction, TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import Episode, LevelOfNeed, Service, Transfer, User
from earlyhelp.services import transfers
from earlyhelp.services.transfers.decisions import pass_approval
from earlyhelp.services.transfers.requests import check_start

PASSED_REASON = "I am the only manager in the north team this fortnight and I wrote the safety plan with Robin."
OVERRIDE_REASONING = (
    "Mum told us dad checks her phone and post. Telling him before social care has seen the children would put "
    "mum and the children at risk tonight; the police domestic abuse officer agrees."
)


def _free_episodes(lead: User, count: int) -> list[Episode]:
    """The lead's open early help episodes from which a new request can start."""
    episodes = db.session.scalars(
        select(Episode)
        .join(Service)
        .where(Service.code == "early_help", Episode.ended_on.is_(None), Episode.lead_id == lead.id)
        .order_by(Episode.id.desc())
    ).all()
    free = []
    for episode in episodes:
        try:
            check_start(episode, Direction.STEP_UP)
        except Refused:  # a request is already open from it
            continue
        free.append(episode)
        if len(free) == count:
            break
    return free


def _step_up(episode: Episode, requester: User, receiving_team_id: int, *, agrees: bool, now) -> Transfer:
    level = db.session.scalar(select(LevelOfNeed).where(LevelOfNeed.number == 4))
    fields = {
        "worries": "Mum has bruising she says is from a fall; the children say dad shouts and throws things.",
        "what_has_changed": "A police domestic abuse notification on Saturday night, the second this month.",
        "level_id": level.id,
        "receiving_team_id": receiving_team_id,
        "told_family": "yes",
        "told_on": clock.local_date(now),
        "told_by": requester.name,
        "family_agreement": "yes" if agrees else "no",
        "family_words": "" if agrees else "Mum: \u201cIf he finds out I talked to you, it will be worse.\u201d",
        "override_reason": "" if agrees else "Telling dad would put mum and the children at risk.",
        "immediate_danger": False,
        "not_to_share": "" if agrees else "Mum's new mobile number and the refuge's name.",
    }
    return transfers.start(
        episode,
        direction=Direction.STEP_UP,
        submission_key=uuid.uuid4().hex,
        fields=fields,
        children=[
            transfers.ChildChoice(c.id, True, child_words="I hide under the bed when it gets loud.")
            for c in episode.family.children
        ],
        outstanding=[],
        actor=requester,
        now=now,
    )


def seed_decisions(accounts: list[User]) -> list[Transfer]:
    """The three step-ups above; returns them (fewer if the practitioner has too few free families)."""
    people = {a.email.split("@")[0]: a for a in accounts}
    practitioner, manager = people["practitioner"], people["team.manager"]
    social_worker, social_care_manager = people["social.worker"], people["social.care.manager"]
    # A manager of another team: the south team's if the demo has one, otherwise the front door's.
    elsewhere = people.get("team.manager.south") or people["front.door.manager"]
    now = clock.now()
    made = []
    episodes = _free_episodes(practitioner, 3)
    plans = ["passed", "authorised", "accepted"][: len(episodes)]
    for episode, plan in zip(episodes, plans, strict=True):
        transfer = _step_up(
            episode,
            practitioner,
            social_worker.team_id,
            agrees=plan != "authorised",
            now=now - timedelta(days=2),
        )
        transfers.act(transfer.id, TransferAction.SUBMIT, actor=practitioner, now=now - timedelta(days=2))
        approver = manager
        if plan in ("passed", "accepted"):
            try:
                pass_approval(transfer, actor=manager, to=elsewhere, reason=PASSED_REASON, now=now - timedelta(days=1))
                approver = elsewhere
            except Refused:  # the team has another manager after all: they approve
                pass
        if plan == "authorised":
            transfers.authorise_override(
                transfer, actor=manager, reason=OVERRIDE_REASONING, now=now - timedelta(days=1)
            )
            transfers.act(transfer.id, TransferAction.APPROVE, actor=manager, now=now - timedelta(days=1))
        if plan == "accepted":
            transfers.act(transfer.id, TransferAction.APPROVE, actor=approver, now=now - timedelta(hours=20))
            transfers.act(
                transfer.id,
                TransferAction.ACCEPT,
                actor=social_care_manager,
                lead=social_worker,
                reason="We will visit the children at school tomorrow.",
                now=now - timedelta(hours=3),
            )
        made.append(transfer)
    return made
