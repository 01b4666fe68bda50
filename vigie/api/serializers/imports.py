"""History imports: the report of a run, and what starting one takes (a CSV file and its mapping)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from vigie.api.base import StrictSerializer
from vigie.api.serializers.common import OrganizationBriefSerializer, UserBriefSerializer
from vigie.servicedesk.importing.service import rejected_count, rejected_lines, was_interrupted
from vigie.servicedesk.models import TicketImport


class ImportProblemSerializer(serializers.Serializer[dict[str, Any]]):
    line = serializers.IntegerField(allow_null=True, help_text=_("Line of the file (where the row starts); null for the run."))
    level = serializers.ChoiceField(
        choices=["error", "warning", "fatal"],
        help_text=_("error: the row was rejected; warning: it went in, with a value left empty; fatal: the run stopped."),
    )
    message = serializers.CharField()
    reference = serializers.CharField(required=False, help_text=_("The ticket's reference in the file."))
    field = serializers.CharField(required=False, help_text=_("The ticket field at fault, as named in the mapping."))
    column = serializers.CharField(required=False, help_text=_("The column of the file."))
    lines = serializers.IntegerField(required=False, help_text=_("How many rows share this warning (from this line on)."))


class TicketImportSerializer(serializers.ModelSerializer[TicketImport]):
    organization = OrganizationBriefSerializer(read_only=True)
    by = UserBriefSerializer(read_only=True)
    rejected = serializers.SerializerMethodField(help_text=_("Rows that did not go in."))
    rejected_lines = serializers.SerializerMethodField(help_text=_("Line numbers of the rejected rows."))
    interrupted = serializers.SerializerMethodField(help_text=_("The run stopped while writing (see the fatal problem)."))
    dry_run = serializers.SerializerMethodField(help_text=_("A check only: nothing was written and the report is not kept."))
    problems = ImportProblemSerializer(
        source="errors", many=True, read_only=True, help_text=_("Rejected rows with their reasons, warnings, and a fatal stop.")
    )

    class Meta:
        model = TicketImport
        fields = [
            "id",
            "organization",
            "by",
            "filename",
            "started_at",
            "finished_at",
            "dry_run",
            "rows",
            "created",
            "updated",
            "rejected",
            "rejected_lines",
            "interrupted",
            "problems",
        ]
        read_only_fields = fields

    def get_rejected(self, report: TicketImport) -> int:
        return rejected_count(report)

    def get_rejected_lines(self, report: TicketImport) -> list[int]:
        return rejected_lines(report)

    def get_interrupted(self, report: TicketImport) -> bool:
        return was_interrupted(report)

    def get_dry_run(self, report: TicketImport) -> bool:
        return report.pk is None


class TicketImportCreateSerializer(StrictSerializer):
    file = serializers.FileField(help_text=_("The CSV file exported by the previous tool, one row per ticket."))
    organization = serializers.CharField(help_text=_("The client company: its id or its short name (slug)."))
    mapping = serializers.CharField(
        required=False, trim_whitespace=False, help_text=_("The YAML mapping, as text (or send mapping_file).")
    )
    mapping_file = serializers.FileField(required=False, help_text=_("The YAML mapping, as a file (or send mapping)."))
    dry_run = serializers.BooleanField(default=False, help_text=_("Check everything and report, but write nothing."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("mapping" in attrs) == ("mapping_file" in attrs):
            raise serializers.ValidationError(
                {"mapping": [_("Send the mapping either as text (mapping) or as a file (mapping_file).")]}
            )
        return attrs
