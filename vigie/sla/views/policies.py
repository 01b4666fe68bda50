"""SLA policies: the editor (scope and order, targets grid priority × response/resolution,
pausing statuses, at-risk share, escalation rules), an htmx rule row, and deletion."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigie.servicedesk.views.common import INVALID, allow, current_user, staff_required
from vigie.sla import services
from vigie.sla.forms import (
    RULES_PREFIX,
    TARGETS_PREFIX,
    EscalationFormSet,
    PolicyForm,
    TargetFormSet,
    blank_row,
    calendars_for,
    escalation_initial,
    kept_forms,
    target_initial,
)
from vigie.sla.models import SlaPolicy
from vigie.sla.permissions import can_manage_policies, readable_organization_ids
from vigie.sla.views.common import ServiceError, apply_service_error, organization_from_query, readable_organizations
from vigie.tenancy.models import Organization, OrganizationKind


def refused_message() -> str:
    return _("Only administrators and service owners can change SLA policies.")


def visible_policy(request: HttpRequest, policy_id: int) -> SlaPolicy:
    """The policy if this user may read it; 404 otherwise, whoever owns it."""
    user = current_user(request)
    policies = SlaPolicy.objects.visible_to(user).filter(organization_id__in=readable_organization_ids(user))
    return get_object_or_404(policies.select_related("organization", "calendar", "category"), pk=policy_id)


def _forms(request: HttpRequest, organization: Organization, policy: SlaPolicy | None) -> tuple[PolicyForm, Any, Any]:
    target_kwargs = {"calendars": calendars_for(organization)}
    rule_kwargs = {"organization": organization}
    if request.method == "POST":
        data: Any = request.POST
        if request.POST.get("add") == RULES_PREFIX:
            data = request.POST.copy()
            key = f"{RULES_PREFIX}-TOTAL_FORMS"
            data[key] = str(int(data.get(key, "0") or 0) + 1) if str(data.get(key, "0")).isdigit() else "1"
        return (
            PolicyForm(data, organization=organization, policy=policy),
            TargetFormSet(data, prefix=TARGETS_PREFIX, form_kwargs=target_kwargs),
            EscalationFormSet(data, prefix=RULES_PREFIX, form_kwargs=rule_kwargs),
        )
    return (
        PolicyForm(organization=organization, policy=policy),
        TargetFormSet(initial=target_initial(policy), prefix=TARGETS_PREFIX, form_kwargs=target_kwargs),
        EscalationFormSet(initial=escalation_initial(policy), prefix=RULES_PREFIX, form_kwargs=rule_kwargs),
    )


def _render(
    request: HttpRequest,
    *,
    organization: Organization,
    policy: SlaPolicy | None,
    forms: tuple[PolicyForm, Any, Any],
    can_edit: bool,
    sections: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    form, targets, rules = forms
    context = {
        "organization": organization,
        "policy": policy,
        "form": form,
        "targets": targets,
        "rules": rules,
        "can_edit": can_edit,
        "section_errors": sections or {TARGETS_PREFIX: [], RULES_PREFIX: []},
    }
    return render(request, "sla/policy_form.html", context, status=status)


def _save(request: HttpRequest, organization: Organization, policy: SlaPolicy | None) -> HttpResponse:
    forms = _forms(request, organization, policy)
    form, targets, rules = forms
    if request.POST.get("add") == RULES_PREFIX:
        return _render(request, organization=organization, policy=policy, forms=forms, can_edit=True)
    sections: dict[str, list[str]] = {TARGETS_PREFIX: [], RULES_PREFIX: []}
    if all([form.is_valid(), targets.is_valid(), rules.is_valid()]):
        fields = dict(form.cleaned_data)
        fields["ticket_type"] = fields.get("ticket_type") or ""
        target_specs = [spec for f in targets.forms if (spec := f.spec()) is not None]
        rule_specs = [f.spec() for f in kept_forms(rules)]
        user = current_user(request)
        try:
            if policy is None:
                saved = services.create_policy(
                    by=user, organization=organization, targets=target_specs, escalations=rule_specs, **fields
                )
                messages.success(request, _("Policy “%(name)s” created.") % {"name": saved.name})
            else:
                saved = services.update_policy(policy, by=user, targets=target_specs, escalations=rule_specs, **fields)
                messages.success(request, _("Policy “%(name)s” saved.") % {"name": saved.name})
        except ServiceError as error:
            apply_service_error(error, form, sections)
        else:
            return redirect("sla:policy_edit", policy_id=saved.pk)
    return _render(
        request, organization=organization, policy=policy, forms=forms, can_edit=True, sections=sections, status=INVALID
    )


@staff_required
def policy_create(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    organization = organization_from_query(request)
    user = current_user(request)
    if organization is None or organization.kind != OrganizationKind.CLIENT:
        choices = [
            org
            for org in readable_organizations(request)
            if org.kind == OrganizationKind.CLIENT and can_manage_policies(user, org.pk)
        ]
        return render(request, "sla/choose_organization.html", {"organizations": choices, "target": "sla:policy_create"})
    if not can_manage_policies(user, organization.pk):
        raise PermissionDenied(refused_message())
    if request.method == "POST":
        return _save(request, organization, None)
    return _render(request, organization=organization, policy=None, forms=_forms(request, organization, None), can_edit=True)


@staff_required
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = visible_policy(request, policy_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    can_edit = can_manage_policies(current_user(request), policy.organization_id)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(refused_message())
        return _save(request, policy.organization, policy)
    return _render(
        request,
        organization=policy.organization,
        policy=policy,
        forms=_forms(request, policy.organization, policy),
        can_edit=can_edit,
    )


@staff_required
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = visible_policy(request, policy_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    if not can_manage_policies(current_user(request), policy.organization_id):
        raise PermissionDenied(refused_message())
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.delete_policy(policy, by=current_user(request))
        except ServiceError as error:
            errors = list(getattr(error, "messages", [str(error)]))
        else:
            messages.success(request, _("Policy “%(name)s” deleted.") % {"name": policy.name})
            return redirect(f"{reverse('sla:overview')}?client={policy.organization_id}")
    context = {
        "object": policy,
        "message": _("The policy “%(name)s” will be deleted; the open tickets it applied to find their policy again.")
        % {"name": policy.name},
        "errors": errors,
        "users": [],
        "cancel_url": reverse("sla:policy_edit", kwargs={"policy_id": policy.pk}),
    }
    return render(request, "sla/confirm_delete.html", context, status=INVALID if errors else 200)


@staff_required
def escalation_row(request: HttpRequest) -> HttpResponse:
    """A new escalation rule, and the formset's new row count (out of band)."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    organization = organization_from_query(request)
    if organization is None:
        raise Http404
    raw = request.GET.get(f"{RULES_PREFIX}-TOTAL_FORMS", "0")
    if not raw.isdigit() or int(raw) > 100:
        raise Http404
    index = int(raw)
    form = blank_row(EscalationFormSet, RULES_PREFIX, index, form_kwargs={"organization": organization})
    context = {"rule": form, "prefix": RULES_PREFIX, "total": index + 1, "can_edit": True, "number": index + 1}
    return render(request, "sla/partials/_escalation_rule.html", context)
