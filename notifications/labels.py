"""The French words of the reminders domain's stored states, read by people and staff.

The export document gives them as they are; the console translates them through its catalogue
(`lien/console/babel.cfg` reads this file), so one word per state lives here and nowhere else.
"""

from __future__ import annotations

from notifications.states import ENROLLED, NO, WAITLISTED, WITHDRAWN, YES


def N_(text: str) -> str:
    """Mark a French word for the console's catalogue; it stays French here."""
    return text


ENROLMENT_WORDS = {
    ENROLLED: N_("inscrit·e"),
    WAITLISTED: N_("liste d'attente"),
    WITHDRAWN: N_("désinscrit·e"),
}
ANSWER_WORDS = {YES: N_("viendra"), NO: N_("ne viendra pas")}
