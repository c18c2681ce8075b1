"""``dmp accounts …``: the operator re-issues credentials, lifts locks, enrols portal
accounts (in-process Typer runner, real SQLite file, real migrations)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dmp.cli import app as dmp_app
from dmp.cli.accounts import accounts_app
from tests.builders.nirs import make_nir

runner = CliRunner()
# The lead mounts ``accounts_app`` on ``dmp``; the test mounts it on its own root too.
root = typer.Typer()
root.add_typer(accounts_app, name="accounts")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {"DMP_VAR_DIR": str(tmp_path / "var")}
    assert runner.invoke(dmp_app, ["keys", "init"], env=values).exit_code == 0
    assert runner.invoke(dmp_app, ["db", "upgrade"], env=values).exit_code == 0
    return values


def _dossier(env: dict[str, str]) -> tuple[str, str]:
    nir = make_nir()
    created = runner.invoke(
        dmp_app,
        ["dossier", "create", "--nir", nir, "--family-name", "Petit", "--given-names", "Luc",
         "--birth-date", "1970-01-02", "--consent", "--email", "luc.petit@example.org"],
        env=env,
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    return nir, re.search(r"Identifiant de connexion : (\d{10})", created.output).group(1)


def test_reissue_prints_a_temporary_password_and_optionally_a_new_identifier(env):
    nir, login_id = _dossier(env)
    same = runner.invoke(root, ["accounts", "reissue", nir], env=env)
    assert same.exit_code == 0, same.output
    assert login_id in same.output and "Mot de passe provisoire" in same.output
    renewed = runner.invoke(root, ["accounts", "reissue", nir, "--new-identifier"], env=env)
    assert renewed.exit_code == 0 and login_id not in renewed.output


def test_unlock_takes_exactly_one_target(env):
    nir, _ = _dossier(env)
    assert runner.invoke(root, ["accounts", "unlock", nir], env=env).exit_code == 0
    assert runner.invoke(root, ["accounts", "unlock"], env=env).exit_code == 2
    both = runner.invoke(root, ["accounts", "unlock", nir, "--agent", "a1"], env=env)
    assert both.exit_code == 2


def test_an_unknown_dossier_is_refused_in_french(env):
    result = runner.invoke(root, ["accounts", "reissue", make_nir()], env=env)
    assert result.exit_code == 2 and "Refusé" in result.output


def test_enrol_a_professional_of_the_directory(env, tmp_path):
    extract = tmp_path / "annuaire.csv"
    extract.write_text(
        "national_id,profession_code,specialty,family_name,given_names,structure_id,structure_name\n"
        "810002345678,10,Médecine générale,Lefèvre,Claire,1750000001,Cabinet du Marais\n"
    )
    assert runner.invoke(dmp_app, ["directory", "import", str(extract)], env=env).exit_code == 0
    enrolled = runner.invoke(
        root, ["accounts", "enrol-professional", "810002345678", "--mobile", "0611223344"], env=env
    )
    assert enrolled.exit_code == 0, enrolled.output
    assert "Compte créé : 810002345678" in enrolled.output and "provisoire" in enrolled.output
    chosen = runner.invoke(
        root, ["accounts", "enrol-professional", "810002345678", "--ask-password"],
        input="Stéthoscope bleu du mardi\nStéthoscope bleu du mardi\n", env=env,
    )  # fmt: skip
    assert chosen.exit_code == 0 and "réinitialisé" in chosen.output
    assert "provisoire" not in chosen.output
    unlocked = runner.invoke(
        root, ["accounts", "unlock", "--professional", "810002345678"], env=env
    )
    assert unlocked.exit_code == 0


def test_enrol_an_agent(env):
    result = runner.invoke(
        root, ["accounts", "enrol-agent", "support-01", "--name", "DMP Info Service", "--support",
               "--email", "support@example.fr"], env=env,
    )  # fmt: skip
    assert result.exit_code == 0 and "Compte créé : support-01" in result.output
