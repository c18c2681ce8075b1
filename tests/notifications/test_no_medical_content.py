"""Notices never carry medical content — not in e-mails, SMS or postal letters — and a
patient without e-mail or mobile gets a letter (a PDF in the letters queue) instead."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from dmp.auth.accounts import Channel
from dmp.auth.delivery import contact_changed_notice, contact_code_notice, login_code_notice
from dmp.documents.reading import read_document
from dmp.dossiers.schemas import Contact
from dmp.notifications.delivery import deliver_due
from dmp.notifications.letters import LetterQueue
from dmp.notifications.templates import TEMPLATES, Role, render
from tests.builders.access import in_break_glass
from tests.builders.actors import professional, regulator
from tests.builders.documents import a_document
from tests.builders.dossiers import a_dossier, adult_request
from tests.notifications.conftest import outbox_rows, sms_received

# What a reader of a notice must never learn: the document, its type, who read it with
# which profession or specialty, why they broke the glass.
MEDICAL = (
    "oncolog",
    "tumeur",
    "psychiatr",
    "chimiothérapie",
    "suicide",
    "Freud",
    "Curie",
    "compte rendu",
    "Compte rendu",
    "11488-4",
    "Imagerie",
    "biologie",
)
TITLE = "Compte rendu d'oncologie — tumeur"
REASON = "Tentative de suicide, chimiothérapie en cours"


def assert_clean(text: str) -> None:
    found = [word for word in MEDICAL if word in text]
    assert found == [], (found, text)


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
@pytest.mark.parametrize("role", list(Role))
def test_no_template_speaks_of_care(kind, role):
    rendered = render(kind, role=role, at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    for text in (rendered.subject, rendered.body, rendered.sms):
        assert_clean(text)
    assert len(rendered.sms) <= 160 * 2  # two SMS at most


def test_nor_do_the_account_notices():
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    for notice in (
        login_code_notice("123456", 10),
        contact_code_notice("123456", 10, Channel.SMS),
        contact_changed_notice(Channel.EMAIL, at),
    ):
        for text in (notice.subject, notice.email_body, notice.sms_text):
            assert_clean(text)


async def test_an_emergency_read_of_a_sensitive_document_tells_nothing_of_it(
    session, rt, sink, factory
):
    created = await a_dossier(
        session,
        rt,
        request=adult_request(contact=Contact(email="jeanne@example.org", mobile="0612345678")),
    )
    document = await a_document(session, rt, created.dossier_id, title=TITLE)
    psychiatrist = professional(national_id="810000000306", name="Dr Sigmund Freud")
    for reader in (in_break_glass(psychiatrist, REASON), regulator()):
        await read_document(
            session, rt=rt, actor=reader, dossier_id=created.dossier_id, document_id=document.id
        )
    await deliver_due(factory, rt=rt)
    mails = sink.messages()
    assert {m["Subject"] for m in mails} >= {
        "Accès en urgence à votre DMP",
        "Consultation de votre DMP par le SAMU – Centre 15",
    }
    for message in mails:
        assert_clean(str(message["Subject"]) + message.get_content())
    assert len(sms_received(rt)) == 3  # creation, break-glass, regulation
    for sms in sms_received(rt):
        assert_clean(sms["text"])


async def test_without_email_or_mobile_a_letter_is_queued_as_a_pdf(session, rt, factory):
    created = await a_dossier(session, rt, request=adult_request(contact=Contact()))
    document = await a_document(session, rt, created.dossier_id, title=TITLE)
    await read_document(
        session,
        rt=rt,
        actor=in_break_glass(professional(), REASON),
        dossier_id=created.dossier_id,
        document_id=document.id,
    )
    rows = await outbox_rows(session, created.dossier_id)
    assert [(r.event, r.channel) for r in rows] == [
        ("dossier_created", "letter"),
        ("break_glass", "letter"),
    ]
    report = await deliver_due(factory, rt=rt)
    assert report.sent == 2
    letters = LetterQueue(rt.settings.effective_letters_dir).letters()
    assert [p.name for p in letters] == sorted(f"courrier-{r.id}.pdf" for r in rows)
    content = letters[0].read_bytes()
    assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
    assert letters[0].stat().st_mode & 0o777 == 0o600
    if shutil.which("pdftotext"):  # poppler reads it back: a valid PDF, and what it says
        for letter in letters:
            text = pdf_text(letter)
            assert "Jeanne Martin" in text
            assert_clean(text)


def pdf_text(path) -> str:
    command = ["pdftotext", str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout
