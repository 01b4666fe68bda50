"""Markdown written by people (knowledge articles), rendered to HTML that is safe to show.

python-markdown turns the text into HTML (tables, fenced code, sane lists), then nh3 keeps only
an allow-list of tags and attributes: no script, style, iframe or form, no event handler, no
``javascript:`` or ``data:`` URL. Links get ``rel="noopener noreferrer"``; images are kept only
from a relative (same-site) address or over https. Raw HTML in the text goes through the same
allow-list, so an author may use ``<kbd>`` but never ``<script>``.

``render_markdown(text)`` returns a ``SafeString``; templates use the ``markdown`` filter of
``{% load markdown_tags %}``.
"""

from __future__ import annotations

import markdown as markdown_library
import nh3
from django.utils.safestring import SafeString, mark_safe

MAX_MARKDOWN = 200_000

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
    # python-markdown marks fenced code with its language: <code class="language-bash">.
    "code": {"class"},
}
# Links may point anywhere usual; images only over https (or same-site, relative addresses).
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with their content, not only their tags.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea"})


def _is_internal(url: str) -> bool:
    """A same-site address: a path ("/media/x.png", "img/x.png"), not "//other.host/x"."""
    stripped = url.strip()
    return not stripped.startswith("//") and ":" not in stripped.split("/", 1)[0]


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.lower().startswith("https://") or _is_internal(value) else None
    if tag == "code" and attribute == "class":
        languages = [name for name in value.split() if name.startswith("language-") and name[9:].replace("-", "").isalnum()]
        return languages[0] if languages else None
    return value


def sanitise_html(html: str) -> str:
    """Keep only the allowed tags and attributes of an HTML fragment."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def markdown_to_html(text: str) -> str:
    """Markdown to HTML, unsanitised: never show this without ``sanitise_html``."""
    converter = markdown_library.Markdown(
        extensions=["tables", "fenced_code", "sane_lists"],
        output_format="html",
    )
    return converter.convert(text[:MAX_MARKDOWN])


def render_markdown(text: str | None) -> SafeString:
    """Markdown text as HTML safe to insert into a page."""
    if not text:
        return mark_safe("")
    return mark_safe(sanitise_html(markdown_to_html(text)))


def plain_excerpt(text: str, length: int = 200) -> str:
    """A short plain-text excerpt of Markdown (for search results and suggestions)."""
    html = sanitise_html(markdown_to_html(text[: length * 10]))
    plain = " ".join(nh3.clean(html, tags=set()).split())
    plain = plain.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return plain if len(plain) <= length else plain[: length - 1].rsplit(" ", 1)[0] + "…"
