"""Managing intake sources (services): create with a token shown once, rotate, deactivate; and
the configuration snippets a provider pastes into the sending tool."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.core.audit import acting_as
from vigie.monitoring.models import IntakeSource, SourceKind
from vigie.monitoring.tokens import issue_source, rotate_token
from vigie.tenancy.models import Organization

# Where each kind of source delivers, under the site URL (GLPI Agent and agent enrolment
# endpoints belong to their own packages; their paths are the documented ones).
ENDPOINTS = {
    SourceKind.ALERTMANAGER: "/intake/alertmanager/",
    SourceKind.ZABBIX: "/intake/zabbix/",
    SourceKind.GENERIC: "/intake/generic/",
    SourceKind.GLPI_AGENT: "/intake/glpi/",
    SourceKind.AGENT: "/",
}


@dataclass(frozen=True)
class Snippet:
    title: str
    language: str
    text: str


def create_source(*, by: User, organization: Organization, kind: str, name: str) -> tuple[IntakeSource, str]:
    return issue_source(by=by, organization=organization, kind=kind, name=name.strip())


def rotate_source_token(source: IntakeSource, *, by: User) -> str:
    """A new token; the old one stops working at once."""
    return rotate_token(source, by=by)


def deactivate_source(source: IntakeSource, *, by: User) -> IntakeSource:
    with transaction.atomic(), acting_as(by):
        source.is_active = False
        source.save(update_fields=["is_active", "updated_at"])
    return source


def endpoint_url(site_url: str, kind: str) -> str:
    return site_url.rstrip("/") + ENDPOINTS.get(SourceKind(kind), "/")


def snippets(source: IntakeSource, token: str, site_url: str) -> list[Snippet]:
    """What to paste into the sending tool, with the clear token (shown once)."""
    url = endpoint_url(site_url, source.kind)
    kind = source.kind
    if kind == SourceKind.ALERTMANAGER:
        return [
            Snippet(
                _("alertmanager.yml: a receiver and a route to it"),
                "yaml",
                "receivers:\n"
                "  - name: vigie\n"
                "    webhook_configs:\n"
                f"      - url: {url}\n"
                "        send_resolved: true\n"
                "        http_config:\n"
                "          authorization:\n"
                "            type: Bearer\n"
                f"            credentials: {token}\n"
                "route:\n"
                "  routes:\n"
                "    - receiver: vigie\n"
                "      continue: true\n",
            ),
            Snippet(_("Without a header: the token in the URL"), "text", f"{url}{token}/"),
        ]
    if kind == SourceKind.ZABBIX:
        return [
            Snippet(
                _("Parameters of the Vigie media type in Zabbix"),
                "text",
                f"vigie_url = {url}\nvigie_token = {token}",
            )
        ]
    if kind == SourceKind.GENERIC:
        return [
            Snippet(
                _("Raise an alert with curl"),
                "shell",
                f"curl -sS -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\\n"
                f'  --data \'{{"alerts": [{{"key": "backup/nas-01", "status": "firing", '
                f'"severity": "critical", "summary": "Backup failed"}}]}}\' \\\n'
                f"  {url}",
            ),
            Snippet(_("Schema of the payload"), "text", f"{url}schema.json"),
        ]
    if kind == SourceKind.GLPI_AGENT:
        return [Snippet(_("GLPI Agent configuration (agent.cfg)"), "ini", f"server = {url}{token}/")]
    return [
        Snippet(
            _("Enrol a machine with the Vigie agent"),
            "shell",
            f"vigie-agent enrol --server {site_url.rstrip('/')} --token {token}",
        )
    ]
