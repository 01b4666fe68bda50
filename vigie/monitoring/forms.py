"""The staff editor of a check: the fields of its kind, typed; the rules are ``vigie.monitoring.checks``'.

Kind-specific probe settings live in the check's ``options``: the common ones have their own
fields here (``opt_<key>``), anything else is written as JSON in "Other options".
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vigie.catalog.models import BusinessService
from vigie.cmdb.models import ConfigurationItem
from vigie.monitoring.models import AlertSeverity, Check, CheckKind, ScheduleKind
from vigie.monitoring.probes.dns import RECORD_TYPES as PROBE_RECORD_TYPES
from vigie.servicedesk.forms import VigieForm
from vigie.tenancy.models import Organization

COMMON_FIELDS = ("name", "description", "configuration_item", "service", "severity")
HEARTBEAT_FIELDS = ("schedule_kind", "period_seconds", "cron_expression", "schedule_timezone", "grace_seconds", "is_backup")
PROBE_FIELDS = ("target", "interval_seconds", "timeout_seconds", "retries")
PORT_KINDS = frozenset({CheckKind.TCP, CheckKind.TLS})
# The options that have a field of their own, per kind.
OPTION_FIELDS: dict[str, tuple[str, ...]] = {
    CheckKind.HTTP: ("expected_status", "keyword", "max_latency_ms", "follow_redirects"),
    CheckKind.TCP: (),
    CheckKind.ICMP: (),
    CheckKind.TLS: ("warning_days",),
    CheckKind.DNS: ("record_type", "expected"),
    CheckKind.DOMAIN: ("warning_days",),
}
OPTION_PREFIX = "opt_"
RECORD_TYPES = [(value, value) for value in PROBE_RECORD_TYPES]


def fields_for(kind: str) -> tuple[str, ...]:
    """The form fields of a check of ``kind``, in display order."""
    if kind == CheckKind.HEARTBEAT:
        return (*COMMON_FIELDS, *HEARTBEAT_FIELDS)
    port = ("port",) if kind in PORT_KINDS else ()
    options = tuple(OPTION_PREFIX + name for name in OPTION_FIELDS.get(kind, ()))
    return (*COMMON_FIELDS, "target", *port, "interval_seconds", "timeout_seconds", "retries", *options, "options")


class CheckForm(VigieForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    configuration_item = forms.ModelChoiceField(
        label=_("Configuration item"), queryset=ConfigurationItem.objects.none(), required=False, empty_label=_("None")
    )
    service = forms.ModelChoiceField(
        label=_("Business service"), queryset=BusinessService.objects.none(), required=False, empty_label=_("None")
    )
    severity = forms.ChoiceField(
        label=_("Alert severity"),
        choices=AlertSeverity.choices,
        initial=AlertSeverity.CRITICAL,
        help_text=_("The severity of the alert raised when it fails."),
    )
    # Heartbeats
    schedule_kind = forms.ChoiceField(label=_("Schedule"), choices=ScheduleKind.choices, initial=ScheduleKind.PERIOD)
    period_seconds = forms.IntegerField(
        label=_("Period (seconds)"), min_value=1, initial=86400, required=False, help_text=_("86400 = once a day.")
    )
    cron_expression = forms.CharField(
        label=_("Cron expression"), max_length=100, required=False, help_text=_("For example 30 2 * * * (every day at 2:30).")
    )
    schedule_timezone = forms.CharField(label=_("Time zone"), max_length=64, initial="Europe/Paris", required=False)
    grace_seconds = forms.IntegerField(
        label=_("Grace period (seconds)"),
        min_value=0,
        initial=3600,
        help_text=_("How long after the expected time the check waits before it is late, then down."),
    )
    is_backup = forms.BooleanField(
        label=_("Backup job"), required=False, help_text=_("A backup job also records its restore tests.")
    )
    # Probes
    target = forms.CharField(label=_("Target"), max_length=500, help_text=_("An address (URL), a host name or an IP address."))
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, required=False)
    interval_seconds = forms.IntegerField(label=_("Interval (seconds)"), min_value=1, initial=300)
    timeout_seconds = forms.FloatField(label=_("Timeout (seconds)"), min_value=0.1, initial=10.0)
    retries = forms.IntegerField(
        label=_("Retries"),
        min_value=0,
        max_value=100,
        initial=2,
        help_text=_("Failed runs in a row, after the first, before the check is down."),
    )
    opt_expected_status = forms.IntegerField(
        label=_("Expected HTTP status"), min_value=100, max_value=599, required=False, help_text=_("Empty: any 2xx or 3xx.")
    )
    opt_keyword = forms.CharField(label=_("Keyword expected in the page"), max_length=200, required=False)
    opt_max_latency_ms = forms.IntegerField(
        label=_("Slowest acceptable answer (ms)"), min_value=1, required=False, help_text=_("Slower is a failure.")
    )
    opt_follow_redirects = forms.BooleanField(label=_("Follow redirects"), required=False, initial=True)
    opt_warning_days = forms.IntegerField(
        label=_("Warn this many days before expiry"), min_value=1, max_value=365, required=False
    )
    opt_record_type = forms.ChoiceField(label=_("Record type"), choices=RECORD_TYPES, initial="A", required=False)
    opt_expected = forms.CharField(
        label=_("Expected values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; empty: any answer will do."),
    )
    options = forms.CharField(
        label=_("Other options (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_("Further kind-specific settings as a JSON object; see the documentation."),
    )

    def __init__(self, *args: Any, organization: Organization, kind: str, check: Check | None = None, **kwargs: Any) -> None:
        if check is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(check)
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.kind = kind
        wanted = fields_for(kind)
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        self.order_fields(wanted)
        item_field: Any = self.fields["configuration_item"]
        item_field.queryset = ConfigurationItem.objects.filter(organization=organization).order_by("name")
        service_field: Any = self.fields["service"]
        service_field.queryset = BusinessService.objects.filter(organization=organization).order_by("name")
        if kind == CheckKind.HTTP and "opt_follow_redirects" in self.fields and check is None and not self.is_bound:
            self.fields["opt_follow_redirects"].initial = True

    def clean_options(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("options") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as error:
            raise ValidationError(_("This is not valid JSON.")) from error
        if not isinstance(value, dict):
            raise ValidationError(_('Write a JSON object: {"key": value}.'))
        return value

    def service_values(self) -> dict[str, Any]:
        """The fields as ``create_check``/``update_check`` take them."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name in self.fields:
            if name.startswith(OPTION_PREFIX) or name == "options":
                continue
            value = data.get(name)
            if name == "period_seconds" and value is None:
                continue
            if name == "schedule_timezone" and not value:
                value = "Europe/Paris"
            values[name] = value
        if self.kind != CheckKind.HEARTBEAT:
            values["options"] = self._options()
        return values

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = dict(self.cleaned_data.get("options") or {})
        for key in OPTION_FIELDS.get(self.kind, ()):
            value = self.cleaned_data.get(OPTION_PREFIX + key)
            if key == "expected":
                lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
                if lines:
                    options[key] = lines
                continue
            if key == "follow_redirects":
                options[key] = bool(value)
                continue
            if value not in (None, ""):
                options[key] = value
        return options

    def apply_error(self, error: ValidationError) -> None:
        """Show what the service refused on the field it names (an option on its own field)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for name, messages in error.message_dict.items():
            option = name.removeprefix("options.").removeprefix("options__")
            if name in self.fields and name != "__all__":
                self.add_error(name, messages)
            elif OPTION_PREFIX + option in self.fields:
                self.add_error(OPTION_PREFIX + option, messages)
            elif name.startswith("options") and "options" in self.fields:
                self.add_error("options", messages)
            else:
                self.add_error(None, messages)


def initial_of(check: Check) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: getattr(check, name)
        for name in (*COMMON_FIELDS, *HEARTBEAT_FIELDS, *PROBE_FIELDS, "port")
        if name != "configuration_item"
    }
    initial["configuration_item"] = check.configuration_item_id
    initial["service"] = check.service_id
    options = dict(check.options or {})
    for key in OPTION_FIELDS.get(check.kind, ()):
        if key in options:
            value = options.pop(key)
            initial[OPTION_PREFIX + key] = "\n".join(map(str, value)) if isinstance(value, list) else value
    initial["options"] = json.dumps(options, ensure_ascii=False) if options else ""
    return initial
