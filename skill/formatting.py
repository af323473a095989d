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
def _cell(value: Any, width: int = 60) -> str:
    if value is None:
        text = "-"
    elif isinstance(value, (dict, list)):
        text = to_json(value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """A plain fixed-style table (header, dashes, rows) so snapshots stay stable."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0].keys())
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def key_values(item: dict[str, Any]) -> str:
    width = max((len(k) for k in item), default=0)
    return "\n".join(f"{k.ljust(width)}  {_cell(v, 200)}" for k, v in item.items())


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
        return "\n".join(lines + [f"- {_cell(data, 100)}"])
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"- {_heading(key)}: {_summary(value)}")
        else:
            lines.append(f"- {_heading(key)}: {_cell(value, 100)}")
    return "\n".join(lines)


def token_view(summary: dict[str, int], by: str = "agent_type") -> str:
    """'Token Usage: 45,230 tokens' and one line per agent type (or agent id) with thousands separators."""
    lines = [f"Token Usage: {summary.get('total', 0):,} tokens"]
    for name, total in summary.items():
        if name != "total":
            shown = agent_label(name) if by == "agent_type" else name
            lines.append(f"- {shown[:1].upper() + shown[1:] if by == 'agent_type' else shown}: {total:,}")
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
    return "\n".join(lines)
