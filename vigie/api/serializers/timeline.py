"""What hangs under a ticket: replies and internal notes, attachments, and the timeline of events."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.api.base import StrictSerializer
from vigie.api.serializers.common import UserBriefSerializer
from vigie.servicedesk.models import Attachment, Comment, TicketEvent


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    uploaded_by = UserBriefSerializer(read_only=True)
    internal = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "filename",
            "content_type",
            "size",
            "sha256",
            "comment",
            "internal",
            "uploaded_by",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_internal(self, attachment: Attachment) -> bool:
        return attachment.is_internal

    def get_download_url(self, attachment: Attachment) -> str:
        path = reverse(
            "api:ticket-attachment-download",
            kwargs={"ticket_reference": self.context["ticket"].reference, "pk": attachment.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CommentSerializer(serializers.ModelSerializer[Comment]):
    author = UserBriefSerializer(read_only=True)
    internal = serializers.BooleanField(source="is_internal", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "author_email", "body", "internal", "channel", "created_at", "attachments"]
        read_only_fields = fields


class CommentCreateSerializer(StrictSerializer):
    body = serializers.CharField(allow_blank=True, help_text=_("The text of the reply or note."))
    internal = serializers.BooleanField(default=False, help_text=_("An internal note, read only by the provider's staff."))
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=_("Attachments (multipart requests only).")
    )


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.ListField(child=serializers.FileField(), help_text=_("One or more files, each sent as a “file” part."))
    internal = serializers.BooleanField(default=False, help_text=_("Only the provider's staff will see the files."))


class TicketEventSerializer(serializers.ModelSerializer[TicketEvent]):
    actor = UserBriefSerializer(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    internal = serializers.BooleanField(source="is_internal", read_only=True)
    data = serializers.DictField(  # type: ignore[assignment]
        read_only=True, help_text=_("What changed; the keys depend on the kind of event.")
    )

    class Meta:
        model = TicketEvent
        fields = ["id", "at", "actor", "kind", "kind_label", "internal", "comment", "data"]
        read_only_fields = fields
