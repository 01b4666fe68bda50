"""A client's probe policy: the private networks its checks may reach (staff serving the client)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.monitoring import permissions
from vigie.monitoring.probes import services
from vigie.servicedesk.views.common import staff_required
from vigie.tenancy.models import Organization, OrganizationKind


class ProbePolicyForm(forms.Form):
    allowed_networks = forms.CharField(
        label=gettext_lazy("Allowed private networks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy("One network per line in CIDR notation (e.g. 10.20.0.0/16), reachable by this client's checks."),
    )
    allow_public = forms.BooleanField(label=gettext_lazy("Allow public addresses"), required=False)


@staff_required
def probe_policy(request: HttpRequest, organization_id: int) -> HttpResponse:
    if not permissions.serves(request.user, organization_id):
        raise Http404
    organization = get_object_or_404(Organization, pk=organization_id, kind=OrganizationKind.CLIENT)
    policy = services.policy_for(organization)
    if request.method == "POST":
        form = ProbePolicyForm(request.POST)
        if form.is_valid():
            try:
                services.update_probe_policy(organization, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Probe policy saved."))
                return redirect("monitoring:probe_policy", organization_id=organization.pk)
        return render(request, "monitoring/probe_policy.html", {"organization": organization, "form": form}, status=422)
    form = ProbePolicyForm(initial={"allowed_networks": policy.allowed_networks, "allow_public": policy.allow_public})
    return render(request, "monitoring/probe_policy.html", {"organization": organization, "form": form})
