"""``dmp import reimbursements``, ``dmp import fhir`` and ``dmp worker``, run as the
operator runs them (Typer runner, SQLite file, real migrations, real SMTP sink)."""

from __future__ import annotations

import socket
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
import typer
from typer.testing import CliRunner

from dmp.cli import app as dmp_app
from dmp.cli.imports import import_fhir, import_reimbursements
from dmp.cli.worker import worker
from dmp.notifications.sink import MailSink
from tests.builders.feeds import as_csv, consultation, pharmacy
from tests.builders.nirs import make_nir
from tests.feeds.test_fhir_import import SYNTHEA, small_bundle

runner = CliRunner()


def commands() -> typer.Typer:
    """Mounted as the lead mounts them in ``dmp.cli``."""
    cli = typer.Typer()
    imports = typer.Typer()
    imports.command("reimbursements")(import_reimbursements)
    imports.command("fhir")(import_fhir)
    cli.add_typer(imports, name="import")
    cli.command("worker")(worker)
    return cli


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path):
    values = {
        "DMP_VAR_DIR": str(tmp_path / "var"),
        "DMP_PASSWORD_HASH_TIME_COST": "1",
        "DMP_PASSWORD_HASH_MEMORY_KIB": "1024",
        "DMP_SMTP_PORT": str(free_port()),
        "COLUMNS": "400",  # rich's tables unwrapped, so the output reads as one line each
    }
    assert runner.invoke(dmp_app, ["keys", "init"], env=values).exit_code == 0
    assert runner.invoke(dmp_app, ["db", "upgrade"], env=values).exit_code == 0
    return values


def create(env, nir: str) -> None:
    result = runner.invoke(
        dmp_app,
        [
            "dossier",
            "create",
            "--nir",
            nir,
            "--family-name",
            "Petit",
            "--given-names",
            "Luc",
            "--birth-date",
            "1970-01-02",
            "--consent",
            "--email",
            "luc.petit@example.org",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output


def test_import_reimbursements_is_idempotent(env, tmp_path):
    nir = make_nir("1", 70)
    create(env, nir)
    today = date.today()
    csv = tmp_path / "remboursements.csv"
    csv.write_text(
        as_csv([pharmacy(nir, today - timedelta(days=5)), consultation(nir, today)]), "utf-8"
    )
    first = runner.invoke(commands(), ["import", "reimbursements", str(csv)], env=env)
    assert first.exit_code == 0, first.output
    assert "2 ajoutée(s), 0 déjà présente(s)" in first.output
    assert "1 document(s) mis à jour" in first.output and "lignes/s" in first.output
    again = runner.invoke(commands(), ["import", "reimbursements", str(csv)], env=env)
    assert again.exit_code == 0, again.output
    assert "0 ajoutée(s), 2 déjà présente(s)" in again.output


def test_import_reimbursements_reports_refused_lines(env, tmp_path):
    csv = tmp_path / "remboursements.csv"
    csv.write_text(as_csv([pharmacy(make_nir("2", 71), date.today())]), "utf-8")
    result = runner.invoke(commands(), ["import", "reimbursements", str(csv)], env=env)
    assert result.exit_code == 1
    assert "ligne 2 : aucun DMP pour ce NIR" in result.output


def test_import_fhir_takes_a_folder_of_bundles(env, tmp_path):
    folder = tmp_path / "bundles"
    folder.mkdir()
    (folder / "synthea.json").symlink_to(SYNTHEA)  # the shared file itself, not a copy
    (folder / "durand.json").write_bytes(orjson.dumps(small_bundle(make_nir("2", 80, 4))))
    (folder / "broken.json").write_text("{", "utf-8")
    result = runner.invoke(
        commands(), ["import", "fhir", str(folder), "--consent", "--test-ins"], env=env
    )
    assert result.exit_code == 1, result.output  # the broken file is reported
    output = " ".join(result.output.split())
    assert "créé (INS de test)" in output
    assert "Observation : type de ressource non pris en charge" in output
    assert "broken.json" in output
    again = runner.invoke(
        commands(), ["import", "fhir", str(folder / "synthea.json"), "--test-ins"], env=env
    )
    assert again.exit_code == 0, again.output
    assert "existant" in again.output and "0 importé(s)" in " ".join(again.output.split())


def test_the_worker_delivers_the_creation_acknowledgement(env, tmp_path):
    sink = MailSink(tmp_path / "mail", port=int(env["DMP_SMTP_PORT"]))
    sink.start()
    try:
        create(env, make_nir("2", 72))
        result = runner.invoke(commands(), ["worker", "--once"], env=env)
    finally:
        sink.stop()
    assert result.exit_code == 0, result.output
    assert "1 message(s) envoyé(s)" in result.output
    [message] = sink.messages()
    assert message["Subject"] == "Création de votre Dossier Médical Partagé"
