from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from broadcast.audience import AudienceFilter, AudienceSources, resolve_audience
from broadcast.preview import Preview, preview_texts
from tests.broadcast.conftest import OPEN
from tests.factories import create_person, create_site

PRICES = {"sms": Decimal("0.0725")}
PLAIN_FR = "Bonjour {prénom}, la distribution de colis est reportee a jeudi 14h."
ACCENTED_FR = (
    "Bonjour {prénom}, la distribution de colis est reportée à jeudi : ça évite l’attente."
)
ARABIC = "تم تأجيل توزيع الطرود إلى يوم الخميس. المركز مفتوح من الساعة العاشرة صباحا حتى الظهر."


async def preview(
    session: AsyncSession, texts: dict[str, str], *, stop_notice: bool = False
) -> Preview:
    site = await create_site(session)
    audience = await resolve_audience(
        session,
        organisation_id=site.organisation_id,
        criteria=AudienceFilter(),
        now=OPEN,
        sources=AudienceSources(),
    )
    return await preview_texts(
        session, audience=audience, texts=texts, stop_notice=stop_notice, prices=PRICES
    )


async def three_people(session: AsyncSession) -> None:
    site = await create_site(session)
    await create_person(session, site=site, first_name="Awa", phone="+33612345601")
    await create_person(session, site=site, first_name="Luc", phone="+33612345602")
    await create_person(session, site=site, first_name="Inès", phone=None, telegram="77")


async def test_french_without_accents_is_one_gsm7_segment(session: AsyncSession) -> None:
    await three_people(session)
    shown = await preview(session, {"fr": PLAIN_FR})
    (fr,) = shown.texts
    assert fr.example == "Bonjour Awa, la distribution de colis est reportee a jeudi 14h."
    assert (fr.encoding, fr.length, fr.segments) == ("GSM-7", 63, 1)
    assert (fr.ucs2_chars, fr.suggestion) == ((), None)
    assert fr.by_channel == {"sms": 2, "telegram": 1}
    assert fr.sms_segments == 2
    assert shown.cost.total == Decimal("0.1450")
    assert {line.channel: line.cost for line in shown.cost.channels} == {
        "sms": Decimal("0.1450"),
        "telegram": Decimal(0),
    }


async def test_french_with_accents_names_the_culprits_and_offers_a_cheaper_wording(
    session: AsyncSession,
) -> None:
    await three_people(session)
    shown = await preview(session, {"fr": ACCENTED_FR})
    (fr,) = shown.texts
    assert (fr.encoding, fr.length, fr.segments) == ("UCS-2", 80, 2)
    assert fr.ucs2_chars == ("ç", "’")
    # é and à are GSM-7 and stay; the suggestion keeps the placeholder for every person.
    assert fr.suggestion == (
        "Bonjour {prénom}, la distribution de colis est reportée à jeudi : ca évite l'attente."
    )
    assert fr.sms_segments == 4
    assert shown.cost.total == Decimal("0.2900")


async def test_arabic_is_ucs2_and_others_fall_back_to_french(session: AsyncSession) -> None:
    site = await create_site(session)
    await create_person(session, site=site, first_name="Samira", language="ar")
    await create_person(
        session, site=site, first_name="Amanuel", language="ti", phone="+33612345602"
    )
    shown = await preview(session, {"fr": PLAIN_FR, "ar": ARABIC}, stop_notice=True)
    fr, ar = shown.texts
    assert (ar.language, ar.read_by, ar.recipients) == ("ar", ("ar",), 1)
    assert (fr.language, fr.read_by, fr.recipients) == ("fr", ("ti",), 1)
    assert ar.example.endswith("\nأرسل STOP لإيقاف هذه الرسائل.")
    assert (ar.encoding, ar.length, ar.segments, ar.suggestion) == ("UCS-2", 115, 2, None)
    assert "ت" in ar.ucs2_chars
    # "Bonjour Amanuel, …" (67) + "\n" + the French way to stop (49): 117 GSM-7 characters.
    assert (fr.encoding, fr.length, fr.segments) == ("GSM-7", 117, 1)
    assert shown.cost.total == Decimal("0.2175")


async def test_a_name_outside_gsm7_is_counted_at_its_own_price(session: AsyncSession) -> None:
    site = await create_site(session)
    await create_person(session, site=site, first_name="Awa", phone="+33612345601")
    await create_person(session, site=site, first_name="François", phone="+33612345602")
    long_text = PLAIN_FR + " Apportez vos sacs, merci."
    shown = await preview(session, {"fr": long_text})
    (fr,) = shown.texts
    assert fr.encoding == "GSM-7" and fr.personalised_ucs2 == 1
    assert fr.sms_segments == 1 + 2
    assert shown.cost.total == Decimal("0.2175")


async def test_a_text_nobody_reads_is_still_shown(session: AsyncSession) -> None:
    await three_people(session)
    shown = await preview(session, {"fr": PLAIN_FR, "en": "Hello {prénom}"})
    assert [(t.language, t.recipients) for t in shown.texts] == [("fr", 3), ("en", 0)]
    assert shown.texts[1].example == "Hello"
    assert shown.recipients == 3
