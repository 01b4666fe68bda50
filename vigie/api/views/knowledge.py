"""Knowledge articles and categories.

Read: provider staff see the articles of their provider that are internal, for every client, or
for a client they serve (whatever their status); a client's user sees the published articles for
every client or for their company. Another article is a 404. Write: provider staff create drafts
and change drafts; administrators and service owners publish, archive, delete and change any
article, and manage the categories. ``?q=`` searches (ranked, in the caller's language);
``suggestions/?for=text`` gives the five published articles that best match a text.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from vigie.api.base import EmptySerializer, acting_user
from vigie.api.filters import FILTER_BACKENDS
from vigie.api.serializers.knowledge import (
    ArticleSerializer,
    ArticleVersionSerializer,
    KnowledgeCategorySerializer,
    RestoreSerializer,
    StatusChangeSerializer,
    TicketLinkSerializer,
    VoteSerializer,
)
from vigie.knowledge import permissions as knowledge_permissions
from vigie.knowledge import services
from vigie.knowledge.models import Article, ArticleStatus, ArticleVersion, KnowledgeCategory, Language, Visibility
from vigie.knowledge.reading import Row, reader_language, rows_of, search, suggestions
from vigie.servicedesk.models import Ticket

LANGUAGE_PARAMETER = OpenApiParameter(
    "language", OpenApiTypes.STR, enum=["fr", "en"], description=_("The language to read (else the caller's).")
)


class CategoryPermission(permissions.BasePermission):
    message = _("Only administrators and service owners can change the categories.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return knowledge_permissions.can_manage_categories(request.user)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return request.method in permissions.SAFE_METHODS or knowledge_permissions.can_manage_categories(request.user)


@extend_schema_view(
    list=extend_schema(summary=_("Knowledge categories (parent ids give the tree)")),
    create=extend_schema(summary=_("Create a knowledge category (administrators, service owners)")),
    partial_update=extend_schema(summary=_("Rename or move a knowledge category (administrators, service owners)")),
    destroy=extend_schema(summary=_("Delete a knowledge category without sub-categories")),
)
class KnowledgeCategoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[KnowledgeCategory],
):
    serializer_class = KnowledgeCategorySerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated, CategoryPermission]
    filterset_fields = ["parent"]
    ordering_fields = ["full_name", "name", "created_at"]
    ordering = ["full_name"]
    filter_backends = FILTER_BACKENDS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[KnowledgeCategory]:
        return KnowledgeCategory.objects.visible_to(self.request.user)

    def perform_destroy(self, instance: KnowledgeCategory) -> None:
        services.delete_category(instance, by=acting_user(self.request))


class ArticleFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ArticleStatus.choices)
    visibility = filters.ChoiceFilter(choices=Visibility.choices)
    has_language = filters.ChoiceFilter(
        field_name="translations__language", choices=Language.choices, label=_("Has a translation in")
    )

    class Meta:
        model = Article
        fields = ["status", "visibility", "category"]


class ArticlePermission(permissions.BasePermission):
    """Everyone reads what they see; staff create; the services decide every change of an existing article."""

    message = _("Only the provider's staff can write knowledge articles.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        if getattr(view, "action", None) == "suggestions":
            return True
        return knowledge_permissions.can_write(request.user)


@extend_schema_view(
    list=extend_schema(
        summary=_("Articles the caller can read; ?q= searches (ranked)"),
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description=_("Words to search for.")), LANGUAGE_PARAMETER],
    ),
    retrieve=extend_schema(summary=_("One article, in the caller's language"), parameters=[LANGUAGE_PARAMETER]),
    create=extend_schema(summary=_("Write a new article (a draft)")),
    partial_update=extend_schema(summary=_("Change an article's settings or its text in one language")),
    destroy=extend_schema(summary=_("Delete an article (administrators, service owners)")),
)
class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Article],
):
    serializer_class = ArticleSerializer
    lookup_value_regex = "[0-9]+"
    permission_classes = [permissions.IsAuthenticated, ArticlePermission]
    filterset_class = ArticleFilter
    ordering_fields = ["updated_at", "published_at", "view_count", "created_at"]
    ordering = ["-updated_at"]
    filter_backends = FILTER_BACKENDS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Article]:
        return (
            Article.objects.visible_to(self.request.user)
            .select_related("category")
            .prefetch_related("translations", "votes", "clients")
        )

    def language(self) -> str:
        return reader_language(self.request.query_params.get("language"))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "language": self.language()}

    def _answer_rows(self, rows: list[Row]) -> Response:
        for row in rows:
            row.article.shown_translation = row.translation  # type: ignore[attr-defined]
        page = self.paginate_queryset([row.article for row in rows])  # type: ignore[arg-type]
        serializer = self.get_serializer(page if page is not None else [row.article for row in rows], many=True)
        return self.get_paginated_response(serializer.data) if page is not None else Response(serializer.data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        articles = self.filter_queryset(self.get_queryset())
        query = request.query_params.get("q", "").strip()[:200]
        if query:
            return self._answer_rows(search(articles, query, self.language()))  # type: ignore[arg-type]
        page = self.paginate_queryset(articles)
        listed = page if page is not None else list(articles)
        shown = {row.pk: row.translation for row in rows_of(listed, self.language())}
        for article in listed:
            article.shown_translation = shown.get(article.pk)  # type: ignore[attr-defined]
        serializer = self.get_serializer(listed, many=True)
        return self.get_paginated_response(serializer.data) if page is not None else Response(serializer.data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = self.get_object()
        services.record_view(article)
        return Response(self.get_serializer(article).data)

    def perform_destroy(self, instance: Article) -> None:
        services.delete_article(instance, by=acting_user(self.request))

    @extend_schema(
        summary=_("Up to five published articles matching a text (a ticket being written)"),
        parameters=[OpenApiParameter("for", OpenApiTypes.STR, description=_("The text.")), LANGUAGE_PARAMETER],
        responses=ArticleSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def suggestions(self, request: Request) -> Response:
        text = request.query_params.get("for", "")[:1000]
        rows = suggestions(request.user, text, self.language())
        for row in rows:
            row.article.shown_translation = row.translation  # type: ignore[attr-defined]
        return Response(self.get_serializer([row.article for row in rows], many=True).data)

    @extend_schema(
        summary=_("The versions of the article's text (newest first)"),
        parameters=[OpenApiParameter("language", OpenApiTypes.STR, enum=["fr", "en"], description=_("Only this language."))],
        responses=ArticleVersionSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        if not knowledge_permissions.can_write(request.user):
            raise PermissionDenied(_("Only the provider's staff read the history of an article."))
        versions = ArticleVersion.objects.filter(translation__article=article).select_related("translation")
        language = request.query_params.get("language")
        if language in Language.values:
            versions = versions.filter(translation__language=language)
        return Response(ArticleVersionSerializer(versions.order_by("translation__language", "-number"), many=True).data)

    @extend_schema(
        summary=_("Bring an old version back as the newest one"), request=RestoreSerializer, responses=ArticleSerializer
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        data = RestoreSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not knowledge_permissions.can_edit(request.user, article):
            raise PermissionDenied(_("Only administrators and service owners can change a published article."))
        version = get_object_or_404(ArticleVersion, pk=data.validated_data["version"], translation__article=article)
        translation = services.restore_version(version, by=acting_user(request))
        fresh = self.get_queryset().get(pk=article.pk)
        fresh.shown_translation = translation  # type: ignore[attr-defined]
        return Response(self.get_serializer(fresh).data)

    @extend_schema(
        summary=_("Publish, archive or take back to draft"), request=StatusChangeSerializer, responses=ArticleSerializer
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_status(article, data.validated_data["status"], by=acting_user(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=article.pk)).data)

    @extend_schema(summary=_("Say whether the article helped"), request=VoteSerializer, responses=ArticleSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        data = VoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.vote(article, by=acting_user(request), helpful=data.validated_data["helpful"])
        return Response(self.get_serializer(self.get_queryset().get(pk=article.pk)).data)

    @extend_schema(
        summary=_("Say that this article solved a ticket (provider staff)"),
        request=TicketLinkSerializer,
        responses=EmptySerializer,
    )
    @action(detail=True, methods=["post"])
    def tickets(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        data = TicketLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        ticket = Ticket.objects.visible_to(user).filter(reference=data.validated_data["ticket"].strip().upper()).first()
        if ticket is None:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"ticket": [_("Unknown ticket.")]})
        if data.validated_data["linked"]:
            services.link_ticket(article, ticket, by=user)
        else:
            services.unlink_ticket(article, ticket, by=user)
        return Response(status=204)
