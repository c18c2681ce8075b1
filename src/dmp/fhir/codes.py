"""Code systems and identifier systems of the French MHD profile (ANS PDSm), in one place.

The values are those of ``shared/reference/README.md`` and the PDSm guide; the document
types' own systems (LOINC or TRE_A05) come with the reference data, not from here.
"""

from __future__ import annotations

from dmp.identity.national_id import IDNAT_PS_SYSTEM, IDNAT_STRUCT_SYSTEM
from dmp.identity.nir import INS_NIR_SYSTEM, INS_TEST_SYSTEM

CLASS_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument"
VISIBILITY_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/"
    "TRE-A07-StatutVisibiliteDocument"
)
# The PDSm guide's own examples spell the system "Status" instead of "Statut": accepted on
# input so that software built on those examples works, never produced.
VISIBILITY_SYSTEM_EXAMPLES = (
    "https://mos.esante.gouv.fr/NOS/TRE_A07-StatusVisibiliteDocument/FHIR/"
    "TRE-A07-StatusVisibiliteDocument"
)
VISIBILITY_SYSTEMS = frozenset({VISIBILITY_SYSTEM, VISIBILITY_SYSTEM_EXAMPLES})
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
FORMAT_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_A11-IheFormatCode/FHIR/TRE-A11-IheFormatCode"
PRACTICE_SETTING_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice"
)
PROFESSION_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
)
ACT_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ROLE_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
PARTICIPATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
MHD_LIST_TYPES = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes"
IS_ARCHIVED_EXTENSION = (
    "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-ext-is-archived"
)
URI_SYSTEM = "urn:ietf:rfc:3986"
INS_SYSTEMS = (INS_NIR_SYSTEM, INS_TEST_SYSTEM)

__all__ = [
    "ACT_REASON_SYSTEM",
    "CLASS_SYSTEM",
    "CONFIDENTIALITY_SYSTEM",
    "FORMAT_SYSTEM",
    "IDNAT_PS_SYSTEM",
    "IDNAT_STRUCT_SYSTEM",
    "INS_NIR_SYSTEM",
    "INS_SYSTEMS",
    "IS_ARCHIVED_EXTENSION",
    "MHD_LIST_TYPES",
    "PARTICIPATION_SYSTEM",
    "PRACTICE_SETTING_SYSTEM",
    "PROFESSION_SYSTEM",
    "ROLE_CODE_SYSTEM",
    "URI_SYSTEM",
    "VISIBILITY_SYSTEM",
    "VISIBILITY_SYSTEMS",
]


def extension_url(base_url: str, name: str) -> str:
    """OpenDMP's own extensions and code systems live under the server's base URL."""
    return f"{base_url}/fhir/StructureDefinition/{name}"
