"""What a file is, read from its first bytes rather than from what the sender declared."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator

# Enough of the start of a file to recognise every type below (Opus names itself at 28).
HEAD_BYTES = 64

# Declared types that say nothing about the content: the detected type is taken as it is.
UNDECLARED = frozenset({"", "application/octet-stream", "binary/octet-stream"})
# Declared types accepted for each detected one: the names phones and providers use.
ACCEPTED: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
    "image/png": frozenset({"image/png"}),
    "image/gif": frozenset({"image/gif"}),
    "image/webp": frozenset({"image/webp"}),
    "application/pdf": frozenset({"application/pdf", "application/x-pdf"}),
    "audio/ogg": frozenset({"audio/ogg", "audio/opus", "application/ogg", "audio/x-opus+ogg"}),
    "audio/mpeg": frozenset({"audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg"}),
    "audio/mp4": frozenset({"audio/mp4", "audio/m4a", "audio/x-m4a", "audio/aac", "video/mp4"}),
    "video/mp4": frozenset(
        {"video/mp4", "audio/mp4", "video/3gpp", "video/quicktime", "audio/3gpp"}
    ),
    "audio/amr": frozenset({"audio/amr", "audio/amr-nb", "audio/3gpp"}),
}
LABELS = {
    "image/jpeg": "une image JPEG",
    "image/png": "une image PNG",
    "image/gif": "une image GIF",
    "image/webp": "une image WebP",
    "application/pdf": "un document PDF",
    "audio/ogg": "un enregistrement audio Ogg",
    "audio/mpeg": "un fichier audio MP3",
    "audio/mp4": "un fichier audio M4A",
    "video/mp4": "une vidéo MP4",
    "audio/amr": "un enregistrement audio AMR",
}
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ")


def detect(head: bytes) -> str | None:
    """Return the type the first bytes of a file show, or None for a type Lien does not keep."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in _AUDIO_BRANDS else "video/mp4"
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return "audio/mpeg"
    return None


def base_type(declared: str | None) -> str:
    """Return a declared type without its parameters (`audio/ogg; codecs=opus`), lower case."""
    return (declared or "").split(";", 1)[0].strip().lower()


def refusal(declared: str | None, detected: str | None) -> str | None:
    """Say in French why a file whose first bytes show `detected` is refused; None if it is not."""
    if detected is None:
        return "type de fichier non pris en charge (ni image, ni PDF, ni enregistrement audio)"
    wanted = base_type(declared)
    if wanted in UNDECLARED or wanted in ACCEPTED[detected]:
        return None
    return f"le contenu ({LABELS[detected]}) ne correspond pas au type annoncé ({wanted})"


class FileCheck:
    """A file's pieces on their way to the store: counted, hashed, their type read from the head.

    The first pieces are held back until the type can be told, so nothing unchecked is written;
    a refusal is raised from inside the stream, so the store keeps nothing of the file. Each use
    says which exception tells a file too large or empty, and which detected types it takes.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.digest = hashlib.sha256()
        self.detected: str | None = None

    async def pieces(self, source: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        head = b""
        async for piece in source:
            self.size += len(piece)
            if self.size > self.max_bytes:
                raise self.too_large()
            self.digest.update(piece)
            if self.detected is None:
                head += piece
                if len(head) < HEAD_BYTES:
                    continue
                self.detected = self.accept(detect(head))
                piece, head = head, b""
            yield piece
        if self.detected is None:
            if not head:
                raise self.empty()
            self.detected = self.accept(detect(head))
            yield head

    def too_large(self) -> Exception:
        raise NotImplementedError

    def empty(self) -> Exception:
        raise NotImplementedError

    def accept(self, detected: str | None) -> str:
        """Return the detected type if the file may be kept; raise the refusal otherwise."""
        raise NotImplementedError


def _mpeg_audio_frame(head: bytes) -> bool:
    # An MP3 without tags starts with a frame: 11 bits of sync, then a layer that is not 00
    # (00 is AAC's ADTS header, a type Lien does not keep).
    return len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 != 0
