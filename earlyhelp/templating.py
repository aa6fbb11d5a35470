"""Template globals and filters: navigation, notifications, dates, the error summary."""

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from earlyhelp import clock, policy
from earlyhelp.access import policy_for
from earlyhelp.domain.recording import recorded_note
from earlyhelp.hostile import has_control_characters, without_control_characters
from earlyhelp.web import error_summary

# (text, endpoint, and who else besides the endpoint's own policy must hold for the link to show)
NAVIGATION = [
    ("My work", "main.home", lambda user: policy.is_case_worker(user) and not policy.is_head_of_service(user)),
    ("Home", "main.home", lambda user: policy.is_administrator(user) or policy.is_head_of_service(user)),
    ("Families", "families.search", None),
    ("Front door", "referrals.queue", policy.at_front_door),
    ("Step-up and step-down", "transfers.queues", lambda user: user.team_id is not None),
    ("Supervision", "supervision.index", lambda user: user.team_id is not None),
    ("Performance", "performance.dashboard", None),
    ("Users", "admin.users", None),
    ("Records I opened", "looked.records_opened", None),
]

# Where an item is active besides its own blueprint's pages. "Records I opened" is one page of the "looked"
# blueprint, whose other pages (a family's who-has-looked) belong under "Families".
ONLY_ITS_OWN_PAGE = {"looked.records_opened"}
ALSO_ACTIVE_ON = {"families.search": {"looked.who_looked", "looked.who_looked_csv"}}


# Where each kind of timeline entry links: the record it is about (endpoint, the argument naming the record).
# Entries about the family itself, a person or an episode link to that part of the family page.
TIMELINE_LINKS = {
    "referral": ("referrals.show", "referral_id"),
    "transfer": ("transfers.show", "transfer_id"),
    "case_note": ("case_notes.show", "note_id"),
}
ON_FAMILY_PAGE = {"person": "household", "episode": "involvement", "family_plan": "family-plan", "family": None}


def timeline_link(entry) -> str | None:
    """The address of the record a timeline entry is about, or None when there is nothing more to open."""
    if entry.record_type in TIMELINE_LINKS and entry.record_id:
        endpoint, argument = TIMELINE_LINKS[entry.record_type]
        return url_for(endpoint, **{argument: entry.record_id})
    if entry.record_type in ON_FAMILY_PAGE:
        anchor = ON_FAMILY_PAGE[entry.record_type]
        return url_for("families.show", family_id=entry.family_id, _anchor=anchor) if anchor else None
    return None


def _is_active(endpoint: str) -> bool:
    if request.endpoint == endpoint or request.endpoint in ALSO_ACTIVE_ON.get(endpoint, ()):
        return True
    blueprint = endpoint.split(".")[0]
    return blueprint != "main" and endpoint not in ONLY_ITS_OWN_PAGE and request.blueprint == blueprint


def navigation_items() -> list[dict]:
    """The links a person may follow: each endpoint's own access policy decides, never a list of roles here."""
    items = []
    for text, endpoint, also in NAVIGATION:
        if policy_for(endpoint).allows(current_user) and (also is None or also(current_user)):
            items.append({"text": text, "href": url_for(endpoint), "active": _is_active(endpoint)})
    return items


def _printable(value):
    """What a page prints never carries a control character (invalid in HTML), even from a row stored before
    forms refused them (earlyhelp.forms.Form); markup stays markup."""
    if isinstance(value, Markup):
        # Already escaped: taking characters out cannot make markup of it.
        return Markup(without_control_characters(str(value))) if has_control_characters(value) else value  # noqa: S704
    if isinstance(value, str) and has_control_characters(value):
        return without_control_characters(value)
    return value


def init_app(app: Flask) -> None:
    app.add_template_global(navigation_items)
    app.add_template_global(policy, "policy")
    app.add_template_global(error_summary)
    app.add_template_global(timeline_link)
    app.add_template_global(recorded_note)
    app.jinja_env.tests["markup"] = lambda value: isinstance(value, Markup)
    app.jinja_env.finalize = _printable

    @app.template_global()
    def unread_notifications() -> int:
        from earlyhelp.services.notifications import unread_count

        return unread_count(current_user)

    app.add_template_filter(clock.day, "date")
    app.add_template_filter(clock.moment, "datetime")
    app.add_template_filter(clock.long_day, "long_date")

    @app.context_processor
    def service_context():
        return {"service_name": current_app.config["SERVICE_NAME"], "council_name": current_app.config["COUNCIL_NAME"]}
