"""Single sign-on through OpenID Connect (Authlib): Microsoft Entra ID, or any provider a council uses.

On when OIDC_METADATA_URL is set; otherwise there is no button and these routes are not found. People are
matched to their accounts in earlyhelp/services/sso.py; roles and teams are still managed in the product
(/admin/users).

The sign-in page's button is a link to /sign-in/sso (a form post would be stopped by the CSP's form-action
'self' when it redirects to the provider). The round trip is the authorization code flow with PKCE (S256);
Authlib keeps the state, nonce and code verifier in the Flask session and checks them on the way back, and
checks the ID token's signature, issuer, audience, expiry and nonce. Signing in this way asks for none of our
own password checks or second factor: the provider enforces its own (Entra ID's multi-factor rules).
"""

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError

from earlyhelp.access import public
from earlyhelp.auth import bp
from earlyhelp.auth.views import hold
from earlyhelp.services import sso
from earlyhelp.web import safe_next

NEXT = "sso_next"
# The error codes of OAuth 2.0 (RFC 6749 4.1.2.1) and OpenID Connect (Core 3.1.2.6): only these are audited
# as they are written; anything else in the address is not.
PROVIDER_ERRORS = {
    "access_denied",
    "invalid_request",
    "unauthorized_client",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
    "interaction_required",
    "login_required",
    "account_selection_required",
    "consent_required",
    "invalid_request_uri",
    "invalid_request_object",
    "request_not_supported",
    "request_uri_not_supported",
    "registration_not_supported",
}
EXTENSION = "earlyhelp.sso"
# What a refused person reads: the reason is in the audit log, not on the page.
REFUSED_MESSAGES = {
    sso.DISABLED: "Your account in this service has been disabled. Ask your team manager or an administrator.",
}


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = {}


def enabled() -> bool:
    return bool(current_app.config["OIDC_METADATA_URL"])


def _client() -> FlaskOAuth2App:
    """One client per app and settings: Authlib caches the provider's metadata and keys on it."""
    config = current_app.config
    key = (config["OIDC_METADATA_URL"], config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"], config["OIDC_SCOPES"])
    clients = current_app.extensions.setdefault(EXTENSION, {})
    if key not in clients:
        clients[key] = FlaskOAuth2App(
            FlaskIntegration("oidc"),
            name="oidc",
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config["OIDC_CLIENT_SECRET"],
            server_metadata_url=config["OIDC_METADATA_URL"],
            client_kwargs={"scope": config["OIDC_SCOPES"], "code_challenge_method": "S256", "timeout": 10},
        )
    return clients[key]


def _failed(reason: str, status: int):
    sso.record_sso_failure(reason)
    return render_template("auth/sso_failed.html"), status


@bp.get("/sign-in/sso")
@public
def sso_start():
    if not enabled():
        abort(404)
    session[NEXT] = safe_next(request.args.get("next"))
    try:
        return _client().authorize_redirect(url_for("auth.sso_callback", _external=True))
    except (requests.RequestException, ValueError):
        current_app.logger.exception("single sign-on: the provider's metadata could not be read")
        return _failed("provider not reachable", 502)


@bp.get("/sign-in/sso/callback")
@public
def sso_callback():
    if not enabled():
        abort(404)
    if request.args.get("error"):
        # The person said no at the provider, or the provider refused them (e.g. not assigned to the app).
        error = request.args["error"]
        return _failed(f"provider said {error if error in PROVIDER_ERRORS else 'an unknown error'}", 403)
    try:
        token = _client().authorize_access_token()
    except OAuthError as error:  # a state that is not ours (or is used twice), a code the provider refused
        return _failed(f"{error.error or 'error'}", 400)
    except JoseError as error:  # an ID token that is not signed by the provider, expired, or another nonce
        return _failed(f"ID token not accepted ({error.error})", 400)
    except (requests.RequestException, ValueError):
        current_app.logger.exception("single sign-on: the provider could not be reached")
        return _failed("provider not reachable", 502)
    claims = token.get("userinfo")
    if not claims:
        return _failed("no ID token", 400)
    next_page = session.pop(NEXT, None)
    result = sso.sign_in_with_sso(dict(claims), source_address=request.remote_addr or "unknown")
    if result.refusal:
        session.clear()
        message = REFUSED_MESSAGES.get(result.refusal)
        return render_template("auth/sso_refused.html", message=message), 403
    hold(result.user_session)
    return redirect(safe_next(next_page))
