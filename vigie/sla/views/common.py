"""Helpers shared by the SLA configuration pages: which organisations, which object, errors."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import holidays
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language

from vigie.servicedesk.views.common import current_user
from vigie.sla.permissions import readable_organization_ids
from vigie.sla.validation import subdivision_aliases, supported_countries
from vigie.tenancy.models import Organization

ServiceError = (ValidationError, PermissionDenied)


def readable_organizations(request: HttpRequest) -> QuerySet[Organization]:
    """The provider first, then the clients, that this user may read the configuration of."""
    return Organization.objects.filter(pk__in=readable_organization_ids(current_user(request))).order_by("-kind", "name")


def organization_from_query(request: HttpRequest) -> Organization | None:
    """The organisation named by ``?organization=`` if readable; 404 for any other value."""
    raw = request.GET.get("organization", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(readable_organizations(request), pk=int(raw))


def apply_service_error(error: Exception, form: forms.Form, sections: dict[str, list[str]]) -> None:
    """Show what a service refused: on the form's field it names, in the section (ranges,
    targets…) it names, or above the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            if name in form.fields:
                form.add_error(name, messages)
            elif name in sections:
                sections[name].extend(messages)
            else:
                form.add_error(None, messages)
        return
    if isinstance(error, ValidationError):
        form.add_error(None, error.messages)
        return
    raise error


def holiday_language() -> str | None:
    """The ``holidays`` language closest to the page's (fr, en_US…), or the country's own."""
    return {"fr": "fr", "en": "en_US"}.get((get_language() or "").split("-")[0])


def upcoming_holidays(country: str, subdivision: str, *, today: date | None = None) -> list[tuple[date, str]]:
    """The public holidays from today to the end of next year, named in the reader's language."""
    if country not in supported_countries():
        return []
    if subdivision and subdivision not in subdivision_aliases(country):
        subdivision = ""
    today = today or timezone.localdate()
    years = [today.year, today.year + 1]
    language = holiday_language()
    try:
        days = holidays.country_holidays(country, subdiv=subdivision or None, years=years, language=language)
    except (NotImplementedError, KeyError, ValueError):
        days = holidays.country_holidays(country, subdiv=subdivision or None, years=years)
    return sorted((day, str(name)) for day, name in days.items() if day >= today)


def formset_errors(formsets: Iterable[Any]) -> bool:
    return any(not formset.is_valid() for formset in formsets)
