"""The early help coordination service."""

import logging
import os
import secrets

from flask import Flask, g, session
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from earlyhelp.config import CONFIGS, INSTANCE, ROOT, Config


def create_app(config: type[Config] | str | None = None, **overrides) -> Flask:
    """Build the app. `config` is a config class or its name; by default EARLYHELP_ENV (development)."""
    if config is None or isinstance(config, str):
        config = CONFIGS[config or os.environ.get("EARLYHELP_ENV", "development")]
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    _ensure_secret_key(app)
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1)

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    _init_extensions(app)
    from earlyhelp import errors, hostile, security, templating

    # Before the blueprints: their routes' <int:...> are compiled with the bounded id converter it installs.
    hostile.init_app(app)
    _register_blueprints(app)

    from earlyhelp.access import enforce_access_policy
    from earlyhelp.auth.views import choose_own_password_first
    from earlyhelp.database import start_request
    from earlyhelp.services.audit import write_pending_reads

    app.before_request(start_request)
    app.before_request(choose_own_password_first)
    app.before_request(enforce_access_policy)
    app.after_request(write_pending_reads)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)

    from earlyhelp.cli import register_commands

    register_commands(app)
    from earlyhelp.auth import sso

    sso.init_app(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    # WeasyPrint logs every rendering step at INFO: too much for a server log.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    return app


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config["REQUIRE_SECRET_KEY"]:
        raise RuntimeError("SECRET_KEY must be set in production: export SECRET_KEY=<a long random string>")
    # Development only: a random key kept in the instance folder, so sessions survive a restart and
    # nothing secret sits in the repository.
    INSTANCE.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _init_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from earlyhelp import models  # noqa: F401  (registers every table before Alembic looks)
    from earlyhelp.database import configure_engine
    from earlyhelp.extensions import csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    WTFormsHelpers(app)

    from earlyhelp.services.accounts import SESSION_KEY, check_session

    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"

    @login_manager.request_loader
    def load_user(_request):
        checked = check_session(session.get(SESSION_KEY))
        if checked.ended_reason and checked.user is None:
            g.session_ended_reason = checked.ended_reason
        return checked.user


def _register_blueprints(app: Flask) -> None:
    from earlyhelp.admin import bp as admin_bp
    from earlyhelp.auth import bp as auth_bp
    from earlyhelp.case_notes import bp as case_notes_bp
    from earlyhelp.families import bp as families_bp
    from earlyhelp.family_plans import bp as family_plans_bp
    from earlyhelp.looked import bp as looked_bp
    from earlyhelp.main import bp as main_bp
    from earlyhelp.next_steps import bp as next_steps_bp
    from earlyhelp.performance import bp as performance_bp
    from earlyhelp.referrals import bp as referrals_bp
    from earlyhelp.restrictions import bp as restrictions_bp
    from earlyhelp.supervision import bp as supervision_bp
    from earlyhelp.transfers import bp as transfers_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(families_bp, url_prefix="/families")
    app.register_blueprint(referrals_bp, url_prefix="/referrals")
    app.register_blueprint(transfers_bp)
    app.register_blueprint(next_steps_bp)
    app.register_blueprint(family_plans_bp)
    app.register_blueprint(supervision_bp, url_prefix="/supervision")
    app.register_blueprint(restrictions_bp)
    app.register_blueprint(case_notes_bp)
    app.register_blueprint(looked_bp)
    app.register_blueprint(performance_bp, url_prefix="/performance")


__all__ = ["create_app"]
