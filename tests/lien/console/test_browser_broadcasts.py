"""In Chromium against the whole app: an urgent alert to the isolated people of Lézignan,
written, previewed, sent, followed live until a reply comes back."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from db.base import utcnow
from db.session import SessionMaker
from fakeprovider import FakeProviderServer
from lien.wiring import fan_out_broadcasts
from tests.lien.console.browsing import shoot, sign_in_page, wait_until, watched_page
from tests.lien.console.conftest import add_member
from tests.lien.console.livesite import LiveServer
from tests.lien.console.test_broadcasts import UCS2_ALERT, seed_user_file
from tests.lien.test_twilio import signed, sms_params

pytestmark = pytest.mark.browser
JOSETTE = "+33612340004"


async def _reply(server: LiveServer, text: str) -> None:
    url = server.url + "/webhooks/twilio"
    params = sms_params(text, sid="SM" + "b" * 32, From=JOSETTE)
    async with httpx.AsyncClient() as client:
        response = await client.post(url, data=params, headers=signed(url, params))
    assert response.status_code == 200


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_staff_send_an_urgent_alert_to_lezignan_and_see_a_reply(
    live_server: LiveServer,
    browser: Browser,
    sessionmaker: SessionMaker,
    fake_provider: FakeProviderServer,
    viewport: str,
) -> None:
    await seed_user_file(sessionmaker)
    await add_member(sessionmaker, role="staff", name="Claire")
    page, problems = await watched_page(browser, viewport)
    await sign_in_page(page, live_server, "staff@example.org")
    if viewport == "phone":
        await page.goto(live_server.url + "/broadcasts")
    else:
        menu = page.get_by_role("navigation", name="Menu principal")
        await menu.get_by_role("link", name="Diffusions").click()
    await page.get_by_role("link", name="Nouvelle diffusion").click()

    await page.get_by_label("Titre (pour l'équipe)").fill("Alerte confinement")
    await page.get_by_label("Centre social de Lézignan-Corbières").check()
    await (
        page.get_by_role("group", name="Avec au moins une de ces étiquettes")
        .get_by_label("Isolé·e", exact=True)
        .check()
    )
    await page.get_by_label("Texte en français").fill(UCS2_ALERT)
    # The click leaves the text field: the suggestion must not be lost to a refresh of the preview.
    preview = page.locator("#broadcast-preview")
    await expect(preview.locator("#audience-count")).to_have_text("Personnes : 2")
    await expect(preview).to_contain_text("UCS-2")
    await expect(preview).to_contain_text("(avis STOP compris)")
    await expect(preview).to_contain_text("Coût total estimé")
    await shoot(page, f"broadcast-compose-{viewport}")
    await preview.get_by_role("button", name="Utiliser cette formulation").click()
    await expect(page.get_by_label("Texte en français")).not_to_have_value(UCS2_ALERT)
    await expect(preview.locator(".preview-text .badge")).to_have_text("GSM-7")
    await page.get_by_label("Alerte urgente").check()
    await page.get_by_role("button", name="Enregistrer et vérifier").click()

    await expect(page.get_by_text("Brouillon enregistré")).to_be_visible()
    await expect(page.locator("#preview-cost")).to_contain_text("Destinataires : 2")
    await page.get_by_role("button", name="Envoyer la diffusion").click()
    await expect(page.get_by_text("Envoi lancé.")).to_be_visible()
    sent_before = len(fake_provider.state.twilio_messages())
    async with sessionmaker() as session, session.begin():
        await fan_out_broadcasts(session, utcnow())
    await wait_until(lambda: len(fake_provider.state.twilio_messages()) >= sent_before + 2)
    # No reload: the progress refreshes itself as the messages leave, then as the reply comes.
    progress = page.locator("#broadcast-progress")
    await expect(progress.locator('[data-bucket="sent"]')).to_have_text("2", timeout=15_000)
    await _reply(live_server, "Merci, bien reçu")
    await expect(progress.locator('[data-bucket="replies"]')).to_have_text("1", timeout=15_000)
    await expect(page.locator("#broadcast-replies")).to_contain_text("Merci, bien reçu")
    await shoot(page, f"broadcast-progress-{viewport}")
    await page.locator("#broadcast-replies").get_by_role("link", name="Josette").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Josette")
    assert problems == []
