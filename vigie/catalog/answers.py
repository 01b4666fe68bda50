"""Checking an employee's answers to a template's form, field by field, on the server.

``check_answers(template, organization, raw)`` takes what a form or the API sent, keyed by the
field's id (``"12"`` or ``12``), and returns the answers to store, each with its label and kind
as they were when ordered (a template may change later) and its value as shown. Every problem
is collected and raised together as ``ValidationError({"field_<id>": [message]})``, in the
active language, so that the form shows it next to the question and the API names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from vigie.accounts.models import User
from vigie.catalog.models import FieldKind, RequestField, RequestTemplate
from vigie.tenancy.models import Organization

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
NUMBER_LIMIT = Decimal("1e12")
TRUE_WORDS = frozenset({"true", "yes", "on", "1", "oui", "y"})
FALSE_WORDS = frozenset({"false", "no", "off", "0", "non", "n"})


def field_key(field: RequestField) -> str:
    return f"field_{field.pk}"


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return not [item for item in value if not _blank(item)]
    return False


def _text(value: Any, limit: int) -> tuple[str, str]:
    if not isinstance(value, str):
        raise ValidationError(_("Give a text."))
    text = value.strip()
    if len(text) > limit:
        raise ValidationError(_("%(limit)s characters at most.") % {"limit": limit})
    return text, text


def _number(value: Any) -> tuple[str, str]:
    if isinstance(value, bool):
        raise ValidationError(_("Give a number."))
    try:
        number = Decimal(str(value).strip().replace(" ", "").replace("\u202f", "").replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Give a number.")) from None
    if not number.is_finite():
        raise ValidationError(_("Give a number."))
    if abs(number) >= NUMBER_LIMIT:
        raise ValidationError(_("This number is too large."))
    normalized = number.normalize()
    stored = format(normalized, "f")
    return stored, formats.number_format(normalized, use_l10n=True)


def _date(value: Any) -> tuple[str, str]:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(_("Give a date as YYYY-MM-DD.")) from None
    return day.isoformat(), formats.date_format(day, "SHORT_DATE_FORMAT")


def _yes_no(value: Any) -> tuple[bool, str]:
    if isinstance(value, bool):
        answer = value
    elif str(value).strip().lower() in TRUE_WORDS:
        answer = True
    elif str(value).strip().lower() in FALSE_WORDS:
        answer = False
    else:
        raise ValidationError(_("Answer yes or no."))
    return answer, str(_("Yes") if answer else _("No"))


def _single(field: RequestField, value: Any) -> tuple[str, str]:
    text = str(value).strip() if isinstance(value, str | int) else None
    if text is None or text not in field.choices:
        raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": value})
    return text, text


def _multiple(field: RequestField, value: Any) -> tuple[list[str], str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple):
        raise ValidationError(_("Give a list of choices."))
    chosen: list[str] = []
    for item in values:
        text = str(item).strip() if isinstance(item, str | int) else ""
        if not text:
            continue
        if text not in field.choices:
            raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": item})
        if text not in chosen:
            chosen.append(text)
    ordered = [choice for choice in field.choices if choice in chosen]
    return ordered, ", ".join(ordered)


def colleagues(organization: Organization) -> Any:
    """The active people of a client company, for the "person of the company" questions."""
    return (
        User.objects.filter(is_active=True, memberships__organization=organization)
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def _user(organization: Organization, value: Any) -> tuple[int, str]:
    try:
        user_id = int(str(value).strip())
    except ValueError:
        raise ValidationError(_("Choose a person of the company.")) from None
    user = colleagues(organization).filter(pk=user_id).first()
    if user is None:
        raise ValidationError(
            _("Choose a person of %(client)s; this one is unknown or not a member.") % {"client": organization.name}
        )
    return user.pk, str(user)


def check_value(field: RequestField, organization: Organization, value: Any) -> tuple[Any, str]:
    """(value to store, value as shown) for one non-blank answer; ``ValidationError`` otherwise."""
    kind = field.kind
    if kind == FieldKind.SHORT_TEXT:
        return _text(value, SHORT_TEXT_MAX)
    if kind == FieldKind.LONG_TEXT:
        return _text(value, LONG_TEXT_MAX)
    if kind == FieldKind.NUMBER:
        return _number(value)
    if kind == FieldKind.DATE:
        return _date(value)
    if kind == FieldKind.YES_NO:
        return _yes_no(value)
    if kind == FieldKind.SINGLE_CHOICE:
        return _single(field, value)
    if kind == FieldKind.MULTIPLE_CHOICE:
        return _multiple(field, value)
    if kind == FieldKind.USER:
        return _user(organization, value)
    raise ValidationError(_("This question has an unknown kind."))


def _by_key(raw: Mapping[Any, Any]) -> dict[str, Any]:
    """Accept ``12``, ``"12"`` and ``"field_12"`` as the key of field 12."""
    keyed: dict[str, Any] = {}
    for key, value in raw.items():
        text = str(key)
        keyed[text if text.startswith("field_") else f"field_{text}"] = value
    return keyed


def check_answers(
    template: RequestTemplate, organization: Organization, raw: Mapping[Any, Any], fields: Iterable[RequestField] | None = None
) -> list[dict[str, Any]]:
    """The answers to store, in the form's order; every error at once, keyed ``field_<id>``."""
    questions = list(fields if fields is not None else template.fields.all())
    given = _by_key(raw)
    errors: dict[str, list[str]] = {}
    known = {field_key(field) for field in questions}
    for key in sorted(set(given) - known):
        errors.setdefault("answers", []).append(_("%(key)s is not a question of this form.") % {"key": key})
    answers: list[dict[str, Any]] = []
    for field in questions:
        key = field_key(field)
        value = given.get(key)
        if _blank(value):
            if field.required:
                errors[key] = [_("“%(label)s” is required.") % {"label": field.label}]
            continue
        try:
            stored, shown = check_value(field, organization, value)
        except ValidationError as error:
            errors[key] = [f"{field.label}: {message}" for message in error.messages]
            continue
        answers.append({"field": field.pk, "label": field.label, "kind": field.kind, "value": stored, "text": shown})
    if errors:
        raise ValidationError(errors)
    return answers
