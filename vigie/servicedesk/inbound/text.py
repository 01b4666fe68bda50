"""Turning an e-mail body into the plain text of a ticket: HTML sanitised and flattened,
quoted history cut from replies."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

# Tags whose structure is worth keeping as line breaks; everything else is dropped by nh3.
KEPT_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "td",
    "th",
    "tr",
    "ul",
}
# Their content goes too, not only the tags: code, styles, the page title, embedded objects.
DROPPED_WITH_CONTENT = {"script", "style", "title", "head", "noscript", "template", "iframe", "object", "svg", "math"}
BLOCK_TAGS = {"p", "div", "blockquote", "pre", "table", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.href: str | None = None
        self.link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.chunks.append("\n")
        elif tag in BLOCK_TAGS:
            self.chunks.append("\n\n")
        elif tag == "li":
            self.chunks.append("\n- ")
        elif tag in ("td", "th"):
            self.chunks.append(" ")
        elif tag == "a":
            self.href = dict(attrs).get("href") or None
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.chunks.append("\n\n")
        elif tag == "a" and self.href:
            text = "".join(self.link_text).strip()
            if self.href.startswith(("http://", "https://", "mailto:")) and self.href.removeprefix("mailto:") not in text:
                self.chunks.append(f" <{self.href}>")
            self.href = None

    def handle_data(self, data: str) -> None:
        data = re.sub(r"[ \t\r\n\f\v]+", " ", data)
        self.chunks.append(data)
        if self.href is not None:
            self.link_text.append(data)

    def text(self) -> str:
        joined = "".join(self.chunks).replace("\xa0", " ")
        lines = [line.strip() for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def sanitize_html(markup: str) -> str:
    """Markup with scripts, styles, event handlers and dangerous URLs removed."""
    return nh3.clean(
        markup,
        tags=KEPT_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )


def html_to_text(markup: str) -> str:
    """The readable text of an HTML mail, after sanitising it."""
    collector = _TextCollector()
    collector.feed(sanitize_html(markup))
    collector.close()
    return collector.text()


# Lines that start the quoted history in the usual mail clients, in English and French.
QUOTE_HEADER_PATTERNS = [
    re.compile(r"^##-.*-##\s*$"),  # our own "reply above this line" marker, in any language
    re.compile(r"^-{2,}\s*(Original Message|Message d'origine|Forwarded message|Message transféré)\s*-{2,}", re.I),
    re.compile(r"^On .{4,200}wrote:\s*$", re.I),
    re.compile(r"^Le .{4,200}a écrit\s*:\s*$", re.I),
    re.compile(r"^_{20,}\s*$"),
]
OUTLOOK_HEADER = re.compile(r"^\*?(From|De|Von)\s*:\*?\s", re.I)
OUTLOOK_FOLLOWERS = re.compile(r"^\*?(Sent|Envoyé|Date|To|À|Subject|Objet|Gesendet)\s*:", re.I)


def strip_quoted(text: str) -> str:
    """The new part of a reply: the quoted history below it is cut when it can be recognised.

    When nothing would be left (a reply written below the quote), the text is kept whole.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        stripped = line.strip()
        # Gmail wraps a long "On … wrote:" over two lines.
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if any(pattern.match(stripped) or pattern.match(joined) for pattern in QUOTE_HEADER_PATTERNS):
            cut = index
            break
        if OUTLOOK_HEADER.match(stripped) and any(
            OUTLOOK_FOLLOWERS.match(following.strip()) for following in lines[index + 1 : index + 4]
        ):
            cut = index
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or text.strip()
