"""French first, English from the catalogue: every text translated, the language negotiated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from db.session import SessionMaker
from lien.console.i18n import LOCALES, negotiate
from tests.lien.conftest import App
from tests.lien.console.conftest import PASSWORD, add_member, page_token

ROOT = Path(__file__).resolve().parents[3]


def extracted_messages() -> set[str]:
    with (ROOT / "lien/console/babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords={"_": None, "N_": None})
    return {message if isinstance(message, str) else message[0] for _f, _l, message, *_ in found}


def test_every_text_of_the_console_has_an_english_translation() -> None:
    texts = extracted_messages()
    assert "Se connecter" in texts and "Ce champ est obligatoire." in texts  # both kinds found
    with (LOCALES / "en/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert sorted(texts - translated) == []
    problems = [(m.id, errors) for m, errors in catalog.check()]
    assert problems == []  # the placeholders of each translation match its text


def test_the_browser_language_is_followed_when_the_console_has_it() -> None:
    assert negotiate(None) == "fr"
    assert negotiate("en-GB,en;q=0.9") == "en"
    assert negotiate("de-DE, en;q=0.5, fr;q=0.4") == "en"
    assert negotiate("de-DE, ar;q=0.8") == "fr"
    assert negotiate("fr-CA") == "fr"


async def test_pages_follow_accept_language_and_the_language_switch(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    client = lien_app.client
    french = await client.get("/login")
    assert '<html lang="fr">' in french.text and "Connexion à la console" in french.text
    english = await client.get("/login", headers={"Accept-Language": "en-US,en;q=0.8"})
    assert '<html lang="en">' in english.text and "Sign in to the console" in english.text
    token = await page_token(client)
    switched = await client.post(
        "/language", data={"lang": "en", "next": "/login", "csrf_token": token}
    )
    assert switched.headers["location"] == "/login"
    assert "Sign in to the console" in (await client.get("/login")).text
    await add_member(sessionmaker, name="Claire")
    token = await page_token(client)
    wrong = await client.post(
        "/login", data={"email": "staff@example.org", "password": "nope", "csrf_token": token}
    )
    assert "Wrong email address or password." in wrong.text
    await client.post(
        "/login", data={"email": "staff@example.org", "password": PASSWORD, "csrf_token": token}
    )
    home = await client.get("/")
    assert "Hello Claire" in home.text and "People waiting for a reply" in home.text
