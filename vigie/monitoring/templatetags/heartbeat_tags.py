"""Template helpers of heartbeats: the restore-test panel of a backup check."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from vigie.monitoring import permissions
from vigie.monitoring.heartbeats.forms import RestoreTestForm
from vigie.monitoring.heartbeats.restore import STATUS_LABELS, status_of
from vigie.monitoring.models import Check, RestoreTest

register = template.Library()

STATUS_CLASSES = {
    "ok": "status--resolved",
    "failed": "status--waiting_third_party",
    "stale": "status--waiting_customer",
    "untested": "status--closed",
}
SHOWN = 20


def _next(request: Any) -> str:
    if request is None:
        return ""
    if request.method == "POST":
        return str(request.POST.get("next", ""))
    return str(request.get_full_path())


@register.simple_tag(takes_context=True)
def restore_panel(context: Any, check: Check, restore_tests: Any = None, form: Any = None) -> dict[str, Any]:
    """What the restore-test partial shows: the last tests, the status, and the form (if the user may record)."""
    if restore_tests:
        tests = list(restore_tests)[:SHOWN]
    else:
        tests = list(
            RestoreTest.objects.filter(backup=check).select_related("performed_by").order_by("-performed_on", "-id")[:SHOWN]
        )
    status = status_of(tests[0] if tests else None)
    request = context.get("request")
    user = getattr(request, "user", None)
    can_record = bool(user is not None and permissions.serves(user, check.organization_id))
    return {
        "tests": tests,
        "last": tests[0] if tests else None,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "status_class": STATUS_CLASSES[status],
        "can_record": can_record,
        "form": form or (RestoreTestForm(initial={"performed_on": timezone.localdate()}) if can_record else None),
        "next": _next(request),
    }
