"""Every French sentence the patient portal can show, found where it is written: the
``_("…")`` calls of the templates; in the Python modules, the texts given to a page
(titles, field errors, messages) and the tables of words the templates translate; and
the words of other domains the pages pass through ``_``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dmp.audit.history import ACTION_LABELS, MODE_LABELS, REASON_LABELS
from dmp.feeds.schemas import column_label
from dmp.feeds.sections import sections
from dmp.portals.patient import (
    context,
    labels,
    pages_add,
    pages_document,
    pages_history,
    pages_home,
    pages_login,
)
from dmp.portals.public import ENTRANCES
from dmp.reference import patient_categories

ROOT = Path(__file__).resolve().parents[3] / "src" / "dmp" / "portals"
_CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")
_SHOWN_KEYWORDS = frozenset({"message", "title"})


def template_messages() -> set[str]:
    found = set()
    for path in (ROOT / "templates" / "patient").glob("*.html"):
        for match in _CALL.finditer(path.read_text()):
            found.add(match.group(1) if match.group(1) is not None else match.group(2))
    return found


def _constants(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _values(node: ast.AST) -> set[str]:
    """The texts of a dict display or comprehension (its values, not its keys)."""
    if isinstance(node, ast.Dict):
        return set().union(*(_constants(v) for v in node.values if v is not None))
    if isinstance(node, ast.DictComp):
        return _constants(node.value)
    return set()


def _shown(tree: ast.AST) -> set[str]:
    shown: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and getattr(target.value, "id", "") == "errors"
                ):
                    shown |= _constants(node.value)
                if isinstance(target, ast.Name) and target.id == "errors":
                    shown |= _values(node.value)
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("page", "Page") and len(node.args) >= 2:
                shown |= _constants(node.args[1])
            for keyword in node.keywords:
                if keyword.arg in _SHOWN_KEYWORDS:
                    shown |= _constants(keyword.value)
                if keyword.arg == "errors":
                    shown |= _values(keyword.value)
    return {text for text in shown if " " in text or text[:1].isupper()}


def python_messages() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "patient").glob("*.py"):
        found |= _shown(ast.parse(path.read_text()))
    found |= set(context.DONE.values()) | set(pages_login.RESTART.values())
    found |= set(pages_document.PROBLEMS.values()) | set(pages_history.WHO.values())
    for view in pages_home.VIEWS.values():
        found |= {view.title, view.intro}
    for title, hint in pages_add.KINDS.values():
        found |= {title, hint}
    for table in (
        labels.STATUS,
        labels.VISIBILITY,
        labels.FORMATS,
        labels.AUDIENCE,
        labels.AUTH_ACTIONS,
        labels._BASIS,
        labels._AUDIENCE_ALLOWED,
        labels._REASONS,
        labels._PATIENT_SIDE_AUTHOR,
    ):
        found |= set(table.values())
    # Words the label functions return as they are.
    found |= {
        labels._MASKED_IN_EMERGENCY,
        "Médecin traitant DMP",
        "Administrateur de votre DMP",
        "Autorisé",
        "Bloqué",
        "Autorisation retirée",
        "Il n'a plus d'autorisation sur votre DMP.",
        "Peut voir ce document.",
        "Ne peut pas voir ce document.",
        "Oui",
        "Non",
    }
    return found


def domain_messages() -> set[str]:
    """Words of other domains the portal shows through ``_``."""
    found = set(patient_categories()) | set(ACTION_LABELS.values()) | set(MODE_LABELS.values())
    for label, columns in sections().values():
        found.add(label)
        found |= {column_label(column) for column in columns}
    found |= set(REASON_LABELS.values()) | {"autorisé"}
    found |= {entrance["label"] for entrance in ENTRANCES if entrance["url"] in _OURS}
    return found


_OURS = frozenset({"/connexion", "/creer-mon-dmp"})  # the public home's patient entrances


def all_messages() -> set[str]:
    return template_messages() | python_messages() | domain_messages()
