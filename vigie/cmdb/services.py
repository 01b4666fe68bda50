"""Writes on the CMDB: checked, then written in a transaction with the actor in the audit trail.

Views, the API, the CSV import and the command line all call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService, Criticality
from vigie.cmdb import permissions
from vigie.cmdb.classes import clean_attributes, describe_errors
from vigie.cmdb.models import (
    RECORD_FIELDS,
    CIClass,
    ConfigurationItem,
    RedundancyGroup,
    Relation,
    RelationKind,
    ServiceComponent,
    TicketConfigurationItem,
)
from vigie.core.audit import acting_as
from vigie.servicedesk.models import Ticket
from vigie.tenancy.models import PROVIDER_ROLES, Membership, Organization, OrganizationKind, Site

ITEM_FIELDS = (
    "name",
    "ci_class",
    "status",
    "owner",
    "site",
    "criticality",
    *RECORD_FIELDS,
    "attributes",
    "description",
    "external_id",
)
TEXT_FIELDS = (
    "name",
    "serial_number",
    "vendor",
    "model",
    "hosting_provider",
    "hosting_country",
    "hosting_jurisdiction",
    "description",
    "external_id",
)


def _refuse_unless_manager(by: User, organization_id: int) -> None:
    if not permissions.can_manage(by, organization_id):
        raise PermissionDenied(_("Only the provider's staff serving this client can change its configuration items."))


def _errors_of(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _check_client(organization: Organization) -> None:
    if organization.kind != OrganizationKind.CLIENT:
        raise ValidationError({"organization": _("Configuration items belong to a client company.")})


def is_member_or_staff(user: User, organization: Organization) -> bool:
    memberships = Membership.objects.filter(user=user)
    return (
        memberships.filter(organization_id=organization.pk).exists()
        or memberships.filter(organization__kind=OrganizationKind.PROVIDER, role__in=PROVIDER_ROLES).exists()
    )


def _check_item(item: ConfigurationItem, users: list[User] | None) -> None:
    """Every rule of a CI; raises ``ValidationError`` naming the fields."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    organization = item.organization
    for name in TEXT_FIELDS:
        setattr(item, name, (getattr(item, name) or "").strip())
    item.hosting_country = item.hosting_country.upper()
    if not item.name:
        add("name", _("A name is required."))
    if item.ci_class not in CIClass.values:
        add("ci_class", _("Unknown class."))
    else:
        attributes, attribute_errors = clean_attributes(item.ci_class, item.attributes)
        if attribute_errors:
            errors.setdefault("attributes", []).extend(describe_errors(item.ci_class, attribute_errors))
        item.attributes = attributes
        clash = ConfigurationItem.objects.filter(organization=organization, ci_class=item.ci_class, name__iexact=item.name)
        if item.pk:
            clash = clash.exclude(pk=item.pk)
        if item.name and clash.exists():
            add(
                "name",
                _("%(client)s already has a configuration item of this class with this name.") % {"client": organization.name},
            )
    if item.external_id:
        twin = ConfigurationItem.objects.filter(organization=organization, external_id=item.external_id)
        if item.pk:
            twin = twin.exclude(pk=item.pk)
        if twin.exists():
            add("external_id", _("Another configuration item of this client has this external identifier."))
    if item.criticality not in Criticality.values:
        add("criticality", _("Unknown criticality."))
    if item.site_id is not None and item.site is not None and item.site.organization_id != organization.pk:
        add("site", _("The site must be one of %(client)s's sites.") % {"client": organization.name})
    if item.owner is not None and not is_member_or_staff(item.owner, organization):
        add("owner", _("The owner must be a member of %(client)s or of the provider's staff.") % {"client": organization.name})
    if users:
        members = set(Membership.objects.filter(organization=organization, user__in=users).values_list("user_id", flat=True))
        if any(user.pk not in members for user in users):
            add("users", _("The users must be members of %(client)s.") % {"client": organization.name})
    dates = [d for d in (item.purchase_date, item.warranty_end, item.end_of_support) if d is not None]
    if any(not isinstance(d, date) for d in dates):
        add("purchase_date", _("Give dates as YYYY-MM-DD."))
    elif item.purchase_date and item.warranty_end and item.warranty_end < item.purchase_date:
        add("warranty_end", _("The warranty cannot end before the purchase."))
    try:
        item.full_clean(exclude=["organization", "attributes", "search_text", *errors], validate_constraints=False)
    except ValidationError as error:
        for name, messages in _errors_of(error).items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def create_item(*, by: User, organization: Organization, users: Iterable[User] | None = None, **values: Any) -> ConfigurationItem:
    """A configuration item of a client."""
    _refuse_unless_manager(by, organization.pk)
    _check_client(organization)
    unknown = sorted(set(values) - set(ITEM_FIELDS))
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    item = ConfigurationItem(organization=organization, **values)
    user_list = list(users) if users is not None else None
    _check_item(item, user_list)
    item.search_text = item.compute_search_text()
    with transaction.atomic(), acting_as(by):
        item.save()
        if user_list:
            item.users.set(user_list)
    return item


def update_item(item: ConfigurationItem, *, by: User, users: Iterable[User] | None = None, **changes: Any) -> ConfigurationItem:
    """Change a configuration item (it stays with its client)."""
    _refuse_unless_manager(by, item.organization_id)
    if "organization" in changes and getattr(changes["organization"], "pk", None) != item.organization_id:
        raise ValidationError({"organization": _("A configuration item cannot move to another client.")})
    changes.pop("organization", None)
    unknown = sorted(set(changes) - set(ITEM_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    with transaction.atomic(), acting_as(by):
        locked = ConfigurationItem.objects.select_for_update().select_related("organization").get(pk=item.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        user_list = list(users) if users is not None else None
        _check_item(locked, user_list)
        locked.search_text = locked.compute_search_text()
        locked.save()
        if user_list is not None:
            locked.users.set(user_list)
    return locked


@dataclass(frozen=True)
class Links:
    """What deleting a CI would unlink."""

    relations: list[Relation]
    tickets: list[Ticket]
    services: list[BusinessService]

    @property
    def is_empty(self) -> bool:
        return not (self.relations or self.tickets or self.services)


def links_of(item: ConfigurationItem) -> Links:
    relations = list(
        Relation.objects.filter(Q(source=item) | Q(target=item)).select_related("source", "target").order_by("kind", "id")
    )
    tickets = list(Ticket.objects.filter(configuration_item_links__configuration_item=item).order_by("-created_at"))
    services = list(BusinessService.objects.filter(components__configuration_item=item).order_by("name"))
    return Links(relations, tickets, services)


def delete_item(item: ConfigurationItem, *, by: User, confirm: bool = False) -> Links:
    """Delete a CI. A CI still linked (relations, tickets, services) is refused unless
    ``confirm`` — then the links go with it, in the same transaction. Returns what was unlinked."""
    _refuse_unless_manager(by, item.organization_id)
    with transaction.atomic(), acting_as(by):
        locked = ConfigurationItem.objects.select_for_update().get(pk=item.pk)
        links = links_of(locked)
        if not links.is_empty and not confirm:
            raise ValidationError(
                _(
                    "“%(name)s” is still linked: %(relations)d relations, %(tickets)d tickets, %(services)d business "
                    "services. Confirm to delete it with its links."
                )
                % {
                    "name": locked.name,
                    "relations": len(links.relations),
                    "tickets": len(links.tickets),
                    "services": len(links.services),
                },
                code="linked",
            )
        Relation.objects.filter(Q(source=locked) | Q(target=locked)).delete()
        ServiceComponent.objects.filter(configuration_item=locked).delete()
        TicketConfigurationItem.objects.filter(configuration_item=locked).delete()
        locked.delete()
    return links


def _same_client(organization_id: int, *objects: Any, field: str) -> None:
    for obj in objects:
        if obj is not None and obj.organization_id != organization_id:
            raise ValidationError({field: _("Both ends must belong to the same client.")})


def add_relation(
    *,
    by: User,
    source: ConfigurationItem,
    target: ConfigurationItem,
    kind: str,
    redundancy_group: RedundancyGroup | None = None,
    description: str = "",
) -> Relation:
    """``source`` ``kind`` ``target``. Cycles are accepted (the analysis never loops)."""
    _refuse_unless_manager(by, source.organization_id)
    errors: dict[str, list[str]] = {}
    if target.organization_id != source.organization_id:
        errors["target"] = [_("Both ends must belong to the same client.")]
    elif target.pk == source.pk:
        errors["target"] = [_("A configuration item cannot be related to itself.")]
    if kind not in RelationKind.values:
        errors["kind"] = [_("Unknown kind of relation.")]
    if redundancy_group is not None and redundancy_group.organization_id != source.organization_id:
        errors["redundancy_group"] = [_("The redundancy group must belong to the same client.")]
    description = (description or "").strip()
    if len(description) > 300:
        errors["description"] = [_("300 characters at most.")]
    if not errors and Relation.objects.filter(source=source, target=target, kind=kind).exists():
        errors["target"] = [_("This relation already exists.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), acting_as(by):
        return Relation.objects.create(
            organization_id=source.organization_id,
            source=source,
            target=target,
            kind=kind,
            redundancy_group=redundancy_group,
            description=description,
        )


def remove_relation(relation: Relation, *, by: User) -> None:
    _refuse_unless_manager(by, relation.organization_id)
    with transaction.atomic(), acting_as(by):
        relation.delete()


def _check_group(organization: Organization, name: str, minimum_up: Any, exclude_pk: int | None) -> tuple[str, int]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > 150:
        errors["name"] = [_("150 characters at most.")]
    else:
        clash = RedundancyGroup.objects.filter(organization=organization, name__iexact=name)
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors["name"] = [_("%(client)s already has a redundancy group with this name.") % {"client": organization.name}]
    try:
        needed = int(minimum_up)
    except (TypeError, ValueError):
        needed = 0
    if needed < 1 or needed > 1000:
        errors["minimum_up"] = [_("Give a number of members between 1 and 1000.")]
    if errors:
        raise ValidationError(errors)
    return name, needed


def create_group(
    *, by: User, organization: Organization, name: str, minimum_up: int = 1, description: str = ""
) -> RedundancyGroup:
    _refuse_unless_manager(by, organization.pk)
    _check_client(organization)
    name, needed = _check_group(organization, name, minimum_up, None)
    with transaction.atomic(), acting_as(by):
        return RedundancyGroup.objects.create(
            organization=organization, name=name, minimum_up=needed, description=(description or "").strip()
        )


def update_group(group: RedundancyGroup, *, by: User, name: str, minimum_up: int, description: str = "") -> RedundancyGroup:
    _refuse_unless_manager(by, group.organization_id)
    name, needed = _check_group(group.organization, name, minimum_up, group.pk)
    with transaction.atomic(), acting_as(by):
        group.name, group.minimum_up, group.description = name, needed, (description or "").strip()
        group.save()
    return group


def delete_group(group: RedundancyGroup, *, by: User) -> None:
    """A group still carried by relations or service components is refused."""
    _refuse_unless_manager(by, group.organization_id)
    with transaction.atomic(), acting_as(by):
        used = (
            Relation.objects.filter(redundancy_group=group).count()
            + ServiceComponent.objects.filter(redundancy_group=group).count()
        )
        if used:
            raise ValidationError(
                _("This group is still used by %(count)d relations or service components; remove them from it first.")
                % {"count": used}
            )
        group.delete()


def add_component(
    *, by: User, service: BusinessService, item: ConfigurationItem, redundancy_group: RedundancyGroup | None = None
) -> ServiceComponent:
    """``item`` supports ``service``."""
    _refuse_unless_manager(by, service.organization_id)
    errors: dict[str, list[str]] = {}
    if item.organization_id != service.organization_id:
        errors["configuration_item"] = [_("The configuration item must belong to the service's client.")]
    if redundancy_group is not None and redundancy_group.organization_id != service.organization_id:
        errors["redundancy_group"] = [_("The redundancy group must belong to the same client.")]
    if not errors and ServiceComponent.objects.filter(service=service, configuration_item=item).exists():
        errors["configuration_item"] = [_("This configuration item already supports this service.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), acting_as(by):
        return ServiceComponent.objects.create(
            organization_id=service.organization_id, service=service, configuration_item=item, redundancy_group=redundancy_group
        )


def remove_component(component: ServiceComponent, *, by: User) -> None:
    _refuse_unless_manager(by, component.organization_id)
    with transaction.atomic(), acting_as(by):
        component.delete()


def link_ticket(*, by: User, ticket: Ticket, item: ConfigurationItem) -> TicketConfigurationItem:
    """The ticket concerns ``item``; linking twice is harmless."""
    _refuse_unless_manager(by, ticket.organization_id)
    if item.organization_id != ticket.organization_id:
        raise ValidationError({"configuration_item": _("The configuration item must belong to the ticket's client.")})
    with transaction.atomic(), acting_as(by):
        link, _created = TicketConfigurationItem.objects.get_or_create(
            ticket=ticket, configuration_item=item, defaults={"organization_id": ticket.organization_id, "created_by": by}
        )
    return link


def unlink_ticket(*, by: User, ticket: Ticket, item: ConfigurationItem) -> None:
    _refuse_unless_manager(by, ticket.organization_id)
    with transaction.atomic(), acting_as(by):
        TicketConfigurationItem.objects.filter(ticket=ticket, configuration_item=item).delete()


def site_choices(organization: Organization) -> Any:
    return Site.objects.filter(organization=organization).order_by("name")
