"""What the `lien broadcast` commands do, each in one transaction."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer
import yaml
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from broadcast import service
from broadcast.audience import AudienceFilter, resolve_audience, summarise_audience
from broadcast.composition import check_texts
from broadcast.followup import broadcast_progress, export_csv
from broadcast.organisations import resolve_organisation, staff_by_name
from broadcast.preview import Preview, preview_texts
from db.base import utcnow
from db.models import Broadcast
from gateway.encoding import analyze_sms
from lien.cli.broadcast_view import show_audience, show_broadcast, show_preview, show_progress
from lien.cli.startup import run_in_transaction
from lien.settings import Settings
from lien.wiring import audience_sources


@dataclass(frozen=True)
class Texts:
    """The texts as given on the command line or in a YAML file."""

    items: list[str] | None
    path: Path | None
    gsm: bool
    stop_notice: bool

    def read(self) -> dict[str, str]:
        """Return one text per language; the GSM-7 wording only when asked for."""
        texts: dict[str, str] = {}
        if self.path is not None:
            loaded = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            if not isinstance(loaded, dict):
                raise ValueError(f"{self.path.name} : une clé par langue attendue (fr: …, ar: …)")
            texts.update({str(k): str(v) for k, v in loaded.items()})
        for item in self.items or []:
            language, sep, body = item.partition(":")
            if not sep:
                raise ValueError(f"--text attend « langue:texte », reçu : « {item} »")
            texts[language.strip()] = body
        if self.gsm:
            texts = {lang: analyze_sms(body).suggestion or body for lang, body in texts.items()}
        return check_texts(texts)


_SEVERAL = frozenset({"sites", "tags", "exclude_tags", "languages", "channels"})


def _filter(criteria: dict[str, Any]) -> AudienceFilter:
    values: dict[str, Any] = {
        key: tuple(v or ()) if key in _SEVERAL else v for key, v in criteria.items()
    }
    return AudienceFilter(**values)


async def _preview(
    session: AsyncSession,
    config: Settings,
    *,
    org: str | None,
    criteria: AudienceFilter,
    texts: dict[str, str],
    stop_notice: bool,
) -> tuple[int, Preview]:
    owner = await resolve_organisation(session, staff_organisation_id=None, slug=org)
    resolved = await resolve_audience(
        session,
        organisation_id=owner.id,
        criteria=criteria,
        now=utcnow(),
        sources=audience_sources(),
    )
    shown = await preview_texts(
        session, audience=resolved, texts=texts, stop_notice=stop_notice, prices=config.prices()
    )
    return owner.id, shown


def audience(criteria: dict[str, Any], *, org: str | None) -> None:
    async def work(session: AsyncSession, _config: Settings) -> None:
        owner = await resolve_organisation(session, staff_organisation_id=None, slug=org)
        resolved = await resolve_audience(
            session,
            organisation_id=owner.id,
            criteria=_filter(criteria),
            now=utcnow(),
            sources=audience_sources(),
        )
        show_audience(Console(), await summarise_audience(session, resolved))

    run_in_transaction(work)


def preview(criteria: dict[str, Any], *, org: str | None, texts: Texts) -> None:
    async def work(session: AsyncSession, config: Settings) -> None:
        _, shown = await _preview(
            session,
            config,
            org=org,
            criteria=_filter(criteria),
            texts=texts.read(),
            stop_notice=texts.stop_notice,
        )
        show_preview(Console(), shown, config.price_currency)

    run_in_transaction(work)


def send(
    criteria: dict[str, Any],
    *,
    org: str | None,
    texts: Texts,
    title: str,
    at: str | None,
    urgent: bool,
    confirm: bool,
    by: str | None,
    confirm_repeat: bool = False,
    reply_text: str | None = None,
) -> None:
    async def work(session: AsyncSession, config: Settings) -> None:
        chosen, wanted = texts.read(), _filter(criteria)
        organisation_id, shown = await _preview(
            session, config, org=org, criteria=wanted, texts=chosen, stop_notice=texts.stop_notice
        )
        console = Console()
        show_preview(console, shown, config.price_currency)
        if confirm and not await asyncio.to_thread(typer.confirm, "Envoyer ?"):
            raise typer.Abort()
        author = (await staff_by_name(session, by)).id if by else None
        draft = service.Draft(
            title=title,
            texts=chosen,
            audience=wanted,
            urgent=urgent,
            stop_notice=texts.stop_notice,
            send_at=_when(at, config.timezone),
            reply_text=(reply_text or "").strip()[:500] or None,
        )
        created = await service.create_broadcast(
            session, organisation_id=organisation_id, draft=draft, created_by=author
        )
        submitted = await service.submit_broadcast(
            session,
            broadcast_id=created.id,
            by=author,
            now=utcnow(),
            sources=audience_sources(),
            confirm_repeat=confirm_repeat,
        )
        show_broadcast(console, submitted)
        if submitted.status == service.PENDING_APPROVAL:
            console.print(f"Une autre personne doit valider : lien broadcast approve {created.id}")

    run_in_transaction(work)


def _when(at: str | None, timezone: str) -> datetime | None:
    if at is None:
        return None
    moment = datetime.fromisoformat(at)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def approve(broadcast_id: int, *, by: str) -> None:
    async def work(session: AsyncSession, _config: Settings) -> None:
        approver = await staff_by_name(session, by)
        approved = await service.approve_broadcast(
            session, broadcast_id=broadcast_id, by=approver.id, now=utcnow()
        )
        show_broadcast(Console(), approved)

    run_in_transaction(work)


def cancel(broadcast_id: int, *, by: str | None) -> None:
    async def work(session: AsyncSession, _config: Settings) -> None:
        author = (await staff_by_name(session, by)).id if by else None
        cancelled = await service.cancel_broadcast(
            session, broadcast_id=broadcast_id, by=author, now=utcnow()
        )
        show_broadcast(Console(), cancelled)

    run_in_transaction(work)


def status(broadcast_id: int) -> None:
    async def work(session: AsyncSession, _config: Settings) -> None:
        show_progress(Console(), await broadcast_progress(session, broadcast_id=broadcast_id))

    run_in_transaction(work)


def recent(limit: int) -> None:
    async def work(session: AsyncSession, _config: Settings) -> None:
        console = Console()
        found = await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
        for broadcast in found:
            show_broadcast(console, broadcast)

    run_in_transaction(work)


def export(broadcast_id: int, *, output: Path | None) -> None:
    async def work(session: AsyncSession, _config: Settings) -> None:
        await service.load_broadcast(session, broadcast_id=broadcast_id)
        out = output.open("w", encoding="utf-8-sig", newline="") if output else sys.stdout
        try:
            async for part in export_csv(session, broadcast_id=broadcast_id):
                out.write(part)
        finally:
            if output:
                out.close()

    run_in_transaction(work)


def approval(*, org: str | None, above: int | None, never: bool) -> None:
    async def work(session: AsyncSession, _config: Settings) -> None:
        owner = await resolve_organisation(session, staff_organisation_id=None, slug=org)
        if above is not None or never:
            await service.set_approval_threshold(
                session, organisation_id=owner.id, above=None if never else above
            )
        current = await service.approval_threshold(session, organisation_id=owner.id)
        shown = "jamais" if current is None else f"au-delà de {current} destinataire(s)"
        Console().print(f"Validation par une deuxième personne : {shown}.")

    run_in_transaction(work)
