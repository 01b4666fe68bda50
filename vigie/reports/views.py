"""Dashboards and monthly reviews: staff (``/reports/``) and the client's director (``/portal/reports/``).

Every view that names a client looks it up among the companies the user sees company-wide
first: another tenant's company is a 404 for every method, before anything else is said.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from vigie.reports import dashboards, documents
from vigie.reports.forms import DashboardFilterForm, PeriodForm, ReviewOptionsForm
from vigie.reports.periods import Month, period, recent_months
from vigie.reports.review import build_review
from vigie.servicedesk.views.common import allow, current_user, is_htmx_fragment, staff_required
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Organization


def visible_client(request: HttpRequest, organization_slug: str) -> Organization:
    """A client company the user sees company-wide (staff serving it, its manager or IT contact); 404 otherwise."""
    ids = access_for(request.user).company_wide_client_ids
    return get_object_or_404(Organization.objects.clients().filter(pk__in=ids), slug=organization_slug)


def reviewed_month(value: str) -> Month:
    """A month that has started; any other value names no review (404)."""
    try:
        month = Month.parse(value)
    except ValueError as error:
        raise Http404 from error
    if not month.has_started():
        raise Http404
    return month


def _language(request: HttpRequest, organization: Organization) -> str:
    form = ReviewOptionsForm(request.GET)
    chosen = form.cleaned_data.get("language") if form.is_valid() else None
    return chosen or documents.default_language(organization, request.user, translation.get_language())


def _picker_months(shown: Month) -> list[Month]:
    """The last 24 finished months, and the month shown if it is older or still running."""
    months = recent_months(24)
    return months if shown in months else sorted({*months, shown}, reverse=True)


def _review_page(request: HttpRequest, organization: Organization, month: Month, *, portal: bool) -> HttpResponse:
    language = _language(request, organization)
    with translation.override(language):
        review = build_review(current_user(request), organization, month)
    namespace = "client_reports" if portal else "reports"
    arguments = {"organization_slug": organization.slug, "month": str(month)}
    context = {
        "review": review,
        "portal": portal,
        "review_language": language,
        "pdf_url": reverse(f"{namespace}:review_pdf", kwargs=arguments) + "?" + urlencode({"language": language}),
        "picker_url": reverse(f"{namespace}:review_picker", kwargs={"organization_slug": organization.slug}),
        "months": _picker_months(month),
        "languages": documents.LANGUAGES,
    }
    return render(request, "reports/review.html", context)


def _review_pdf(request: HttpRequest, organization: Organization, month: Month) -> HttpResponse:
    language = _language(request, organization)
    with translation.override(language):
        _review, pdf = documents.review_pdf(current_user(request), organization, month, language=language)
        name = documents.filename(organization, month)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _pick(request: HttpRequest, organization: Organization, namespace: str) -> HttpResponse:
    """The month and language picker's target: on to the review's own address."""
    try:
        month = Month.parse(request.GET.get("month", ""))
    except ValueError:
        month = Month.last()
    if not month.has_started():
        month = Month.last()
    view = "review_pdf" if request.GET.get("format") == "pdf" else "review"
    target = reverse(f"{namespace}:{view}", kwargs={"organization_slug": organization.slug, "month": str(month)})
    language = ReviewOptionsForm(request.GET)
    if language.is_valid() and language.cleaned_data.get("language"):
        target += "?" + urlencode({"language": language.cleaned_data["language"]})
    return redirect(target)


# ---------------------------------------------------------------- staff


@staff_required
def technician(request: HttpRequest) -> HttpResponse:
    """The technician's home: my queue, what is at risk or breached, my month so far."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return render(request, "reports/technician.html", {"dashboard": dashboards.technician_dashboard(current_user(request))})


@staff_required
def provider(request: HttpRequest) -> HttpResponse:
    """Every client served, side by side: backlog, SLA compliance, MTTR, CSAT, breached now."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    user = current_user(request)
    form = DashboardFilterForm(request.GET, user=user)
    dashboard = dashboards.provider_dashboard(user, form.dashboard_filter())
    context: dict[str, Any] = {"form": form, "dashboard": dashboard, "last_month": Month.last()}
    if is_htmx_fragment(request) and request.headers.get("HX-Target") == "provider-figures":
        return render(request, "reports/partials/_provider_figures.html", context)
    return render(request, "reports/provider.html", context)


@staff_required
def review_picker(request: HttpRequest, organization_slug: str) -> HttpResponse:
    organization = visible_client(request, organization_slug)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return _pick(request, organization, "reports")


@staff_required
def review(request: HttpRequest, organization_slug: str, month: str) -> HttpResponse:
    organization = visible_client(request, organization_slug)
    reviewed = reviewed_month(month)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return _review_page(request, organization, reviewed, portal=False)


@staff_required
def review_pdf(request: HttpRequest, organization_slug: str, month: str) -> HttpResponse:
    organization = visible_client(request, organization_slug)
    reviewed = reviewed_month(month)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return _review_pdf(request, organization, reviewed)


# ---------------------------------------------------------------- portal (client manager, IT contact)


@login_required
def client_home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's company; a requester has none (404)."""
    if refused := allow(request, "GET", "HEAD"):
        return refused
    ids = access_for(request.user).company_wide_client_ids
    organization = Organization.objects.clients().active().filter(pk__in=ids).order_by("name").first()
    if organization is None:
        raise Http404
    return redirect("client_reports:dashboard", organization_slug=organization.slug)


@login_required
def client_dashboard(request: HttpRequest, organization_slug: str) -> HttpResponse:
    organization = visible_client(request, organization_slug)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    form = PeriodForm(request.GET)
    dashboard = dashboards.client_dashboard(current_user(request), organization, period(form.chosen_period()))
    return render(request, "reports/client.html", {"dashboard": dashboard, "form": form, "last_month": Month.last()})


@login_required
def client_review_picker(request: HttpRequest, organization_slug: str) -> HttpResponse:
    organization = visible_client(request, organization_slug)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return _pick(request, organization, "client_reports")


@login_required
def client_review(request: HttpRequest, organization_slug: str, month: str) -> HttpResponse:
    organization = visible_client(request, organization_slug)
    reviewed = reviewed_month(month)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return _review_page(request, organization, reviewed, portal=True)


@login_required
def client_review_pdf(request: HttpRequest, organization_slug: str, month: str) -> HttpResponse:
    organization = visible_client(request, organization_slug)
    reviewed = reviewed_month(month)
    if refused := allow(request, "GET", "HEAD"):
        return refused
    return _review_pdf(request, organization, reviewed)
