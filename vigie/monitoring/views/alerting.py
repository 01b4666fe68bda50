"""Staff pages of alerting: maintenance windows, notification channels, each client's alert
policy, acknowledging an alert. Provider staff serving the client only; anything else is a 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.monitoring.alerting import maintenance
from vigie.monitoring.alerting import services as alerting_services
from vigie.monitoring.alerting.forms import AlertPolicyForm, MaintenanceWindowForm, NotificationChannelForm
from vigie.monitoring.models import Alert, MaintenanceWindow, NotificationChannel
from vigie.monitoring.models.visibility import staff_organizations
from vigie.monitoring.notify import channels as channel_services
from vigie.monitoring.permissions import configurable_clients, serves
from vigie.servicedesk.views.common import staff_required
from vigie.tenancy.models import Organization


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def served_clients(user: Any) -> QuerySet[Organization]:
    return configurable_clients(user).active().order_by("name")


def _windows(request: HttpRequest) -> QuerySet[MaintenanceWindow]:
    condition = staff_organizations(request.user)
    queryset = MaintenanceWindow.objects.all() if condition is None else MaintenanceWindow.objects.filter(condition)
    return queryset.select_related("organization", "configuration_item", "service")


def _apply_errors(form: Any, error: ValidationError) -> None:
    for field, problems in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@staff_required
def maintenance_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        (window, maintenance.next_occurrences(window, now, count=1))
        for window in _windows(request).order_by("organization__name", "starts_at")[:500]
    ]
    return render(request, "monitoring/maintenance_list.html", {"rows": rows, "now": now})


def _window_form(request: HttpRequest, window: MaintenanceWindow | None) -> HttpResponse:
    user = _user(request)
    form = MaintenanceWindowForm(request.POST or None, instance=window, organizations=served_clients(user))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "organization"}
        try:
            if window is None:
                alerting_services.create_window(by=user, organization=form.cleaned_data["organization"], **values)
            else:
                alerting_services.update_window(window, by=user, **values)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Maintenance window saved."))
            return redirect("monitoring:maintenance_list")
    return render(request, "monitoring/maintenance_form.html", {"form": form, "window": window, "zone": settings.TIME_ZONE})


@staff_required
def maintenance_create(request: HttpRequest) -> HttpResponse:
    return _window_form(request, None)


@staff_required
def maintenance_edit(request: HttpRequest, window_id: int) -> HttpResponse:
    return _window_form(request, get_object_or_404(_windows(request), pk=window_id))


@staff_required
def maintenance_delete(request: HttpRequest, window_id: int) -> HttpResponse:
    window = get_object_or_404(_windows(request), pk=window_id)
    if request.method == "POST":
        alerting_services.delete_window(window, by=_user(request))
        messages.success(request, _("Maintenance window deleted."))
        return redirect("monitoring:maintenance_list")
    return render(request, "monitoring/confirm_delete.html", {"object": window, "cancel": "monitoring:maintenance_list"})


def _channels(request: HttpRequest) -> QuerySet[NotificationChannel]:
    return NotificationChannel.objects.visible_to(request.user).select_related("organization", "escalation_channel")


@staff_required
def channel_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "monitoring/channel_list.html", {"channels": _channels(request).order_by("organization__name", "name")[:500]}
    )


def _channel_form(request: HttpRequest, channel: NotificationChannel | None) -> HttpResponse:
    user = _user(request)
    form = NotificationChannelForm(request.POST or None, instance=channel, organizations=served_clients(user))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "organization"}
        try:
            if channel is None:
                channel_services.create_channel(by=user, organization=form.cleaned_data["organization"], **values)
            else:
                channel_services.update_channel(channel, by=user, **values)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Notification channel saved."))
            return redirect("monitoring:channel_list")
    return render(request, "monitoring/channel_form.html", {"form": form, "channel": channel})


@staff_required
def channel_create(request: HttpRequest) -> HttpResponse:
    return _channel_form(request, None)


@staff_required
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    return _channel_form(request, get_object_or_404(_channels(request), pk=channel_id))


@staff_required
def channel_delete(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(_channels(request), pk=channel_id)
    if request.method == "POST":
        channel_services.delete_channel(channel, by=_user(request))
        messages.success(request, _("Notification channel deleted."))
        return redirect("monitoring:channel_list")
    return render(request, "monitoring/confirm_delete.html", {"object": channel, "cancel": "monitoring:channel_list"})


@staff_required
def channel_test(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(_channels(request), pk=channel_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    problem = channel_services.send_test(channel, by=_user(request))
    if problem:
        messages.error(request, _("The test message was not sent: %(reason)s") % {"reason": problem})
    else:
        messages.success(request, _("Test message sent to “%(name)s”.") % {"name": channel.name})
    return redirect("monitoring:channel_list")


@staff_required
def alert_policy(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = get_object_or_404(served_clients(request.user), pk=organization_id)
    policy = alerting_services.policy_of(organization)
    form = AlertPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            alerting_services.update_policy(policy, by=_user(request), **{n: form.cleaned_data[n] for n in form.Meta.fields})
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Alert policy saved."))
            return redirect("monitoring:alert_policy", organization_id=organization.pk)
    return render(request, "monitoring/alert_policy.html", {"form": form, "organization": organization})


@staff_required
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.visible_to(request.user), pk=alert_id)
    if not serves(request.user, alert.organization_id):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        alerting_services.acknowledge_alert(alert, by=_user(request))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("Alert acknowledged: it will not be escalated."))
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/desk/") else "monitoring:overview")
