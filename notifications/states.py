"""The words the reminders domain stores, and the errors its services raise."""

from __future__ import annotations

from db.errors import ConflictError, InvalidError, NotFoundError

KINDS = ("workshop", "distribution", "office_hours", "collective")
ACTIVE, ARCHIVED = "active", "archived"

SCHEDULED, MOVED, CANCELLED = "scheduled", "moved", "cancelled"

ENROLLED, WAITLISTED, WITHDRAWN = "enrolled", "waitlisted", "withdrawn"
SOURCES = ("staff", "list", "import", "keyword")

YES, NO = "yes", "no"
OFFERED, ACCEPTED, DECLINED, LAPSED = "offered", "accepted", "declined", "lapsed"

# Why a reminder was not sent; staff read these on the session's page.
SKIP_STARTED = "la séance avait commencé : rappel non envoyé"
SKIP_CANCELLED = "séance annulée"
SKIP_ARCHIVED = "activité archivée"
SKIP_NOT_ENROLLED = "la personne n'est plus inscrite"
SKIP_DECLINED = "la personne a répondu qu'elle ne viendrait pas"
SKIP_SUPERSEDED = "remplacé par un rappel plus proche de la séance"


class InvalidEvent(ValueError, InvalidError):
    """Input staff gave that cannot become an event or a change to one."""


class NotFound(LookupError, NotFoundError):
    """An event, session or person that does not exist."""


class Conflict(ConflictError):
    """A change the current state does not allow (a session already over, already cancelled)."""
