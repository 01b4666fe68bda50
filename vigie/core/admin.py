"""The Django admin site (superusers only) and the read-only audit trail.

The admin login goes through django-allauth's login, so the rate limits and
two-factor authentication of the normal login also protect the admin site.
"""

from __future__ import annotations

import json
from typing import Any

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from vigie.core.models import AuditEntry

admin.site.site_header = _("Vigie administration")
admin.site.site_title = _("Vigie administration")
admin.site.index_title = _("Installation settings and data")
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The trail can be read, never written: no add, change or delete."""

    list_display = ("at", "actor", "action", "model", "object_repr", "organization")
    list_filter = ("action", "model", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("object_repr", "object_id", "model", "actor__email")
    date_hierarchy = "at"
    list_select_related = ("actor", "organization")
    fields = ("at", "actor", "organization", "action", "model", "object_id", "object_repr", "formatted_changes")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("changes"))
    def formatted_changes(self, entry: AuditEntry) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(entry.changes, indent=2, ensure_ascii=False, sort_keys=True))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
