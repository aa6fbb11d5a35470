"""Step-up and step-down requests, the children they include, their history, and their handover plans."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from earlyhelp import clock
from earlyhelp.domain.transfers import Direction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models.base import StatusType, UTCDateTime
from earlyhelp.models.episodes import Episode
from earlyhelp.models.families import Family, Person
from earlyhelp.models.people import Service, Team, User
from earlyhelp.models.reference import LevelOfNeed

# The states in which a request is open (services.transfers.common.OPEN_STATES), as SQL for the partial index.
OPEN_STATES_SQL = "state IN ('draft', 'awaiting_approval', 'sent', 'accepted')"


class Transfer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    direction: Mapped[str] = mapped_column(String(20))
    state: Mapped[TransferState] = mapped_column(StatusType(TransferState), default=TransferState.DRAFT)
    from_episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"))
    to_service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    sending_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    receiving_team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # A form's one-time key: submitting the same request twice creates one transfer.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Why
    what_has_changed: Mapped[str] = mapped_column(Text, default="")  # step-up: the new information
    why_now: Mapped[str] = mapped_column(Text, default="")  # step-down
    worries: Mapped[str] = mapped_column(Text)
    level_id: Mapped[int] = mapped_column(ForeignKey("level_of_need.id"))
    immediate_danger: Mapped[bool] = mapped_column(default=False)
    # The family's agreement to the move (not the lawful basis for sharing information), as asked, never inferred.
    # Told: yes, no or not_yet; when and by whom. Agrees: yes, no or partly (not_asked until they are told),
    # with their own words.
    told_family: Mapped[str] = mapped_column(String(10), default="not_yet", server_default="not_yet")
    told_on: Mapped[date | None] = mapped_column(Date)
    told_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    family_agreement: Mapped[str] = mapped_column(String(10), default="not_asked", server_default="not_asked")
    family_words: Mapped[str] = mapped_column(Text, default="", server_default="")
    override_reason: Mapped[str] = mapped_column(Text, default="")
    override_authorised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    override_authorised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The authorising manager's own reasoning, printed wherever the override is.
    override_authorisation_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    not_to_share: Mapped[str] = mapped_column(Text, default="")
    # Step-down suitability checklist: each answered yes or no (None: not yet answered), each with a note.
    threshold_reviewed: Mapped[bool | None] = mapped_column(default=None)
    threshold_reviewed_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    clear_outcomes: Mapped[bool | None] = mapped_column(default=None)
    clear_outcomes_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    outstanding_tasks_listed: Mapped[bool | None] = mapped_column(default=None)
    outstanding_tasks_listed_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Approval passed to a named manager of another team (a sending team with no other manager).
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approval_passed_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Who decides for the receiving side: receiving_team (its managers) or front_door (the daily meeting).
    decided_by: Mapped[str] = mapped_column(String(20), default="receiving_team", server_default="receiving_team")
    # Leads
    proposed_lead_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    receiving_lead_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The receiving team's decision and its clock
    decision_due_on: Mapped[date | None] = mapped_column(Date)
    decision_due_explanation: Mapped[str] = mapped_column(String(300), default="")
    decision_rationale: Mapped[str] = mapped_column(Text, default="")
    decline_advice: Mapped[str] = mapped_column(Text, default="")
    previous_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfer.id"))
    # Who moved it to its current state, and when: the message for whoever arrives too late.
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    state_changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Optimistic locking of the request's own content (services.transfers.requests.edit_request): bumped by each edit.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    family: Mapped[Family] = relationship()
    from_episode: Mapped[Episode] = relationship(foreign_keys=[from_episode_id])
    to_service: Mapped[Service] = relationship(lazy="joined")
    sending_team: Mapped[Team | None] = relationship(foreign_keys=[sending_team_id], lazy="joined")
    receiving_team: Mapped[Team] = relationship(foreign_keys=[receiving_team_id], lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    proposed_lead: Mapped[User | None] = relationship(foreign_keys=[proposed_lead_id])
    receiving_lead: Mapped[User | None] = relationship(foreign_keys=[receiving_lead_id])
    override_authorised_by: Mapped[User | None] = relationship(foreign_keys=[override_authorised_by_id])
    approver: Mapped[User | None] = relationship(foreign_keys=[approver_id])
    state_changed_by: Mapped[User] = relationship(foreign_keys=[state_changed_by_id])
    level: Mapped[LevelOfNeed] = relationship()
    previous_transfer: Mapped["Transfer | None"] = relationship(remote_side=[id])
    children: Mapped[list["TransferChild"]] = relationship(cascade="all, delete-orphan", order_by="TransferChild.id")
    events: Mapped[list["TransferEvent"]] = relationship(cascade="all, delete-orphan", order_by="TransferEvent.id")
    handover_plan: Mapped["HandoverPlan"] = relationship(back_populates="transfer", uselist=False)
    outcomes: Mapped[list["TransferOutcome"]] = relationship(
        cascade="all, delete-orphan", order_by="TransferOutcome.position"
    )

    __table_args__ = (
        Index("ix_transfer_receiving_state", "receiving_team_id", "state"),
        Index("ix_transfer_sending_state", "sending_team_id", "state"),
        Index("ix_transfer_requested_by_state", "requested_by_id", "state"),
        Index("ix_transfer_proposed_lead_state", "proposed_lead_id", "state"),
        Index("ix_transfer_receiving_lead_state", "receiving_lead_id", "state"),
        Index("ix_transfer_approver_state", "approver_id", "state"),
        # One open request per episode, whoever starts it and however close together (migration 0019).
        Index(
            "uq_transfer_open_per_episode",
            "from_episode_id",
            unique=True,
            sqlite_where=text(OPEN_STATES_SQL),
            postgresql_where=text(OPEN_STATES_SQL),
        ),
    )

    @property
    def is_step_up(self) -> bool:
        return self.direction == Direction.STEP_UP

    @property
    def title(self) -> str:
        return "Step-up" if self.is_step_up else "Step-down"

    @property
    def family_agrees(self) -> bool:
        """Only a yes, given when they were asked: never inferred."""
        return self.family_agreement == "yes"

    @property
    def needs_override_authorisation(self) -> bool:
        return self.is_step_up and not self.family_agrees


class TransferChild(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    included: Mapped[bool]
    reason_not_included: Mapped[str] = mapped_column(Text, default="")
    # Working Together 2023: the child's own views, in their words.
    child_words: Mapped[str] = mapped_column(Text, default="")

    person: Mapped[Person] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("transfer_id", "person_id"),)


class TransferOutcome(db.Model):
    """What should be different, for which child (or the whole family), by when: never just "monitoring"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # None: the whole family
    what_different: Mapped[str] = mapped_column(Text)
    by_when: Mapped[date] = mapped_column(Date)

    person: Mapped[Person | None] = relationship(lazy="joined")


class TransferEvent(db.Model):
    """Every transition, with who, when and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[TransferState | None] = mapped_column(StatusType(TransferState))
    to_state: Mapped[TransferState] = mapped_column(StatusType(TransferState))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User] = relationship(lazy="joined")

    # The approve, accept and decline events of a period (earlyhelp/services/measures_flow.py), and one request's
    # first event of a kind, read from the index alone (when it was sent, when it was accepted).
    __table_args__ = (
        Index("ix_transfer_event_action_at", "action", "at"),
        Index("ix_transfer_event_transfer_action_at", "transfer_id", "action", "at"),
    )


class HandoverPlan(db.Model):
    """Begun with the request, completed after acceptance. Edited by several people: versioned."""

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), unique=True)
    meeting_kind: Mapped[str] = mapped_column(String(20), default="meeting")  # meeting or joint_visit
    meeting_on: Mapped[date | None] = mapped_column(Date)
    meeting_place: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[str] = mapped_column(Text, default="")
    family_attending: Mapped[bool] = mapped_column(default=False)
    meeting_held: Mapped[bool] = mapped_column(default=False)
    # When "held" was written down, and why, if that was more than LATE_RECORDING_WORKING_DAYS after the meeting.
    meeting_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_late_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    information_shared: Mapped[str] = mapped_column(Text, default="")
    family_told_what: Mapped[str] = mapped_column(Text, default="")
    # Written for the family, in their words: the only text of the plan a family letter prints.
    family_message: Mapped[str] = mapped_column(Text, default="", server_default="")
    children_views: Mapped[str] = mapped_column(Text, default="")
    contingency: Mapped[str] = mapped_column(Text, default="")
    step_up_contact: Mapped[str] = mapped_column(Text, default="")
    meeting_due_on: Mapped[date | None] = mapped_column(Date)
    meeting_due_explanation: Mapped[str] = mapped_column(String(300), default="")
    # Optimistic locking across a GET and a later POST: the version the editor saw travels in the form.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    transfer: Mapped[Transfer] = relationship(back_populates="handover_plan")
    updated_by: Mapped[User | None] = relationship()
