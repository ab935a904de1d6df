"""The staff API of the directory: read it, edit it over the file, count free places."""

from __future__ import annotations

from db.session import SessionMaker
from tests.lien.conftest import App, bearer

NEW_ENTRY = {
    "id": "maraude-nimes",
    "name": "Maraude du soir",
    "categories": ["shelter", "food"],
    "what": {"fr": "Repas chaud et couvertures.", "en": "Hot meal.", "ar": "وجبة ساخنة."},
    "phone": "04 66 11 22 33",
}


async def test_every_directory_route_needs_a_token(lien_app: App) -> None:
    calls = [
        ("GET", "/api/directory"),
        ("GET", "/api/directory/siao-115"),
        ("GET", "/api/directory/siao-115/preview"),
        ("POST", "/api/directory"),
        ("PATCH", "/api/directory/siao-115"),
        ("PUT", "/api/directory/siao-115/places"),
        ("DELETE", "/api/directory/siao-115"),
        ("DELETE", "/api/directory/siao-115/edits"),
    ]
    for method, path in calls:
        response = await lien_app.client.request(method, path, json={})
        assert response.status_code == 401, (method, path)


async def test_read_and_search_the_shipped_directory(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    client = lien_app.client

    shelters = (await client.get("/api/directory?category=shelter", headers=staff_headers)).json()
    found = (await client.get("/api/directory?q=cimade", headers=staff_headers)).json()
    missing = await client.get("/api/directory/nowhere", headers=staff_headers)
    preview = await client.get("/api/directory/siao-115/preview?lang=ar", headers=staff_headers)

    assert [e["id"] for e in shelters] == ["siao-115", "accueil-de-nuit"]
    assert {e["source"] for e in shelters} == {"file"}
    assert [e["id"] for e in found] == ["cimade-nimes"]
    assert missing.status_code == 404 and "nowhere" in missing.json()["detail"]
    assert preview.json()["text"].splitlines()[:2] == [
        "115 - Samu social du Gard (SIAO)",
        "مبيت طارئ لليلة.",
    ]


async def test_staff_edit_an_entry_and_volunteers_cannot(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    client = lien_app.client
    volunteer = await bearer(sessionmaker, role="volunteer", name="Karim")

    edited = await client.patch(
        "/api/directory/cimade-nimes", json={"phone": "04 66 00 00 00"}, headers=staff_headers
    )
    refused = await client.patch(
        "/api/directory/cimade-nimes", json={"phone": "1"}, headers=volunteer
    )
    broken = await client.patch(
        "/api/directory/cimade-nimes", json={"what": {"fr": "Conseils"}}, headers=staff_headers
    )
    unknown_need = await client.patch(
        "/api/directory/cimade-nimes", json={"categories": ["dance"]}, headers=staff_headers
    )

    assert edited.status_code == 200
    assert (edited.json()["phone"], edited.json()["source"]) == ("04 66 00 00 00", "edited")
    assert refused.status_code == 403
    assert broken.status_code == 422 and 'what: missing "en"' in broken.json()["detail"]
    assert unknown_need.status_code == 422
    reverted = await client.delete("/api/directory/cimade-nimes/edits", headers=staff_headers)
    assert reverted.status_code == 204
    back = (await client.get("/api/directory/cimade-nimes", headers=staff_headers)).json()
    assert (back["phone"], back["source"]) == ("à vérifier", "file")


async def test_free_places_today_reach_the_person_asking_for_shelter(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    client = lien_app.client
    places = await client.put(
        "/api/directory/accueil-de-nuit/places",
        json={"places_available": 5},
        headers=staff_headers,
    )
    not_a_shelter = await client.put(
        "/api/directory/pass-caremeau/places", json={"places_available": 5}, headers=staff_headers
    )
    negative = await client.put(
        "/api/directory/accueil-de-nuit/places",
        json={"places_available": -1},
        headers=staff_headers,
    )
    assert places.json()["places_today"] == 5
    assert not_a_shelter.status_code == 422 and negative.status_code == 422

    replies: list[str] = []
    for text in ("Bonjour", "2", "Ali", "1", "1", "2"):  # English, shelter, a bed, not a minor
        sent = await client.post(
            "/api/simulator/messages",
            json={"from": "+33611223344", "text": text},
            headers=staff_headers,
        )
        replies = [reply["text"] for reply in sent.json()["replies"]]

    orientation = replies[0]
    assert orientation.startswith("Where to go:")
    assert "Accueil de nuit (exemple)\nBeds for the night, through 115." in orientation
    assert "Places available today: 5" in orientation


async def test_staff_add_hide_and_bring_back_entries(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    client = lien_app.client

    added = await client.post("/api/directory", json=NEW_ENTRY, headers=staff_headers)
    twice = await client.post("/api/directory", json=NEW_ENTRY, headers=staff_headers)
    hidden = await client.delete("/api/directory/siao-115", headers=staff_headers)
    shelters = (await client.get("/api/directory?category=shelter", headers=staff_headers)).json()

    assert added.status_code == 201 and added.json()["source"] == "staff"
    assert twice.status_code == 409
    assert hidden.status_code == 204
    assert [e["id"] for e in shelters] == ["accueil-de-nuit", "maraude-nimes"]
    await client.delete("/api/directory/maraude-nimes", headers=staff_headers)
    await client.delete("/api/directory/siao-115/edits", headers=staff_headers)
    shelters = (await client.get("/api/directory?category=shelter", headers=staff_headers)).json()
    assert [e["id"] for e in shelters] == ["siao-115", "accueil-de-nuit"]
    gone = await client.delete("/api/directory/maraude-nimes", headers=staff_headers)
    assert gone.status_code == 404
