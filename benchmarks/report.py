"""Plain-text tables for the benchmark scripts' output. Pure formatting: no I/O, no figures."""

from __future__ import annotations

from typing import Any


def cell(value: Any) -> str:
    """A figure as printed: ``-`` for a missing one (``None``)."""
    return "-" if value is None else str(value)


def table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    cells = [header, *[[cell(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [title, "-" * len(title)]
    for index, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
