"""The import page: a messy user file uploaded, its columns mapped, checked, then imported."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import Beneficiary, BeneficiaryTag
from db.session import SessionMaker
from gateway.privacy.builtin import core_registry
from gateway.privacy.erasure import erase_person
from tests.factories import create_person, create_site
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, error_of, signed_in_as

# A title line above the headings, semicolons, Windows-1252, a line without a phone,
# the same person twice with the number written two ways, and a "Situation" column.
MESSY = (
    "Fichier usagers 2025;;;\r\n"
    "Nom;Prénom;Tél. portable;Situation\r\n"
    "Martin;Josette;06 12 34 00 04;isolé\r\n"
    "Durand;Manuel;+33612340005;famille\r\n"
    "Sans;Numéro;;isolé\r\n"
    "Martin;Josette;0612340004;isolé\r\n"
).encode("cp1252")


def count(page: str, name: str) -> int:
    found = re.search(rf'data-count="{name}">(\d+)<', page)
    assert found is not None, name
    return int(found.group(1))


def selected_columns(page: str) -> dict[str, str]:
    """Return what each column's list shows as chosen, as the browser would send it."""
    chosen = {}
    for name, options in re.findall(r'<select id="f-(column_\d+)"[^>]*>(.*?)</select>', page, re.S):
        picked = re.search(r'value="(\w*)" selected', options)
        chosen[name] = picked.group(1) if picked else ""
    return chosen


def mapping_of(page: str) -> dict[str, str]:
    headings = dict(re.findall(r'name="heading_(\d+)" value="([^"]*)"', page))
    return {f"heading_{i}": h for i, h in headings.items()}


async def test_a_messy_file_is_checked_mapped_then_imported(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    form = await client.get("/imports/new?organisation=default")
    token = csrf_of(form.text)
    empty = await client.post("/imports/new", data={"csrf_token": token, "organisation": "default"})
    assert empty.status_code == 422 and "CSV ou Excel" in error_of(empty.text, "file")

    checked = await client.post(
        "/imports/new",
        data={"csrf_token": token, "organisation": "default", "site": "nimes-accueil"},
        files={"file": ("usagers.csv", MESSY, "text/csv")},
    )
    assert checked.status_code == 200, checked.text
    page = checked.text
    assert (count(page, "people"), count(page, "created")) == (2, 2)
    assert count(page, "rejected") == 1 and count(page, "merged") == 1
    assert "Ligne 5" in page  # the line without a phone, numbered as in the spreadsheet
    assert "Situation" in page and "Confirmer l'import" in page
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Beneficiary))) == []  # a dry run

    action = re.search(r'action="(/imports/[^/"]+)/check"', page)
    assert action is not None
    fields = mapping_of(page)
    situation = next(k for k, v in fields.items() if v == "Situation").split("_")[1]
    data = {"csrf_token": token, "organisation": "default", "site": "nimes-accueil", **fields}
    data.update(selected_columns(page))
    data[f"column_{situation}"] = "tags"
    again = await client.post(action.group(1) + "/check", data=data)
    assert again.status_code == 200
    assert re.search(rf'name="column_{situation}">.*?value="tags" selected', again.text, re.S)

    done = await client.post(action.group(1) + "/confirm", data=data)
    assert done.status_code == 200 and "Import terminé" in done.text
    async with sessionmaker() as session:
        people = {p.first_name for p in await session.scalars(select(Beneficiary))}
        tags = set(await session.scalars(select(BeneficiaryTag.tag)))
    assert people == {"Josette", "Manuel"} and tags == {"isole", "famille"}
    # The file is gone once imported: confirming again finds nothing.
    assert (await client.post(action.group(1) + "/confirm", data=data)).status_code == 404


async def test_the_check_page_names_the_line_of_an_erased_persons_number(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        site = await create_site(session)
        gone = await create_person(session, site=site, first_name="Ancien", phone="+33612340005")
        await erase_person(session, core_registry(), beneficiary_id=gone.id, staff_id=None)
    await signed_in_as(lien_app, sessionmaker, "staff")
    form = await lien_app.client.get("/imports/new?organisation=default")
    checked = await lien_app.client.post(
        "/imports/new",
        data={"csrf_token": csrf_of(form.text), "organisation": "default", "site": site.slug},
        files={"file": ("usagers.csv", MESSY, "text/csv")},
    )
    assert checked.status_code == 200, checked.text
    listed = re.search(r'<ol class="list" id="recontact-lines">(.*?)</ol>', checked.text, re.S)
    assert listed is not None and "une personne effacée</h3>" in checked.text
    assert "Ligne 4" in listed.group(1) and "+33612340005" in listed.group(1)
    assert "données ont été effacées" in listed.group(1)


async def test_an_organisation_not_ones_own_asks_which_one_under_each_pages_menu(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    await signed_in_as(lien_app, sessionmaker, "staff")
    for path, entry in (("/imports/new", "/imports/new"), ("/broadcasts/new", "/broadcasts")):
        page = await lien_app.client.get(f"{path}?organisation=elsewhere")

        assert page.status_code == 200
        assert "choisissez celle pour qui vous écrivez" in page.text
        assert f'href="{path}?organisation=default"' in page.text
        assert re.search(rf'<a href="{entry}" aria-current="page">', page.text), path
