"""The broadcast pages: an audience built and previewed live, sent, approved, followed."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from broadcast.service import set_approval_threshold
from db.base import utcnow
from db.models import Broadcast, Organisation
from db.session import SessionMaker
from gateway.records import ensure_organisation
from lien.wiring import fan_out_broadcasts
from tests.factories import create_person, create_site
from tests.lien.conftest import App
from tests.lien.console.conftest import add_member, csrf_of, error_of, sign_in, signed_in_as

ALERT = "Confinement : la distribution de colis est maintenue jeudi à Lézignan."
UCS2_ALERT = "Confinement : la distribution est maintenue, ça continue jeudi."


async def seed_user_file(sessionmaker: SessionMaker) -> None:
    """Two sites of one association; two isolated people in Lézignan, others elsewhere."""
    async with sessionmaker() as session, session.begin():
        nimes = await create_site(session)
        lezignan = await ensure_organisation(
            session,
            slug="default",
            name="AMI Nîmes",
            site_slug="lezignan",
            site_name="Centre social de Lézignan-Corbières",
        )
        await create_person(
            session, site=lezignan, first_name="Josette", phone="+33612340004", tags=["isolé"]
        )
        await create_person(
            session,
            site=lezignan,
            first_name="Nadia",
            phone="+33612340006",
            tags=["isolé", "à risque"],
        )
        await create_person(
            session, site=lezignan, first_name="Manuel", phone="+33612340005", tags=["famille"]
        )
        await create_person(
            session, site=nimes, first_name="Ahmad", phone="+33612340003", tags=["isolé"]
        )


def compose(token: str, **overrides: object) -> dict[str, object]:
    return {
        "csrf_token": token,
        "organisation": "default",
        "title": "Alerte confinement",
        "sites": ["lezignan"],
        "tags": ["isole"],
        "text_fr": ALERT,
        "stop_notice": "on",
        **overrides,
    }


def visible(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


async def test_the_audience_and_the_preview_follow_what_is_ticked(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await seed_user_file(sessionmaker)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    form = await client.get("/broadcasts/new?organisation=default")
    assert form.status_code == 200
    assert 'value="lezignan"' in form.text and 'value="isole"' in form.text
    token = csrf_of(form.text)

    shown = await client.post("/broadcasts/preview", data=compose(token, text_fr=UCS2_ALERT))
    text = visible(shown.text)
    assert "Personnes : 2" in text  # Josette and Nadia, not Manuel nor Ahmad of Nîmes
    assert "Josette" in text and "Manuel" not in text and "Ahmad" not in text
    assert "UCS-2" in text and "(avis STOP compris)" in text
    assert "Utiliser cette formulation" in text
    everyone = await client.post(
        "/broadcasts/preview", data=compose(token, sites=[], tags=[], text_fr=ALERT)
    )
    assert "Personnes : 4" in visible(everyone.text) and "UCS-2" not in everyone.text

    accepted = await client.post(
        "/broadcasts/suggestion", data={"csrf_token": token, "lang": "fr", "text_fr": UCS2_ALERT}
    )
    assert accepted.headers["hx-trigger-after-settle"] == "broadcast-text-changed"
    wording = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", accepted.text, re.S)[1])  # type: ignore[index]
    assert wording != UCS2_ALERT and "ça" not in wording and "continue jeudi" in wording
    cheaper = await client.post("/broadcasts/preview", data=compose(token, text_fr=wording))
    assert "GSM-7" in cheaper.text and "Utiliser cette formulation" not in cheaper.text


async def test_every_bad_field_is_reported_at_once(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await seed_user_file(sessionmaker)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/broadcasts/new?organisation=default")).text)
    refused = await client.post(
        "/broadcasts/new",
        data=compose(
            token,
            title="",
            text_fr="",
            sites=["nowhere"],
            contacted_within_days="soon",
            send_at="hier",
        ),
    )
    assert refused.status_code == 422
    assert error_of(refused.text, "title") == "Ce champ est obligatoire."
    assert error_of(refused.text, "text_fr") == "Ce champ est obligatoire."
    assert error_of(refused.text, "sites") == "Choisissez une valeur de la liste."
    assert "entre 0 et" in error_of(refused.text, "contacted_within_days")
    assert "date et une heure" in error_of(refused.text, "send_at")
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Broadcast))) == []


async def test_staff_send_an_urgent_alert_and_follow_it(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await seed_user_file(sessionmaker)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/broadcasts/new?organisation=default")).text)
    created = await client.post("/broadcasts/new", data=compose(token, urgent="on"))
    assert created.status_code == 303, created.text
    page = await client.get(created.headers["location"])
    assert "Brouillon enregistré" in page.text and "Destinataires : 2" in visible(page.text)
    assert "brouillon" in visible(page.text)
    sent = await client.post(
        created.headers["location"] + "/send", data={"csrf_token": csrf_of(page.text)}
    )
    assert sent.status_code == 303
    async with sessionmaker() as session, session.begin():
        await fan_out_broadcasts(session, utcnow())
    followed = await client.get(created.headers["location"])
    text = visible(followed.text)
    assert "Envoi lancé." in text and "urgente" in text
    assert re.search(r'data-bucket="queued">2<', followed.text), text
    export = await client.get(created.headers["location"] + "/recipients.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "Josette" in export.text and "Nadia" in export.text and "Manuel" not in export.text
    listing = await client.get("/broadcasts?organisation=default")
    assert "Alerte confinement" in listing.text and "brouillon" not in visible(listing.text)


async def test_the_same_text_to_the_same_audience_within_a_day_needs_a_confirmation(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await seed_user_file(sessionmaker)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/broadcasts/new?organisation=default")).text)
    first = (await client.post("/broadcasts/new", data=compose(token))).headers["location"]
    assert (await client.post(first + "/send", data={"csrf_token": token})).status_code == 303
    # The same words, spaced differently, to the same people.
    again = compose(token, text_fr=ALERT.replace(" ", "  "), title="Rappel")
    second = (await client.post("/broadcasts/new", data=again)).headers["location"]
    page = await client.get(second)
    assert "moins de 24 heures" in page.text and "Alerte confinement" in page.text
    refused = await client.post(second + "/send", data={"csrf_token": token})
    assert refused.status_code == 422
    assert "Cochez la case" in error_of(refused.text, "confirm_twin")
    confirmed = await client.post(
        second + "/send", data={"csrf_token": token, "confirm_twin": "on"}
    )
    assert confirmed.status_code == 303
    other = compose(token, tags=["famille"], title="Autre public")
    third = (await client.post("/broadcasts/new", data=other)).headers["location"]
    assert "moins de 24 heures" not in (await client.get(third)).text


async def test_a_large_broadcast_waits_for_a_second_person(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await seed_user_file(sessionmaker)
    async with sessionmaker() as session, session.begin():
        organisation = await session.scalar(
            select(Organisation.id).where(Organisation.slug == "default")
        )
        assert organisation is not None
        await set_approval_threshold(session, organisation_id=organisation, above=1)
    author = await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    token = csrf_of((await client.get("/broadcasts/new?organisation=default")).text)
    location = (await client.post("/broadcasts/new", data=compose(token))).headers["location"]
    await client.post(location + "/send", data={"csrf_token": token})
    waiting = await client.get(location)
    assert "une autre personne de l'équipe doit le valider" in html.unescape(waiting.text)
    assert "Valider l'envoi" not in waiting.text  # not for its author
    refused = await client.post(location + "/approve", data={"csrf_token": token})
    assert refused.status_code == 409 and "une autre personne" in html.unescape(refused.text)

    client.cookies.clear()
    await add_member(sessionmaker, role="staff", email="second@example.org", name="Karim")
    assert (await sign_in(client, "second@example.org")).status_code == 303
    page = await client.get(location)
    assert "Valider l'envoi" in page.text
    approved = await client.post(location + "/approve", data={"csrf_token": csrf_of(page.text)})
    assert approved.status_code == 303
    shown = visible((await client.get(location)).text)
    assert "Diffusion validée." in shown and "Karim" in shown and author.name in shown
    cancelled = await client.post(location + "/cancel", data={"csrf_token": csrf_of(page.text)})
    assert cancelled.status_code == 303
    assert "annulée" in visible((await client.get(location)).text)


async def test_an_unknown_broadcast_is_a_french_page(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    missing = await lien_app.client.get("/broadcasts/999999")
    assert missing.status_code == 404 and '<html lang="fr">' in missing.text
