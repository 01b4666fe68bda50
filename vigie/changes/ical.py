"""A minimal, correct iCalendar (RFC 5545) writer for the change calendar feed.

Lines end with CRLF and are folded at 75 octets (never inside a UTF-8 character): the
continuation starts with one space. TEXT values escape backslash, semicolon, comma and newlines.
Times are UTC (``YYYYMMDDTHHMMSSZ``). Every event carries UID and DTSTAMP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

LIMIT = 75  # octets per line, CRLF excluded


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, joined by CRLF + space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= LIMIT:
        return line
    parts: list[str] = []
    current = b""
    budget = LIMIT
    for char in line:
        octets = char.encode("utf-8")
        if len(current) + len(octets) > budget:
            parts.append(current.decode("utf-8"))
            current = b""
            budget = LIMIT - 1  # the leading space of a continuation line counts
        current += octets
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


@dataclass
class Event:
    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    url: str = ""
    status: str = "CONFIRMED"  # TENTATIVE, CONFIRMED, CANCELLED
    categories: list[str] = field(default_factory=list)
    last_modified: datetime | None = None


def render(events: Iterable[Event], *, name: str, now: datetime, product: str = "-//Vigie//Change calendar//EN") -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    stamp = utc(now)
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc(event.start)}",
            f"DTEND:{utc(event.end)}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        if event.categories:
            lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
        lines.append(f"STATUS:{event.status}")
        if event.last_modified is not None:
            lines.append(f"LAST-MODIFIED:{utc(event.last_modified)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
