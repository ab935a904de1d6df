"""How a kept file is named and served: a name Lien makes, inline only for what a page shows."""

from __future__ import annotations

from gateway.attachment_files import ServedFile, file_name, kind_of


def test_a_file_is_named_by_lien_and_only_pictures_and_recordings_open_in_place() -> None:
    assert file_name(12, "image/jpeg") == "piece-jointe-12.jpg"
    assert file_name(13, None) == "piece-jointe-13.bin"
    assert [kind_of(t) for t in ("image/webp", "audio/amr", "video/mp4", "application/pdf")] == [
        "image",
        "audio",
        "video",
        "document",
    ]
    assert kind_of(None) == "document"

    def disposition(media_type: str) -> str:
        return ServedFile(7, "1/7", media_type, 10).disposition

    assert disposition("audio/mpeg") == 'inline; filename="piece-jointe-7.mp3"'
    assert disposition("application/pdf") == 'attachment; filename="piece-jointe-7.pdf"'
    assert disposition("application/octet-stream") == 'attachment; filename="piece-jointe-7.bin"'
