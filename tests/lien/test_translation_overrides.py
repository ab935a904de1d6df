"""An association's own translation is what its people read in the conversation."""

from __future__ import annotations

from db.base import utcnow
from db.scope import owning_organisation
from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from lien.translation_work import save_text
from tests.lien.conftest import App
from tests.lien.people import TelegramPerson

EDITED = "ሰላም {first_name}። እንታይ ትደልዩ?"


async def test_an_edited_text_reaches_the_person_in_their_language(
    provider_app: App, fake_provider: FakeProviderServer, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        await save_text(
            session,
            organisation_id=await owning_organisation(session),
            catalogue="flux accueil",
            key='node "need": text',
            language="ti",
            text=EDITED,
            reviewed_by=None,
            now=utcnow(),
        )
    person = TelegramPerson(provider_app, fake_provider, language_code="ti")
    await person.say("/start")

    (need,) = await person.say("Amanuel")

    assert need.text == "ሰላም Amanuel። እንታይ ትደልዩ?"
    # The choices the association did not touch stay the file's.
    assert need.buttons[0] == "መደቀሲ"
