"""The translations tab: an interpreter edits a text and marks it reviewed, audited."""

from __future__ import annotations

from sqlalchemy import select

from db.base import utcnow
from db.models import AuditEvent, TranslationOverride
from db.session import SessionMaker
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, signed_in_as

NEED = 'node "need": text'
NEED_FIELD = 'value="node &#34;need&#34;: text"'


async def test_an_interpreter_edits_a_text_and_marks_it_reviewed(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    admin = await signed_in_as(lien_app, sessionmaker, "admin")
    client = lien_app.client
    page = await client.get("/settings/translations?language=ti")
    assert NEED_FIELD in page.text and "Enregistrer et marquer relu" in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "language": "ti",
        "catalogue": "flux accueil",
        "key": NEED,
        "text": "ሰላም {first_name}። እንታይ ትደልዩ?",
    }

    refused = await client.post("/settings/translations", data={**form, "text": "ሰላም"})
    assert refused.status_code == 303
    shown = (await client.get(refused.headers["location"])).text
    assert "Texte refusé : champ manquant : {first_name}." in shown

    before = utcnow()
    saved = await client.post("/settings/translations", data={**form, "reviewed": "1"})
    after = utcnow()
    assert saved.status_code == 303
    async with sessionmaker() as session:
        row = await session.scalar(select(TranslationOverride))
        audit = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "translation.edit")
        )
    assert row is not None and row.text == form["text"]
    assert (row.status, row.reviewed_by_id) == ("reviewed", admin.id)
    assert row.reviewed_at is not None and before <= row.reviewed_at <= after
    assert audit is not None and audit.staff_member_id == admin.id
    listed = (await client.get("/settings/translations?language=ti")).text
    assert "Texte enregistré et marqué relu." in listed
    # A reviewed text leaves the list of what is missing or still to review.
    assert NEED_FIELD not in listed
