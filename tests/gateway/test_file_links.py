"""Signed links to files staff sent: bound to one file, to one expiry, to the instance's secret."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from gateway.file_links import FileLinks, LinkExpired, LinkInvalid

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LINKS = FileLinks(secret=b"instance secret", base_url="https://lien.example.org/")


def token_of(link: str) -> str:
    return link.removeprefix("https://lien.example.org/f/")


def test_a_link_names_its_file_until_it_expires() -> None:
    token = token_of(LINKS.link(41, now=NOW))
    assert LINKS.read(token, now=NOW + timedelta(days=7) - timedelta(seconds=1)) == 41
    with pytest.raises(LinkExpired) as expired:
        LINKS.read(token, now=NOW + timedelta(days=7))
    assert expired.value.status == 410 and "expiré" in expired.value.message


@pytest.mark.parametrize(
    "change",
    [
        lambda t: "1a" + t[t.index(".") :],  # another file
        lambda t: t.split(".")[0] + ".zzzzzz." + t.split(".")[2],  # a later expiry
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # another signature
        lambda t: t + ".x",
        lambda t: "",
    ],
)
def test_a_changed_token_names_no_file(change: Callable[[str], str]) -> None:
    token = token_of(LINKS.link(41, now=NOW))
    with pytest.raises(LinkInvalid):
        LINKS.read(change(token), now=NOW)


def test_another_secret_does_not_read_the_link() -> None:
    token = token_of(LINKS.link(41, now=NOW))
    other = FileLinks(secret=b"another secret", base_url="https://lien.example.org")
    with pytest.raises(LinkInvalid):
        other.read(token, now=NOW)
