"""The replay guard: an assertion's jti is spent once, across every app node.

The insert runs in the caller's transaction. ``ON CONFLICT DO NOTHING`` makes a
concurrent second insert of the same key wait for the first transaction and then find
the row, instead of failing the whole transaction as a unique violation would on
PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.auth.errors import TokenReplayed
from dmp.auth.models import TokenJti
from dmp.db.direct import DirectStatement


def _spend_statement(insert: Any) -> Any:
    table = TokenJti.__table__
    return (
        insert(table)
        .values(jti=bindparam("jti"), expires_at=bindparam("expires_at"))
        .on_conflict_do_nothing(index_elements=["jti"])
        .returning(table.c.jti)
    )


# Built once per dialect (the values come as parameters), run on the driver
# (``db.direct``): this runs on every API request.
_SPEND = {
    "postgresql": DirectStatement(_spend_statement(postgresql.insert)),
    "sqlite": DirectStatement(_spend_statement(sqlite.insert)),
}


async def spend_jti(session: AsyncSession, *, key: str, expires_at: datetime) -> None:
    """Records ``key`` (see ``TokenJti.jti``) or raises ``TokenReplayed`` if already spent."""
    values = {"jti": key, "expires_at": expires_at}
    statement = _SPEND.get(session.get_bind().dialect.name)
    if statement is not None:
        inserted = await statement.scalar(session, values)
        if inserted is None:
            raise TokenReplayed()
        return
    # Other databases: a savepoint keeps the caller's transaction usable after the clash.
    try:
        async with session.begin_nested():
            session.add(TokenJti(**values))
    except IntegrityError as exc:
        raise TokenReplayed() from exc


async def purge_expired_jti(session: AsyncSession, *, now: datetime) -> int:
    """Deletes spent ids whose token can no longer be accepted anyway; returns the count."""
    result: Any = await session.execute(delete(TokenJti).where(TokenJti.expires_at < now))
    return int(result.rowcount or 0)
