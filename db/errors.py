"""The one refusal type of every layer: a status, a stable code and a French message.

It lives in `db`, the layer every other imports. A domain's refusals derive from it (often
with ValueError or LookupError too, so plain callers can catch them as before), and one
handler of the app turns any of them into an answer: routes catch none of them one by one.
"""

from __future__ import annotations


class LienError(Exception):
    """A refusal the caller can act on; its text is French, written for staff."""

    # Class defaults; a refusal whose meaning depends on the case sets its own.
    status: int = 400
    code: str = "refused"

    @property
    def message(self) -> str:
        """Return the French text of the refusal."""
        return str(self).strip("'\"")


class NotFoundError(LienError):
    """What the request names does not exist (or belongs to another association)."""

    status = 404
    code = "not_found"


class InvalidError(LienError):
    """The request cannot be carried out as written."""

    status = 422
    code = "invalid"


class ConflictError(LienError):
    """The current state does not allow this (already done, already taken, opted out)."""

    status = 409
    code = "conflict"


class ForbiddenError(LienError):
    """This person may not do this."""

    status = 403
    code = "forbidden"
