"""Demo letters: contact details for every demo team and worker (fictional: Ofcom's drama range 01632 960xxx and
@council.example), what we will tell the family on the handover plans still open, and a "what happens next"
letter issued for each decided request, made through the same use cases people use.

Called by earlyhelp/services/demo.py: `seed_letters(accounts)`, after `_transfer_history(accounts)`.
"""

import re
import uuid

from sqlalchemy import select

from earlyhelp import policy
from earlyhelp.domain.refusals import Refused
from earlyhelp.domain.transfers import DECIDED_STATES, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import Team, Transfer, User
from earlyhelp.services import contact_details
from earlyhelp.services.transfers import letters
from earlyhelp.services.transfers.handover import save_handover_plan

TEAM_NUMBERS = 100  # teams: 01632 960100, 960101, ...
USER_NUMBERS = range(200, 1000)  # people: 01632 960200 to 960999; anyone past that has none (the letter warns)

FAMILY_MESSAGE = {
    True: (
        "Thank you for talking with us. We know this is a worrying time. A social worker will come to see you "
        "and the children soon, and we will stay in touch until then."
    ),
    False: (
        "Thank you for agreeing to carry on with early help. We will meet to write a new family plan together, "
        "with the help you asked for."
    ),
}


def _phone(number: int) -> str:
    return f"01632 960{number:03d}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".")


def seed_letters(accounts: list[User]) -> int:
    """Contact details, family messages and issued letters. Returns how many letters were issued."""
    admin = next(a for a in accounts if policy.is_administrator(a))
    for offset, team in enumerate(db.session.scalars(select(Team).order_by(Team.id)).all()):
        contact_details.update_team_contact(
            team, phone=_phone(TEAM_NUMBERS + offset), email=f"{_slug(team.name)}@council.example", actor=admin
        )
    users = db.session.scalars(select(User).where(User.phone == "").order_by(User.id)).all()
    for user, number in zip(users, USER_NUMBERS, strict=False):
        contact_details.update_user(
            user, role=user.role, team=user.team, active=user.active, phone=_phone(number), actor=admin
        )
    issued = 0
    decided = db.session.scalars(
        select(Transfer).where(Transfer.state.in_(list(DECIDED_STATES))).order_by(Transfer.id)
    ).all()
    for transfer in decided:
        plan = transfer.handover_plan
        if transfer.state == TransferState.ACCEPTED and not plan.family_message:
            save_handover_plan(
                transfer,
                expected_version=plan.version,
                changes={"family_message": FAMILY_MESSAGE[transfer.is_step_up]},
                actor=transfer.receiving_lead,
            )
        issuer = transfer.from_episode.lead if transfer.state == TransferState.DECLINED else transfer.receiving_lead
        if issuer is None:
            continue
        try:
            letters.issue_letter(db.session.get(Transfer, transfer.id), submission_key=uuid.uuid4().hex, actor=issuer)
        except Refused:
            continue  # a letter the demo cannot issue (its rules say why) is left for a person to try
        issued += 1
    return issued
