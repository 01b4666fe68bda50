"""The e-mail records in Django's admin: the delivery queue and the inbound log (the rejected folder)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigie.notifications.models import InboundEmail, InboundEmailToken, OutboundEmail, OutboundStatus


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "to", "subject", "kind", "status", "attempts", "sent_at")
    list_filter = ("status", "kind", "organization")
    search_fields = ("to", "subject", "message_id")
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    actions = ["send_again"]

    @admin.action(description=_("Send the selected failed e-mails again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        from vigie.notifications.tasks import deliver_email

        failed = list(queryset.filter(status=OutboundStatus.FAILED).values_list("pk", flat=True))
        OutboundEmail.objects.filter(pk__in=failed).update(status=OutboundStatus.QUEUED, attempts=0)
        for email_id in failed:
            deliver_email(email_id)
        self.message_user(request, _("%(count)s e-mails queued again.") % {"count": len(failed)})


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("received_at", "sender", "subject", "organization", "status", "reason_code", "ticket")
    list_filter = ("status", "reason_code", "source", "organization")
    search_fields = ("sender", "subject", "message_id", "reason")
    readonly_fields = [f.name for f in InboundEmail._meta.fields]


@admin.register(InboundEmailToken)
class InboundEmailTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("name", "hint", "created_at", "last_used_at")
