"""Admin of the service desk: the editable priority matrix and categories, and a read-only
view of tickets and their parts (tickets change only through the services, so that the
workflow, the timeline and the notifications stay consistent)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigie.servicedesk import numbering
from vigie.servicedesk.models import (
    Attachment,
    Category,
    Comment,
    PriorityMatrixCell,
    SatisfactionSurvey,
    Ticket,
    TicketCounter,
    TicketEmailLink,
    TicketEvent,
    TicketImport,
)


class ReadOnlyAdminMixin:
    """Viewable by superusers; never added or changed here. Deletion stays possible
    (e.g. to erase personal data) where ``allow_delete`` is set."""

    allow_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and bool(getattr(request.user, "is_superuser", False))


@admin.register(PriorityMatrixCell)
class PriorityMatrixCellAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The impact × urgency → priority matrix: edit the priority of each cell in the list."""

    list_display = ("__str__", "impact", "urgency", "priority")
    list_editable = ("priority",)
    list_filter = ("impact", "urgency", "priority")
    ordering = ("impact", "urgency")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every cell must stay: a ticket's priority is read from it


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("full_name", "parent", "default_group", "is_active")
    list_filter = ("is_active", ("default_group", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "full_name")
    autocomplete_fields = ("parent", "default_group")
    list_select_related = ("parent", "default_group")
    readonly_fields = ("full_name", "created_at", "updated_at")


class CommentInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Comment
    extra = 0
    fields = ("created_at", "author", "author_email", "is_internal", "channel", "body")
    readonly_fields = fields
    show_change_link = True


class TicketEventInline(ReadOnlyAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = TicketEvent
    extra = 0
    fields = ("at", "actor", "kind", "is_internal", "data")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    allow_delete = True
    list_display = ("reference", "title", "organization", "type", "status", "priority", "assignee", "group", "created_at")
    list_filter = (
        "type",
        "status",
        "priority",
        "channel",
        ("organization", admin.RelatedOnlyFieldListFilter),
        ("group", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("reference", "title", "requester__email", "organization__name")
    date_hierarchy = "created_at"
    list_select_related = ("organization", "assignee", "group")
    raw_id_fields = ("organization", "category", "requester", "site", "assignee", "group", "watchers")
    exclude = ("search_text",)
    inlines = (CommentInline, TicketEventInline)
    show_full_result_count = False


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    allow_delete = True
    list_display = ("ticket", "author", "author_email", "is_internal", "channel", "created_at")
    list_filter = ("is_internal", "channel")
    search_fields = ("ticket__reference", "author__email", "author_email")
    raw_id_fields = ("ticket", "author")
    list_select_related = ("ticket", "author")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    allow_delete = True
    list_display = ("filename", "ticket", "content_type", "size", "uploaded_by", "created_at")
    list_filter = ("content_type",)
    search_fields = ("filename", "ticket__reference", "sha256")
    raw_id_fields = ("ticket", "comment", "uploaded_by")
    list_select_related = ("ticket", "uploaded_by")
    show_full_result_count = False


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("ticket", "at", "actor", "kind", "is_internal")
    list_filter = ("kind", "is_internal")
    search_fields = ("ticket__reference", "actor__email")
    raw_id_fields = ("ticket", "actor", "comment")
    list_select_related = ("ticket", "actor")
    show_full_result_count = False


@admin.register(TicketEmailLink)
class TicketEmailLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("message_id", "ticket", "created_at")
    search_fields = ("message_id", "ticket__reference")
    raw_id_fields = ("ticket",)
    list_select_related = ("ticket",)


@admin.register(TicketCounter)
class TicketCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("type", "last_number_handed_out")

    @admin.display(description=_("last number handed out"))
    def last_number_handed_out(self, counter: TicketCounter) -> int:
        return numbering.last_number(counter.type)


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["ticket", "email", "sent_at", "rating", "answered_at", "withdrawn_at"]
    list_filter = ["rating"]
    search_fields = ["ticket__reference", "email"]
    raw_id_fields = ["ticket", "recipient"]


@admin.register(TicketImport)
class TicketImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["filename", "organization", "started_at", "rows", "created", "updated"]
    list_filter = ["organization"]
