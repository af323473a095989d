"""Stage 1, normalise: the request's lines, ready to be split.

A request over ``limits.max_request_bytes`` is refused unread; line ends are unified, code fences dropped,
the "bazinga-db, please" / "Request to bazinga-db:" preamble taken off, an "Operation: …" label or a
request written as one JSON object turned into the operation's first sentence.
"""

from __future__ import annotations

import json

from ..vocabulary import AGENT_TYPES
from . import regex_cache as rx
from .lexicon import (
    LABEL_LINE,
    SESSION_SHAPE,
    Lazy,
    agent_or_none,
    agent_prefix,
    alternation,
    clean_scalar,
    label_key,
    refuse,
    tables,
)
from .locate import locate, paste_dropped

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any


FENCE = Lazy(r"^\s*(```|~~~)", needs=("```", "~~~"))


def check_size(text: str, data: dict[str, Any]) -> None:
    """Refuse a request over the documented bound before reading it (reading is linear in its length)."""
    limit = data["limits"]["max_request_bytes"]
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise refuse(
            f"the request is {size:,} bytes; requests in words are read up to {limit:,} bytes",
            hint="Send the long value with the plain command instead, reading it from stdin, e.g.\n"
            "python3 scripts/bazinga_db.py log-interaction SESSION_ID AGENT_TYPE - < content.txt",
            kind="too_long",
        )


def strip_preamble(lines: list[str], data: dict[str, Any]) -> list[str]:
    """Drop leading blank lines and the 'bazinga-db, please' / 'Request to bazinga-db:' words."""
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return lines
    first = lines[0].lstrip(" >#")
    head, colon, rest = first.partition(":")
    # "**get session** `s_1`": emphasis around the operation's words; a value after a colon keeps its own
    first = _strip_prefixes(_BOLD.sub(r"\1", head).lstrip(" *") + colon + rest, data)
    # "QA: group_a passed, mark it completed", "[developer_1] log this …": who speaks is not the operation
    who_shape = r"[A-Za-z][A-Za-z _-]{0,20}?|[A-Za-z]+_[A-Za-z0-9]+"
    speaker = r"(?:\s+(?:" + alternation(data["speaker_words"]) + r"))?"
    role = rx.match(
        r"\s*(?:\[(?P<bracketed>" + who_shape + r")\]" + speaker + r"\s*:?"
        r"|(?P<named>" + who_shape + r")" + speaker + r"\s*:"
        r"|(?i:as)\s+(?:(?i:the|an?)\s+)?(?P<acting>" + who_shape + r")\s*,)\s+(?=\S)",
        first,
    )
    if role:
        who = (role.group("bracketed") or role.group("named") or role.group("acting")).strip()
        if "_" in who:
            who = who.lower()  # "Developer_1 reporting:": an agent id, written as ids are
        said = first[role.end() :].split()
        if (label_key(who) not in data["_label"] or len(said) > 3) and (
            agent_or_none(who) in AGENT_TYPES["documented"]
            or agent_prefix(who.lower()) is not None
            or label_key(who).replace(" ", "_") in data["agent_roles"]["roles"]
        ):
            first = f"({who}) " + _strip_prefixes(first[role.end() :], data)
    lines = [first] + lines[1:]
    if not first.strip():
        lines = lines[1:]
        while lines and not lines[0].strip():
            lines.pop(0)
    return lines


def session_first(lines: list[str]) -> list[str]:
    """'bazinga_20251202_140000: dashboard snapshot, please': a one-line request opened by a session id alone
    and a colon is the request after the colon, for that session (its Session ID line): the id is a value,
    never the words naming the operation. Anything else is left as it is."""
    filled = [line for line in lines if line.strip()]
    if len(filled) != 1 or ":" not in filled[0]:
        return lines
    found = rx.match(r"\s*([^\s:]+):\s+(\S.*)$", filled[0])
    if found is None or SESSION_SHAPE.fullmatch(found.group(1)) is None or found.group(2)[:1] in "{[":
        return lines
    return [found.group(2), "Session ID: " + found.group(1)]


def quote_after_verb(lines: list[str], data: dict[str, Any]) -> list[str]:
    """ "log 'Refactored InvoiceRenderer to use Decimal' for s_1 by developer_3": words in single quotes
    right after the verb that reports them (a write verb of ``verbs.dual``) opening the request are its
    quoted text, as in double quotes: two words or more, closed before a space, a stop or the line's end,
    no double quote inside (an apostrophe only within a word). One word ('log 'done' …') stays as written."""
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None or "'" not in lines[index] and "\u2018" not in lines[index]:
        return lines
    verbs = "|".join(w for w in data["verbs"]["dual"] if data["_verb"].get(w) == "write")
    inner = r"(?:[^'\u2018\u2019\"\u201c\u201d\n]|(?<=\w)['\u2019](?=\w))"
    match = rx.match(
        r"(?i)(\s*(?:(?:please|pls|plz|kindly)\s+)?(?:" + verbs + r")\s+)['\u2018]"
        r"(\S" + inner + r"*?\s" + inner + r"*?\S)['\u2019](?=[\s,;.!?]|$)",
        lines[index],
    )
    if match is None:
        return lines
    line = lines[index]
    quoted = match.group(1) + '"' + match.group(2) + '"' + line[match.end() :]
    return lines[:index] + [quoted] + lines[index + 1 :]


def operation_label(lines: list[str], data: dict[str, Any]) -> list[str]:
    """'Operation: log_interaction' (first or second line): its value becomes the request's first sentence."""
    words = data["operation_labels"]["words"]
    for index in range(min(2, len(lines))):
        match = LABEL_LINE.match(lines[index])
        if match and label_key(match.group(1)) in words and match.group(2).strip():
            value = clean_scalar(match.group(2))
            if value.replace("_", "-").lower() in data["_command_names"]:
                value = value.replace("_", "-").lower()
            head = [
                line
                for i, line in enumerate(lines[:index])
                if line.strip() and not line.rstrip().endswith(":")
            ]
            return [value] + head + lines[index + 1 :]
    return request_label(lines, data)


def request_label(lines: list[str], data: dict[str, Any]) -> list[str]:
    """'**Session:** `s_1`' then '**Need:** its task groups with status `completed`': a text that opens with
    labels and whose request is the value of one of ``request_labels`` (Need, Request, Ask, Task …) gets
    that value as its first sentence, when the value reads as a request (a verb, a determiner or an
    operation noun first); every line before it must be a label line (no other sentence names the
    operation)."""
    words = data["request_labels"]["words"]
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = LABEL_LINE.match(line)
        if match is None:
            return lines  # a sentence before any request label: it names the operation, if anything does
        key = label_key(match.group(1).strip("*_ "))
        if key not in words:
            if key not in data["_label"]:
                return lines
            continue
        value = _strip_prefixes(match.group(2).strip(), data)
        said = rx.findall(r"[a-z][a-z_'’-]*", value.lower())
        if not said:
            return lines
        nouns = [" ".join(said[:size]) for size in range(1, data["_noun_words"] + 1)]
        if said[0] in data["_verb"] or said[0] in data["_articles"] or any(n in data["_noun"] for n in nouns):
            return [value] + lines[:index] + lines[index + 1 :]
        return lines
    return lines


# a dash, or an arrow pointing back at the values ('{…} <- save as pm state')
_TAIL_SEPARATOR = Lazy(
    r"\s+(?:-{1,2}|\u2014|\u2013|<-{1,2}|\u2190)\s+", needs=("-", "\u2014", "\u2013", "\u2190")
)
_TAIL_MARK = Lazy(r"^\s*(?:\^+|->|=>|\u2191|\u2192)\s*", needs=("^", "->", "=>", "\u2191", "\u2192"))


def operation_last(lines: list[str], data: dict[str, Any]) -> list[str]:
    """Values first, the operation last: 'Session: s_1, Limit: 10 - stream logs', '"…" - log it as QA for
    s_1', labelled lines then '^ log-tokens for that', a JSON object then 'log this interaction' or '<- save
    as pm state'. When the text opens with values (a known label, a quote, a JSON object) and ends with a
    short phrase that opens with an operation verb or a command name (after the last line's ' - ' / ' — ' /
    ' <- ', or as the last line), that
    phrase becomes the first sentence and the values follow it, read as if it had been written first. The
    rest of the reader then decides: an unknown label, a label of another operation or a second operation
    still refuse."""
    filled = [line for line in lines if line.strip()]
    if not filled:
        return lines
    first = filled[0].strip()
    label = LABEL_LINE.match(first)
    opens_with_values = first[:1] in '"\u201c{' or (
        label is not None and label_key(label.group(1).strip("*_ ")) in data["_label"]
    )
    if not opens_with_values:
        return lines
    if len(filled) > 1:
        tail, before = _TAIL_MARK.sub("", filled[-1]).strip(), filled[:-1]
        if not _names_an_operation(tail, data, _one_object(before)) or not _only_values(before):
            return lines
        return [tail.rstrip(" .!:") + ":"] + before
    separators = list(_TAIL_SEPARATOR.finditer(first))
    if not separators:
        return lines
    tail, values = first[separators[-1].end() :].strip(), first[: separators[-1].start()].strip()
    if not _names_an_operation(tail, data, _one_object([values])) or not _only_values([values]):
        return lines
    return [tail.rstrip(" .!:") + ": " + values]


_ONE_QUOTE = Lazy(r"\s*(?:\"[^\"]*\"|\u201c[^\u201c\u201d]*\u201d)\s*")
_LABELLED = Lazy(
    r"\s*(?:[-*\u2022>]\s+)?(?:\*\*|__)?[A-Za-z][A-Za-z0-9 _'\u2019-]{0,40}?(?:\*\*|__)?\s*[:=]\s*\S"
)


def _only_values(before: list[str]) -> bool:
    """What stands before the trailing operation is values only: one JSON object, one quote, or label
    lines ('Session: s_1, Limit: 10', one label per comma-separated part). A sentence there (another
    operation, words of a value with commas) keeps the text as it is: read as written, it names none."""
    text = "\n".join(before).strip()
    if text.startswith("{") and text.endswith("}"):
        return True
    if _ONE_QUOTE.fullmatch(text):
        return True
    return all(_LABELLED.match(part) for line in before for part in rx.split(r",(?!\d)", line))


def _one_object(before: list[str]) -> bool:
    """The values are one JSON object ('{"session_id": "sess_beta", "by": "agent_id"}')."""
    text = "\n".join(before).strip()
    return text.startswith("{") and text.endswith("}")


def _names_an_operation(phrase: str, data: dict[str, Any], after_object: bool = False) -> bool:
    """A short phrase (no quote, label or JSON of its own) that opens with a verb or a command's name; after
    one JSON object (``after_object``: '{"session_id": "sess_beta"} — token summary please') also with an
    operation's noun: the object's keys then say whether they are the operation's values, and a verbless
    phrase is read as written (a read; a write is never guessed)."""
    from .lexicon import SPOKEN_WRITE

    if any(mark in phrase for mark in '"\u201c\u201d{}:=') or len(phrase.split()) > 12:
        return False
    spoken = SPOKEN_WRITE.search(" - " + phrase)
    if spoken and not any(
        w in data["_noun"] for w in rx.findall(r"[a-z_]+", (spoken.group("kept") or "").lower())
    ):
        # "Tokens: 2,750 for qa — log them": the topic names the write (intent._told_to_write); "save as pm
        # state" names its object itself
        return False
    said = _strip_prefixes(phrase.strip(), data).lower()
    words = rx.findall(r"[a-z][a-z_'\u2019-]*", said)
    if not words:
        return False
    return (
        words[0] in data["_command_names"]
        or words[0] in data["_verb"]
        or " ".join(words[:2]) in data["_verb"]
        or (after_object and any(" ".join(words[:size]) in data["_noun"] for size in (1, 2, 3)))
    )


def json_request(lines: list[str], data: dict[str, Any]) -> list[str]:
    """A request written as one JSON object naming its operation ('{"operation": "log-interaction", …}'),
    as the equivalent labelled request; any other JSON is left to the normal reading."""
    text = "\n".join(lines).strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        return lines
    if not isinstance(parsed, dict):
        return lines
    keys = [k for k in parsed if isinstance(k, str) and k.lower() in data["operation_labels"]["words"]]
    if len(keys) != 1 or not isinstance(parsed[keys[0]], str):
        return lines
    name = parsed[keys[0]].strip().replace("_", "-").lower()
    out = [name if name in data["_command_names"] else parsed[keys[0]]]
    for key, value in parsed.items():
        if key == keys[0]:
            continue
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
        out.append(f"{key}: {shown}")
    return out


_BOLD = Lazy(r"\*\*([^*\n]+)\*\*", needs=("**",))
_EMOJI = Lazy(r"^[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F\u200D\s]+")


def _strip_prefixes(first: str, data: dict[str, Any]) -> str:
    """'bazinga-db, please …' -> '…' (every preamble word of phrasings.json, as often as they stand)."""
    changed = True
    while changed:
        changed = False
        lowered = first.lower()
        for prefix in data["_prefixes"]:
            if lowered.startswith(prefix) and (len(first) == len(prefix) or not first[len(prefix)].isalnum()):
                first = first[len(prefix) :].lstrip(" ,:;.!-*_`\u2014\u2013")
                if first[:1].isspace() or first[:1] >= "\u200d":  # else no match: _EMOJI is not compiled
                    first = _EMOJI.sub("", first)  # "Morning bazinga-db 👋 dashboard snapshot …"
                changed = True
                break
    return first


_ROW = Lazy(r"^\s*\|([^|]+)\|([^|]*)\|\s*$", needs=("|",))
_RULE_ROW = Lazy(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$", needs=("--",))


def table_rows(lines: list[str]) -> list[str]:
    """A markdown table of two columns ('| session | s_1 |') as label lines; its header row (the row above
    the '|---|---|' rule) and the rule are dropped."""
    if not any(_RULE_ROW.match(line) and "|" in line for line in lines):
        return lines
    labels = tables()["_label"]
    rows = [
        (i, row)
        for i, row in ((i, _ROW.match(line)) for i, line in enumerate(lines))
        if row is not None
        and not _RULE_ROW.match(lines[i])
        and not (i + 1 < len(lines) and _RULE_ROW.match(lines[i + 1]))
    ]
    if not rows or not all(label_key(row.group(1).strip("*` ")) in labels for _i, row in rows):
        return lines  # a table of results inside a report: text, not values
    out: list[str] = []
    for index, line in enumerate(lines):
        if "|" in line and _RULE_ROW.match(line):
            continue
        row = _ROW.match(line)
        if row is None:
            out.append(line)
            continue
        if index + 1 < len(lines) and _RULE_ROW.match(lines[index + 1]) and "|" in lines[index + 1]:
            continue  # the header row ("| field | value |")
        out.append(f"{row.group(1).strip()}: {row.group(2).strip()}")
    return out


_UNWRAPPED = ("", "json", "sql", "text", "txt", "request", "md", "markdown", "yaml")


def drop_fences(lines: list[str]) -> list[str]:
    """Code fences taken off a value they wrap (JSON, SQL, the whole request); a fence of code inside a
    text value (```python in a developer's report) is part of that text and stays."""
    fences = [i for i, line in enumerate(lines) if FENCE.match(line)]
    keep: set[int] = set()
    ends: set[int] = set()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for opening, closing in zip(fences[::2], fences[1::2]):
        info = lines[opening].strip().lstrip("`~").strip().lower()
        inner = [line.strip() for line in lines[opening + 1 : closing] if line.strip()]
        wraps_value = not inner or inner[0][:1] in "{[" or rx.match(r"(?i)(?:select|with)\b", inner[0])
        whole = filled and opening == filled[0] and closing == filled[-1]
        if not whole and not wraps_value and (info not in _UNWRAPPED or _after_prose(lines, opening)):
            keep.update((opening, closing))
        elif inner and rx.match(r"(?i)(?:select|with)\b", inner[0]):
            ends.add(closing)  # the statement ends at its fence: a line after it is no more SQL
    return [
        "" if i in ends else line
        for i, line in enumerate(lines)
        if i in keep or i in ends or not FENCE.match(line)
    ]


def _after_prose(lines: list[str], index: int) -> bool:
    """The fence opens after a line of prose (not a label with nothing after it, not the head's colon)."""
    before = [line for line in lines[:index] if line.strip()]
    return bool(before) and not before[-1].rstrip().endswith(":")


def normalise(text: str) -> list[str]:
    """The request's lines without fences, preamble or trailing blanks; an empty or too long one is
    refused."""
    data = tables()
    if not isinstance(text, str) or not text.strip():
        raise refuse("the request is empty", kind="missing")
    check_size(text, data)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = paste_dropped(lines, data)  # pasted output before the request: context
    lines = drop_fences(lines)
    lines = table_rows(lines)
    lines = locate(lines, data)  # the request inside the prose around it
    lines = strip_preamble(lines, data)
    lines = session_first(lines)  # "s_1: dashboard snapshot, please"
    lines = quote_after_verb(lines, data)
    lines = operation_label(lines, data)
    lines = operation_last(lines, data)
    if lines and lines[0].lstrip().startswith("{"):
        lines = json_request(lines, data)
    return lines
