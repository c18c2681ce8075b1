"""``dmp``: the operator's command line (serve, db, keys, dossiers, audit, purge, demo…)."""

from __future__ import annotations

import typer

from dmp.auth.cli import pki_app, token
from dmp.cli import dossiers, operations
from dmp.cli.accounts import accounts_app
from dmp.cli.documents import blobs_app, import_app
from dmp.cli.imports import import_fhir, import_reimbursements
from dmp.cli.worker import worker

app = typer.Typer(
    name="dmp",
    help="OpenDMP — Dossier Médical Partagé : commandes d'exploitation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
operations.register(app)
app.add_typer(dossiers.app, name="dossier", help="Créer, consulter, fermer, réactiver un DMP.")
app.add_typer(dossiers.codes_app, name="creation-code", help="Codes de création de DMP.")
app.add_typer(dossiers.identity_app, name="identity", help="Vérifier un NIR ou un identifiant PS.")
app.add_typer(import_app, name="import", help="Importer des documents dans un DMP.")
app.add_typer(blobs_app, name="blobs", help="Contenus chiffrés : ramasse-miettes.")
app.add_typer(
    accounts_app,
    name="accounts",
    help="Comptes : réédition, déverrouillage, inscription des professionnels et agents.",
)

app.add_typer(pki_app, name="pki", help="Autorité de test et certificats CPS/SAMU/flux.")
app.command("token", help="Imprime une assertion signée pour curl.")(token)
app.command("worker", help="Envoie les notifications et exécute les tâches planifiées.")(worker)
import_app.command("reimbursements")(import_reimbursements)
import_app.command("fhir")(import_fhir)


def main() -> None:
    app()
