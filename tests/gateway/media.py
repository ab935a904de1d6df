"""Small files of each kind Lien keeps: their real first bytes, then filler."""

from __future__ import annotations

HEADS = {
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06",
    "image/gif": b"GIF89a\x10\x00\x10\x00\x80\x00\x00",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00",
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n",
    "audio/ogg": b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead\x01\x01\x38\x01",
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x23TSSE\x00\x00\x00\x0f",
    "audio/mp4": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom",
    "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
    "audio/amr": b"#!AMR\n\x3c\x91\x17\x16\xbe\x66\x78\x00\x00",
}


def sample(kind: str, size: int = 4096) -> bytes:
    """Return `size` bytes that start as a file of `kind` does."""
    head = HEADS[kind]
    return head + bytes(n % 251 for n in range(max(0, size - len(head))))
