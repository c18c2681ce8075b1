"""Rows of people: dossiers with their holder's account (and a legal representative for
minors), and professionals of the directory.

A dossier row is built as ``dossiers.service.create_dossier`` builds it — a fresh data
key wrapped by the master key, identity and contact sealed with ``seal_json``, the NIR
found through the blind index — so rows, sizes and decryption cost are the real ones.
What the service does besides (the creation trace, the notification, the first-feed
job) is left out of the bulk population.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from benchmarks.harness import distribution
from dmp.crypto import DataKey
from dmp.dossiers.service import majority_date
from dmp.dossiers.vault import seal_json
from dmp.kit.ids import new_id
from dmp.runtime import Runtime

Row = dict[str, Any]
CLOSED_SHARE = 0.01
# One real argon2id hash shared by every generated account: the same length and shape as
# a real one, without paying 64 MiB × 3 passes a million times. Nobody logs in with it.
ACCOUNT_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("bench")


@dataclass(frozen=True)
class Person:
    """What later steps need of a generated dossier."""

    index: int
    dossier_id: uuid.UUID
    account_id: uuid.UUID
    nir: str
    ins_index: str  # the NIR's blind index, as the service computes it
    data_key: DataKey
    wrapped_key: bytes
    is_minor: bool
    active: bool


@dataclass
class PeopleRows:
    dossiers: list[Row]
    accounts: list[Row]
    representatives: list[Row]
    people: list[Person]


def people_rows(
    rt: Runtime,
    indexes: range,
    rng: random.Random,
    now: datetime,
    *,
    all_adults_active: bool = False,
) -> PeopleRows:
    """One dossier per index; ``all_adults_active`` for the comparison sets, whose
    patients must be plain active adults."""
    out = PeopleRows([], [], [], [])
    for index in indexes:
        female = rng.random() < 0.52
        born = distribution.birth_date(rng, now.date())
        if all_adults_active and (now.date() - born).days < 20 * 365:
            born = born.replace(year=born.year - 20)
        is_minor = majority_date(born) > now.date()
        active = all_adults_active or rng.random() >= CLOSED_SHARE
        person = _person(rt, index, born, female, is_minor, active)
        family, given = distribution.name(rng, female)
        created = now - timedelta(days=rng.randint(0, 4 * 365))
        out.dossiers.append(_dossier(person, rng, created, born, family, given, female))
        representative_id = None
        if is_minor:
            representative_id = new_id()
            out.representatives.append(_representative(person, representative_id, rng, created))
        out.accounts.append(
            {
                "id": person.account_id,
                "dossier_id": person.dossier_id,
                "role": "legal_representative" if is_minor else "holder",
                "legal_representative_id": representative_id,
                "login_id": f"{index:010d}",
                "password_hash": ACCOUNT_HASH,
                "must_change_password": False,
                "failed_attempts": 0,
                "locked_until": None,
                "last_login_at": None,
                "disabled_at": None,
                "created_at": created,
            }
        )
        out.people.append(person)
    return out


def _person(
    rt: Runtime, index: int, born: date, female: bool, is_minor: bool, active: bool
) -> Person:
    dossier_id = new_id()
    data_key = rt.keyring.new_data_key()
    nir = distribution.nir_for(index, born, female)
    return Person(
        index=index,
        dossier_id=dossier_id,
        account_id=new_id(),
        nir=nir,
        ins_index=rt.blind_index.of(nir),
        data_key=data_key,
        wrapped_key=rt.keyring.wrap(data_key, dossier_id=str(dossier_id)),
        is_minor=is_minor,
        active=active,
    )


def _dossier(
    person: Person,
    rng: random.Random,
    created: datetime,
    born: date,
    family: str,
    given: str,
    female: bool,
) -> Row:
    identity = {
        "family_name": family,
        "given_names": given,
        "birth_date": born.isoformat(),
        "sex": "female" if female else "male",
        "nir": person.nir,
    }
    contact: dict[str, object] = {
        "email": f"{given}.{family}.{person.index}@example.fr".lower()
        if rng.random() < 0.6
        else None,
        "mobile": f"06{person.index % 100_000_000:08d}" if rng.random() < 0.7 else None,
        "emergency_contacts": [],
    }
    key, dossier_id = person.data_key, person.dossier_id
    closed = None if person.active else created + timedelta(days=rng.randint(1, 300))
    return {
        "id": dossier_id,
        "ins_index": person.ins_index,
        "status": "active" if person.active else "closed",
        "wrapped_key": person.wrapped_key,
        "identity_ct": seal_json(key, dossier_id, "identity", identity),
        "contact_ct": seal_json(key, dossier_id, "contact", contact),
        "is_minor": person.is_minor,
        "majority_on": majority_date(born) if person.is_minor else None,
        "created_at": created,
        "creation_channel": "professional",
        "created_by_kind": "professional",
        "created_by_id": "899000000001",
        "consent_by": "legal_representative" if person.is_minor else "holder",
        "consent_at": created,
        "consent_channel": "professional",
        "consent_recorded_by": "professional:899000000001",
        "btg_consent": True,
        "etreat_consent": True,
        "masked_consent": False,
        "legal_representative_doctor_only": False,
        "notification_preferences": {"email": True, "sms": True},
        "closed_at": closed,
        "closure_reason": None if person.active else "patient_request",
        "closed_by_kind": None if person.active else "patient",
        "deletion_requested": False,
        "purge_after": None if closed is None else closed + timedelta(days=3652),
        "purged_at": None,
        "version": 1,
    }


def _representative(
    person: Person, representative_id: uuid.UUID, rng: random.Random, created: datetime
) -> Row:
    family, given = distribution.name(rng, rng.random() < 0.5)
    key, dossier_id = person.data_key, person.dossier_id
    identity = {"family_name": family, "given_names": given, "relation": "parent"}
    return {
        "dossier_id": dossier_id,
        "id": representative_id,
        "identity_ct": seal_json(key, dossier_id, "representative", identity),
        "contact_ct": seal_json(key, dossier_id, "representative-contact", {"email": None}),
        "created_at": created,
        "ended_at": None,
    }


@dataclass(frozen=True)
class DirectoryEntry:
    national_id: str
    profession: str
    name: str


def professional_rows(count: int, rng: random.Random, now: datetime) -> list[Row]:
    """``count`` professionals (every profession of the directory present), ids 899…"""
    rows = []
    for index in range(count):
        profession = distribution.profession_for(index, rng)
        family, given = distribution.name(rng, rng.random() < 0.5)
        rows.append(
            {
                "national_id": f"899{index:09d}",
                "profession_code": profession,
                "specialty": "Médecine générale" if profession == "10" else None,
                "family_name": family,
                "given_names": given,
                "structure_id": f"1{index % 5000:09d}",
                "structure_name": f"Cabinet {family}",
                "updated_at": now,
            }
        )
    return rows


def directory_of(rows: list[Row]) -> list[DirectoryEntry]:
    return [
        DirectoryEntry(
            row["national_id"],
            row["profession_code"],
            f"{row['given_names']} {row['family_name']}",
        )
        for row in rows
    ]
