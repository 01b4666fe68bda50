"""The rules of suppliers, contracts and licences, checked before anything is written.

Each ``check_*`` takes the client and the proposed values, and answers the cleaned values or
raises one ``ValidationError`` naming every field at fault (so that a form or an API answer shows
all the problems at once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog.models import BusinessService
from vigie.contracts.models import (
    Contract,
    ContractKind,
    CostPeriod,
    LicenceKind,
    Renewal,
    Supplier,
    SupplierKind,
)
from vigie.sla.models import BusinessCalendar
from vigie.sla.validation import calendar_usable_by, check_client
from vigie.tenancy.models import Membership, Organization

MAX_COST = Decimal("9999999999.99")
MAX_RENEWAL_MONTHS = 120
MAX_SEATS = 1_000_000
# Active ISO 4217 currency codes.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
    CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
    GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP
    LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()  # noqa: SIM905
)


class Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def merge(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            self.by_field.setdefault(name, []).extend(messages)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _text(values: dict[str, Any], name: str, errors: Errors, *, limit: int, required: bool = False) -> str:
    text = " ".join(str(values.get(name) or "").split()) if limit else str(values.get(name) or "").strip()
    if required and not text:
        errors.add(name, _("This field is required."))
    elif limit and len(text) > limit:
        errors.add(name, _("%(limit)s characters at most.") % {"limit": limit})
    return text


def _checked(value: str, name: str, errors: Errors, validator: Callable[[str], None]) -> str:
    if value:
        try:
            validator(value)
        except ValidationError as error:
            errors.add(name, error.messages[0])
    return value


def _choice(values: dict[str, Any], name: str, choices: Iterable[str], errors: Errors) -> str:
    value = str(values.get(name) or "")
    if value not in set(choices):
        errors.add(name, _("Unknown value “%(value)s”.") % {"value": value})
    return value


def _same_client(obj: Any, organization: Organization, name: str, errors: Errors, label: str) -> None:
    if obj is not None and obj.organization_id != organization.pk:
        errors.add(name, _("This %(thing)s belongs to another client.") % {"thing": label})


def _items(values: dict[str, Any], organization: Organization, errors: Errors) -> list[Any]:
    items = list(values.get("configuration_items") or [])
    if any(item.organization_id != organization.pk for item in items):
        errors.add("configuration_items", _("Choose configuration items of %(client)s.") % {"client": organization.name})
    return items


def check_supplier(organization: Organization, values: dict[str, Any], *, exclude_pk: int | None) -> dict[str, Any]:
    errors = Errors()
    try:
        check_client(organization)
    except ValidationError as error:
        errors.merge(error)
    cleaned: dict[str, Any] = {
        "name": _text(values, "name", errors, limit=150, required=True),
        "kind": _choice(values, "kind", SupplierKind.values, errors),
        "contact_name": _text(values, "contact_name", errors, limit=150),
        "contact_phone": _text(values, "contact_phone", errors, limit=40),
        "support_phone": _text(values, "support_phone", errors, limit=40),
        "notes": str(values.get("notes") or "").strip(),
    }
    for name in ("contact_email", "support_email"):
        cleaned[name] = _checked(_text(values, name, errors, limit=254).lower(), name, errors, EmailValidator())
    for name in ("website", "support_url"):
        cleaned[name] = _checked(_text(values, name, errors, limit=200), name, errors, URLValidator(schemes=["http", "https"]))
    if cleaned["name"] and "name" not in errors.by_field:
        clash = Supplier.objects.filter(organization=organization, name__iexact=cleaned["name"])
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors.add("name", _("%(client)s already has a supplier with this name.") % {"client": organization.name})
    errors.raise_any()
    return cleaned


def _amount(value: Any, name: str, errors: Errors) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors.add(name, _("Give an amount, such as 1200.50."))
        return None
    if not amount.is_finite() or amount < 0:
        errors.add(name, _("The amount cannot be negative."))
        return None
    if amount > MAX_COST:
        errors.add(name, _("This amount is too large."))
        return None
    return amount.quantize(Decimal("0.01"))


def check_contract(organization: Organization, values: dict[str, Any]) -> dict[str, Any]:
    """Dates in order, a notice period shorter than the term, a renewal period for a tacit
    renewal, a known currency, a supplier, services and support hours of the same client."""
    errors = Errors()
    try:
        check_client(organization)
    except ValidationError as error:
        errors.merge(error)
    cleaned: dict[str, Any] = {
        "title": _text(values, "title", errors, limit=200, required=True),
        "reference": _text(values, "reference", errors, limit=100),
        "kind": _choice(values, "kind", ContractKind.values, errors),
        "renewal": _choice(values, "renewal", Renewal.values, errors),
        "cost_period": _choice(values, "cost_period", CostPeriod.values, errors),
        "support_terms": str(values.get("support_terms") or "").strip(),
        "notes": str(values.get("notes") or "").strip(),
    }
    supplier: Supplier | None = values.get("supplier")
    if supplier is None:
        errors.add("supplier", _("Choose the supplier."))
    _same_client(supplier, organization, "supplier", errors, _("supplier"))
    cleaned["supplier"] = supplier
    start: date | None = values.get("start_date")
    end: date | None = values.get("end_date")
    terminated: date | None = values.get("terminated_on")
    if start is None:
        errors.add("start_date", _("Give the start date."))
    if start is not None and end is not None and end <= start:
        errors.add("end_date", _("The end must come after the start."))
    if start is not None and terminated is not None and terminated < start:
        errors.add("terminated_on", _("A contract cannot be terminated before it starts."))
    cleaned.update(start_date=start, end_date=end, terminated_on=terminated)
    notice = values.get("notice_days") or 0
    if not isinstance(notice, int) or notice < 0 or notice > 3650:
        errors.add("notice_days", _("Give a number of days between 0 and 3650."))
        notice = 0
    if start is not None and end is not None and end > start and notice >= (end - start).days:
        errors.add(
            "notice_days",
            _("The notice period (%(notice)s days) must be shorter than the term (%(term)s days).")
            % {"notice": notice, "term": (end - start).days},
        )
    cleaned["notice_days"] = notice
    months = values.get("renewal_months")
    if months in ("", 0):
        months = None
    if months is not None and (not isinstance(months, int) or not 1 <= months <= MAX_RENEWAL_MONTHS):
        errors.add("renewal_months", _("Give a number of months between 1 and %(max)s.") % {"max": MAX_RENEWAL_MONTHS})
    elif cleaned["renewal"] == Renewal.TACIT and months is None:
        errors.add("renewal_months", _("A tacitly renewed contract needs its renewal period."))
    if cleaned["renewal"] != Renewal.NONE and end is None:
        errors.add("end_date", _("A contract that renews needs an end date."))
    cleaned["renewal_months"] = months
    cleaned["cost_amount"] = _amount(values.get("cost_amount"), "cost_amount", errors)
    currency = str(values.get("currency") or "EUR").strip().upper()
    if currency not in CURRENCIES:
        errors.add("currency", _("“%(code)s” is not an ISO 4217 currency code (EUR, USD, CHF…).") % {"code": currency[:10]})
    cleaned["currency"] = currency
    calendar: BusinessCalendar | None = values.get("support_calendar")
    try:
        calendar_usable_by(calendar, organization, "support_calendar")
    except ValidationError as error:
        errors.merge(error)
    cleaned["support_calendar"] = calendar
    services: list[BusinessService] = list(values.get("services") or [])
    if any(service.organization_id != organization.pk for service in services):
        errors.add("services", _("Choose business services of %(client)s.") % {"client": organization.name})
    cleaned["services"] = services
    cleaned["configuration_items"] = _items(values, organization, errors)
    errors.raise_any()
    return cleaned


def check_licence(organization: Organization, values: dict[str, Any]) -> dict[str, Any]:
    """Seats purchased (none for an unlimited licence), a supplier and contract of the same
    client, users who are members of the client. Assigning more seats than purchased is allowed
    and flagged, never refused: the record must say what is really installed."""
    errors = Errors()
    try:
        check_client(organization)
    except ValidationError as error:
        errors.merge(error)
    cleaned: dict[str, Any] = {
        "software": _text(values, "software", errors, limit=200, required=True),
        "kind": _choice(values, "kind", LicenceKind.values, errors),
        "expiry_date": values.get("expiry_date"),
        "notes": str(values.get("notes") or "").strip(),
    }
    seats = values.get("seats_purchased")
    if seats == "":
        seats = None
    if seats is not None and (not isinstance(seats, int) or not 0 <= seats <= MAX_SEATS):
        errors.add("seats_purchased", _("Give a number of seats between 0 and %(max)s.") % {"max": MAX_SEATS})
    if seats is None and cleaned["kind"] in (LicenceKind.PER_SEAT, LicenceKind.PER_DEVICE):
        errors.add("seats_purchased", _("Give the number of seats purchased."))
    cleaned["seats_purchased"] = seats
    supplier: Supplier | None = values.get("supplier")
    _same_client(supplier, organization, "supplier", errors, _("supplier"))
    cleaned["supplier"] = supplier
    contract: Contract | None = values.get("contract")
    _same_client(contract, organization, "contract", errors, _("contract"))
    cleaned["contract"] = contract
    users: list[User] = list(values.get("users") or [])
    members = set(
        Membership.objects.filter(organization=organization, user__in=users, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    strangers = [user for user in users if user.pk not in members]
    if strangers:
        errors.add(
            "users",
            _("Only active users of %(client)s can hold a seat: %(names)s.")
            % {"client": organization.name, "names": ", ".join(str(user) for user in strangers)},
        )
    cleaned["users"] = users
    cleaned["configuration_items"] = _items(values, organization, errors)
    errors.raise_any()
    return cleaned
