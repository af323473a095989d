"""The dashboard's HTML: pure functions from library results to markup (no database, no sockets).

Every stored string reaches the page through :func:`e` (``html.escape`` with quotes), so a log line holding
``<script>`` is shown as text. The pages work without JavaScript (links and GET forms for filters and
paging); ``dashboard.js`` only adds live updates, relative times and the theme switch. The same section
renderers serve the first page load and the live updates, so both always look the same.
"""

from __future__ import annotations

import calendar
import html
import json
import time
import zlib
from typing import Any
from urllib.parse import quote, urlencode

from ..vocabulary import AGENT_TYPES, ENUMS, agent_label

# The board's columns and their titles, in the vocabulary's order: pending, in progress, completed, failed.
GROUP_COLUMNS = [(value, value.replace("_", " ").capitalize()) for value in ENUMS["group_status"]["values"]]
# A progress bar shows the finished part first and what is still pending last.
BAR_ORDER = sorted(
    ENUMS["group_status"]["values"], key=lambda value: (value == "pending", value != "completed")
)
SESSION_STATUSES = ENUMS["session_status"]["values"]
PALETTE_SIZE = 10  # colour classes c0..c9 in dashboard.css; the documented agent types own c0..c4
MAX_ITEMS = 50  # items of a list shown in a readable JSON view before "... N more"
MAX_DEPTH = 4  # nesting shown as markup; deeper values are shown as JSON text


def e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def session_url(session_id: str, **query: Any) -> str:
    params = {k: v for k, v in query.items() if v not in (None, "")}
    return f"/sessions/{quote(session_id, safe='')}" + (f"?{urlencode(params)}" if params else "")


def agent_class(agent_type: str) -> str:
    """The colour class of an agent type: fixed for the documented five, stable for any other."""
    documented = AGENT_TYPES["documented"]
    if agent_type in documented:
        return f"c{documented.index(agent_type)}"
    spare = PALETTE_SIZE - len(documented)
    return f"c{len(documented) + zlib.crc32(agent_type.encode('utf-8')) % spare}"


def agent_badge(agent_type: str) -> str:
    return f'<span class="agent {agent_class(agent_type)}">{e(agent_label(agent_type))}</span>'


def status_badge(status: str | None) -> str:
    name = status or "unknown"
    return f'<span class="status status-{e(name)}">{e(name.replace("_", " "))}</span>'


def tokens_text(tokens: int | None) -> str:
    """12345 -> '12.3k', 2500000 -> '2.50M', 950 -> '950'."""
    n = tokens or 0
    if n >= 1_000_000:
        return f"{n / 1_000_000:.2f}M"
    if n >= 10_000:
        return f"{n / 1000:.1f}k"
    return f"{n:,}"


def _epoch(ts: str) -> float | None:
    try:
        whole = calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))
    except (TypeError, ValueError):
        return None
    fraction = ts[19:].rstrip("Z").lstrip(".")
    return whole + (float("0." + fraction) if fraction.isdigit() else 0.0)


def ago(ts: str | None, now: float) -> str:
    """'just now', '4 min ago', '3 h ago', '2 d ago' (from a canonical timestamp)."""
    then = _epoch(ts) if ts else None
    if then is None:
        return "-"
    seconds = max(0, int(now - then))
    if seconds < 10:
        return "just now"
    for limit, unit, size in ((60, "s", 1), (3600, "min", 60), (86400, "h", 3600)):
        if seconds < limit:
            return f"{seconds // size} {unit} ago"
    return f"{seconds // 86400} d ago"


def when(ts: str | None, now: float, *, relative: bool = True) -> str:
    """A <time> element: relative text ('4 min ago') or the UTC time; the exact time in its tooltip.
    dashboard.js keeps relative times current."""
    if not ts:
        return '<span class="muted">-</span>'
    shown = ts[:19].replace("T", " ") + " UTC"
    text = ago(ts, now) if relative else shown
    kind = ' data-relative="1"' if relative else ""
    return f'<time datetime="{e(ts)}" title="{e(shown)}"{kind}>{e(text)}</time>'


def clock(ts: str | None, now: float) -> str:
    """A log entry's time: HH:MM:SS, with the date when it is not today."""
    if not ts:
        return ""
    today = time.strftime("%Y-%m-%d", time.gmtime(now))
    text = ts[11:19] if ts[:10] == today else ts[:10] + " " + ts[11:19]
    return f'<time datetime="{e(ts)}" title="{e(ts[:19].replace("T", " "))} UTC">{e(text)}</time>'


# -- layout ------------------------------------------------------------------------------------------
def layout(
    title: str,
    body: str,
    *,
    location: str,
    page: str,
    data: dict[str, str] | None = None,
    refresh: int | None = None,
) -> str:
    attributes = "".join(f' data-{e(k)}="{e(v)}"' for k, v in (data or {}).items())
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        + (f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else "")
        + '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} · bazinga-db</title>"
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/dashboard.css">'
        '<script src="/static/dashboard.js"></script>'
        f'</head><body data-page="{e(page)}"{attributes}>'
        '<header class="topbar"><a class="brand" href="/"><span class="logo" aria-hidden="true"></span>'
        "bazinga-db</a>"
        f'<span class="location" title="{e(location)}">{e(location)}</span>'
        '<span class="live" id="live" hidden><span class="dot"></span>'
        '<span class="live-text">Live</span></span>'
        '<button class="theme" id="theme" type="button" hidden title="Switch between system, light and dark">'
        "Theme</button></header>"
        f'<main class="page">{body}</main></body></html>\n'
    )


def error_page(
    status: int, message: str, hint: str | None, *, location: str, retry: int | None = None
) -> str:
    """An error as a page. ``retry`` (seconds): the store is unreachable for now (a PostgreSQL server gone
    away), so the page reloads itself that often and shows the view as soon as the server is back."""
    body = (
        f'<section class="card error"><h1>{e(status)} · {e(message)}</h1>'
        + (f"<p>{e(hint)}</p>" if hint else "")
        + (f'<p class="notice">This page tries again every {int(retry)} s.</p>' if retry else "")
        + '<p><a href="/">← All sessions</a></p></section>'
    )
    return layout(message, body, location=location, page="error", refresh=retry)


# -- the sessions page -------------------------------------------------------------------------------
def sessions_page(
    sessions: list[dict[str, Any]], *, status: str | None, location: str, notice: str | None, now: float
) -> str:
    chips = [("All", None)] + [(s.capitalize(), s) for s in SESSION_STATUSES]
    filters = "".join(
        f'<a class="chip{" on" if value == status else ""}" href="/{"?status=" + value if value else ""}"'
        + (' aria-current="page"' if value == status else "")
        + f">{label}</a>"
        for label, value in chips
    )
    body = (
        '<div class="heading"><h1>Sessions</h1>'
        f'<nav class="chips" aria-label="Filter by status">{filters}</nav></div>'
        + (f'<p class="notice">{e(notice)}</p>' if notice else "")
        + '<div class="card table-card"><table class="sessions"><thead><tr>'
        "<th>Session</th><th>Mode</th><th>Status</th><th>Age</th><th>Task groups</th>"
        '<th class="num">Tokens</th><th class="num">Log</th><th>Updated</th>'
        f'</tr></thead><tbody id="sessions-body">{sessions_rows(sessions, status=status, now=now)}</tbody>'
        "</table></div>"
    )
    events = "/api/events" + (f"?status={quote(status)}" if status else "")
    return layout("Sessions", body, location=location, page="sessions", data={"events": events})


def sessions_rows(sessions: list[dict[str, Any]], *, status: str | None, now: float) -> str:
    if not sessions:
        what = f"No {status} sessions" if status else "No sessions yet"
        return (
            f'<tr class="empty"><td colspan="8">{e(what)}. Sessions appear here as soon as an agent runs '
            "<code>create-session</code>.</td></tr>"
        )
    return "".join(_session_row(s, now) for s in sessions)


def _session_row(s: dict[str, Any], now: float) -> str:
    requirements = s.get("original_requirements") or ""
    return (
        f'<tr class="row-{e(s["status"])}">'
        f'<td class="sid"><a href="{e(session_url(s["session_id"]))}">{e(s["session_id"])}</a>'
        f'<div class="req" title="{e(requirements)}">'
        f"{e(requirements) or '<span class=muted>-</span>'}</div></td>"
        f"<td>{e(s.get('mode') or '-')}</td>"
        f"<td>{status_badge(s['status'])}</td>"
        f"<td>{when(s['created_at'], now)}</td>"
        f"<td>{progress_bar(s['task_groups'])}</td>"
        f'<td class="num">{e(tokens_text(s["tokens"]))}</td>'
        f'<td class="num">{s["log_count"]:,}</td>'
        f"<td>{when(s['updated_at'], now)}</td></tr>"
    )


def progress_bar(counts: dict[str, int]) -> str:
    """Segments completed / in progress / failed / pending, drawn as SVG (no inline styles: the pages'
    Content-Security-Policy allows none)."""
    total = counts.get("total", 0)
    if not total:
        return '<span class="muted">no groups</span>'
    x, segments = 0.0, []
    for name in BAR_ORDER:
        width = counts.get(name, 0) * 100 / total
        if width:
            segments.append(
                f'<rect class="seg-{name}" x="{x:.2f}" y="0" width="{width:.2f}" height="8"></rect>'
            )
            x += width
    details = ", ".join(f"{counts[n]} {label}".lower() for n, label in GROUP_COLUMNS if counts.get(n))
    return (
        f'<div class="progress" title="{e(details)}">'
        '<svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" '
        f'aria-label="{e(details)}">'
        f'{"".join(segments)}</svg><span class="progress-label">'
        f"{counts.get('completed', 0)}/{total} completed</span></div>"
    )


# -- the session page --------------------------------------------------------------------------------
def session_page(view: dict[str, Any], *, location: str, now: float) -> str:
    """The whole session page. ``view`` holds what :func:`sections` needs plus ``log_page`` and
    ``agent_types``."""
    session = view["session"]
    sid = session["session_id"]
    page = view["log_page"]
    first_page = view.get("before_seq") is None
    events = f"/api/sessions/{quote(sid, safe='')}/events?" + urlencode(
        {k: v for k, v in (("since_seq", page["latest_seq"]), ("agent_type", page["agent_type"])) if v}
        or {"since_seq": 0}
    )
    parts = sections(view, now)
    body = (
        f'<nav class="crumbs"><a href="/">Sessions</a> <span aria-hidden="true">/</span> {e(sid)}</nav>'
        f'<section id="header" class="card header">{parts["header"]}</section>'
        '<section class="block"><h2>Task groups</h2>'
        f'<div id="board" class="board">{parts["board"]}</div></section>'
        '<section class="block"><h2>Token usage</h2>'
        f'<div id="tokens" class="tokens">{parts["tokens"]}</div></section>'
        '<section class="block"><h2>Latest state</h2>'
        f'<div id="states" class="states">{parts["states"]}</div></section>'
        '<div class="two">'
        '<section class="block"><h2>Skill outputs</h2>'
        f'<div id="outputs">{parts["outputs"]}</div></section>'
        '<section class="block"><h2>Decisions</h2>'
        f'<div id="decisions">{parts["decisions"]}</div></section>'
        "</div>"
        f"{log_section(sid, page, view['agent_types'], first_page=first_page, now=now)}"
    )
    return layout(
        sid,
        body,
        location=location,
        page="session",
        data={"events": events, "live-logs": "1" if first_page else "0"},
    )


def sections(view: dict[str, Any], now: float) -> dict[str, str]:
    """The parts of a session page that live updates replace whole: header, board, tokens, states,
    outputs, decisions."""
    return {
        "header": header(view["session"], view["token_summary"], view["log_count"], now),
        "board": board(view["task_groups"], now),
        "tokens": tokens_charts(view["token_summary"], view["timeline"]),
        "states": states(view["pm_state"], view["orchestrator_state"], now),
        "outputs": skill_outputs(view["skill_outputs"], now),
        "decisions": decisions(view["decisions"], now),
    }


def header(session: dict[str, Any], summary: dict[str, int], log_count: int, now: float) -> str:
    facts = [
        ("Mode", e(session.get("mode") or "-")),
        ("Created", when(session["created_at"], now, relative=False)),
        ("Updated", when(session["updated_at"], now)),
        ("Ended", when(session.get("end_time"), now, relative=False) if session.get("end_time") else "-"),
        ("Tokens", e(f"{summary.get('total', 0):,}")),
        ("Log entries", e(f"{log_count:,}")),
    ]
    requirements = session.get("original_requirements")
    return (
        f'<div class="title-row"><h1>{e(session["session_id"])}</h1>{status_badge(session["status"])}</div>'
        + (
            f'<p class="requirements">{e(requirements)}</p>'
            if requirements
            else '<p class="requirements muted">No requirements recorded.</p>'
        )
        + '<dl class="facts">'
        + "".join(f"<div><dt>{label}</dt><dd>{value}</dd></div>" for label, value in facts)
        + "</dl>"
    )


def board(groups: list[dict[str, Any]], now: float) -> str:
    columns = []
    for status, label in GROUP_COLUMNS:
        cards = [g for g in groups if g["status"] == status]
        inner = "".join(_group_card(g, now) for g in cards) or '<p class="none">None</p>'
        columns.append(
            f'<div class="column col-{status}" data-status="{status}"><h3>{label}'
            f'<span class="count">{len(cards)}</span></h3>{inner}</div>'
        )
    return "".join(columns)


def _group_card(group: dict[str, Any], now: float) -> str:
    review = group.get("last_review_status")
    revisions = group.get("revision_count") or 0
    meta = [
        f'<span class="who" title="Assigned to">{e(group["assigned_to"])}</span>'
        if group.get("assigned_to")
        else '<span class="who muted">unassigned</span>',
        f'<span class="revs">{revisions} revision{"s" if revisions != 1 else ""}</span>',
    ]
    verdict = (
        f'<span class="review review-{e(review.lower())}">{e(review.replace("_", " ").lower())}</span>'
        if review
        else ""
    )
    return (
        f'<article class="group" id="group-{e(group["id"])}" data-group="{e(group["id"])}">'
        f'<div class="group-top"><span class="gid">{e(group["id"])}</span>{verdict}</div>'
        f'<div class="gname">{e(group["name"])}</div>'
        f'<div class="gmeta">{"".join(meta)}<span class="gtime">{when(group["updated_at"], now)}</span></div>'
        "</article>"
    )


# -- charts ------------------------------------------------------------------------------------------
def tokens_charts(summary: dict[str, int], timeline: dict[str, Any]) -> str:
    by_type = [(k, v) for k, v in summary.items() if k != "total"]
    if not by_type:
        return '<p class="none card">No tokens logged yet.</p>'
    return (
        '<figure class="card chart"><figcaption>By agent type '
        f'<span class="muted">{summary.get("total", 0):,} tokens</span></figcaption>'
        f"{bar_chart(by_type)}</figure>"
        '<figure class="card chart"><figcaption>Over time, cumulative'
        + (f' <span class="muted">per {e(timeline["bucket"])}</span>' if timeline.get("bucket") else "")
        + f"</figcaption>{time_chart(timeline)}</figure>"
    )


def bar_chart(items: list[tuple[str, int]]) -> str:
    """Horizontal bars, one per agent type, in the summary's order."""
    width, row, left, right = 520, 30, 110, 70
    height = row * len(items) + 8
    top = max(v for _, v in items) or 1
    bars = []
    for index, (agent, tokens) in enumerate(items):
        y = 4 + index * row
        length = max(2.0, (width - left - right) * tokens / top)
        bars.append(
            f'<g class="{agent_class(agent)}"><title>{e(agent_label(agent))}: {tokens:,} tokens</title>'
            f'<text class="label" x="{left - 10}" y="{y + row / 2 + 4:.1f}" text-anchor="end">'
            f"{e(agent_label(agent))}</text>"
            f'<rect class="fill" x="{left}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" '
            'rx="4"></rect>'
            f'<text class="value" x="{left + length + 8:.1f}" y="{y + row / 2 + 4:.1f}">'
            f"{e(tokens_text(tokens))}</text></g>"
        )
    return (
        f'<svg class="bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Tokens by agent type">{"".join(bars)}</svg>'
    )


def time_chart(timeline: dict[str, Any]) -> str:
    """Stacked areas of cumulative tokens per agent type over the session's time."""
    points = timeline.get("points") or []
    if not points:
        return '<p class="none">No tokens logged yet.</p>'
    times = sorted({p["time"] for p in points})
    order = list(dict.fromkeys(p["agent_type"] for p in sorted(points, key=lambda p: _type_order(p))))
    per_bucket: dict[str, dict[str, int]] = {}
    for p in points:
        per_bucket.setdefault(p["time"], {})[p["agent_type"]] = p["tokens"]
    running = dict.fromkeys(order, 0)
    stacks: list[list[int]] = []  # per time: cumulative per agent, stacked
    for t in times:
        for agent, tokens in per_bucket[t].items():
            running[agent] += tokens
        level, stack = 0, []
        for agent in order:
            level += running[agent]
            stack.append(level)
        stacks.append(stack)
    width, height, left, bottom, top_pad, right = 520, 220, 56, 28, 12, 12
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    epochs = [_epoch(t) or 0.0 for t in times]
    start, end = epochs[0], epochs[-1]
    span = (end - start) or 1.0
    highest = stacks[-1][-1] or 1

    def x(index: int) -> float:
        return left + (plot_w * (epochs[index] - start) / span if len(times) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top_pad + plot_h * (1 - value / highest)

    layers = []
    for level_index in range(len(order) - 1, -1, -1):
        upper = [(x(i), y(stacks[i][level_index])) for i in range(len(times))]
        lower = [(x(i), y(stacks[i][level_index - 1] if level_index else 0)) for i in range(len(times))][::-1]
        if len(times) == 1:  # one bucket: draw it as a thin band across the plot
            upper = [(left, upper[0][1]), (left + plot_w, upper[0][1])]
            lower = [(left + plot_w, lower[0][1]), (left, lower[0][1])]
        area = " ".join(f"{px:.1f},{py:.1f}" for px, py in upper + lower)
        line = " ".join(f"{px:.1f},{py:.1f}" for px, py in upper)
        agent = order[level_index]
        layers.append(
            f'<g class="{agent_class(agent)}"><title>{e(agent_label(agent))}: '
            f"{running[agent]:,} tokens</title>"
            f'<polygon class="area" points="{area}"></polygon>'
            f'<polyline class="line" points="{line}"></polyline></g>'
        )
    grid = []
    for fraction in (0, 0.5, 1):
        gy = y(highest * fraction)
        grid.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{gy:.1f}" y2="{gy:.1f}"></line>'
            f'<text class="axis" x="{left - 8}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{e(tokens_text(int(highest * fraction)))}</text>"
        )
    first, last = _axis_time(times[0], times[-1]), _axis_time(times[-1], times[0])
    axis = f'<text class="axis" x="{left}" y="{height - 8}">{e(first)}</text>' + (
        f'<text class="axis" x="{left + plot_w}" y="{height - 8}" text-anchor="end">{e(last)}</text>'
        if len(times) > 1
        else ""
    )
    legend = "".join(
        f'<span class="key {agent_class(a)}"><span class="swatch"></span>{e(agent_label(a))} '
        f'<span class="muted">{e(tokens_text(running[a]))}</span></span>'
        for a in order
    )
    return (
        f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Cumulative tokens over time by agent type">{"".join(grid)}{"".join(layers)}{axis}</svg>'
        f'<div class="legend">{legend}</div>'
    )


def _type_order(point: dict[str, Any]) -> tuple[int, str]:
    documented = AGENT_TYPES["documented"]
    name = point["agent_type"]
    return (documented.index(name) if name in documented else len(documented), name)


def _axis_time(ts: str, other: str) -> str:
    """An axis label: the time of day when both ends share a date, else the date and time."""
    return ts[11:16] if ts[:10] == other[:10] else ts[:10] + " " + ts[11:16]


# -- states, outputs, decisions ----------------------------------------------------------------------
def states(pm: dict[str, Any] | None, orchestrator: dict[str, Any] | None, now: float) -> str:
    return _state_card("PM", pm, now) + _state_card("Orchestrator", orchestrator, now)


def _state_card(title: str, record: dict[str, Any] | None, now: float) -> str:
    if record is None:
        return f'<div class="card state"><h3>{e(title)}</h3><p class="none">No state saved yet.</p></div>'
    data = record["data"]
    return (
        f'<div class="card state"><h3>{e(title)} <span class="muted">saved {when(record["timestamp"], now)}'
        f"</span></h3>{_highlights(data)}{readable(data)}{raw_json(data)}</div>"
    )


def _highlights(data: Any) -> str:
    """A progress bar when a state says how far along it is (PM states do)."""
    if not isinstance(data, dict):
        return ""
    percent = data.get("completion_percentage")
    tracking = data.get("progress_tracking")
    if percent is None and isinstance(tracking, dict):
        percent = tracking.get("percent_complete")
    if not isinstance(percent, (int, float)) or isinstance(percent, bool):
        return ""
    shown = max(0.0, min(100.0, float(percent)))
    return (
        f'<div class="meter"><svg viewBox="0 0 100 8" preserveAspectRatio="none" role="img" '
        f'aria-label="{shown:.0f}% complete"><rect class="track" width="100" height="8"></rect>'
        f'<rect class="done" width="{shown:.1f}" height="8"></rect></svg>'
        f'<span class="meter-label">{shown:.0f}% complete</span></div>'
    )


def readable(value: Any, depth: int = 0) -> str:
    """A JSON value as markup people read: objects as labelled rows, lists as items, scalars as text."""
    if isinstance(value, dict):
        if not value:
            return '<span class="muted">(empty)</span>'
        if depth >= MAX_DEPTH:
            return f"<code>{e(json.dumps(value, ensure_ascii=False))}</code>"
        scalars = [(k, v) for k, v in value.items() if not isinstance(v, (dict, list))]
        nested = [(k, v) for k, v in value.items() if isinstance(v, (dict, list))]
        rows = "".join(
            f"<div><dt>{e(str(k).replace('_', ' '))}</dt><dd>{readable(v, depth + 1)}</dd></div>"
            for k, v in scalars + nested
        )
        return f'<dl class="kv">{rows}</dl>'
    if isinstance(value, list):
        if not value:
            return '<span class="muted">(none)</span>'
        if depth >= MAX_DEPTH:
            return f"<code>{e(json.dumps(value, ensure_ascii=False))}</code>"
        shown = value[:MAX_ITEMS]
        more = len(value) - len(shown)
        if all(not isinstance(v, (dict, list)) for v in shown):
            items = "".join(f'<span class="tag">{readable(v, depth + 1)}</span>' for v in shown)
            return f'<span class="tags">{items}</span>' + (
                f'<span class="muted"> … {more} more</span>' if more else ""
            )
        items = "".join(f"<li>{readable(v, depth + 1)}</li>" for v in shown)
        return f'<ol class="items">{items}</ol>' + (f'<p class="muted">… {more} more</p>' if more else "")
    if value is None:
        return '<span class="muted">null</span>'
    if isinstance(value, bool):
        return '<span class="yes">yes</span>' if value else '<span class="no">no</span>'
    if isinstance(value, (int, float)):
        return f'<span class="number">{e(f"{value:,}" if isinstance(value, int) else value)}</span>'
    text = str(value)
    return f'<span class="text{" multiline" if chr(10) in text else ""}">{e(text)}</span>'


def raw_json(value: Any) -> str:
    return (
        '<details class="raw"><summary>JSON</summary>'
        f"<pre>{e(json.dumps(value, ensure_ascii=False, indent=2))}</pre></details>"
    )


def skill_outputs(outputs: list[dict[str, Any]], now: float) -> str:
    if not outputs:
        return '<p class="none card">No skill outputs yet.</p>'
    return "".join(
        f'<div class="card output"><h3>{e(o["skill_name"])} <span class="muted">{when(o["timestamp"], now)}'
        f"</span></h3>{readable(o['output_data'])}{raw_json(o['output_data'])}</div>"
        for o in outputs
    )


def decisions(items: list[dict[str, Any]], now: float) -> str:
    if not items:
        return '<p class="none card">No decisions logged yet.</p>'
    rows = "".join(
        f'<li class="decision"><div class="dmeta"><span class="dtype">{e(d["decision_type"])}</span>'
        + (
            f'<span class="iter">iteration {e(d["iteration"])}</span>'
            if d.get("iteration") is not None
            else ""
        )
        + f"{when(d['timestamp'], now)}</div>{readable(d['decision_data'])}</li>"
        for d in reversed(items)
    )
    return f'<ol class="card decisions">{rows}</ol>'


# -- the log -----------------------------------------------------------------------------------------
def log_section(
    session_id: str, page: dict[str, Any], agent_types: list[str], *, first_page: bool, now: float
) -> str:
    chosen = page["agent_type"]
    options = ['<option value="">All agents</option>'] + [
        f'<option value="{e(t)}"{" selected" if t == chosen else ""}>{e(agent_label(t))}</option>'
        for t in sorted(
            set(agent_types) | ({chosen} if chosen else set()), key=lambda t: _type_order({"agent_type": t})
        )
    ]
    entries = page["entries"]
    shown = (
        f"entries {entries[-1]['seq']:,}–{entries[0]['seq']:,} of {page['latest_seq']:,}"
        if entries
        else f"{page['latest_seq']:,} entries"
    )
    pager = []
    if not first_page:
        pager.append(f'<a class="button" href="{e(session_url(session_id, agent_type=chosen))}">← Newest</a>')
    if page["has_more"] and entries:
        older = session_url(session_id, agent_type=chosen, before_seq=entries[-1]["seq"])
        pager.append(f'<a class="button" rel="next" href="{e(older)}">Older →</a>')
    return (
        '<section class="block log" id="log-section"><div class="log-head"><h2>Log</h2>'
        f'<span class="muted" id="log-range">{e(shown)}</span>'
        f'<form class="filter" method="get" action="{e(session_url(session_id))}">'
        '<label for="agent-filter">Agent</label>'
        f'<select id="agent-filter" name="agent_type">{"".join(options)}</select>'
        '<button class="button" type="submit">Filter</button></form></div>'
        + (
            ""
            if first_page
            else '<p class="notice" id="paused">An older page: new entries are not added here.</p>'
        )
        + f'<ol class="entries card" id="log">{log_entries(entries, now) or _no_entries(chosen)}</ol>'
        f'<nav class="pager">{"".join(pager)}</nav></section>'
    )


def _no_entries(agent_type: str | None) -> str:
    what = f"No {agent_label(agent_type)} entries" if agent_type else "No log entries yet"
    return f'<li class="none">{e(what)}.</li>'


def log_entries(entries: list[dict[str, Any]], now: float) -> str:
    return "".join(log_entry(entry, now) for entry in entries)


def log_entry(entry: dict[str, Any], now: float) -> str:
    meta = [f'<span class="seq">#{e(entry["seq"])}</span>', agent_badge(entry["agent_type"])]
    if entry.get("agent_id"):
        meta.append(f'<span class="aid">{e(entry["agent_id"])}</span>')
    if entry.get("iteration") is not None:
        meta.append(f'<span class="iter">iteration {e(entry["iteration"])}</span>')
    meta.append(clock(entry["timestamp"], now))
    return (
        f'<li class="entry" id="log-{e(entry["seq"])}" data-seq="{e(entry["seq"])}">'
        f'<div class="meta">{"".join(meta)}</div><div class="content">{e(entry["content"])}</div></li>'
    )
