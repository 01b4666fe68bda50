"""The catalog in the portal (``/portal/catalog/``): employees pick a request their company is
offered, answer its questions and order it; approvers decide the requests waiting for them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigie.accounts.models import User
from vigie.catalog import fulfilment, permissions
from vigie.catalog.models import ApprovalState, RequestTemplate, ServiceRequest
from vigie.catalog.template_forms import OrderForm
from vigie.servicedesk.forms import VigieForm
from vigie.servicedesk.views.common import INVALID, allow, current_user
from vigie.tenancy.models import Membership, Organization, OrganizationKind, Role


def companies_of(user: User) -> QuerySet[Organization]:
    """The client companies the user works for (the portal catalog is theirs, not the provider's)."""
    ids = Membership.objects.filter(user=user, organization__kind=OrganizationKind.CLIENT, organization__is_active=True).values(
        "organization_id"
    )
    return Organization.objects.filter(pk__in=ids).order_by("name")


def _orderable(user: User) -> list[tuple[Organization, QuerySet[RequestTemplate]]]:
    return [
        (company, RequestTemplate.objects.offered_to(company.pk).select_related("service").order_by("name"))
        for company in companies_of(user)
    ]


@login_required
def catalog_home(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    context = {
        "offers": [(company, list(templates)) for company, templates in _orderable(user)],
        "pending_approvals": ServiceRequest.objects.awaiting_decision_by(user).count(),
    }
    return render(request, "client_catalog/catalog.html", context)


def _offer(user: User, template_id: int) -> tuple[RequestTemplate, Organization]:
    for company, templates in _orderable(user):
        template = templates.filter(pk=template_id).first()
        if template is not None:
            return template, company
    raise Http404


@login_required
def order(request: HttpRequest, template_id: int) -> HttpResponse:
    user = current_user(request)
    template, company = _offer(user, template_id)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    questions = list(template.fields.all())
    if request.method != "POST":
        form = OrderForm(questions=questions, organization=company)
        return render(request, "client_catalog/order.html", {"template": template, "company": company, "form": form})
    form = OrderForm(request.POST, questions=questions, organization=company)
    if form.is_valid():
        try:
            ticket = fulfilment.order_request(by=user, template=template, organization=company, answers=form.raw_answers())
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your request %(reference)s is recorded.") % {"reference": ticket.reference})
            return redirect("portal:ticket_detail", reference=ticket.reference)
    context = {"template": template, "company": company, "form": form}
    return render(request, "client_catalog/order.html", context, status=INVALID)


def _decidable(user: User) -> QuerySet[ServiceRequest]:
    """Requests whose approver ``user`` is (named, or a manager of the company), whatever their state."""
    managed = Membership.objects.filter(user=user, role=Role.CLIENT_MANAGER).values("organization_id")
    return ServiceRequest.objects.filter(
        Q(approval_rule="named", approver=user) | Q(approval_rule="client_manager", organization_id__in=managed)
    ).select_related("ticket", "ticket__requester", "organization", "decided_by")


@login_required
def approval_list(request: HttpRequest) -> HttpResponse:
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    context = {
        "pending": ServiceRequest.objects.awaiting_decision_by(user).select_related("ticket", "ticket__requester"),
        "decided": _decidable(user).exclude(approval_state=ApprovalState.PENDING).order_by("-decided_at")[:20],
    }
    return render(request, "client_catalog/approval_list.html", context)


class DecisionForm(VigieForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when you reject: the requester reads it."),
    )


@login_required
def approval_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    service_request = get_object_or_404(_decidable(user), ticket__reference=reference)
    if refused := allow(request, "GET", "HEAD", "POST"):
        return refused
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                fulfilment.decide(service_request, by=user, approve=approve, comment=form.cleaned_data["comment"])
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                text = _("Request %(reference)s approved.") if approve else _("Request %(reference)s rejected.")
                messages.success(request, text % {"reference": reference})
                return redirect("client_catalog:approval_list")
        status = INVALID
    context = {
        "request_": service_request,
        "ticket": service_request.ticket,
        "form": form,
        "can_decide": service_request.approval_state == ApprovalState.PENDING
        and service_request.ticket.is_open
        and permissions.can_decide(user, service_request),
    }
    return render(request, "client_catalog/approval_detail.html", context, status=status)
