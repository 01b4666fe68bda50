"""Problem figures of one client for a period, for the monthly service review (reports).

Not wired into the review yet: ``reports.review.build_review`` can call ``figures_for`` and show
"problems opened / resolved, open problems, active known errors" beside the ticket KPIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from vigie.problems.models import OPEN_PROBLEM_STATUSES, KnownError, KnownErrorStatus, Problem
from vigie.tenancy.models import Organization


@dataclass(frozen=True)
class ProblemFigures:
    opened: int  # problems opened in the period
    resolved: int  # problems resolved in the period
    open_now: int  # problems still open at the time of the call
    known_errors_active: int  # known errors whose workaround is in use
    known_errors_published: int  # known errors published in the period


def figures_for(organization: Organization, start: datetime, end: datetime) -> ProblemFigures:
    """Two queries, whatever the number of problems."""
    counts = Problem.objects.filter(organization=organization).aggregate(
        opened=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        resolved=Count("pk", filter=Q(resolved_at__gte=start, resolved_at__lt=end)),
        open_now=Count("pk", filter=Q(status__in=OPEN_PROBLEM_STATUSES)),
    )
    known = KnownError.objects.filter(organization=organization).aggregate(
        active=Count("pk", filter=Q(status=KnownErrorStatus.ACTIVE)),
        published=Count("pk", filter=Q(published_at__gte=start, published_at__lt=end)),
    )
    return ProblemFigures(
        opened=counts["opened"],
        resolved=counts["resolved"],
        open_now=counts["open_now"],
        known_errors_active=known["active"],
        known_errors_published=known["published"],
    )
