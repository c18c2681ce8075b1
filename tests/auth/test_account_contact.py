"""The signed-in account reads the channels its codes go to ("Mes informations")."""

from __future__ import annotations

import pytest

from dmp.auth.login_errors import PasswordChangeRequired
from dmp.auth.patients import account_contact
from dmp.auth.sessions import resolve_session
from dmp.dossiers.schemas import Contact
from tests.auth.people import EMAIL, MOBILE, a_patient, signed_in, sms_login
from tests.builders.dossiers import a_dossier, minor_request


async def test_the_holder_reads_the_channels_of_the_dossier(session, rt):
    created = await a_patient(session, rt)
    view, _ = await signed_in(session, rt, created)
    contact = await account_contact(session, rt=rt, view=view)
    assert (contact.email, contact.mobile) == (EMAIL, MOBILE)


async def test_a_representative_reads_their_own_channels(session, rt):
    request = minor_request()
    representative = request.consent.representative.model_copy(
        update={"contact": Contact(mobile="0711223344")}
    )
    request = request.model_copy(
        update={"consent": request.consent.model_copy(update={"representative": representative})}
    )
    created = await a_dossier(session, rt, request=request)
    view, _ = await signed_in(session, rt, created)
    contact = await account_contact(session, rt=rt, view=view)
    assert (contact.email, contact.mobile) == (None, "0711223344")


async def test_not_before_the_temporary_password_is_replaced(session, rt):
    created = await a_patient(session, rt)
    opened = await sms_login(
        session, rt, login_id=created.login_id, password=created.initial_password
    )
    view = await resolve_session(session, rt=rt, token=opened.token)
    with pytest.raises(PasswordChangeRequired):
        await account_contact(session, rt=rt, view=view)
