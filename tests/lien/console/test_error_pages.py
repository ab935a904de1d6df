"""Every error the console answers is a French page, while programs keep their JSON."""

from __future__ import annotations

from db.session import SessionMaker
from tests.lien.conftest import App
from tests.lien.console.conftest import signed_in_as

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


async def test_console_errors_are_french_pages(lien_app: App, sessionmaker: SessionMaker) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    for path in ("/triage/abc", "/broadcasts/abc", "/beneficiaries/2147483648000", "/nowhere"):
        page = await client.get(path, headers=BROWSER)
        assert page.status_code in (404, 422), path
        assert page.headers["content-type"].startswith("text/html"), path
        assert '<html lang="fr">' in page.text, path
        assert "introuvable" in page.text or "Adresse incorrecte" in page.text, path
    bad_filter = await client.get("/triage?site=" + "x" * 100, headers=BROWSER)
    assert bad_filter.status_code == 422 and "Adresse incorrecte" in bad_filter.text
    english = await client.get("/triage/abc", headers={**BROWSER, "Accept-Language": "en"})
    assert '<html lang="en">' in english.text and "Page not found" in english.text


async def test_programs_keep_their_json_answers(lien_app: App) -> None:
    client = lien_app.client
    api = await client.get("/api/tickets/abc", headers={"Authorization": "Bearer nope"})
    assert api.headers["content-type"].startswith("application/json")
    unknown = await client.get("/api/nowhere")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Not Found"}
