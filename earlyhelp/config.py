"""Configuration read from the environment.

Every timescale and security limit is a setting so that a council can change it without a code change.
"""

import os
from datetime import time, timedelta
from pathlib import Path

from earlyhelp.domain.timescales import DEFAULT_TIMESCALES

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    REQUIRE_SECRET_KEY = False
    SERVICE_NAME = os.environ.get("SERVICE_NAME", "Early help coordination")
    COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "Northshire Council")

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'earlyhelp.db'}")
    # hide_parameters: an error or a log line quotes the SQL, never the values (names, notes) bound to it.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    # Sessions end on the server (see earlyhelp.auth.sessions): these are the limits it enforces.
    SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 12)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_ABSOLUTE_HOURS)
    SESSION_COOKIE_NAME = "earlyhelp_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "false").lower() == "true"

    # A warning this many minutes before an idle session ends, with a button to stay signed in.
    SESSION_WARNING_MINUTES = _int("SESSION_WARNING_MINUTES", 2)
    # What a post that arrived after its session ended is kept for, to be offered back after signing in.
    HELD_POST_MINUTES = _int("HELD_POST_MINUTES", 120)

    # Failed sign-ins (and current-password and second-factor checks), counted within the window. One account
    # from one address is locked for the window after SIGN_IN_MAX_FAILURES_PER_PAIR; past the per-account and
    # per-address counts, the next attempt waits SIGN_IN_DELAY_SECONDS after the last failure, doubling with
    # each failure up to SIGN_IN_DELAY_MAX_SECONDS (a delay, never a lock-out of everyone).
    SIGN_IN_MAX_FAILURES_PER_ACCOUNT = _int("SIGN_IN_MAX_FAILURES_PER_ACCOUNT", 5)
    SIGN_IN_MAX_FAILURES_PER_ADDRESS = _int("SIGN_IN_MAX_FAILURES_PER_ADDRESS", 20)
    SIGN_IN_MAX_FAILURES_PER_PAIR = _int("SIGN_IN_MAX_FAILURES_PER_PAIR", 5)
    SIGN_IN_DELAY_SECONDS = _int("SIGN_IN_DELAY_SECONDS", 2)
    SIGN_IN_DELAY_MAX_SECONDS = _int("SIGN_IN_DELAY_MAX_SECONDS", 120)
    SIGN_IN_THROTTLE_MINUTES = _int("SIGN_IN_THROTTLE_MINUTES", 15)
    # Local passwords (email and password on the sign-in page). Switch off once single sign-on is on.
    LOCAL_PASSWORDS = os.environ.get("LOCAL_PASSWORDS", "true").lower() == "true"
    # A second factor (an authenticator app's 6-digit code, TOTP) for everyone who signs in with a password.
    REQUIRE_SECOND_FACTOR = os.environ.get("REQUIRE_SECOND_FACTOR", "false").lower() == "true"
    # Single sign-on through OpenID Connect (Microsoft Entra ID, or any provider): on when OIDC_METADATA_URL is
    # set, e.g. https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/openid-configuration
    OIDC_METADATA_URL = os.environ.get("OIDC_METADATA_URL", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    # What the sign-in button says, e.g. "Sign in with your council account".
    OIDC_BUTTON_TEXT = os.environ.get("OIDC_BUTTON_TEXT", "Sign in with your council account")
    # The claim that names the person for good ("sub"; for Entra ID use "oid", the same in every app), and the
    # claim matched to an account's email the first time ("email"; for Entra ID "preferred_username").
    OIDC_SUBJECT_CLAIM = os.environ.get("OIDC_SUBJECT_CLAIM", "sub")
    OIDC_EMAIL_CLAIM = os.environ.get("OIDC_EMAIL_CLAIM", "email")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")

    # The CSRF token lives as long as the session: a practitioner writing a long plan must not lose it
    # to a one-hour token expiry. Ending the session on the server ends the token with it.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_ENABLED = True
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    MAX_FORM_PARTS = 2000

    # Working days for each timescale; override one with e.g. TIMESCALE_REFERRAL_DECISION=2.
    TIMESCALES = {name: _int(f"TIMESCALE_{name.upper()}", days) for name, days in DEFAULT_TIMESCALES.items()}
    # Something received after this local time counts as received on the next working day, unless
    # OUT_OF_HOURS_COUNTS_FROM_NEXT_WORKING_DAY is false: then only weekends and bank holidays move a clock.
    OUT_OF_HOURS_COUNTS_FROM_NEXT_WORKING_DAY = (
        os.environ.get("OUT_OF_HOURS_COUNTS_FROM_NEXT_WORKING_DAY", "true").lower() == "true"
    )
    WORKING_DAY_ENDS = time.fromisoformat(os.environ.get("WORKING_DAY_ENDS", "17:00"))
    # Shown first, before anything else, when a referrer says a child is in immediate danger.
    IMMEDIATE_DANGER_ADVICE = os.environ.get(
        "IMMEDIATE_DANGER_ADVICE",
        "If a child is in immediate danger, call the police on 999 now. Then tell the front door team "
        "manager straight away and request a strategy discussion. Finish this record afterwards.",
    )
    # Something written down more than this many working days after it happened asks why, and says how late
    # it was recorded wherever it is shown (earlyhelp/domain/recording.py).
    LATE_RECORDING_WORKING_DAYS = _int("LATE_RECORDING_WORKING_DAYS", 1)
    # A new referral about a family with another received within this many days shows it and offers to link them.
    DUPLICATE_REFERRAL_DAYS = _int("DUPLICATE_REFERRAL_DAYS", 7)
    # Whoever becomes a family's lead is told, with a first next step: first contact within this many working days.
    FIRST_CONTACT_WORKING_DAYS = _int("FIRST_CONTACT_WORKING_DAYS", 3)
    # Local practice: case supervision at least every 4 weeks.
    SUPERVISION_INTERVAL_WEEKS = _int("SUPERVISION_INTERVAL_WEEKS", 4)
    # Performance data: the most open families one worker should hold (earlyhelp/services/measures_flow.py).
    CASELOAD_CEILING = _int("CASELOAD_CEILING", 20)
    # Notices are also emailed when SMTP_HOST is set; without it nothing tries to send.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = _int("SMTP_PORT", 25)
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "false").lower() == "true"
    # Where people reach the service, for links in emails.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    MAIL_FROM = os.environ.get("MAIL_FROM", "early-help-no-reply@council.example")
    # Printed documents: a render that takes longer is stopped; renderer processes per app process.
    PDF_TIMEOUT_SECONDS = float(os.environ.get("PDF_TIMEOUT_SECONDS", "30"))
    PDF_RENDERERS = _int("PDF_RENDERERS", 2)
    # The module each renderer process runs (python -m). Tests of the time limit swap in one that never finishes.
    PDF_RENDERER = "earlyhelp.pdf_worker"
    # Local protocol: review a family plan 6 weeks on (6 to 12 is usual).
    PLAN_REVIEW_WEEKS = _int("PLAN_REVIEW_WEEKS", 6)
    # Extra jargon for the plain-language check, as "TERM=plain words;TERM2=plain words".
    PLAIN_LANGUAGE_JARGON = os.environ.get("PLAIN_LANGUAGE_JARGON", "")
    # The Annex A early help list's columns, in order, as keys separated by commas (docs/annex-a.md); unset: the
    # default set (earlyhelp/services/exports.py).
    EARLY_HELP_LIST_COLUMNS = os.environ.get("EARLY_HELP_LIST_COLUMNS", "")
    # Step-up and step-down (earlyhelp/services/transfers): who decides a step-up for children's social care,
    # "receiving_team" (a manager of the receiving team accepts or declines and names the lead) or "front_door"
    # (step-ups go to the front door's queue, for its daily meeting, and a front door manager decides).
    STEP_UP_DECIDED_BY = os.environ.get("STEP_UP_DECIDED_BY", "receiving_team")
    # Printed for a family when a worker or a team has no phone number of its own.
    COUNCIL_SWITCHBOARD = os.environ.get("COUNCIL_SWITCHBOARD", "01632 960000")
    # Printed on every "what happens next" letter: the family's rights, and how to complain.
    FAMILY_RIGHTS_TEXT = os.environ.get(
        "FAMILY_RIGHTS_TEXT",
        "You can ask to see what we have written about your family. You can ask for a copy of this document in "
        "another language or in large print. You can bring someone with you to any meeting.",
    )
    COMPLAINTS_TEXT = os.environ.get(
        "COMPLAINTS_TEXT",
        "If you are unhappy with what we have done, please talk to your worker or their manager first. You can "
        "also make a complaint to the council's complaints team: call 0300 123 4567 or write to Complaints, "
        "Northshire Council, County Hall.",
    )
    # Access (earlyhelp/policy.py): a team keeps reading a family this many days after its work ends; a
    # break-glass opening lasts this many hours; a possible match that is restricted says whom to contact.
    CLOSED_RECORD_READ_DAYS = _int("CLOSED_RECORD_READ_DAYS", 90)
    BREAK_GLASS_HOURS = _int("BREAK_GLASS_HOURS", 24)
    RESTRICTED_CONTACT = os.environ.get("RESTRICTED_CONTACT", "the head of service")
    FAMILIES_PER_PAGE = 20
    TIMELINE_PER_PAGE = 15

    # Number of reverse proxies in front of the app whose X-Forwarded-For can be trusted (0: none).
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 10000)
    # `flask backup` writes here unless given a file.
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(INSTANCE / "backups"))


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL")  # tests/conftest.py sets a file when unset
    SIGN_IN_MAX_FAILURES_PER_ADDRESS = 1000


class ProductionConfig(Config):
    REQUIRE_SECRET_KEY = True
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "true").lower() == "true"
    # The __Host- prefix: the browser keeps the cookie only if it is Secure, for this host alone, on path /.
    SESSION_COOKIE_NAME = "__Host-earlyhelp_session" if SESSION_COOKIE_SECURE else Config.SESSION_COOKIE_NAME


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}
