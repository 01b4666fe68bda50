"""Helpers shared by the staff and portal pages of the knowledge base."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from vigie.knowledge.models import Article, ArticleQuerySet, ArticleTranslation
from vigie.knowledge.reading import reader_language
from vigie.servicedesk.views.common import current_user


def visible_article(request: HttpRequest, article_id: int, *, published: bool = False) -> Article:
    """The article if this user may see it (and, with ``published``, if it is published); 404 otherwise."""
    articles: ArticleQuerySet = Article.objects.visible_to(current_user(request))
    if published:
        articles = articles.published()
    counted = articles.select_related("category", "organization", "created_by").annotate(
        helpful_count=Count("votes", filter=Q(votes__helpful=True), distinct=True),
        unhelpful_count=Count("votes", filter=Q(votes__helpful=False), distinct=True),
    )
    return get_object_or_404(counted, pk=article_id)


def chosen_translation(request: HttpRequest, article: Article) -> ArticleTranslation | None:
    """The translation asked for with ``?language=``, else the one in the reader's language, else another."""
    asked = request.GET.get("language", "")
    language = asked if asked in ("fr", "en") else reader_language()
    return article.translation_for(language)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "same", "skip"
    text: str


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """A line diff of two texts, with unchanged stretches shortened to three lines of context."""
    lines: list[DiffLine] = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("skip", "…"))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines
