"""Reading submitted forms: each bad field gets its own message, shown next to it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import time

from starlette.datastructures import FormData

from lien.console.i18n import N_, Problem

REQUIRED = Problem(N_("Ce champ est obligatoire."))
UNKNOWN_CHOICE = Problem(N_("Choisissez une valeur de la liste."))


def too_long(limit: int) -> Problem:
    return Problem(N_("%(limit)s caractères au plus."), {"limit": limit})


class FormReader:
    """Read fields from a form, keeping what was typed and a problem per bad field."""

    def __init__(self, form: FormData) -> None:
        self.form = form
        self.values: dict[str, str] = {}
        self.errors: dict[str, Problem] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    def refuse(self, name: str, problem: Problem) -> None:
        """Attach a problem to a field, keeping the first one found."""
        self.errors.setdefault(name, problem)

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str:
        """Return a field's text, stripped; empty when absent."""
        raw = self.form.get(name)
        value = raw.strip() if isinstance(raw, str) else ""
        self.values[name] = value
        if required and not value:
            self.refuse(name, REQUIRED)
        elif len(value) > max_length:
            self.refuse(name, too_long(max_length))
        return value

    def clock(self, name: str, invalid: Problem) -> time | None:
        """Return a required HH:MM field; None with `invalid` attached when it is not a time."""
        value = self.text(name, required=True, max_length=8)
        try:
            return time.fromisoformat(value) if value else None
        except ValueError:
            self.refuse(name, invalid)
            return None

    def choice(self, name: str, allowed: Collection[str], *, required: bool = False) -> str:
        """Return a value that must be one of `allowed` (or empty when not required)."""
        value = self.text(name, required=required, max_length=100)
        if value and value not in allowed:
            self.refuse(name, UNKNOWN_CHOICE)
        return value

    def flag(self, name: str) -> bool:
        """Return whether a checkbox was ticked."""
        checked = self.form.get(name) is not None
        self.values[name] = "on" if checked else ""
        return checked

    def many(self, name: str, allowed: Collection[str]) -> list[str]:
        """Return the ticked values of a group of checkboxes."""
        picked = [v for v in self.form.getlist(name) if isinstance(v, str)]
        if any(v not in allowed for v in picked):
            self.refuse(name, UNKNOWN_CHOICE)
        self.values[name] = ",".join(picked)
        return [v for v in picked if v in allowed]
