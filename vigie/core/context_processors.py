"""Template context shared by every page: who the user is and which menus to show."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from vigie.tenancy.access import access_for
from vigie.tenancy.models import Membership, Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"vigie_is_staff": False, "vigie_languages": settings.LANGUAGES}
    access = access_for(user)
    return {
        "vigie_is_staff": access.is_staff_member,
        "vigie_is_admin": access.is_admin,
        # A client's manager or IT contact: the portal shows them their company's dashboard.
        "vigie_sees_company": bool(access.company_wide_client_ids) and not access.is_staff_member,
        # Asked only by the portal menu of those (a template calls it): a manager approves changes.
        "vigie_manages_company": lambda: Membership.objects.filter(user=user, role=Role.CLIENT_MANAGER).exists(),
        "vigie_languages": settings.LANGUAGES,
        # Asked only by the supervision pages' menu (a template calls it): one count.
        "vigie_critical_alerts": lambda: _critical_alerts(user),
    }


def _critical_alerts(user: object) -> int:
    from vigie.monitoring.models import Alert, AlertSeverity

    return Alert.objects.visible_to(user).firing().filter(severity=AlertSeverity.CRITICAL).count()
