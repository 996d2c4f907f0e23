"""Tables: Gherkin data tables as dicts, kubectl's column output as rows, and a comparison that
reports every differing cell.

Pure functions only (no I/O). ``*`` in an expected cell matches any run of characters, so
``80:*/TCP`` matches any node port and a lone ``*`` matches anything (cluster IPs, ages).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


def datatable_rows(datatable: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    """A Gherkin data table (first row = header) as a list of dicts; cells are stripped and a
    cell written in double quotes keeps its inner text verbatim (``" "`` is one space)."""
    if not datatable:
        return []
    header = [cell.strip() for cell in datatable[0]]
    rows: list[dict[str, str]] = []
    for raw in datatable[1:]:
        rows.append({name: unquote(cell) for name, cell in zip(header, raw, strict=True)})
    return rows


def unquote(cell: str) -> str:
    """Strip a cell, then drop one pair of surrounding double quotes if present."""
    text = cell.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def split_list(text: str) -> list[str]:
    """``"a, b,c"`` -> ``["a", "b", "c"]``; blank -> ``[]``."""
    return [part.strip() for part in text.split(",") if part.strip()]


def glob_match(pattern: str, value: str) -> bool:
    """True when ``value`` matches ``pattern`` where ``*`` is the only wildcard."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


@dataclass(frozen=True)
class ParsedTable:
    """Column output of ``kubectl get``: the header names and one list of cells per row."""

    header: list[str]
    rows: list[list[str]]

    def as_dicts(self) -> list[dict[str, str]]:
        return [dict(zip(self.header, row, strict=False)) for row in self.rows]


def parse_columns(output: str) -> ParsedTable:
    """Parse kubectl's default (column) output. Cells never contain spaces for the resources we
    print (Services, CRDs), so whitespace splitting is exact; ``No resources found`` -> no rows."""
    lines = [line for line in output.splitlines() if line.strip()]
    if not lines or lines[0].startswith("No resources found"):
        return ParsedTable(header=[], rows=[])
    header = lines[0].split()
    rows = [line.split() for line in lines[1:]]
    for row in rows:
        if len(row) != len(header):
            raise AssertionError(f"cannot parse kubectl row {row!r} against header {header!r}")
    return ParsedTable(header=header, rows=rows)


def compare_tables(
    expected: Sequence[dict[str, str]], actual: ParsedTable, key: str = "NAME"
) -> list[str]:
    """Compare an expected table (subset of columns, every row) with kubectl's table.

    Rows must be the same, in the same order (kubectl sorts by namespace and name); only the
    columns named in ``expected`` are compared. Returns human-readable differences, [] if none.
    """
    problems: list[str] = []
    actual_rows = actual.as_dicts()
    columns = list(expected[0].keys()) if expected else []
    missing_columns = [c for c in columns if c not in actual.header]
    if missing_columns:
        return [f"kubectl printed no column(s) {missing_columns}; its header is {actual.header}"]
    expected_keys = [row.get(key, "") for row in expected]
    actual_keys = [row.get(key, "") for row in actual_rows]
    if key in columns and expected_keys != actual_keys:
        problems.append(
            f"rows differ: expected {key}s {expected_keys}, kubectl shows {actual_keys}"
        )
    elif len(expected) != len(actual_rows):
        problems.append(f"expected {len(expected)} rows, kubectl shows {len(actual_rows)}")
    for index, (want, got) in enumerate(zip(expected, actual_rows, strict=False)):
        for column in columns:
            if not glob_match(want[column], got.get(column, "")):
                problems.append(
                    f"row {index + 1} ({got.get(key, '?')}) column {column}: "
                    f"expected {want[column]!r}, kubectl shows {got.get(column, '')!r}"
                )
    return problems


def render_rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows as an aligned plain-text table (for failure messages)."""
    table = [list(header), *[list(r) for r in rows]]
    widths = [
        max(len(str(row[i])) if i < len(row) else 0 for row in table) for i in range(len(header))
    ]
    return "\n".join(
        "  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in table
    )
