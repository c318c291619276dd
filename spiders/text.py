"""Text helpers shared by spiders: safe XML parsing, completeness checks, encodings, HTML to text, Chinese fields."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from w3lib.html import remove_tags, replace_entities

# ─────────────────────────────── XML ───────────────────────────────


class IncompleteDocument(ValueError):
    """A response body is not a whole document (cut off, or not the expected format)."""


def safe_xml_parser() -> etree.XMLParser:
    """A strict lxml parser that never loads a DTD, resolves entities or touches the network.

    PubMed responses declare an external NLM DTD; loading it would be a network fetch per page.
    Strict (no `recover`) so that a cut-off body fails instead of yielding half a document.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=False,
    )


def parse_xml(body: bytes) -> etree._Element:
    """Parse a whole XML document strictly; raises IncompleteDocument when it is not one."""
    if not body.strip():
        raise IncompleteDocument("empty body")
    try:
        return etree.fromstring(body, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise IncompleteDocument(f"not well-formed XML: {exc}") from None


_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)[\s>/]")


def xml_root_name(body: bytes) -> str | None:
    """Name of the first element of an XML/HTML body (skipping the prolog, comments and doctype)."""
    pos = 0
    while True:
        m = _ROOT.search(body, pos)
        if not m:
            return None
        before = body[max(0, m.start() - 1) : m.start() + 2]
        if before.startswith((b"<?", b"<!")):
            pos = m.end()
            continue
        return m.group(1).decode("ascii", "replace")


def xml_is_complete(body: bytes) -> bool:
    """Whether an XML body ends by closing its root element.

    Lenient parsers (feedparser) happily return the items of a cut-off feed; this check is what
    stops a truncated download from passing as a complete document.
    """
    root = xml_root_name(body)
    if root is None:
        return False
    tail = body.rstrip(b" \t\r\n\x00")
    return tail.endswith(f"</{root}>".encode()) or tail.endswith(f"</{root} >".encode())


def looks_like_html(body: bytes, content_type: str | None = None) -> bool:
    """Whether a body is an HTML page (an error page served in place of XML or JSON)."""
    if content_type and "html" in content_type.lower() and "xhtml+xml" not in content_type.lower():
        return True
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or xml_root_name(body[:4096]) in {"html", "HTML"}


def text_of(el: Any) -> str:
    """All text inside an lxml element (markup such as <i> dropped), whitespace collapsed."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


# ──────────────────────────── encodings ────────────────────────────

_XML_DECL_ENC = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9_\-]+)([\"'])", re.I)
_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030", "euc-cn", "cp936"}


def transcode_gb_xml(body: bytes) -> bytes:
    """Re-encode a GB2312/GBK-declared XML body as UTF-8 via GB18030.

    Chinese sites declare gb2312 but use GBK characters beyond it; decoding as GB18030 (a
    superset of both) keeps those characters instead of turning them into U+FFFD.
    """
    m = _XML_DECL_ENC.match(body)
    if not m or m.group(2).decode("ascii").lower() not in _GB:
        return body
    text = body.decode("gb18030", errors="replace")
    return re.sub(
        r"(<\?xml[^>]*?encoding\s*=\s*[\"'])[A-Za-z0-9_\-]+([\"'])", r"\1utf-8\2", text, count=1
    ).encode("utf-8")


# ──────────────────────────── HTML to text ────────────────────────────

# Block ends become line breaks; JATS (Crossref abstracts) writes them with a prefix: </jats:p>.
_BLOCK_END = re.compile(
    r"(?i)<\s*(br\s*/?|/(?:\w+:)?(?:p|div|h[1-6]|li|tr|table|section|article|blockquote|title|sec))\s*>"
)
_DROP = re.compile(r"(?is)<(script|style|noscript)\b.*?</\1\s*>")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment, one line per block element, blank lines removed."""
    html = _DROP.sub(" ", html)
    html = _BLOCK_END.sub("\n", html)
    text = replace_entities(remove_tags(html))
    lines = (" ".join(line.replace("\u3000", " ").split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def clean_inline(text: str | None) -> str:
    """One line of text: tags removed, entities decoded, whitespace collapsed."""
    if not text:
        return ""
    return " ".join(replace_entities(remove_tags(text)).split())


# ──────────────────────────── Chinese policy fields ────────────────────────────

# 沪科合〔2025〕7号, 国发〔2017〕35号, 法释〔2022〕8号, 工信部联科〔2024〕12号 ... Officials use 〔〕; web
# pages often substitute [] （） () 【】. The issuer prefix is 1-10 Han characters and must start a
# line or follow a space or colon, so "……的通知沪科合〔2025〕7号" never yields "的通知沪科合".
DOC_NUMBER = re.compile(
    r"(?m)(?:^|(?<=[\s：:，,。;；]))[\u4e00-\u9fff]{1,10}\s*[〔\[（(【]\s*(?:19|20)\d{2}\s*[〕\]）)】]\s*"
    r"[\u4e00-\u9fff]?\d{1,4}\s*号"
)
# 中华人民共和国主席令第六十二号, 国务院令第745号
ORDER_NUMBER = re.compile(r"[\u4e00-\u9fff]{0,16}令\s*第\s*[\d一二三四五六七八九十百零〇]+\s*号")

_CN_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")


def find_doc_number(*texts: str | None, head_chars: int = 400) -> str | None:
    """The document number printed at the head of a document, e.g. 沪科合〔2025〕7号.

    Only the head is searched: further down, documents cite the numbers of the documents they
    replace ("（法释〔2009〕9号）同时废止"), which are not their own.
    """
    for text in texts:
        if not text:
            continue
        head = text[:head_chars]
        m = DOC_NUMBER.search(head) or ORDER_NUMBER.search(head)
        if m:
            return re.sub(r"\s+", "", m.group(0))
    return None


def find_date(text: str | None) -> str | None:
    """The first date in a text (2025年3月7日 or 2025-03-07) as YYYY-MM-DD."""
    if not text:
        return None
    m = _CN_DATE.search(text) or _ISO_DATE.search(text)
    if not m:
        return None
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"
