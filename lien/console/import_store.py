"""Uploaded user files kept between the dry run and the confirmation, for one browser session.

The file stays on the web server's disk, named by a random token that only the session that
uploaded it knows; it is deleted once imported, and forgotten files after a day.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from db.base import utcnow

SESSION_KEY = "imports"
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Upload:
    token: str
    filename: str
    data: bytes


def _folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "lien-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _forget_old(folder: Path, now: float) -> None:
    for path in folder.iterdir():
        if now - path.stat().st_mtime > KEEP_SECONDS:
            path.unlink(missing_ok=True)


def keep_upload(request: Request, *, filename: str, data: bytes) -> str:
    """Keep an uploaded file for this session; return its token."""
    folder = _folder()
    _forget_old(folder, utcnow().timestamp())
    token = secrets.token_urlsafe(24)
    (folder / token).write_bytes(data)
    known = dict(request.session.get(SESSION_KEY) or {})
    known[token] = filename
    request.session[SESSION_KEY] = known
    return token


def find_upload(request: Request, token: str) -> Upload | None:
    """Return a file this session uploaded, or None (unknown, someone else's, or gone)."""
    known = request.session.get(SESSION_KEY) or {}
    if not _TOKEN.match(token) or token not in known:
        return None
    path = _folder() / token
    if not path.is_file():
        return None
    return Upload(token, str(known[token]), path.read_bytes())


def drop_upload(request: Request, token: str) -> None:
    """Delete a kept file once imported."""
    known = dict(request.session.get(SESSION_KEY) or {})
    known.pop(token, None)
    request.session[SESSION_KEY] = known
    if _TOKEN.match(token):
        (_folder() / token).unlink(missing_ok=True)
