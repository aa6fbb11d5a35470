"""The forms of a request's actions: approve, return, accept, decline, withdraw, the override, and passing the
approval to another team's manager."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovSelect,
    GovTextArea,
)
from wtforms import (
    SelectField,
    TextAreaField,
)

from earlyhelp.forms import (
    MAX_LONG_TEXT,
    Form,
    max_length,
    options,
)


class ActionForm(Form):
    """The reason, lead and advice any action may carry; the state machine says which it needs."""

    reason = TextAreaField("Reason", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The reason")])
    advice = TextAreaField(
        "Advice for the sending team", widget=GovTextArea(), validators=[max_length(MAX_LONG_TEXT, "The advice")]
    )
    lead = SelectField("Receiving lead", widget=GovSelect(), validate_choice=False)

    def set_staff(self, people):
        self.lead.choices = options(((u.id, u.name) for u in people), blank="Select the lead")

    @property
    def lead_id(self) -> int | None:
        return int(self.lead.data) if (self.lead.data or "").isdigit() else None


class AuthoriseOverrideForm(Form):
    """A team manager authorises going ahead without the family's agreement, with their own reasoning."""

    authorisation_reason = TextAreaField(
        "Why should this go ahead without the family's agreement?",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "Your reasoning")],
    )


class PassApprovalForm(Form):
    """The only manager of the sending team names a manager of another team to approve the request."""

    approver = SelectField("Which manager should approve it?", widget=GovSelect(), validate_choice=False)
    approval_passed_reason = TextAreaField(
        "Why are you passing it on?",
        widget=GovTextArea(),
        validators=[max_length(MAX_LONG_TEXT, "The reason")],
    )

    def set_managers(self, people):
        self.approver.choices = options(
            ((u.id, f"{u.name}, {u.team.name}" if u.team else u.name) for u in people), blank="Select a manager"
        )

    @property
    def approver_id(self) -> int | None:
        return int(self.approver.data) if (self.approver.data or "").isdigit() else None
