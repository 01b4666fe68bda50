"""Query-string filters and ordering of the API lists."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.views import APIView

from vigie.accounts.models import User
from vigie.servicedesk.models import Category, Channel, Priority, Ticket, TicketStatus, TicketType
from vigie.servicedesk.search import search_tickets
from vigie.sla.models import ClockState
from vigie.tenancy.access import groups_visible_to
from vigie.tenancy.models import Organization, Role


def visible_organizations(request: Request | None) -> QuerySet[Organization]:
    return Organization.objects.visible_to(request.user) if request is not None else Organization.objects.none()


def _visible_groups(request: Request | None) -> Any:
    return groups_visible_to(request.user) if request is not None else groups_visible_to(None)


class PersonField(forms.CharField):
    """A user id, ``me`` or (where allowed) ``none``."""

    def __init__(self, *args: Any, allow_none: bool = False, **kwargs: Any) -> None:
        self.allow_none = allow_none
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in ("", None):
            return None
        lowered = str(value).strip().lower()
        if lowered == "me" or (lowered == "none" and self.allow_none):
            return lowered
        if lowered.isdigit():
            return int(lowered)
        if self.allow_none:
            raise forms.ValidationError(_("Use a user id, “me” or “none”."))
        raise forms.ValidationError(_("Use a user id or “me”."))


@extend_schema_field(OpenApiTypes.STR)
class PersonFilter(filters.Filter):
    field_class = PersonField

    def __init__(self, *args: Any, allow_none: bool = False, **kwargs: Any) -> None:
        kwargs["allow_none"] = allow_none
        super().__init__(*args, **kwargs)

    def filter(self, qs: Any, value: Any) -> Any:
        if value is None:
            return qs
        if value == "none":
            return qs.filter(**{f"{self.field_name}__isnull": True})
        if value == "me":
            return qs.filter(**{self.field_name: self.parent.request.user.pk})
        return qs.filter(**{self.field_name: value})


@extend_schema_field(OpenApiTypes.INT)
class CategoryTreeFilter(filters.ModelChoiceFilter):
    """A category id; the filter method also matches the categories below it."""


class CommaSeparatedFilterSet(filters.FilterSet):
    """Multiple-value filters accept ``?status=new&status=assigned`` and ``?status=new,assigned``."""

    multiple_value_filters: tuple[str, ...] = ()

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            data = data.copy()
            for name in self.multiple_value_filters:
                if name in data:
                    data.setlist(name, [part.strip() for raw in data.getlist(name) for part in raw.split(",") if part.strip()])
        super().__init__(data, *args, **kwargs)


class TicketFilter(CommaSeparatedFilterSet):
    multiple_value_filters = ("status", "priority", "type", "organization", "group", "channel", "sla_state")

    organization = filters.ModelMultipleChoiceFilter(queryset=visible_organizations, label=_("Client (id)"))
    client = filters.CharFilter(field_name="organization__slug", label=_("Client (short name)"))
    status = filters.MultipleChoiceFilter(choices=TicketStatus.choices)
    priority = filters.MultipleChoiceFilter(choices=Priority.choices)
    type = filters.MultipleChoiceFilter(choices=TicketType.choices)
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    group = filters.ModelMultipleChoiceFilter(queryset=_visible_groups)
    assignee = PersonFilter(field_name="assignee", allow_none=True, label=_("Assignee: a user id, “me” or “none”"))
    requester = PersonFilter(field_name="requester", label=_("Requester: a user id or “me”"))
    category = CategoryTreeFilter(
        queryset=Category.objects.all(), method="filter_category", label=_("Category id, including its subcategories")
    )
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = filters.CharFilter(method="filter_search", label=_("Words of the title, description or public replies"))
    sla_state = filters.MultipleChoiceFilter(
        choices=ClockState.choices,
        method="filter_sla_state",
        label=_("SLA clock state: tickets whose response or resolution clock is in one of these states"),
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_category(self, queryset: Any, name: str, value: Category | None) -> Any:
        if value is None:
            return queryset
        return queryset.filter(Q(category=value) | Q(category__full_name__startswith=f"{value.full_name} › "))

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        return search_tickets(queryset, value) if value.strip() else queryset

    def filter_sla_state(self, queryset: Any, name: str, value: list[str]) -> Any:
        if not value:
            return queryset
        return queryset.filter(Q(sla__response_state__in=value) | Q(sla__resolution_state__in=value))


class UserFilter(filters.FilterSet):
    organization = filters.ModelChoiceFilter(
        queryset=visible_organizations,
        field_name="memberships__organization",
        distinct=True,
        label=_("Member of (organisation id)"),
    )
    role = filters.ChoiceFilter(choices=Role.choices, field_name="memberships__role", distinct=True)
    is_active = filters.BooleanFilter()
    search = filters.CharFilter(method="filter_search", label=_("Part of the name or e-mail address"))

    class Meta:
        model = User
        fields: list[str] = []

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        for word in value.split()[:5]:
            queryset = queryset.filter(Q(email__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word))
        return queryset


class StrictOrderingFilter(OrderingFilter):
    """Ordering that refuses unknown fields (400) and always ends on the primary key, so that
    pages never overlap or skip rows when many share a value.

    A view may spell an ordering name out with ``ordering_expressions``: a ticket reference
    sorts by type then number, a status in the order of the workflow, not alphabetically.
    """

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> list[str]:
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            invalid = [f for f in fields if f.lstrip("-") not in allowed]
            if invalid:
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            _("Cannot order by “%(field)s”; use one of: %(allowed)s.")
                            % {"field": invalid[0], "allowed": ", ".join(sorted(allowed))}
                        ]
                    }
                )
            ordering = fields
        else:
            ordering = list(self.get_default_ordering(view) or [])
        if not any(f.lstrip("-") in ("pk", "id") for f in ordering):
            descending = bool(ordering) and ordering[-1].startswith("-")
            ordering.append("-pk" if descending else "pk")
        return ordering

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        ordering = self.get_ordering(request, queryset, view)
        expressions: dict[str, list[Any]] = getattr(view, "ordering_expressions", {})
        terms: list[Any] = []
        for field in ordering:
            name, descending = field.lstrip("-"), field.startswith("-")
            for part in expressions.get(name, [name]):
                if isinstance(part, str):
                    terms.append(f"-{part}" if descending else part)
                else:
                    terms.append(part.desc() if descending else part.asc())
        return queryset.order_by(*terms)


STATUS_RANK = Case(
    *[When(status=status, then=Value(rank)) for rank, status in enumerate(TicketStatus.values)],
    output_field=IntegerField(),
)


class NullsLast:
    """A column ordered either way with the rows that have no value at the end."""

    def __init__(self, name: str) -> None:
        self.name = name

    def asc(self) -> OrderBy:
        return F(self.name).asc(nulls_last=True)

    def desc(self) -> OrderBy:
        return F(self.name).desc(nulls_last=True)


TICKET_ORDERING_EXPRESSIONS: dict[str, list[Any]] = {
    "reference": ["type", "number"],
    "status": [STATUS_RANK],
    # Time left on the resolution clock: the soonest due first, tickets without a due date last.
    "sla_due": [NullsLast("sla__resolution_due_at")],
}


# Every list of the API filters with django-filter and orders strictly.
FILTER_BACKENDS: list[type[Any]] = [filters.DjangoFilterBackend, StrictOrderingFilter]
