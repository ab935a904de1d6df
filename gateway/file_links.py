"""Short signed links to a file staff sent: where an SMS, which carries no file, points to.

A token names the attachment and the moment it stops working, signed with the instance's
secret (HMAC-SHA256): it cannot be made for another file or stretched, and it needs no row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from db.errors import InvalidError, NotFoundError

DEFAULT_LIFETIME = timedelta(days=7)
PATH = "/f/"
# 96 bits of the signature: far beyond guessing, short enough for an SMS.
MAC_BYTES = 12


class LinkExpired(InvalidError):
    status = 410
    code = "file_link_expired"

    def __init__(self) -> None:
        super().__init__("ce lien a expiré : demandez à l'équipe de vous renvoyer le fichier")


class LinkInvalid(NotFoundError):
    code = "file_link_invalid"

    def __init__(self) -> None:
        super().__init__("ce lien ne mène à aucun fichier")


@dataclass(frozen=True)
class FileLinks:
    """Makes and reads the links of one instance."""

    secret: bytes
    base_url: str
    lifetime: timedelta = DEFAULT_LIFETIME

    def link(self, attachment_id: int, *, now: datetime) -> str:
        """Return the public link to a file, working until `now` plus the lifetime."""
        expires = int((now + self.lifetime).timestamp())
        return f"{self.base_url.rstrip('/')}{PATH}{self.token(attachment_id, expires)}"

    def token(self, attachment_id: int, expires: int) -> str:
        body = f"{_b36(attachment_id)}.{_b36(expires)}"
        return f"{body}.{self._mac(body)}"

    def read(self, token: str, *, now: datetime) -> int:
        """Return the attachment a token names; raise LinkInvalid or LinkExpired."""
        parts = token.split(".")
        if len(parts) != 3 or not all(p.isascii() and p.isalnum() for p in parts[:2]):
            raise LinkInvalid
        body = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(parts[2], self._mac(body)):
            raise LinkInvalid
        attachment_id, expires = int(parts[0], 36), int(parts[1], 36)
        if datetime.fromtimestamp(expires, UTC) <= now:
            raise LinkExpired
        return attachment_id

    def _mac(self, body: str) -> str:
        digest = hmac.new(self.secret, f"file-link:{body}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:MAC_BYTES]).decode().rstrip("=")


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text
