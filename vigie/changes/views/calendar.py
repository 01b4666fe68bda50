"""The change calendar (month or week, as a list of days), freeze periods, and the iCal feed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.changes import config, feeds, permissions, planning
from vigie.changes.forms import FreezeForm
from vigie.changes.models import Change, ChangeStatus, FreezePeriod
from vigie.changes.views.changes import served_clients
from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.tenancy.models import Organization

HIDDEN_STATUSES = (ChangeStatus.DRAFT, ChangeStatus.REJECTED, ChangeStatus.CANCELLED)


def _period(view: str, anchor: date) -> tuple[date, date, date, date]:
    """First and last day shown, and the anchors of the previous and next periods."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(days=7)
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return first, following - timedelta(days=1), previous, following


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@staff_required
def calendar(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    view = "week" if request.GET.get("view") == "week" else "month"
    try:
        anchor = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else timezone.localdate()
    except ValueError:
        anchor = timezone.localdate()
    first, last, previous, following = _period(view, anchor)
    start, end = _aware(first), _aware(last + timedelta(days=1))
    changes = list(
        Change.objects.visible_to(user)
        .exclude(status__in=HIDDEN_STATUSES)
        .overlapping(start, end)
        .for_list()
        .order_by("planned_start")
    )
    freezes = list(FreezePeriod.objects.visible_to(user).overlapping(start, end).select_related("organization"))
    conflicting = planning.conflicting_ids(changes)
    days: list[dict[str, Any]] = []
    day = first
    while day <= last:
        day_start, day_end = _aware(day), _aware(day + timedelta(days=1))
        days.append(
            {
                "date": day,
                "changes": [c for c in changes if c.planned_start < day_end and c.planned_end > day_start],  # type: ignore[operator]
                "freezes": [f for f in freezes if f.starts_at < day_end and f.ends_at > day_start],
            }
        )
        day += timedelta(days=1)
    context = {
        "view": view,
        "first": first,
        "last": last,
        "previous": previous,
        "following": following,
        "days": [d for d in days if d["changes"] or d["freezes"]],
        "conflicting": conflicting,
        "feed_url": request.build_absolute_uri(feeds.feed_path(user)),
    }
    return render(request, "changes/calendar.html", context)


@staff_required
def feed_rotate(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "POST"):
        return refused
    feeds.rotate(current_user(request))
    messages.success(request, _("Your calendar address changed; the old one no longer works."))
    return redirect("changes:calendar")


def ical_feed(request: HttpRequest, feed_token: str) -> HttpResponse:
    """No session needed: the signed token in the URL is the key. Anything else is a 404."""
    if request.method not in ("GET", "HEAD"):
        raise Http404
    user = feeds.user_for(feed_token)
    if user is None:
        raise Http404
    body = feeds.render_for(user, base_url=request.build_absolute_uri("/").rstrip("/"), host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="vigie-changes.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _freeze_organizations(request: HttpRequest) -> Any:
    user = current_user(request)
    ids = [org.pk for org in Organization.objects.providers()] + [org.pk for org in served_clients(request)]
    return Organization.objects.filter(pk__in=[pk for pk in ids if permissions.can_manage(user, pk)]).order_by("-kind", "name")


@staff_required
def freeze_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    user = current_user(request)
    organizations = _freeze_organizations(request)
    form = FreezeForm(request.POST or None, organizations=organizations)
    status = 200
    if request.method == "POST":
        if not permissions.is_change_manager(user):
            raise PermissionDenied(_("Only change managers can change templates and freeze periods."))
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                config.create_freeze(by=user, **data)
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                    for name, found in error.message_dict.items():
                        form.add_error(name if name in form.fields else None, found)
                else:
                    form.add_error(None, str(error))
            else:
                messages.success(request, _("Freeze period created."))
                return redirect("changes:freeze_list")
        status = INVALID
    freezes = FreezePeriod.objects.visible_to(user).select_related("organization").order_by("-starts_at")
    context = {"freezes": freezes, "form": form, "can_manage": organizations.exists()}
    return render(request, "changes/freeze_list.html", context, status=status)


@staff_required
def freeze_delete(request: HttpRequest, freeze_id: int) -> HttpResponse:
    freeze = get_object_or_404(FreezePeriod.objects.visible_to(current_user(request)), pk=freeze_id)
    if refused := allow(request, "POST"):
        return refused
    config.delete_freeze(freeze, by=current_user(request))
    messages.success(request, _("Freeze period deleted."))
    return redirect("changes:freeze_list")
