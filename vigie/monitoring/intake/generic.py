"""The generic JSON webhook: a documented schema (generic.schema.json, JSON Schema 2020-12).

One Vigie alert per (client, ``key``): the deduplication key is ``gen:<key>``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from vigie.monitoring.intake.parsing import Draft, PayloadError, host_names, parse_time, severity_of, string_labels, text_of

SCHEMA_PATH = Path(__file__).with_name("generic.schema.json")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def read(payload: Any) -> list[Draft]:
    error = best_match(_validator().iter_errors(payload))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "/"
        raise PayloadError(
            _("The payload does not follow the schema at %(where)s: %(message)s")
            % {"where": where, "message": error.message[:300]}
        )
    drafts = []
    for index, alert in enumerate(payload["alerts"]):
        key = alert["key"].strip()
        if not key:
            raise PayloadError(_("alerts[%(index)s].key is empty.") % {"index": index})
        service = alert.get("service")
        drafts.append(
            Draft(
                dedup_key=f"gen:{key}",
                firing=alert["status"] == "firing",
                at=parse_time(alert.get("at"), field=f"alerts[{index}].at"),
                summary=text_of(alert.get("summary"), 300) or key[:300],
                severity=severity_of(alert.get("severity")),
                description=text_of(alert.get("description"), 5000),
                labels=string_labels(alert.get("labels"), field=f"alerts[{index}].labels"),
                ci_names=host_names(alert.get("ci")),
                service_ref="" if service is None else str(service),
            )
        )
    return drafts
