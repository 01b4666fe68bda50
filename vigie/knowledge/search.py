"""Full-text search over articles (title, keywords, text), ranked, in the reader's language.

What is searched is, for each article the caller may see, the translation they would read: the
one in their language, else the other. The visibility filter is part of the same SQL query, so an
article the caller may not see is never matched, ranked or counted.

PostgreSQL keeps ``search_vector``, a stored generated column weighting the title (A), keywords
(B) and text (D), built with the ``french`` or ``english`` configuration after the translation's
language (stemming: « imprimantes » finds « imprimante »), with a GIN index (migration 0002). The
column is not in the model, so the ORM never reads it. The query is parsed with both
configurations, so the index serves it. SQLite uses an FTS5 table (diacritics removed) kept in
step by triggers; ranking is bm25 with the same weights. The query is built from words only, so
user input never reaches the search syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import BooleanField, Exists, FloatField, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from vigie.knowledge.models import ArticleQuerySet, ArticleTranslation

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
RESULTS = 50

# Created by migration 0002 on PostgreSQL.
_CONFIG = "CASE WHEN language = 'fr' THEN 'french'::regconfig ELSE 'english'::regconfig END"
POSTGRESQL_VECTOR = [
    "ALTER TABLE knowledge_articletranslation ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector({_CONFIG}, coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector({_CONFIG}, coalesce(keywords, '')), 'B') || "
    f"setweight(to_tsvector({_CONFIG}, coalesce(body, '')), 'D')) STORED",
    "CREATE INDEX IF NOT EXISTS knowledge_translation_search_gin ON knowledge_articletranslation USING gin (search_vector)",
]
POSTGRESQL_VECTOR_DROP = [
    "DROP INDEX IF EXISTS knowledge_translation_search_gin",
    "ALTER TABLE knowledge_articletranslation DROP COLUMN IF EXISTS search_vector",
]
_POSTGRESQL_QUERY = "(to_tsquery('french', %s) || to_tsquery('english', %s))"
POSTGRESQL_MATCH = f'"knowledge_articletranslation"."search_vector" @@ {_POSTGRESQL_QUERY}'
POSTGRESQL_RANK = f'ts_rank("knowledge_articletranslation"."search_vector", {_POSTGRESQL_QUERY})'

# SQLite drops a table's triggers when a migration rebuilds it: such a migration must run
# SQLITE_FTS again afterwards (as servicedesk 0005 does for tickets).
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_translation_fts USING fts5(title, keywords, body, "
    "content='knowledge_articletranslation', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS knowledge_translation_fts_insert AFTER INSERT ON knowledge_articletranslation BEGIN "
    "INSERT INTO knowledge_translation_fts(rowid, title, keywords, body) VALUES (new.id, new.title, new.keywords, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS knowledge_translation_fts_delete AFTER DELETE ON knowledge_articletranslation BEGIN "
    "INSERT INTO knowledge_translation_fts(knowledge_translation_fts, rowid, title, keywords, body) "
    "VALUES ('delete', old.id, old.title, old.keywords, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS knowledge_translation_fts_update AFTER UPDATE OF title, keywords, body "
    "ON knowledge_articletranslation BEGIN "
    "INSERT INTO knowledge_translation_fts(knowledge_translation_fts, rowid, title, keywords, body) "
    "VALUES ('delete', old.id, old.title, old.keywords, old.body); "
    "INSERT INTO knowledge_translation_fts(rowid, title, keywords, body) VALUES (new.id, new.title, new.keywords, new.body); END",
    "INSERT INTO knowledge_translation_fts(knowledge_translation_fts) VALUES ('rebuild')",
]
SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS knowledge_translation_fts_insert",
    "DROP TRIGGER IF EXISTS knowledge_translation_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_translation_fts_update",
    "DROP TABLE IF EXISTS knowledge_translation_fts",
]
SQLITE_MATCH = "SELECT rowid FROM knowledge_translation_fts WHERE knowledge_translation_fts MATCH %s"
# bm25 is lower for better matches; negated so that a higher rank is better everywhere.
SQLITE_RANK = (
    "(SELECT -bm25(knowledge_translation_fts, 10.0, 5.0, 1.0) FROM knowledge_translation_fts "
    'WHERE knowledge_translation_fts MATCH %s AND knowledge_translation_fts.rowid = "knowledge_articletranslation"."id")'
)


def words(query: str) -> list[str]:
    return _WORD.findall(query)[:MAX_TERMS]


@dataclass(frozen=True)
class Hit:
    article_id: int
    translation: ArticleTranslation
    rank: float


def shown_translations(articles: ArticleQuerySet, language: str) -> QuerySet[ArticleTranslation]:
    """The translation each of ``articles`` is read in: the one in ``language``, else any other."""
    from vigie.knowledge.models import ArticleTranslation

    in_language = ArticleTranslation.objects.filter(article_id=OuterRef("article_id"), language=language)
    return ArticleTranslation.objects.filter(article__in=articles.values("pk")).filter(
        Q(language=language) | ~Q(Exists(in_language))
    )


def search_articles(
    articles: ArticleQuerySet, query: str, language: str, *, any_word: bool = False, limit: int = RESULTS
) -> list[Hit]:
    """The best matches among ``articles`` (already narrowed to what the caller may see), best first.

    Every word must match (prefixes count: « imprim » finds « imprimante »), unless ``any_word``,
    used by suggestions, where free text rarely has every word in one article.
    """
    terms = [term for term in (re.sub(r"[^\w]", "", t) for t in words(query)) if term]
    if not terms:
        return []
    candidates = shown_translations(articles, language).select_related("article")
    if connection.vendor == "postgresql":
        joiner = " | " if any_word else " & "
        tsquery = joiner.join(f"{term}:*" for term in terms)
        matched = candidates.filter(
            RawSQL(POSTGRESQL_MATCH, [tsquery, tsquery], output_field=BooleanField())  # noqa: S611 - bound parameters
        ).annotate(rank=RawSQL(POSTGRESQL_RANK, [tsquery, tsquery], output_field=FloatField()))  # noqa: S611
    elif connection.vendor == "sqlite":
        joiner = " OR " if any_word else " "
        match = joiner.join('"' + term.replace('"', "") + '"*' for term in terms)
        matched = candidates.filter(pk__in=RawSQL(SQLITE_MATCH, [match])).annotate(  # noqa: S611 - bound parameter
            rank=RawSQL(SQLITE_RANK, [match], output_field=FloatField())  # noqa: S611 - bound parameter
        )
    else:
        condition = Q()
        for term in terms:
            found = Q(title__icontains=term) | Q(keywords__icontains=term) | Q(body__icontains=term)
            condition = condition | found if any_word else condition & found
        matched = candidates.filter(condition).annotate(rank=RawSQL("1.0", [], output_field=FloatField()))
    rows = matched.order_by("-rank", "-article__updated_at", "pk")[:limit]
    return [Hit(row.article_id, row, float(getattr(row, "rank", 0.0) or 0.0)) for row in rows]
