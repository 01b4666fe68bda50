"""Helpers shared by the CMDB pages: which CI, which client, refusals."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from vigie.cmdb.models import ConfigurationItem, RedundancyGroup
from vigie.servicedesk.views.common import current_user
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization


def refused_message() -> str:
    return _("Only the provider's staff serving this client can change its configuration items.")


def visible_item(request: HttpRequest, item_id: int) -> ConfigurationItem:
    """The CI if this user may see it; 404 otherwise, whoever owns it."""
    items = ConfigurationItem.objects.visible_to(current_user(request)).select_related("organization", "owner", "site")
    return get_object_or_404(items, pk=item_id)


def visible_clients(request: HttpRequest) -> list[Organization]:
    access = access_for(current_user(request))
    return list(Organization.objects.clients().filter(pk__in=access.company_wide_client_ids).order_by("name"))


def client_from_query(request: HttpRequest, parameter: str = "organization") -> Organization | None:
    raw = request.GET.get(parameter, "") or request.POST.get(parameter, "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    for organization in visible_clients(request):
        if organization.pk == int(raw):
            return organization
    raise Http404


def visible_group(request: HttpRequest, group_id: int) -> RedundancyGroup:
    access = access_for(current_user(request))
    groups = RedundancyGroup.objects.filter(organization_id__in=access.company_wide_client_ids).select_related("organization")
    return get_object_or_404(groups, pk=group_id)
