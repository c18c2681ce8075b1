"""Structured rows of the feeds. Their content is medical, so it is sealed with the
dossier's data key like a document's content; only what the retention jobs query stays
in clear (the section, the date of care or of dispensation, the end of visibility).

``dossier_id`` leads both primary keys; the second part is the line's identity, a keyed
hash of its canonical form (keyed with the dossier's key: a dictionary of care lines
cannot be hashed against the table). Re-importing a line is therefore a no-op.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dmp.db.base import Base
from dmp.db.types import UTCDateTime


class ReimbursementLine(Base):
    __tablename__ = "reimbursement_line"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dossier.id"), primary_key=True)
    line_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    section: Mapped[str] = mapped_column(String(16))
    care_date: Mapped[date] = mapped_column(Date)
    fields_ct: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The tables a dossier shows, newest care first; and the 24-month window's purge.
        Index("ix_reimbursement_line_dossier_id_care_date", "dossier_id", "care_date"),
        Index("ix_reimbursement_line_care_date", "care_date"),
    )


class Dispensation(Base):
    """A medicine dispensed in a pharmacy, from the Dossier Pharmaceutique."""

    __tablename__ = "dispensation"

    dossier_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dossier.id"), primary_key=True)
    line_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # ordinary | vaccine | biological
    dispensed_on: Mapped[date] = mapped_column(Date)
    visible_until: Mapped[date] = mapped_column(Date)
    fields_ct: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_dispensation_dossier_id_dispensed_on", "dossier_id", "dispensed_on"),
        # The daily retention job deletes by this date across dossiers.
        Index("ix_dispensation_visible_until", "visible_until"),
    )
