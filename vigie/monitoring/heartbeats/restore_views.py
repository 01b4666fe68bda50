"""Recording a restore test from the check page (staff serving the client)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.monitoring import permissions
from vigie.monitoring.heartbeats.forms import RestoreTestForm
from vigie.monitoring.heartbeats.restore import record_restore_test
from vigie.monitoring.models import Check
from vigie.servicedesk.views.common import staff_required

PARTIAL = "monitoring/partials/_restore_tests.html"


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("monitoring:overview")


@staff_required
def restore_test_create(request: HttpRequest, check_id: int) -> HttpResponse:
    check = get_object_or_404(Check.objects.visible_to(request.user).heartbeats(), pk=check_id)
    if not permissions.serves(request.user, check.organization_id):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not check.is_backup:
        raise Http404
    form = RestoreTestForm(request.POST)
    user = request.user
    assert isinstance(user, User)
    if form.is_valid():
        try:
            record_restore_test(check, by=user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
    if getattr(request, "htmx", False):
        return render(request, PARTIAL, {"check": check, "restore_form": form if form.errors else None})
    if form.errors:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    else:
        messages.success(request, _("Restore test recorded."))
    return HttpResponseRedirect(_back(request))
