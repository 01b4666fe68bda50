"""The mapping of a history import: which CSV column holds which ticket field, and how to read it.

A YAML document (docs/import.md describes every key)::

    csv: {delimiter: ";", encoding: utf-8-sig}
    time_zone: Europe/Paris
    date_format: "%Y-%m-%d %H:%M"
    fields:
      reference: ID
      title: Titre
      opened_at: Date d'ouverture
      status: {column: Statut, values: {Nouveau: new, Clos: closed}}

``load_mapping`` checks the whole document at once and raises one ``ValidationError`` on the
``mapping`` key listing every problem, each naming the key at fault (``fields.status.values.Clos``).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vigie.servicedesk.models import Channel, TicketStatus, TicketType

DEFAULT_TIME_ZONE = "Europe/Paris"
ISO = "iso"
MAX_MAPPING_BYTES = 256 * 1024

# What each field of a ticket is, for the keys it accepts and how its cells are read.
TEXT, CHOICE, CATEGORY, PERSON, TIMESTAMP, COUNT, FLAG = "text", "choice", "category", "person", "timestamp", "count", "flag"
FIELD_KINDS: dict[str, str] = {
    "reference": TEXT,
    "title": TEXT,
    "description": TEXT,
    "type": CHOICE,
    "category": CATEGORY,
    "impact": CHOICE,
    "urgency": CHOICE,
    "priority": CHOICE,
    "status": CHOICE,
    "channel": CHOICE,
    "requester": PERSON,
    "assignee": PERSON,
    "group": TEXT,
    "opened_at": TIMESTAMP,
    "first_response_at": TIMESTAMP,
    "resolved_at": TIMESTAMP,
    "closed_at": TIMESTAMP,
    "reassignment_count": COUNT,
    "reopen_count": COUNT,
    "response_met": FLAG,
    "resolution_met": FLAG,
}
REQUIRED_FIELDS = ("reference", "title", "opened_at")
KEYS_BY_KIND: dict[str, frozenset[str]] = {
    TEXT: frozenset({"column", "default"}),
    CHOICE: frozenset({"column", "values", "default"}),
    CATEGORY: frozenset({"column", "separator", "missing", "default"}),
    PERSON: frozenset({"column", "match"}),
    TIMESTAMP: frozenset({"column", "format", "time_zone"}),
    COUNT: frozenset({"column", "default"}),
    FLAG: frozenset({"column", "values", "minutes_to_spare"}),
}
CSV_KEYS = frozenset({"delimiter", "encoding", "quotechar", "skip_rows", "stop_at_blank_row"})
TOP_KEYS = frozenset({"source", "csv", "time_zone", "date_format", "fields"})
MISSING_CATEGORY_CHOICES = ("create", "reject")
MATCH_CHOICES = ("email", "name")


def key(value: Any) -> str:
    """How cells and value-map keys are compared: trimmed, case-insensitive."""
    return str(value).strip().casefold()


_LEVELS = {"1": 1, "2": 2, "3": 3, "high": 1, "medium": 2, "low": 3}
# The values of Vigie itself, accepted in a cell (or as the target of a value map) for each choice field.
CHOICES: dict[str, dict[str, Any]] = {
    "type": {key(value): value for value in TicketType.values},
    "impact": _LEVELS,
    "urgency": _LEVELS,
    "priority": {**{str(n): n for n in range(1, 6)}, **{f"p{n}": n for n in range(1, 6)}},
    "status": {key(value): value for value in TicketStatus.values},
    "channel": {key(value): value for value in Channel.values},
}
FLAGS: dict[str, bool] = {
    **dict.fromkeys(("true", "1", "yes", "y", "oui", "o", "vrai", "t"), True),
    **dict.fromkeys(("false", "0", "no", "n", "non", "faux", "f"), False),
}


class _MappingLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true and false. In YAML 1.1 « yes », « no », « on » and « off » are
    booleans too, which would silently turn a value map ``{No: false}`` into ``{False: false}``."""


_MappingLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_MappingLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str = ","
    encoding: str = "utf-8"
    quotechar: str = '"'
    skip_rows: int = 0
    stop_at_blank_row: bool = False


@dataclass(frozen=True)
class FieldSpec:
    """How one ticket field is read. ``columns`` is empty for a field given only by its ``default``."""

    name: str
    kind: str
    columns: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)
    default: Any = None
    formats: tuple[str, ...] = (ISO,)
    time_zone: ZoneInfo | None = None
    separator: str = " > "
    missing: str = "create"
    match: str = "email"
    minutes_to_spare: bool = False

    @property
    def column(self) -> str:
        """The column(s) for messages."""
        return " + ".join(self.columns)


@dataclass(frozen=True)
class Mapping:
    csv: CsvOptions
    time_zone: ZoneInfo
    fields: dict[str, FieldSpec]
    source: str = ""

    def maps(self, name: str) -> bool:
        """Whether the import says anything about this field (a column or a default)."""
        return name in self.fields

    def columns(self) -> list[str]:
        """Every column the mapping reads, once each, in the order of the fields."""
        seen: dict[str, None] = {}
        for spec in self.fields.values():
            for column in spec.columns:
                seen.setdefault(column, None)
        return list(seen)


class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where}: {message}" if where else message)


def _zone(value: Any, where: str, problems: _Problems) -> ZoneInfo | None:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        problems.add(where, _("unknown time zone “%(zone)s” (e.g. Europe/Paris, UTC).") % {"zone": value})
        return None


def _formats(value: Any, where: str, problems: _Problems) -> tuple[str, ...]:
    formats = value if isinstance(value, list) else [value]
    checked: list[str] = []
    sample = datetime(2024, 11, 28, 13, 45, 30)
    for item in formats:
        text = str(item)
        if text.lower() == ISO:
            checked.append(ISO)
            continue
        try:
            parsed = datetime.strptime(sample.strftime(text), text)
        except ValueError:
            parsed = None
        if "%" not in text or parsed is None or parsed.date() != sample.date():
            problems.add(
                where,
                _("“%(format)s” is not a date format: use “iso” or strftime codes such as %%d/%%m/%%Y %%H:%%M.")
                % {"format": text},
            )
            continue
        checked.append(text)
    return tuple(checked) or (ISO,)


def _choice_values(name: str, raw: Any, where: str, problems: _Problems) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.add(where, _("expected a table of source value → Vigie value."))
        return {}
    accepted = CHOICES[name]
    values: dict[str, Any] = {}
    for source, target in raw.items():
        canonical = accepted.get(key(target))
        if canonical is None:
            problems.add(
                f"{where}.{source}",
                _("“%(value)s” is not a Vigie value for %(field)s; choose one of %(choices)s.")
                % {"value": target, "field": name, "choices": ", ".join(_choice_names(name))},
            )
            continue
        values[key(source)] = canonical
    return values


def _choice_names(name: str) -> list[str]:
    if name in ("impact", "urgency"):
        return ["1 (high)", "2 (medium)", "3 (low)"]
    if name == "priority":
        return ["1", "2", "3", "4", "5"]
    return sorted({str(value) for value in CHOICES[name].values()})


def _flag_values(raw: Any, where: str, problems: _Problems) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.add(where, _("expected a table of source value → true or false."))
        return {}
    values: dict[str, Any] = {}
    for source, target in raw.items():
        flag = target if isinstance(target, bool) else FLAGS.get(key(target))
        if flag is None:
            problems.add(f"{where}.{source}", _("“%(value)s” is neither true nor false.") % {"value": target})
            continue
        values[key(source)] = flag
    return values


def _columns(raw: Any, spec_name: str, where: str, problems: _Problems) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, list) and spec_name == "category":
        columns = tuple(str(item).strip() for item in raw)
    elif isinstance(raw, str | int | float):
        columns = (str(raw).strip(),)
    else:
        problems.add(where, _("expected a column name."))
        return ()
    if not all(columns):
        problems.add(where, _("a column name cannot be empty."))
        return ()
    return columns


def _field(
    name: str, raw: Any, default_zone: ZoneInfo, default_formats: tuple[str, ...], problems: _Problems
) -> FieldSpec | None:
    where = f"fields.{name}"
    kind = FIELD_KINDS[name]
    if not isinstance(raw, dict):
        raw = {"column": raw}
    unknown = sorted(str(k) for k in raw if k not in KEYS_BY_KIND[kind])
    for item in unknown:
        problems.add(
            f"{where}.{item}", _("unknown key; this field accepts %(keys)s.") % {"keys": ", ".join(sorted(KEYS_BY_KIND[kind]))}
        )
    columns = _columns(raw.get("column"), name, f"{where}.column", problems)
    options: dict[str, Any] = {}
    if "default" in raw and raw["default"] is not None:
        default = raw["default"]
        if name == "reference":
            problems.add(f"{where}.default", _("the reference must come from a column."))
        elif kind == CHOICE:
            options["default"] = CHOICES[name].get(key(default))
            if options["default"] is None:
                problems.add(
                    f"{where}.default",
                    _("“%(value)s” is not a Vigie value for %(field)s; choose one of %(choices)s.")
                    % {"value": default, "field": name, "choices": ", ".join(_choice_names(name))},
                )
        elif kind == COUNT:
            if not isinstance(default, int) or isinstance(default, bool) or default < 0:
                problems.add(f"{where}.default", _("expected a whole number, 0 or more."))
            options["default"] = default
        else:
            options["default"] = str(default)
    if not columns and options.get("default") is None:
        problems.add(where, _("name the column that holds it (column: …) or give a default."))
        return None
    if kind == CHOICE and "values" in raw:
        options["values"] = _choice_values(name, raw["values"], f"{where}.values", problems)
    if kind == FLAG:
        if "values" in raw:
            options["values"] = _flag_values(raw["values"], f"{where}.values", problems)
        options["minutes_to_spare"] = bool(raw.get("minutes_to_spare", False))
    if kind == TIMESTAMP:
        options["formats"] = _formats(raw["format"], f"{where}.format", problems) if "format" in raw else default_formats
        zone = _zone(raw["time_zone"], f"{where}.time_zone", problems) if "time_zone" in raw else default_zone
        options["time_zone"] = zone or default_zone
    if kind == CATEGORY:
        separator = str(raw.get("separator", " > "))
        if not separator.strip():
            problems.add(f"{where}.separator", _("the separator cannot be blank."))
        options["separator"] = separator.strip() or ">"
        missing = str(raw.get("missing", "create"))
        if missing not in MISSING_CATEGORY_CHOICES:
            problems.add(f"{where}.missing", _("expected create or reject."))
        options["missing"] = missing
    if kind == PERSON:
        match = str(raw.get("match", "email"))
        if match not in MATCH_CHOICES:
            problems.add(f"{where}.match", _("expected email or name."))
        options["match"] = match
    return FieldSpec(name=name, kind=kind, columns=columns, **options)


def _csv_options(raw: Any, problems: _Problems) -> CsvOptions:
    if raw is None:
        return CsvOptions()
    if not isinstance(raw, dict):
        problems.add("csv", _("expected a table (delimiter, encoding, quotechar, skip_rows, stop_at_blank_row)."))
        return CsvOptions()
    for item in sorted(str(k) for k in raw if k not in CSV_KEYS):
        problems.add(f"csv.{item}", _("unknown key; the csv section accepts %(keys)s.") % {"keys": ", ".join(sorted(CSV_KEYS))})
    options: dict[str, Any] = {}
    delimiter = str(raw.get("delimiter", ","))
    delimiter = "\t" if delimiter.lower() in ("tab", "\\t") else delimiter
    if len(delimiter) != 1:
        problems.add("csv.delimiter", _("expected one character, such as “,” or “;” (or tab)."))
    else:
        options["delimiter"] = delimiter
    quotechar = str(raw.get("quotechar", '"'))
    if len(quotechar) != 1 or quotechar == options.get("delimiter"):
        problems.add("csv.quotechar", _("expected one character, other than the delimiter."))
    else:
        options["quotechar"] = quotechar
    encoding = str(raw.get("encoding", "utf-8")).strip()
    try:
        options["encoding"] = codecs.lookup(encoding).name
    except LookupError:
        problems.add(
            "csv.encoding",
            _("unknown encoding “%(encoding)s” (e.g. utf-8, utf-8-sig, cp1252, latin-1).") % {"encoding": encoding},
        )
    skip = raw.get("skip_rows", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        problems.add("csv.skip_rows", _("expected a whole number, 0 or more."))
    else:
        options["skip_rows"] = skip
    stop = raw.get("stop_at_blank_row", False)
    if not isinstance(stop, bool):
        problems.add("csv.stop_at_blank_row", _("expected true or false."))
    else:
        options["stop_at_blank_row"] = stop
    return CsvOptions(**options)


def parse_document(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_MappingLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ValidationError({"mapping": [_("The mapping is not valid YAML: %(error)s") % {"error": error}]}) from error


def load_mapping(source: str | bytes | dict[str, Any] | Mapping) -> Mapping:
    """Read and check a mapping (YAML text, its bytes, or the parsed document)."""
    if isinstance(source, Mapping):
        return source
    if isinstance(source, bytes):
        if len(source) > MAX_MAPPING_BYTES:
            raise ValidationError({"mapping": [_("The mapping is too large.")]})
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError({"mapping": [_("The mapping must be UTF-8 text.")]}) from error
    document = parse_document(source) if isinstance(source, str) else source
    if not isinstance(document, dict):
        raise ValidationError({"mapping": [_("The mapping must be a YAML table with a “fields” section.")]})
    problems = _Problems()
    for item in sorted(str(k) for k in document if k not in TOP_KEYS):
        problems.add(item, _("unknown key; a mapping has %(keys)s.") % {"keys": ", ".join(sorted(TOP_KEYS))})
    csv_options = _csv_options(document.get("csv"), problems)
    zone = _zone(document.get("time_zone", DEFAULT_TIME_ZONE), "time_zone", problems) or ZoneInfo(DEFAULT_TIME_ZONE)
    default_formats = _formats(document["date_format"], "date_format", problems) if "date_format" in document else (ISO,)
    raw_fields = document.get("fields")
    fields: dict[str, FieldSpec] = {}
    if not isinstance(raw_fields, dict):
        problems.add("fields", _("expected a table naming the column of each ticket field."))
    else:
        for name, raw in raw_fields.items():
            if name not in FIELD_KINDS:
                problems.add(
                    f"fields.{name}",
                    _("unknown field; the fields are %(fields)s.") % {"fields": ", ".join(FIELD_KINDS)},
                )
                continue
            if raw is None:
                continue
            spec = _field(str(name), raw, zone, default_formats, problems)
            if spec is not None:
                fields[str(name)] = spec
        for name in REQUIRED_FIELDS:
            if name not in fields and name not in raw_fields:
                problems.add(f"fields.{name}", _("required: name the column that holds it."))
    if problems.messages:
        raise ValidationError({"mapping": problems.messages})
    return Mapping(csv=csv_options, time_zone=zone, fields=fields, source=str(document.get("source", "")))
