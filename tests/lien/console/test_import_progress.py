"""A large user file: confirmed, it is saved in the background while its page shows progress."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from sqlalchemy import func, select

from broadcast import import_jobs
from broadcast.importing import save_rows
from db.base import utcnow
from db.models import Beneficiary, BeneficiaryTag, ImportJob
from db.session import SessionMaker
from tests.factories import create_site
from tests.lien.conftest import App
from tests.lien.console.conftest import csrf_of, signed_in_as
from tests.lien.console.test_imports import count, mapping_of, selected_columns

PEOPLE = 1200  # above the threshold, in three batches of 500 rows


def large_file(people: int = PEOPLE) -> bytes:
    """Return a user file of `people` people, each with a number of their own."""
    lines = ["Nom;Prénom;Tél. portable;Situation"]
    lines += [f"Nom{n};Personne{n};06 20 {n:06d};isolé" for n in range(people)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


class HeldBatches:
    """Let the first batch of an import through, and hold the next ones until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.released = asyncio.Event()
        self.calls = 0
        real = import_jobs.save_batch

        async def held(*args: Any, **kwargs: Any) -> bool:
            self.calls += 1
            if self.calls > 1:
                await self.released.wait()
            return await real(*args, **kwargs)

        monkeypatch.setattr(import_jobs, "save_batch", held)


async def confirm_large_file(client: httpx.AsyncClient) -> str:
    """Upload, check and confirm the large file; return the address of its import page."""
    form = await client.get("/imports/new?organisation=default")
    token = csrf_of(form.text)
    checked = await client.post(
        "/imports/new",
        data={"csrf_token": token, "organisation": "default", "site": "nimes-accueil"},
        files={"file": ("grand-fichier.csv", large_file(), "text/csv")},
    )
    assert checked.status_code == 200, checked.text
    assert count(checked.text, "created") == PEOPLE  # the dry run, still in the request
    action = re.search(r'action="(/imports/[^/"]+)/check"', checked.text)
    assert action is not None
    data = {"csrf_token": token, "organisation": "default", "site": "nimes-accueil"}
    data |= mapping_of(checked.text) | selected_columns(checked.text)
    confirmed = await client.post(action.group(1) + "/confirm", data=data)
    assert confirmed.status_code == 303
    location = confirmed.headers["location"]
    assert re.fullmatch(r"/imports/\d+", location)
    return str(location)


async def page_once(client: httpx.AsyncClient, path: str, wanted: str) -> str:
    """Return the page at `path` once it shows `wanted` (the import runs in the meantime)."""
    for _ in range(400):
        page = (await client.get(path)).text
        if wanted in page:
            return page
        await asyncio.sleep(0.025)
    raise AssertionError(f"{path} never showed {wanted!r}: {page}")


async def people_count(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Beneficiary)) or 0)


async def test_a_large_file_shows_its_progress_then_the_report(
    lien_app: App, sessionmaker: SessionMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    held = HeldBatches(monkeypatch)
    path = await confirm_large_file(client)

    running = await page_once(client, path, f"500 lignes sur {PEOPLE} traitées")
    assert "Import en cours" in running and "Import terminé" not in running
    assert re.search(rf'<progress max="{PEOPLE}" value="500"', running)
    polled = re.search(r'hx-get="([^"]+/progress\?v=\w+)" hx-trigger="every 2s"', running)
    assert polled is not None
    assert (await client.get(polled.group(1))).status_code == 204  # nothing new yet
    assert await people_count(sessionmaker) == 500  # the first batch, committed on its own

    held.released.set()
    await lien_app.runtime.imports.idle()
    fragment = await client.get(polled.group(1))
    assert fragment.status_code == 200 and "hx-get" not in fragment.text  # polling stops
    done = (await client.get(path)).text
    assert "Import terminé" in done and "Ce qui est enregistré" in done
    assert (count(done, "people"), count(done, "created"), count(done, "rejected")) == (
        PEOPLE,
        PEOPLE,
        0,
    )
    assert await people_count(sessionmaker) == PEOPLE
    async with sessionmaker() as session:
        assert set(await session.scalars(select(BeneficiaryTag.tag))) == {"isole"}
        job = await session.scalar(select(ImportJob))
        assert job is not None and job.status == "done"
        kept = await session.scalar(select(ImportJob.data).where(ImportJob.id == job.id))
    assert kept is None  # the file is not kept once every row is saved


async def test_an_interrupted_import_is_reported_and_taken_up_where_it_stopped(
    lien_app: App, sessionmaker: SessionMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    held = HeldBatches(monkeypatch)
    path = await confirm_large_file(client)
    await page_once(client, path, f"500 lignes sur {PEOPLE} traitées")
    # The process stops in the middle of the second batch: nothing of it is saved.
    await lien_app.runtime.imports.stop()
    held.released.set()
    assert await people_count(sessionmaker) == 500
    assert "Import en cours" in (await client.get(path)).text  # it could still be running

    with time_machine.travel(utcnow() + import_jobs.STALE_AFTER + timedelta(seconds=5)):
        page = (await client.get(path)).text
        assert "Import interrompu" in page and "Reprendre l'import" in page
        assert f"500 lignes sur {PEOPLE} traitées" in page and "hx-get" not in page
        resume = re.search(r'action="(/imports/\d+/resume)"', page)
        assert resume is not None
        taken = await client.post(resume.group(1), data={"csrf_token": csrf_of(page)})
        assert taken.status_code == 303
        await lien_app.runtime.imports.idle()
        done = (await client.get(path)).text
        # A second resume finds nothing to take up.
        again = await client.post(resume.group(1), data={"csrf_token": csrf_of(page)})
        assert again.status_code == 303
    assert "Import terminé" in done
    assert (count(done, "created"), count(done, "updated")) == (PEOPLE, 0)
    assert await people_count(sessionmaker) == PEOPLE


async def test_an_import_stopped_by_an_error_says_so_at_once_and_can_be_taken_up(
    lien_app: App, sessionmaker: SessionMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sessionmaker() as session, session.begin():
        await create_site(session)
    await signed_in_as(lien_app, sessionmaker, "staff")
    client = lien_app.client
    real = save_rows
    batches: list[int] = []

    async def broken(*args: Any, **kwargs: Any) -> None:
        batches.append(1)
        if len(batches) == 2:
            raise OSError("disque plein")
        await real(*args, **kwargs)

    monkeypatch.setattr(import_jobs, "save_rows", broken)
    path = await confirm_large_file(client)
    await lien_app.runtime.imports.idle()
    page = (await client.get(path)).text
    assert "Import interrompu" in page and f"500 lignes sur {PEOPLE} traitées" in page
    assert await people_count(sessionmaker) == 500  # the broken batch left nothing half-saved

    resume = re.search(r'action="(/imports/\d+/resume)"', page)
    assert resume is not None
    taken = await client.post(resume.group(1), data={"csrf_token": csrf_of(page)})
    assert taken.status_code == 303
    await lien_app.runtime.imports.idle()
    done = (await client.get(path)).text
    assert "Import terminé" in done and "première ligne qui n&#39;était pas enregistrée" in done
    assert count(done, "created") == PEOPLE
    assert await people_count(sessionmaker) == PEOPLE


async def test_the_app_deletes_imports_of_more_than_a_day_every_hour(
    lien_app: App, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        site = await create_site(session)
        two_days_ago = utcnow() - timedelta(days=2)
        session.add(
            ImportJob(
                organisation_id=site.organisation_id,
                default_site_id=site.id,
                filename="usagers.csv",
                data=large_file(3),
                status="failed",
                total=3,
                heartbeat_at=two_days_ago,
                created_at=two_days_ago,
            )
        )
    job = next(job for job in lien_app.runtime.jobs if job.name == "old-imports")
    assert job.seconds == 3600
    await lien_app.runtime.run_job(job)
    async with sessionmaker() as session:
        assert list(await session.scalars(select(ImportJob))) == []
