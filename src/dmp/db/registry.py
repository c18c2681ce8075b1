"""Loads every domain's ``models`` module so that ``Base.metadata`` knows every table.

Discovery instead of a hand-kept list: a new domain's tables cannot be forgotten by
Alembic or by the drift test.
"""

from __future__ import annotations

import importlib
import pkgutil

import dmp


def import_all_models() -> None:
    for module in pkgutil.iter_modules(dmp.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"dmp.{module.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"dmp.{module.name}.models":
                    raise
