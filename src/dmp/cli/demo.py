"""``dmp demo``: a fresh local world on SQLite — keys, migrations, seed, a local SMTP sink
and the server — with the hints a newcomer needs printed at start."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from dmp.auth.pki import LocalPki
from dmp.cli.context import console
from dmp.cli.operations import write_master_key
from dmp.cli.seed import ADULT_NIR, SeededWorld, seed_world
from dmp.cli.seed_content import COUNTER_LOGIN, DEMO_PASSWORD, SUPPORT_LOGIN
from dmp.config import Settings
from dmp.db import migrate
from dmp.db.engine import create_engine, create_session_factory
from dmp.db.uow import unit_of_work
from dmp.identity.directory import ProfessionalIn
from dmp.jobs.worker import BackgroundWorker
from dmp.notifications.sink import MailSink
from dmp.reference import professions
from dmp.runtime import build_runtime


def demo(
    var_dir: Path = typer.Option(Path("var/demo"), help="Dossier de la démo (recréé)."),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    smtp_port: int = typer.Option(8025, help="Port du puits SMTP local."),
    keep: bool = typer.Option(False, help="Garder les données d'une démo précédente."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Préparer sans lancer le serveur."),
) -> None:
    if var_dir.exists() and not keep:
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    write_master_key(var_dir / "master.key")
    settings = Settings(
        var_dir=var_dir,
        environment="demo",
        base_url=f"http://{host}:{port}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
    )
    migrate.upgrade(settings.effective_database_url)
    world = asyncio.run(_seed(settings))
    _print_world(world, settings)
    _print_api_hint(_demo_pki(settings, world.professionals[0]), settings)
    if no_serve:
        return
    sink = MailSink(var_dir / "mail", host="127.0.0.1", port=smtp_port)
    sink.start()
    console.print(f"Puits SMTP local : 127.0.0.1:{smtp_port} → {var_dir / 'mail'}")
    # The worker delivers the outbox (notifications, letters) and runs the scheduled jobs.
    worker = BackgroundWorker(settings)
    worker.start()
    try:
        _serve(settings, host, port)
    finally:
        worker.stop()
        sink.stop()


async def _seed(settings: Settings) -> SeededWorld:
    runtime = build_runtime(settings)
    engine = create_engine(settings.effective_database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await seed_world(session, rt=runtime)
    finally:
        await engine.dispose()


def _print_world(world: SeededWorld, settings: Settings) -> None:
    labels = professions()
    patients = Table("Patient", "NIR", "Identifiant", "Mot de passe initial", title="DMP créés")
    for label, nir, created in world.patients:
        patients.add_row(label, nir, created.login_id, created.initial_password)
    console.print(patients)
    pros = Table("Identifiant national", "Profession", "Nom", "Structure", title="Professionnels")
    for pro in world.professionals:
        pros.add_row(
            pro.national_id,
            labels.get(pro.profession_code, pro.profession_code),
            f"{pro.given_names} {pro.family_name}",
            pro.structure_name or "",
        )
    console.print(pros)
    base = settings.public_base_url
    console.print(f"{world.documents} documents déposés par les professionnels et les patients.")
    console.print(
        f"Portails professionnels et guichet : mot de passe de démonstration « {DEMO_PASSWORD} » "
        f"(identifiant national du professionnel, ou « {COUNTER_LOGIN} » / « {SUPPORT_LOGIN} »)."
    )
    console.print(
        "Les patients changent leur mot de passe initial à la première connexion ; les codes "
        f"à usage unique arrivent dans le puits SMTP ({settings.var_dir / 'mail'}) et sur "
        f"{base}/dev/messages."
    )
    console.print(f"Base SQLite : {settings.effective_database_url}")
    console.print(
        f"Service : {base}   santé : {base}/health   API : {base}/docs   FHIR : {base}/fhir"
    )
    console.print(
        f"Portails : patient {base}/connexion   professionnel {base}/pro   "
        f"guichet {base}/guichet   création en ligne {base}/creer-mon-dmp"
    )


def _demo_pki(settings: Settings, gp: ProfessionalIn) -> tuple[Path, Path]:
    """A test PKI under ``var/demo/pki`` (where the server looks by default) and a CPS
    for the demo's general practitioner, so that the FHIR API can be called at once."""
    directory = settings.var_dir / "pki"
    now = datetime.now(UTC)
    pki = LocalPki.create(now=now, name="OpenDMP Démo")
    pki.save(directory, now=now)
    issued = pki.issue_cps(
        national_id=gp.national_id,
        profession=gp.profession_code,
        given_name=gp.given_names,
        family_name=gp.family_name,
        organization=gp.structure_name,
        now=now,
        days=365,
    )
    return LocalPki.write_issued(directory, f"cps-{gp.national_id}", issued)


def _print_api_hint(cps: tuple[Path, Path], settings: Settings) -> None:
    cert, key = cps
    console.print(
        "API FHIR avec la CPS de démonstration du Dr Lefèvre (une assertion par requête) :\n"
        f"  TOKEN=$(DMP_VAR_DIR={settings.var_dir} .venv/bin/dmp token --cert {cert} "
        f"--key {key} --aud {settings.public_base_url})\n"
        f'  curl -H "Authorization: Bearer $TOKEN" '
        f"'{settings.public_base_url}/fhir/Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|"
        f"{ADULT_NIR}'",
        soft_wrap=True,
    )


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from dmp.app import serving_app

    uvicorn.run(serving_app(settings), host=host, port=port, server_header=False)
