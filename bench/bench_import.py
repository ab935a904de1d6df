"""Reading and importing a 10,000-line user file, as XLSX and as a Windows-1252 CSV.

Baseline: reading the same bytes with openpyxl (read-only, values only) or the csv module alone,
in the same run, taking turns with the import; the best processor time of each is compared.
The import reads, maps columns, splits and types phone numbers, folds tags, fills merged
cells and merges duplicates; the ratio says what that costs over bare reading.
Saving into the database is measured apart (it is mostly the database's work), in one
transaction and as the console saves a large file, one transaction per batch of 500 rows with
the job's row updated each time; the ratio says what committing batch by batch costs.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import openpyxl

from bench.common import fresh_database, scratch_sqlite
from broadcast import import_jobs
from broadcast.importfile import read_user_file
from broadcast.importing import BATCH, import_people
from db.base import utcnow
from db.session import create_sessionmaker, transaction
from gateway.records import ensure_organisation

HEADINGS = ("N° dossier", "Nom", "Prénom", "Téléphone", "Langue", "Antenne", "Situation")
LANGUAGES = ("français", "arabe (Maroc)", "berbère", "tigrigna", "dari", "soninké", "")
SITUATIONS = ("isolé", "Isolée", "ISOLE", "à risque", "a risque", "isolée, à risque", "", "")
SITES = ("Lézignan", "Carcassonne", "Narbonne")


def _row(k: int) -> list[str]:
    digits = f"{10_000_000 + k * 7:08d}"
    phone = "06 " + " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    if k % 25 == 5:
        phone = f"04 68 {k // 100 % 100:02d} {k % 100:02d} 10"
    elif k % 20 == 3:
        phone += f" / 04 68 {k // 100 % 100:02d} {k % 100:02d} 30"
    return [
        str(k + 1),
        f"Nom{k % 997}",
        f"Prénom{k // 997}",
        phone,
        LANGUAGES[k % len(LANGUAGES)],
        SITES[k % 3],
        SITUATIONS[k % len(SITUATIONS)],
    ]


def workbook(count: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Usagers")
    sheet.append(list(HEADINGS))
    for k in range(count):
        sheet.append(_row(k))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def text_file(count: int) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADINGS)
    writer.writerows(_row(k) for k in range(count))
    return out.getvalue().encode("cp1252")


def bare_workbook(data: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return len(rows)


def bare_csv(data: bytes) -> int:
    return len(list(csv.reader(io.StringIO(data.decode("cp1252"), newline=""), delimiter=";")))


def measured(works: tuple[Callable[[], Any], ...], repeat: int) -> list[tuple[float, float]]:
    """Return each work's best processor time in seconds and peak traced memory in MiB.

    Each runs once untimed first (imports, compiled patterns, catalogues), then the works take
    turns. Processor time rather than elapsed time: reading is work on one core, and on a
    shared machine the elapsed time mostly tells how long the process waited for one.
    """
    for work in works:
        work()
    best = [float("inf")] * len(works)
    for _ in range(repeat):
        for index, work in enumerate(works):
            started = time.process_time()
            work()
            best[index] = min(best[index], time.process_time() - started)
    peaks = []
    for work in works:
        tracemalloc.start()
        work()
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    return list(zip(best, peaks, strict=True))


async def save(url: str, data: bytes, filename: str, *, batched: bool = False) -> float:
    """Return the seconds taken to save the file's people, in one transaction or in batches."""
    engine = await fresh_database(url)
    sessionmaker = create_sessionmaker(engine)
    read = read_user_file(data, filename=filename)
    started = time.perf_counter()
    async with transaction(sessionmaker) as session:
        site = await ensure_organisation(
            session, slug="bench", name="Bench", site_slug="bench", site_name="Bench"
        )
        if not batched:
            await import_people(
                session,
                result=read,
                organisation_id=site.organisation_id,
                default_site_id=site.id,
                source=filename,
            )
        else:
            job = await import_jobs.create_job(
                session,
                organisation_id=site.organisation_id,
                default_site_id=site.id,
                staff_id=None,
                filename=filename,
                data=data,
                column_map={},
                result=read,
                runner="bench",
                now=utcnow(),
            )
    going = batched
    while going:
        async with transaction(sessionmaker) as session:
            going = await import_jobs.save_batch(
                session, job_id=job.id, runner="bench", result=read, rows=BATCH, now=utcnow()
            )
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


def run(*, quick: bool = False, database_url: str | None = None) -> None:
    count = 1_000 if quick else 10_000
    repeat = 5 if quick else 7
    files = (
        ("usagers.xlsx", workbook(count), bare_workbook),
        ("usagers.csv", text_file(count), bare_csv),
    )
    for filename, data, bare in files:
        compare(filename, data, bare, count=count, repeat=repeat)
        saved = asyncio.run(save(database_url or scratch_sqlite("import"), data, filename))
        print(f"{filename}: enregistrement de {count} personnes {saved:.2f} s", flush=True)
        url = database_url or scratch_sqlite("import-batches")
        batched = asyncio.run(save(url, data, filename, batched=True))
        print(
            f"{filename}: par lots de {BATCH} lignes {batched:.2f} s, "
            f"rapport {batched / saved:.2f}×",
            flush=True,
        )


def compare(
    filename: str, data: bytes, bare: Callable[[bytes], int], *, count: int, repeat: int
) -> None:
    """Print the import's reading against bare reading of the same bytes."""
    (base_time, base_memory), (time_, memory) = measured(
        (lambda: bare(data), lambda: read_user_file(data, filename=filename)), repeat
    )
    print(
        f"{filename}: {count} lignes — lecture seule {base_time * 1000:.1f} ms, "
        f"{base_memory:.1f} Mio ; lecture par l'import {time_ * 1000:.1f} ms, {memory:.1f} Mio ; "
        f"rapport temps {time_ / base_time:.2f}×, mémoire {memory / base_memory:.2f}×",
        flush=True,
    )
