"""`lien events …` and `lien mail …`: activities, sessions, enrolments and mail, from a terminal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from lien.cli.occurrences import feed, occurrence_app
from lien.cli.startup import run

events_app = typer.Typer(
    help="Ateliers, distributions et permanences : séances et inscriptions.", no_args_is_help=True
)
mail_app = typer.Typer(help="Courrier des personnes domiciliées.", no_args_is_help=True)
DAYS = {
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
}
events_app.add_typer(occurrence_app, name="occurrence")
events_app.command("feed")(feed)


def _when(raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw.strip().replace(" ", "T"))
    except ValueError as exc:
        raise typer.BadParameter(f"date et heure attendues (AAAA-MM-JJ HH:MM) : {raw!r}") from exc


def _days(raw: str) -> tuple[int, ...]:
    try:
        return tuple(DAYS[d.strip().lower()] for d in raw.split(",") if d.strip())
    except KeyError as exc:
        raise typer.BadParameter(f"jour inconnu {exc} (lundi … dimanche)") from exc


@events_app.command("list")
def list_events(
    site: Annotated[str | None, typer.Option(help="Seulement ce site (slug).")] = None,
    archives: Annotated[bool, typer.Option(help="Inclure les activités archivées.")] = False,
) -> None:
    """Lister les activités et leur prochaine séance."""
    from notifications import schedule, service

    async def work(session: AsyncSession) -> list[str]:
        lines = []
        for event in await service.list_events(session, site_slug=site, include_archived=archives):
            coming = await schedule.next_occurrence(session, event_id=event.id, now=utcnow())
            when = f"{coming.start:%Y-%m-%d %H:%M} UTC" if coming else "aucune séance à venir"
            title = event.texts.get("fr", {}).get("title", "")
            lines.append(f"{event.id}\t{event.kind}\t{title}\t{event.status}\t{when}")
        return lines

    for line in run(work):
        typer.echo(line)


@events_app.command("create")
def create(
    site: Annotated[str, typer.Option(help="Site (slug).")],
    title: Annotated[str, typer.Option(help="Titre en français.")],
    start: Annotated[str, typer.Option(help="Première séance, heure locale : 2026-12-01 14:30.")],
    end: Annotated[str, typer.Option(help="Fin de la première séance : 2026-12-01 16:30.")],
    kind: Annotated[str, typer.Option(help="workshop, distribution, office_hours, collective.")] = (
        "workshop"
    ),
    place: Annotated[str | None, typer.Option(help="Lieu.")] = None,
    weekly: Annotated[str | None, typer.Option(help="Jours : mardi,jeudi.")] = None,
    monthly: Annotated[
        str | None, typer.Option(help="n-ième jour du mois : 1:mardi, -1:mercredi.")
    ] = (None),
    interval: Annotated[int, typer.Option(help="Toutes les n semaines (ou n mois).")] = 1,
    until: Annotated[str | None, typer.Option(help="Dernière date possible : 2027-06-30.")] = None,
    count: Annotated[int | None, typer.Option(help="Nombre de séances.")] = None,
    rrule: Annotated[str | None, typer.Option(help="Règle RRULE (RFC 5545) à la place.")] = None,
    capacity: Annotated[int | None, typer.Option(help="Nombre de places.")] = None,
    reminders: Annotated[str, typer.Option(help="Rappels : J-2@10:00,H-2.")] = "J-2@10:00,H-2",
    school_holidays: Annotated[
        bool, typer.Option(help="Pas de séance pendant les vacances scolaires du site.")
    ] = False,
) -> None:
    """Créer une activité : une séance, ou une série (--weekly, --monthly ou --rrule)."""
    from notifications import service
    from notifications.recurrence_pattern import Frequency, RecurrencePattern, to_rrule

    first, last = _when(start), _when(end)
    rule = rrule
    if weekly or monthly:
        ordinal, _, day = (monthly or "").partition(":")
        pattern = RecurrencePattern(
            frequency=Frequency.WEEKLY if weekly else Frequency.MONTHLY,
            start_date=first.date(),
            start_time=first.time(),
            end_time=last.time(),
            weekdays=_days(weekly or day),
            interval=interval,
            week_of_month=int(ordinal) if monthly else None,
            until=datetime.fromisoformat(until).date() if until else None,
            count=count,
        )
        rule = to_rrule(pattern)
    spec = service.EventSpec(
        site_slug=site,
        kind=kind,
        texts={"fr": {"title": title}},
        dtstart_local=first,
        duration=last - first,
        rrule=rule,
        place=place,
        capacity=capacity,
        skip_school_holidays=school_holidays,
        reminder_offsets=[r for r in reminders.split(",") if r.strip()],
    )

    async def work(session: AsyncSession) -> int:
        return (await service.create_event(session, spec=spec)).id

    typer.echo(f"Activité créée : {run(work)}")


@events_app.command("sessions")
def sessions(
    event_id: Annotated[int, typer.Argument(help="Numéro de l'activité.")],
    days: Annotated[int, typer.Option(help="Nombre de jours à afficher.")] = 90,
) -> None:
    """Afficher les séances à venir (heure locale), annulées et déplacées comprises."""
    from zoneinfo import ZoneInfo

    from notifications import service

    async def work(session: AsyncSession) -> list[str]:
        event = await service.get_event(session, event_id)
        now = utcnow()
        found = await service.list_occurrences(
            session, event=event, start=now, end=now + timedelta(days=days)
        )
        zone = ZoneInfo(event.timezone)
        return [
            f"{s.id or '-'}\t{s.start.astimezone(zone):%Y-%m-%d %H:%M}\t{s.status}\t"
            f"(prévue {s.original_start.astimezone(zone):%Y-%m-%d %H:%M})"
            for s in found
        ]

    for line in run(work):
        typer.echo(line)


@events_app.command("cancel")
def cancel(
    event_id: Annotated[int, typer.Argument(help="Numéro de l'activité.")],
    date: Annotated[str, typer.Option(help="Séance prévue (heure locale) : 2026-12-01 14:30.")],
    reason: Annotated[str | None, typer.Option(help="Motif (pour l'historique).")] = None,
    silent: Annotated[bool, typer.Option(help="Ne pas prévenir les inscrits.")] = False,
) -> None:
    """Annuler une séance et prévenir les inscrits."""
    from notifications import changes

    told = _change(event_id, date, changes.cancel_occurrence, reason=reason, notify=not silent)
    typer.echo(f"Séance annulée ; personnes prévenues : {told}")


@events_app.command("move")
def move(
    event_id: Annotated[int, typer.Argument(help="Numéro de l'activité.")],
    date: Annotated[str, typer.Option(help="Séance prévue (heure locale) : 2026-12-01 14:30.")],
    to: Annotated[str, typer.Option(help="Nouvel horaire (heure locale) : 2026-12-03 14:30.")],
    reason: Annotated[str | None, typer.Option(help="Motif (pour l'historique).")] = None,
    silent: Annotated[bool, typer.Option(help="Ne pas prévenir les inscrits.")] = False,
) -> None:
    """Déplacer une séance et prévenir les inscrits."""
    from notifications import changes

    told = _change(
        event_id,
        date,
        changes.move_occurrence,
        reason=reason,
        notify=not silent,
        new_start_local=_when(to),
    )
    typer.echo(f"Séance déplacée ; personnes prévenues : {told}")


def _change(
    event_id: int, date: str, apply: Callable[..., Awaitable[int]], **options: object
) -> int:
    """Find the session planned at this local time, apply the change; return how many were told."""
    from notifications import changes, service

    async def work(session: AsyncSession) -> int:
        event = await service.get_event(session, event_id)
        row = await changes.occurrence_at(
            session, event=event, original_start=_local(_when(date), event.timezone)
        )
        return await apply(session, occurrence=row, event=event, now=utcnow(), **options)

    return run(work)


def _local(value: datetime, tz: str) -> datetime:
    from zoneinfo import ZoneInfo

    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


@events_app.command("enroll")
def enroll(
    event_id: Annotated[int, typer.Argument(help="Numéro de l'activité.")],
    beneficiary: Annotated[list[int] | None, typer.Option(help="Numéro de fiche (répétable).")] = (
        None
    ),
    phone: Annotated[list[str] | None, typer.Option(help="Téléphone (répétable).")] = None,
    file: Annotated[Path | None, typer.Option(help="Fichier CSV ou XLSX avec des téléphones.")] = (
        None
    ),
    create_missing: Annotated[
        bool, typer.Option(help="Créer une fiche pour un numéro inconnu.")
    ] = False,
    silent: Annotated[bool, typer.Option(help="Ne pas écrire aux personnes inscrites.")] = False,
) -> None:
    """Inscrire des personnes, par numéro de fiche, par téléphone ou depuis un fichier."""
    from lien.cli.enroll import enroll_in_chunks, phones_from_file  # reads files: app layer

    phones = list(phone or [])
    if file is not None:
        phones += phones_from_file(file)
    enroll_in_chunks(
        event_id,
        ids=list(beneficiary or []),
        phones=phones,
        from_file=file is not None,
        create_missing=create_missing,
        notify=not silent,
    )


@events_app.command("withdraw")
def withdraw(
    event_id: Annotated[int, typer.Argument(help="Numéro de l'activité.")],
    beneficiary: Annotated[int, typer.Option(help="Numéro de fiche.")],
) -> None:
    """Désinscrire une personne ; la première en attente prend sa place."""
    from notifications import enrollments, service

    async def work(session: AsyncSession) -> list[int]:
        event = await service.get_event(session, event_id)
        return await enrollments.withdraw(
            session, event=event, beneficiary_id=beneficiary, now=utcnow()
        )

    promoted = run(work)
    typer.echo("Désinscrit." + (f" Place donnée à : {promoted}" if promoted else ""))


@events_app.command("tick")
def tick() -> None:
    """Faire une fois le travail périodique des rappels (séances, offres, rappels dus)."""
    from notifications.tasks import tick as notifications_tick

    async def work(session: AsyncSession) -> str:
        report = await notifications_tick(session, utcnow())
        return (
            f"rappels mis en file : {report.reminders_queued}, écartés : {report.reminders_skipped}"
        )

    typer.echo(run(work))


@mail_app.command("arrived")
def mail_arrived(
    beneficiary: Annotated[int, typer.Option(help="Numéro de fiche de la personne domiciliée.")],
) -> None:
    """Signaler un courrier arrivé : la personne reçoit un message (un seul par jour)."""
    from notifications.mail import mark_mail_arrived

    async def work(session: AsyncSession) -> str:
        outcome = await mark_mail_arrived(session, beneficiary_id=beneficiary, now=utcnow())
        if not outcome.first_today:
            return f"Déjà signalé aujourd'hui ({outcome.marks} fois) : pas de nouveau message."
        if outcome.message_id is None:
            return f"Courrier noté, mais personne à prévenir : {outcome.skipped_reason}"
        return "Courrier noté ; la personne est prévenue."

    typer.echo(run(work))
