"""On a phone, a long conversation opens at its latest message, the reply form just below."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from db.session import SessionMaker
from tests.lien.console.browsing import sign_in_page, watched_page
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import PHONE, LiveServer
from tests.lien.test_twilio import signed, sms_params

pytestmark = pytest.mark.browser
PERSON = "+33612000088"


async def test_a_long_conversation_opens_at_the_latest_message_on_a_phone(
    live_server: LiveServer, browser: Browser, sessionmaker: SessionMaker
) -> None:
    url = live_server.url + "/webhooks/twilio"
    async with httpx.AsyncClient() as client:
        for number in range(30):
            params = sms_params(
                f"Message numéro {number} " + "bla " * 20, sid=f"SM{number:032d}", From=PERSON
            )
            response = await client.post(url, data=params, headers=signed(url, params))
            assert response.status_code == 200
    await add_member(sessionmaker, role="staff", name="Claire")
    page, problems = await watched_page(browser, "phone")
    await sign_in_page(page, live_server, "staff@example.org")
    await page.goto(live_server.url + "/triage")
    await page.locator("#triage-rows a.strong").first.click()
    scroller = page.locator("#exchange-live .scroller")
    await expect(scroller).to_contain_text("Message numéro 29")
    # The latest message shows at the bottom of the exchange, the first ones above the fold.
    first, latest, frame = await scroller.evaluate(
        """(box) => [...box.querySelectorAll('.bubble')].filter((b, i, all) =>
               i === 0 || i === all.length - 1).map((b) => b.getBoundingClientRect().top)
             .concat([box.getBoundingClientRect().top])"""
    )
    height = await scroller.evaluate("(box) => box.clientHeight")
    assert frame <= latest < frame + height, (frame, latest, height)
    assert first < frame  # scrolled out of the exchange's frame, upwards
    reply = page.get_by_label("Votre réponse")
    box = await reply.bounding_box()
    assert box is not None and box["y"] < 2 * PHONE["height"], box
    assert problems == []
