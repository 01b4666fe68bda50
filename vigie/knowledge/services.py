"""Writes on the knowledge base: checked, then written in a transaction with the actor in the trail.

Every change of a translation's title, keywords or text adds an ``ArticleVersion``; restoring an
old version adds a new one with the old content, so history is never rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.knowledge import permissions
from vigie.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleTicketLink,
    ArticleTranslation,
    ArticleVersion,
    ArticleVote,
    Deflection,
    KnowledgeCategory,
    Language,
    Visibility,
)
from vigie.servicedesk.models import Ticket
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization, OrganizationKind

MAX_TITLE = 200
MAX_KEYWORDS = 300
MAX_BODY = 200_000
ARTICLE_FIELDS = frozenset({"category", "visibility", "clients"})


def _refuse_writer() -> PermissionDenied:
    return PermissionDenied(_("Only the provider's staff can write knowledge articles."))


def _refuse_publisher() -> PermissionDenied:
    return PermissionDenied(_("Only administrators and service owners can publish, archive or change a published article."))


def provider_of(user: User) -> Organization:
    """The provider organisation whose knowledge base ``user`` writes in."""
    access = access_for(user)
    providers = Organization.objects.providers()
    if not access.is_superuser:
        providers = providers.filter(pk__in=access.provider_ids)
    provider = providers.order_by("pk").first()
    if provider is None:
        raise _refuse_writer()
    return provider


# --- categories -------------------------------------------------------------------------------------


def _check_category(provider: Organization, name: str, parent: KnowledgeCategory | None, *, pk: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if len(name) > 100:
        raise ValidationError({"name": _("100 characters at most.")})
    if parent is not None:
        if parent.organization_id != provider.pk:
            raise ValidationError({"parent": _("Unknown category.")})
        node: KnowledgeCategory | None = parent
        while node is not None:
            if pk is not None and node.pk == pk:
                raise ValidationError({"parent": _("A category cannot be filed under itself.")})
            node = node.parent
    clash = KnowledgeCategory.objects.filter(organization=provider, parent=parent, name__iexact=name)
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if clash.exists():
        raise ValidationError({"name": _("A category with this name already exists here.")})
    return name


def create_category(*, by: User, name: str, parent: KnowledgeCategory | None = None) -> KnowledgeCategory:
    if not permissions.can_manage_categories(by):
        raise _refuse_publisher()
    provider = provider_of(by)
    name = _check_category(provider, name, parent, pk=None)
    with transaction.atomic(), acting_as(by):
        return KnowledgeCategory.objects.create(organization=provider, name=name, parent=parent)


def update_category(category: KnowledgeCategory, *, by: User, name: str, parent: KnowledgeCategory | None) -> KnowledgeCategory:
    if not permissions.can_manage_categories(by):
        raise _refuse_publisher()
    name = _check_category(category.organization, name, parent, pk=category.pk)
    with transaction.atomic(), acting_as(by):
        category.name = name
        category.parent = parent
        category.save()
        for child in _descendants(category):
            child.save()  # their full names follow
    return category


def _descendants(category: KnowledgeCategory) -> list[KnowledgeCategory]:
    found: list[KnowledgeCategory] = []
    level = list(category.children.all())
    while level:
        found.extend(level)
        level = list(KnowledgeCategory.objects.filter(parent__in=level).order_by("pk"))
    return found


def delete_category(category: KnowledgeCategory, *, by: User) -> None:
    """Delete an empty category; its articles stay, without a category."""
    if not permissions.can_manage_categories(by):
        raise _refuse_publisher()
    if category.children.exists():
        raise ValidationError({"parent": _("This category has sub-categories: move or delete them first.")})
    with transaction.atomic(), acting_as(by):
        category.delete()


# --- articles ----------------------------------------------------------------------------------------


def _check_text(language: str, title: str, body: str, keywords: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    if language not in Language.values:
        errors["language"] = [_("Choose French or English.")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("A title is required.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("%(count)d characters at most.") % {"count": MAX_TITLE}]
    body = (body or "").strip()
    if not body:
        errors["body"] = [_("The article needs a text.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_("%(count)d characters at most.") % {"count": MAX_BODY}]
    keywords = ", ".join(word.strip() for word in (keywords or "").split(",") if word.strip())
    if len(keywords) > MAX_KEYWORDS:
        errors["keywords"] = [_("%(count)d characters at most.") % {"count": MAX_KEYWORDS}]
    if errors:
        raise ValidationError(errors)
    return title, body, keywords


def _check_settings(
    by: User, provider: Organization, category: KnowledgeCategory | None, visibility: str, clients: list[Organization]
) -> None:
    errors: dict[str, list[str]] = {}
    if category is not None and category.organization_id != provider.pk:
        errors["category"] = [_("Unknown category.")]
    if visibility not in Visibility.values:
        errors["visibility"] = [_("Unknown visibility.")]
    served = access_for(by).client_ids
    if any(client.kind != OrganizationKind.CLIENT or client.pk not in served for client in clients):
        errors["clients"] = [_("Choose among the client companies you serve.")]
    if errors:
        raise ValidationError(errors)


def _check_editable(article: Article, by: User) -> None:
    """Decided on the article as stored: a page opened before its publication does not reopen it."""
    article.status = Article.objects.values_list("status", flat=True).get(pk=article.pk)
    if not permissions.can_edit(by, article):
        raise _refuse_publisher() if permissions.can_write(by) else _refuse_writer()


def _add_version(translation: ArticleTranslation, by: User, note: str = "") -> ArticleVersion:
    return ArticleVersion.objects.create(
        translation=translation,
        number=translation.version,
        title=translation.title,
        keywords=translation.keywords,
        body=translation.body,
        author=by,
        note=note[:200],
    )


def create_article(
    *,
    by: User,
    language: str,
    title: str,
    body: str,
    keywords: str = "",
    category: KnowledgeCategory | None = None,
    visibility: str = Visibility.INTERNAL,
    clients: Iterable[Organization] = (),
) -> Article:
    """A new article, as a draft, with its first translation and version."""
    if not permissions.can_write(by):
        raise _refuse_writer()
    provider = provider_of(by)
    chosen = list(clients) if visibility == Visibility.CLIENTS else []
    title, body, keywords = _check_text(language, title, body, keywords)
    _check_settings(by, provider, category, visibility, chosen)
    if visibility == Visibility.CLIENTS and not chosen:
        raise ValidationError({"clients": [_("Choose at least one client company.")]})
    with transaction.atomic(), acting_as(by):
        article = Article.objects.create(organization=provider, category=category, visibility=visibility, created_by=by)
        article.clients.set(chosen)
        translation = ArticleTranslation.objects.create(
            article=article, language=language, title=title, body=body, keywords=keywords, updated_by=by
        )
        _add_version(translation, by)
    return article


def update_article(article: Article, *, by: User, **changes: Any) -> Article:
    """Change an article's category, visibility or client companies."""
    _check_editable(article, by)
    unknown = sorted(set(changes) - ARTICLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    category = changes.get("category", article.category)
    visibility = changes.get("visibility", article.visibility)
    served = access_for(by).client_ids
    current = list(article.clients.all())
    # Targets this user does not serve stay: someone who serves them chose them.
    hidden = [client for client in current if client.pk not in served]
    chosen = list(changes["clients"]) if "clients" in changes else [c for c in current if c.pk in served]
    _check_settings(by, article.organization, category, visibility, chosen if "clients" in changes else [])
    final = [*chosen, *hidden] if visibility == Visibility.CLIENTS else []
    if visibility == Visibility.CLIENTS and not final:
        raise ValidationError({"clients": [_("Choose at least one client company.")]})
    with transaction.atomic(), acting_as(by):
        article = Article.objects.select_for_update().get(pk=article.pk)
        article.category = category
        article.visibility = visibility
        article.save()
        article.clients.set(final)
    return article


def save_translation(
    article: Article, *, by: User, language: str, title: str, body: str, keywords: str = "", note: str = ""
) -> ArticleTranslation:
    """Write an article's text in one language (a new translation or a new version of one).

    Saving the same text again adds no version."""
    _check_editable(article, by)
    title, body, keywords = _check_text(language, title, body, keywords)
    with transaction.atomic(), acting_as(by):
        translation = ArticleTranslation.objects.select_for_update().filter(article=article, language=language).first()
        if translation is None:
            try:
                with transaction.atomic():
                    translation = ArticleTranslation.objects.create(
                        article=article, language=language, title=title, body=body, keywords=keywords, updated_by=by
                    )
            except IntegrityError as error:
                raise ValidationError({"language": _("This translation already exists.")}) from error
            _add_version(translation, by, note)
        elif (translation.title, translation.body, translation.keywords) != (title, body, keywords):
            translation.title, translation.body, translation.keywords = title, body, keywords
            translation.version += 1  # the row is locked: no concurrent save can take the same number
            translation.updated_by = by
            translation.save()
            _add_version(translation, by, note)
        Article.objects.filter(pk=article.pk).update(updated_at=timezone.now())
    return translation


def delete_translation(translation: ArticleTranslation, *, by: User) -> None:
    """Remove one language of an article (never its last one)."""
    _check_editable(translation.article, by)
    if translation.article.translations.count() <= 1:
        raise ValidationError({"language": _("An article keeps at least one translation.")})
    with transaction.atomic(), acting_as(by):
        translation.delete()


def restore_version(version: ArticleVersion, *, by: User) -> ArticleTranslation:
    """Bring an old version back: it becomes the newest one."""
    translation = version.translation
    return save_translation(
        translation.article,
        by=by,
        language=translation.language,
        title=version.title,
        body=version.body,
        keywords=version.keywords,
        note=_("Restored from version %(number)d") % {"number": version.number},
    )


def set_status(article: Article, status: str, *, by: User) -> Article:
    """Publish, archive, or take back to draft (administrators and service owners)."""
    if not permissions.can_publish(by):
        raise _refuse_publisher()
    if status not in ArticleStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    with transaction.atomic(), acting_as(by):
        article = Article.objects.select_for_update().get(pk=article.pk)
        if article.status != status:
            article.status = status
            if status == ArticleStatus.PUBLISHED:
                article.published_at = timezone.now()
            article.save()
    return article


def delete_article(article: Article, *, by: User) -> None:
    if not permissions.can_publish(by):
        raise _refuse_publisher()
    with transaction.atomic(), acting_as(by):
        article.delete()


# --- readers ----------------------------------------------------------------------------------------


def record_view(article: Article) -> None:
    """One more view (a plain counter: no trail entry, no lock)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def vote(article: Article, *, by: User, helpful: bool) -> ArticleVote:
    """The reader's answer to "Was this helpful?"; voting again changes it."""
    with transaction.atomic(), acting_as(by):
        answer, _created = ArticleVote.objects.update_or_create(article=article, user=by, defaults={"helpful": bool(helpful)})
    return answer


def record_deflection(article: Article, *, by: User, query: str = "") -> Deflection:
    """An employee about to open a ticket says this article solved their problem."""
    access = access_for(by)
    company = min(access.client_ids) if access.client_ids else None
    with transaction.atomic(), acting_as(by):
        return Deflection.objects.create(article=article, user=by, organization_id=company, query=(query or "").strip()[:300])


def link_ticket(article: Article, ticket: Ticket, *, by: User) -> ArticleTicketLink:
    """ "This article solved this ticket" (provider staff)."""
    if not access_for(by).is_staff_member:
        raise _refuse_writer()
    with transaction.atomic(), acting_as(by):
        link, _created = ArticleTicketLink.objects.get_or_create(article=article, ticket=ticket, defaults={"linked_by": by})
    return link


def unlink_ticket(article: Article, ticket: Ticket, *, by: User) -> None:
    if not access_for(by).is_staff_member:
        raise _refuse_writer()
    with transaction.atomic(), acting_as(by):
        for link in ArticleTicketLink.objects.filter(article=article, ticket=ticket):
            link.delete()
