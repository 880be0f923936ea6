"""Read file bytes into a Document: detect the format (by content) and encoding, build the canonical text.

Plain text is decoded here; docx, pdf, html and legacy Word go through `tasks.formats` (parsed in a
child process, paragraphs and tables laid out as text with a map back to cells and pages).

The canonical text is what every span points into and what the warehouse stores, so a person can
always see where a figure came from. It is the decoded text after NFKC (full-width digits and
punctuation become ASCII: "１２３．４５" -> "123.45", "，" -> ","), with line breaks unified, zero-width
characters and mirror sites' pinyin residue (部門(mén) -> 部门) removed. The layout is kept: runs of spaces,
tabs and blank lines are how flattened tables show their columns and empty cells (tasks/extract/grid.py).
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata

from charset_normalizer import from_bytes

from tasks.formats.blocks import FormatError
from tasks.formats.html import decode_html
from tasks.formats.layout import assemble, blocks_text, looks_traditional, to_simplified
from tasks.formats.limits import ReadLimits
from tasks.formats.office import NEEDS_LIBREOFFICE, soffice_path
from tasks.formats.sandbox import run_parser
from tasks.formats.sniff import HTML, LEGACY_OFFICE, TEXT, sniff_format
from tasks.models import Document


class ReadError(ValueError):
    """The file cannot be read as a report; the message is the rejection reason a person reads."""


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# charset-normalizer names the GB family by its oldest member; GB18030 decodes all of them.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_MIN_READABLE_SHARE = 0.85  # below this share of printable characters the "text" is binary noise
TRADITIONAL_WARNING = "converted from traditional to simplified characters (OpenCC t2s)"

# Any whitespace but a line break or a tab becomes a plain space (NFKC already made U+3000 a space);
# runs are kept, since aligned columns are made of them.
_SPACES = re.compile(r"[^\S\n\t ]")
_TRAILING = re.compile(r"[ \t]+\n")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Mirror sites print each character's pinyin after it: 區(qū)財(cái)政(zhèng). Only syllables with a
# tone mark are taken for residue by themselves; toneless ones (們(men)) only in a text full of residue.
_TONED_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\((?=[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ])[a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹ]{1,7}\)")
_TONELESS_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zü]{1,6}\)")
_RESIDUE_MIN = 5
# A scanning artifact glued to a figure: "1,234.56?万元", "为?1234", a table cell's "| ?1,250.00 |".
_GLUED_QUESTION = re.compile(r"(?<=\d)\?(?=[万亿千元%\s|]|$)|(?:(?<=[\u4e00-\u9fff:\s|])|^)\?(?=\d)",
                             re.MULTILINE)


def read_document(path: str, data: bytes, limits: ReadLimits | None = None) -> Document:
    """Decode one file's bytes into a Document, or raise ReadError with the reason.

    The reader is chosen by the bytes (magic numbers), not the file name. Plain text is read here;
    pdf, docx, html and legacy Word are parsed in a child process under `limits` (default: the
    settings, JIXIAO_*).
    """
    if not data:
        raise ReadError("empty file")
    kind = sniff_format(data)
    if kind.startswith("other: "):
        raise ReadError(f"unsupported format: {kind.removeprefix('other: ')} (not a report)")
    limits = limits or ReadLimits()
    if kind == TEXT:
        return _read_text(path, data, limits.max_text_chars)
    encoding: str | None = None
    if kind == LEGACY_OFFICE and soffice_path() is None:
        raise ReadError(NEEDS_LIBREOFFICE)
    try:
        if kind == HTML:
            encoding, decoded = decode_html(data, decode_text)
            parsed = run_parser(HTML, decoded, limits)
        else:
            parsed = run_parser(kind, data, limits)
    except FormatError as exc:
        raise ReadError(str(exc)) from exc
    warnings = list(parsed.warnings)
    convert = None
    if looks_traditional(blocks_text(parsed.blocks)):
        convert = to_simplified()
        warnings.append(TRADITIONAL_WARNING)
    text, regions = assemble(parsed.blocks, convert)
    _check_length(text, limits.max_text_chars)
    if not text.strip():
        raise ReadError(f"no text: the {kind} document holds no paragraphs or tables with text")
    return Document(sha256=hashlib.sha256(data).hexdigest(), path=path, format=kind, size=len(data),
                    encoding=encoding, text=text, regions=regions, warnings=warnings)


def _check_length(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise ReadError(f"text of {len(text):,} characters, over the limit of {max_chars:,} for one report "
                        "(JIXIAO_MAX_TEXT_CHARS; the longest real reports have tens of thousands): not extracted")


def _read_text(path: str, data: bytes, max_chars: int) -> Document:
    encoding, decoded = decode_text(data)
    _check_length(decoded, max_chars)  # before the normalizing passes, which cost time on a huge text too
    warnings = []
    if looks_traditional(decoded):
        decoded = to_simplified()(decoded)
        warnings.append(TRADITIONAL_WARNING)
    text = canonical_text(decoded)
    _check_length(text, max_chars)  # NFKC can expand a character into many
    if not text.strip():
        raise ReadError("no text: the file holds only whitespace")
    if _unprintable_share(text) > 1 - _MIN_READABLE_SHARE:
        raise ReadError("binary content: not a text report")
    return Document(
        sha256=hashlib.sha256(data).hexdigest(),
        path=path,
        format="text",
        size=len(data),
        encoding=encoding,
        text=text,
        warnings=warnings,
    )


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (encoding, decoded text). BOM first, then strict UTF-8, then charset detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return encoding, data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ReadError(f"broken {encoding} text: {exc.reason} at byte {exc.start}") from exc
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096] and not _looks_like_utf16(data):
        raise ReadError("binary content: not a text report")
    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise ReadError("unknown text encoding: not UTF-8, GB18030 or UTF-16")
    encoding = best.encoding.lower().replace("_", "")
    if encoding in _GB_FAMILY or encoding.startswith("gb"):
        encoding = "gb18030"
    try:
        return encoding, data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        try:  # Chinese government text that is not UTF-8 is GB18030 in practice
            return "gb18030", data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ReadError(f"unknown text encoding (best guess {best.encoding} fails)") from exc


def _looks_like_utf16(data: bytes) -> bool:
    sample = data[:4096]
    zeros_odd = sample[1::2].count(0)
    zeros_even = sample[0::2].count(0)
    return max(zeros_odd, zeros_even) > len(sample) // 4 and min(zeros_odd, zeros_even) < len(sample) // 50


def canonical_text(decoded: str) -> str:
    """NFKC, unified line breaks, layout kept, residue removed: the one text every span points into."""
    text = unicodedata.normalize("NFKC", decoded)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _TRAILING.sub("\n", text + "\n")
    text, toned = _TONED_PINYIN.subn("", text)
    if toned >= _RESIDUE_MIN:
        text = _TONELESS_PINYIN.sub("", text)
    text = _GLUED_QUESTION.sub("", text)
    return text.strip("\n ")


def _unprintable_share(text: str) -> float:
    lines = text.replace("\n", "")
    if lines.isprintable():  # the common case, at C speed
        return 0.0
    return sum(1 for ch in lines if not ch.isprintable()) / max(len(text), 1)
