"""Writes on notification channels, and a test send. Staff serving the client only."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import apprise
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.monitoring.alerting.services import require_serving
from vigie.monitoring.models import Alert, AlertSeverity, AlertStatus, ChannelKind, NotificationChannel
from vigie.monitoring.notify import sending
from vigie.tenancy.models import Organization

CHANNEL_FIELDS = frozenset(
    {
        "name",
        "kind",
        "email_addresses",
        "apprise_url",
        "min_severity",
        "quiet_hours_start",
        "quiet_hours_end",
        "quiet_hours_timezone",
        "critical_during_quiet_hours",
        "escalate_after_minutes",
        "escalation_channel",
        "is_active",
    }
)


def _clean(channel: NotificationChannel) -> None:
    errors: dict[str, str] = {}
    channel.name = (channel.name or "").strip()
    if not channel.name:
        errors["name"] = _("A name is required.")
    if channel.kind not in ChannelKind.values:
        errors["kind"] = _("Unknown kind of channel.")
    elif channel.kind == ChannelKind.EMAIL:
        addresses = sending.addresses_of(channel)
        if not addresses:
            errors["email_addresses"] = _("Give at least one e-mail address.")
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                errors["email_addresses"] = _("“%(address)s” is not a valid e-mail address.") % {"address": address}
                break
        channel.email_addresses = "\n".join(addresses)
        channel.apprise_url = ""
    else:
        channel.apprise_url = (channel.apprise_url or "").strip()
        if not channel.apprise_url or not apprise.Apprise().add(channel.apprise_url):
            errors["apprise_url"] = _("Apprise does not recognise this URL; see the list of services in the documentation.")
        channel.email_addresses = ""
    if channel.min_severity not in AlertSeverity.values:
        errors["min_severity"] = _("Unknown severity.")
    if (channel.quiet_hours_start is None) != (channel.quiet_hours_end is None):
        errors["quiet_hours_end"] = _("Give both the start and the end of the quiet hours, or neither.")
    try:
        ZoneInfo(channel.quiet_hours_timezone or "")
    except (ZoneInfoNotFoundError, ValueError):
        errors["quiet_hours_timezone"] = _("Unknown time zone.")
    target = channel.escalation_channel
    if target is not None:
        if target.organization_id != channel.organization_id:
            errors["escalation_channel"] = _("It must belong to the same client.")
        elif channel.pk is not None and target.pk == channel.pk:
            errors["escalation_channel"] = _("A channel cannot escalate to itself.")
    if (channel.escalate_after_minutes is None) != (target is None):
        errors["escalate_after_minutes"] = _("Give both the delay and the channel to escalate to, or neither.")
    if errors:
        raise ValidationError(errors)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - CHANNEL_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})


def create_channel(*, by: User, organization: Organization, **fields: Any) -> NotificationChannel:
    require_serving(by, organization.pk)
    _check_fields(fields)
    channel = NotificationChannel(organization=organization, **fields)
    _clean(channel)
    with transaction.atomic(), acting_as(by):
        channel.save()
    return channel


def update_channel(channel: NotificationChannel, *, by: User, **fields: Any) -> NotificationChannel:
    """An empty ``apprise_url`` keeps the stored one (it is never shown back)."""
    require_serving(by, channel.organization_id)
    _check_fields(fields)
    if fields.get("apprise_url") in ("", None):
        fields.pop("apprise_url", None)
    for name, value in fields.items():
        setattr(channel, name, value)
    _clean(channel)
    with transaction.atomic(), acting_as(by):
        channel.save()
    return channel


def delete_channel(channel: NotificationChannel, *, by: User) -> None:
    require_serving(by, channel.organization_id)
    with transaction.atomic(), acting_as(by):
        NotificationChannel.objects.filter(escalation_channel=channel).update(
            escalation_channel=None, escalate_after_minutes=None
        )
        channel.delete()


def send_test(channel: NotificationChannel, *, by: User) -> str:
    """Send a test message now; returns "" when it went out, else the reason it did not."""
    require_serving(by, channel.organization_id)
    now = timezone.now()
    sample = Alert(
        organization=channel.organization,
        dedup_key="vigie-test",
        source_kind="test",
        summary=_("Test notification"),
        severity=AlertSeverity.INFO,
        status=AlertStatus.FIRING,
        first_seen_at=now,
        last_seen_at=now,
    )
    try:
        sending.send(channel, sample, "test")
    except Exception as error:
        return str(error) or type(error).__name__
    return ""
