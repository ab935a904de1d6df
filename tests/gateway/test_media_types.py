"""A file's type is read from its first bytes, and must agree with the type it was sent as."""

from __future__ import annotations

import pytest

from gateway.media_types import HEAD_BYTES, detect, refusal
from tests.gateway.media import HEADS, sample


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_each_kept_type_is_recognised_by_its_first_bytes(kind: str) -> None:
    assert detect(sample(kind)[:HEAD_BYTES]) == kind


def test_unknown_content_is_not_kept() -> None:
    assert detect(b"PK\x03\x04 a word document") is None
    assert detect(b"\xff\xf1\x50\x80 AAC in ADTS") is None
    assert refusal("application/zip", None) == (
        "type de fichier non pris en charge (ni image, ni PDF, ni enregistrement audio)"
    )


def test_declared_types_agree_by_their_usual_names_and_without_parameters() -> None:
    assert refusal("audio/ogg; codecs=opus", "audio/ogg") is None
    assert refusal("IMAGE/JPG", "image/jpeg") is None
    assert refusal("video/mp4", "audio/mp4") is None
    assert refusal(None, "application/pdf") is None
    assert refusal("application/octet-stream", "image/png") is None


def test_a_mismatch_is_refused_in_french_words() -> None:
    assert refusal("image/jpeg", "application/pdf") == (
        "le contenu (un document PDF) ne correspond pas au type annoncé (image/jpeg)"
    )
