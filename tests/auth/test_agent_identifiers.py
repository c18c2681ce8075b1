"""Agents' login ids are chosen by their organisation and may hold dots (the demo's
"guichet.cpam75"): the login finds them as enrolled, while patients' ids (digits read
off a letter) still forgive the dots and spaces people type."""

from __future__ import annotations

from dmp.auth.accounts import AccountKind, find_account, normalize_identifier
from dmp.auth.professionals import begin_agent_login, enrol_agent
from dmp.policy import ActorKind
from tests.builders.actors import operator

PASSWORD = "Guichet numéro sept du matin"


def test_dots_are_kept_in_agent_ids_only():
    assert normalize_identifier(" guichet.cpam75 ", AccountKind.AGENT) == "guichet.cpam75"
    assert normalize_identifier("12.34 56", AccountKind.PATIENT) == "123456"
    assert normalize_identifier("8100.0234 5678", AccountKind.PROFESSIONAL) == "810002345678"


async def test_an_agent_whose_id_holds_a_dot_signs_in(session, rt):
    await enrol_agent(
        session, rt=rt, actor=operator(), login_id="guichet.cpam75",
        kind=ActorKind.COUNTER_AGENT, display_name="Accueil CPAM Paris 11e",
        mobile="0655443322", password=PASSWORD,
    )  # fmt: skip
    assert await find_account(session, kind=AccountKind.AGENT, identifier="guichet.cpam75")
    started = await begin_agent_login(session, rt=rt, login_id="guichet.cpam75", password=PASSWORD)
    assert started.sent_to is not None
