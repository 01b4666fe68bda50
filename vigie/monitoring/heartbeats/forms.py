"""The staff form that records a restore test of a backup check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vigie.monitoring.models import RestoreResult


class RestoreTestForm(forms.Form):
    performed_on = forms.DateField(label=_("Performed on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    result = forms.ChoiceField(label=_("Result"), choices=RestoreResult.choices)
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was restored, where, and how it was checked (or a link to the report)."),
    )
