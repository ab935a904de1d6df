"""Every text people read, per language, with its status: for interpreters to fill and review.

The texts come from the data files of each domain (the accueil flow, the directory, reminders,
the gateway's confirmations, broadcast notices, urgency answers). A text is `missing` when the
language has none (people then read French), `draft` while its language waits for a fluent
speaker's review (the flow's `unreviewed_languages`), `reviewed` otherwise. An association's
own text for a key (imported or edited by an interpreter) replaces the file's, with its status.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from bot.directory import LABELS_FILE, TO_VERIFY, Directory
from bot.flowcheck import flow_texts
from bot.flowdef import Flow
from bot.translation_store import flow_catalogue
from bot.urgency import Lexicon
from broadcast.texts import TEXTS as BROADCAST_TEXTS
from db.models import TranslationOverride
from gateway.catalogue import GATEWAY_TEXTS, load_catalogue
from notifications.texts import CATALOGUE as REMINDER_TEXTS

Status = Literal["missing", "draft", "reviewed"]
# The broadcast notices people read; the other broadcast texts are for staff.
BROADCAST_NOTICES = ("stop_notice",)
STATUS_LABELS: Mapping[Status, str] = {
    "missing": "manquant",
    "draft": "à relire",
    "reviewed": "relu",
}


@dataclass(frozen=True)
class Translation:
    """One text in one language, beside its French original."""

    catalogue: str
    key: str
    french: str
    text: str
    status: Status
    reviewed_by: str = ""


def _sources(flow: Flow, directory: Directory, lexicon: Lexicon) -> Iterator[tuple[str, str, Any]]:
    for where, text in flow_texts(flow):
        yield flow_catalogue(flow), where, text
    for entry in directory.entries:
        yield "annuaire", f"{entry.id}: what", entry.what
        # A detail still to verify is never sent: there is nothing to translate yet.
        if entry.hours and entry.hours.get("fr") != TO_VERIFY:
            yield "annuaire", f"{entry.id}: hours", entry.hours
    for key, text in load_catalogue(LABELS_FILE).items():
        yield "annuaire", key, text
    for key, text in load_catalogue(REMINDER_TEXTS).items():
        yield "rappels", key, text
    for key, text in load_catalogue(GATEWAY_TEXTS).items():
        yield "mots-clés", key, text
    broadcast = load_catalogue(BROADCAST_TEXTS)
    for key in BROADCAST_NOTICES:
        yield "diffusions", key, broadcast[key]
    for key, text in lexicon.answers.items():
        yield "urgences", key, text


def french_texts(flow: Flow, directory: Directory, lexicon: Lexicon) -> dict[tuple[str, str], str]:
    """Return the French original of every text people read, by (catalogue, key)."""
    return {(c, key): str(text["fr"]) for c, key, text in _sources(flow, directory, lexicon)}


def translations(
    flow: Flow,
    directory: Directory,
    lexicon: Lexicon,
    *,
    language: str,
    overrides: Mapping[tuple[str, str], TranslationOverride] | None = None,
    reviewers: Mapping[int, str] | None = None,
) -> list[Translation]:
    """Return every text people read, in one language, with its status."""
    draft = language in flow.unreviewed_languages
    found = []
    for catalogue, key, text in _sources(flow, directory, lexicon):
        french = str(text["fr"])
        own = (overrides or {}).get((catalogue, key))
        if own is not None:
            status: Status = "reviewed" if own.status == "reviewed" else "draft"
            by = own.reviewed_by_name or (reviewers or {}).get(own.reviewed_by_id or 0, "")
            found.append(Translation(catalogue, key, french, own.text, status, by))
            continue
        written = str(text.get(language, "") or "").strip()
        status = "missing" if not written else "draft" if draft else "reviewed"
        found.append(Translation(catalogue, key, french, written, status))
    return found


def as_csv(rows: list[Translation], *, language: str) -> str:
    """Return the texts as CSV: catalogue, key, French, the language, status."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["catalogue", "clé", "fr", language, "statut", "relu par"])
    for row in rows:
        status = STATUS_LABELS[row.status]
        writer.writerow([row.catalogue, row.key, row.french, row.text, status, row.reviewed_by])
    return out.getvalue()


def as_po(rows: list[Translation], *, language: str, now: datetime) -> bytes:
    """Return the texts as a gettext PO file; texts still to review are marked fuzzy."""
    catalog = Catalog(
        locale=language, project="Lien", fuzzy=False, creation_date=now, revision_date=now
    )
    for row in rows:
        catalog.add(
            row.french,
            row.text,
            context=f"{row.catalogue} | {row.key}",
            flags=("fuzzy",) if row.status == "draft" else (),
            auto_comments=(_status_comment(row),),
        )
    out = io.BytesIO()
    write_po(out, catalog, width=100)
    return out.getvalue()


def _status_comment(row: Translation) -> str:
    by = f" par {row.reviewed_by}" if row.reviewed_by else ""
    return f"statut : {STATUS_LABELS[row.status]}{by}"
