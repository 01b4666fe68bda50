"""Who may write and publish knowledge articles.

Visibility itself is ``Article.objects.visible_to``; these answers narrow it further:

- provider staff (technicians and every other provider role) write articles: they create drafts
  and change drafts;
- administrators and service owners publish, archive, bring an article back to draft, and change
  articles whatever their status; they also manage the categories;
- clients' users read published articles meant for them, and vote; they write nothing.
"""

from __future__ import annotations

from typing import Any

from vigie.knowledge.models import Article, ArticleStatus
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Role

PUBLISHER_ROLES = frozenset({Role.ADMIN, Role.SERVICE_OWNER})


def can_write(user: Any) -> bool:
    """Create articles (as drafts)."""
    return access_for(user).is_staff_member


def can_publish(user: Any) -> bool:
    access = access_for(user)
    return access.is_superuser or bool(PUBLISHER_ROLES & access.provider_roles)


def can_edit(user: Any, article: Article) -> bool:
    """Change an article's text or settings: a draft for any staff member; otherwise publishers only."""
    if not can_write(user):
        return False
    return article.status == ArticleStatus.DRAFT or can_publish(user)


def can_manage_categories(user: Any) -> bool:
    return can_publish(user)
