"""The one family of refusal: something a person asked for that a rule says cannot happen as it stands.

Domain rules and services raise these; one view helper (earlyhelp.web.show_refusal) puts the message on
its field or in the page's error summary. The message is written for the person who tried.
"""


class Refused(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

    def of(self, what: str, field: str | None = None) -> "Refused":
        """The same refusal, said of one of several things: 'Next step 2: the date must be ...'."""
        return Refused(f"{what}: {self.message[:1].lower()}{self.message[1:]}", field)


class Stale(Refused):
    """Someone else saved the record after this person opened it. What they typed is kept; saving again,
    having read the other changes, is deliberate."""

    def __init__(self, message: str, current_version: int):
        super().__init__(message)
        self.current_version = current_version


class NeedsConfirmation(Refused):
    """Allowed, but only once the person has read the warnings and confirmed."""

    def __init__(self, message: str, findings: list, field: str | None = None):
        super().__init__(message, field)
        self.findings = findings
