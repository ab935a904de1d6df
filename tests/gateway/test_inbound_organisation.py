"""A new sender lands in the organisation of the number they wrote to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Beneficiary, Organisation
from gateway.channels.base import InboundMessage
from gateway.channels.twilio import parse_inbound
from gateway.inbound import InboundRouter, receive
from gateway.records import INBOUND_SETTING
from tests.factories import create_site

AUDE_NUMBER, AUDE_SERVICE = "+33700000002", "MG" + "a" * 32


async def _organisations(session: AsyncSession) -> tuple[int, int]:
    nimes = await create_site(session, slug="nimes-accueil", org_slug="ami-nimes")
    aude = await create_site(session, slug="lezignan", org_slug="ami-aude")
    organisation = await session.get_one(Organisation, aude.organisation_id)
    organisation.settings = {INBOUND_SETTING: {"sms": [AUDE_NUMBER, AUDE_SERVICE]}}
    await session.flush()
    return nimes.organisation_id, aude.organisation_id


async def _owner(session: AsyncSession, inbound: InboundMessage) -> int:
    received = await receive(session, InboundRouter(), inbound)
    assert received is not None
    person = await session.get_one(Beneficiary, received.message.beneficiary_id)
    return person.organisation_id


async def test_each_number_brings_new_senders_to_its_organisation(session: AsyncSession) -> None:
    nimes, aude = await _organisations(session)
    base = {"MessageSid": "SM" + "1" * 32, "From": "+33611111111", "Body": "bonjour"}
    to_aude = parse_inbound({**base, "To": AUDE_NUMBER})
    assert await _owner(session, to_aude) == aude
    by_service = parse_inbound(
        {**base, "MessageSid": "SM" + "2" * 32, "From": "+33622222222", "To": "+33799999999",
         "MessagingServiceSid": AUDE_SERVICE}
    )  # fmt: skip
    assert await _owner(session, by_service) == aude
    # A number nobody claims, or none at all, keeps the first organisation as before.
    elsewhere = parse_inbound(
        {**base, "MessageSid": "SM" + "3" * 32, "From": "+33633333333", "To": "+33799999999"}
    )
    assert await _owner(session, elsewhere) == nimes
    # Someone already known stays where they are, whichever number they write to.
    known = parse_inbound({**base, "MessageSid": "SM" + "4" * 32, "To": "+33799999999"})
    assert await _owner(session, known) == aude
