"""Replies people send: OUI or NON to a reminder or an offer, ACTIVITES, a number to enrol."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Enrollment, Event, EventMenu, Message, Occurrence, Reminder, Rsvp, Site
from gateway import statuses
from gateway.channels.base import Choice
from gateway.exchange import Origin
from gateway.inbound import InboundContext
from notifications import schedule
from notifications.enrollments import enroll
from notifications.rsvp import NOTE_LENGTH, AnswerKind, answer, rsvp_row
from notifications.sending import place_of, session_words
from notifications.states import ACTIVE, CANCELLED, ENROLLED, Conflict
from notifications.texts import event_text, read_answer, text

MENU_SIZE = 9
MENU_DAYS = 60
PROMPTS = ("reminder", "offer", "activities")
_DEAD = (statuses.FAILED, statuses.EXPIRED, statuses.SUPPRESSED, statuses.CANCELLED)
_REPLIES = {
    AnswerKind.CONFIRMED: "rsvp_yes",
    AnswerKind.OFFER_ACCEPTED: "offer_accepted",
    AnswerKind.DECLINED: "rsvp_no",
    AnswerKind.OFFER_DECLINED: "offer_declined",
    AnswerKind.FULL: "rsvp_full",
}


async def handle(ctx: InboundContext, *, now: datetime | None = None) -> bool:
    """Take a message that answers something Lien asked; leave anything else to the others."""
    reading = read_answer(ctx.text)
    if reading is None:
        return False
    now = now or utcnow()
    if reading.activities:
        await send_menu(ctx, now=now)
        return True
    prompt = await latest_prompt(ctx.session, beneficiary_id=ctx.person.id)
    if prompt is None:
        return False
    kind, ref = prompt
    if kind == "activities":
        return reading.number is not None and await _enrol_from_menu(ctx, reading.number, now)
    if reading.yes is None or ref is None or not ref.isdigit():
        return False
    occurrence_id = await _occurrence_of(ctx.session, kind, int(ref))
    if occurrence_id is None:
        return False
    occurrence = await ctx.session.get_one(Occurrence, occurrence_id)
    event = await ctx.session.get_one(Event, occurrence.event_id)
    outcome = await answer(
        ctx.session,
        occurrence=occurrence,
        event=event,
        beneficiary_id=ctx.person.id,
        yes=reading.yes,
        now=now,
    )
    key = _REPLIES.get(outcome)
    if key is None:
        return False  # too late, or not on the list: a person on the team reads it
    if reading.note:
        # "Oui mais en retard": the answer counts, and the team sees what else was said.
        row = await rsvp_row(ctx.session, occurrence_id=occurrence.id, beneficiary_id=ctx.person.id)
        row.note = ctx.text.strip()[:NOTE_LENGTH]
    lang = ctx.person.language
    words = session_words(
        event, start=occurrence.start, language=lang, place=await place_of(ctx.session, event)
    )
    await ctx.reply(text(key, lang, **words), origin=Origin("rsvp", str(occurrence.id)))
    return True


async def latest_prompt(
    session: AsyncSession, *, beneficiary_id: int
) -> tuple[str, str | None] | None:
    """Return the last question Lien asked the person: a reminder, an offer or the list."""
    row = await session.execute(
        select(Message.origin_kind, Message.origin_ref)
        .where(
            Message.beneficiary_id == beneficiary_id,
            Message.direction == "out",
            Message.origin_kind.in_(PROMPTS),
            Message.status.not_in(_DEAD),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    found = row.first()
    return None if found is None else (found[0], found[1])


async def _occurrence_of(session: AsyncSession, kind: str, ref: int) -> int | None:
    model = Reminder if kind == "reminder" else Rsvp
    return await session.scalar(select(model.occurrence_id).where(model.id == ref))


async def send_menu(ctx: InboundContext, *, now: datetime) -> None:
    """List the next activities of the person's site, numbered, and remember the list."""
    session, person, lang = ctx.session, ctx.person, ctx.person.language
    upcoming = await _next_sessions(session, person.site_id, person.organisation_id, now)
    enrolled = set(
        (
            await session.execute(
                select(Enrollment.event_id).where(
                    Enrollment.beneficiary_id == person.id, Enrollment.status == ENROLLED
                )
            )
        ).scalars()
    )
    choices = []
    for number, (event, start) in enumerate(upcoming, start=1):
        words = {
            "title": event_text(event.texts, "title", lang),
            "when": session_words(event, start=start, language=lang, place="")["when"],
        }
        line = "menu_line_enrolled" if event.id in enrolled else "menu_line"
        choices.append(Choice(str(number), text(line, lang, **words)))
    menu = await session.get(EventMenu, person.id)
    if menu is None:
        menu = EventMenu(beneficiary_id=person.id)
        session.add(menu)
    menu.event_ids, menu.sent_at = [event.id for event, _ in upcoming], now
    await session.flush()
    body = f"{text('menu_header', lang)}\n{text('menu_footer', lang)}"
    if not choices:
        body = text("menu_empty", lang)
    await ctx.reply(body, origin=Origin("activities"), choices=tuple(choices))


async def _next_sessions(
    session: AsyncSession, site_id: int | None, organisation_id: int, now: datetime
) -> list[tuple[Event, datetime]]:
    first = (
        select(Occurrence.event_id, func.min(Occurrence.start).label("start"))
        .where(
            Occurrence.start > now,
            Occurrence.start < now + timedelta(days=MENU_DAYS),
            Occurrence.status != CANCELLED,
        )
        .group_by(Occurrence.event_id)
        .subquery()
    )
    stmt = (
        select(Event, first.c.start)
        .join(first, first.c.event_id == Event.id)
        .join(Site, Site.id == Event.site_id)
        .where(Event.status == ACTIVE, Site.organisation_id == organisation_id)
        .order_by(first.c.start, Event.id)
        .limit(MENU_SIZE)
    )
    if site_id is not None:
        stmt = stmt.where(Event.site_id == site_id)
    return [(event, start) for event, start in (await session.execute(stmt)).all()]


async def _enrol_from_menu(ctx: InboundContext, number: int, now: datetime) -> bool:
    session, lang = ctx.session, ctx.person.language
    menu = await session.get(EventMenu, ctx.person.id)
    ids = list(menu.event_ids) if menu is not None else []
    event = await session.get(Event, ids[number - 1]) if 1 <= number <= len(ids) else None
    origin = Origin("activities")
    if event is None:
        await ctx.reply(text("menu_unknown", lang), origin=origin)
        return True
    try:
        result = await enroll(
            session,
            event=event,
            beneficiary_id=ctx.person.id,
            source="keyword",
            now=now,
            notify=False,
        )
    except Conflict:
        await ctx.reply(text("menu_unknown", lang), origin=origin)
        return True
    words = {"title": event_text(event.texts, "title", lang), "position": str(result.rank or "")}
    coming = await schedule.next_occurrence(session, event_id=event.id, now=now)
    key = result.status  # enrolled, waitlisted, already_enrolled, already_waitlisted
    if coming is not None:
        words.update(
            session_words(
                event, start=coming.start, language=lang, place=await place_of(session, event)
            )
        )
    elif key == "enrolled":
        key = "enrolled_no_session"
    await ctx.reply(
        text(key, lang, **words), origin=Origin("enrollment", str(result.enrollment_id))
    )
    return True
