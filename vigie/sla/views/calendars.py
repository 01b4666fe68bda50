"""Business calendars: the editor (ranges by weekday, closures, holiday region with a preview),
its htmx pieces (a new range or closure row, the region list and preview), and deletion."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.sla import services
from vigie.sla.forms import (
    CLOSURES_PREFIX,
    DEFAULT_RANGES,
    RANGES_PREFIX,
    CalendarForm,
    ClosureFormSet,
    RangeFormSet,
    blank_row,
    closure_initial,
    kept_forms,
    range_initial,
)
from vigie.sla.models import BusinessCalendar
from vigie.sla.permissions import can_manage_calendars, readable_organization_ids
from vigie.sla.views.common import (
    ServiceError,
    apply_service_error,
    organization_from_query,
    readable_organizations,
    upcoming_holidays,
)
from vigie.tenancy.models import Organization


def visible_calendar(request: HttpRequest, calendar_id: int) -> BusinessCalendar:
    """The calendar if this user may read it; 404 otherwise, whoever owns it."""
    user = current_user(request)
    calendars = BusinessCalendar.objects.visible_to(user).filter(organization_id__in=readable_organization_ids(user))
    return get_object_or_404(calendars.select_related("organization"), pk=calendar_id)


def _with_added_row(request: HttpRequest, prefix: str) -> Any:
    """The posted data with one more (blank) row in a formset: “Add” without JavaScript."""
    data = request.POST.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        data[key] = str(int(data.get(key, "0")) + 1)
    except ValueError:
        data[key] = "1"
    return data


def _forms(request: HttpRequest, calendar: BusinessCalendar | None) -> tuple[CalendarForm, Any, Any]:
    if request.method == "POST":
        data: Any = request.POST
        adding = request.POST.get("add", "")
        if adding in (RANGES_PREFIX, CLOSURES_PREFIX):
            data = _with_added_row(request, adding)
        return (
            CalendarForm(data),
            RangeFormSet(data, prefix=RANGES_PREFIX),
            ClosureFormSet(data, prefix=CLOSURES_PREFIX),
        )
    if calendar is None:
        return CalendarForm(), RangeFormSet(initial=DEFAULT_RANGES, prefix=RANGES_PREFIX), ClosureFormSet(prefix=CLOSURES_PREFIX)
    initial = {
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "is_24x7": calendar.is_24x7,
        "holiday_country": calendar.holiday_country,
        "holiday_subdivision": calendar.holiday_subdivision,
    }
    return (
        CalendarForm(initial=initial),
        RangeFormSet(initial=range_initial(calendar), prefix=RANGES_PREFIX),
        ClosureFormSet(initial=closure_initial(calendar), prefix=CLOSURES_PREFIX),
    )


def _render(
    request: HttpRequest,
    *,
    organization: Organization,
    calendar: BusinessCalendar | None,
    forms: tuple[CalendarForm, Any, Any],
    can_edit: bool,
    sections: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    form, ranges, closures = forms
    country = form.current_country()
    subdivision = (
        str(form.data.get("holiday_subdivision", "")) if form.is_bound else str(form.initial.get("holiday_subdivision", ""))
    )
    context = {
        "organization": organization,
        "calendar": calendar,
        "form": form,
        "ranges": ranges,
        "closures": closures,
        "can_edit": can_edit,
        "section_errors": sections or {RANGES_PREFIX: [], CLOSURES_PREFIX: []},
        "holidays": upcoming_holidays(country, subdivision),
    }
    return render(request, "sla/calendar_form.html", context, status=status)


def _save(request: HttpRequest, organization: Organization, calendar: BusinessCalendar | None) -> HttpResponse:
    forms = _forms(request, calendar)
    form, ranges, closures = forms
    can_edit = True
    if request.POST.get("add") in (RANGES_PREFIX, CLOSURES_PREFIX):
        return _render(request, organization=organization, calendar=calendar, forms=forms, can_edit=can_edit)
    sections: dict[str, list[str]] = {RANGES_PREFIX: [], CLOSURES_PREFIX: []}
    valid = all([form.is_valid(), ranges.is_valid(), closures.is_valid()])
    if valid:
        values = form.cleaned_data
        fields = {
            "name": values["name"],
            "time_zone": values["time_zone"],
            "is_24x7": values["is_24x7"],
            "holiday_country": values["holiday_country"],
            "holiday_subdivision": values["holiday_subdivision"],
        }
        range_specs = [f.spec() for f in kept_forms(ranges)]
        closure_specs = [f.spec() for f in kept_forms(closures)]
        user = current_user(request)
        try:
            if calendar is None:
                saved = services.create_calendar(
                    by=user, organization=organization, ranges=range_specs, closures=closure_specs, **fields
                )
                messages.success(request, _("Calendar “%(name)s” created.") % {"name": saved.name})
            else:
                saved = services.update_calendar(calendar, by=user, ranges=range_specs, closures=closure_specs, **fields)
                messages.success(request, _("Calendar “%(name)s” saved.") % {"name": saved.name})
        except ServiceError as error:
            apply_service_error(error, form, sections)
        else:
            return redirect("sla:calendar_edit", calendar_id=saved.pk)
    return _render(
        request, organization=organization, calendar=calendar, forms=forms, can_edit=can_edit, sections=sections, status=INVALID
    )


@staff_required
def calendar_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    organization = organization_from_query(request)
    user = current_user(request)
    if organization is None:
        choices = [org for org in readable_organizations(request) if can_manage_calendars(user, org.pk)]
        return render(request, "sla/choose_organization.html", {"organizations": choices, "target": "sla:calendar_create"})
    if not can_manage_calendars(user, organization.pk):
        raise PermissionDenied(_("Only the provider's administrators can change business calendars."))
    if request.method == "POST":
        return _save(request, organization, None)
    return _render(request, organization=organization, calendar=None, forms=_forms(request, None), can_edit=True)


@staff_required
def calendar_edit(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = visible_calendar(request, calendar_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    can_edit = can_manage_calendars(current_user(request), calendar.organization_id)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the provider's administrators can change business calendars."))
        return _save(request, calendar.organization, calendar)
    return _render(
        request, organization=calendar.organization, calendar=calendar, forms=_forms(request, calendar), can_edit=can_edit
    )


@staff_required
def calendar_delete(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = visible_calendar(request, calendar_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    if not can_manage_calendars(current_user(request), calendar.organization_id):
        raise PermissionDenied(_("Only the provider's administrators can change business calendars."))
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.delete_calendar(calendar, by=current_user(request))
        except ServiceError as error:
            errors = list(getattr(error, "messages", [str(error)]))
        else:
            messages.success(request, _("Calendar “%(name)s” deleted.") % {"name": calendar.name})
            return redirect("sla:overview")
    context = {
        "object": calendar,
        "message": _("The calendar “%(name)s” will be deleted.") % {"name": calendar.name},
        "errors": errors,
        "users": services.calendar_users(calendar),
        "cancel_url": calendar_edit_url(calendar),
    }
    return render(request, "sla/confirm_delete.html", context, status=INVALID if errors else 200)


def calendar_edit_url(calendar: BusinessCalendar) -> str:
    from django.urls import reverse

    return reverse("sla:calendar_edit", kwargs={"calendar_id": calendar.pk})


# --- htmx pieces ------------------------------------------------------------------------------------


def _next_index(request: HttpRequest, prefix: str) -> int:
    raw = request.GET.get(f"{prefix}-TOTAL_FORMS", "0")
    if not raw.isdigit() or int(raw) > 500:
        raise Http404
    return int(raw)


@staff_required
def range_row(request: HttpRequest) -> HttpResponse:
    """A blank opening range row, and the formset's new row count (out of band)."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    index = _next_index(request, RANGES_PREFIX)
    weekday = request.GET.get("weekday", "0")
    form = blank_row(RangeFormSet, RANGES_PREFIX, index, initial={"weekday": int(weekday) if weekday.isdigit() else 0})
    context = {"form": form, "prefix": RANGES_PREFIX, "total": index + 1, "can_edit": True}
    return render(request, "sla/partials/_range_row.html", context)


@staff_required
def closure_row(request: HttpRequest) -> HttpResponse:
    """A blank closure row, and the formset's new row count (out of band)."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    index = _next_index(request, CLOSURES_PREFIX)
    form = blank_row(ClosureFormSet, CLOSURES_PREFIX, index)
    context = {"form": form, "prefix": CLOSURES_PREFIX, "total": index + 1, "can_edit": True}
    return render(request, "sla/partials/_closure_row.html", context)


@staff_required
def holidays_preview(request: HttpRequest) -> HttpResponse:
    """The region list of the chosen country and the coming public holidays of the region."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    data = request.GET.copy()
    form = CalendarForm(data)
    country = form.current_country()
    region_widget: Any = form.fields["holiday_subdivision"].widget
    known_regions = {code for code, _label in region_widget.choices}
    subdivision = str(data.get("holiday_subdivision", ""))
    if subdivision not in known_regions:
        data["holiday_subdivision"] = ""
        form = CalendarForm(data)
        subdivision = ""
    context = {"form": form, "holidays": upcoming_holidays(country, subdivision), "can_edit": True}
    return render(request, "sla/partials/_holidays.html", context)
