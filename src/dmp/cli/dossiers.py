"""Dossier commands, run by the operator (traced as the operator), and identity checks.

Administrative data (contacts, oppositions) changed from the command line are entered
on the holder's written request: the trace names the holder's side, with the operator's
id, since the policy reserves these changes to the holder and their managers.
"""

from __future__ import annotations

import uuid
from datetime import date

import typer

from dmp.cli.context import cli_session, console, operator_actor, run
from dmp.dossiers.administration import set_emergency_consents, update_contact
from dmp.dossiers.codes import issue_creation_code
from dmp.dossiers.schemas import (
    ClosureReason,
    ConsentBy,
    ConsentIn,
    Contact,
    CreationChannel,
    DossierCreate,
    EmergencyContact,
    Identity,
    LegalRepresentativeIn,
    Sex,
)
from dmp.dossiers.service import (
    close_dossier,
    create_dossier,
    find_living_dossier,
    lookup_dossier,
    reactivate_dossier,
    set_deletion_request,
)
from dmp.identity.national_id import parse_national_id
from dmp.identity.nir import parse_nir
from dmp.policy import Actor, ActorKind

app = typer.Typer(no_args_is_help=True)
codes_app = typer.Typer(no_args_is_help=True)
identity_app = typer.Typer(no_args_is_help=True)


def _on_holder_request(dossier_id: uuid.UUID) -> Actor:
    operator = operator_actor()
    return Actor(
        kind=ActorKind.PATIENT,
        id=operator.id,
        display_name="Titulaire (saisie par l'exploitant)",
        dossier_id=str(dossier_id),
    )


async def _dossier_id(session, rt, nir: str) -> uuid.UUID:  # type: ignore[no-untyped-def]
    from dmp.dossiers.errors import DossierNotFound

    dossier = await find_living_dossier(session, rt=rt, nir=nir)
    if dossier is None:
        raise DossierNotFound(what="DMP")
    return dossier.id


@identity_app.command("nir", help="Vérifie un NIR (13 caractères + clé).")
def check_nir(nir: str) -> None:
    from dmp.errors import DmpError

    try:
        parsed = parse_nir(nir)
    except DmpError as error:
        console.print(f"[red]{error.message('fr')}[/red]")
        raise typer.Exit(2) from None
    console.print(f"NIR valide : {parsed.value}")


@identity_app.command("ps", help="Vérifie un identifiant national de professionnel.")
def check_ps(national_id: str) -> None:
    from dmp.errors import DmpError

    try:
        console.print(f"Identifiant valide : {parse_national_id(national_id)}")
    except DmpError as error:
        console.print(f"[red]{error.message('fr')}[/red]")
        raise typer.Exit(2) from None


@codes_app.command("issue", help="Émet un code de création (12 caractères, 2 mois).")
def issue_code(nir: str) -> None:
    async def work():  # type: ignore[no-untyped-def]
        async with cli_session() as (session, rt):
            return await issue_creation_code(session, rt=rt, actor=operator_actor(), nir=nir)

    issued = run(work)
    console.print(
        f"Code de création : [bold]{issued.code}[/bold] "
        f"(valable jusqu'au {issued.expires_at:%d/%m/%Y})"
    )


@app.command("create", help="Crée un DMP avec le consentement recueilli.")
def create(
    nir: str = typer.Option(..., help="NIR du titulaire (15 caractères)."),
    family_name: str = typer.Option(..., "--family-name"),
    given_names: str = typer.Option(..., "--given-names"),
    birth_date: str = typer.Option(..., "--birth-date", help="AAAA-MM-JJ"),
    sex: Sex = typer.Option(Sex.UNKNOWN),
    consent: bool = typer.Option(
        False, "--consent", help="Le consentement exprès a été recueilli."
    ),
    email: str = typer.Option(None),
    mobile: str = typer.Option(None),
    representative: str = typer.Option(
        None, help="Représentant légal d'un mineur : « Nom|Prénoms|lien »."
    ),
    no_btg: bool = typer.Option(False, "--no-btg", help="Opposition au bris de glace."),
    no_etreat: bool = typer.Option(False, "--no-etreat", help="Opposition à l'accès du centre 15."),
) -> None:
    rep = None
    if representative:
        family, given, relation = ([*representative.split("|"), "", ""])[:3]
        rep = LegalRepresentativeIn(
            family_name=family, given_names=given, relation=relation or "parent"
        )
    request = DossierCreate(
        nir=nir,
        identity=Identity(
            family_name=family_name,
            given_names=given_names,
            birth_date=date.fromisoformat(birth_date),
            sex=sex,
        ),
        channel=CreationChannel.OPERATOR,
        consent=ConsentIn(
            given=consent,
            by=ConsentBy.LEGAL_REPRESENTATIVE if rep else ConsentBy.HOLDER,
            representative=rep,
        ),
        contact=Contact(email=email, mobile=mobile),
        btg_consent=not no_btg,
        etreat_consent=not no_etreat,
    )

    async def work():  # type: ignore[no-untyped-def]
        async with cli_session() as (session, rt):
            return await create_dossier(session, rt=rt, actor=operator_actor(), request=request)

    created = run(work)
    console.print(f"DMP créé : {created.dossier_id}")
    console.print(f"Identifiant de connexion : [bold]{created.login_id}[/bold]")
    console.print(
        f"Mot de passe initial (affiché une seule fois) : [bold]{created.initial_password}[/bold]"
    )


@app.command("lookup", help="Ce patient a-t-il un DMP ?")
def lookup(nir: str) -> None:
    async def work():  # type: ignore[no-untyped-def]
        async with cli_session() as (session, rt):
            return await lookup_dossier(session, rt=rt, actor=operator_actor(), nir=nir)

    found = run(work)
    console.print("Aucun DMP." if found is None else f"DMP {found.dossier_id} : {found.status}")


@app.command("close", help="Ferme un DMP (conservé 10 ans, ou suppression demandée).")
def close(
    nir: str,
    reason: ClosureReason = typer.Option(..., help="patient_request, death ou other."),
    delete_data: bool = typer.Option(
        False, "--delete-data", help="Le titulaire demande la suppression."
    ),
) -> None:
    async def work():  # type: ignore[no-untyped-def]
        async with cli_session() as (session, rt):
            dossier_id = await _dossier_id(session, rt, nir)
            return await close_dossier(
                session,
                rt=rt,
                actor=operator_actor(),
                dossier_id=dossier_id,
                reason=reason,
                request_deletion=delete_data,
            )

    closed = run(work)
    console.print(f"DMP fermé. Destruction prévue après le {closed.purge_after:%d/%m/%Y}.")


@app.command("cancel-deletion", help="Annule la demande de suppression d'un DMP fermé.")
def cancel_deletion(nir: str) -> None:
    async def work():  # type: ignore[no-untyped-def]
        async with cli_session() as (session, rt):
            dossier_id = await _dossier_id(session, rt, nir)
            return await set_deletion_request(
                session,
                rt=rt,
                actor=_on_holder_request(dossier_id),
                dossier_id=dossier_id,
                requested=False,
            )

    summary = run(work)
    console.print(f"Suppression annulée ; conservation jusqu'au {summary.purge_after:%d/%m/%Y}.")


@app.command("reactivate", help="Réactive un DMP fermé, avec un nouveau consentement.")
def reactivate(nir: str, consent: bool = typer.Option(False, "--consent")) -> None:
    async def work():  # type: ignore[no-untyped-def]
        async with cli_session() as (session, rt):
            dossier_id = await _dossier_id(session, rt, nir)
            return await reactivate_dossier(
                session,
                rt=rt,
                actor=operator_actor(),
                dossier_id=dossier_id,
                consent=ConsentIn(given=consent),
            )

    run(work)
    console.print("DMP réactivé.")


@app.command(
    "contact",
    help="Enregistre les coordonnées et personnes à prévenir (à la demande du titulaire).",
)
def contact(
    nir: str,
    email: str = typer.Option(None),
    mobile: str = typer.Option(None),
    emergency: list[str] = typer.Option([], help="« Nom|lien|téléphone », répétable."),
) -> None:
    people = [
        EmergencyContact(name=p[0], relation=p[1], phone=p[2])
        for p in ([*item.split("|"), "", ""][:3] for item in emergency)
    ]
    value = Contact(email=email, mobile=mobile, emergency_contacts=people)

    async def work() -> None:
        async with cli_session() as (session, rt):
            dossier_id = await _dossier_id(session, rt, nir)
            await update_contact(
                session,
                rt=rt,
                actor=_on_holder_request(dossier_id),
                dossier_id=dossier_id,
                contact=value,
            )

    run(work)
    console.print("Coordonnées enregistrées.")


@app.command("oppositions", help="Oppositions du titulaire : bris de glace, centre 15.")
def oppositions(
    nir: str,
    btg: bool = typer.Option(True, "--btg/--no-btg"),
    etreat: bool = typer.Option(True, "--etreat/--no-etreat"),
    masked: bool = typer.Option(False, "--masked/--no-masked"),
) -> None:
    async def work() -> None:
        async with cli_session() as (session, rt):
            dossier_id = await _dossier_id(session, rt, nir)
            await set_emergency_consents(
                session,
                rt=rt,
                actor=_on_holder_request(dossier_id),
                dossier_id=dossier_id,
                btg=btg,
                etreat=etreat,
                masked=masked,
            )

    run(work)
    console.print("Choix d'accès en urgence enregistrés.")
