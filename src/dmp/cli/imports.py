"""Feed imports: ``dmp import reimbursements FILE.csv`` (the Assurance Maladie's care
lines, any number of patients) and ``dmp import fhir BUNDLE.json|DIR`` (FHIR patient
bundles, e.g. Synthea). See docs/feeds.md.

Mounted by ``dmp.cli`` on the ``import`` group:
``import_app.command("reimbursements", help=...)(import_reimbursements)`` and
``import_app.command("fhir", help=...)(import_fhir)``.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dmp.cli.context import console, errors, operator_actor, run
from dmp.config import Settings
from dmp.db.engine import create_engine, create_session_factory
from dmp.errors import DmpError, InvalidInput
from dmp.feeds.actors import ASSURANCE_MALADIE
from dmp.feeds.fhir_bundle import BundleContent, read_bundle
from dmp.feeds.fhir_import import BundleReport, import_bundle
from dmp.feeds.ingest import import_care_lines
from dmp.feeds.reimbursements import StoreReport, today
from dmp.feeds.sections import LineRefused, read_csv
from dmp.runtime import build_runtime

_COLUMNS = (
    TextColumn("{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
)


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def import_reimbursements(
    path: Path = typer.Argument(..., help="Fichier CSV (nir, section, colonnes de la section)."),
    defer: bool = typer.Option(
        False, "--sans-document", help="Ne pas refaire le document « Données de remboursement »."
    ),
) -> None:
    """Importe l'historique de remboursements de l'Assurance Maladie (idempotent)."""
    if not path.is_file():
        raise typer.BadParameter(f"{path} n'est pas un fichier", param_hint="FILE")
    settings = Settings()

    async def work() -> tuple[StoreReport, int, float]:
        rt = build_runtime(settings)
        engine = create_engine(settings.effective_database_url)
        started = time.perf_counter()
        try:
            with (
                path.open(encoding="utf-8-sig", newline="") as handle,
                Progress(*_COLUMNS, console=console) as progress,
            ):
                lines = progress.add_task("Lignes", total=_count_lines(path))
                documents = progress.add_task("Documents", total=None)
                try:
                    rows = read_csv(handle, today=today(rt))
                    report, rendered = await import_care_lines(
                        create_session_factory(engine),
                        rt=rt,
                        actor=ASSURANCE_MALADIE,
                        rows=rows,
                        render=not defer,
                        on_lines=lambda n: progress.advance(lines, n),
                        on_document=lambda n: progress.advance(documents, n),
                    )
                except LineRefused as error:
                    raise InvalidInput(detail=str(error)) from None
        finally:
            await engine.dispose()
        return report, rendered, time.perf_counter() - started

    report, rendered, seconds = run(work)
    for number, reason in report.reasons:
        errors.print(f"ligne {number} : {reason}")
    console.print(
        f"{report.received} ligne(s) lue(s) : {report.stored} ajoutée(s), "
        f"{report.already_present} déjà présente(s), {report.too_old} de plus de 24 mois, "
        f"{report.refused} refusée(s) ; {rendered} document(s) mis à jour "
        f"({report.received / max(seconds, 1e-9):,.0f} lignes/s)."
    )
    if report.refused:
        raise typer.Exit(1)


def _bundles(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob("*.json") if not p.name.startswith("."))
    if path.is_file():
        return [path]
    raise typer.BadParameter(f"{path} : ni fichier ni dossier", param_hint="PATH")


def import_fhir(
    path: Path = typer.Argument(..., help="Un Bundle FHIR (.json) ou un dossier de Bundles."),
    consent: bool = typer.Option(
        False,
        "--consent",
        help="Créer le DMP des patients qui n'en ont pas (consentement recueilli).",
    ),
    test_ins: bool = typer.Option(
        False,
        "--test-ins",
        help="Patients fictifs sans INS (Synthea) : INS de test dérivé de l'id.",
    ),
) -> None:
    """Importe des Bundles FHIR R4 de patients (Synthea…) : DMP, documents, remboursements,
    dispensations ; les ressources non prises en charge sont comptées."""
    files = _bundles(path)
    settings = Settings()
    creator = operator_actor()

    async def work() -> tuple[list[BundleReport], list[tuple[str, str]]]:
        rt = build_runtime(settings)
        engine = create_engine(settings.effective_database_url)
        factory = create_session_factory(engine)
        reports: list[BundleReport] = []
        refused: list[tuple[str, str]] = []
        parsed: list[tuple[Path, BundleContent]] = []
        for file in files:
            try:
                parsed.append((file, read_bundle(orjson.loads(file.read_bytes()))))
            except (orjson.JSONDecodeError, ValueError) as error:
                refused.append((file.name, str(error)))
        total = sum(
            1 + len(c.documents) + len(c.care_lines) + len(c.dispensations) for _, c in parsed
        )
        try:
            with Progress(*_COLUMNS, console=console) as progress:
                task = progress.add_task("Import FHIR", total=total)
                for file, content in parsed:
                    progress.update(task, description=file.name[:40])
                    try:
                        reports.append(
                            await import_bundle(
                                factory,
                                rt=rt,
                                creator=creator,
                                content=content,
                                name=file.name,
                                consent=consent,
                                allow_test_ins=test_ins,
                                progress=lambda n: progress.advance(task, n),
                            )
                        )
                    except DmpError as error:
                        refused.append((file.name, error.message("fr")))
        finally:
            await engine.dispose()
        return reports, refused

    reports, refused = run(work)
    _print_bundles(reports, refused)
    if refused:
        raise typer.Exit(1)


def _print_bundles(reports: list[BundleReport], refused: list[tuple[str, str]]) -> None:
    table = Table("bundle", "DMP", "documents", "remboursements", "dispensations")
    for r in reports:
        state = ("créé" if r.created else "existant") + (
            " (INS de test)" if r.ins_generated else ""
        )
        counts = r.documents
        docs = (
            f"{counts['imported']} importé(s), {counts['already_present']} déjà là, "
            f"{counts['refused']} refusé(s)"
        )
        lines = (
            f"{r.lines.stored} ajoutée(s), {r.lines.already_present} déjà là, "
            f"{r.lines.too_old} > 24 mois"
        )
        table.add_row(r.name, f"{r.dossier_id} {state}", docs, lines, f"{r.dispensations.stored}")
    console.print(table)
    skipped: Counter[str] = Counter()
    for r in reports:
        skipped.update(r.not_imported)
    if skipped:
        others = Table("non importé", "nombre", title="Ressources non importées")
        for reason, count in sorted(skipped.items()):
            others.add_row(reason, str(count))
        console.print(others)
    for name, reason in refused:
        errors.print(f"[red]{name}[/red] : {reason}")
