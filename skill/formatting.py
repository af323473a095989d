"""Pure functions from results to text: JSON, ✓ lines, ❌ reports, tables and readable views.

Symbols and reply templates come from the vocabulary; nothing here touches the database or a stream.
"""

from __future__ import annotations

import json

from .timeutil import display
from .vocabulary import COMMANDS, VOCABULARY, agent_label

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

OK, WARNING, ERROR = (VOCABULARY["symbols"][k] for k in ("ok", "warning", "error"))


def _default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(value: Any) -> str:
    """Compact, valid JSON with non-ASCII kept: what every read prints by default.

    Always valid JSON: a float JSON cannot express (Infinity, NaN: only reachable through ``query`` or a
    value written by other tools) is printed as null rather than as the non-JSON ``Infinity``.
    """
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), ensure_ascii=False, separators=(",", ":"), default=_default)


# shlex.quote's safe characters (\w under re.ASCII, and @%+=:,./-): the same rule without importing shlex,
# which is a fifth of a millisecond of a request's start-up for one function
_SHELL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def shell_quote(text: str) -> str:
    """``shlex.quote``: the text as one shell word (tests/test_formatting.py checks it against shlex)."""
    if not text:
        return "''"
    if _SHELL_SAFE.issuperset(text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (_INF, -_INF)):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


_INF = float("inf")


def write_json_array(stream: Any, items: Any, group: int = 500) -> None:
    """Write ``to_json(list(items))`` and a newline, ``group`` items per write: flat memory for any size.

    Each group of items is encoded as one list (one call into the C encoder), its brackets dropped.
    """
    size = group
    stream.write("[")
    pending: list[Any] = []
    separator = ""
    for item in items:
        pending.append(item)
        if len(pending) == size:
            stream.write(separator + to_json(pending)[1:-1])
            separator, pending = ",", []
    if pending:
        stream.write(separator + to_json(pending)[1:-1])
    stream.write("]\n")


# -- ✓ lines ---------------------------------------------------------------------------------------
def _state_label(state_type: str) -> str:
    return "PM" if state_type == "pm" else state_type


def _changes(args: dict[str, Any], row: dict[str, Any]) -> str:
    parts = []
    if "status" in args:
        parts.append(row["status"])
    if "assigned_to" in args:
        parts.append(f"assigned to {row['assigned_to']}")
    if "revision_count" in args or args.get("increment_revision"):
        parts.append(f"revision {row['revision_count']}")
    if "last_review_status" in args:
        parts.append(f"review {row['last_review_status']}")
    return ", ".join(parts)


def reply_fields(command: str, args: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The values a reply template may name, derived from the arguments and the stored row."""
    fields: dict[str, Any] = dict(args)
    fields.update(result)
    if command == "create-task-group" or command == "update-task-group":
        fields["group_id"] = result["id"]
    if "agent_type" in result:
        fields["agent_label"] = agent_label(result["agent_type"])
    iteration = result.get("iteration")
    fields["iteration_part"] = f" (iteration {iteration})" if iteration is not None else ""
    if "state_type" in result:
        fields["state_label"] = _state_label(result["state_type"])
    if "tokens_estimated" in result:
        fields["tokens"] = f"{result['tokens_estimated']:,}"
        fields["agent_id_part"] = f" ({result['agent_id']})" if result.get("agent_id") else ""
    if command == "update-task-group":
        fields["changes"] = _changes(args, result)
    return fields


def success_line(command: str, args: dict[str, Any], result: dict[str, Any]) -> str:
    templates: dict[str, str] = COMMANDS[command]["reply"]
    if "created" in result:
        template = templates["created" if result["created"] else "exists"]
    else:
        template = templates["done"]
    return f"{OK} " + template.format(**reply_fields(command, args, result))


# -- ❌ reports ------------------------------------------------------------------------------------
def error_report(
    message: str, hint: str | None, details: Sequence[str] = (), command: str | None = None
) -> str:
    """❌ what failed and why (prefixed by the command when known), each detail, then what to do."""
    lines = [f"{ERROR} {command}: {message}" if command else f"{ERROR} {message}"]
    lines.extend(f"   - {detail}" for detail in details)
    if hint:
        lines.append(f"   {hint}")
    return "\n".join(lines)


# -- tables and views --------------------------------------------------------------------------------
# Text tables (--format text and table) fit TABLE_WIDTH columns: times as short local times (12-02 14:03),
# and the widest columns cut down, their cells ending in … where they were truncated.
TABLE_WIDTH = 100
_CELL_READ = 400  # characters of a value a table cell ever looks at (a log entry may be 1 MiB)


def _cell(value: Any, width: int = 60) -> str:
    text = _cell_text(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _cell_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (dict, list)):
        text = to_json(value)
    else:
        text = str(value)
    return " ".join(text[:_CELL_READ].split())


def is_timestamp(value: Any) -> bool:
    """A canonical timestamp (2025-01-13T14:35:30.000000Z), as stored."""
    return isinstance(value, str) and len(value) == 27 and value[10] == "T" and value[-1] == "Z"


def short_time(timestamp: str) -> str:
    """A canonical UTC timestamp as a short local time: '01-13 15:35' (month-day hour:minute)."""
    import calendar
    import time

    try:
        parts = time.strptime(timestamp[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return timestamp
    return time.strftime("%m-%d %H:%M", time.localtime(calendar.timegm(parts)))


def _table_cell(value: Any) -> str:
    return short_time(value) if is_timestamp(value) else _cell_text(value)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def fit_widths(
    widths: list[int], total: int = TABLE_WIDTH, floors: Sequence[int] = (), gap: int = 2
) -> list[int]:
    """Column widths cut down, widest first, until a row fits ``total`` characters: first down to each
    column's ``floors`` (its values' width: only long headers are cut), then to 11 (a short time stays
    whole), then to 6, then to 1."""
    widths = list(widths)
    spacing = gap * (len(widths) - 1)
    for level in ("floors", 11, 6, 1):
        lowest = [max(f, 6) for f in floors] if level == "floors" else [int(level)] * len(widths)
        if len(lowest) != len(widths):
            continue
        while sum(widths) + spacing > total:
            cuttable = [i for i in range(len(widths)) if widths[i] > lowest[i]]
            if not cuttable:
                break
            widest = max(cuttable, key=widths.__getitem__)
            widths[widest] -= 1
    return widths


def table(rows: Sequence[dict[str, Any]], columns: list[str] | None = None, width: int = TABLE_WIDTH) -> str:
    """A plain fixed-style table (header, dashes, rows) that fits ``width`` characters, so snapshots stay
    stable and a terminal shows it unwrapped."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0].keys())
    cells = [[_table_cell(row.get(c)) for c in columns] for row in rows]
    values = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    widths = fit_widths([max(len(c), v) for c, v in zip(columns, values)], width, values)

    def line(values: list[str]) -> str:
        return "  ".join(_clip(v, w).ljust(w) for v, w in zip(values, widths)).rstrip()

    return "\n".join([line(columns), "  ".join("-" * w for w in widths), *(line(r) for r in cells)])


def key_values(item: dict[str, Any], width: int = TABLE_WIDTH) -> str:
    """One ``key  value`` line per field (times as written, in UTC), each within ``width`` characters."""
    keys = max((len(k) for k in item), default=0)
    shown = max(width - keys - 2, 10)
    return "\n".join(
        f"{k.ljust(keys)}  {display(v) if is_timestamp(v) else _cell(v, shown)}" for k, v in item.items()
    )


# -- rows: --format nl, csv, tsv, table --------------------------------------------------------------
def as_rows(value: Any, key: str | None = None) -> Any:
    """A result as rows (dicts): a list is its rows, an object one row, null none, any other value one row
    ``{"value": …}``; ``key`` names the list inside an object (stream-logs' page: its entries)."""
    if key is not None and isinstance(value, dict):
        value = value.get(key)
    if value is None:
        return iter(())
    if isinstance(value, dict):
        return iter((value,))
    if isinstance(value, (str, int, float, bool)):
        return iter(({"value": value},))
    return (row if isinstance(row, dict) else {"value": row} for row in value)


def _flat(value: Any) -> str:
    """A value in one CSV/TSV cell: null empty, nested values and booleans as JSON text."""
    if value is None:
        return ""
    if isinstance(value, (dict, list, bool)):
        return to_json(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def write_rows(stream: Any, output: str, value: Any, key: str | None = None) -> None:
    """A result (see :func:`as_rows`) in one of the row formats, streamed where the format allows (all but
    table): nl, one JSON object per line; csv and tsv, a header row then the values (nested values as JSON
    text); table, an aligned table within TABLE_WIDTH (an object: a field/value table). Columns: every
    row's keys for a list, else the first row's."""
    inner = value.get(key) if key is not None and isinstance(value, dict) else value
    columns: list[str] | None = None
    if isinstance(inner, list):
        found: dict[str, None] = {}
        for row in inner:
            found.update(dict.fromkeys(row if isinstance(row, dict) else ("value",)))
        columns = list(found)
    if output == "table" and isinstance(inner, dict):  # one object: a table of its fields reads better
        inner, columns = [{"field": k, "value": v} for k, v in inner.items()], ["field", "value"]
    rows = as_rows(inner)
    if output == "table":
        stream.write(table(list(rows), columns) + "\n")
        return
    if output == "nl":
        for row in rows:
            stream.write(to_json(row) + "\n")
        return
    import csv

    writer = csv.writer(stream, dialect="excel-tab" if output == "tsv" else "excel", lineterminator="\n")
    header = False
    for row in rows:
        if columns is None:
            columns = list(row)
        if not header:
            writer.writerow(columns)
            header = True
        writer.writerow([_flat(row.get(c)) for c in columns])


def log_heading(entry: dict[str, Any]) -> str:
    label = agent_label(entry["agent_type"])
    label = label[:1].upper() + label[1:]
    who = f" ({entry['agent_id']})" if entry.get("agent_id") else ""
    when = display(entry["timestamp"])
    if entry.get("iteration") is not None:
        return f"## [{when}] Iteration {entry['iteration']} - {label}{who}"
    return f"## [{when}] {label}{who}"


def logs_markdown(page: dict[str, Any]) -> str:
    """A page of the log as markdown, oldest first, each entry closed by a rule."""
    total = page["total"]
    entries = page["entries"]
    if entries:
        span = f"entries {page['first']}–{page['last']} of {total}"
    else:
        span = f"no entries in this range ({total} in all)"
    lines = [f"# Orchestration log: {page['session_id']} ({span})", ""]
    for entry in entries:
        lines += [log_heading(entry), "", entry["content"].rstrip("\n"), "", "---", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _heading(key: str) -> str:
    """'task_groups' -> 'Task Groups' (the spec's readable views)."""
    return " ".join(word[:1].upper() + word[1:] for word in str(key).replace("_", " ").split()) or str(key)


def _summary(value: Any) -> str:
    """A list of objects as its size, with the count per status when they have one:
    '3 (2 completed, 1 pending)'."""
    counts: dict[str, int] = {}
    for item in value:
        status = item.get("status")
        if isinstance(status, str):
            counts[status] = counts.get(status, 0) + 1
    if not counts:
        return str(len(value))
    parts = [f"{n} {status.replace('_', ' ')}" for status, n in counts.items()]
    return f"{len(value)} ({', '.join(parts)})"


def state_title(state_type: str) -> str:
    """'PM State' as the spec writes it; other types as 'orchestrator state', 'group_status state'."""
    return "PM State" if state_type == "pm" else f"{state_type} state"


def state_view(title: str, record: dict[str, Any] | None, data_key: str) -> str:
    if record is None:
        return f"No {title} stored yet."
    data = json.loads(record[data_key])
    lines = [f"Current {title} (as of {display(record.get('timestamp') or record.get('updated_at'))}):"]
    if not isinstance(data, dict):
        return "\n".join(lines + [f"- {_cell(data, TABLE_WIDTH - 2)}"])
    for key, value in data.items():
        prefix = f"- {_heading(key)}: "
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(_clip(prefix + _summary(value), TABLE_WIDTH))
        else:
            lines.append(_clip(prefix + _cell(value, max(TABLE_WIDTH - len(prefix), 10)), TABLE_WIDTH))
    return "\n".join(lines)


def token_view(summary: dict[str, int], by: str = "agent_type") -> str:
    """'Token Usage: 45,230 tokens' and one line per agent type (or agent id) with thousands separators."""
    lines = [f"Token Usage: {summary.get('total', 0):,} tokens"]
    for name, total in summary.items():
        if name != "total":
            shown = agent_label(name) if by == "agent_type" else name
            name = shown[:1].upper() + shown[1:] if by == "agent_type" else shown
            amount = f": {total:,}"
            lines.append("- " + _clip(name, TABLE_WIDTH - 2 - len(amount)) + amount)
    return "\n".join(lines)


def dashboard_view(snapshot: dict[str, Any]) -> str:
    session = snapshot["session"]
    groups = snapshot["task_groups"]
    tokens = snapshot["token_summary"]
    lines = [
        f"Session: {session['session_id']} ("
        + (f"{session['mode']} mode" if session["mode"] else "mode unset")
        + f", {session['status']})",
        f"- Created: {display(session['created_at'])}",
        f"- Last updated: {display(session['updated_at'])}",
        "",
        f"Task Groups: {len(groups)} total",
    ]
    for status, label in (
        ("completed", "Completed"),
        ("in_progress", "In Progress"),
        ("pending", "Pending"),
        ("failed", "Failed"),
    ):
        ids = [g["id"] for g in groups if g["status"] == status]
        if ids or status != "failed":
            lines.append(f"- {label}: {len(ids)}" + (f" ({', '.join(ids)})" if ids else ""))
    lines += ["", token_view(tokens)]
    count = snapshot["log_count"]
    lines += ["", f"Recent Logs: {count} interaction{'s' if count != 1 else ''} logged"]
    for entry in snapshot["recent_logs"][:3]:
        lines.append(f"- {log_heading(entry)[3:]}")
    return "\n".join(_clip(line, TABLE_WIDTH) for line in lines)
