"""``{{ text|markdown }}``: Markdown rendered and sanitised by ``vigie.core.markdown``."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from vigie.core.markdown import plain_excerpt, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    return render_markdown(text)


@register.filter(name="markdown_excerpt")
def markdown_excerpt(text: str | None, length: int = 200) -> str:
    return plain_excerpt(text or "", int(length))
