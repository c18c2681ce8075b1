"""What every command needs: settings, runtime, a unit of work, error display."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.db.uow import unit_of_work
from dmp.errors import DmpError
from dmp.policy import Actor, ActorKind
from dmp.runtime import Runtime, build_runtime

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")


def operator_actor() -> Actor:
    user = getpass.getuser()
    return Actor(
        kind=ActorKind.OPERATOR, id=f"operator:{user}"[:64], display_name=f"Exploitant ({user})"
    )


@asynccontextmanager
async def cli_session(
    settings: Settings | None = None,
) -> AsyncIterator[tuple[AsyncSession, Runtime]]:
    settings = settings or Settings()
    runtime = build_runtime(settings)
    engine = create_engine(settings.effective_database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            yield session, runtime
    finally:
        await engine.dispose()


def run(work: Callable[[], Awaitable[T]]) -> T:
    """Runs a coroutine; a refusal is printed in French and exits with status 2."""
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except DmpError as error:
        errors.print(f"[red]Refusé :[/red] {error.message('fr')} [dim]({error.code})[/dim]")
        raise typer.Exit(2) from None
