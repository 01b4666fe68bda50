"""CSV export and import of a client's configuration items.

One row per CI, UTF-8, comma-separated, a header naming the columns: the common fields, then
``attr:<name>`` for every class attribute (empty when the class does not have it). ``users``
holds e-mail addresses separated by ``;``; ``owner`` an e-mail; ``site`` a site name; dates are
YYYY-MM-DD; criticality is 1 (vital) to 4 (low).

Import is idempotent: a row updates the CI with the same ``external_id`` or, without one, the
CI with the same class and name; otherwise it creates one. **All or nothing per file**: every
line is checked through the same services as the forms and API; if any line is refused,
nothing is written and the report lists every refused line with its number and reasons. A dry
run checks everything and writes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.cmdb import permissions, services
from vigie.cmdb.classes import ALL_ATTRIBUTE_NAMES
from vigie.cmdb.models import RECORD_FIELDS, ConfigurationItem
from vigie.tenancy.models import Organization, Site

ATTRIBUTE_COLUMN = "attr:"
COLUMNS = (
    "external_id",
    "name",
    "ci_class",
    "status",
    "criticality",
    "owner",
    "site",
    *RECORD_FIELDS,
    "users",
    "description",
)
REQUIRED_COLUMNS = ("name", "ci_class")
DATE_COLUMNS = ("purchase_date", "warranty_end", "end_of_support")
MAX_BYTES = 20 * 1024 * 1024


def header() -> list[str]:
    return [*COLUMNS, *(ATTRIBUTE_COLUMN + name for name in ALL_ATTRIBUTE_NAMES)]


def export_rows(organization: Organization) -> list[list[str]]:
    items = (
        ConfigurationItem.objects.filter(organization=organization)
        .select_related("owner", "site")
        .prefetch_related("users")
        .order_by("ci_class", "name", "id")
    )
    rows = [header()]
    for item in items:
        row = [
            item.external_id,
            item.name,
            item.ci_class,
            item.status,
            str(item.criticality),
            item.owner.email if item.owner else "",
            item.site.name if item.site else "",
            item.serial_number,
            item.vendor,
            item.model,
            *(getattr(item, name).isoformat() if getattr(item, name) else "" for name in DATE_COLUMNS),
            item.data_classification,
            item.hosting,
            item.hosting_provider,
            item.hosting_country,
            item.hosting_jurisdiction,
            ";".join(sorted(user.email for user in item.users.all())),
            item.description,
        ]
        for name in ALL_ATTRIBUTE_NAMES:
            value = item.attributes.get(name, "")
            row.append(", ".join(value) if isinstance(value, list) else str(value))
        rows.append(row)
    return rows


def export_csv(organization: Organization) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(export_rows(organization))
    return buffer.getvalue()


@dataclass
class LineError:
    line: int
    messages: list[str]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    file_errors: list[str] = field(default_factory=list)
    line_errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.line_errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.written,
            "created": self.created,
            "updated": self.updated,
            "file_errors": self.file_errors,
            "line_errors": [{"line": e.line, "messages": e.messages} for e in self.line_errors],
        }


class _Rollback(Exception):
    pass


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{name}: {message}" if name != "__all__" else message
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


def _row_values(
    row: dict[str, str], organization: Organization, people: dict[str, User], sites: dict[str, Site]
) -> tuple[dict[str, Any], list[User] | None, list[str]]:
    problems: list[str] = []
    values: dict[str, Any] = {}
    for name in COLUMNS:
        if name in ("owner", "site", "users", "criticality", *DATE_COLUMNS) or name not in row:
            continue
        values[name] = (row[name] or "").strip()
    for name in DATE_COLUMNS:
        if name in row:
            raw = (row[name] or "").strip()
            try:
                values[name] = date.fromisoformat(raw) if raw else None
            except ValueError:
                problems.append(_("%(column)s: “%(value)s” is not a date (YYYY-MM-DD).") % {"column": name, "value": raw})
    if "criticality" in row and (row["criticality"] or "").strip():
        raw = row["criticality"].strip()
        if raw.isdigit():
            values["criticality"] = int(raw)
        else:
            problems.append(_("criticality: give 1 (vital) to 4 (low)."))
    if "owner" in row:
        email = (row["owner"] or "").strip().lower()
        if email and email not in people:
            problems.append(_("owner: no user with the address “%(email)s”.") % {"email": email})
        values["owner"] = people.get(email) if email else None
    if "site" in row:
        site_name = (row["site"] or "").strip()
        if site_name and site_name.lower() not in sites:
            problems.append(_("site: %(client)s has no site “%(name)s”.") % {"client": organization.name, "name": site_name})
        values["site"] = sites.get(site_name.lower()) if site_name else None
    users: list[User] | None = None
    if "users" in row:
        emails = [e.strip().lower() for e in (row["users"] or "").split(";") if e.strip()]
        unknown = [e for e in emails if e not in people]
        if unknown:
            problems.append(_("users: no user with the address “%(email)s”.") % {"email": unknown[0]})
        users = [people[e] for e in emails if e in people]
    attributes = {
        key[len(ATTRIBUTE_COLUMN) :]: (value or "").strip()
        for key, value in row.items()
        if key and key.startswith(ATTRIBUTE_COLUMN)
    }
    if attributes:
        values["attributes"] = {k: v for k, v in attributes.items() if v}
    return values, users, problems


def import_csv(*, by: User, organization: Organization, data: bytes, dry_run: bool = False) -> ImportReport:
    """Import CIs into ``organization`` from CSV bytes; all or nothing (see the module's docstring)."""
    report = ImportReport(dry_run=dry_run)
    if not permissions.can_manage(by, organization.pk):
        raise PermissionDenied(_("Only the provider's staff serving this client can change its configuration items."))
    if len(data) > MAX_BYTES:
        report.file_errors.append(_("The file is larger than 20 MB."))
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        report.file_errors.append(
            _("The file is not UTF-8 (byte %(position)d); save it as “CSV UTF-8”.") % {"position": error.start + 1}
        )
        return report
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        report.file_errors.append(_("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    known = set(header())
    unknown = [c for c in columns if c not in known]
    if unknown:
        report.file_errors.append(_("Unknown column(s): %(columns)s.") % {"columns": ", ".join(unknown)})
    if report.file_errors:
        return report
    people = {u.email.lower(): u for u in User.objects.filter(memberships__organization__in=[organization]).distinct()}
    people.update(
        {
            u.email.lower(): u
            for u in User.objects.filter(memberships__organization__kind="provider").distinct()
            if u.email.lower() not in people
        }
    )
    sites = {s.name.lower(): s for s in Site.objects.filter(organization=organization)}
    try:
        with transaction.atomic():
            try:
                rows = list(reader)
            except csv.Error as error:
                report.file_errors.append(_("The file is not valid CSV: %(reason)s") % {"reason": str(error)})
                raise _Rollback from error
            for index, row in enumerate(rows, start=2):
                if None in row:
                    report.line_errors.append(LineError(index, [_("More cells than columns.")]))
                    continue
                _import_row(by, organization, row, index, report, people, sites)
            if not report.ok or dry_run:
                raise _Rollback
    except _Rollback:
        if not report.ok:
            report.created = report.updated = 0
    return report


def _import_row(
    by: User,
    organization: Organization,
    row: dict[str, str],
    line: int,
    report: ImportReport,
    people: dict[str, User],
    sites: dict[str, Site],
) -> None:
    values, users, problems = _row_values(row, organization, people, sites)
    if problems:
        report.line_errors.append(LineError(line, problems))
        return
    external_id, name, ci_class = values.get("external_id", ""), values.get("name", ""), values.get("ci_class", "")
    existing = None
    if external_id:
        existing = ConfigurationItem.objects.filter(organization=organization, external_id=external_id).first()
    if existing is None and name and ci_class:
        existing = ConfigurationItem.objects.filter(organization=organization, ci_class=ci_class, name__iexact=name).first()
    try:
        with transaction.atomic():
            if existing is None:
                services.create_item(by=by, organization=organization, users=users, **values)
                report.created += 1
            else:
                services.update_item(existing, by=by, users=users, **values)
                report.updated += 1
    except ValidationError as error:
        report.line_errors.append(LineError(line, _messages(error)))
