"""Reading a spreadsheet of clients (CSV or XLSX) and checking every row, without I/O.

Users arrive from Excel: the columns are theirs, so a mapping says which column holds which
field. Every bad row is reported with its spreadsheet row number (the header is row 1) and
the reason; the caller imports nothing when any row is bad.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from clients_svc.domain.cards import birthday_problem, custom_value_problem
from clients_svc.domain.phones import InvalidPhoneError, normalise_phone

FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "birthday",
    "note",
    "lead_source",
    "tags",
    "branch_id",
)
REQUIRED = ("first_name", "last_name")
CUSTOM_PREFIX = "custom."
MAX_NAME = 100
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")
_TRUE = {"1", "true", "yes", "y", "tak", "да", "x"}
_FALSE = {"0", "false", "no", "n", "nie", "нет", ""}


class TableError(ValueError):
    """The file cannot be read as a table at all."""


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    message: str


@dataclass
class ImportRow:
    number: int
    first_name: str
    last_name: str
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None
    note: str | None = None
    lead_source: str | None = None
    tags: list[str] = field(default_factory=list)
    branch_id: uuid.UUID | None = None
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomDef:
    kind: str
    choices: list[str]


def read_table(content: bytes, fmt: str, delimiter: str | None = None) -> list[list[str]]:
    """All rows of the file's first sheet as text, the header first."""
    rows = _read_xlsx(content) if fmt == "xlsx" else _read_csv(content, delimiter)
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise TableError("the file has no rows")
    return rows


def _read_csv(content: bytes, delimiter: str | None) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in Russian or Polish saves CSV in the Windows code page.
        text = content.decode("cp1251", errors="replace")
    if delimiter is None:
        sample = text[:4096]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise TableError(f"the CSV file cannot be read: {exc}") from None


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise TableError("the file is not an XLSX workbook") from None
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def mapping_problems(header: list[str], mapping: dict[str, str]) -> list[Problem]:
    """Problems with the mapping itself (reported against row 1, the header)."""
    problems: list[Problem] = []
    columns = {h.strip() for h in header}
    for name in REQUIRED:
        if name not in mapping:
            problems.append(Problem(1, name, "map a column to this field: it is required"))
    for name, column in mapping.items():
        if name not in FIELDS and not name.startswith(CUSTOM_PREFIX):
            problems.append(Problem(1, name, f"unknown field (known: {', '.join(FIELDS)})"))
        elif column.strip() not in columns:
            problems.append(Problem(1, name, f"the file has no column {column!r}"))
    return problems


def check_rows(
    rows: Iterable[list[str]],
    header: list[str],
    mapping: dict[str, str],
    *,
    region: str,
    today: date,
    custom: dict[str, CustomDef],
) -> tuple[list[ImportRow], list[Problem]]:
    """Rows that can be imported, and every problem of the others."""
    index = {h.strip(): i for i, h in enumerate(header)}
    where = {name: index[column.strip()] for name, column in mapping.items()}
    good: list[ImportRow] = []
    problems: list[Problem] = []
    for offset, cells in enumerate(rows):
        number = offset + 2  # the header is row 1

        def cell(name: str, cells: list[str] = cells) -> str:
            i = where.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        row, found = _check_row(number, cell, mapping, region, today, custom)
        problems.extend(found)
        if row is not None:
            good.append(row)
    return good, problems


def _check_row(
    number: int,
    cell: Any,
    mapping: dict[str, str],
    region: str,
    today: date,
    custom: dict[str, CustomDef],
) -> tuple[ImportRow | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(name: str, message: str) -> None:
        problems.append(Problem(number, name, message))

    names = {}
    for name in REQUIRED:
        value = cell(name)
        if not value:
            bad(name, "missing: every client needs a first and a last name")
        elif len(value) > MAX_NAME:
            bad(name, f"longer than {MAX_NAME} characters")
        names[name] = value
    row = ImportRow(number=number, first_name=names["first_name"], last_name=names["last_name"])
    if phone := cell("phone"):
        try:
            row.phone = normalise_phone(phone, region)
        except InvalidPhoneError as exc:
            bad("phone", str(exc))
    if email := cell("email"):
        try:
            row.email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            bad("email", f"not a valid email address: {exc}")
    if birthday := cell("birthday"):
        parsed = parse_date(birthday)
        if parsed is None:
            bad("birthday", "not a date (use YYYY-MM-DD or DD.MM.YYYY)")
        elif problem := birthday_problem(parsed, today):
            bad("birthday", problem)
        else:
            row.birthday = parsed
    row.note = cell("note") or None
    if (source := cell("lead_source")) and len(source) > 100:
        bad("lead_source", "longer than 100 characters")
    row.lead_source = source or None
    row.tags = _tags(cell("tags"))
    if any(len(t) > 60 for t in row.tags):
        bad("tags", "a tag is longer than 60 characters")
    if branch := cell("branch_id"):
        try:
            row.branch_id = uuid.UUID(branch)
        except ValueError:
            bad("branch_id", "not a branch id")
    for name in mapping:
        if not name.startswith(CUSTOM_PREFIX):
            continue
        key = name.removeprefix(CUSTOM_PREFIX)
        definition = custom.get(key)
        if definition is None:
            bad(name, "no such custom field in this organisation")
            continue
        raw = cell(name)
        if not raw:
            continue
        value, problem = custom_from_text(definition, raw)
        if problem:
            bad(name, problem)
        else:
            row.custom[key] = value
    return (None if problems else row), problems


def custom_from_text(definition: CustomDef, raw: str) -> tuple[Any, str | None]:
    value: Any = raw
    if definition.kind == "number":
        try:
            number = float(raw.replace(",", ".").replace(" ", ""))
        except ValueError:
            return None, "must be a number"
        value = int(number) if number.is_integer() else number
    elif definition.kind == "bool":
        folded = raw.casefold()
        if folded not in _TRUE | _FALSE:
            return None, "must be yes or no"
        value = folded in _TRUE
    elif definition.kind == "date":
        parsed = parse_date(raw)
        if parsed is None:
            return None, "must be a date (YYYY-MM-DD or DD.MM.YYYY)"
        value = parsed.isoformat()
    return value, custom_value_problem(definition.kind, definition.choices, value)


def parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _tags(text: str) -> list[str]:
    seen: dict[str, str] = {}
    for part in re.split(r"[,;|]", text):
        name = " ".join(part.split())
        if name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())
