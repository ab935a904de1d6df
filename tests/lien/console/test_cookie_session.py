from __future__ import annotations

from lien.console.cookie_session import MAX_AGE_SECONDS, CookieSigner


def test_a_signed_value_reads_back_and_a_tampered_one_does_not() -> None:
    signer = CookieSigner("secret")
    value = signer.sign({"staff": 3, "csrf": "abc"}, now=1000)
    assert signer.unsign(value, now=1001) == {"staff": 3, "csrf": "abc"}
    payload, stamp, signature = value.split(".")
    forged = CookieSigner("secret").sign({"staff": 1}, now=1000).split(".")[0]
    assert signer.unsign(f"{forged}.{stamp}.{signature}", now=1001) is None
    assert signer.unsign(f"{payload}.{int(stamp) + 1}.{signature}", now=1001) is None
    assert CookieSigner("another secret").unsign(value, now=1001) is None
    assert signer.unsign("garbage", now=1001) is None


def test_a_value_expires_after_a_working_day() -> None:
    signer = CookieSigner("secret")
    value = signer.sign({"staff": 3}, now=1000)
    assert signer.unsign(value, now=1000 + MAX_AGE_SECONDS) == {"staff": 3}
    assert signer.unsign(value, now=1001 + MAX_AGE_SECONDS) is None
