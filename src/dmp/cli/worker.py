"""``dmp worker``: delivers the notifications outbox and runs the scheduled jobs.

Mounted by ``dmp.cli`` as ``app.command("worker", help=...)(worker)``.
"""

from __future__ import annotations

import asyncio
import signal

import typer

from dmp.cli.context import console, errors
from dmp.config import Settings
from dmp.jobs.lock import WorkerAlreadyRunning
from dmp.jobs.worker import TickReport, run_worker


def worker(
    once: bool = typer.Option(False, "--once", help="Un seul passage, puis s'arrêter."),
) -> None:
    """Envoie les notifications en attente et exécute les tâches planifiées."""
    settings = Settings()

    async def main() -> TickReport | None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            # A stop finishes the current message or job, then exits: nothing half done.
            loop.add_signal_handler(signum, stop.set)
        return await run_worker(settings, stop=stop, once=once)

    if not once:
        console.print(
            f"Worker démarré (base : {settings.effective_database_url.split('@')[-1]}, "
            f"passage toutes les {settings.worker_poll_seconds:g} s). Ctrl+C pour arrêter."
        )
    try:
        report = asyncio.run(main())
    except WorkerAlreadyRunning as error:
        errors.print(f"[red]Refusé :[/red] {error}")
        raise typer.Exit(2) from None
    if report is not None:
        delivery, jobs = report.delivery, report.jobs
        console.print(
            f"{delivery.sent} message(s) envoyé(s), {delivery.retried} à réessayer, "
            f"{delivery.failed} en échec, {delivery.expired} expiré(s) ; "
            f"tâches : {len(jobs.done)} faite(s), {len(jobs.failed)} en échec."
        )
