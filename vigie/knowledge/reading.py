"""What a reader sees of articles: the translation in their language, search hits, suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import get_language

from vigie.knowledge.models import Article, ArticleQuerySet, ArticleTranslation, Language
from vigie.knowledge.search import search_articles

SUGGESTIONS = 5


def reader_language(preferred: str | None = None) -> str:
    """The page's language when it is French or English; French otherwise."""
    code = (preferred or get_language() or "").split("-")[0].lower()
    return code if code in Language.values else Language.FRENCH


@dataclass(frozen=True)
class Row:
    """One article as listed: the article and the translation it is read in."""

    article: Article
    translation: ArticleTranslation

    @property
    def pk(self) -> int:
        return self.article.pk


def with_votes(articles: ArticleQuerySet) -> ArticleQuerySet:
    return articles.annotate(
        helpful_count=Count("votes", filter=Q(votes__helpful=True), distinct=True),
        unhelpful_count=Count("votes", filter=Q(votes__helpful=False), distinct=True),
    )


def rows_of(articles: Any, language: str) -> list[Row]:
    """``articles`` (a queryset or a page of one) with the translation each is read in."""
    listed = list(articles)
    translations = ArticleTranslation.objects.filter(article__in=[a.pk for a in listed]).only(
        "id", "article_id", "language", "title", "keywords", "body", "version", "updated_at"
    )
    by_article: dict[int, list[ArticleTranslation]] = {}
    for translation in translations:
        by_article.setdefault(translation.article_id, []).append(translation)
    found = []
    for article in listed:
        choices = sorted(by_article.get(article.pk, []), key=lambda t: (t.language != language, t.pk))
        if choices:
            found.append(Row(article, choices[0]))
    return found


def search(articles: ArticleQuerySet, query: str, language: str, *, any_word: bool = False, limit: int = 50) -> list[Row]:
    """Ranked search hits among ``articles`` (already narrowed to what the reader may see)."""
    hits = search_articles(articles, query, language, any_word=any_word, limit=limit)
    return [Row(hit.translation.article, hit.translation) for hit in hits]


def suggestions(user: Any, text: str, language: str, *, limit: int = SUGGESTIONS) -> list[Row]:
    """Published articles ``user`` may read that match free text (a ticket being written)."""
    if len(text.strip()) < 3:
        return []
    articles = Article.objects.visible_to(user).published()
    return search(articles, text, language, any_word=True, limit=limit)
