"""The class-specific attributes of configuration items, and their validation.

Each class lists the attributes it knows; ``ConfigurationItem.attributes`` holds their values
as JSON (strings, whole numbers, ISO dates, lists of strings). An attribute a class does not
know is refused, so that a typo never hides data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vigie.cmdb.models import CIClass

TEXT = "text"
INTEGER = "integer"
DATE = "date"
LIST = "list"  # a list of strings; in CSV and forms, comma-separated
MAX_TEXT = 300


@dataclass(frozen=True)
class Attribute:
    name: str
    label: str | Promise
    kind: str = TEXT
    required: bool = False


_OS = Attribute("os", _("Operating system"))

CLASS_ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    CIClass.SERVER: (
        Attribute("cpu_cores", _("CPU cores"), INTEGER),
        Attribute("ram_gb", _("Memory (GB)"), INTEGER),
        _OS,
        Attribute("ip_address", _("IP address")),
    ),
    CIClass.VIRTUAL_MACHINE: (
        Attribute("cpu_cores", _("CPU cores"), INTEGER),
        Attribute("ram_gb", _("Memory (GB)"), INTEGER),
        _OS,
        Attribute("ip_address", _("IP address")),
    ),
    CIClass.WORKSTATION: (_OS, Attribute("assigned_user", _("Assigned user"))),
    CIClass.LAPTOP: (_OS, Attribute("assigned_user", _("Assigned user")), Attribute("encrypted", _("Disk encryption"))),
    CIClass.NETWORK_DEVICE: (
        Attribute("device_type", _("Device type")),
        Attribute("ip_address", _("IP address")),
        Attribute("firmware", _("Firmware version")),
        Attribute("ports", _("Ports"), INTEGER),
    ),
    CIClass.PRINTER: (Attribute("ip_address", _("IP address")), Attribute("colour", _("Colour"))),
    CIClass.PHONE: (Attribute("phone_number", _("Phone number")), _OS, Attribute("assigned_user", _("Assigned user"))),
    CIClass.APPLICATION: (Attribute("version", _("Version")), Attribute("url", _("Address (URL)"))),
    CIClass.SAAS_SUBSCRIPTION: (
        Attribute("url", _("Address (URL)")),
        Attribute("plan", _("Plan")),
        Attribute("seats", _("Seats"), INTEGER),
        Attribute("renewal_on", _("Renewal date"), DATE),
    ),
    CIClass.DATABASE: (
        Attribute("engine", _("Engine")),
        Attribute("version", _("Version")),
        Attribute("size_gb", _("Size (GB)"), INTEGER),
    ),
    CIClass.BACKUP_JOB: (
        Attribute("target", _("Backup target"), required=True),
        Attribute("schedule", _("Schedule")),
        Attribute("retention_days", _("Retention (days)"), INTEGER),
        Attribute("last_success_on", _("Last successful run"), DATE),
    ),
    CIClass.DOMAIN_NAME: (Attribute("registrar", _("Registrar")), Attribute("expires_on", _("Expires on"), DATE, required=True)),
    CIClass.TLS_CERTIFICATE: (
        Attribute("hosts", _("Host names"), LIST),
        Attribute("issuer", _("Issuer")),
        Attribute("expires_on", _("Expires on"), DATE, required=True),
    ),
    CIClass.LICENCE: (
        Attribute("product", _("Product")),
        Attribute("seats", _("Seats"), INTEGER),
        Attribute("expires_on", _("Expires on"), DATE),
    ),
    CIClass.INTERNET_LINK: (
        Attribute("operator", _("Operator")),
        Attribute("bandwidth_mbps", _("Bandwidth (Mbit/s)"), INTEGER),
        Attribute("technology", _("Technology")),
    ),
}

ALL_ATTRIBUTE_NAMES: tuple[str, ...] = tuple(
    sorted({attribute.name for attributes in CLASS_ATTRIBUTES.values() for attribute in attributes})
)


def attributes_of(ci_class: str) -> tuple[Attribute, ...]:
    return CLASS_ATTRIBUTES.get(ci_class, ())


def _clean_value(attribute: Attribute, value: Any) -> tuple[Any, str | None]:
    """The stored form of ``value``, or an error message."""
    if attribute.kind == INTEGER:
        if isinstance(value, bool):
            return None, gettext("Give a whole number.")
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                return None, gettext("Give a whole number.")
        if number < 0 or number > 10**9:
            return None, gettext("Give a number between 0 and 1,000,000,000.")
        return number, None
    if attribute.kind == DATE:
        text = value.isoformat() if isinstance(value, date) else str(value).strip()
        try:
            return date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, gettext("Give a date as YYYY-MM-DD.")
    if attribute.kind == LIST:
        items = value if isinstance(value, list) else str(value).split(",")
        cleaned = [str(item).strip() for item in items if str(item).strip()]
        if any(len(item) > MAX_TEXT for item in cleaned):
            return None, gettext("Each entry is limited to 300 characters.")
        return cleaned, None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None, gettext("Give a text.")
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        return None, gettext("300 characters at most.")
    return text, None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def clean_attributes(ci_class: str, values: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The attributes to store for a CI of ``ci_class`` and the errors, keyed by attribute name.

    Empty values are dropped; a required attribute missing, an unknown name or a value of the
    wrong type is an error.
    """
    errors: dict[str, str] = {}
    if values is None:
        values = {}
    if not isinstance(values, dict):
        return {}, {"": gettext("The attributes must be an object of names and values.")}
    known = {attribute.name: attribute for attribute in attributes_of(ci_class)}
    for name in sorted(set(values) - set(known)):
        if not _empty(values[name]):
            errors[str(name)] = gettext("Unknown attribute for this class.")
    cleaned: dict[str, Any] = {}
    for name, attribute in known.items():
        value = values.get(name)
        if _empty(value):
            if attribute.required:
                errors[name] = gettext("This attribute is required for this class.")
            continue
        stored, error = _clean_value(attribute, value)
        if error:
            errors[name] = error
        elif not _empty(stored):
            cleaned[name] = stored
        elif attribute.required:
            errors[name] = gettext("This attribute is required for this class.")
    return cleaned, errors


def describe_errors(ci_class: str, errors: dict[str, str]) -> list[str]:
    """Messages naming the attribute, for places without one field per attribute."""
    labels = {attribute.name: str(attribute.label) for attribute in attributes_of(ci_class)}
    return [f"{labels.get(name, name) or gettext('attributes')}: {message}" for name, message in sorted(errors.items())]
