"""Structured logs, one line per event, with phone numbers masked and no message bodies."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

# International numbers (+33 6 12 34 56 78, +33612345678, whatsapp:+336…) and French national ones
# (06 12 34 56 78, 0612345678): not IP addresses, ports, dates or ids, which log lines need whole.
_PHONE = re.compile(
    r"(?<![\w+])\+\d(?:[ .-]?\d){7,14}(?![\w.:-]?\d)"
    r"|(?<![\w.:/-])0[1-9](?:[ .-]?\d{2}){4}(?![\w.:/-]?\d)"
)
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


def mask_phones(text: str) -> str:
    """Replace anything that looks like a phone number with its last two digits only."""
    return _PHONE.sub(lambda m: "***" + re.sub(r"\D", "", m.group())[-2:], text)


class StructuredFormatter(logging.Formatter):
    """One JSON object per line; configured secrets and phone numbers never leave it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so that a secret containing another is hidden whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def clean(self, text: str) -> str:
        # Secrets before phones: masking digits first could split a token and leave its rest.
        for secret in self._secrets:
            text = text.replace(secret, "[secret]")
        return mask_phones(text)

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": self.clean(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                event[key] = self.clean(str(value)) if isinstance(value, str) else value
        if record.exc_info:
            event["error"] = self.clean(self.formatException(record.exc_info))
        return json.dumps(event, ensure_ascii=False, default=str)


class _CurrentStderr(logging.StreamHandler[Any]):
    """Write to whatever sys.stderr is now, not to the stream that was there at setup."""

    _chosen: Any = None

    @property
    def stream(self) -> Any:
        return self._chosen if self._chosen is not None else sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        # StreamHandler's constructor hands over sys.stderr itself: follow it instead.
        self._chosen = None if value is sys.stderr else value


def configure_logging(level: str = "INFO", *, secrets: Iterable[str] = ()) -> None:
    handler = _CurrentStderr()
    handler.setFormatter(StructuredFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries log request URLs and parameters, which hold phone numbers and texts.
    for noisy in ("httpx", "twilio", "telegram", "apscheduler", "aiohttp.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").disabled = True
