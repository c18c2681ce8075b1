"""JSON Patch (RFC 6902) applied to a resource's JSON: add, remove, replace, test, move
and copy. The caller then compares before and after to see what the client changed; no
path is evaluated against anything but the document it patches."""

from __future__ import annotations

import copy
from typing import Any

from dmp.fhir.errors import MalformedPatch

_OPERATIONS = frozenset({"add", "remove", "replace", "test", "move", "copy"})


def _malformed(fr: str, en: str) -> MalformedPatch:
    return MalformedPatch(detail=fr, detail_en=en)


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise _malformed(f"chemin « {pointer} » sans « / » initial", f"path '{pointer}' lacks '/'")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


_APPEND = "-"  # RFC 6902: past the last element of an array


def _index(container: list[Any], token: str, *, adding: bool) -> int:
    if adding and token == _APPEND:
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise _malformed(f"indice « {token} » invalide", f"invalid index '{token}'")
    index = int(token)
    if index > len(container) or (index == len(container) and not adding):
        raise _malformed(f"indice {index} hors limites", f"index {index} out of range")
    return index


def _parent(document: Any, pointer: str) -> tuple[Any, str]:
    tokens = _tokens(pointer)
    if not tokens:
        raise _malformed("la racine ne se modifie pas", "the root cannot be patched")
    node = document
    for token in tokens[:-1]:
        node = _child(node, token)
    return node, tokens[-1]


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict) and token in node:
        return node[token]
    if isinstance(node, list):
        return node[_index(node, token, adding=False)]
    raise _malformed(f"« {token} » n'existe pas", f"'{token}' does not exist")


def _get(document: Any, pointer: str) -> Any:
    node = document
    for token in _tokens(pointer):
        node = _child(node, token)
    return node


def _add(document: Any, pointer: str, value: Any) -> None:
    parent, token = _parent(document, pointer)
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, adding=True), value)
    else:
        raise _malformed(
            f"« {pointer} » ne désigne pas un conteneur", f"'{pointer}' has no container"
        )


def _remove(document: Any, pointer: str) -> Any:
    parent, token = _parent(document, pointer)
    if isinstance(parent, dict):
        if token not in parent:
            raise _malformed(f"« {pointer} » n'existe pas", f"'{pointer}' does not exist")
        return parent.pop(token)
    if isinstance(parent, list):
        return parent.pop(_index(parent, token, adding=False))
    raise _malformed(f"« {pointer} » n'existe pas", f"'{pointer}' does not exist")


def apply_patch(document: dict[str, Any], operations: Any) -> dict[str, Any]:
    """A patched copy of ``document``; the original is left untouched."""
    if not isinstance(operations, list) or not operations:
        raise _malformed("une liste d'opérations est attendue", "a list of operations is expected")
    result = copy.deepcopy(document)
    for operation in operations:
        if not isinstance(operation, dict) or operation.get("op") not in _OPERATIONS:
            raise _malformed(
                "chaque opération a un « op » parmi add, remove, replace, test, move, copy",
                "each operation has an 'op' among add, remove, replace, test, move, copy",
            )
        op, path = operation["op"], operation.get("path")
        if not isinstance(path, str):
            raise _malformed("« path » manquant", "'path' missing")
        if op in ("add", "replace", "test") and "value" not in operation:
            raise _malformed(f"« value » manquant pour {op}", f"'value' missing for {op}")
        if op == "add":
            _add(result, path, copy.deepcopy(operation["value"]))
        elif op == "remove":
            _remove(result, path)
        elif op == "replace":
            _remove(result, path)
            _add(result, path, copy.deepcopy(operation["value"]))
        elif op == "test":
            if _get(result, path) != operation["value"]:
                raise _malformed(f"le test sur « {path} » a échoué", f"test on '{path}' failed")
        else:
            source = operation.get("from")
            if not isinstance(source, str):
                raise _malformed(f"« from » manquant pour {op}", f"'from' missing for {op}")
            value = _remove(result, source) if op == "move" else copy.deepcopy(_get(result, source))
            _add(result, path, value)
    return result


def apply_merge_patch(document: dict[str, Any], patch: Any) -> dict[str, Any]:
    """JSON Merge Patch (RFC 7386): what fhirpy's ``patch`` sends. Objects merge, ``null``
    removes, anything else replaces."""
    if not isinstance(patch, dict):
        raise _malformed("un objet JSON est attendu", "a JSON object is expected")
    merged: dict[str, Any] = _merge(copy.deepcopy(document), patch)
    return merged


def _merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge(result.get(key), value)
    return result
