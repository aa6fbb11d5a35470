"""Template globals and filters: navigation, notifications, dates, the error summary."""

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from earlyhelp import clock
from earlyhelp.web import error_summary

# (text, endpoint, role codes allowed, or None for everyone signed in)
NAVIGATION = [
    ("My work", "main.home", {"practitioner", "social_worker", "front_door", "team_manager"}),
    ("Home", "main.home", {"administrator"}),
    ("Families", "families.search", {"practitioner", "social_worker", "front_door", "team_manager"}),
    ("Front door", "referrals.queue", {"front_door", "team_manager"}),
    ("Step-up and step-down", "transfers.queues", {"practitioner", "social_worker", "team_manager"}),
    ("Supervision", "supervision.index", {"practitioner", "social_worker", "team_manager"}),
    ("Users", "admin.users", {"administrator"}),
]


def navigation_items() -> list[dict]:
    items = []
    for text, endpoint, allowed in NAVIGATION:
        if allowed is None or current_user.role.code in allowed:
            blueprint = endpoint.split(".")[0]
            active = request.endpoint == endpoint or (blueprint != "main" and request.blueprint == blueprint)
            items.append({"text": text, "href": url_for(endpoint), "active": active})
    return items


def init_app(app: Flask) -> None:
    app.add_template_global(navigation_items)
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
