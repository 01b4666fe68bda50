"""The knowledge base in the Django admin (superusers): articles with their translations."""

from django.contrib import admin

from vigie.knowledge.models import (
    Article,
    ArticleTicketLink,
    ArticleTranslation,
    ArticleVersion,
    ArticleVote,
    Deflection,
    KnowledgeCategory,
)


@admin.register(KnowledgeCategory)
class KnowledgeCategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["full_name", "organization"]
    search_fields = ["name", "full_name"]
    raw_id_fields = ["parent"]


class TranslationInline(admin.StackedInline):  # type: ignore[type-arg]
    model = ArticleTranslation
    extra = 0
    raw_id_fields = ["updated_by"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "status", "visibility", "category", "view_count", "updated_at"]
    list_filter = ["status", "visibility", "category"]
    search_fields = ["translations__title", "translations__keywords"]
    raw_id_fields = ["category", "created_by"]
    filter_horizontal = ["clients"]
    inlines = [TranslationInline]


@admin.register(ArticleTranslation)
class ArticleTranslationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "language", "article", "version", "updated_at"]
    list_filter = ["language"]
    search_fields = ["title", "keywords"]
    raw_id_fields = ["article", "updated_by"]


@admin.register(ArticleVersion)
class ArticleVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "number", "translation", "author", "created_at"]
    search_fields = ["title"]
    raw_id_fields = ["translation", "author"]


@admin.register(ArticleVote)
class ArticleVoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["article", "user", "helpful", "updated_at"]
    list_filter = ["helpful"]
    raw_id_fields = ["article", "user"]


@admin.register(ArticleTicketLink)
class ArticleTicketLinkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["article", "ticket", "linked_by", "linked_at"]
    raw_id_fields = ["article", "ticket", "linked_by"]


@admin.register(Deflection)
class DeflectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["article", "organization", "user", "at"]
    list_filter = ["organization"]
    search_fields = ["query"]
    raw_id_fields = ["article", "user"]
