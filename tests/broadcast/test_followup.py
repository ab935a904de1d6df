from __future__ import annotations

import csv
import io

from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.followup import broadcast_progress, export_csv
from broadcast.tasks import run_due_broadcasts
from tests.broadcast.conftest import OPEN, sent_broadcast
from tests.factories import create_person, create_site


async def exported(
    session: AsyncSession, broadcast_id: int, *, language: str = "fr", page_size: int = 5000
) -> list[list[str]]:
    parts = [
        part
        async for part in export_csv(
            session, broadcast_id=broadcast_id, language=language, page_size=page_size
        )
    ]
    return list(csv.reader(io.StringIO("".join(parts)), delimiter=";"))


async def test_the_export_has_one_line_per_recipient_and_no_formulas(
    session: AsyncSession,
) -> None:
    site = await create_site(session)
    await create_person(session, site=site, first_name='=HYPERLINK("x")', phone="+33612345601")
    await create_person(session, site=site, first_name="Awa", phone="+33612345602", telegram="9")
    sent = await sent_broadcast(session, site)
    await run_due_broadcasts(session, OPEN)
    rows = await exported(session, sent.id, page_size=1)
    assert rows[0][0] == "bénéficiaire"
    assert [(r[1], r[5], r[6], r[7]) for r in rows[1:]] == [
        ('\'=HYPERLINK("x")', "sms", "+33612345601", "en file"),
        ("Awa", "telegram", "9", "en file"),
    ]
    english = await exported(session, sent.id, language="en")
    assert english[0][:2] == ["beneficiary", "first name"] and english[1][7] == "queued"


async def test_progress_before_the_list_is_drawn_up_shows_the_estimate(
    session: AsyncSession,
) -> None:
    site = await create_site(session)
    await create_person(session, site=site)
    sent = await sent_broadcast(session, site)
    progress = await broadcast_progress(session, broadcast_id=sent.id)
    assert (progress.status, progress.recipients, sum(progress.counts.values())) == (
        "scheduled",
        1,
        0,
    )
