"""Knowledge articles (with their translations and versions) and knowledge categories.

An article reads in one language: ``language`` says which translation ``title``, ``keywords`` and
``body`` come from (the one asked with ``?language=``, else the caller's language, else the other
one); ``translations`` lists them all. Writes go through ``vigie.knowledge.services``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vigie.api.base import StrictFieldsMixin, StrictSerializer, acting_user, scope_queryset
from vigie.core.markdown import render_markdown
from vigie.knowledge import services
from vigie.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleTranslation,
    ArticleVersion,
    KnowledgeCategory,
    Language,
    Visibility,
)
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization


def _request_user(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    return request.user if request is not None else None


class KnowledgeCategorySerializer(StrictFieldsMixin, serializers.ModelSerializer[KnowledgeCategory]):
    parent = serializers.PrimaryKeyRelatedField(queryset=KnowledgeCategory.objects.none(), allow_null=True, required=False)  # type: ignore[assignment]

    class Meta:
        model = KnowledgeCategory
        fields = ["id", "name", "full_name", "parent", "created_at", "updated_at"]
        read_only_fields = ["id", "full_name", "created_at", "updated_at"]
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_queryset(self, "parent", KnowledgeCategory.objects.visible_to(_request_user(self)))

    def create(self, validated_data: dict[str, Any]) -> KnowledgeCategory:
        return services.create_category(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: KnowledgeCategory, validated_data: dict[str, Any]) -> KnowledgeCategory:
        return services.update_category(
            instance,
            by=acting_user(self.context["request"]),
            name=validated_data.get("name", instance.name),
            parent=validated_data.get("parent", instance.parent),
        )


class TranslationSerializer(serializers.ModelSerializer[ArticleTranslation]):
    class Meta:
        model = ArticleTranslation
        fields = ["language", "title", "keywords", "body", "version", "updated_at"]
        read_only_fields = fields


class ArticleSerializer(StrictFieldsMixin, serializers.ModelSerializer[Article]):
    """Read: the article in one language with its figures. Write: settings, and the text of one
    language (``language`` with ``title``/``body``/``keywords``; a new language adds a translation)."""

    language = serializers.ChoiceField(choices=Language.choices, required=False, help_text=_("The language of the text."))
    title = serializers.CharField(max_length=200, required=False)
    keywords = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body = serializers.CharField(required=False, help_text=_("Markdown."))
    body_html = serializers.SerializerMethodField(help_text=_("The text rendered and sanitised."))
    category = serializers.PrimaryKeyRelatedField(queryset=KnowledgeCategory.objects.none(), allow_null=True, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    clients = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(), many=True, required=False, help_text=_("For visibility “clients”.")
    )
    status = serializers.ChoiceField(choices=ArticleStatus.choices, read_only=True)
    translations = TranslationSerializer(many=True, read_only=True)
    helpful_count = serializers.SerializerMethodField()
    unhelpful_count = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "status",
            "visibility",
            "clients",
            "category",
            "language",
            "title",
            "keywords",
            "body",
            "body_html",
            "translations",
            "view_count",
            "helpful_count",
            "unhelpful_count",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "view_count", "published_at", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        scope_queryset(self, "category", KnowledgeCategory.objects.visible_to(user))
        served = access_for(user).client_ids if access_for(user).is_staff_member else frozenset()
        scope_queryset(self, "clients", Organization.objects.clients().filter(pk__in=served))

    def _shown(self, article: Article) -> ArticleTranslation | None:
        shown = getattr(article, "shown_translation", None)
        if shown is None:
            shown = article.translation_for(self.context.get("language", Language.FRENCH))
            article.shown_translation = shown  # type: ignore[attr-defined]
        return shown  # type: ignore[no-any-return]

    @extend_schema_field(serializers.CharField())
    def get_body_html(self, article: Article) -> str:
        shown = self._shown(article)
        return str(render_markdown(shown.body)) if shown else ""

    def get_helpful_count(self, article: Article) -> int:
        return sum(1 for vote in article.votes.all() if vote.helpful)

    def get_unhelpful_count(self, article: Article) -> int:
        return sum(1 for vote in article.votes.all() if not vote.helpful)

    def to_representation(self, instance: Article) -> dict[str, Any]:
        data = super().to_representation(instance)
        shown = self._shown(instance)
        data["language"] = shown.language if shown else None
        data["title"] = shown.title if shown else ""
        data["keywords"] = shown.keywords if shown else ""
        data["body"] = shown.body if shown else ""
        user = _request_user(self)
        access = access_for(user)
        if access.is_staff_member:
            # Only the client companies this caller serves: never another client's name.
            data["clients"] = [pk for pk in data["clients"] if pk in access.client_ids]
            data["deflection_count"] = instance.deflections.count()
        else:
            data.pop("clients", None)
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        text = {"title", "body", "keywords"} & set(attrs)
        if (text or self.instance is None) and "language" not in attrs:
            raise serializers.ValidationError({"language": [_("Say which language the text is in.")]})
        if self.instance is None:
            missing = {name: [_("This field is required.")] for name in ("title", "body") if name not in attrs}
            if missing:
                raise serializers.ValidationError(missing)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Article:
        return services.create_article(by=acting_user(self.context["request"]), **validated_data)

    def update(self, instance: Article, validated_data: dict[str, Any]) -> Article:
        by = acting_user(self.context["request"])
        settings = {name: validated_data[name] for name in ("category", "visibility", "clients") if name in validated_data}
        language = validated_data.get("language")
        text_given = any(name in validated_data for name in ("title", "body", "keywords"))
        if settings or not text_given:
            instance = services.update_article(instance, by=by, **settings)
        saved = None
        if language and text_given:
            current = instance.translations.filter(language=language).first()
            saved = services.save_translation(
                instance,
                by=by,
                language=language,
                title=validated_data.get("title", current.title if current else ""),
                body=validated_data.get("body", current.body if current else ""),
                keywords=validated_data.get("keywords", current.keywords if current else ""),
            )
        instance.refresh_from_db()
        # The answer shows the text just written.
        instance.shown_translation = saved or instance.translation_for(self.context.get("language", Language.FRENCH))  # type: ignore[attr-defined]
        return instance


class ArticleVersionSerializer(serializers.ModelSerializer[ArticleVersion]):
    language = serializers.CharField(source="translation.language", read_only=True)
    author: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ArticleVersion
        fields = ["id", "language", "number", "title", "keywords", "body", "author", "created_at", "note"]
        read_only_fields = fields


class StatusChangeSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=ArticleStatus.choices)


class RestoreSerializer(StrictSerializer):
    version = serializers.IntegerField(help_text=_("The id of the version to bring back."))


class VoteSerializer(StrictSerializer):
    helpful = serializers.BooleanField()


class TicketLinkSerializer(StrictSerializer):
    ticket = serializers.CharField(help_text=_("The ticket's reference, e.g. INC-000123."))
    linked = serializers.BooleanField(default=True, help_text=_("False removes the link."))
