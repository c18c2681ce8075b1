"""The access history the holder reads: who did what on their dossier, when, in which
mode (normal, break-glass, regulation) and with which outcome, refusals included.

Reading it is itself an access (``dossier:trace:read``): enforced and traced. Filters
and pagination (newest first, by ``seq``) run in the query, never in Python.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dmp.access.enforce import enforce
from dmp.access.schemas import AccessOperation, parse_trace_target
from dmp.access.service import living_dossier
from dmp.audit.models import Trace
from dmp.audit.service import decrypt_detail
from dmp.identity.models import Professional
from dmp.identity.national_id import parse_national_id
from dmp.policy import AccessMode, Action, Actor, ActorKind, Reason
from dmp.reference import professions
from dmp.runtime import Runtime

MAX_PAGE = 200
_PROFESSIONAL_KINDS = (ActorKind.PROFESSIONAL.value, ActorKind.REGULATOR.value)

ACTION_LABELS: dict[str, str] = {
    Action.DOSSIER_LOOKUP: "Recherche de l'existence du DMP",
    Action.DOSSIER_CREATE: "Création du DMP",
    Action.DOSSIER_CLOSE: "Fermeture du DMP",
    Action.DOSSIER_REACTIVATE: "Réactivation du DMP",
    Action.DOSSIER_PURGE: "Suppression définitive du DMP",
    Action.DOSSIER_DOWNLOAD: "Téléchargement du DMP",
    Action.DOSSIER_ADMIN_READ: "Consultation des données administratives",
    Action.DOSSIER_ADMIN_UPDATE: "Modification des données administratives",
    Action.CREDENTIALS_REISSUE: "Réédition des identifiants de connexion",
    Action.DOCUMENT_LIST: "Recherche de documents",
    Action.DOCUMENT_READ: "Consultation d'un document",
    Action.DOCUMENT_ADD: "Ajout d'un document",
    Action.DOCUMENT_REPLACE: "Remplacement d'un document",
    Action.DOCUMENT_DELETE: "Suppression d'un document",
    Action.DOCUMENT_ARCHIVE: "Archivage d'un document",
    Action.DOCUMENT_SELECT: "Sélection d'un document",
    Action.DOCUMENT_MASK: "Masquage d'un document aux professionnels",
    Action.DOCUMENT_VISIBILITY: "Modification de la visibilité d'un document",
    Action.ACCESS_MANAGE: "Gestion des accès des professionnels",
    Action.ACCESS_UNBLOCK: "Déblocage d'un professionnel",
    Action.ACCESS_DECLARE_CONSENT: "Déclaration de votre consentement par un professionnel",
    Action.EMERGENCY_CONSENTS_MANAGE: "Modification des accès en cas d'urgence",
    Action.TRACE_READ: "Consultation de l'historique des accès",
}

# Management traces name their operation in the target: the label says which one.
OPERATION_LABELS: dict[AccessOperation, str] = {
    AccessOperation.AUTHORIZE: "Autorisation d'accès donnée à {who}",
    AccessOperation.REVOKE: "Autorisation d'accès retirée à {who}",
    AccessOperation.BLOCK: "Blocage de {who}",
    AccessOperation.UNBLOCK: "Déblocage de {who}",
    AccessOperation.DECLARE_CONSENT: "Déclaration de votre consentement par le professionnel",
    AccessOperation.DESIGNATE_TREATING_PHYSICIAN: "Désignation de {who} comme médecin traitant DMP",
    AccessOperation.DESIGNATE_ADMINISTRATOR: "Désignation de {who} comme administrateur du DMP",
    AccessOperation.REMOVE_DESIGNATION: (
        "Fin du rôle de médecin traitant ou d'administrateur de {who}"
    ),
    AccessOperation.RESTRICT_REPRESENTATIVES: (
        "Accès des représentants légaux limité à la présence d'un médecin"
    ),
    AccessOperation.UNRESTRICT_REPRESENTATIVES: "Levée de la restriction des représentants légaux",
    AccessOperation.LIST: "Consultation de la liste des professionnels",
    AccessOperation.COME_OF_AGE: "Majorité du titulaire : fin de l'accès des représentants légaux",
    AccessOperation.MAJORITY_CONSENT: "Consentement du titulaire majeur au maintien du DMP",
}

MODE_LABELS: dict[str, str] = {
    AccessMode.NORMAL: "normal",
    AccessMode.BREAK_GLASS: "bris de glace",
    AccessMode.REGULATION: "régulation (centre 15)",
}

REASON_LABELS: dict[str, str] = {
    Reason.ALLOWED: "autorisé",
    Reason.FORBIDDEN_ROLE: "cette catégorie de personnes n'a jamais accès au DMP",
    Reason.DOSSIER_PURGED: "DMP supprimé",
    Reason.DOSSIER_CLOSED: "DMP fermé",
    Reason.DOSSIER_NOT_CLOSED: "le DMP n'est pas fermé",
    Reason.NOT_HOLDER: "personne non rattachée à ce DMP",
    Reason.NOT_AUTHORIZED: "professionnel non autorisé",
    Reason.BLOCKED: "professionnel bloqué",
    Reason.MATRIX_DENIES_TYPE: "type de document non accessible à cette profession",
    Reason.MASKED: "document masqué aux professionnels",
    Reason.INVISIBLE_TO_PATIENT: "document non encore visible par le patient",
    Reason.INVISIBLE_TO_LEGAL_REPRESENTATIVES: "document non visible des représentants légaux",
    Reason.BREAK_GLASS_OPPOSED: "vous vous êtes opposé(e) au bris de glace",
    Reason.BREAK_GLASS_REASON_MISSING: "bris de glace sans motif",
    Reason.REGULATION_OPPOSED: "vous vous êtes opposé(e) à l'accès du centre 15",
    Reason.REGULATION_CREDENTIAL_REQUIRED: "carte de régulation requise",
    Reason.NOT_AUTHOR: "réservé à l'auteur du document",
    Reason.NOT_MANAGER: "réservé au médecin traitant DMP ou à un administrateur",
    Reason.ONLY_PATIENT_UNBLOCKS: "seul le patient peut débloquer un professionnel",
    Reason.DOCTOR_PRESENCE_REQUIRED: "accès possible seulement en présence d'un médecin",
    Reason.UNMASKABLE: "document qui ne peut pas être masqué",
    Reason.DOCUMENT_NOT_CURRENT: "document supprimé",
    Reason.MODE_NOT_ALLOWED: "mode d'accès non permis",
    Reason.REPRESENTATIVE_ACCESS_ENDED: "accès des représentants légaux terminé (majorité)",
    Reason.ACTION_NOT_PERMITTED: "opération non permise",
}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    seq: int
    at: datetime
    actor_kind: str
    actor_name: str
    actor_national_id: str | None  # professionals and regulators only
    profession_code: str | None
    profession_label: str | None
    action: str
    action_label: str
    target: str | None
    target_professional_id: str | None
    mode: str
    mode_label: str
    outcome: str  # allowed | denied
    outcome_label: str
    reason: str
    # The justification a professional gave, shown to the holder only (it may be medical).
    break_glass_reason: str | None

    @property
    def emergency(self) -> bool:
        return self.mode != AccessMode.NORMAL.value

    @property
    def denied(self) -> bool:
        return self.outcome == "denied"


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: list[HistoryEntry]
    # Pass as ``before_seq`` to get the next (older) page; None on the last page.
    next_before_seq: int | None


async def read_access_history(
    session: AsyncSession,
    *,
    rt: Runtime,
    actor: Actor,
    dossier_id: uuid.UUID,
    since: datetime | None = None,
    until: datetime | None = None,
    professional_id: str | None = None,
    mode: AccessMode | None = None,
    actor_kinds: frozenset[ActorKind] | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> HistoryPage:
    """Newest first. ``since`` is inclusive, ``until`` exclusive; ``professional_id``
    keeps what that professional did and what was done about them (authorized, blocked…);
    ``actor_kinds`` keeps what these kinds of actors did (the professionals' accesses
    among the holder's own)."""
    if professional_id is not None:
        professional_id = parse_national_id(professional_id)
    limit = max(1, min(limit, MAX_PAGE))
    dossier = await living_dossier(session, dossier_id)
    await enforce(session, rt=rt, actor=actor, action=Action.TRACE_READ, dossier=dossier)

    query = select(Trace).where(Trace.dossier_id == dossier_id)
    if before_seq is not None:
        query = query.where(Trace.seq < before_seq)
    if since is not None:
        query = query.where(Trace.at >= since)
    if until is not None:
        query = query.where(Trace.at < until)
    if mode is not None:
        query = query.where(Trace.mode == mode.value)
    if actor_kinds is not None:
        query = query.where(Trace.actor_kind.in_(sorted(kind.value for kind in actor_kinds)))
    if professional_id is not None:
        # National ids are digits only (parsed above): the LIKE pattern needs no escaping.
        query = query.where(
            or_(
                and_(Trace.actor_id == professional_id, Trace.actor_kind.in_(_PROFESSIONAL_KINDS)),
                Trace.target.like(f"%:{professional_id}"),
            )
        )
    rows = list(
        (await session.execute(query.order_by(Trace.seq.desc()).limit(limit + 1))).scalars()
    )
    more = len(rows) > limit
    rows = rows[:limit]

    names = await _directory_names(session, rows)
    # Only the holder reads break-glass justifications: representatives and managing
    # professionals see that the glass was broken, not why.
    key = None
    if actor.kind is ActorKind.PATIENT and any(r.detail_ct for r in rows):
        key = rt.keyring.unwrap(dossier.wrapped_key, dossier_id=str(dossier.id))
    entries = [
        _entry(row, names, decrypt_detail(row, key) if key is not None else None) for row in rows
    ]
    return HistoryPage(entries, rows[-1].seq if more and rows else None)


async def _directory_names(session: AsyncSession, rows: list[Trace]) -> dict[str, str]:
    ids = {pid for pid in (parse_trace_target(r.target)[1] for r in rows) if pid}
    if not ids:
        return {}
    labels = professions()
    found = (
        await session.execute(select(Professional).where(Professional.national_id.in_(ids)))
    ).scalars()
    return {
        p.national_id: f"{p.given_names} {p.family_name} "
        f"({labels.get(p.profession_code, p.profession_code)})"
        for p in found
    }


def _entry(row: Trace, names: dict[str, str], break_glass_reason: str | None) -> HistoryEntry:
    operation, target_id = parse_trace_target(row.target)
    action_label = ACTION_LABELS.get(row.action, row.action)
    if operation is not None:
        who = names.get(target_id or "", f"le professionnel {target_id}")
        action_label = OPERATION_LABELS[operation].format(who=who)
    outcome_label = "autorisé"
    if row.outcome != "allowed":
        outcome_label = f"refusé : {REASON_LABELS.get(row.reason, row.reason)}"
    professional = row.actor_kind in _PROFESSIONAL_KINDS
    return HistoryEntry(
        seq=row.seq,
        at=row.at,
        actor_kind=row.actor_kind,
        actor_name=row.actor_name,
        actor_national_id=row.actor_id if professional else None,
        profession_code=row.actor_profession,
        profession_label=professions().get(row.actor_profession or ""),
        action=row.action,
        action_label=action_label,
        target=row.target,
        target_professional_id=target_id,
        mode=row.mode,
        mode_label=MODE_LABELS.get(row.mode, row.mode),
        outcome=row.outcome,
        outcome_label=outcome_label,
        reason=row.reason,
        break_glass_reason=break_glass_reason,
    )
