"""Forms of the alerting pages: they only validate input; services do the writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vigie.catalog.models import BusinessService
from vigie.cmdb.models import ConfigurationItem
from vigie.monitoring.models import AlertPolicy, MaintenanceWindow, NotificationChannel
from vigie.tenancy.models import Organization

if TYPE_CHECKING:
    WindowFormBase = forms.ModelForm[MaintenanceWindow]
    ChannelFormBase = forms.ModelForm[NotificationChannel]
    PolicyFormBase = forms.ModelForm[AlertPolicy]
else:  # Django's ModelForm is not subscriptable at run time
    WindowFormBase = ChannelFormBase = PolicyFormBase = forms.ModelForm

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MaintenanceWindowForm(WindowFormBase):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Client"))

    class Meta:
        model = MaintenanceWindow
        fields = ["organization", "name", "configuration_item", "service", "starts_at", "ends_at", "recurrence", "repeat_until"]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME, "repeat_until": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["organization"].queryset = organizations
        fields["configuration_item"].queryset = ConfigurationItem.objects.filter(organization__in=organizations).order_by("name")
        fields["service"].queryset = BusinessService.objects.filter(organization__in=organizations).order_by("name")
        if self.instance.pk:
            fields["organization"].disabled = True


class NotificationChannelForm(ChannelFormBase):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Client"))
    apprise_url = forms.CharField(
        label=_("Apprise URL"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("e.g. msteams://..., slack://..., mmost://...; stored encrypted, never shown again. Leave empty to keep it."),
    )

    class Meta:
        model = NotificationChannel
        fields = [
            "organization",
            "name",
            "kind",
            "email_addresses",
            "apprise_url",
            "min_severity",
            "quiet_hours_start",
            "quiet_hours_end",
            "quiet_hours_timezone",
            "critical_during_quiet_hours",
            "escalate_after_minutes",
            "escalation_channel",
            "is_active",
        ]
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}),
            "email_addresses": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["organization"].queryset = organizations
        others = NotificationChannel.objects.filter(organization__in=organizations)
        if self.instance.pk:
            fields["organization"].disabled = True
            others = others.filter(organization_id=self.instance.organization_id).exclude(pk=self.instance.pk)
        fields["escalation_channel"].queryset = others.order_by("name")

    def _post_clean(self) -> None:
        """The service validates; keep the model's own checks out (they know no Apprise)."""


class AlertPolicyForm(PolicyFormBase):
    class Meta:
        model = AlertPolicy
        fields = [
            "open_incidents",
            "incident_min_severity",
            "resolve_on_recovery",
            "reopen_within_days",
            "flapping_changes",
            "flapping_window_minutes",
        ]
