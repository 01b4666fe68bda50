"""Intake sources in the staff interface: per client, create (the token is shown once with the
configuration to paste), rotate, deactivate, and the log of refused deliveries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.monitoring.intake import sources as services
from vigie.monitoring.models import IntakeLog, IntakeSource, SourceKind
from vigie.servicedesk.views.common import allow, current_user, staff_required
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization

LOG_LINES = 50


def served_clients(request: HttpRequest) -> QuerySet[Organization]:
    access = access_for(request.user)
    clients = Organization.objects.clients().filter(is_active=True)
    return (clients if access.is_superuser else clients.filter(pk__in=access.company_wide_client_ids)).order_by("name")


class SourceForm(forms.Form):
    organization = forms.ModelChoiceField(label=gettext_lazy("Client"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Sending tool"), choices=SourceKind.choices)
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("e.g. “Prometheus of the head office”.")
    )

    def __init__(self, *args: Any, clients: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = clients


def visible_source(request: HttpRequest, source_id: int) -> IntakeSource:
    return get_object_or_404(IntakeSource.objects.visible_to(request.user).select_related("organization"), pk=source_id)


def _token_page(request: HttpRequest, source: IntakeSource, token: str, *, rotated: bool) -> HttpResponse:
    site_url = request.build_absolute_uri("/")
    context = {
        "source": source,
        "token": token,
        "rotated": rotated,
        "endpoint": services.endpoint_url(site_url, source.kind),
        "snippets": services.snippets(source, token, site_url),
    }
    response = render(request, "monitoring/source_token.html", context)
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def source_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    clients = served_clients(request)
    sources = IntakeSource.objects.visible_to(request.user).select_related("organization")
    organization = None
    if request.GET.get("organization", "").isdigit():
        organization = clients.filter(pk=int(request.GET["organization"])).first()
        sources = sources.filter(organization=organization) if organization else sources.none()
    refusals = IntakeLog.objects.filter(source__in=sources).select_related("source", "source__organization")[:LOG_LINES]
    context = {
        "sources": sources.order_by("organization__name", "kind", "name"),
        "clients": clients,
        "organization": organization,
        "refusals": refusals,
    }
    return render(request, "monitoring/source_list.html", context)


@staff_required
def source_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    clients = served_clients(request)
    if request.method == "POST":
        form = SourceForm(request.POST, clients=clients)
        if form.is_valid():
            source, token = services.create_source(by=current_user(request), **form.cleaned_data)
            return _token_page(request, source, token, rotated=False)
        return render(request, "monitoring/source_form.html", {"form": form}, status=422)
    initial = {"organization": request.GET.get("organization"), "kind": request.GET.get("kind")}
    return render(request, "monitoring/source_form.html", {"form": SourceForm(initial=initial, clients=clients)})


@staff_required
def source_detail(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source(request, source_id)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    context = {
        "source": source,
        "endpoint": services.endpoint_url(request.build_absolute_uri("/"), source.kind),
        "refusals": source.logs.all()[:LOG_LINES],
        "firing": source.alerts.filter(status="firing").count(),
    }
    return render(request, "monitoring/source_detail.html", context)


@staff_required
def source_rotate(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source(request, source_id)
    if refused := allow(request, "POST"):
        return refused
    if not source.is_active:
        raise Http404
    token = services.rotate_source_token(source, by=current_user(request))
    return _token_page(request, source, token, rotated=True)


@staff_required
def source_deactivate(request: HttpRequest, source_id: int) -> HttpResponse:
    source = visible_source(request, source_id)
    if refused := allow(request, "POST"):
        return refused
    services.deactivate_source(source, by=current_user(request))
    messages.success(request, _("The source is deactivated: its token is refused from now on."))
    return redirect("monitoring:source_detail", source_id=source.pk)
