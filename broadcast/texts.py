"""The broadcast domain's texts, read from texts.yaml, and its refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from db.errors import LienError
from gateway.catalogue import load_catalogue, render

TEXTS = Path(__file__).parent / "texts.yaml"


def broadcast_text(key: str, language: str | None = None, /, **params: Any) -> str:
    """Return a text of the catalogue in a language (French if missing), filled in."""
    return render(load_catalogue(TEXTS)[key], language, **params)


class BroadcastError(LienError):
    """A refusal with a French message for staff; its catalogue key is its code."""

    status = 422

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.code = key
        super().__init__(broadcast_text(key, **params))


class NotFound(BroadcastError):
    """The broadcast (or what it names) does not exist."""

    status = 404


class Invalid(BroadcastError):
    """The request cannot be carried out as written."""


class Repeated(BroadcastError):
    """The same text already went to some of the same people lately: confirm to send again."""

    status = 409


class WrongState(BroadcastError):
    """The broadcast is not in a state that allows this."""

    status = 409


class NotAllowed(BroadcastError):
    """This person may not do this."""

    status = 403
