"""The technician's queue: filters, sort order and the saved views, read from the query string.

The form only validates the query string; ``QueueFilter.apply`` turns it into a queryset that
starts from ``Ticket.objects.visible_to(user)``, so a filter can narrow what a technician sees
but never widen it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.servicedesk.models import OPEN_STATUSES, Category, Priority, Ticket, TicketQuerySet, TicketStatus, TicketType
from vigie.servicedesk.search import search_tickets
from vigie.sla.models import ClockState
from vigie.tenancy.access import access_for
from vigie.tenancy.models import PROVIDER_ROLES, Organization, Role, TechnicianGroup

# The SLA filter: tickets with a clock (response or resolution) in this state.
SLA_FILTER_STATES = (ClockState.AT_RISK, ClockState.BREACHED, ClockState.PAUSED)

ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"
PAGE_SIZE = 50

# Sort keys offered by the column headers → the ORM ordering (ascending); "-key" is descending.
SORTS: dict[str, tuple[str, ...]] = {
    "created": ("created_at", "id"),
    "priority": ("priority", "created_at", "id"),
    "status": ("status", "created_at", "id"),
    "activity": ("last_activity_at", "id"),
    "reference": ("type", "number"),
    # Time left on the resolution clock: soonest due first, tickets without a due date last.
    "due": ("sla__resolution_due_at", "id"),
}
DEFAULT_SORT = "-created"
# Statuses in the order of the workflow, so that sorting by status reads naturally.
STATUS_ORDER = [status.value for status in TicketStatus]


def staff_serving(organization_ids: frozenset[int] | set[int]) -> QuerySet[User]:
    """Provider staff who serve at least one of these clients: the members of the groups that
    serve them, and the provider's administrators (who serve every client)."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(technician_groups__clients__in=organization_ids)
            | Q(memberships__role=Role.ADMIN, memberships__organization__kind="provider")
        )
        .filter(memberships__role__in=PROVIDER_ROLES)
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    client = forms.ModelChoiceField(label=_("Client"), queryset=Organization.objects.none(), required=False)
    status = forms.MultipleChoiceField(
        label=_("Status"), choices=TicketStatus.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=[("", _("Any priority")), *Priority.choices], coerce=int, required=False, empty_value=None
    )
    type = forms.ChoiceField(label=_("Type"), choices=[("", _("Any type")), *TicketType.choices], required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=TechnicianGroup.objects.none(), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    sla = forms.ChoiceField(
        label=_("SLA"),
        choices=[("", _("Any clock")), *[(state.value, state.label) for state in SLA_FILTER_STATES]],
        required=False,
    )
    sort = forms.ChoiceField(
        label=_("Sort"), required=False, choices=[(f"{sign}{key}", f"{sign}{key}") for key in SORTS for sign in ("", "-")]
    )

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data)
        access = access_for(user)
        self.user = user
        self.client_ids = access.company_wide_client_ids
        client_field: Any = self.fields["client"]
        client_field.queryset = Organization.objects.filter(pk__in=self.client_ids).order_by("name")
        client_field.empty_label = _("All clients")
        group_field: Any = self.fields["group"]
        group_field.queryset = TechnicianGroup.objects.filter(clients__in=self.client_ids).distinct().order_by("name")
        group_field.empty_label = _("Any group")
        category_field: Any = self.fields["category"]
        category_field.queryset = Category.objects.filter(is_active=True).order_by("full_name")
        category_field.empty_label = _("Any category")
        people = [(str(person.pk), str(person)) for person in staff_serving(self.client_ids)]
        assignee_field: Any = self.fields["assignee"]
        assignee_field.choices = [
            ("", _("Anyone")),
            (ASSIGNEE_ME, _("Me")),
            (ASSIGNEE_NONE, _("Unassigned")),
            *people,
        ]
        for name in ("client", "priority", "type", "group", "assignee", "category", "sla"):
            self.fields[name].widget.attrs["class"] = "filter-select"


@dataclass(frozen=True)
class SavedView:
    key: str
    label: str
    query: str


def saved_views() -> list[SavedView]:
    open_statuses = "&".join(f"status={status}" for status in STATUS_ORDER if status in OPEN_STATUSES)
    return [
        SavedView("mine", str(_("My open tickets")), f"assignee={ASSIGNEE_ME}&{open_statuses}"),
        SavedView("unassigned", str(_("Unassigned")), f"assignee={ASSIGNEE_NONE}&{open_statuses}"),
        SavedView("open", str(_("All open")), open_statuses),
        SavedView("all", str(_("All tickets")), ""),
    ]


def current_view(data: QueryDict) -> str:
    """The saved view that the query string matches exactly, if any."""
    keys = {key for key in data if key not in ("page", "sort") and any(data.getlist(key))}
    statuses = set(data.getlist("status"))
    assignee = data.get("assignee", "")
    if not keys:
        return "all"
    if statuses == set(OPEN_STATUSES):
        if keys == {"status"}:
            return "open"
        if keys == {"status", "assignee"} and assignee in (ASSIGNEE_ME, ASSIGNEE_NONE):
            return "mine" if assignee == ASSIGNEE_ME else "unassigned"
    return ""


class QueueFilter:
    """Validated filters and sort for one queue request."""

    def __init__(self, data: QueryDict, *, user: User) -> None:
        self.form = QueueFilterForm(data, user=user)
        self.user = user
        self.valid = self.form.is_valid()
        cleaned: dict[str, Any] = self.form.cleaned_data if self.valid else {}
        self.cleaned = cleaned
        self.sort = str(cleaned.get("sort") or DEFAULT_SORT)

    def apply(self, tickets: TicketQuerySet) -> TicketQuerySet:
        """Narrow an already visibility-filtered queryset. Invalid filters give no result
        rather than silently showing everything."""
        if not self.valid:
            return tickets.none()
        data = self.cleaned
        if data.get("client"):
            tickets = tickets.filter(organization=data["client"])
        if data.get("status"):
            tickets = tickets.filter(status__in=data["status"])
        if data.get("priority"):
            tickets = tickets.filter(priority=data["priority"])
        if data.get("type"):
            tickets = tickets.filter(type=data["type"])
        if data.get("group"):
            tickets = tickets.filter(group=data["group"])
        assignee = data.get("assignee")
        if assignee == ASSIGNEE_ME:
            tickets = tickets.assigned_to(self.user)
        elif assignee == ASSIGNEE_NONE:
            tickets = tickets.unassigned()
        elif assignee:
            tickets = tickets.filter(assignee_id=int(assignee))
        category: Category | None = data.get("category")
        if category is not None:
            tickets = tickets.filter(Q(category=category) | Q(category__full_name__startswith=f"{category.full_name} › "))
        if data.get("sla"):
            state = data["sla"]
            tickets = tickets.filter(Q(sla__resolution_state=state) | Q(sla__response_state=state))
        if data.get("q"):
            tickets = search_tickets(tickets, data["q"])
        return self.order(tickets)

    def order(self, tickets: TicketQuerySet) -> TicketQuerySet:
        descending = self.sort.startswith("-")
        fields = SORTS.get(self.sort.lstrip("-"), SORTS["created"])
        if self.sort.lstrip("-") == "status":
            from django.db.models import Case, IntegerField, Value, When

            rank = Case(
                *[When(status=status, then=Value(index)) for index, status in enumerate(STATUS_ORDER)],
                output_field=IntegerField(),
            )
            tickets = tickets.annotate(status_rank=rank)
            fields = ("status_rank", *fields[1:])
        if self.sort.lstrip("-") == "due":
            due = F("sla__resolution_due_at")
            first = due.desc(nulls_last=True) if descending else due.asc(nulls_last=True)
            return tickets.order_by(first, "-id" if descending else "id")
        if descending:
            return tickets.order_by(*[f"-{field}" for field in fields])
        return tickets.order_by(*fields)


def filtered_queue(data: QueryDict, user: User) -> tuple[QueueFilter, TicketQuerySet]:
    queue = QueueFilter(data, user=user)
    tickets = queue.apply(Ticket.objects.visible_to(user).for_table().select_related("sla"))
    return queue, tickets
