"""Template globals and filters: navigation, notifications, dates, the error summary."""

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from earlyhelp import clock, policy
from earlyhelp.access import policy_for
from earlyhelp.web import error_summary

# (text, endpoint, and who else besides the endpoint's own policy must hold for the link to show)
NAVIGATION = [
    ("My work", "main.home", lambda user: policy.is_case_worker(user) and not policy.is_head_of_service(user)),
    ("Home", "main.home", lambda user: policy.is_administrator(user) or policy.is_head_of_service(user)),
    ("Families", "families.search", None),
    ("Front door", "referrals.queue", policy.at_front_door),
    ("Step-up and step-down", "transfers.queues", lambda user: user.team_id is not None),
    ("Supervision", "supervision.index", lambda user: user.team_id is not None),
    ("Users", "admin.users", None),
    ("Records I opened", "looked.records_opened", None),
]


def navigation_items() -> list[dict]:
    """The links a person may follow: each endpoint's own access policy decides, never a list of roles here."""
    items = []
    for text, endpoint, also in NAVIGATION:
        if policy_for(endpoint).allows(current_user) and (also is None or also(current_user)):
            blueprint = endpoint.split(".")[0]
            active = request.endpoint == endpoint or (blueprint != "main" and request.blueprint == blueprint)
            items.append({"text": text, "href": url_for(endpoint), "active": active})
    return items


def init_app(app: Flask) -> None:
    app.add_template_global(navigation_items)
    app.add_template_global(policy, "policy")
    app.add_template_global(error_summary)
    app.jinja_env.tests["markup"] = lambda value: isinstance(value, Markup)

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
