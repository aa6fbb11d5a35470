"""Shared form pieces: GOV.UK widgets and the messages every form uses."""

from wtforms import validators

MAX_SHORT_TEXT = 200


def required(message: str) -> validators.InputRequired:
    """A required field whose message says exactly what to enter (GOV.UK error message guidance)."""
    return validators.InputRequired(message=message)


def max_length(limit: int, what: str) -> validators.Length:
    return validators.Length(max=limit, message=f"{what} must be {limit} characters or fewer")
