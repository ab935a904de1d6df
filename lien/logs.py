"""Structured logs, one line per event, with phone numbers masked and no message bodies."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

_PHONE = re.compile(r"\+?\d[\d .-]{7,}\d")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


def mask_phones(text: str) -> str:
    """Replace anything that looks like a phone number with its last two digits only."""
    return _PHONE.sub(lambda m: "***" + re.sub(r"\D", "", m.group())[-2:], text)


class StructuredFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": mask_phones(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                event[key] = mask_phones(str(value)) if isinstance(value, str) else value
        if record.exc_info:
            event["error"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(event, ensure_ascii=False, default=str)


class _CurrentStderr(logging.StreamHandler[Any]):
    """Write to whatever sys.stderr is now, not to the stream that was there at setup."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        return None


def configure_logging(level: str = "INFO") -> None:
    handler = _CurrentStderr()
    handler.setFormatter(StructuredFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries log request URLs and parameters, which hold phone numbers and texts.
    for noisy in ("httpx", "twilio", "telegram", "apscheduler", "aiohttp.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").disabled = True
