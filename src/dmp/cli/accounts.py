"""Portal accounts from the command line (run as the operator, traced as such):
re-issue a patient's credentials, lift a lock, enrol professionals and agents."""

from __future__ import annotations

import uuid

import typer

from dmp.auth.accounts import AccountKind
from dmp.auth.credentials import reissue_credentials, unlock_account, unlock_portal_account
from dmp.auth.professionals import enrol_agent, enrol_professional
from dmp.cli.context import cli_session, console, operator_actor, run
from dmp.dossiers.service import find_living_dossier
from dmp.policy import ActorKind

accounts_app = typer.Typer(no_args_is_help=True)


async def _dossier_id(session, rt, nir: str) -> uuid.UUID:  # type: ignore[no-untyped-def]
    from dmp.dossiers.errors import DossierNotFound

    dossier = await find_living_dossier(session, rt=rt, nir=nir)
    if dossier is None:
        raise DossierNotFound(what="DMP")
    return dossier.id


def _password(ask: bool) -> str | None:
    if not ask:
        return None
    return str(typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True))


@accounts_app.command("reissue", help="Nouveau mot de passe provisoire (et identifiant).")
def reissue(
    nir: str = typer.Argument(..., help="NIR du titulaire du DMP."),
    new_identifier: bool = typer.Option(
        False, "--new-identifier", help="Attribue aussi un nouvel identifiant de connexion."
    ),
    account: str = typer.Option(None, help="Compte visé quand le DMP en a plusieurs."),
) -> None:
    async def work():  # type: ignore[no-untyped-def]
        async with cli_session() as (session, rt):
            return await reissue_credentials(
                session,
                rt=rt,
                actor=operator_actor(),
                dossier_id=await _dossier_id(session, rt, nir),
                account_id=uuid.UUID(account) if account else None,
                new_identifier=new_identifier,
            )

    issued = run(work)
    console.print(f"Identifiant de connexion : [bold]{issued.login_id}[/bold]")
    console.print(
        "Mot de passe provisoire (affiché une seule fois, à changer à la première "
        f"connexion) : [bold]{issued.temporary_password}[/bold]"
    )


@accounts_app.command("unlock", help="Lève le verrouillage d'un compte.")
def unlock(
    nir: str = typer.Argument(None, help="NIR du titulaire (compte patient)."),
    professional: str = typer.Option(None, help="Identifiant national du professionnel."),
    agent: str = typer.Option(None, help="Identifiant de l'agent."),
    account: str = typer.Option(None, help="Compte visé quand le DMP en a plusieurs."),
) -> None:
    if sum(bool(x) for x in (nir, professional, agent)) != 1:
        console.print("[red]Indiquez un NIR, --professional ou --agent (un seul).[/red]")
        raise typer.Exit(2)

    async def work() -> None:
        async with cli_session() as (session, rt):
            if nir:
                await unlock_account(
                    session,
                    rt=rt,
                    actor=operator_actor(),
                    dossier_id=await _dossier_id(session, rt, nir),
                    account_id=uuid.UUID(account) if account else None,
                )
                return
            kind = AccountKind.PROFESSIONAL if professional else AccountKind.AGENT
            await unlock_portal_account(
                session, rt=rt, actor=operator_actor(), kind=kind, identifier=professional or agent
            )

    run(work)
    console.print("Compte déverrouillé.")


@accounts_app.command("enrol-professional", help="Ouvre (ou réinitialise) un compte e-CPS.")
def enrol_pro(
    national_id: str = typer.Argument(..., help="Identifiant national (RPPS : 8 + 11 chiffres)."),
    email: str = typer.Option(None),
    mobile: str = typer.Option(None),
    ask_password: bool = typer.Option(
        False, "--ask-password", help="Saisir le mot de passe au lieu d'un provisoire."
    ),
) -> None:
    password = _password(ask_password)

    async def work():  # type: ignore[no-untyped-def]
        async with cli_session() as (session, rt):
            return await enrol_professional(
                session,
                rt=rt,
                actor=operator_actor(),
                national_id=national_id,
                email=email,
                mobile=mobile,
                password=password,
            )

    _report(run(work))


@accounts_app.command("enrol-agent", help="Ouvre (ou réinitialise) un compte d'agent.")
def enrol_agent_command(
    login_id: str = typer.Argument(...),
    name: str = typer.Option(..., help="Nom affiché dans les traces."),
    support: bool = typer.Option(False, "--support", help="Agent de l'assistance."),
    structure: str = typer.Option(None),
    email: str = typer.Option(None),
    mobile: str = typer.Option(None),
    ask_password: bool = typer.Option(False, "--ask-password"),
) -> None:
    password = _password(ask_password)

    async def work():  # type: ignore[no-untyped-def]
        async with cli_session() as (session, rt):
            return await enrol_agent(
                session,
                rt=rt,
                actor=operator_actor(),
                login_id=login_id,
                kind=ActorKind.SUPPORT if support else ActorKind.COUNTER_AGENT,
                display_name=name,
                structure=structure,
                email=email,
                mobile=mobile,
                password=password,
            )

    _report(run(work))


def _report(enrolled) -> None:  # type: ignore[no-untyped-def]
    state = "créé" if enrolled.created else "réinitialisé"
    console.print(f"Compte {state} : [bold]{enrolled.identifier}[/bold]")
    if enrolled.temporary_password:
        console.print(
            "Mot de passe provisoire (affiché une seule fois, à changer à la première "
            f"connexion) : [bold]{enrolled.temporary_password}[/bold]"
        )
