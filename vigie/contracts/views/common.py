"""Helpers shared by the contracts pages: which clients, which object, how to answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from vigie.contracts.permissions import can_manage, readable_client_ids
from vigie.servicedesk.views.common import current_user
from vigie.tenancy.models import Organization


def refused_message() -> str:
    return _("Only administrators and service owners can change suppliers, contracts and licences.")


def readable_clients(request: HttpRequest) -> QuerySet[Organization]:
    return Organization.objects.clients().filter(pk__in=readable_client_ids(current_user(request))).order_by("name")


def client_from_query(request: HttpRequest) -> Organization | None:
    """The client named by ``?organization=`` if readable; 404 for any other value."""
    raw = request.GET.get("organization", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(readable_clients(request), pk=int(raw))


def visible(request: HttpRequest, queryset: QuerySet[Any], pk: int) -> Any:
    """The object if this user may read it; 404 otherwise, whoever owns it."""
    return get_object_or_404(queryset.visible_to(current_user(request)).select_related("organization"), pk=pk)  # type: ignore[attr-defined]


def require_manager(request: HttpRequest, organization_id: int) -> None:
    if not can_manage(current_user(request), organization_id):
        raise PermissionDenied(refused_message())


def choose_client(request: HttpRequest, target: str) -> HttpResponse:
    user = current_user(request)
    choices = [org for org in readable_clients(request) if can_manage(user, org.pk)]
    return render(request, "contracts/choose_client.html", {"organizations": choices, "target": target})


def int_param(request: HttpRequest, name: str, default: int | None, *, maximum: int = 3650) -> int | None:
    raw = request.GET.get(name, "")
    if raw.isdigit():
        return min(int(raw), maximum)
    return default
