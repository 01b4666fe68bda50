"""Organisations (one provider, N client companies), their sites, memberships and technician groups."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from vigie.core.models import TimeStampedModel


class OrganizationKind(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    CLIENT = "client", _("Client company")


class UnknownSenderPolicy(models.TextChoices):
    CREATE_REQUESTER = "create", _("Create a requester account")
    REJECT = "reject", _("Reject with a reply")


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def clients(self) -> OrganizationQuerySet:
        return self.filter(kind=OrganizationKind.CLIENT)

    def providers(self) -> OrganizationQuerySet:
        return self.filter(kind=OrganizationKind.PROVIDER)

    def active(self) -> OrganizationQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user: object) -> OrganizationQuerySet:
        from vigie.tenancy.access import visible_organization_ids

        return self.filter(pk__in=visible_organization_ids(user))


class Organization(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices, default=OrganizationKind.CLIENT)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    ticket_prefix = models.CharField(
        _("ticket code"),
        max_length=8,
        blank=True,
        help_text=_("Optional short code shown with the client's tickets."),
        validators=[RegexValidator(r"^[A-Z0-9]*$", _("Use capital letters and digits only."))],
    )
    support_email = models.EmailField(
        _("support address"),
        blank=True,
        help_text=_("Messages sent to this address open tickets for this client."),
    )
    email_domains = models.CharField(
        _("e-mail domains"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated domains of the client's employees, used to place unknown senders."),
    )
    unknown_sender_policy = models.CharField(
        _("unknown senders"),
        max_length=16,
        choices=UnknownSenderPolicy.choices,
        default=UnknownSenderPolicy.CREATE_REQUESTER,
    )
    mfa_required = models.BooleanField(_("two-factor authentication required"), default=False)
    satisfaction_percent = models.PositiveSmallIntegerField(
        _("satisfaction surveys (% of resolved tickets)"),
        default=100,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of resolved tickets whose requester is asked for a rating; 0 turns surveys off."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["support_email"],
                condition=~models.Q(support_email=""),
                name="organization_unique_support_email",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_provider(self) -> bool:
        return self.kind == OrganizationKind.PROVIDER

    def domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]


class Site(TimeStampedModel):
    organization = models.ForeignKey(Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="site_unique_name_per_organization")]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})" if self.city else self.name


class Role(models.TextChoices):
    # Provider side
    ADMIN = "admin", _("Administrator")
    TECHNICIAN = "technician", _("Technician")
    SERVICE_OWNER = "service_owner", _("Service owner")
    CHANGE_MANAGER = "change_manager", _("Change manager")
    PROBLEM_MANAGER = "problem_manager", _("Problem manager")
    # Client side
    CLIENT_MANAGER = "client_manager", _("Client manager")
    IT_CONTACT = "it_contact", _("IT contact")
    REQUESTER = "requester", _("Requester")


PROVIDER_ROLES = frozenset({Role.ADMIN, Role.TECHNICIAN, Role.SERVICE_OWNER, Role.CHANGE_MANAGER, Role.PROBLEM_MANAGER})
CLIENT_ROLES = frozenset({Role.CLIENT_MANAGER, Role.IT_CONTACT, Role.REQUESTER})
# Client roles that see every ticket of their company, not only their own.
COMPANY_WIDE_CLIENT_ROLES = frozenset({Role.CLIENT_MANAGER, Role.IT_CONTACT})


class Membership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    site = models.ForeignKey(Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_organization")]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"


class TechnicianGroup(TimeStampedModel):
    """A team of provider technicians and the client companies it serves."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="technician_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="technician_groups"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clients = models.ManyToManyField(Organization, verbose_name=_("clients served"), blank=True, related_name="served_by_groups")

    class Meta:
        verbose_name = _("technician group")
        verbose_name_plural = _("technician groups")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="group_unique_name_per_provider")]

    def __str__(self) -> str:
        return self.name
