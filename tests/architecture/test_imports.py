"""The import direction of DESIGN.md §2, checked on the source text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "dmp"
ADAPTERS = ("fhir", "portals", "cli")
INFRASTRUCTURE = ("db", "kit", "crypto", "blobs", "reference", "policy")
DOMAINS = (
    "identity",
    "auth",
    "access",
    "dossiers",
    "documents",
    "audit",
    "notifications",
    "feeds",
    "jobs",
)


def _modules() -> list[tuple[str, Path]]:
    result = []
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        result.append((".".join(("dmp", *parts)).removesuffix(".__init__"), path))
    return result


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {n for n in names if n == "dmp" or n.startswith("dmp.")}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


MODULES = _modules()


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_import_direction(module, path):
    package = _package(module)
    imported = _imports(path)
    if package == "policy":
        assert all(_package(i) == "policy" for i in imported), imported
    if package in ("db", "kit", "errors", "crypto"):
        assert not {_package(i) for i in imported} & set(DOMAINS + ADAPTERS), imported
    if package in DOMAINS:
        assert not {_package(i) for i in imported} & set(ADAPTERS), imported
    if package in ADAPTERS:
        forbidden = [i for i in imported if i.endswith((".models", ".repository"))]
        assert forbidden == [], f"adapters call services, never tables: {forbidden}"


def test_only_config_reads_the_environment():
    offenders = [
        module
        for module, path in MODULES
        if module != "dmp.config"
        and ("os.environ" in path.read_text() or "getenv" in path.read_text())
    ]
    assert offenders == []


def test_files_stay_small():
    too_long = [m for m, p in MODULES if len(p.read_text().splitlines()) > 450]
    assert too_long == []
