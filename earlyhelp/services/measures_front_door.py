"""Front door measures: referral decisions, feedback to referrers, referral quality, re-referrals.

Each is registered with earlyhelp.services.measures (read its docstring for the rows every measure returns).
A referral's team and worker are those of the person who decided it (User.team_id at the time of asking: the
product keeps no history of teams); its service is that team's service.
"""

from sqlalchemy import select

from earlyhelp.models import Referral, Team, User
from earlyhelp.models.referrals import ReferralStatus
from earlyhelp.services.measures import Kind, Measure, limited, london_date, moment_in, register, rows_query


def _decided(scope, filters):
    """Referrals decided in the period (decided_at, the moment the decision was made, not when it was typed)."""
    decided_on = london_date(Referral.decided_at)
    query = (
        select(
            *rows_query(
                family_id=Referral.family_id,
                record_id=Referral.id,
                on=decided_on,
                counted=decided_on <= Referral.decision_due_on,
                detail=Referral.late_reason,
            )
        )
        .join(User, User.id == Referral.decided_by_id)
        .outerjoin(Team, Team.id == User.team_id)
        .where(Referral.status == ReferralStatus.DECIDED, moment_in(Referral.decided_at, filters.period))
    )
    return limited(
        query, scope, filters, family_id=Referral.family_id, team_id=User.team_id, worker_id=Referral.decided_by_id,
        service_id=Team.service_id,
    )


DECISIONS_IN_TIME = register(
    Measure(
        key="decisions_in_time",
        section="Front door",
        title="Referral decisions within one working day",
        definition=(
            "Referrals decided in the period (by the day the decision was made, London time), and how many were"
            " decided on or before their decision date: one working day after the referral was received, with"
            " weekends and bank holidays in England not counted (the date each referral's clock set when it was"
            " recorded). A referral waiting for a manager's sign-off is not yet decided. Team and worker are those"
            " of the person who made the decision."
        ),
        kind=Kind.SHARE,
        rows=_decided,
        counted_words="decided within one working day",
        total_words="referrals decided",
        lower_is_better=False,
    )
)
