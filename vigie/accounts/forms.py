"""Forms of the user's own account page: profile settings and API tokens."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone known to this machine, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def time_zone_choices() -> list[tuple[str, str]]:
    return [("", str(_("Installation default (%(zone)s)") % {"zone": settings.TIME_ZONE}))] + [
        (name, name.replace("_", " ")) for name in time_zone_names()
    ]


def language_choices() -> list[tuple[str, str]]:
    return [("", str(_("Installation default"))), *((code, str(name)) for code, name in settings.LANGUAGES)]


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=language_choices)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=time_zone_choices,
        help_text=_("Dates and times are shown in this time zone."),
    )

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data["phone"]).strip()
        allowed = set("0123456789+-.() ")
        if phone and (not set(phone) <= allowed or sum(c.isdigit() for c in phone) < 4):
            raise forms.ValidationError(_("Enter a phone number made of digits, spaces and + - . ( )."))
        return phone


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “monitoring integration”."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for a token that does not expire. It stops working at the end of this day."),
    )

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name

    def clean_expires_on(self) -> Any:
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on is not None and expires_on < timezone.localdate():
            raise forms.ValidationError(_("The expiry date cannot be in the past."))
        return expires_on

    def expires_at(self) -> datetime | None:
        """The end of the chosen day, in the user's time zone."""
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on is None:
            return None
        return timezone.make_aware(datetime.combine(expires_on + timedelta(days=1), time.min))
