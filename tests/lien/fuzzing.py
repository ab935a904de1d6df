"""What the fuzz tests share: Hypothesis settings, strategies, a tally of answers, row checks.

`LIEN_FUZZ_EXAMPLES` sets the examples per test (a few dozen by default, so that the suite
stays fast and, derandomised, the same on every run); `LIEN_FUZZ_REPORT` names a JSON-lines
file where each test appends its tally (see bench/bench_fuzz.py).
"""

from __future__ import annotations

import json
import os
import string
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import Beneficiary, ContactPoint, Message, MessageEvent
from db.session import SessionMaker
from gateway import statuses

EXAMPLES = int(os.environ.get("LIEN_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize="LIEN_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=list(HealthCheck),
)

# Text that storage and parsers trip on: NUL, control and right-to-left marks, emoji, very
# long runs, lone accents; surrogates cannot be encoded at all and never reach a server.
NASTY = [
    "",
    "\x00",
    "a\x00b",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "🙂" * 40,
    "é" * 3000,
    "x" * 70_000,
    "%FF%FE",
    "\r\n\t",
    "'; DROP TABLE messages; --",
]
text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=200),
    st.sampled_from(NASTY),
)
# Numbers at the edges of 32- and 64-bit columns, and beyond.
EDGE_NUMBERS = ["0", "-1", "2147483647", "2147483648", "9223372036854775808", "9" * 40, "0" * 300]
digits = st.integers(min_value=-(10**30), max_value=10**30).map(str) | st.sampled_from(EDGE_NUMBERS)
short_text = text.filter(lambda value: len(value) < 2000)
french_mobile = st.integers(min_value=10_000_000, max_value=99_999_999).map(lambda n: f"+336{n}")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=15,
)
sid = st.one_of(
    st.text(alphabet="0123456789abcdef", min_size=32, max_size=32).map(lambda h: "SM" + h),
    st.sampled_from(["SM" + "a" * 70, "SM\x00", "SM" + "b" * 32]),
    text,
)
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "",
    "application/octet-stream",
]
content_type = st.sampled_from(CONTENT_TYPES)
raw_bytes = st.binary(max_size=3000)
path_id = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(EDGE_NUMBERS),
    st.text(string.printable, max_size=20).map(lambda t: t.replace("/", "").replace("?", "")),
)


class Tally:
    """Every answer per target, and the ones that must never happen."""

    def __init__(self) -> None:
        self.answers: Counter[str] = Counter()
        self.server_errors: list[str] = []

    def record(self, target: str, status: int, case: object) -> None:
        self.answers[f"{target} {status}"] += 1
        if status >= 500:
            self.server_errors.append(f"{target} {status}: {case!r}"[:500])

    def write(self, test: str, checks: dict[str, Any]) -> None:
        path = os.environ.get("LIEN_FUZZ_REPORT")
        if not path:
            return
        line = {"test": test, "answers": dict(self.answers), "checks": checks}
        line["server_errors"] = self.server_errors[:20]
        with open(path, "a", encoding="utf-8") as report:
            report.write(json.dumps(line, ensure_ascii=False) + "\n")


async def snapshot(sessionmaker: SessionMaker) -> dict[str, Any]:
    """The rows a request must not change, as plain values."""
    async with sessionmaker() as session:
        # A message from a person legitimately updates when we last heard from them.
        people = (
            await session.execute(
                select(
                    *(
                        column
                        for column in Beneficiary.__table__.columns
                        if column.name not in ("last_contact_at", "updated_at")
                    )
                ).order_by(Beneficiary.id)
            )
        ).all()
        contacts = (
            await session.execute(select(ContactPoint.__table__).order_by(ContactPoint.id))
        ).all()
        messages = (
            await session.execute(
                select(Message.id, Message.beneficiary_id, Message.channel, Message.body)
                .where(Message.direction == "out")
                .order_by(Message.id)
            )
        ).all()
        states = dict(
            (await session.execute(select(Message.id, Message.status).order_by(Message.id))).all()
        )
    return {
        "people": [tuple(r) for r in people],
        "contacts": [tuple(r) for r in contacts],
        "messages": [tuple(r) for r in messages],
        "states": states,
    }


async def consistency(sessionmaker: SessionMaker) -> dict[str, int]:
    """Counts that show a corrupted store: each must be zero."""
    async with sessionmaker() as session:
        no_history = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.direction == "out",
                ~select(MessageEvent.id).where(MessageEvent.message_id == Message.id).exists(),
            )
        )
        orphan_contacts = await session.scalar(
            select(func.count())
            .select_from(ContactPoint)
            .where(
                ~select(Beneficiary.id)
                .where(Beneficiary.id == ContactPoint.beneficiary_id)
                .exists()
            )
        )
        bad_phones = 0
        for address in await session.scalars(
            select(ContactPoint.address).where(ContactPoint.channel == "sms")
        ):
            if not (address.startswith("+") and address[1:].isdigit() and len(address) <= 16):
                bad_phones += 1
    return {
        "outgoing_without_history": int(no_history or 0),
        "contacts_without_person": int(orphan_contacts or 0),
        "sms_addresses_not_e164": bad_phones,
    }


def unchanged(before: list[Any], after: list[Any]) -> bool:
    """Tell whether the rows that existed before are still there as they were (ids ascend)."""
    return after[: len(before)] == before


def moved_backwards(before: dict[int, str], after: dict[int, str]) -> list[int]:
    """Messages whose stored status went back, or that disappeared."""
    wrong = []
    for message_id, old in before.items():
        new = after.get(message_id)
        if new is None or (new != old and not statuses.moves_forward(old, new)):
            wrong.append(message_id)
    return wrong
