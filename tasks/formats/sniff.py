"""Which reader a file needs, from its bytes (magic numbers), never from its name."""

from __future__ import annotations

import re

PDF, DOCX, LEGACY_OFFICE, HTML, TEXT = "pdf", "docx", "doc", "html", "text"

# Formats that are no report at all: rejected by name.
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "png image"),
    (b"\xff\xd8\xff", "jpeg image"),
    (b"GIF8", "gif image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"Rar!", "rar archive"),
    (b"7z\xbc\xaf", "7z archive"),
)
_HTML_MARKERS = re.compile(rb"<(?:!doctype\s+html|html[\s>]|meta[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)


def sniff_format(data: bytes) -> str:
    """"pdf" / "docx" (any zip: checked for Word later) / "doc" / "html" / "text", or "other: <what>"."""
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:  # a few bytes of junk may precede it
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return DOCX
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return LEGACY_OFFICE
    for magic, kind in _OTHER_MAGIC:
        if data.startswith(magic):
            return f"other: {kind}"
    head = data[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 HTML: look at it without the zero bytes
        head = head.replace(b"\x00", b"")
    if _HTML_MARKERS.search(head):
        return HTML
    return TEXT
