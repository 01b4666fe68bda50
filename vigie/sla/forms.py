"""Forms of the SLA configuration pages. They turn input into typed values and specs; the rules
(overlapping ranges, unknown regions, contradictory policies…) are the services' to check, and
their errors come back next to the field they name."""

from __future__ import annotations

import re
from datetime import time
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.servicedesk.filters import staff_serving
from vigie.servicedesk.forms import VigieForm, active_categories, person_label
from vigie.servicedesk.models import OPEN_STATUSES, Category, Priority, TicketStatus, TicketType
from vigie.sla import validation
from vigie.sla.models import BusinessCalendar, ClockKind, EscalationAction, EscalationRule, SlaPolicy, Weekday
from vigie.sla.validation import ClosureSpec, EscalationSpec, RangeSpec, TargetSpec
from vigie.tenancy.models import Organization, OrganizationKind, TechnicianGroup

_DURATION = re.compile(r"^\s*(?:(\d{1,5})\s*(?:[:hH]\s*(\d{1,2})?)?|(\d{1,5})\s*min)\s*$")


def minutes_to_text(minutes: int | None) -> str:
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    return f"{hours}:{rest:02d}"


class HoursMinutesField(forms.Field):
    """A target typed as hours:minutes (4:00, 0:30, 1h15, 45 min); a bare number is hours.
    Cleans to minutes, or None when empty."""

    default_error_messages = {
        "invalid": _("Type a duration as hours:minutes, for example 4:00 or 0:30."),
        "minutes": _("Minutes go from 00 to 59."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "text", "placeholder": "h:mm", "size": 7, "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return minutes_to_text(value)
        return value

    def to_python(self, value: Any) -> int | None:
        if value in (None, ""):
            return None
        if isinstance(value, int):
            return value
        match = _DURATION.match(str(value))
        if match is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        hours, minutes, only_minutes = match.groups()
        if only_minutes is not None:
            return int(only_minutes)
        if minutes is not None and int(minutes) > 59:
            raise ValidationError(self.error_messages["minutes"], code="minutes")
        return int(hours) * 60 + int(minutes or 0)


if TYPE_CHECKING:
    _CalendarChoiceField = forms.ModelChoiceField[BusinessCalendar]
    _UserChoiceField = forms.ModelChoiceField[User]
else:
    _CalendarChoiceField = forms.ModelChoiceField
    _UserChoiceField = forms.ModelChoiceField


class CalendarChoiceField(_CalendarChoiceField):
    def label_from_instance(self, obj: BusinessCalendar) -> str:
        return f"{obj.name} ({obj.organization.name})"


class StaffChoiceField(_UserChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


def calendars_for(organization: Organization) -> QuerySet[BusinessCalendar]:
    """The calendars a client's policies may run on: its own and the provider's."""
    return (
        BusinessCalendar.objects.filter(Q(organization=organization) | Q(organization__kind=OrganizationKind.PROVIDER))
        .select_related("organization")
        .order_by("organization__kind", "name")
    )


# --- calendars ----------------------------------------------------------------------------------


def country_choices() -> list[tuple[str, str]]:
    countries = sorted(validation.supported_countries())
    return [("", str(_("No public holidays"))), *[(code, code) for code in countries]]


def region_choices(country: str) -> list[tuple[str, str]]:
    choices = [("", str(_("The whole country")))]
    if country in validation.supported_countries():
        for code, names in validation.subdivision_aliases(country).items():
            if len(code) > validation.REGION_CODE_MAX:
                continue
            name = max(names, key=len) if names else ""
            choices.append((code, f"{code} – {name}" if name else code))
    return choices


class CalendarForm(VigieForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(label=_("Time zone"), widget=forms.Select(), initial="Europe/Paris")
    is_24x7 = forms.BooleanField(
        label=_("Around the clock (24×7)"),
        required=False,
        help_text=_("Every hour counts, nights, weekends and holidays included; the ranges below are ignored."),
    )
    holiday_country = forms.CharField(label=_("Public holidays of"), required=False, widget=forms.Select(), initial="FR")
    holiday_subdivision = forms.CharField(
        label=_("Region"),
        required=False,
        widget=forms.Select(),
        help_text=_("Alsace (6AE) and Moselle (57) add Good Friday and St Stephen's Day."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones: Any = self.fields["time_zone"].widget
        zones.choices = [(name, name) for name in sorted(validation.time_zone_names())]
        country_widget: Any = self.fields["holiday_country"].widget
        country_widget.choices = country_choices()
        region_widget: Any = self.fields["holiday_subdivision"].widget
        region_widget.choices = region_choices(self.current_country())
        for name in ("holiday_country", "holiday_subdivision"):
            self.fields[name].widget.attrs["data-holidays-input"] = name

    def current_country(self) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix("holiday_country"), "")).strip().upper()
        return str(self.initial.get("holiday_country", self.fields["holiday_country"].initial) or "")


class RangeForm(VigieForm):
    weekday = forms.TypedChoiceField(label=_("Day"), choices=Weekday.choices, coerce=int)
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def spec(self) -> RangeSpec:
        return RangeSpec(self.cleaned_data["weekday"], self.cleaned_data["start"], self.cleaned_data["end"])


class ClosureForm(VigieForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    name = forms.CharField(label=_("Reason"), max_length=100, required=False)

    def spec(self) -> ClosureSpec:
        return ClosureSpec(self.cleaned_data["date"], self.cleaned_data.get("name") or "")


RangeFormSet = formset_factory(RangeForm, extra=0, can_delete=True, max_num=100, validate_max=True)
ClosureFormSet = formset_factory(ClosureForm, extra=0, can_delete=True, max_num=400, validate_max=True)
RANGES_PREFIX = "ranges"
CLOSURES_PREFIX = "closures"
RULES_PREFIX = "escalations"
TARGETS_PREFIX = "targets"

# A new calendar starts from French office hours: mornings and afternoons, Monday to Friday.
DEFAULT_RANGES = [
    {"weekday": day, "start": start, "end": end}
    for day in range(5)
    for start, end in ((time(9, 0), time(12, 0)), (time(14, 0), time(18, 0)))
]


def kept_forms(formset: forms.BaseFormSet[Any]) -> list[Any]:
    """The forms of a valid formset that hold a row to keep (not removed, not left blank)."""
    kept = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE"):
            continue
        kept.append(form)
    return kept


def range_initial(calendar: BusinessCalendar) -> list[dict[str, Any]]:
    return [{"weekday": r.weekday, "start": r.start, "end": r.end} for r in calendar.ranges.all()]


def closure_initial(calendar: BusinessCalendar) -> list[dict[str, Any]]:
    return [{"date": c.date, "name": c.name} for c in calendar.closures.all()]


# --- policies -------------------------------------------------------------------------------------

PAUSE_CHOICES = [(status.value, status.label) for status in TicketStatus if status in OPEN_STATUSES]
PRIORITY_SHORT = [(priority.value, f"P{priority.value}") for priority in Priority]


class PolicyForm(VigieForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    order = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=1_000_000, initial=100, help_text=_("Policies are tried from the lowest order.")
    )
    ticket_type = forms.ChoiceField(
        label=_("Ticket type"), choices=[("", _("Incidents and requests")), *TicketType.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("All categories"),
        help_text=_("Applies to this category and those below it."),
    )
    calendar = CalendarChoiceField(label=_("Calendar"), queryset=BusinessCalendar.objects.none(), empty_label=_("Choose…"))
    at_risk_percent = forms.IntegerField(label=_("At risk from (% of the target)"), min_value=1, max_value=99, initial=75)
    response_pause_statuses = forms.MultipleChoiceField(
        label=_("Statuses pausing the response clock"), choices=PAUSE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    resolution_pause_statuses = forms.MultipleChoiceField(
        label=_("Statuses pausing the resolution clock"),
        choices=PAUSE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[TicketStatus.WAITING_CUSTOMER.value],
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, organization: Organization, policy: SlaPolicy | None = None, **kwargs: Any) -> None:
        if policy is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": policy.name,
                    "order": policy.order,
                    "ticket_type": policy.ticket_type,
                    "category": policy.category_id,
                    "calendar": policy.calendar_id,
                    "at_risk_percent": policy.at_risk_percent,
                    "response_pause_statuses": policy.response_pause_statuses,
                    "resolution_pause_statuses": policy.resolution_pause_statuses,
                    "is_active": policy.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        category_field: Any = self.fields["category"]
        category_field.queryset = active_categories(policy.category if policy else None)
        calendar_field: Any = self.fields["calendar"]
        calendar_field.queryset = calendars_for(organization)


class TargetForm(VigieForm):
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, widget=forms.HiddenInput)
    response = HoursMinutesField(label=_("Response within"))
    resolution = HoursMinutesField(label=_("Resolution within"))
    calendar = CalendarChoiceField(
        label=_("Calendar"), queryset=BusinessCalendar.objects.none(), required=False, empty_label=_("The policy's calendar")
    )

    def __init__(self, *args: Any, calendars: QuerySet[BusinessCalendar], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        calendar_field: Any = self.fields["calendar"]
        calendar_field.queryset = calendars

    @property
    def priority_label(self) -> str:
        value = self["priority"].value()
        try:
            return str(Priority(int(value)).label)
        except (TypeError, ValueError):
            return str(value)

    def spec(self) -> TargetSpec | None:
        data = self.cleaned_data
        if data.get("response") is None and data.get("resolution") is None:
            return None  # no target for this priority
        return TargetSpec(data["priority"], data.get("response"), data.get("resolution"), data.get("calendar"))


class EscalationForm(VigieForm):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    clock = forms.ChoiceField(label=_("Clock"), choices=ClockKind.choices, initial=ClockKind.RESOLUTION)
    at_percent = forms.IntegerField(
        label=_("At (% of the target)"),
        min_value=1,
        max_value=validation.MAX_ESCALATION_PERCENT,
        initial=100,
        help_text=_("100 = at the breach."),
    )
    priorities = forms.TypedMultipleChoiceField(
        label=_("Priorities"),
        choices=PRIORITY_SHORT,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every priority."),
    )
    action = forms.ChoiceField(label=_("Action"), choices=EscalationAction.choices, initial=EscalationAction.NOTIFY)
    notify_assignee = forms.BooleanField(label=_("Notify the assignee"), required=False, initial=True)
    notify_group_lead = forms.BooleanField(label=_("Notify the group lead"), required=False, initial=True)
    notify_client_manager = forms.BooleanField(label=_("Notify the client manager"), required=False)
    reassign_group = forms.ModelChoiceField(
        label=_("Reassign to group"), queryset=TechnicianGroup.objects.none(), required=False, empty_label=_("No group")
    )
    reassign_user = StaffChoiceField(
        label=_("Reassign to"), queryset=User.objects.none(), required=False, empty_label=_("Nobody")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field: Any = self.fields["reassign_group"]
        group_field.queryset = TechnicianGroup.objects.filter(clients=organization).order_by("name")
        user_field: Any = self.fields["reassign_user"]
        user_field.queryset = staff_serving({organization.pk})

    def spec(self) -> EscalationSpec:
        data = self.cleaned_data
        return EscalationSpec(
            id=data.get("id"),
            clock=data["clock"],
            at_percent=data["at_percent"],
            priorities=list(data.get("priorities") or []),
            action=data["action"],
            notify_assignee=data.get("notify_assignee", False),
            notify_group_lead=data.get("notify_group_lead", False),
            notify_client_manager=data.get("notify_client_manager", False),
            reassign_group=data.get("reassign_group"),
            reassign_user=data.get("reassign_user"),
            is_active=data.get("is_active", False),
        )


TargetFormSet = formset_factory(TargetForm, extra=0, max_num=len(Priority.values), validate_max=True)
EscalationFormSet = formset_factory(EscalationForm, extra=0, can_delete=True, max_num=50, validate_max=True)


def target_initial(policy: SlaPolicy | None) -> list[dict[str, Any]]:
    """One row per priority, filled from the policy's targets."""
    targets = {t.priority: t for t in policy.targets.all()} if policy is not None else {}
    rows = []
    for priority in Priority.values:
        target = targets.get(priority)
        rows.append(
            {
                "priority": priority,
                "response": target.response_minutes if target else None,
                "resolution": target.resolution_minutes if target else None,
                "calendar": target.calendar_id if target else None,
            }
        )
    return rows


def escalation_initial(policy: SlaPolicy | None) -> list[dict[str, Any]]:
    rules: list[EscalationRule] = list(policy.escalations.all()) if policy is not None else []
    return [
        {
            "id": rule.pk,
            "clock": rule.clock,
            "at_percent": rule.at_percent,
            "priorities": rule.priorities,
            "action": rule.action,
            "notify_assignee": rule.notify_assignee,
            "notify_group_lead": rule.notify_group_lead,
            "notify_client_manager": rule.notify_client_manager,
            "reassign_group": rule.reassign_group_id,
            "reassign_user": rule.reassign_user_id,
            "is_active": rule.is_active,
        }
        for rule in rules
    ]


def blank_row(formset_class: Any, prefix: str, index: int, **kwargs: Any) -> Any:
    """Row ``index`` of a formset, blank, with the formset's extra fields (the “remove” box):
    what an htmx “add a row” answers."""
    formset = formset_class(prefix=prefix, form_kwargs=kwargs.pop("form_kwargs", {}))
    form = formset.form(
        prefix=f"{prefix}-{index}",
        auto_id=formset.auto_id,
        empty_permitted=True,
        use_required_attribute=False,
        **formset.get_form_kwargs(None),
        **kwargs,
    )
    formset.add_fields(form, None)
    return form
