"""Template helpers: the one place that decides whether a request gets a whole page or a fragment."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, render_template, request, url_for
from flask_login import current_user

from earlyhelp.extensions import htmx

LONDON = ZoneInfo("Europe/London")


def wants_fragment() -> bool:
    """An htmx request that swaps one region, not a boosted navigation or a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(template: str, partial: str, **context):
    """Same URL, two shapes: the full page, or only its partial for an htmx swap."""
    return render_template(partial if wants_fragment() else template, **context)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON)
    return f"{value:%a} {value.day} {value:%b %Y}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{format_date(local)} at {local:%H:%M}"


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

    @app.template_global()
    def unread_notifications() -> int:
        from earlyhelp.services.notifications import unread_count

        return unread_count(current_user)

    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")

    @app.context_processor
    def service_context():
        return {"service_name": current_app.config["SERVICE_NAME"], "council_name": current_app.config["COUNCIL_NAME"]}
