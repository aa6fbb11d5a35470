"""What someone was saving when their session ended: kept on the server, offered back once they sign in again."""

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models.base import UTCDateTime


def new_held_token() -> str:
    return secrets.token_urlsafe(32)


class HeldPost(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_held_token)
    # The person whose session had ended (from the server-side session the cookie still named).
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    path: Mapped[str] = mapped_column(String(2000))
    # The posted fields as JSON: a list of [name, value] pairs, in order (a name can repeat).
    fields: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set when offered back and either saved again or thrown away.
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
