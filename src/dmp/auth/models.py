"""Tables of the auth domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class TokenJti(Base):
    """A spent assertion id. The primary key makes every app node refuse a second use;
    rows are useless once the token has expired and are purged after ``expires_at``."""

    __tablename__ = "token_jti"

    # sha256 (hex) of the subject and the jti: fixed width whatever the client sends, and
    # one professional cannot spend another's jti values.
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
