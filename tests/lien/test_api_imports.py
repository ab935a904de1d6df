from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from db.models import Beneficiary
from db.session import SessionMaker
from gateway.privacy.builtin import core_registry
from gateway.privacy.erasure import erase_person
from tests.broadcast.fixtures.usagers import HERE
from tests.broadcast.test_importing import MESSY
from tests.factories import create_person, create_site
from tests.lien.conftest import App, bearer


async def upload(app: App, headers: dict[str, str], **form: Any) -> Any:
    return await app.client.post(
        "/api/imports/beneficiaries",
        files={"file": ("usagers.csv", MESSY, "text/csv")},
        data={"organisation": "default", **form},
        headers=headers,
    )


ORG = {"organisation": "default"}


async def people(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Beneficiary)) or 0


async def test_upload_a_user_file_dry_run_then_for_real_then_again(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    dry = await upload(lien_app, staff_headers, dry_run="true")
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["dry_run"] is True
    assert (report["people"], report["created"], report["encoding"], report["delimiter"]) == (
        3,
        3,
        "cp1252",
        ";",
    )
    assert [(r["line"], r["reason"]) for r in report["rejected"]] == [
        (4, "numéro de téléphone invalide : « 12 34 »"),
        (6, "aucun moyen de contact"),
        (8, "numéro de téléphone invalide : « abc »"),
    ]
    assert report["merged"] == [{"line": 3, "merged_lines": [5], "conflicts": []}]
    assert await people(sessionmaker) == 0
    real = await upload(lien_app, staff_headers)
    assert real.json()["created"] == 3 and await people(sessionmaker) == 3
    again = await upload(lien_app, staff_headers)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)


async def test_an_unreadable_file_or_a_volunteer_is_refused(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    staff = await bearer(sessionmaker, name="Claire")
    bad = await lien_app.client.post(
        "/api/imports/beneficiaries",
        files={"file": ("notes.csv", b"Nom;Remarque\r\nDupont;rien\r\n", "text/csv")},
        headers=staff,
    )
    assert bad.status_code == 422 and "colonne" in bad.json()["detail"]
    volunteer = await bearer(sessionmaker, role="volunteer", name="Bénévole")
    refused = await upload(lien_app, volunteer)
    assert refused.status_code == 403


async def test_columns_are_proposed_then_a_mapping_decides_what_is_read(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    file = {"file": ("usagers.xlsx", (HERE / "usagers.xlsx").read_bytes(), "application/xlsx")}
    proposed = await lien_app.client.post(
        "/api/imports/beneficiaries/columns", files=file, headers=staff_headers
    )
    assert proposed.status_code == 200, proposed.text
    body = proposed.json()
    assert (body["sheet"], body["header_line"]) == ("Usagers 2025", 3)
    assert [s["name"] for s in body["sheets"]] == ["Usagers 2025", "Bénévoles"]
    fields = {c["heading"]: c["field"] for c in body["columns"]}
    assert fields["Situation"] == "tags" and fields["Remarques"] is None
    assert body["mapping"]["Remarques"] == "ignore"
    situation = next(c for c in body["columns"] if c["heading"] == "Situation")
    assert "isolé" in situation["samples"]

    mapping = json.dumps({"Situation": "ignore"})
    dry = await lien_app.client.post(
        "/api/imports/beneficiaries",
        files=file,
        data={"organisation": "default", "dry_run": "true", "mapping": mapping},
        headers=staff_headers,
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert "Situation" in report["ignored_columns"] and report["tags"] == []
    assert [(s["name"], s["read"]) for s in report["sheets"]] == [
        ("Usagers 2025", True),
        ("Bénévoles", False),
    ]
    read = await lien_app.client.post(
        "/api/imports/beneficiaries",
        files=file,
        data={"organisation": "default", "dry_run": "true"},
        headers=staff_headers,
    )
    tags = {t["tag"]: t for t in read.json()["tags"]}
    assert tags["isole"]["label"] == "Isolé·e" and "ISOLE" in tags["isole"]["written"]
    assert read.json()["shared_phones"][0] == {"line": 17, "other_lines": [18]}


async def test_a_bad_mapping_or_sheet_is_refused_with_a_reason(
    lien_app: App, staff_headers: dict[str, str]
) -> None:
    for mapping, reason in (
        ("{pas du json", "JSON illisible"),
        ('["Situation"]', "un objet"),
        ('{"Situation": "humeur"}', "champ inconnu"),
    ):
        refused = await upload(lien_app, staff_headers, mapping=mapping)
        assert refused.status_code == 422, mapping
        assert refused.json()["code"] == "invalid", mapping
        assert reason in refused.json()["detail"], mapping
    file = {"file": ("usagers.xlsx", (HERE / "usagers.xlsx").read_bytes(), "application/xlsx")}
    no_sheet = await lien_app.client.post(
        "/api/imports/beneficiaries/columns",
        files=file,
        data={"sheet": "Archives"},
        headers=staff_headers,
    )
    assert no_sheet.status_code == 422
    assert "aucune feuille « Archives »" in no_sheet.json()["detail"]


async def test_tags_are_listed_renamed_and_merged(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await upload(lien_app, staff_headers)
    client = lien_app.client
    listed = await client.get("/api/tags", headers=staff_headers, params=ORG)
    assert listed.status_code == 200, listed.text
    counts = {t["tag"]: (t["label"], t["people"]) for t in listed.json()}
    assert counts["isole"] == ("Isolé·e", 1) and counts["colis"] == ("Colis", 1)
    renamed = await client.put(
        "/api/tags/Colis", json={"label": "Colis alimentaire"}, headers=staff_headers, params=ORG
    )
    assert renamed.json() == {"tag": "colis", "label": "Colis alimentaire", "people": 1}
    merged = await client.post(
        "/api/tags/merge",
        json={"source": "Colis", "target": "isolés"},
        headers=staff_headers,
        params=ORG,
    )
    assert merged.json() == {"source": "colis", "target": "isole", "moved": 0}
    after = {
        t["tag"]: t["people"]
        for t in (await client.get("/api/tags", headers=staff_headers, params=ORG)).json()
    }
    assert "colis" not in after and after["isole"] == 1
    empty = await client.post(
        "/api/tags/merge",
        json={"source": "!!", "target": "isole"},
        headers=staff_headers,
        params=ORG,
    )
    assert empty.status_code == 422


async def test_the_report_names_the_line_of_an_erased_persons_number(
    lien_app: App, staff_headers: dict[str, str], sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        site = await create_site(session)
        gone = await create_person(session, site=site, first_name="Ancien", phone="+33612345678")
        await erase_person(session, core_registry(), beneficiary_id=gone.id, staff_id=None)
    report = (await upload(lien_app, staff_headers)).json()
    assert [(r["line"], r["content"]) for r in report["recontacts"]] == [(3, "+33612345678")]
    assert report["recontacts"][0]["reason"].startswith(
        "ce contact appartenait à une personne dont les données ont été effacées"
    )
    assert report["created"] == 3
