"""Forms of the staff interface and the portal. They validate input and offer only the
choices that make sense for the ticket's client; the services decide and write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from vigie.accounts.models import User
from vigie.servicedesk.filters import staff_serving
from vigie.servicedesk.models import Category, Channel, Level, Ticket, TicketStatus, TicketType
from vigie.servicedesk.services import Upload
from vigie.servicedesk.workflow import TransitionError
from vigie.tenancy.models import Organization, Site, TechnicianGroup

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the size limit is checked before anything is read."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise ValidationError(_("Attach at most %(count)d files at once.") % {"count": MAX_FILES})
        limit = settings.VIGIE_MAX_ATTACHMENT_BYTES
        errors = [
            _("“%(name)s” is too large (%(size)s); the limit is %(limit)s.")
            % {"name": f.name, "size": filesizeformat(f.size), "limit": filesizeformat(limit)}
            for f in files
            if (f.size or 0) > limit
        ]
        if errors:
            raise ValidationError(errors)
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def uploads_from(files: list[UploadedFile[bytes]]) -> list[Upload]:
    return [Upload(filename=f.name or "file", data=f.read()) for f in files]


def person_label(user: User) -> str:
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else user.email


if TYPE_CHECKING:
    _UserChoiceField = forms.ModelChoiceField[User]
    _UsersChoiceField = forms.ModelMultipleChoiceField[User]
else:
    _UserChoiceField = forms.ModelChoiceField
    _UsersChoiceField = forms.ModelMultipleChoiceField


class PersonChoiceField(_UserChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


class PeopleChoiceField(_UsersChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


def add_service_error(form: forms.Form, error: Exception) -> None:
    """Show what a service refused as form errors, on the field it names when the form has it."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            return
        if "attachments" in form.fields and getattr(error, "code", None) in ("too_large", "blocked_type"):
            form.add_error("attachments", error)
            return
        form.add_error(None, error)
    elif isinstance(error, PermissionDenied | TransitionError):
        form.add_error(None, str(error) or _("You are not allowed to do this."))
    else:  # pragma: no cover - the views only pass the errors above
        raise error


SERVICE_ERRORS = (ValidationError, PermissionDenied, TransitionError)


def error_messages(error: Exception) -> list[str]:
    """The messages of a refused action that has no form of its own (a button)."""
    if isinstance(error, ValidationError):
        return [str(message) for message in error.messages]
    return [str(error) or str(_("You are not allowed to do this."))]


class VigieForm(forms.Form):
    """Labels without a trailing colon: the layout sets labels apart already."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def clients_users(organization: Organization) -> QuerySet[User]:
    return User.objects.filter(is_active=True, memberships__organization=organization).order_by("first_name", "last_name")


def groups_serving(organization: Organization) -> QuerySet[TechnicianGroup]:
    return TechnicianGroup.objects.filter(clients=organization).order_by("name")


def active_categories(current: Category | None = None) -> QuerySet[Category]:
    from django.db.models import Q

    condition = Q(is_active=True) | Q(pk=current.pk) if current else Q(is_active=True)
    return Category.objects.filter(condition).order_by("full_name")


# --- the staff ticket page ---------------------------------------------------------------


class CommentForm(VigieForm):
    PUBLIC = "public"
    INTERNAL = "internal"

    visibility = forms.ChoiceField(
        label=_("Kind"),
        choices=[(PUBLIC, _("Reply to the requester")), (INTERNAL, _("Internal note"))],
        initial=PUBLIC,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    attachments = MultipleFileField(label=_("Attachments"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachments") and not self.errors:
            self.add_error("body", _("Write a message or attach a file."))
        return cleaned

    @property
    def internal(self) -> bool:
        return self.cleaned_data.get("visibility") == self.INTERNAL


class AssignForm(VigieForm):
    assignee = PersonChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False, empty_label=_("Nobody"))
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=TechnicianGroup.objects.none(), required=False, empty_label=_("No group")
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"assignee": ticket.assignee_id, "group": ticket.group_id})
        super().__init__(*args, **kwargs)
        assignee_field: Any = self.fields["assignee"]
        assignee_field.queryset = staff_serving({ticket.organization_id})
        group_field: Any = self.fields["group"]
        group_field.queryset = groups_serving(ticket.organization)


class DetailsForm(VigieForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("No category")
    )
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Level.choices, coerce=int)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Level.choices, coerce=int)

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"title": ticket.title, "category": ticket.category_id, "impact": ticket.impact, "urgency": ticket.urgency},
        )
        super().__init__(*args, **kwargs)
        category_field: Any = self.fields["category"]
        category_field.queryset = active_categories(ticket.category)
        for name in ("impact", "urgency"):
            self.fields[name].widget.attrs["data-priority-input"] = name


class StatusForm(VigieForm):
    status = forms.ChoiceField(label=_("New status"), choices=TicketStatus.choices)
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == TicketStatus.RESOLVED and not (cleaned.get("resolution") or "").strip():
            self.add_error("resolution", _("Say how the ticket was resolved."))
        return cleaned


class WatchersForm(VigieForm):
    watchers = PeopleChoiceField(
        label=_("Watchers"), queryset=User.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"watchers": [u.pk for u in ticket.watchers.all()]})
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        watchers_field: Any = self.fields["watchers"]
        watchers_field.queryset = User.objects.filter(
            Q(pk__in=clients_users(ticket.organization).values("pk"))
            | Q(pk__in=staff_serving({ticket.organization_id}).values("pk"))
        ).order_by("first_name", "last_name")


# --- opening tickets ---------------------------------------------------------------------


class StaffTicketForm(VigieForm):
    """A technician opens a ticket for a client, typically after a phone call."""

    organization = forms.ModelChoiceField(label=_("Client"), queryset=Organization.objects.none(), empty_label=_("Choose…"))
    requester = PersonChoiceField(label=_("Requester"), queryset=User.objects.none(), empty_label=_("Choose…"))
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices, initial=TicketType.INCIDENT)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Level.choices, coerce=int, initial=Level.MEDIUM)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Level.choices, coerce=int, initial=Level.MEDIUM)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("No category")
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("No site"))
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=TechnicianGroup.objects.none(), required=False, empty_label=_("From the category")
    )
    assignee = PersonChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False, empty_label=_("Nobody"))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in (Channel.PHONE, Channel.EMAIL, Channel.STAFF)],
        initial=Channel.PHONE,
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, client_ids: frozenset[int], organization: Organization | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization_field: Any = self.fields["organization"]
        organization_field.queryset = Organization.objects.filter(pk__in=client_ids).order_by("name")
        scope = {organization.pk} if organization else set(client_ids)
        requester_field: Any = self.fields["requester"]
        requester_field.queryset = (
            User.objects.filter(is_active=True, memberships__organization__in=scope)
            .distinct()
            .order_by("first_name", "last_name")
        )
        site_field: Any = self.fields["site"]
        site_field.queryset = Site.objects.filter(organization__in=scope).select_related("organization")
        group_field: Any = self.fields["group"]
        group_field.queryset = TechnicianGroup.objects.filter(clients__in=scope).distinct().order_by("name")
        assignee_field: Any = self.fields["assignee"]
        assignee_field.queryset = staff_serving(scope)
        category_field: Any = self.fields["category"]
        category_field.queryset = active_categories()
        self.fields["organization"].widget.attrs["data-refresh-form"] = "1"


class PortalTicketForm(VigieForm):
    """An employee opens an incident ("something is broken") or a request ("I need something")."""

    organization = forms.ModelChoiceField(label=_("Company"), queryset=Organization.objects.none(), empty_label=None)
    type = forms.ChoiceField(
        label=_("What do you need?"),
        choices=[
            (TicketType.INCIDENT, _("Something is broken (incident)")),
            (TicketType.REQUEST, _("I need something (service request)")),
        ],
        initial=TicketType.INCIDENT,
        widget=forms.RadioSelect,
    )
    requester = PersonChoiceField(label=_("On behalf of"), queryset=User.objects.none(), required=False, empty_label=_("Myself"))
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happens, since when, and what you already tried."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("I don't know")
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("—"))
    urgency = forms.TypedChoiceField(
        label=_("Urgency"),
        coerce=int,
        initial=Level.MEDIUM,
        choices=[
            (Level.HIGH, _("High – I cannot work")),
            (Level.MEDIUM, _("Medium – I can work, with difficulty")),
            (Level.LOW, _("Low – it can wait")),
        ],
    )
    attachments = MultipleFileField(label=_("Attachments"), help_text=_("Screenshots, error messages, documents."))

    def __init__(
        self,
        *args: Any,
        organizations: QuerySet[Organization],
        colleagues: QuerySet[User] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organization_field: Any = self.fields["organization"]
        organization_field.queryset = organizations
        if len(organizations) == 1:
            organization_field.initial = organizations[0].pk
            organization_field.widget = forms.HiddenInput()
        if colleagues is None:
            del self.fields["requester"]
        else:
            requester_field: Any = self.fields["requester"]
            requester_field.queryset = colleagues
        site_field: Any = self.fields["site"]
        site_field.queryset = Site.objects.filter(organization__in=organizations)
        category_field: Any = self.fields["category"]
        category_field.queryset = active_categories()


class PortalReplyForm(VigieForm):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    attachments = MultipleFileField(label=_("Attachments"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachments") and not self.errors:
            self.add_error("body", _("Write a message or attach a file."))
        return cleaned
