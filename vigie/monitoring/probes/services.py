"""Services for a client's probe policy (which addresses its checks may reach)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.monitoring import permissions
from vigie.monitoring.models import ProbePolicy
from vigie.monitoring.probes.policy import ALWAYS_REFUSED
from vigie.tenancy.models import Organization

MAX_NETWORKS = 200


def clean_networks(text: str) -> str:
    """One CIDR network per line, normalised; raises ValidationError naming the bad line."""
    import ipaddress

    lines: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            network = ipaddress.ip_network(line, strict=False)
        except ValueError:
            raise ValidationError(
                {
                    "allowed_networks": _("Line %(number)s: “%(value)s” is not a network in CIDR notation.")
                    % {"number": number, "value": line}
                }
            ) from None
        if network.prefixlen == 0:
            raise ValidationError(
                {"allowed_networks": _("Line %(number)s: a network cannot cover every address.") % {"number": number}}
            )
        lines.append(str(network))
    if len(lines) > MAX_NETWORKS:
        raise ValidationError({"allowed_networks": _("At most %(count)s networks.") % {"count": MAX_NETWORKS}})
    return "\n".join(dict.fromkeys(lines))


def policy_for(organization: Organization) -> ProbePolicy:
    """The client's policy, or an unsaved default one (public addresses only)."""
    return ProbePolicy.objects.filter(organization=organization).first() or ProbePolicy(organization=organization)


def update_probe_policy(organization: Organization, *, by: User, allowed_networks: str, allow_public: bool) -> ProbePolicy:
    if not permissions.serves(by, organization.pk):
        raise PermissionDenied(_("Only the provider's staff serving this client can change its supervision."))
    cleaned = clean_networks(allowed_networks)
    with transaction.atomic(), acting_as(by):
        policy, _created = ProbePolicy.objects.select_for_update().get_or_create(organization=organization)
        policy.allowed_networks = cleaned
        policy.allow_public = allow_public
        policy.save()
    return policy


__all__ = ["ALWAYS_REFUSED", "clean_networks", "policy_for", "update_probe_policy"]
