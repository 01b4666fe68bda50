"""The review as documents: the HTML of the print version, the PDF, its file name, its language.

The page, the PDF, the e-mail and the API all start from ``build_review``; this module only
chooses the language and renders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.reports.pdf import html_to_pdf
from vigie.reports.periods import Month
from vigie.reports.review import Review, build_review
from vigie.tenancy.access import access_for
from vigie.tenancy.models import Membership, Organization, Role

LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)


def language_of(user: Any) -> str:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def client_managers(organization: Organization) -> list[User]:
    """The active client managers of a company: the people the review is written for."""
    members = Membership.objects.filter(organization=organization, role=Role.CLIENT_MANAGER).values("user_id")
    return list(User.objects.filter(pk__in=members, is_active=True).order_by("pk"))


def default_language(organization: Organization, reader: Any, fallback: str | None = None) -> str:
    """The language a review is written in when none is asked for: a client reader's own; for the
    provider's staff, the language of the client's manager (whom the pack is for)."""
    if access_for(reader).is_staff_member:
        managers = client_managers(organization)
        if managers and managers[0].language in LANGUAGES:
            return managers[0].language
    elif getattr(reader, "language", "") in LANGUAGES:
        return str(reader.language)
    return fallback if fallback in LANGUAGES else settings.LANGUAGE_CODE


def filename(organization: Organization, month: Month) -> str:
    """ "service-review-martin-2025-01.pdf", the first words in the active language."""
    return f"{slugify(_('service review'))}-{organization.slug}-{month}.pdf"


def print_html(review: Review, *, time_zone: str | None = None) -> str:
    with timezone.override(time_zone or timezone.get_current_timezone_name()):
        return render_to_string("reports/review_print.html", {"review": review})


def review_pdf(
    user: Any,
    organization: Organization,
    month: Month,
    *,
    language: str,
    time_zone: str | None = None,
    now: datetime | None = None,
) -> tuple[Review, bytes]:
    """Build the review in ``language`` and render it as a PDF."""
    with translation.override(language):
        review = build_review(user, organization, month, now=now)
        return review, html_to_pdf(print_html(review, time_zone=time_zone))
