"""Operating the service: serve, database, keys, audit verification, purge, directory."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import uuid
from pathlib import Path

import typer
from rich.table import Table

from dmp.audit.service import verify_chains
from dmp.cli.context import cli_session, console, errors, operator_actor, run
from dmp.config import Settings
from dmp.db import migrate
from dmp.dossiers.purge import due_for_purge, purge_dossier
from dmp.identity.directory import read_directory_csv, upsert_professionals

db_app = typer.Typer(help="Base de données : migrations Alembic.", no_args_is_help=True)
keys_app = typer.Typer(help="Clé maîtresse de chiffrement.", no_args_is_help=True)
audit_app = typer.Typer(help="Traces : vérification de la chaîne.", no_args_is_help=True)
directory_app = typer.Typer(help="Annuaire des professionnels.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve", help="Lance le serveur HTTP.")(serve)
    app.command("purge", help="Détruit les DMP dont la conservation a expiré.")(purge)
    app.add_typer(db_app, name="db")
    app.add_typer(keys_app, name="keys")
    app.add_typer(audit_app, name="audit")
    app.add_typer(directory_app, name="directory")
    from dmp.cli.demo import demo

    app.command("demo", help="Démo locale : base SQLite, données, boîte mail, serveur.")(demo)


def serve(
    host: str = typer.Option("127.0.0.1", help="Adresse d'écoute."),
    port: int = typer.Option(8000, help="Port d'écoute."),
    workers: int = typer.Option(1, help="Processus serveurs."),
) -> None:
    import uvicorn

    uvicorn.run(
        "dmp.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        server_header=False,
    )


@db_app.command("upgrade", help="Applique les migrations (SQLite ou PostgreSQL).")
def db_upgrade(revision: str = typer.Argument("heads")) -> None:
    settings = Settings()
    migrate.upgrade(settings.effective_database_url, revision)
    console.print(f"Base à jour : {settings.effective_database_url.split('@')[-1]}")


def write_master_key(path: Path) -> bool:
    """Writes a new random master key (mode 0600) unless one exists; True if written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return True


@keys_app.command("init", help="Crée var/master.key si elle n'existe pas.")
def keys_init() -> None:
    settings = Settings()
    path = settings.master_key_file or settings.var_dir / "master.key"
    if write_master_key(path):
        console.print(f"Clé maîtresse créée : {path} (à sauvegarder hors de la base)")
    else:
        console.print(f"Clé maîtresse déjà présente : {path}")


@audit_app.command("verify", help="Vérifie la chaîne de hachage des traces.")
def audit_verify(dossier: str = typer.Option("", help="Un seul dossier (identifiant).")) -> None:
    async def work() -> list:  # type: ignore[type-arg]
        async with cli_session() as (session, _rt):
            return await verify_chains(session, dossier_id=uuid.UUID(dossier) if dossier else None)

    faults = run(work)
    if not faults:
        console.print("Chaînes de traces intègres.")
        return
    for fault in faults:
        errors.print(
            f"[red]Altération[/red] dossier {fault.dossier_id} "
            f"séquence {fault.seq} : {fault.problem}"
        )
    raise typer.Exit(1)


def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Lister sans rien détruire."),
) -> None:
    actor = operator_actor()

    async def work() -> list:  # type: ignore[type-arg]
        async with cli_session() as (session, rt):
            due = await due_for_purge(session, rt=rt)
            if not dry_run:
                for candidate in due:
                    await purge_dossier(
                        session, rt=rt, actor=actor, dossier_id=candidate.dossier_id
                    )
            return due

    due = run(work)
    table = Table("dossier", "fermé le", "à détruire après", "suppression demandée")
    for c in due:
        table.add_row(
            str(c.dossier_id),
            str(c.closed_at),
            str(c.purge_after),
            "oui" if c.deletion_requested else "non",
        )
    console.print(table)
    verb = "seraient détruits" if dry_run else "détruits"
    console.print(f"{len(due)} dossier(s) {verb}.")


@directory_app.command("import", help="Importe un extrait CSV de l'annuaire des professionnels.")
def directory_import(path: Path) -> None:
    async def work() -> int:
        rows = read_directory_csv(await asyncio.to_thread(path.read_text))
        async with cli_session() as (session, rt):
            return await upsert_professionals(session, rt=rt, rows=rows)

    console.print(f"{run(work)} professionnel(s) importé(s).")
