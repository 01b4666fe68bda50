"""Reading the CSV file of a history import: decoding, the header, the rows with their line numbers.

The whole file is decoded up front in the declared encoding. A byte that does not belong to it is
a fatal error naming its line: a file in another encoding than declared (a cp1252 export declared
utf-8) garbles every accented value, so importing "the lines that happen to decode" would let
wrong text in silently. Line numbers are those an editor shows (a quoted value spanning several
lines counts them all); a row is reported at the line where it starts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vigie.servicedesk.importing.mapping import CsvOptions, Mapping

# A description may be longer than the csv module's default cell limit (128 kB).
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
UTF8_BOM = "\ufeff"


def file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def decode(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise file_error(
            _(
                "The file is not valid %(encoding)s: line %(line)s holds the byte 0x%(byte)s, which this encoding "
                "cannot read. Declare the file's real encoding in the mapping (csv: encoding: cp1252, for example)."
            )
            % {"encoding": encoding, "line": line, "byte": f"{data[error.start]:02x}"}
        ) from error
    text = text.removeprefix(UTF8_BOM)
    nul = text.find("\x00")
    if nul >= 0:
        raise file_error(
            _(
                "Line %(line)s holds NUL characters: the file is probably in UTF-16 (“Unicode text”) or not text at all. "
                "Declare its real encoding in the mapping (csv: encoding: utf-16, for example)."
            )
            % {"line": text.count("\n", 0, nul) + 1}
        )
    return text


@dataclass
class Table:
    header: list[str]
    positions: dict[str, int]  # mapped column → its index in a row
    rows: Iterator[tuple[int, list[str]]]  # (line where the row starts, its cells)


def _records(text: str, options: CsvOptions) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=options.delimiter, quotechar=options.quotechar, strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise file_error(
                _("The file cannot be read as CSV at line %(line)s: %(error)s.") % {"line": reader.line_num, "error": error}
            ) from error
        yield line, cells
        line = reader.line_num + 1


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def locate_columns(header: list[str], mapping: Mapping) -> dict[str, int]:
    """Where each mapped column is; every missing or ambiguous column is named at once."""
    exact: dict[str, list[int]] = {}
    folded: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        exact.setdefault(name.strip(), []).append(index)
        folded.setdefault(name.strip().casefold(), []).append(index)
    positions: dict[str, int] = {}
    missing: list[str] = []
    ambiguous: list[str] = []
    for column in mapping.columns():
        found = exact.get(column) or folded.get(column.casefold()) or []
        if not found:
            missing.append(column)
        elif len(found) > 1:
            ambiguous.append(column)
        else:
            positions[column] = found[0]
    problems = []
    if missing:
        fields = {column: name for name, spec in mapping.fields.items() for column in spec.columns}
        problems.append(
            _("The file lacks columns the mapping names: %(missing)s. Its columns are: %(columns)s.")
            % {
                "missing": ", ".join(f"“{column}” ({fields[column]})" for column in missing),
                "columns": ", ".join(f"“{name}”" for name in header) or "—",
            }
        )
    if ambiguous:
        problems.append(
            _("Several columns of the file are called %(columns)s; rename them so that the mapping names one.")
            % {"columns": ", ".join(f"“{column}”" for column in ambiguous)}
        )
    if problems:
        raise ValidationError({"file": problems})
    return positions


def open_table(data: bytes, mapping: Mapping) -> Table:
    """Decode the file, find its header (after ``skip_rows`` rows) and the mapped columns.

    The rows come lazily; a malformed CSV row raises when it is reached (before anything is written).
    """
    options = mapping.csv
    records = _records(decode(data, options.encoding), options)
    header: list[str] | None = None
    skipped = 0
    for _line, cells in records:
        if skipped < options.skip_rows:
            skipped += 1
            continue
        if _is_blank(cells):
            continue
        header = cells
        break
    if header is None:
        if options.skip_rows:
            raise file_error(
                _("The file has no header row after the %(count)s rows the mapping skips (csv: skip_rows).")
                % {"count": options.skip_rows}
            )
        raise file_error(_("The file is empty: it has no header row."))
    positions = locate_columns(header, mapping)
    return Table(header=header, positions=positions, rows=_data_rows(records, options))


def _data_rows(records: Iterator[tuple[int, list[str]]], options: CsvOptions) -> Iterator[tuple[int, list[str]]]:
    for line, cells in records:
        if _is_blank(cells):
            if options.stop_at_blank_row:
                return
            continue
        yield line, cells
