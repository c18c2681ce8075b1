"""The operator's commands, run as the operator runs them (in-process Typer runner,
real SQLite file, real migrations)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dmp.cli import app
from tests.builders.nirs import make_nir

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {"DMP_VAR_DIR": str(tmp_path / "var")}
    assert runner.invoke(app, ["keys", "init"], env=values).exit_code == 0
    assert runner.invoke(app, ["db", "upgrade"], env=values).exit_code == 0
    return values


def _create(env: dict[str, str], nir: str) -> str:
    result = runner.invoke(
        app,
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
    return result.output


def test_nir_check_says_why(env):
    bad = runner.invoke(app, ["identity", "nir", "295109912611199"], env=env)
    assert bad.exit_code == 2 and "clé de contrôle" in bad.output
    good = runner.invoke(app, ["identity", "nir", "295109912611193"], env=env)
    assert good.exit_code == 0 and "NIR valide" in good.output


def test_create_prints_credentials_and_refuses_without_consent(env):
    nir = make_nir()
    refused = runner.invoke(
        app,
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
        ],
        env=env,
    )
    assert refused.exit_code == 2 and "consentement" in refused.output
    output = _create(env, nir)
    assert "Identifiant de connexion" in output and "Mot de passe initial" in output
    again = runner.invoke(app, ["dossier", "lookup", nir], env=env)
    assert "active" in again.output


def test_audit_verify_detects_an_edited_trace_and_exits_non_zero(env):
    _create(env, make_nir())
    assert runner.invoke(app, ["audit", "verify"], env=env).exit_code == 0
    database = Path(env["DMP_VAR_DIR"]) / "dmp.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE trace SET actor_id = 'forged' WHERE seq = 1")
    result = runner.invoke(app, ["audit", "verify"], env=env)
    assert result.exit_code == 1
    assert "séquence 1" in result.output and "edited" in result.output


def test_purge_dry_run_lists_nothing_before_retention_and_purge_refuses_early(env):
    nir = make_nir()
    _create(env, nir)
    closed = runner.invoke(app, ["dossier", "close", nir, "--reason", "death"], env=env)
    assert closed.exit_code == 0, closed.output
    dry = runner.invoke(app, ["purge", "--dry-run"], env=env)
    assert dry.exit_code == 0 and "0 dossier(s) seraient détruits" in dry.output
    twice = runner.invoke(app, ["dossier", "close", nir, "--reason", "death"], env=env)
    assert twice.exit_code == 2 and "déjà fermé" in twice.output


def test_creation_code_issue_prints_a_twelve_character_code(env):
    result = runner.invoke(app, ["creation-code", "issue", make_nir()], env=env)
    assert result.exit_code == 0
    code = result.output.split("Code de création :")[1].split()[0]
    assert len(code) == 12


def test_directory_import_validates_every_row_first(env, tmp_path):
    good = tmp_path / "annuaire.csv"
    good.write_text(
        "national_id,profession_code,specialty,family_name,given_names,structure_id,structure_name\n"
        "810002345678,10,Médecine générale,Lefèvre,Claire,,Cabinet\n"
    )
    assert (
        "1 professionnel" in runner.invoke(app, ["directory", "import", str(good)], env=env).output
    )
    bad = tmp_path / "mauvais.csv"
    bad.write_text(good.read_text() + "810002345679,99,,X,Y,,\n")
    result = runner.invoke(app, ["directory", "import", str(bad)], env=env)
    assert result.exit_code == 2 and "Code profession inconnu" in result.output
