"""Requests in words: turn "bazinga-db, please log this PM interaction: ..." into one operation.

``parse(text)`` returns ``(command, args)`` with the Python API's parameter names and typed values, or
raises :class:`RequestNotUnderstood` saying what is missing or wrong, with the request form that would
work as the hint. It never touches the database and never guesses a write: an unclear operation, two
operations, a missing required value, a value that fails validation or an unfilled placeholder is a
refusal.

How a request is read (the words themselves are data, in ``prompts/phrasings.json``):

1. Code fences and the "bazinga-db, please" / "Request to bazinga-db:" preamble are dropped.
2. ``Label: value`` lines are found; a label is one of the spellings listed for an argument. The text
   before the first label line is the *head*: the sentence naming the operation, then (after its
   colon) an optional *body* (content, JSON, SQL written inline).
3. The operation is the (verb, noun) pair of the head: "save" + "PM state" -> save-state. Nouns after a
   preposition ("for session X") qualify the operation rather than name it. Two different operations
   in one request, a delete, or no operation at all are refused.
4. Labels are read again with the operation's own arguments, so a line that only looks like a label
   ("Review: code quality good" inside a log's content) stays part of the value above it.
5. Arguments the labels did not give are looked for inline ("for session X", "(limit 10)",
   "group_a -> completed", "4,200 tokens for the Tech Lead").
6. Every value is converted with the vocabulary (``vocabulary.convert``), so the CLI and the request
   parser accept exactly the same values.
"""

from __future__ import annotations

import json
import os
import re

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

from .errors import BazingaError, RequestNotUnderstood
from .vocabulary import COMMANDS, OPERATIONS, PROMPTS_PATH, convert, normalise_agent_type

_TABLES: dict[str, Any] | None = None
ENUM_TYPES = ("mode", "session_status", "group_status", "review_status", "token_by", "output_format")

# The few patterns every request needs; operation-specific ones are compiled on first use (re caches them).
_FENCE = re.compile(r"^\s*(```|~~~)")
_LABEL_LINE = re.compile(
    r"^\s*(?:[-*\u2022>]\s+)?(?:\*\*|__)?\s*([A-Za-z][A-Za-z0-9 _'\u2019-]{0,40}?)\s*(?:\*\*|__)?\s*[:=]"
    r"\s*(?:\*\*|__)?\s*(.*)$"
)
_WORD = re.compile(r"[a-z0-9][a-z0-9_'\u2019.-]*[a-z0-9_]|[a-z0-9]")
_COLON_BREAK = re.compile(r":(?=\s|$)")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")

TOKEN = r"""[`"'\u201c\u2018]?([^\s,;()"'`\u201d\u2019]+)"""
NUMBER = r"(?<![\w.])(\d(?:[\d_]|,(?=\d{3}))*(?:\.\d+)?\s?[kK]?)(?![\w.])"


def tables() -> dict[str, Any]:
    """phrasings.json, loaded once, with the lookup tables built from it."""
    global _TABLES
    if _TABLES is None:
        with open(os.path.join(PROMPTS_PATH, "phrasings.json"), encoding="utf-8") as file:
            data = json.load(file)
        verbs: dict[str, str] = {}
        for cls, words in data["verbs"].items():
            if cls.startswith("_") or cls == "dual":
                continue
            for word in words:
                verbs.setdefault(word, cls)
        nouns: dict[str, str] = {}
        for topic, words in data["nouns"].items():
            if not topic.startswith("_"):
                for word in words:
                    nouns[word] = topic
        labels: dict[str, list[str]] = {}
        for arg, spellings in data["labels"].items():
            if arg.startswith("_"):
                continue
            for spelling in spellings:
                labels.setdefault(_label_key(spelling), []).append(arg)
        data["_verb"] = verbs
        data["_dual"] = set(data["verbs"]["dual"])
        data["_noun"] = nouns
        data["_noun_words"] = max(len(n.split()) for n in nouns)
        data["_label"] = labels
        data["_stop"] = set(data["stopwords"])
        data["_qualifiers"] = set(data["qualifiers"])
        data["_articles"] = set(data["articles"])
        data["_prefixes"] = sorted(data["prefixes"], key=len, reverse=True)
        placeholders = data["placeholders"]
        placeholders["_words"] = set(placeholders["words"])
        placeholders["_id_words"] = set(placeholders["id_words"])
        placeholders["_id_prefixes"] = tuple(placeholders["id_prefixes"])
        placeholders["_id_upper_suffixes"] = tuple(placeholders["id_upper_suffixes"])
        _TABLES = data
    return _TABLES


def _label_key(label: str) -> str:
    return " ".join(label.lower().replace("_", " ").replace("-", " ").replace("\u2019", "'").split())


# ---------------------------------------------------------------------------------------------------
# Refusals


def refuse(
    message: str, command: str | None = None, *, details: tuple[str, ...] = (), hint: str | None = None
) -> RequestNotUnderstood:
    """A RequestNotUnderstood whose hint is the request form that would work."""
    return RequestNotUnderstood(message, hint or request_form(command), details=details)


def request_form(command: str | None) -> str:
    """The exact request form for an operation (or the list of operations when none was recognised)."""
    data = tables()
    if command is None:
        example = "\n".join(
            line for line in request_form("log-interaction").split("\n") if "(optional)" not in line
        )
        return "\n".join(
            [
                "Name one operation, then its values as 'Label: value' lines. Operations: "
                + ", ".join(_operation_phrase(c) for c in OPERATIONS)
                + ".",
                "For example:",
                example,
            ]
        )
    lines = [data["forms"][command]]
    for arg in COMMANDS[command]["args"]:
        name = arg["name"]
        if name == "increment_revision":
            continue
        label, example = data["label_names"][name]
        optional = "" if arg.get("required") else "   (optional)"
        lines.append(f"{label}: {example}{optional}")
    return "\n".join(lines)


def _operation_phrase(command: str) -> str:
    form = tables()["forms"][command]
    return form.split("please ", 1)[-1].rstrip(":")


# ---------------------------------------------------------------------------------------------------
# Parsing


def parse(text: str) -> tuple[str, dict[str, Any]]:
    """Turn a request in words into (command, args), or raise RequestNotUnderstood."""
    data = tables()
    if not isinstance(text, str) or not text.strip():
        raise refuse("the request is empty")
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if not _FENCE.match(line)]
    lines = _strip_preamble(lines, data)

    # Pass 1: where do the label lines start (any label of any operation)?
    first_label = _first_label_line(lines, data["_label"])
    following = [line for line in lines[1:] if line.strip()][:1]
    if (
        first_label == 0
        and following
        and not _LABEL_LINE.match(lines[0]).group(2).strip()
        and _first_label_line(following, data["_label"]) == 0
    ):
        first_label = 1  # "query:" on a line of its own, then labels: the first line names the operation
    head = "\n".join(lines[:first_label]).strip()
    label_candidates = [c for c in (_label_args(lines[i], data) for i in range(first_label, len(lines))) if c]
    labelled_args = {arg for candidates in label_candidates for arg in candidates}

    command, phrase, body, sentences = _operation(head, labelled_args, data, lines[0] if lines else "")
    spec = COMMANDS[command]
    arg_specs = {a["name"]: a for a in spec["args"]}
    if spec["kind"] == "read" and not _has_verb(sentences, data):
        # "PM interaction / Content: …" without a verb: the values are a write's; writes are never guessed.
        foreign = [c for c in label_candidates if not any(arg in arg_specs for arg in c)]
        if foreign:
            raise refuse(
                "say what to do with these values (log, save, create, update …): the request names no "
                "verb, and writes are never guessed"
            )

    # Pass 2: labels of this operation only; everything else continues the value above it.
    values, extra_head = _read_labels(lines, command, arg_specs, data)
    if extra_head:
        body = (body + "\n" + extra_head).strip() if body else extra_head
    raw: dict[str, Any] = dict(values)

    body_arg = data["body_args"].get(command)
    segments = _label_segments(body, arg_specs, data)
    if segments is not None:
        # "…: Session ID: s_1, Agent Type: pm, Content: done" -- labels written on one line
        for name, value in segments:
            if name in raw and _clean_scalar(raw[name]) != _clean_scalar(value):
                raise refuse(f"two values given for {_label_of(name)}", command)
            raw.setdefault(name, value)
        body = ""
    inline_text = phrase if body_arg else (phrase + ": " + body if body else phrase)
    if body_arg and body_arg not in raw and body.strip():
        raw[body_arg] = body
    _inline_values(command, arg_specs, inline_text, sentences, raw, data)

    args = _convert(command, arg_specs, raw, data)
    for arg in spec["args"]:
        if arg.get("required") and arg["name"] not in args:
            raise refuse(_missing_message(command, arg["name"]), command)
    return command, args


def _strip_preamble(lines: list[str], data: dict[str, Any]) -> list[str]:
    """Drop leading blank lines and the 'bazinga-db, please' / 'Request to bazinga-db:' words."""
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return lines
    first = lines[0].lstrip(" >*#")
    changed = True
    while changed:
        changed = False
        lowered = first.lower()
        for prefix in data["_prefixes"]:
            if lowered.startswith(prefix) and (len(first) == len(prefix) or not first[len(prefix)].isalnum()):
                first = first[len(prefix) :].lstrip(" ,:;.!-\u2014\u2013")
                changed = True
                break
    lines = [first] + lines[1:]
    if not first.strip():
        lines = lines[1:]
        while lines and not lines[0].strip():
            lines.pop(0)
    return lines


def _label_args(line: str, data: dict[str, Any]) -> list[str]:
    match = _LABEL_LINE.match(line)
    if not match:
        return []
    return data["_label"].get(_label_key(match.group(1)), [])


def _first_label_line(lines: list[str], labels: dict[str, list[str]]) -> int:
    for index, line in enumerate(lines):
        match = _LABEL_LINE.match(line)
        if match and _label_key(match.group(1)) in labels:
            # "please run this query:" has a colon but no value: a label line needs a known label.
            return index
    return len(lines)


def _read_labels(lines: list[str], command: str, arg_specs: dict[str, Any], data: dict[str, Any]):
    """Values by argument name from the operation's label lines (continuation lines appended), and the
    lines before them that pass 1 took for labels of another operation (they belong to the head)."""
    values: dict[str, str] = {}
    current: str | None = None
    head_extra: list[str] = []
    for line in lines:
        arg = None
        match = _LABEL_LINE.match(line)
        if match:
            for candidate in data["_label"].get(_label_key(match.group(1)), ()):
                if candidate in arg_specs or (
                    candidate == "revision_count" and "increment_revision" in arg_specs
                ):
                    arg = candidate
                    break
        if arg is not None and match is not None:
            if arg in values and values[arg].strip() and match.group(2).strip():
                if _clean_scalar(values[arg]) != _clean_scalar(match.group(2)):
                    raise refuse(
                        f"two values given for {_label_of(arg)}: {values[arg].strip()!r} and "
                        f"{match.group(2).strip()!r}",
                        command,
                    )
            values[arg] = match.group(2)
            current = arg
        elif current is not None:
            values[current] += "\n" + line
    # Lines before the first label of this operation that pass 1 took for labels belong to the head.
    first = None
    for index, line in enumerate(lines):
        match = _LABEL_LINE.match(line)
        if match and any(c in arg_specs for c in data["_label"].get(_label_key(match.group(1)), ())):
            first = index
            break
    pass1 = _first_label_line(lines, data["_label"])
    if first is None:
        first = len(lines)
    if first > pass1:
        head_extra = lines[pass1:first]
    return values, "\n".join(head_extra).strip()


_INLINE_LABEL = re.compile(r"(?:^|(?<=[\s,;]))([A-Za-z][A-Za-z _-]{0,30}?)\s*:\s")


def _label_segments(body: str, arg_specs: dict[str, Any], data: dict[str, Any]):
    """A body that starts with one of the operation's labels is a run of 'Label: value' pairs, else None."""
    if not body or ":" not in body:
        return None
    found = []
    for match in _INLINE_LABEL.finditer(body):
        words = match.group(1).split()
        # the label is the last one to three words before the colon ("…, Agent Type: pm")
        for size in (3, 2, 1):
            if len(words) < size:
                continue
            key = _label_key(" ".join(words[-size:]))
            arg = next((c for c in data["_label"].get(key, ()) if c in arg_specs), None)
            if arg is not None:
                start = match.start(1) + match.group(1).rfind(words[-size])
                found.append((arg, start, match.end()))
                break
    if not found or body[: found[0][1]].strip():
        return None
    segments = []
    for index, (arg, _start, value_start) in enumerate(found):
        end = found[index + 1][1] if index + 1 < len(found) else len(body)
        segments.append((arg, body[value_start:end].strip().rstrip(",;").strip()))
    return segments


def _label_of(arg: str) -> str:
    return tables()["label_names"][arg][0]


# ---------------------------------------------------------------------------------------------------
# The operation


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def _pairs(words: list[str], data: dict[str, Any]):
    """(verb class, topic, index of the noun, qualified) for each operation noun in a sentence."""
    verbs, nouns, dual = data["_verb"], data["_noun"], data["_dual"]
    qualifiers, articles = data["_qualifiers"], data["_articles"]
    width = data["_noun_words"]
    found = []
    verb: str | None = None
    delete_seen = False
    i = 0
    n = len(words)
    while i < n:
        # verbs of two words first ("look up", "set up")
        two = " ".join(words[i : i + 2])
        if two in verbs and two not in nouns:
            verb = verbs[two]
            i += 2
            continue
        word = words[i]
        noun_match = None
        for size in range(min(width, n - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if phrase in nouns:
                noun_match = (phrase, size)
                break
        if word in verbs and (
            noun_match is None or (word in dual and verb is None and _noun_ahead(words, i + 1, nouns))
        ):
            verb = verbs[word]
            if verb == "delete":
                delete_seen = True
            i += 1
            continue
        if noun_match is not None:
            phrase, size = noun_match
            j = i - 1
            while j >= 0 and (words[j] in articles or words[j] in data["_agent_words"]):
                j -= 1
            qualified = j >= 0 and words[j] in qualifiers
            found.append((verb or "none", nouns[phrase], i, qualified, phrase))
            i += size
            continue
        i += 1
    return found, delete_seen


def _noun_ahead(words: list[str], start: int, nouns: dict[str, str]) -> bool:
    return any(w in nouns for w in words[start:])


def _operation(head: str, labelled_args: set, data: dict[str, Any], first_line: str = ""):
    """(command, operation phrase, body, sentences) from the head, or a refusal."""
    if "_agent_words" not in data:
        agent_words = set()
        from .vocabulary import AGENT_TYPES

        for alias in list(AGENT_TYPES["aliases"]) + AGENT_TYPES["documented"]:
            agent_words.update(alias.split())
        agent_words.discard("lead")  # "lead" alone is too common a word to skip over
        data["_agent_words"] = agent_words
    match = _body_colon(head, data)
    phrase, body = (head[: match.start()], head[match.end() :]) if match else (head, "")
    phrase = phrase.strip()
    body = body.strip()
    sentences = [s.strip() for s in _SENTENCE_END.split(phrase) if s.strip()]
    # A sentence of its own "for session X" keeps its values; trailing explanation is dropped.
    trailing = tuple(data["trailing_prose"])
    found_command: str | None = None
    kept: list[str] = []
    commands_named: list[str] = []
    delete = False
    verb_only: str | None = None
    for index, sentence in enumerate(sentences):
        lowered = sentence.lower()
        if index > 0 and lowered.startswith(trailing):
            continue
        kept.append(sentence)
        words = _words(sentence)
        pairs, delete_seen = _pairs(words, data)
        delete = delete or delete_seen
        for verb, topic, _, qualified, _phrase in pairs:
            if qualified or (index > 0 and verb == "none"):
                continue  # "Session: s_1." after the operation's sentence names a value, not an operation
            command = data["operations"][topic].get(verb)
            if verb == "delete":
                raise refuse(data["delete_reason"], hint=data["delete_hint"])
            if command is None:
                continue
            if command not in commands_named:
                commands_named.append(command)
            if found_command is None or found_command == "get-session":
                found_command = command
        if verb_only is None:
            for word in words:
                if word in data["_verb"]:
                    verb_only = data["_verb"][word]
                    break
    if delete and not commands_named:
        raise refuse(data["delete_reason"], hint=data["delete_hint"])
    commands_named = _merge_log_reads(commands_named)
    if len(commands_named) > 1:
        raise refuse(
            "the request names two operations ("
            + " and ".join(commands_named)
            + "); send one request per operation",
            commands_named[0],
        )
    if found_command is None:
        found_command = _from_labels(verb_only, labelled_args, data)
    if found_command is None:
        raise refuse("no operation recognised in " + repr(_shorten(phrase or head or first_line)))
    # A request without a verb is a read; a write needs its verb ("never guess a write").
    if COMMANDS[found_command]["kind"] == "write" and not _has_write_verb(kept, data):
        raise refuse(
            "say what to do with it (log, save, create, update …); writes are never guessed", found_command
        )
    if found_command in ("get-logs", "stream-logs"):
        found_command = _logs_flavour(found_command, " ".join(kept), data)
    return found_command, " ".join(kept), body, kept


_VALUE_LABEL_TYPES = ("id", "name", "agent_type", "count", "limit", "time") + ENUM_TYPES


def _body_colon(head: str, data: dict[str, Any]):
    """The colon that ends the operation's sentence, skipping inline labels of values ("for session: X")."""
    from .vocabulary import COMMANDS as ALL

    types = {a["name"]: a["type"] for spec in ALL.values() for a in spec["args"]}
    for match in _COLON_BREAK.finditer(head):
        before = _words(head[: match.start()])[-3:]
        inline_label = False
        for size in (3, 2, 1):
            if len(before) >= size:
                candidates = data["_label"].get(" ".join(before[-size:]).replace("_", " "))
                if candidates:
                    kind = types.get(candidates[0])
                    inline_label = kind in _VALUE_LABEL_TYPES
                    if kind in ENUM_TYPES and len(before) > size:
                        # "in parallel mode: …" already gave the value; the colon ends the sentence
                        inline_label = not any(before[-size - 1] == word for word, _ in _enum_words(kind))
                    break
        if inline_label:
            # "session: s_1." / "for session: X" -- one value, then the end of the sentence
            rest = head[match.end() :]
            token = re.match(r"[ \t]*(\S+)", rest)
            after = rest[token.end() :] if token else rest
            if token and (not after.strip() or token.group(1)[-1] in ".,;:" or after.startswith("\n")):
                continue
        return match
    return None


def _merge_log_reads(commands: list[str]) -> list[str]:
    """Ranking when one sentence names several nouns: the more specific operation wins.

    - stream-logs over get-logs ("show the recent log entries": both nouns are logs);
    - any operation over get-session ("how many tokens has session s_1 used": the session is context).
    """
    if "get-logs" in commands and "stream-logs" in commands:
        commands = [c for c in commands if c != "get-logs"]
    if "get-session" in commands and len(commands) > 1:
        commands = [c for c in commands if c != "get-session"]
    return commands


def _has_verb(sentences: list[str], data: dict[str, Any]) -> bool:
    return any(word in data["_verb"] for sentence in sentences for word in _words(sentence))


def _has_write_verb(sentences: list[str], data: dict[str, Any]) -> bool:
    for sentence in sentences:
        for word in _words(sentence):
            if data["_verb"].get(word) in ("create", "write", "update", "run"):
                return True
    return False


_LABEL_TOPICS = (
    ("state_data", "state"),
    ("state_type", "state"),
    ("content", "interaction"),
    ("tokens", "tokens"),
    ("skill_name", "skill_output"),
    ("output_data", "skill_output"),
    ("decision_type", "decision"),
    ("decision_data", "decision"),
    ("key", "config"),
    ("value", "config"),
    ("requirements", "session"),
    ("mode", "session"),
    ("sql", "query"),
    ("group_id", "task_group"),
    ("name", "task_group"),
)


def _from_labels(verb: str | None, labelled: set, data: dict[str, Any]) -> str | None:
    """A verb without a noun ("please save this:") takes its noun from the labels that follow."""
    if verb is None:
        return None
    topics = {topic for arg, topic in _LABEL_TOPICS if arg in labelled}
    if len(topics) > 1 and "task_group" in topics:
        topics.discard("task_group")  # "Name" is also a skill or config name
    if not topics and verb == "update":
        topics = {data["update_without_noun"]}
    if len(topics) != 1:
        return None
    return data["operations"][topics.pop()].get(verb)


def _logs_flavour(command: str, phrase: str, data: dict[str, Any]) -> str:
    """stream-logs pages through recent logs as markdown; get-logs filters (agent type, since)."""
    lowered = phrase.lower()
    words = set(_words(lowered))
    wants_stream = bool(words & set(data["stream_words"]))
    filters = bool(re.search(r"\bsince\b|\bafter\s+\d{4}-", lowered)) or _agent_in(phrase) is not None
    if filters:
        return "get-logs"
    if wants_stream or "offset" in words:
        return "stream-logs"
    return command


def _shorten(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "\u2026"


def _missing_message(command: str, arg: str) -> str:
    label = _label_of(arg)
    what = {
        "session_id": "no session id given",
        "group_id": "no group id given",
        "state_data": "no state data given",
        "content": "no content given",
        "agent_type": "no agent type given",
        "tokens": "no token count given",
        "state_type": "no state type given (pm, orchestrator, group_status, …)",
    }.get(arg, f"no {label.lower()} given")
    return f"{what} for {command}"


# ---------------------------------------------------------------------------------------------------
# Inline values


def _inline_values(
    command: str,
    arg_specs: dict[str, Any],
    text: str,
    sentences: list[str],
    raw: dict[str, Any],
    data: dict[str, Any],
) -> None:
    stop = data["_stop"]

    def want(name: str) -> bool:
        return name in arg_specs and name not in raw

    def first_token(patterns, value_text: str = text, allow_stop: bool = False) -> str | None:
        for pattern in patterns:
            for match in re.finditer(pattern, value_text, re.IGNORECASE):
                token = _clean_token(match.group(1))
                if token and (allow_stop or token.lower() not in stop):
                    return token
        return None

    if want("session_id"):
        token = first_token([r"\bsession(?:[ _-]?id)?\b\s*[:=#]?\s*" + TOKEN])
        if token is None and command == "get-session":
            token = first_token([r"\b(?:for|of|about|on)\s+" + TOKEN])
        if token is not None:
            raw["session_id"] = token

    if command == "create-session":
        if want("session_id"):
            token = first_token([r"\bsession\s+(?:called|named|with id)\s+" + TOKEN])
            if token:
                raw["session_id"] = token
        if want("mode"):
            # "parallel mode", "in turbo mode", "mode: simple", "mode parallel" (first match wins)
            token = first_token([r"\b(simple|parallel)\s+mode\b"], allow_stop=True)
            if token is None:
                before = [
                    w
                    for w in re.findall(r"\b([\w-]+)\s+mode\b", text, re.IGNORECASE)
                    if w.lower() not in data["_articles"] and w.lower() not in data["_qualifiers"]
                ]
                token = before[0] if before else None
            if token is None:
                token = first_token(
                    [r"\bmode\s*[:=]?\s*" + TOKEN, r"\bin\s+(simple|parallel)\b"], allow_stop=True
                )
            if token:
                raw["mode"] = token

    if want("group_id"):
        group_patterns = [
            r"\b(?:task[ _-]?)?group(?:[ _-]?id)?\b\s*[:=#]?\s*" + TOKEN,
            TOKEN + r"\s*(?:\u2192|->|=>)",
            r"\b(?:mark|set|move|assign|update|complete|finish|close|fail)\s+" + TOKEN,
            r":\s+" + TOKEN,
        ]
        if command == "create-task-group":
            group_patterns.insert(0, r"^\s*" + TOKEN + r"""\s*(?:[:\u2013\u2014-]\s*)?[\"\u201c'(]""")
            token = first_token(group_patterns[:1], value_text=_after_colon(text) or "")
            if token is None:
                token = first_token(group_patterns[1:])
        else:
            token = first_token(group_patterns)
        if token is not None and not _is_enum_word(token):
            raw["group_id"] = token

    if command == "create-task-group" and want("name"):
        match = re.search(
            r"""[\"\u201c]([^\"\u201d]+)[\"\u201d]|\(([^()]+)\)"""
            r"""|\b(?:named|called|titled)\s+([^,;\n]+?)"""
            r"""(?=\s*(?:,|;|$|\bin session\b|\bfor session\b|\bassigned\b))""",
            text,
        )
        if match:
            raw["name"] = next(g for g in match.groups() if g)

    if want("status"):
        status = _status_in(text, arg_specs["status"]["type"], raw.get("group_id"))
        if status is None and COMMANDS[command]["kind"] == "write":
            # "as paused", "-> blocked": a status was meant; let validation list the allowed ones
            status = first_token(
                [r"(?:\u2192|->|=>|\bas\b|\bstatus\s+to\b|\bstatus\s*[:=])\s*" + TOKEN], allow_stop=True
            )
        if status is not None:
            raw["status"] = status

    if want("assigned_to"):
        token = first_token(
            [
                r"\bassign(?:ed)?\s+(?:it\s+|this\s+|[\w.-]+\s+)?to\s+(?:the\s+)?" + TOKEN,
                r"\bassignee\s*[:=]?\s*" + TOKEN,
                r"\bowner\s*[:=]?\s*" + TOKEN,
            ],
            allow_stop=True,
        )
        if token:
            raw["assigned_to"] = token

    if command == "update-task-group":
        if "revision_count" not in raw and "increment_revision" not in raw:
            if re.search(r"\b(?:increment|bump|increase)\w*\s+(?:the\s+)?revision", text, re.IGNORECASE):
                raw["increment_revision"] = True
            else:
                match = re.search(r"\brevision[ _-]?count\s*(?:to|=|:|of)?\s*(\+?\d+)", text, re.IGNORECASE)
                if match:
                    raw["revision_count"] = match.group(1)
        if want("last_review_status"):
            match = re.search(
                r"\b(approved|changes[ _-]requested|request(?:ed)? changes)\b", text, re.IGNORECASE
            )
            if match:
                raw["last_review_status"] = match.group(1)

    if want("limit"):
        number = _number_in(
            text,
            [
                r"\blimit(?:ed)?\s*(?:to|=|:|of)?\s*" + NUMBER,
                r"\b(?:last|first|top|latest|recent|newest|past)\s+" + NUMBER,
                NUMBER + r"\s+(?:most\s+)?(?:recent|latest|last|newest)\b",
                NUMBER
                + r"\s+(?:\w+\s+)?"
                + r"(?:entries|logs|sessions|items|rows|records|decisions|lines|interactions)\b",
            ],
        )
        if number is not None:
            raw["limit"] = number

    if want("offset"):
        number = _number_in(
            text,
            [r"\boffset\s*(?:of|=|:)?\s*" + NUMBER, r"\bskip(?:ping)?\s+(?:the\s+)?(?:first\s+)?" + NUMBER],
        )
        if number is not None:
            raw["offset"] = number

    if want("since"):
        match = re.search(
            r"\b(?:since|after|from)\s+(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
            r"(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?|[^\s,;()]+)",
            text,
            re.IGNORECASE,
        )
        if match:
            raw["since"] = match.group(1)

    if want("iteration"):
        number = _number_in(
            text, [r"\biter(?:ation)?\s*(?:#|no\.?|number|=|:)?\s*" + NUMBER, r"\bround\s*#?\s*" + NUMBER]
        )
        if number is not None:
            raw["iteration"] = number

    if want("agent_id"):
        token = first_token([r"\bagent[ _-]?id\s*[:=]?\s*" + TOKEN])
        if token:
            raw["agent_id"] = token

    if "agent_type" in arg_specs:
        agent = _agent_in(text)
        if agent is not None:
            if "agent_type" not in raw:
                raw["agent_type"] = agent
            elif COMMANDS[command]["kind"] == "write":
                given = _agent_or_none(_clean_scalar(raw["agent_type"]))
                if given is not None and given != agent:
                    raise refuse(
                        f"the request names two agent types: {agent} in the sentence and {given} "
                        "in the Agent Type line",
                        command,
                    )

    if want("tokens"):
        number = _number_in(
            text,
            [NUMBER + r"\s*tokens\b", r"\btokens?\s*(?:used|=|:|of)?\s*" + NUMBER, r"\bused\s+" + NUMBER],
        )
        if number is not None:
            raw["tokens"] = number

    if want("by"):
        match = re.search(
            r"\b(?:per|by|grouped by|for each)\s+(?:the\s+)?(agent[ _-]?id|agent[ _-]?type|agent|[\w-]+)\b",
            text,
            re.IGNORECASE,
        )
        if match and match.group(1).lower() not in data["_articles"]:
            raw["by"] = "agent_type" if match.group(1).lower() == "agent" else match.group(1)

    if want("state_type"):
        state = _state_type_in(text, data)
        if state is not None:
            raw["state_type"] = state

    if want("skill_name"):
        known = data["known_names"]["skill_name"]
        token = None
        lowered = text.lower()
        for words in sorted(known, key=len, reverse=True):  # "security scan results" -> security_scan
            if re.search(
                r"\b" + re.escape(words) + r"\s+(?:skill\s+)?(?:output|outputs|results?|report)\b", lowered
            ):
                token = known[words]
                break
        if token is None:
            token = first_token(
                [
                    TOKEN + r"\s+(?:skill\s+)?(?:output|outputs|results?|report)\b",
                    r"\bskill(?:[ _-]?name)?\s*(?:output|outputs|results?)?\s*(?:for|of|=|:)?\s*" + TOKEN,
                ]
            )
        if token:
            raw["skill_name"] = token

    if want("key"):
        token = first_token(
            [
                r"\b(?:config(?:uration)?|setting)(?:\s+key)?\s*(?:for|=|:|named|called)?\s*" + TOKEN,
                r"\bkey\s*[:=]?\s*" + TOKEN,
                TOKEN + r"\s+(?:config(?:uration)?|setting)\b",
            ]
        )
        if token:
            raw["key"] = token

    if want("decision_type"):
        token = first_token([r"\btype\s*[:=]?\s*" + TOKEN, TOKEN + r"\s+decisions?\b"])
        if token and not token.isdigit():
            raw["decision_type"] = token

    for json_arg in ("state_data", "output_data", "value", "decision_data"):
        if want(json_arg):
            start = text.find("{")
            if start >= 0:
                raw[json_arg] = text[start:]

    if want("session_id") and COMMANDS[command]["kind"] == "read":
        # a read may name its session without the word: "how many task groups are pending in s_1?"
        taken = {str(v).lower() for v in raw.values() if isinstance(v, str)}
        for match in re.finditer(r"\b(?:for|in|of|from)\s+" + TOKEN, text, re.IGNORECASE):
            token = _clean_token(match.group(1))
            looks_like_id = any(c.isdigit() or c == "_" for c in token)
            if looks_like_id and _agent_or_none(token.split("_")[0]) in AGENT_DOCUMENTED:
                continue  # "developer_1", "pm_main": an agent id, not a session
            if (
                looks_like_id
                and token.lower() not in taken
                and token.lower() not in stop
                and _agent_or_none(token) not in AGENT_DOCUMENTED
                and not _is_enum_word(token)
            ):
                raw["session_id"] = token
                break

    if command == "query" and want("sql"):
        match = re.search(r"(?im)^\s*((?:select|with)\b[\s\S]*)", text)
        if match:
            raw["sql"] = match.group(1)


AGENT_DOCUMENTED = ("orchestrator", "pm", "developer", "qa", "tech_lead")


def _after_colon(text: str) -> str | None:
    match = _COLON_BREAK.search(text)
    return text[match.end() :] if match else None


def _clean_token(token: str) -> str:
    return token.strip().strip("`\"'\u201c\u201d\u2018\u2019*").rstrip(".:?!")


def _clean_scalar(value: str) -> str:
    """The first line of a label value, without quotes, markdown, a trailing note in parentheses."""
    text = value.strip().split("\n", 1)[0].strip()
    text = re.sub(r"\s+\((?:optional|required|[^()]*)\)$", "", text)
    text = text.strip().strip("`*").strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return text.rstrip(".,;").strip()


def _number_in(text: str, patterns: list[str]) -> str | None:
    for pattern in patterns:
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            return match.group(1).replace(" ", "")
    return None


_ENUM_WORDS: dict[str, list[tuple[str, str]]] | None = None


def _enum_words(enum: str) -> list[tuple[str, str]]:
    from .vocabulary import ENUMS

    global _ENUM_WORDS
    if _ENUM_WORDS is None:
        _ENUM_WORDS = {}
    if enum not in _ENUM_WORDS:
        spec = ENUMS[enum]
        words = [(v.lower(), v) for v in spec["values"]] + list(spec["aliases"].items())
        words.sort(key=lambda pair: len(pair[0]), reverse=True)
        _ENUM_WORDS[enum] = words
    return _ENUM_WORDS[enum]


def _is_enum_word(token: str) -> bool:
    lowered = token.lower()
    return any(lowered == word for word, _ in _enum_words("group_status")) or lowered in ("as", "to")


def _status_in(text: str, enum: str, group_id: str | None) -> str | None:
    """A status named in the sentence: 'group_a -> completed', 'as completed', 'still in progress'."""
    lowered = text.lower()
    if group_id:
        lowered = lowered.replace(group_id.lower(), " ")
    for word, value in _enum_words(enum):
        pattern = r"(?<![\w-])" + re.escape(word).replace(r"\ ", r"[\s_-]+") + r"(?![\w-])"
        if re.search(pattern, lowered):
            return value
    return None


_AGENT_WORDS: dict[str, str] | None = None


def _agent_in(text: str) -> str | None:
    """The agent type a sentence names: 'this PM interaction', 'for the Tech Lead', 'the developer logs'.

    Whole words only: 'developer_1' and 'pm_main' are agent ids, not agent types.
    """
    global _AGENT_WORDS
    if _AGENT_WORDS is None:
        from .vocabulary import AGENT_TYPES

        names = (
            set(AGENT_TYPES["documented"]) | set(AGENT_TYPES["aliases"]) | {"tech lead", "project manager"}
        )
        names -= {"lead", "manager"}  # too common as plain words
        _AGENT_WORDS = {" ".join(n.replace("_", " ").replace("-", " ").split()): n for n in names}
    words = [w[:-2] if w.endswith("'s") else w for w in _words(text)]
    for index in range(len(words)):
        for size in (3, 2, 1):
            phrase = " ".join(words[index : index + size]).replace("_", " ").replace("-", " ")
            if size <= len(words) - index and phrase in _AGENT_WORDS:
                return normalise_agent_type(_AGENT_WORDS[phrase])
    return None


def _agent_or_none(value: str) -> str | None:
    try:
        return normalise_agent_type(value)
    except BazingaError:
        return None


def _state_type_in(text: str, data: dict[str, Any]) -> str | None:
    known = data["known_names"]["state_type"]
    lowered = text.lower()
    for words, value in known.items():
        if re.search(r"\b" + re.escape(words) + r"\s+state\b", lowered):
            return value
    match = re.search(r"\bstate[ _-]?type\s*[:=]?\s*" + TOKEN, text, re.IGNORECASE)
    if match:
        return _clean_token(match.group(1))
    # "the PM state", "latest orchestrator state", "the Tech Lead state"
    match = re.search(r"([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?)\s+state\b", text)
    if match:
        words = match.group(1)
        agent = _agent_in(words)
        if agent is not None:
            return agent
        last = words.split()[-1]
        if last.lower() not in data["_stop"] and "_" in last:
            return last
    return None


# ---------------------------------------------------------------------------------------------------
# Values


def _convert(
    command: str, arg_specs: dict[str, Any], raw: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    args: dict[str, Any] = {}
    # JSON bodies last: their schema check needs the name they are saved under (state type, skill, key).
    names = [n for n in arg_specs if arg_specs[n]["type"] != "json"] + [
        n for n in arg_specs if arg_specs[n]["type"] == "json"
    ]
    for name in names:
        if name not in raw:
            continue
        try:
            converted = _convert_one(command, name, arg_specs[name]["type"], raw[name], data, args)
        except RequestNotUnderstood:
            raise
        except BazingaError as error:
            raise refuse(error.message + (f" ({error.hint})" if error.hint else ""), command) from None
        if isinstance(converted, _Increment):
            args["increment_revision"] = True
        else:
            args[name] = converted
    if args.get("increment_revision") and "revision_count" in args:
        raise refuse("revision count given twice: as +1 and as a number", command)
    return {n: args[n] for n in arg_specs if n in args}


def _convert_one(
    command: str, name: str, type_name: str, value: Any, data: dict[str, Any], done: dict[str, Any]
) -> Any:
    what = _label_of(name).lower() if name in data["label_names"] else name
    if type_name == "json":
        return _json_value(command, name, str(value), what, data, done)
    if type_name in ("text", "sql"):
        text = _text_value(str(value), data)
        _check_placeholder(name, text, data, whole=True, command=command)
        return convert(type_name, text, what)
    scalar = value if isinstance(value, bool) else _clean_scalar(str(value))
    if type_name == "flag":
        return bool(value)
    if name == "revision_count" and isinstance(scalar, str) and scalar.startswith("+"):
        if scalar == "+1":
            return _Increment()
        raise refuse(
            f"revision count {scalar!r}: only +1 (one more revision) or a whole number is accepted", command
        )
    if type_name not in ENUM_TYPES:
        _check_placeholder(name, scalar, data, whole=False, command=command)
    if type_name in ("count", "limit"):
        return convert(type_name, _number_text(scalar, what, command), what)
    if type_name == "time":
        convert("time", scalar, what)  # validates; the API takes the time as the user wrote it
        return scalar
    if type_name == "name":
        scalar = _name_value(name, scalar, data)
    if type_name == "agent_type":
        return normalise_agent_type(scalar)
    return convert(type_name, scalar, what)


class _Increment:
    """'Revision Count: +1' -> increment_revision (converted in _convert)."""


def _number_text(value: str, what: str, command: str) -> str:
    text = value.replace(" ", "")
    match = re.fullmatch(r"(\d[\d,_]*)\.(\d+)([kK])", text)
    if match:
        whole = match.group(1).replace(",", "").replace("_", "")
        if len(whole) > 19:  # past any column (and a float would become Infinity): let convert refuse it
            return whole + "000"
        return str(int(round(float(whole + "." + match.group(2)) * 1000)))
    return text


def _name_value(name: str, value: str, data: dict[str, Any]) -> str:
    lowered = value.lower().strip()
    if name == "state_type":
        known = data["known_names"]["state_type"]
        if lowered in known:
            return known[lowered]
        agent = _agent_or_none(value)
        if agent is not None and (" " in value or lowered != agent or agent in ("pm", "orchestrator")):
            return agent
        return lowered.replace(" ", "_") if " " in lowered else value
    if name == "skill_name":
        known = data["known_names"]["skill_name"]
        if lowered in known and " " in lowered:
            return known[lowered]
        return "_".join(value.split()) if " " in value.strip() else value
    return value


def is_placeholder(value: str, *, is_id: bool) -> bool:
    """'[session_id]', '<group>', '$SESSION_ID', '{id}', 'TBD'; for ids also 'your_id', 'SESSION_ID', 'xxx'.

    Plain string tests first: the regexes are compiled only for values that start with a mark.
    """
    spec = tables()["placeholders"]
    text = value.strip()
    lowered = text.lower()
    if lowered in spec["_words"]:
        return True
    if text[:1] and text[0] in spec["marks"]:
        pattern = spec.get("_regex")
        if pattern is None:
            pattern = spec["_regex"] = re.compile("(?:" + "|".join(spec["patterns"]) + ")", re.IGNORECASE)
        if pattern.fullmatch(text):
            return True
    if not is_id:
        return False
    return (
        any(mark in text for mark in spec["marks"])
        or lowered in spec["_id_words"]
        or lowered.startswith(spec["_id_prefixes"])
        or (text.isupper() and text.endswith(spec["_id_upper_suffixes"]))
        or (len(set(lowered)) == 1 and lowered[0] in spec["repeated"])
    )


def _check_placeholder(name: str, value: str, data: dict[str, Any], *, whole: bool, command: str) -> None:
    text = value.strip()
    if is_placeholder(text, is_id=not whole):
        raise refuse(
            f"{_label_of(name).lower()} {text!r} is an unfilled placeholder; give the real value", command
        )


def _text_value(value: str, data: dict[str, Any]) -> str:
    """A text value without surrounding blank lines, quotes, or a trailing explanation paragraph."""
    text = value.strip("\n").strip()
    paragraphs = re.split(r"\n\s*\n", text)
    trailing = tuple(data["trailing_prose"])
    while len(paragraphs) > 1 and paragraphs[-1].strip().lower().startswith(trailing):
        paragraphs.pop()
    text = "\n\n".join(paragraphs).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" and text.count(text[0]) == 2:
        text = text[1:-1]
    return text


def _json_value(
    command: str, name: str, value: str, what: str, data: dict[str, Any], done: dict[str, Any]
) -> Any:
    from .validation import check_payload, parse_json_text

    text = value.strip()
    if text.startswith("`") and text.endswith("`"):
        text = text.strip("`")
    if not text:
        raise refuse(f"no {what} given", command)
    if text[0] not in "{[":
        _check_placeholder(name, text, data, whole=True, command=command)
    start = min([i for i in (text.find("{"), text.find("[")) if i >= 0] or [0])
    if text[:start].strip():
        raise refuse(f"{what} is not valid JSON: it starts with {_shorten(text, 30)!r}", command)
    try:
        parsed, end = json.JSONDecoder().raw_decode(text, start)
    except RecursionError:
        raise refuse(f"{what} is nested too deeply to be stored", command) from None
    except ValueError:
        _check_placeholder(name, text, data, whole=True, command=command)
        try:
            parsed = parse_json_text(text[start:], what)
        except BazingaError as error:
            raise refuse(error.message, command) from None
        end = len(text)
    rest = text[end:].strip()
    if rest and rest[0] in ',]}:"':
        raise refuse(f"{what} is not valid JSON: unexpected {rest[:20]!r} after the object", command)
    try:
        parse_json_text(text[start:end], what)  # strict: no NaN / Infinity
        kind = data["payload_kinds"][name]
        check_payload(kind, str(done.get(_PAYLOAD_NAME[name], "")), parsed, what)
    except BazingaError as error:
        # every cause, best first, as the CLI lists them; the hint stays the request form that works
        raise refuse(error.message, command, details=tuple(error.details)) from None
    return parsed


_PAYLOAD_NAME = {
    "state_data": "state_type",
    "output_data": "skill_name",
    "value": "key",
    "decision_data": "decision_type",
}


def dry_run(text: str) -> dict[str, Any]:
    """The dry-run result of a request: {"command": ..., "args": {...}}."""
    command, args = parse(text)
    return {"command": command, "args": args}
