"""What a notification says: a title and a plain-text body (and an HTML body for e-mail),
rendered in one language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from vigie.monitoring.models import Alert


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    language: str


def headline(alert: Alert, kind: str, minutes: int | None = None) -> str:
    values = {"summary": alert.summary, "client": alert.organization.name}
    if kind == "resolved":
        return _("Recovered: %(summary)s (%(client)s)") % values
    if kind == "flapping":
        return _("Flapping: %(summary)s (%(client)s) keeps firing and recovering") % values
    if kind == "escalation":
        return _("Escalation: %(summary)s (%(client)s) is still firing and nobody acknowledged it") % values
    if kind == "test":
        return _("Test notification from Vigie for %(client)s") % values
    return _("Alert: %(summary)s (%(client)s)") % values


def _when(moment: Any) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


def facts(alert: Alert) -> list[tuple[Any, str]]:
    meta = Alert._meta
    rows = [
        (capfirst(meta.get_field("organization").verbose_name), alert.organization.name),
        (capfirst(meta.get_field("severity").verbose_name), alert.get_severity_display()),
        (capfirst(meta.get_field("status").verbose_name), alert.get_status_display()),
        (capfirst(meta.get_field("first_seen_at").verbose_name), _when(alert.first_seen_at)),
        (capfirst(meta.get_field("last_seen_at").verbose_name), _when(alert.last_seen_at)),
        (capfirst(meta.get_field("occurrences").verbose_name), str(alert.occurrences)),
    ]
    if alert.configuration_item is not None:
        rows.append((capfirst(meta.get_field("configuration_item").verbose_name), alert.configuration_item.name))
    if alert.service is not None:
        rows.append((capfirst(meta.get_field("service").verbose_name), alert.service.name))
    if alert.ticket is not None:
        rows.append((capfirst(meta.get_field("ticket").verbose_name), alert.ticket.reference))
    return rows


def link(alert: Alert) -> str:
    if alert.ticket is not None:
        return settings.SITE_URL + alert.ticket.get_absolute_url()
    return settings.SITE_URL + reverse("monitoring:overview")


def render(alert: Alert, kind: str, language: str) -> Message:
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "alert": alert,
            "headline": headline(alert, kind),
            "description": alert.description if kind != "test" else _("If you read this, the channel works."),
            "facts": facts(alert) if kind != "test" else [],
            "url": link(alert),
            "language": language,
            "is_test": kind == "test",
        }
        subject = " ".join(str(context["headline"]).split())[:250]
        return Message(
            subject=f"[Vigie] {subject}",
            text=render_to_string("monitoring/email/alert_email.txt", context),
            html=render_to_string("monitoring/email/alert_email.html", context),
            language=language,
        )


def kind_of(event_key: str) -> str:
    return event_key.split(":", 1)[0]
