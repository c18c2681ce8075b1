"""One error hierarchy. A ``DmpError`` carries a stable code, an HTTP status, a FHIR issue
code and a message in French and English; one place (``app.py``) renders it as JSON, as a
French HTML page or as a FHIR OperationOutcome. Expected refusals are 4xx, never 500.

Domains subclass it with class attributes; ``fields`` fill the message templates and are
returned to machine clients so that they can react precisely.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DmpError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    fhir_code: ClassVar[str] = "invalid"  # OperationOutcome.issue.code
    message_fr: ClassVar[str] = "La demande n'a pas pu être traitée."
    message_en: ClassVar[str] = "The request could not be processed."

    # True when the work flushed before the error (a denial's trace) must still be
    # committed: the unit of work commits, then re-raises. Only set where nothing else
    # can have been changed yet (access enforcement runs before any mutation).
    keep_changes: bool = False

    def __init__(self, **fields: Any) -> None:
        self.fields = fields
        super().__init__(self.message("en"))

    def message(self, language: str = "fr") -> str:
        template = self.message_fr if language == "fr" else self.message_en
        try:
            return template.format(**self.fields)
        except (KeyError, IndexError):
            return template

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message("fr"),
            "message_en": self.message("en"),
            "fields": {k: _jsonable(v) for k, v in self.fields.items()},
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


class InvalidInput(DmpError):
    code = "invalid_input"
    status = 400
    fhir_code = "invalid"
    message_fr = "Donnée invalide : {detail}"
    message_en = "Invalid input: {detail}"


class NotFound(DmpError):
    code = "not_found"
    status = 404
    fhir_code = "not-found"
    message_fr = "{what} introuvable."
    message_en = "{what} not found."


class Conflict(DmpError):
    code = "conflict"
    status = 409
    fhir_code = "conflict"
    message_fr = "Conflit : {detail}"
    message_en = "Conflict: {detail}"


class BusinessRule(DmpError):
    code = "business_rule"
    status = 422
    fhir_code = "business-rule"
    message_fr = "Opération impossible : {detail}"
    message_en = "Operation not possible: {detail}"


class AccessDenied(DmpError):
    """A policy refusal. ``reason`` is the policy's stable reason code."""

    code = "access_denied"
    status = 403
    fhir_code = "forbidden"
    message_fr = "Accès refusé ({reason})."
    message_en = "Access denied ({reason})."


class Unauthenticated(DmpError):
    code = "unauthenticated"
    status = 401
    fhir_code = "login"
    message_fr = "Authentification refusée : {detail}"
    message_en = "Authentication refused: {detail}"


class TooLarge(DmpError):
    code = "too_large"
    status = 413
    fhir_code = "too-costly"
    message_fr = "Contenu trop volumineux : {size} octets pour un maximum de {limit}."
    message_en = "Content too large: {size} bytes, the limit is {limit}."


class UnsupportedMediaType(DmpError):
    code = "unsupported_media_type"
    status = 415
    fhir_code = "not-supported"
    message_fr = "Format non accepté : {detail}"
    message_en = "Unsupported format: {detail}"


class TraceUnavailable(DmpError):
    """A read whose trace cannot be written must fail."""

    code = "trace_unavailable"
    status = 503
    fhir_code = "transient"
    message_fr = "La traçabilité est indisponible : l'accès est refusé, réessayez plus tard."
    message_en = "Audit trail unavailable: access refused, try again later."
