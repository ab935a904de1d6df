"""The directory of local services the conversation points people to, and its short SMS form."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.localize import FALLBACK_LANGUAGE, Text, fill, pick
from bot.matching import normalize
from bot.triage import NEEDS
from bot.yamlread import describe_errors, read_yaml
from db.errors import InvalidError

DIRECTORY_FILE = Path(__file__).parent / "directory" / "nimes.yaml"
LABELS_FILE = Path(__file__).parent / "texts" / "directory.yaml"
REQUIRED_LANGUAGES = ("fr", "en", "ar")
# Written in the file where a detail still has to be checked; never shown to a person.
TO_VERIFY = "à vérifier"
LOCAL_TIME = ZoneInfo("Europe/Paris")


class DirectoryError(ValueError, InvalidError):
    """A directory file that cannot be used; the message names the file, entry and reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    @property
    def message(self) -> str:
        return "fiche refusée : " + "; ".join(self.problems)


class Entry(BaseModel):
    """One local service."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    id: str
    name: str
    categories: list[str] = Field(min_length=1)
    what: Text
    address: str | None = None
    hours: Text | None = None
    phone: str | None = None
    languages: list[str] = []
    conditions: Text | None = None
    places_available: int | None = Field(default=None, ge=0, strict=True)
    places_updated_at: datetime | None = None

    @field_validator("places_updated_at")
    @classmethod
    def _local_when_no_zone(cls, value: datetime | None) -> datetime | None:
        # Staff write local times in the file.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=LOCAL_TIME)
        return value


class Directory(BaseModel):
    """The services of one place, in the order they should be suggested."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: list[Entry]

    def entries_for(self, category: str) -> list[Entry]:
        """Return the entries serving a need, in file order."""
        return [entry for entry in self.entries if category in entry.categories]

    def get(self, entry_id: str) -> Entry | None:
        """Return the entry with this id, if any."""
        return next((entry for entry in self.entries if entry.id == entry_id), None)

    def search(self, query: str) -> list[Entry]:
        """Return the entries whose name, description or needs contain every word of the query."""
        wanted = normalize(query).split()
        return [entry for entry in self.entries if all(w in _haystack(entry) for w in wanted)]

    def to_verify(self) -> list[str]:
        """Return the details still marked "à vérifier", to check before real use."""
        found = []
        for entry in self.entries:
            details: dict[str, str | None] = {
                "address": entry.address,
                "phone": entry.phone,
                "hours": entry.hours[FALLBACK_LANGUAGE] if entry.hours else None,
            }
            found += [
                f'entry "{entry.id}": {name}'
                for name, value in details.items()
                if value is not None and _unknown(value)
            ]
        return found


def _haystack(entry: Entry) -> str:
    return normalize(" ".join([entry.name, *entry.what.values(), *entry.categories]))


def _unknown(value: str | None) -> bool:
    return value is None or normalize(TO_VERIFY) in normalize(value)


def load_directory(path: Path = DIRECTORY_FILE) -> Directory:
    """Return the directory in a YAML file; raise DirectoryError naming each mistake."""
    try:
        raw = read_yaml(path)
    except ValueError as exc:
        raise DirectoryError([f"{path.name}: {exc}"]) from exc
    try:
        directory = Directory.model_validate(raw)
    except ValidationError as exc:
        details = describe_errors(exc, raw)
        raise DirectoryError([f"{path.name}: {detail}" for detail in details]) from exc
    problems = directory_problems(directory)
    if problems:
        raise DirectoryError([f"{path.name}: {problem}" for problem in problems])
    return directory


def directory_problems(directory: Directory) -> list[str]:
    """Return what is wrong in a directory beyond its format: ids, needs, languages, places."""
    problems = []
    seen: set[str] = set()
    for entry in directory.entries:
        where = f'entry "{entry.id}"'
        if entry.id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(entry.id)
        problems += [f'{where}: unknown category "{c}"' for c in entry.categories if c not in NEEDS]
        problems += [
            f'{where}: what: missing "{lang}"'
            for lang in REQUIRED_LANGUAGES
            if not entry.what.get(lang)
        ]
        for name, text in (("hours", entry.hours), ("conditions", entry.conditions)):
            if text is not None and not text.get(FALLBACK_LANGUAGE):
                problems.append(f"{where}: {name}: missing French (fr)")
        if (entry.places_available is None) != (entry.places_updated_at is None):
            problems.append(f"{where}: places_available and places_updated_at go together")
    return problems


@cache
def _labels() -> dict[str, Text]:
    labels: Any = read_yaml(LABELS_FILE)
    return {key: dict(value) for key, value in labels.items()}


def places_today(entry: Entry, *, now: datetime) -> int | None:
    """Return the number of free places when it was updated today (local time), else None."""
    if entry.places_available is None or entry.places_updated_at is None:
        return None
    updated = entry.places_updated_at.astimezone(LOCAL_TIME).date()
    return entry.places_available if updated == now.astimezone(LOCAL_TIME).date() else None


def render_entry(entry: Entry, lang: str | None, *, now: datetime) -> str:
    """Return the entry in a few short lines for SMS, without any detail still to verify."""
    labels = _labels()
    lines = [entry.name, pick(entry.what, lang)]
    if not _unknown(entry.address):
        lines.append(str(entry.address))
    if entry.hours and not _unknown(pick(entry.hours, lang)):
        lines.append(pick(entry.hours, lang))
    if not _unknown(entry.phone):
        lines.append(fill(pick(labels["phone"], lang), {"phone": str(entry.phone)}))
    count = places_today(entry, now=now)
    if count is not None:
        lines.append(fill(pick(labels["places_today"], lang), {"count": str(count)}))
    return "\n".join(lines)
