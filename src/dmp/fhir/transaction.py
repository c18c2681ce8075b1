"""Reading an ITI-65 Provide Document Bundle: a transaction holding one submission set
(List), DocumentReferences and their Binaries. Every entry is read before anything is
stored, and every problem found is reported, each with the element it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dmp.errors import DmpError
from dmp.fhir.codes import MHD_LIST_TYPES
from dmp.fhir.errors import InvalidElement, RequiredElement, UnsupportedElement
from dmp.fhir.mappers.provide import Deposit, Subject, deposit_of, subject_of

ACCEPTED_TYPES = ("List", "DocumentReference", "Binary")


@dataclass
class ProvidePlan:
    entries: list[dict[str, Any]]
    deposits: dict[int, Deposit] = field(default_factory=dict)  # by entry index
    submission_set: int | None = None
    list_subject: Subject | None = None
    refusals: list[DmpError] = field(default_factory=list)

    def refuse(self, error: DmpError) -> None:
        self.refusals.append(error)


def binaries_of(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Binaries by every name an attachment may use: the entry's fullUrl, and
    ``Binary/<id>`` for a Binary carrying an id (as the PDSm examples do)."""
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        resource = entry.get("resource") or {}
        if resource.get("resourceType") != "Binary":
            continue
        if entry.get("fullUrl"):
            found[str(entry["fullUrl"])] = resource
        if resource.get("id"):
            found[f"Binary/{resource['id']}"] = resource
    return found


def check_bundle_type(bundle: dict[str, Any]) -> None:
    if bundle.get("type") != "transaction":
        raise InvalidElement(
            path="Bundle.type",
            detail=f"« {bundle.get('type')} » reçu ; un dépôt (ITI-65) est un Bundle de type "
            "transaction (un transaction-response est la réponse du serveur)",
            detail_en=f"got '{bundle.get('type')}'; a Provide Document Bundle (ITI-65) is a "
            "transaction Bundle (transaction-response is the server's answer)",
        )


def read_plan(bundle: dict[str, Any]) -> ProvidePlan:
    check_bundle_type(bundle)
    entries = list(bundle.get("entry") or [])
    plan = ProvidePlan(entries)
    binaries = binaries_of(entries)
    for index, entry in enumerate(entries):
        path = f"Bundle.entry[{index}]"
        resource = entry.get("resource") or {}
        kind = resource.get("resourceType")
        method = (entry.get("request") or {}).get("method")
        if kind not in ACCEPTED_TYPES:
            plan.refuse(
                UnsupportedElement(
                    path=f"{path}.resource",
                    detail=f"{kind} ne fait pas partie d'un dépôt "
                    "(List, DocumentReference, Binary)",
                    detail_en=f"{kind} is not part of a deposit (List, DocumentReference, Binary)",
                )
            )
            continue
        if method != "POST":
            plan.refuse(
                UnsupportedElement(
                    path=f"{path}.request.method",
                    detail=f"{method} : chaque ressource d'un dépôt est créée (POST)",
                    detail_en=f"{method}: every resource of a deposit is created (POST)",
                )
            )
            continue
        try:
            if kind == "DocumentReference":
                plan.deposits[index] = deposit_of(resource, f"{path}.resource", binaries)
            elif kind == "List":
                _read_list(plan, index, resource)
        except DmpError as error:
            plan.refuse(error)
    _check_whole(plan)
    return plan


def _read_list(plan: ProvidePlan, index: int, resource: dict[str, Any]) -> None:
    path = f"Bundle.entry[{index}].resource"
    codes = {
        (c.get("system"), c.get("code")) for c in (resource.get("code") or {}).get("coding") or []
    }
    if (MHD_LIST_TYPES, "submissionset") not in codes:
        raise UnsupportedElement(
            path=f"{path}.code",
            detail="seul le lot de soumission (submissionset) est pris en charge, "
            "pas les classeurs (folder)",
            detail_en="only the submission set (submissionset) is supported, not folders",
        )
    if plan.submission_set is not None:
        raise InvalidElement(
            path=path,
            detail="un dépôt contient un seul lot de soumission",
            detail_en="a deposit holds one submission set",
        )
    plan.submission_set = index
    plan.list_subject = subject_of(resource.get("subject"), f"{path}.subject")


def _check_whole(plan: ProvidePlan) -> None:
    if plan.submission_set is None and not any(
        isinstance(e, UnsupportedElement) and ".code" in str(e.fields.get("path"))
        for e in plan.refusals
    ):
        plan.refuse(
            RequiredElement(
                path="Bundle.entry",
                detail="le lot de soumission (List de code submissionset)",
                detail_en="the submission set (List coded submissionset)",
            )
        )
    if not plan.deposits and not plan.refusals:
        plan.refuse(
            RequiredElement(
                path="Bundle.entry",
                detail="au moins un DocumentReference",
                detail_en="at least one DocumentReference",
            )
        )
    subjects = {d.subject.key for d in plan.deposits.values()}
    if plan.list_subject is not None:
        subjects.add(plan.list_subject.key)
    if len(subjects) > 1:
        plan.refuse(
            InvalidElement(
                path="Bundle.entry",
                detail="un dépôt concerne un seul patient (subject du List et des "
                "DocumentReference)",
                detail_en="a deposit concerns one patient (subject of the List and of the "
                "DocumentReferences)",
            )
        )
