"""HTML pages: the article's paragraphs and tables; navigation, headers, footers and scripts dropped.

Government sites publish reports as GB2312/GBK pages: the charset comes from the BOM or the
<meta> tag, else from detection. lxml's HTML parser never loads DTDs or the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tasks.formats.blocks import Block, FormatError, Parsed
from tasks.formats.limits import ReadLimits

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_DROPPED_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
                 "template", "select", "button", "svg", "head")
# Classes and ids that mark page furniture on the usual CMSs (TRS, 政府网站集约化平台 …).
_FURNITURE = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|footer|foot|header|head|breadcrumb|crumb|sidebar|side|"
                        r"share|copyright|links|friendlink|toolbar|search|login|banner)(?:$|[\s_-])",
                        re.IGNORECASE)
_ARTICLE = re.compile(r"TRS_Editor|article|content|zoom|detail|main|text|zw|nr", re.IGNORECASE)
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
               "pre", "blockquote", "dd", "dt", "dl", "center", "address", "figure", "figcaption", "caption",
               "body", "td", "th", "tr", "table"}
_MIN_ARTICLE_CHARS = 200


def decode_html(data: bytes, decode_text: Callable[[bytes], tuple[str, str]]) -> tuple[str, str]:
    """(encoding, text): BOM, then the page's declared charset (GB family read as GB18030), else detection."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = _META_CHARSET.search(data[:4096])
        if declared is not None:
            name = declared.group(1).decode("ascii", "replace").lower()
            encoding = "gb18030" if name.startswith("gb") or name in ("cp936", "x-gbk") else name
            try:
                return encoding, data.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration is common: fall back to detection
    return decode_text(data)


def parse_html(text: str, limits: ReadLimits) -> Parsed:
    import lxml.html  # imported in the parser process only

    try:
        root = lxml.html.document_fromstring(text)
    except Exception as exc:  # noqa: BLE001 - lxml raises ParserError/ValueError on junk
        raise FormatError(f"unreadable HTML: {exc}") from exc
    for element in list(root.iter(*_DROPPED_TAGS)):
        _drop(element)
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or _is_furniture(element):  # comments, processing instructions
            _drop(element)
    body = root.find("body")
    article = _article(body if body is not None else root)
    walker = _Walker()
    walker.walk(article)
    walker.flush()
    return Parsed(blocks=walker.blocks)


def _is_furniture(element) -> bool:  # noqa: ANN001 - lxml element
    names = f"{element.get('class', '')} {element.get('id', '')}"
    return element.getparent() is not None and bool(_FURNITURE.search(names)) and not _ARTICLE.search(names)


def _drop(element) -> None:  # noqa: ANN001 - lxml element
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:  # keep the text that follows the dropped element
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _article(body):  # noqa: ANN001, ANN202 - lxml elements
    """The <article>/<main> or a CMS content container when one holds most of the text, else the body."""
    total = len(body.text_content().strip())
    candidates = [el for el in body.iter("article", "main", "div", "td")
                  if el.tag in ("article", "main") or _ARTICLE.search(f"{el.get('class', '')} {el.get('id', '')}")]
    best = None
    for element in candidates:
        size = len(element.text_content().strip())
        if size >= _MIN_ARTICLE_CHARS and size >= 0.5 * total and (best is None or size < best[0]):
            best = (size, element)  # the smallest container that still holds most of the text
    return best[1] if best else body


class _Walker:
    """Depth-first walk: inline text gathers into the current paragraph; blocks and tables split it."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buffer).strip()
        if text:
            self.blocks.append(Block(text=text))
        self.buffer = []

    def walk(self, element) -> None:  # noqa: ANN001 - lxml element
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "table" and element.find(".//table") is None:
            self.flush()
            self.blocks.append(Block(rows=_rows(element)))
            return
        if tag == "br" or tag in _BLOCK_TAGS:
            self.flush()
        if element.text and tag != "br":
            self.buffer.append(_collapse(element.text))
        for child in element:
            self.walk(child)
            if child.tail:
                self.buffer.append(_collapse(child.tail))
        if tag in _BLOCK_TAGS:
            self.flush()


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)  # HTML whitespace is not layout


def _rows(table) -> list[list[str]]:  # noqa: ANN001 - lxml element
    rows: list[list[str]] = []
    for row in table.iter("tr"):
        cells: list[str] = []
        for cell in row:
            if cell.tag not in ("td", "th"):
                continue
            cells.append(_collapse(cell.text_content()).strip())
            span = cell.get("colspan", "1")
            cells.extend([""] * (min(int(span), 50) - 1 if span.isdigit() and int(span) > 1 else 0))
        if cells:
            rows.append(cells)
    return rows
