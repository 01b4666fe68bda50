"""Fill untranslated entries of a gettext catalog from JSON files of translations.

    python scripts/po_fill.py vigie/locale/fr/LC_MESSAGES/django.po --todo > todo.json
    python scripts/po_fill.py vigie/locale/fr/LC_MESSAGES/django.po --fill a.json b.json

A JSON file maps an English msgid to its translation (a string), or, for a plural entry, the
singular msgid to a list of translations (one per plural form). ``--fill`` only touches entries
that are empty or fuzzy, removes their fuzzy flag, and reports what it could not fill.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path


def unquote(lines: list[str]) -> str:
    text = "".join(line.strip()[1:-1] for line in lines)
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(m.group(1), "\\" + m.group(1)), text)


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    parts = escaped.split("\n")
    if len(parts) == 1:
        return f'"{escaped}"'
    pieces = [part + "\\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return '""\n' + "\n".join(f'"{piece}"' for piece in pieces)


class Entry:
    def __init__(self, lines: list[str]) -> None:
        self.comments: list[str] = []
        self.flags: list[str] = []
        self.fields: dict[str, list[str]] = {}
        current = None
        for line in lines:
            if line.startswith("#,"):
                self.flags = [flag.strip() for flag in line[2:].split(",") if flag.strip()]
            elif line.startswith("#"):
                self.comments.append(line)
            elif line.startswith('"'):
                assert current is not None
                self.fields[current].append(line)
            else:
                key, _, rest = line.partition(" ")
                current = key
                self.fields[key] = [rest]

    @property
    def msgid(self) -> str:
        return unquote(self.fields.get("msgid", ['""']))

    @property
    def plural(self) -> bool:
        return "msgid_plural" in self.fields

    def translations(self) -> list[str]:
        if self.plural:
            return [unquote(v) for k, v in sorted(self.fields.items()) if k.startswith("msgstr[")]
        return [unquote(self.fields.get("msgstr", ['""']))]

    def needs_work(self) -> bool:
        return bool(self.msgid) and ("fuzzy" in self.flags or not all(self.translations()))

    def fill(self, value: str | list[str]) -> None:
        self.flags = [flag for flag in self.flags if flag != "fuzzy"]
        if self.plural:
            forms = value if isinstance(value, list) else [value, value]
            for index, form in enumerate(forms):
                self.fields[f"msgstr[{index}]"] = quote(form).split("\n")
        else:
            text = value if isinstance(value, str) else value[0]
            self.fields["msgstr"] = quote(text).split("\n")
        for key in list(self.fields):
            if key == "#|" or key.startswith("#|"):
                del self.fields[key]
        self.comments = [c for c in self.comments if not c.startswith("#|")]

    def render(self) -> str:
        lines = list(self.comments)
        if self.flags:
            lines.append("#, " + ", ".join(self.flags))
        for key, value in self.fields.items():
            lines.append(f"{key} {value[0]}")
            lines.extend(value[1:])
        return "\n".join(lines)


def read(path: Path) -> list[Entry]:
    blocks = path.read_text(encoding="utf-8").strip("\n").split("\n\n")
    return [Entry(block.splitlines()) for block in blocks]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("catalog", type=Path)
    parser.add_argument("--todo", action="store_true")
    parser.add_argument("--fill", nargs="*", type=Path, default=[])
    args = parser.parse_args()
    entries = read(args.catalog)
    if args.todo:
        json.dump(
            {e.msgid: ([""] * 2 if e.plural else "") for e in entries if e.needs_work()}, sys.stdout, ensure_ascii=False, indent=1
        )
        return 0
    known: dict[str, str | list[str]] = {}
    for source in args.fill:
        known.update(json.loads(source.read_text(encoding="utf-8")))
    missing = []
    for entry in entries:
        if not entry.needs_work():
            continue
        value = known.get(entry.msgid)
        if value:
            entry.fill(value)
        else:
            missing.append(entry.msgid)
    args.catalog.write_text("\n\n".join(e.render() for e in entries) + "\n", encoding="utf-8")
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
