"""Importing a folder of files with JSON sidecars: through the service path (both
databases), and end to end through the command line on a temporary SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dmp.cli import app as dmp_app
from dmp.cli.documents import parse_duration
from dmp.documents.errors import DocumentAlreadyExists
from dmp.documents.importer import import_entry, read_folder
from dmp.documents.schemas import AuthorKind
from dmp.errors import InvalidInput
from dmp.identity.directory import ProfessionalIn, upsert_professionals
from tests.builders.documents import CDA, PDF, TEXT
from tests.builders.nirs import make_nir

PRO = {"kind": "professional", "national_id": "810001234565", "profession": "10",
       "name": "Dr Jean Dupont", "structure_name": "Centre de cardiologie"}  # fmt: skip


def _write(folder: Path, name: str, content: bytes, sidecar: dict | str | None) -> None:
    (folder / name).write_bytes(content)
    if sidecar is not None:
        text = sidecar if isinstance(sidecar, str) else json.dumps(sidecar)
        (folder / f"{name}.json").write_text(text, encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "import"
    folder.mkdir()
    _write(folder, "consultation.pdf", PDF, {
        "type_code": "11488-4", "title": "Consultation du 27 février",
        "creation_time": "2026-02-27T14:00:00+01:00", "author": PRO,
    })  # fmt: skip
    _write(folder, "cr-cardio.xml", CDA, {"type_code": "11488-4", "author": PRO})
    _write(folder, "remboursements.txt", TEXT, {
        "type_code": "REMB", "title": "Historique", "creation_time": "2026-03-01T00:00:00Z",
        "author": {"kind": "feed", "id": "cnam-sniiram", "name": "Assurance Maladie"},
    })  # fmt: skip
    _write(folder, "sans-metadonnees.pdf", PDF, None)
    _write(folder, "illisible.pdf", PDF, "{not json")
    _write(folder, "type-inconnu.pdf", PDF, {
        "type_code": "00000-0", "title": "?", "creation_time": "2026-01-01T00:00:00Z",
        "author": PRO,
    })  # fmt: skip
    (folder / "orphelin.pdf.json").write_text("{}")
    return folder


def test_the_folder_is_paired_and_checked_before_anything_is_imported(folder):
    entries, problems = read_folder(folder)
    assert [e.path.name for e in entries] == [
        "consultation.pdf",
        "cr-cardio.xml",
        "remboursements.txt",
        "type-inconnu.pdf",
    ]
    assert entries[1].sidecar.mime == "text/xml"  # from the extension
    refused = {p.name: p.message for p in problems}
    assert set(refused) == {"sans-metadonnees.pdf", "illisible.pdf", "orphelin.pdf.json"}
    assert "métadonnées absentes" in refused["sans-metadonnees.pdf"]
    with pytest.raises(InvalidInput):
        read_folder(folder / "absent")


async def test_entries_go_through_the_deposit_path_as_their_author(session, rt, folder, dossier_id):
    entries, _ = read_folder(folder)
    by_name = {e.path.name: e for e in entries}
    pdf = await import_entry(
        session, rt=rt, dossier_id=dossier_id, entry=by_name["consultation.pdf"]
    )
    assert (pdf.author.id, pdf.author.name, pdf.author.profession) == (
        "810001234565",
        "Dr Jean Dupont",
        "10",
    )
    assert pdf.author.structure_name == "Centre de cardiologie"
    cda = await import_entry(session, rt=rt, dossier_id=dossier_id, entry=by_name["cr-cardio.xml"])
    assert cda.title == "Compte rendu de consultation de cardiologie"
    remb = await import_entry(
        session, rt=rt, dossier_id=dossier_id, entry=by_name["remboursements.txt"]
    )
    assert remb.author.kind is AuthorKind.FEED and remb.class_code == "60"
    # The unique id derives from the content: a second run finds the document there.
    with pytest.raises(DocumentAlreadyExists):
        await import_entry(session, rt=rt, dossier_id=dossier_id, entry=by_name["consultation.pdf"])


async def test_the_directory_completes_and_checks_the_author(session, rt, folder, dossier_id):
    await upsert_professionals(
        session,
        rt=rt,
        rows=[ProfessionalIn("810001234565", "40", "Dupont", "Jeanne", structure_id="1750000001")],
    )
    entries, _ = read_folder(folder)
    with pytest.raises(InvalidInput, match="annuaire"):  # the sidecar says médecin
        await import_entry(session, rt=rt, dossier_id=dossier_id, entry=entries[0])
    bare = entries[0].sidecar.model_copy(
        update={"author": entries[0].sidecar.author.model_copy(update={"profession": None})}
    )
    doc = await import_entry(
        session, rt=rt, dossier_id=dossier_id, entry=type(entries[0])(entries[0].path, bare)
    )
    assert doc.author.profession == "40"


def test_durations():
    assert parse_duration("1h30m").total_seconds() == 5400
    assert parse_duration("2d").days == 2
    with pytest.raises(typer.BadParameter):
        parse_duration("soon")


runner = CliRunner()


def test_the_command_line_imports_with_a_progress_bar_and_is_repeatable(tmp_path, folder):
    env = {"DMP_VAR_DIR": str(tmp_path / "var"), "COLUMNS": "200"}
    cli = dmp_app
    assert runner.invoke(dmp_app, ["keys", "init"], env=env).exit_code == 0
    assert runner.invoke(dmp_app, ["db", "upgrade"], env=env).exit_code == 0
    nir = make_nir()
    created = runner.invoke(
        dmp_app,
        ["dossier", "create", "--nir", nir, "--family-name", "Petit", "--given-names", "Luc",
         "--birth-date", "1970-01-02", "--consent"],
        env=env,
    )  # fmt: skip
    assert created.exit_code == 0, created.output

    first = runner.invoke(cli, ["import", "documents", str(folder), "--ins", nir], env=env)
    assert first.exit_code == 1, first.output  # some files are refused
    assert "3 importé(s), 0 déjà présent(s), 4 refusé(s)." in first.output
    assert "Type de document inconnu" in first.output

    again = runner.invoke(cli, ["import", "documents", str(folder), "--ins", nir], env=env)
    assert "0 importé(s), 3 déjà présent(s), 4 refusé(s)." in again.output

    gc = runner.invoke(cli, ["blobs", "gc", "--older-than", "1h"], env=env)
    assert gc.exit_code == 0, gc.output
    assert "3 contenu(s) examiné(s), 0 orphelin(s) supprimé(s)" in gc.output
    too_short = runner.invoke(cli, ["blobs", "gc", "--older-than", "10s"], env=env)
    assert too_short.exit_code == 2

    unknown = runner.invoke(cli, ["import", "documents", str(folder), "--ins", make_nir()], env=env)
    assert unknown.exit_code == 2 and "Aucun DMP" in unknown.output
