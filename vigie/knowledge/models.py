"""Knowledge articles for technicians and for the clients' employees.

An ``Article`` is the provider's: it carries who may read it (internal, every client, or some
client companies), its category, its publication status and its figures (views, votes, tickets it
solved, tickets it made unnecessary). Its text lives in one ``ArticleTranslation`` per language
(French, English): a reader sees the translation in their language, else the other one. Every
change of a translation's text is kept as an ``ArticleVersion`` (history, diff, restore).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel
from vigie.tenancy.models import Organization


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (provider staff only)")
    ALL_CLIENTS = "all_clients", _("All client companies")
    CLIENTS = "clients", _("Some client companies")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class KnowledgeCategoryQuerySet(models.QuerySet["KnowledgeCategory"]):
    def visible_to(self, user: Any) -> KnowledgeCategoryQuerySet:
        """Categories are the provider's: its staff see them, and so do the clients it serves
        (they only ever see the published articles filed under them)."""
        from vigie.tenancy.access import access_for

        access = access_for(user)
        if access.is_superuser:
            return self.all()
        if not access.is_authenticated:
            return self.none()
        if access.provider_ids:
            return self.filter(organization_id__in=access.provider_ids)
        return self.filter(organization__kind="provider") if access.client_ids else self.none()


class KnowledgeCategory(TimeStampedModel):
    """A node of the provider's tree of knowledge categories (a flat list is a tree without children)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="knowledge_categories"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=100)
    full_name = models.CharField(_("full name"), max_length=400, editable=False)

    objects = KnowledgeCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("knowledge category")
        verbose_name_plural = _("knowledge categories")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "parent", "name"], name="knowledge_category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_name = f"{self.parent.full_name} › {self.name}" if self.parent else self.name
        super().save(*args, **kwargs)


class ArticleQuerySet(models.QuerySet["Article"]):
    def visible_to(self, user: Any) -> ArticleQuerySet:
        """The one visibility rule for articles.

        Provider staff see their provider's internal and all-clients articles, and the articles
        meant for some clients when they serve one of them (an administrator serves every client);
        whatever the status. A client's user sees published articles meant for every client or
        for their own company. Anyone else sees nothing.
        """
        from vigie.tenancy.access import access_for

        access = access_for(user)
        if access.is_superuser:
            return self.all()
        if not access.is_authenticated:
            return self.none()
        targets = Article.clients.through.objects.filter(article_id=OuterRef("pk"))
        condition = Q(pk__in=[])
        if access.provider_ids:
            staff = Q(visibility__in=[Visibility.INTERNAL, Visibility.ALL_CLIENTS]) | Q(
                Q(visibility=Visibility.CLIENTS) & Q(Exists(targets.filter(organization_id__in=access.client_ids)))
            )
            if access.is_admin:
                # Meant for some clients, none left: still the administrators' to see and fix.
                staff |= Q(visibility=Visibility.CLIENTS) & ~Q(Exists(targets))
            condition |= Q(organization_id__in=access.provider_ids) & staff
        if access.client_ids:
            readable = Q(visibility=Visibility.ALL_CLIENTS) | Q(
                Q(visibility=Visibility.CLIENTS) & Q(Exists(targets.filter(organization_id__in=access.client_ids)))
            )
            condition |= Q(status=ArticleStatus.PUBLISHED) & readable
        return self.filter(condition)

    def published(self) -> ArticleQuerySet:
        return self.filter(status=ArticleStatus.PUBLISHED)

    def with_translation(self, language: str) -> ArticleQuerySet:
        """Annotate ``shown_translation_id``: the translation in ``language``, else another one."""
        preferred = (
            ArticleTranslation.objects.filter(article_id=OuterRef("pk"))
            .annotate(other=models.Case(models.When(language=language, then=0), default=1))
            .order_by("other", "id")
            .values("id")[:1]
        )
        return self.annotate(shown_translation_id=models.Subquery(preferred))


class Article(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        KnowledgeCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    visibility = models.CharField(
        _("visible to"), max_length=16, choices=Visibility.choices, default=Visibility.INTERNAL, db_index=True
    )
    clients = models.ManyToManyField(
        Organization, verbose_name=_("client companies"), blank=True, related_name="knowledge_articles"
    )
    status = models.CharField(_("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    view_count = models.PositiveIntegerField(_("views"), default=0)
    tickets = models.ManyToManyField(
        "servicedesk.Ticket",
        verbose_name=_("tickets solved"),
        through="ArticleTicketLink",
        blank=True,
        related_name="knowledge_articles",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["organization", "status", "visibility"], name="article_list_idx")]

    def __str__(self) -> str:
        first = self.translations.order_by("id").first()
        return first.title if first else f"#{self.pk}"

    def translation_for(self, language: str) -> ArticleTranslation | None:
        """The translation in ``language``, else another one (French or English first, by age)."""
        translations = list(self.translations.all())
        for translation in translations:
            if translation.language == language:
                return translation
        return min(translations, key=lambda t: t.pk) if translations else None


class ArticleTranslation(TimeStampedModel):
    """The text of an article in one language. ``title``, ``keywords`` and ``body`` are what search
    matches (PostgreSQL: the generated ``search_vector`` column; SQLite: an FTS5 table)."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("Comma-separated words people search for.")
    )
    body = models.TextField(_("text"), help_text=_("Markdown."))
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        ordering = ["article_id", "language"]
        constraints = [models.UniqueConstraint(fields=["article", "language"], name="article_one_translation_per_language")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class ArticleVersion(models.Model):
    """One saved state of a translation: each change of its title, keywords or text adds one."""

    translation = models.ForeignKey(
        ArticleTranslation, verbose_name=_("translation"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["translation_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["translation", "number"], name="article_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ArticleVote(TimeStampedModel):
    """A reader's answer to "Was this article helpful?" (one per reader, which they may change)."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField(_("helpful"))

    class Meta:
        verbose_name = _("article vote")
        verbose_name_plural = _("article votes")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="article_vote_one_per_user")]

    def __str__(self) -> str:
        return f"{self.article_id} · {self.user_id} · {self.helpful}"


class ArticleTicketLink(models.Model):
    """ "This article solved this ticket", said by a technician from the ticket page."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey(
        "servicedesk.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="knowledge_links"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article and ticket link")
        verbose_name_plural = _("article and ticket links")
        constraints = [models.UniqueConstraint(fields=["article", "ticket"], name="article_ticket_link_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.ticket_id}"


class Deflection(models.Model):
    """An employee who was about to open a ticket and said an article solved their problem instead."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    query = models.CharField(_("what they were typing"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket avoided by an article")
        verbose_name_plural = _("tickets avoided by articles")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.article_id} · {self.at:%Y-%m-%d}"
