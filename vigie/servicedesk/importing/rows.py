"""One CSV row → the values of one ticket, or the reasons it is rejected (each naming field and column).

Everything a row needs from the database (people, groups, categories, the priority matrix) is
loaded once into a ``Directory`` before the rows are read, so converting 100,000 rows runs no query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from vigie.servicedesk.importing.mapping import CHOICES, FLAGS, ISO, FieldSpec, Mapping, key
from vigie.servicedesk.models import Channel, Level, TicketStatus, TicketType

MAX_REFERENCE = 64
MAX_TITLE = 200
MAX_CATEGORY_NAME = 100
DEFAULT_CHANNEL = Channel.API.value
ERROR, WARNING, FATAL = "error", "warning", "fatal"
OPEN = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.ASSIGNED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.WAITING_THIRD_PARTY,
    }
)


@dataclass
class Problem:
    """One line of the report: a rejected row's reason, a warning, or the fatal error of the run."""

    line: int | None
    message: str
    level: str = ERROR
    field: str = ""
    column: str = ""
    reference: str = ""
    lines: int = 1  # a warning repeated on several rows is reported once, on its first line

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"line": self.line, "level": self.level, "message": self.message}
        for name in ("field", "column", "reference"):
            if getattr(self, name):
                entry[name] = getattr(self, name)
        if self.lines > 1:
            entry["lines"] = self.lines
        return entry


AMBIGUOUS = -1  # a name that several people share


@dataclass
class Directory:
    """What rows are matched against: people by e-mail and by name, groups, categories, the matrix."""

    client_name: str
    requesters_by_email: dict[str, int] = field(default_factory=dict)
    requesters_by_name: dict[str, int] = field(default_factory=dict)
    staff_by_email: dict[str, int] = field(default_factory=dict)
    staff_by_name: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    categories: dict[tuple[str, ...], int] = field(default_factory=dict)
    matrix: dict[tuple[int, int], int] = field(default_factory=dict)

    @staticmethod
    def name_keys(first_name: str, last_name: str) -> list[str]:
        first, last = first_name.strip(), last_name.strip()
        return [person_key(f"{first} {last}"), person_key(f"{last} {first}")] if first and last else []

    @staticmethod
    def add_name(index: dict[str, int], names: list[str], user_id: int) -> None:
        for name in names:
            if index.get(name, user_id) != user_id:
                index[name] = AMBIGUOUS
            else:
                index[name] = user_id

    def levels_for(self, priority: int) -> tuple[int, int]:
        """Impact and urgency for a priority given alone: the matrix cell with that priority nearest
        the diagonal (P1 → high × high, P2 → high × medium, P3 → medium × medium…)."""
        cells = sorted((abs(i - u), i, u) for (i, u), p in self.matrix.items() if p == priority)
        if cells:
            return cells[0][1], cells[0][2]
        fallback = {1: (1, 1), 2: (1, 2), 3: (2, 2), 4: (2, 3), 5: (3, 3)}
        return fallback[priority]


def person_key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(slots=True)
class TicketRow:
    """The values of one valid row. ``None`` for a field the mapping does not give (kept on update)."""

    line: int
    reference: str
    title: str
    type: str
    status: str
    impact: int
    urgency: int
    priority: int
    channel: str
    opened_at: datetime
    last_activity_at: datetime
    description: str | None = None
    category: tuple[str, ...] | None = None
    requester_id: int | None = None
    assignee_id: int | None = None
    group_id: int | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reassignment_count: int | None = None
    reopen_count: int | None = None
    response_met: bool | None = None
    resolution_met: bool | None = None


# Date formats made only of these codes are read by a compiled pattern: strptime costs ~10 µs a
# value, which is a second per 100,000 timestamps.
_FAST_CODES = {
    "Y": r"(?P<year>\d{4})",
    "m": r"(?P<month>\d{1,2})",
    "d": r"(?P<day>\d{1,2})",
    "H": r"(?P<hour>\d{1,2})",
    "M": r"(?P<minute>\d{1,2})",
    "S": r"(?P<second>\d{1,2})",
    "f": r"(?P<microsecond>\d{1,6})",
}


def _fast_pattern(fmt: str) -> re.Pattern[str] | None:
    parts: list[str] = []
    seen: set[str] = set()
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%":
            code = fmt[index + 1 : index + 2]
            if code not in _FAST_CODES or code in seen:
                return None
            seen.add(code)
            parts.append(_FAST_CODES[code])
            index += 2
            continue
        parts.append(r"\s+" if char.isspace() else re.escape(char))
        index += 1
    if not {"Y", "m", "d"} <= seen:
        return None
    return re.compile("^" + "".join(parts) + "$")


def date_parser(fmt: str) -> Callable[[str], datetime]:
    if fmt == ISO:
        return lambda value: datetime.fromisoformat(value.replace(" Z", "Z"))
    pattern = _fast_pattern(fmt)
    if pattern is None:
        return lambda value: datetime.strptime(value, fmt)

    def parse(value: str) -> datetime:
        match = pattern.match(value)
        if match is None:
            raise ValueError(value)
        parts = match.groupdict()
        microsecond = parts.get("microsecond")
        return datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts.get("hour") or 0),
            int(parts.get("minute") or 0),
            int(parts.get("second") or 0),
            int(microsecond.ljust(6, "0")) if microsecond else 0,
        )

    return parse


def make_aware(value: datetime, zone: ZoneInfo) -> datetime:
    """A naive time read in ``zone``. Deterministic at DST changes (``fold=0``): a time that occurs
    twice in autumn is its first occurrence (summer time); a time skipped in spring is read with the
    offset before the change (02:30 on the last Sunday of March is 03:30 summer time)."""
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone, fold=0)


class RowConverter:
    """Converts rows one by one; collects the reasons of rejected rows and the (grouped) warnings."""

    def __init__(self, mapping: Mapping, positions: dict[str, int], header_size: int, directory: Directory) -> None:
        self.mapping = mapping
        self.positions = positions
        self.header_size = header_size
        self.directory = directory
        self.errors: list[Problem] = []
        self.rejected_lines = 0
        self.warnings: dict[tuple[str, str, str], Problem] = {}
        self.seen_references: dict[str, int] = {}
        self.new_categories: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._parsers = {
            name: [date_parser(fmt) for fmt in spec.formats] for name, spec in mapping.fields.items() if spec.kind == "timestamp"
        }
        self._last_position = max(positions.values(), default=-1)
        at = {name: tuple(positions[column] for column in spec.columns) for name, spec in mapping.fields.items()}
        self._single = [(name, indexes[0]) for name, indexes in at.items() if len(indexes) == 1]
        self._multiple = [(name, indexes) for name, indexes in at.items() if len(indexes) != 1]
        # Values repeat across rows: each distinct one is looked up once per field.
        self._choices: dict[str, dict[str, Any]] = {name: {} for name in CHOICES}
        self._people: dict[tuple[str, str], int | None] = {}
        self._paths: dict[str, tuple[str, ...]] = {}

    # Reporting.

    def _error(self, problems: list[Problem], line: int, spec: FieldSpec | None, message: str) -> None:
        problems.append(Problem(line, message, ERROR, field=spec.name if spec else "", column=spec.column if spec else ""))

    def warn(self, line: int, spec: FieldSpec, code: str, value: str, message: Callable[[], str]) -> None:
        """A warning, once per field, kind and value: later rows only count (the text is built once)."""
        grouping = (spec.name, code, value)
        existing = self.warnings.get(grouping)
        if existing is not None:
            existing.lines += 1
            return
        self.warnings[grouping] = Problem(line, message(), WARNING, field=spec.name, column=spec.column)

    # Cells.

    def _cell(self, cells: dict[str, str], spec: FieldSpec) -> str:
        return cells[spec.name]

    def _values(self, cells: list[str]) -> dict[str, str]:
        """The row's trimmed text for each mapped field (several columns joined by NUL)."""
        values = {name: cells[index].strip() for name, index in self._single}
        for name, indexes in self._multiple:
            values[name] = "\x00".join(cells[index].strip() for index in indexes)
        return values

    def _choice(self, cells: dict[str, str], name: str, line: int, problems: list[Problem]) -> Any:
        spec = self.mapping.fields.get(name)
        if spec is None:
            return None
        raw = cells[name]
        if not raw:
            return spec.default
        cache = self._choices[name]
        if raw in cache:
            value = cache[raw]
        else:
            folded = key(raw)
            value = spec.values.get(folded)
            if value is None:
                value = CHOICES[name].get(folded)
            cache[raw] = value
        if value is None:
            self._error(
                problems,
                line,
                spec,
                _("unknown %(field)s “%(value)s” in column “%(column)s”: add it to fields.%(field)s.values in the mapping.")
                % {"field": name, "value": raw, "column": spec.column},
            )
        return value

    def _timestamp(self, cells: dict[str, str], name: str, line: int, problems: list[Problem]) -> datetime | None:
        spec = self.mapping.fields.get(name)
        if spec is None:
            return None
        raw = self._cell(cells, spec)
        if not raw:
            return None
        for parse in self._parsers[name]:
            try:
                value = parse(raw)
            except ValueError:
                continue
            return make_aware(value, spec.time_zone or self.mapping.time_zone)
        self._error(
            problems,
            line,
            spec,
            _("“%(value)s” in column “%(column)s” is not a date in the format %(formats)s.")
            % {"value": raw, "column": spec.column, "formats": " / ".join(spec.formats)},
        )
        return None

    def _count(self, cells: dict[str, str], name: str, line: int, problems: list[Problem]) -> int | None:
        spec = self.mapping.fields.get(name)
        if spec is None:
            return None
        raw = self._cell(cells, spec)
        if not raw:
            return int(spec.default) if spec.default is not None else 0
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            number = -1.0
        if number < 0 or not number.is_integer():
            self._error(
                problems,
                line,
                spec,
                _("“%(value)s” in column “%(column)s” is not a whole number.") % {"value": raw, "column": spec.column},
            )
            return None
        return int(number)

    def _flag(self, cells: dict[str, str], name: str, line: int, problems: list[Problem]) -> bool | None:
        spec = self.mapping.fields.get(name)
        if spec is None:
            return None
        raw = self._cell(cells, spec)
        if not raw:
            return None
        if spec.minutes_to_spare:
            try:
                return float(raw.replace(",", ".")) >= 0
            except ValueError:
                self._error(
                    problems,
                    line,
                    spec,
                    _("“%(value)s” in column “%(column)s” is not a number of minutes.") % {"value": raw, "column": spec.column},
                )
                return None
        folded = key(raw)
        value = spec.values.get(folded)
        if value is None:
            value = FLAGS.get(folded)
        if value is None:
            self._error(
                problems,
                line,
                spec,
                _("“%(value)s” in column “%(column)s” is neither yes nor no: add it to fields.%(field)s.values in the mapping.")
                % {"value": raw, "column": spec.column, "field": name},
            )
        return value

    def _person(self, cells: dict[str, str], name: str, line: int) -> int | None:
        spec = self.mapping.fields[name]
        raw = self._cell(cells, spec)
        if not raw:
            return None
        client = self.directory.client_name
        if name == "requester":
            by_email, by_name = self.directory.requesters_by_email, self.directory.requesters_by_name
        else:
            by_email, by_name = self.directory.staff_by_email, self.directory.staff_by_name
        if (name, raw) in self._people:
            found = self._people[(name, raw)]
        else:
            found = by_email.get(raw.lower()) if spec.match == "email" else by_name.get(person_key(raw))
            self._people[(name, raw)] = found
        if found is not None and found != AMBIGUOUS:
            return found

        def message() -> str:
            if found == AMBIGUOUS:
                text = _("several people are called “%(value)s”: the %(field)s is left empty.")
            elif name == "requester":
                text = _("“%(value)s” is not a member of %(client)s: the requester is left empty (no user is created).")
            else:
                text = _("“%(value)s” is not a member of the provider's staff serving %(client)s: the assignee is left empty.")
            return text % {"value": raw, "client": client, "field": name}

        self.warn(line, spec, "unknown", raw, message)
        return None

    def _group(self, cells: dict[str, str], line: int) -> int | None:
        spec = self.mapping.fields["group"]
        raw = self._cell(cells, spec) or str(spec.default or "")
        if not raw:
            return None
        found = self.directory.groups.get(key(raw))
        if found is None:
            self.warn(
                line,
                spec,
                "unknown",
                raw,
                lambda: (
                    _("no group called “%(value)s” serves %(client)s: the group is left empty.")
                    % {"value": raw, "client": self.directory.client_name}
                ),
            )
        return found

    def _category(self, cells: dict[str, str], line: int, problems: list[Problem]) -> tuple[str, ...] | None:
        spec = self.mapping.fields["category"]
        raw = self._cell(cells, spec) or str(spec.default or "")
        levels = self._paths.get(raw)
        if levels is None:
            levels = tuple(level.strip() for part in raw.split("\x00") for level in part.split(spec.separator) if level.strip())
            self._paths[raw] = levels
        if not levels:
            return None
        if any(len(level) > MAX_CATEGORY_NAME for level in levels):
            self._error(
                problems,
                line,
                spec,
                _("a category name in column “%(column)s” is longer than %(max)s characters.")
                % {"column": spec.column, "max": MAX_CATEGORY_NAME},
            )
            return None
        path = tuple(level.casefold() for level in levels)
        if path in self.directory.categories:
            return path
        if spec.missing == "reject":
            self._error(
                problems,
                line,
                spec,
                _("the category “%(path)s” does not exist in Vigie.") % {"path": " › ".join(levels)},
            )
            return None
        self.new_categories.setdefault(path, levels)
        self.warn(
            line,
            spec,
            "new-category",
            "\x00".join(path),
            lambda: (
                _("the category “%(path)s” does not exist in Vigie: it is created, inactive (not offered on new tickets).")
                % {"path": " › ".join(levels)}
            ),
        )
        return path

    # The row.

    def convert(self, line: int, cells: list[str]) -> TicketRow | None:
        problems: list[Problem] = []
        fields = self.mapping.fields
        if len(cells) <= self._last_position or (
            len(cells) > self.header_size and any(cell.strip() for cell in cells[self.header_size :])
        ):
            problems.append(
                Problem(
                    line,
                    _(
                        "the row has %(count)s values where the header has %(expected)s: a quote or a delimiter "
                        "is probably missing or extra."
                    )
                    % {"count": len(cells), "expected": self.header_size},
                )
            )
            return self._reject(problems)
        raw_values = self._values(cells)
        reference = raw_values["reference"]
        if not reference:
            self._error(
                problems,
                line,
                fields["reference"],
                _("the reference is empty (column “%(column)s”).") % {"column": fields["reference"].column},
            )
            return self._reject(problems)
        if len(reference) > MAX_REFERENCE:
            self._error(
                problems,
                line,
                fields["reference"],
                _("the reference “%(reference)s…” is longer than %(max)s characters.")
                % {"reference": reference[:20], "max": MAX_REFERENCE},
            )
            return self._reject(problems, reference)
        first_line = self.seen_references.setdefault(reference, line)
        if first_line != line:
            self._error(
                problems,
                line,
                fields["reference"],
                _("the reference “%(reference)s” already appears on line %(line)s; each ticket may appear once in a file.")
                % {"reference": reference, "line": first_line},
            )
            return self._reject(problems, reference)
        title = self._cell(raw_values, fields["title"]) or str(fields["title"].default or "")
        if not title:
            self._error(
                problems,
                line,
                fields["title"],
                _("the title is empty (column “%(column)s”).") % {"column": fields["title"].column},
            )
        description = None
        if "description" in fields:
            description = self._cell(raw_values, fields["description"]) or str(fields["description"].default or "")
        ticket_type = self._choice(raw_values, "type", line, problems) or TicketType.INCIDENT.value
        impact = self._choice(raw_values, "impact", line, problems)
        urgency = self._choice(raw_values, "urgency", line, problems)
        priority = self._choice(raw_values, "priority", line, problems)
        status = self._choice(raw_values, "status", line, problems)
        channel = self._choice(raw_values, "channel", line, problems) or DEFAULT_CHANNEL
        opened_at = self._timestamp(raw_values, "opened_at", line, problems)
        first_response_at = self._timestamp(raw_values, "first_response_at", line, problems)
        resolved_at = self._timestamp(raw_values, "resolved_at", line, problems)
        closed_at = self._timestamp(raw_values, "closed_at", line, problems)
        reassignment_count = self._count(raw_values, "reassignment_count", line, problems)
        reopen_count = self._count(raw_values, "reopen_count", line, problems)
        response_met = self._flag(raw_values, "response_met", line, problems)
        resolution_met = self._flag(raw_values, "resolution_met", line, problems)
        category = self._category(raw_values, line, problems) if "category" in fields else None
        if opened_at is None and not any(p.field == "opened_at" for p in problems):
            self._error(
                problems,
                line,
                fields["opened_at"],
                _("the opening date is empty (column “%(column)s”).") % {"column": fields["opened_at"].column},
            )
        if problems or opened_at is None:
            return self._reject(problems, reference)
        for name, value in (("first_response_at", first_response_at), ("resolved_at", resolved_at), ("closed_at", closed_at)):
            if value is not None and value < opened_at:
                self._error(
                    problems,
                    line,
                    fields[name],
                    _("%(field)s (%(value)s) is before the opening (%(opened)s).")
                    % {"field": name, "value": value.isoformat(), "opened": opened_at.isoformat()},
                )
        if resolved_at is not None and closed_at is not None and closed_at < resolved_at:
            self._error(
                problems,
                line,
                fields["closed_at"],
                _("the ticket is closed (%(closed)s) before it is resolved (%(resolved)s).")
                % {"closed": closed_at.isoformat(), "resolved": resolved_at.isoformat()},
            )
        status, resolved_at, closed_at = self._lifecycle(line, status, resolved_at, closed_at, problems)
        if problems:
            return self._reject(problems, reference)
        if priority is None:
            impact, urgency = impact or Level.MEDIUM.value, urgency or Level.MEDIUM.value
            priority = self.directory.matrix[(impact, urgency)]
        elif impact is None and urgency is None:
            impact, urgency = self.directory.levels_for(priority)
        else:
            impact, urgency = impact or Level.MEDIUM.value, urgency or Level.MEDIUM.value
        moments = [m for m in (opened_at, first_response_at, resolved_at, closed_at) if m is not None]
        return TicketRow(
            line=line,
            reference=reference,
            title=title[:MAX_TITLE],
            description=description,
            type=ticket_type,
            status=status,
            impact=impact,
            urgency=urgency,
            priority=priority,
            channel=channel,
            category=category,
            requester_id=self._person(raw_values, "requester", line) if "requester" in fields else None,
            assignee_id=self._person(raw_values, "assignee", line) if "assignee" in fields else None,
            group_id=self._group(raw_values, line) if "group" in fields else None,
            opened_at=opened_at,
            first_response_at=first_response_at,
            resolved_at=resolved_at,
            closed_at=closed_at,
            last_activity_at=max(moments),
            reassignment_count=reassignment_count,
            reopen_count=reopen_count,
            response_met=response_met,
            resolution_met=resolution_met,
        )

    def _lifecycle(
        self, line: int, status: str | None, resolved_at: datetime | None, closed_at: datetime | None, problems: list[Problem]
    ) -> tuple[str, datetime | None, datetime | None]:
        """The final status and its dates, as Vigie keeps them: a resolved ticket has its resolution
        date, a closed one both dates, an open one neither. Without a status, the dates decide."""
        fields = self.mapping.fields
        if status is None:
            status = (TicketStatus.CLOSED if closed_at else TicketStatus.RESOLVED if resolved_at else TicketStatus.NEW).value
        if status == TicketStatus.RESOLVED:
            resolved_at = resolved_at or closed_at
            closed_at = None
        elif status == TicketStatus.CLOSED:
            resolved_at, closed_at = resolved_at or closed_at, closed_at or resolved_at
        elif status == TicketStatus.CANCELLED:
            closed_at, resolved_at = closed_at or resolved_at, None
        elif resolved_at is not None or closed_at is not None:
            spec = fields.get("resolved_at") or fields["closed_at"]
            label = TicketStatus(status).label
            self.warn(
                line,
                spec,
                "open",
                status,
                lambda: (
                    _("the ticket is still open (%(status)s): its resolution and closing dates are ignored.") % {"status": label}
                ),
            )
            resolved_at = closed_at = None
        if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and resolved_at is None:
            spec = fields.get("resolved_at") or fields.get("closed_at") or fields["status"]
            self._error(
                problems,
                line,
                spec,
                _("the ticket is %(status)s but its resolution date is empty.") % {"status": TicketStatus(status).label},
            )
        return status, resolved_at, closed_at

    def _reject(self, problems: list[Problem], reference: str = "") -> TicketRow | None:
        """Record why the row is rejected; always None (the row does not go in)."""
        self.rejected_lines += 1
        for problem in problems:
            problem.reference = reference
        self.errors.extend(problems)
        return None
