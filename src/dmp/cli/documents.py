"""Document commands: ``dmp import documents DIR --ins NIR`` (a folder of files with JSON
sidecars, see docs/import-documents.md) and ``dmp blobs gc`` (orphan contents).

Mounted by ``dmp.cli`` as ``app.add_typer(import_app, name="import")`` and
``app.add_typer(blobs_app, name="blobs")``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dmp.cli.context import cli_session, console, run
from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.documents.importer import ImportResult, Outcome, import_folder, read_folder
from dmp.documents.schemas import GcReport
from dmp.documents.storage import collect_orphan_blobs
from dmp.identity.nir import parse_nir
from dmp.policy import Actor, ActorKind
from dmp.runtime import build_runtime

import_app = typer.Typer(help="Reprise de données.", no_args_is_help=True)
blobs_app = typer.Typer(help="Contenus chiffrés des documents.", no_args_is_help=True)

# A grace period shorter than this could remove the content of an upload whose
# transaction has not committed yet.
MINIMUM_GRACE = timedelta(minutes=5)
_DURATION = re.compile(r"(\d+)\s*([smhdj])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "j": "days"}
_LABELS = {
    Outcome.IMPORTED: "[green]importé[/green]",
    Outcome.ALREADY_PRESENT: "[yellow]déjà présent[/yellow]",
    Outcome.REFUSED: "[red]refusé[/red]",
}


@import_app.callback()
def _import_group() -> None:
    """Imports into the DMP."""


@blobs_app.callback()
def _blobs_group() -> None:
    """Maintenance of the blob store."""


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``1h``, ``2d`` (``j`` accepted for jours), or sums like ``1h30m``."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise typer.BadParameter(f"durée illisible : {text!r} (exemples : 30m, 1h, 2d)")
    return sum((timedelta(**{_UNITS[u]: int(n)}) for n, u in parts), timedelta())


@import_app.command("documents", help="Dépose un dossier de fichiers (+ métadonnées .json).")
def import_documents(
    directory: Path = typer.Argument(..., help="Dossier contenant fichiers et métadonnées."),
    ins: str = typer.Option(..., "--ins", help="NIR du titulaire (15 caractères)."),
    feed_id: str = typer.Option(
        None, "--feed", help="Flux déposant les fichiers dont les métadonnées n'ont pas d'auteur."
    ),
    feed_name: str = typer.Option("Reprise de données", "--feed-name", help="Nom de ce flux."),
) -> None:
    default_author = (
        Actor(kind=ActorKind.FEED, id=feed_id, display_name=feed_name) if feed_id else None
    )

    async def work() -> list[ImportResult]:
        nir = parse_nir(ins).value  # refused before anything is read
        entries, problems = read_folder(directory)
        settings = Settings()
        rt = build_runtime(settings)
        engine = create_engine(settings.effective_database_url)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        try:
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("Import des documents", total=len(entries))
                imported = await import_folder(
                    create_session_factory(engine),
                    rt=rt,
                    nir=nir,
                    entries=entries,
                    default_author=default_author,
                    on_result=lambda _result: progress.advance(task),
                )
        finally:
            await engine.dispose()
        return problems + imported

    results = run(work)
    _print_results(results)
    if any(r.outcome is Outcome.REFUSED for r in results):
        raise typer.Exit(1)


def _print_results(results: list[ImportResult]) -> None:
    table = Table("fichier", "résultat", "détail")
    for result in sorted(results, key=lambda r: r.name):
        detail = result.message or (str(result.document_id) if result.document_id else "")
        table.add_row(result.name, _LABELS[result.outcome], detail)
    console.print(table)
    counts = {outcome: sum(r.outcome is outcome for r in results) for outcome in Outcome}
    console.print(
        f"{counts[Outcome.IMPORTED]} importé(s), {counts[Outcome.ALREADY_PRESENT]} déjà "
        f"présent(s), {counts[Outcome.REFUSED]} refusé(s)."
    )


@blobs_app.command("gc", help="Supprime les contenus qu'aucun document ne référence.")
def gc(
    older_than: str = typer.Option(
        "1h", "--older-than", help="Délai de grâce : seuls les contenus plus anciens partent."
    ),
) -> None:
    grace = parse_duration(older_than)
    if grace < MINIMUM_GRACE:
        raise typer.BadParameter(
            "au moins 5m : un contenu plus récent peut appartenir à un dépôt en cours",
            param_hint="--older-than",
        )

    async def work() -> GcReport:
        async with cli_session() as (session, rt):
            return await collect_orphan_blobs(session, rt=rt, older_than=grace)

    report = run(work)
    console.print(
        f"{report.examined} contenu(s) examiné(s), {report.removed} orphelin(s) supprimé(s), "
        f"{report.kept_young} orphelin(s) récent(s) conservé(s), "
        f"{report.removed_temp_files} fichier(s) temporaire(s) supprimé(s)."
    )
