"""Requests in words: turn "bazinga-db, please log this PM interaction: ..." into one operation.

``parse(text)`` returns ``(command, args)`` with the Python API's parameter names and typed values, or
raises :class:`RequestNotUnderstood` saying what is missing or wrong, with the request form that would
work as the hint. It never touches the database and never guesses a write: an unclear operation, two
operations, a missing required value, a value that fails validation or an unfilled placeholder is a
refusal.

How a request is read (the words themselves are data, in ``prompts/phrasings.json``):

1. Normalise: a request over ``limits.max_request_bytes`` is refused unread; code fences and the
   "bazinga-db, please" / "Request to bazinga-db:" preamble are dropped.
2. Split: ``Label: value`` lines are found; the text before the first one is the *head*: the sentence
   naming the operation, then (after its colon, or a dash) an optional *body* (content, JSON, SQL).
3. Intent (``_operation``): the (verb class, object noun) pair of the head: "save" + "PM state" ->
   save-state. The object is the first noun after the verb that no preposition qualifies; a group id is
   a task-group noun; after a write verb the nouns of what agents report (finding, verdict …) name an
   interaction; the vocabulary's command names name themselves. Refused here: an object this skill does
   not store (anywhere in the sentence), two operations (two objects, or a conjunction and a second verb),
   a delete, or no operation at all.
4. Slots: the operation's label lines (a label line of anything else is refused by name), one-line label
   runs, then small extractors for values written inline ("for session X", "(iteration 2, agent qa_1)",
   "12,500 tokens for developer_2", quoted content, inline JSON, the command's own --flags).
5. Coverage: a list where the operation takes one value is refused; so is a value the sentence gives
   (an agent id, an iteration) that has no place in the operation.
6. Convert: every value goes through the vocabulary (``vocabulary.convert``), so the CLI and the request
   reader accept exactly the same values; a JSON body is checked against its payload schema (the
   vocabulary's ``payload`` of the argument).
7. Guarantees, checked on the result: a write-led request never gives a read (nor a read-led one a
   write); every value of a write appears in the text, up to the vocabulary's normalisation.

``understand(text, known_sessions)`` adds the one check that needs the database: a session id one or two
edits from an existing one is refused with "did you mean".
"""

from __future__ import annotations

import json
import os
import re

from .errors import BazingaError, RequestNotUnderstood
from .vocabulary import (
    AGENT_TYPES,
    COMMANDS,
    ENUMS,
    OPERATIONS,
    PROMPTS_PATH,
    argument_specs,
    convert,
    normalise_agent_type,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

_TABLES: dict[str, Any] | None = None


# The few patterns every request needs; operation-specific ones are compiled on first use (re caches them).
class _Lazy:
    """A pattern compiled on first use: a process that never needs it never pays for compiling it."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, *args: Any) -> None:
        self._args = args
        self._compiled: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


_FENCE = re.compile(r"^\s*(```|~~~)")
_LABEL_LINE = re.compile(
    r"^\s*(?:[-*\u2022>]\s+)?(?:\*\*|__)?\s*([A-Za-z][A-Za-z0-9 _'\u2019-]{0,40}?)\s*(?:\*\*|__)?\s*[:=]"
    r"\s*(?:\*\*|__)?\s*(.*)$"
)
_WORD = re.compile(r"[a-z0-9][a-z0-9_'\u2019.-]*[a-z0-9_]|[a-z0-9]")
_COLON_BREAK = re.compile(r":(?=\s|$)")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")

TOKEN = r"""[`"'\u201c\u2018]?([^\s,;()"'`\u201d\u2019]+)"""
NUMBER = (
    r"(?<![\w.])(-?\d(?:[\d_]|,(?=\d{3}))*(?:\.\d+)?\s?[kK]?)(?![\w.])"  # a sign is kept: -500 is refused
)


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
        data["_report"] = set(data["report_nouns"]["words"])
        unsupported: dict[str, list[Any]] = {}  # by first word, longest phrase first: one lookup per word
        for entry in data["unsupported"]["objects"]:
            for words in entry["words"]:
                phrase = tuple(words.split())
                unsupported.setdefault(phrase[0], []).append((phrase, entry))
        for candidates in unsupported.values():
            candidates.sort(key=lambda pair: -len(pair[0]))
        data["_unsupported"] = unsupported
        data["_conjunctions"] = [tuple(c.split()) for c in data["conjunctions"]["words"]]
        data["_verb"] = verbs
        data["_write_markers"] = set(data["write_markers"]["words"])
        data["_dual"] = set(data["verbs"]["dual"])
        data["_noun"] = nouns
        data["_noun_words"] = max(len(n.split()) for n in nouns)
        # the vocabulary's own command names ("get-task-groups for s_1") name their command whatever the verb
        data["_command_names"] = {name: name for name in OPERATIONS}
        data["_label"] = labels
        data["_stop"] = set(data["stopwords"])
        data["_stop_label"] = {
            "that",
            "then",
            "and",
            "but",
            "so",
            "because",
            "http",
            "https",
            "i",
            "we",
            "it",
        }
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
    message: str,
    command: str | None = None,
    *,
    details: tuple[str, ...] = (),
    hint: str | None = None,
    kind: str = "not_understood",
) -> RequestNotUnderstood:
    """A RequestNotUnderstood whose hint is the request form that would work.

    ``kind`` says why, for machines (``error.code``): missing, placeholder, invalid_value, unsupported,
    two_operations, list_of_values, unknown_label, typo_session, too_long or not_understood.
    """
    error = RequestNotUnderstood(message, hint or request_form(command), details=details)
    error.code = kind
    return error


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
    for name, spec in argument_specs(command).items():
        if spec["type"] == "flag":
            continue  # said in words ("+1", "bump"), not as a label
        # the label agents write and an example value (phrasings), else the vocabulary's label and metavar
        label, example = data["label_names"].get(name) or (spec["label"].title(), spec["metavar"])
        optional = "" if spec.get("required") else "   (optional)"
        lines.append(f"{label}: {example}{optional}")
    return "\n".join(lines)


def _operation_phrase(command: str) -> str:
    form: str = tables()["forms"][command]
    return form.split("please ", 1)[-1].rstrip(":")


# ---------------------------------------------------------------------------------------------------
# Parsing


def parse(text: str) -> tuple[str, dict[str, Any]]:
    """Turn a request in words into (command, args), or raise RequestNotUnderstood.

    The stages, in order: normalise (size bound, line ends, fences, preamble) -> split head / labels /
    body -> recognise the intent (verb class x object noun; unsupported objects, two operations) -> fill
    the slots (labels, one-line label runs, inline extractors) -> check coverage (every label known,
    every value given used, no list where one value is taken) -> convert with the vocabulary -> check the
    guarantees (a write-led request gives a write, a read-led one a read; a write's values come from the
    text).
    """
    data = tables()
    if not isinstance(text, str) or not text.strip():
        raise refuse("the request is empty", kind="missing")
    _check_size(text, data)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if not _FENCE.match(line)]
    lines = _strip_preamble(lines, data)
    lines = _operation_label(lines, data)
    if lines and lines[0].lstrip().startswith("{"):
        lines = _json_request(lines, data)

    # Pass 1: where do the label lines start (any label of any operation)?
    first_label = _first_label_line(lines, data["_label"])
    following = [line for line in lines[1:] if line.strip()][:1]
    first_match = _LABEL_LINE.match(lines[0]) if first_label == 0 and following else None
    if (
        first_match is not None
        and following
        and not first_match.group(2).strip()
        and _first_label_line(following, data["_label"]) == 0
    ):
        first_label = 1  # "query:" on a line of its own, then labels: the first line names the operation
    head = "\n".join(lines[:first_label]).strip()
    label_candidates = [c for c in (_label_args(lines[i], data) for i in range(first_label, len(lines))) if c]

    intent = _operation(head, label_candidates, data, lines[0] if lines else "")
    command, phrase, body, sentences = intent.command, intent.phrase, intent.body, intent.sentences
    spec = COMMANDS[command]
    arg_specs = {a["name"]: a for a in spec["args"]}
    if spec["kind"] == "read" and intent.lead is None and re.search(r"\u2192|->|=>", head):
        # "group_a → completed": a new value without a verb; writes are never guessed
        raise refuse(
            "no operation verb in the request: say what to do (update, mark …); writes are never guessed"
        )
    if spec["kind"] == "read" and not _has_verb(sentences, data):
        # "PM interaction / Content: …" without a verb: the values are a write's; writes are never guessed.
        foreign = [c for c in label_candidates if not any(arg in arg_specs for arg in c)]
        if foreign:
            raise refuse(
                "say what to do with these values (log, save, create, update …): the request names no "
                "verb, and writes are never guessed"
            )

    # Pass 2: labels of this operation only; a label line of anything else is refused by name.
    values, extra_head = _read_labels(lines, command, arg_specs, data)
    if extra_head:
        body = (body + "\n" + extra_head).strip() if body else extra_head
    raw: dict[str, Any] = dict(values)

    body_arg = data["body_args"].get(command)
    unknown: list[str] = []
    segments = _label_segments(body, arg_specs, data, unknown)
    ending = re.search(r"[,;|(]\s*([A-Za-z][\w -]{0,30})$", phrase)
    if body.strip() and ending and _looks_like_label(ending.group(1), body, data):
        words = _label_key(ending.group(1)).split()
        prefixes = [" ".join(words[:size]) for size in range(1, len(words) + 1)]
        if not any(c in arg_specs for key in prefixes for c in data["_label"].get(key, ())):
            unknown.insert(0, ending.group(1).strip())  # "…, model: opus": the colon ended a label
    if unknown and (segments is not None or not body_arg or re.search(r"\w\s*[:=]\s*\S", phrase) or ending):
        raise refuse(
            f"{command} takes no " + ", ".join(repr(u) for u in unknown) + ": not one of its values; "
            "remove it (or put it inside the content)",
            command,
            kind="unknown_label",
        )
    if segments is not None:
        # "…: Session ID: s_1, Agent Type: pm, Content: done" -- labels written on one line
        for name, value in segments:
            if name in raw and _clean_scalar(raw[name]) != _clean_scalar(value):
                raise refuse(f"two values given for {_label_of(name)}", command, kind="list_of_values")
            raw.setdefault(name, value)
        body = ""
    if body_arg and body_arg not in raw and body.strip():
        quoted = re.match(
            r"\s*[\"\u201c]([^\"\u201d]+)[\"\u201d]\s*(?:[-,;\u2013\u2014]\s*)?(.*)$", body, re.S
        )
        if quoted and all(_QUALIFIER_ITEM.match(i) for i in re.split(r"[,;]", quoted.group(2)) if i.strip()):
            # '"Only one group needed" - iteration 1, agent_id pm_main': the quote is the value
            body = quoted.group(1)
            phrase = (phrase + " " + quoted.group(2)).strip()
        body, qualifiers = _trailing_qualifiers(body)
        phrase = (phrase + " " + qualifiers).strip() if qualifiers else phrase
        if body.strip():
            raw[body_arg] = body
    if body_arg and isinstance(raw.get(body_arg), str) and spec["kind"] == "write":
        _check_body_starts_no_operation(command, raw[body_arg], data)
    agent = raw.get("agent_type")
    if isinstance(agent, str) and "agent_id" in arg_specs and "agent_id" not in raw:
        implied = _agent_prefix(_clean_scalar(agent).lower())
        if implied is not None:  # "Agent: developer_3": the agent's id, which says its type
            raw["agent_id"], raw["agent_type"] = _clean_scalar(agent), implied
    inline_text = phrase if body_arg else (phrase + ": " + body if body else phrase)
    _inline_values(command, arg_specs, inline_text, sentences, raw, data)
    _values_from_json_body(command, arg_specs, raw)
    _check_lists(command, arg_specs, inline_text, raw, data)

    args = _convert(command, arg_specs, raw, data)
    for arg in spec["args"]:
        if arg.get("required") and arg["name"] not in args:
            raise refuse(_missing_message(command, arg["name"]), command, kind="missing")
    _check_direction(intent, command)
    if spec["kind"] == "read" and command != "query":
        _check_read_carries_no_write(command, intent, body, text, data)
    if spec["kind"] == "read" and command != "query" and intent.lead not in ("read", "stream"):
        # "Here is the PM state for s_1: {…}", "QA result for s_1: 4 tests failing": a value to store,
        # without a verb. Writes are never guessed, and a read would drop the value: refuse.
        carried = body if body.strip() else ""
        if "{" in carried or len(carried.split()) > 6:
            raise refuse(
                "the request carries a value to store but names no write (log, save, create, update …); "
                "writes are never guessed",
                command,
            )
    if spec["kind"] == "write":
        _check_coverage(command, args, phrase, data)
        _check_provenance(command, args, text)
    return command, args


def _check_read_carries_no_write(
    command: str, intent: Intent, body: str, text: str, data: dict[str, Any]
) -> None:
    """Guarantee, second net: a read never answers a request that says to write anywhere ("…: changes
    requested, bump the revision count", "used 31k tokens - log that please"), nor a verbless one that
    carries values only a write takes (a token count, an agent id)."""
    words = _words(body) + [w for s in intent.sentences for w in _words(s)]
    markers = data["_write_markers"] | {"bump", "mark", "track", "set"}
    said = [w for w in words if w in markers]
    spoken = re.search(
        r"(?i)\b(?:log|record|note)\s+(?:it|that|them|this)\b", body + " " + " ".join(intent.sentences)
    )
    if said or spoken:
        word = said[0] if said else spoken.group(0) if spoken else ""
        raise refuse(
            f"the request says {word!r} (a write) but names only a read ({command}); say what to store",
            command,
        )
    if intent.lead is None:
        carries = _TOKENS_AMOUNT.search(text) is not None
        if command != "token-summary":
            agent_ids = _AGENT_ID_SHAPE.finditer(_strip_quoted(text).lower())
            carries = carries or any(_agent_prefix(m.group(1)) for m in agent_ids)
    else:
        carries = False
    if carries:
        raise refuse(
            "the request gives a value to store (a token count or an agent id) but names no write "
            "(log, save …); writes are never guessed",
            command,
        )


def _check_body_starts_no_operation(command: str, body: str, data: dict[str, Any]) -> None:
    """'…: all 31 invoice tests green. Also mark group_b as completed.': a second operation in the content."""
    verbs, not_verbs = data["_verb"], set(data["conjunctions"].get("not_verbs", ()))
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", body):
        words = _words(sentence)
        if len(words) > 1 and words[0] in ("also", "then", "and", "plus", "please", "additionally"):
            verb = words[1] if words[1] != "please" or len(words) < 3 else words[2]
            if verb in verbs and verb not in not_verbs and verb not in data["_dual"]:
                raise refuse(
                    f"the request holds a second operation ('{' '.join(words[:3])} …') after its {command}; "
                    "send one request per operation",
                    command,
                    kind="two_operations",
                )


def _check_size(text: str, data: dict[str, Any]) -> None:
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


def _strip_preamble(lines: list[str], data: dict[str, Any]) -> list[str]:
    """Drop leading blank lines and the 'bazinga-db, please' / 'Request to bazinga-db:' words."""
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return lines
    first = _strip_prefixes(lines[0].lstrip(" >*#"), data)
    # "QA: group_a passed, mark it completed", "[developer_1] log this …": who speaks is not the operation
    role = re.match(r"\s*\[?([A-Za-z][A-Za-z _-]{0,20}?|[a-z]+_[a-z0-9]+)\]?\s*:?\s+(?=\S)", first)
    if role and (":" in first[: role.end()] or "]" in first[: role.end()]):
        who = role.group(1).strip()
        if _label_key(who) not in data["_label"] and (
            _agent_or_none(who) in AGENT_TYPES["documented"] or _agent_prefix(who.lower()) is not None
        ):
            first = f"({who}) " + _strip_prefixes(first[role.end() :], data)
    lines = [first] + lines[1:]
    if not first.strip():
        lines = lines[1:]
        while lines and not lines[0].strip():
            lines.pop(0)
    return lines


def _operation_label(lines: list[str], data: dict[str, Any]) -> list[str]:
    """'Operation: log_interaction' (first or second line): its value becomes the request's first sentence."""
    words = data["operation_labels"]["words"]
    for index in range(min(2, len(lines))):
        match = _LABEL_LINE.match(lines[index])
        if match and _label_key(match.group(1)) in words and match.group(2).strip():
            value = _clean_scalar(match.group(2))
            if value.replace("_", "-").lower() in data["_command_names"]:
                value = value.replace("_", "-").lower()
            head = [
                line
                for i, line in enumerate(lines[:index])
                if line.strip() and not line.rstrip().endswith(":")
            ]
            return [value] + head + lines[index + 1 :]
    return lines


def _json_request(lines: list[str], data: dict[str, Any]) -> list[str]:
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


def _strip_prefixes(first: str, data: dict[str, Any]) -> str:
    """'bazinga-db, please …' -> '…' (every preamble word of phrasings.json, as often as they stand)."""
    changed = True
    while changed:
        changed = False
        lowered = first.lower()
        for prefix in data["_prefixes"]:
            if lowered.startswith(prefix) and (len(first) == len(prefix) or not first[len(prefix)].isalnum()):
                first = first[len(prefix) :].lstrip(" ,:;.!-\u2014\u2013")
                changed = True
                break
    return first


def _label_args(line: str, data: dict[str, Any]) -> list[str]:
    match = _LABEL_LINE.match(line)
    if not match:
        return []
    found: list[str] = data["_label"].get(_label_key(match.group(1)), [])
    return found


def _first_label_line(lines: list[str], labels: dict[str, list[str]]) -> int:
    for index, line in enumerate(lines):
        match = _LABEL_LINE.match(line)
        if match and _label_key(match.group(1)) in labels:
            # "please run this query:" has a colon but no value: a label line needs a known label.
            return index
    return len(lines)


def _read_labels(
    lines: list[str], command: str, arg_specs: dict[str, Any], data: dict[str, Any]
) -> tuple[dict[str, str], str]:
    """Values by argument name from the operation's label lines (continuation lines appended), and the
    lines before them that pass 1 took for labels of another operation (they belong to the head).

    A line shaped like a label that this operation does not take ("Initial_Branch: main" in a
    create-session, "Priority: high" in a log) is refused by name: it is not part of the value above it.
    Lines inside a JSON value are the JSON's own.
    """
    values: dict[str, str] = {}
    more: dict[str, list[str]] = {}  # continuation lines, joined once at the end (linear in the text)
    current: str | None = None
    head_extra: list[str] = []
    unknown: list[str] = []
    depth = 0  # open brackets of the JSON value being read
    # A text value (content, requirements) becomes a block after a blank line or a line ending with ':'
    # ("Test results:", "Files changed:"): its own "Passed: 40" lines are then content, not labels.
    block = False
    for index, line in enumerate(lines):
        arg = None
        match = _LABEL_LINE.match(line) if depth <= 0 else None
        if match:
            for candidate in data["_label"].get(_label_key(match.group(1)), ()):
                if candidate in arg_specs or (
                    candidate == "revision_count" and "increment_revision" in arg_specs
                ):
                    arg = candidate
                    break
        if arg is not None and match is not None:
            if (
                arg in values
                and (values[arg].strip() or "".join(more[arg]).strip())
                and match.group(2).strip()
            ):
                earlier = "\n".join([values[arg], *more.get(arg, ())])
                if _clean_scalar(earlier) != _clean_scalar(match.group(2)):
                    raise refuse(
                        f"two values given for {_label_of(arg)}: {earlier.strip()!r} and "
                        f"{match.group(2).strip()!r}",
                        command,
                        kind="list_of_values",
                    )
            values[arg] = match.group(2)
            more[arg] = []
            current = arg
            depth = _bracket_depth(match.group(2)) if arg_specs.get(arg, {}).get("type") == "json" else 0
            block = arg_specs[arg]["type"] == "text" and match.group(2).rstrip().endswith(":")
            continue
        in_text = current is not None and arg_specs[current]["type"] == "text"
        if index > 0 and match is not None and _looks_like_label(match.group(1), match.group(2), data):
            if not (in_text and (block or not match.group(2).strip())):
                unknown.append(match.group(1).strip().strip("*_ "))
        if current is not None:
            more[current].append(line)
            if in_text and (not line.strip() or line.rstrip().endswith(":")):
                block = True
            if depth > 0:
                depth += _bracket_depth(line)
    for arg, lines_after in more.items():
        if lines_after:
            values[arg] = "\n".join([values[arg], *lines_after])
    if unknown:
        shown = ", ".join(repr(u) for u in unknown)
        raise refuse(
            f"{command} takes no {shown}: {'that label is' if len(unknown) == 1 else 'those labels are'} "
            "not one of its values; remove the line (or put it inside the content)",
            command,
            kind="unknown_label",
        )
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


def _bracket_depth(text: str) -> int:
    """How many JSON brackets a line opens (minus those it closes); brackets in strings are not counted."""
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return depth


def _looks_like_label(label: str, value: str, data: dict[str, Any], *, lowercase: bool = True) -> bool:
    """'Initial_Branch', 'Original Scope', 'Priority': the short name of a field, not a sentence."""
    words = label.strip().strip("*_ ").split()
    if not words or len(words) > 3:
        return False
    if any(w.lower() in data["_stop_label"] for w in words):
        return False  # "Note that the fix is in: …", "Then: …" read as prose
    first = words[0]
    if first.lower() in data["_articles"] or not all(
        w.replace("_", "").replace("-", "").isalpha() for w in words
    ):
        return False
    return first[:1].isupper() or "_" in label or (lowercase and bool(value.strip()))


_INLINE_LABEL = re.compile(r"(?:^|(?<=[\s,;|]))([A-Za-z][A-Za-z _-]{0,30}?)\s*(?::\s|=(?=\S))")


def _label_segments(
    body: str, arg_specs: dict[str, Any], data: dict[str, Any], unknown: list[Any] | None = None
) -> list[Any] | None:
    """A body that starts with one of the operation's labels is a run of 'Label: value' pairs, else None.

    Labels the operation does not take, written after a separator (", model: opus"), are added to
    ``unknown``.
    """
    if not body or (":" not in body and "=" not in body):
        return None
    found = []
    for match in _INLINE_LABEL.finditer(body):
        words = match.group(1).split()
        separated = not body[: match.start(1)].strip() or body[: match.start(1)].rstrip()[-1:] in ",;|"
        if (
            unknown is not None
            and separated
            and len(words) <= 3
            and not any(
                c in arg_specs
                for w in (3, 2, 1)
                for c in data["_label"].get(_label_key(" ".join(words[-w:])), ())
            )
            and _looks_like_label(match.group(1), "x", data, lowercase=True)
        ):
            unknown.append(match.group(1).strip())
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
        segments.append((arg, body[value_start:end].strip().rstrip(",;|").strip()))
    return segments


def _label_of(arg: str) -> str:
    label: str = tables()["label_names"][arg][0]
    return label


# ---------------------------------------------------------------------------------------------------
# The operation


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


_GROUP_ID = re.compile(r"^(?:task[_-]?)?group[_-][a-z0-9][\w.-]*$|^grp[_-]?[a-z0-9][\w.-]*$")


def _pairs(words: list[str], data: dict[str, Any]) -> tuple[Any, ...]:
    """(verb class, topic, index of the noun, primary, phrase) for each operation noun in a sentence.

    A noun is *primary* when it is the object of the verb before it: the first noun after the verb that
    no preposition qualifies ("log this QA result for session X": result, not session). A group id
    ("mark group_a as completed") is a task-group noun. After a write verb, the nouns of what agents
    report (finding, verdict, note …) name an interaction.
    """
    verbs, nouns, dual = data["_verb"], data["_noun"], data["_dual"]
    qualifiers, articles = data["_qualifiers"], data["_articles"]
    report, agent_words = data["_report"], data["_agent_words"]
    width = data["_noun_words"]
    found = []
    verb: str | None = None
    lead: str | None = None  # the class of the sentence's first verb
    object_taken = False
    delete_seen = False
    i = 0
    n = len(words)
    while i < n:
        # verbs of two words first ("look up", "set up")
        two = " ".join(words[i : i + 2])
        if two in verbs and two not in nouns:
            verb = verbs[two]
            lead = lead or verb
            object_taken = False
            i += 2
            continue
        word = words[i]
        noun_match = None
        for size in range(min(width, n - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if phrase in nouns:
                noun_match = (phrase, size)
                break
        topic = None
        if word in data["_command_names"]:
            noun_match, topic = (word, 1), "=" + word
            if verb is None:  # "update-task-group group_a …": the command's name is its own verb
                verb = "write" if COMMANDS[word]["kind"] == "write" else "read"
                lead = lead or verb
        if topic is not None:
            pass
        elif noun_match is not None:
            topic = nouns[noun_match[0]]
            if (
                noun_match[1] == 1
                and word in report
                and verb in ("write", "create")
                and i > 0
                and words[i - 1] in agent_words
            ):
                topic = "interaction"  # "log this QA report": what the QA reports, not a skill's report
        elif (
            verb in ("write", "create")
            and not object_taken
            and word in report
            and not (i + 1 < n and words[i + 1] in nouns)  # "investigation state": a state
        ):
            noun_match, topic = (word, 1), "interaction"
        elif _GROUP_ID.match(word):
            noun_match, topic = (word, 1), "task_group"
        if (
            word in verbs
            and topic != "interaction"
            and (
                noun_match is None
                or (word in dual and verb is None and _noun_ahead(words, i + 1, nouns, report))
                or (word in dual and i == 0 and noun_match[1] == 1 and not _noun_ahead(words, i + 1, nouns))
                or (
                    i == 0 and noun_match[1] == 1 and i + 1 < n and words[i + 1] in articles
                )  # "setting the …"
                or (
                    word in dual
                    and verb is None
                    and noun_match[1] == 1
                    and (
                        i + 1 == n
                        or words[i + 1]
                        in ("it", "them")  # "please log it"; but "log this X": X is the object
                        or (words[i + 1] in articles and (i + 2 == n or words[i + 2] in qualifiers))
                    )
                )
            )
        ):
            verb = verbs[word]
            lead = lead or verb
            object_taken = False
            if verb == "delete":
                delete_seen = True
            i += 1
            continue
        if noun_match is not None:
            phrase, size = noun_match
            j = i - 1
            while j >= 0 and (words[j] in articles or words[j] in agent_words):
                j -= 1
            qualified = j >= 0 and words[j] in qualifiers
            if j >= 0 and words[j] in ("and", "plus"):
                object_taken = False  # "token usage for s_1 and the dashboard": a second object
            possessor = i + size < n and words[i + size].endswith("'s")  # "session s_1's task groups"
            primary = not qualified and not object_taken and not possessor
            if primary:
                object_taken = True
            found.append((verb or "none", topic, i, primary, phrase))
            i += size
            continue
        i += 1
    return found, delete_seen, lead


def _noun_ahead(
    words: list[str], start: int, nouns: dict[str, str], report: set[str] | frozenset[str] = frozenset()
) -> bool:
    return any(w in nouns or w in report or _GROUP_ID.match(w) for w in words[start:])


class Intent:
    """What the head of a request asks for: the command, and the verb class that leads the request."""

    def __init__(self, command: str, phrase: str, body: str, sentences: list[str], lead: str | None):
        self.command = command
        self.phrase = phrase
        self.body = body
        self.sentences = sentences
        self.lead = lead


_PARENS = re.compile(r"\([^()]*\)")
_STATEMENT = _Lazy(
    r"\b(?:is|are|was|has been|have been)\s+(?:now\s+)?(?:marked\s+(?:as\s+)?)?"
    r"(approved|changes[ _-]requested|completed?|done|failed|in[ _-]progress|pending|finished)\b"
    r"|\b(?:approved|requested changes (?:on|to|for)|requested changes)\s+"
    r"(?:task\s+)?(?:group\s+)?group[_-]\w"
    r"|\b(?:review|verdict|review status)\b[^:\n]{0,60}:\s*(?:approved|changes[ _-]requested)\s*\.?\s*$",
    re.IGNORECASE,
)


def _operation(head: str, label_lines: list[list[str]], data: dict[str, Any], first_line: str = "") -> Intent:
    """The operation the head names, or a refusal: unsupported object, two operations, none at all."""
    if "_agent_words" not in data:
        agent_words = set()

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
    operations_named = 0
    joined: RequestNotUnderstood | None = None  # "mark A completed and mark B failed"
    none_topic: str | None = None  # the object named before the verb ("session s_1 is done, mark it …")
    fallback: str | None = (
        None  # a qualified noun, when nothing else names the operation ("check for sessions")
    )
    delete = False
    verb_only: str | None = None
    lead: str | None = None
    for index, sentence in enumerate(sentences):
        lowered = sentence.lower()
        if index > 0 and lowered.startswith(trailing):
            continue
        kept.append(sentence)
        # values in parentheses ("(session: s_1)", "(iteration 2, agent qa_1)") never name the operation
        words = _words(_PARENS.sub(" ", sentence))
        pairs, delete_seen, sentence_lead = _pairs(words, data)
        lead = lead or sentence_lead
        delete = delete or delete_seen
        _check_unsupported(_words(_strip_quoted(_PARENS.sub(" ", sentence))), data)
        joined = joined or _two_operations(words, data)
        sentence_ops = 0
        for verb, topic, _, primary, _phrase in pairs:
            if verb == "delete":
                raise refuse(data["delete_reason"], hint=data["delete_hint"], kind="unsupported")
            if not primary or (index > 0 and verb == "none"):
                if fallback is None and verb in ("read", "stream") and not topic.startswith("="):
                    fallback = data["operations"][topic].get(verb)  # "check for active sessions": reads only
                continue  # "Session: s_1." after the operation's sentence names a value, not an operation
            command = topic[1:] if topic.startswith("=") else data["operations"][topic].get(verb)
            if verb == "none" and command is not None and not topic.startswith("="):
                none_topic = none_topic or topic
            if command is None:
                continue
            sentence_ops += 1
            if command not in commands_named:
                commands_named.append(command)
            if found_command is None or found_command == "get-session":
                found_command = command
        if sentence_ops and sentence_lead not in (None, "read", "stream"):
            operations_named += 1
        primaries = [p for p in pairs if p[3]]
        between = words[primaries[0][2] + 1 : primaries[-1][2]] if len(primaries) > 1 else []
        if (
            sentence_ops > 1
            and len({p[1] for p in primaries}) == 1
            and not any(w in data["_verb"] and w not in data["_dual"] for w in between)
        ):
            # "the PM state and the orchestrator state", "group_a and group_b": one operation, two values
            objects = [p[4] for p in pairs if p[3]]
            what = primaries[0][1].replace("_", " ")
            command = next(iter(commands_named))
            raise refuse(
                f"the request names {len(objects)} {what}s ({', '.join(objects)}); {command} takes one: "
                "send one request for each",
                command,
                kind="list_of_values",
            )
        if verb_only is None:
            for word in words:
                if word in data["_verb"]:
                    verb_only = data["_verb"][word]
                    break
    if delete and not commands_named:
        raise refuse(data["delete_reason"], hint=data["delete_hint"], kind="unsupported")
    commands_named = _merge_log_reads(commands_named)
    if len(commands_named) > 1 or operations_named > 1:
        raise refuse(
            "the request names two operations ("
            + " and ".join(commands_named if len(commands_named) > 1 else commands_named * 2)
            + "); send one request per operation",
            commands_named[0],
            kind="two_operations",
        )
    if joined is not None:  # the form shown is the first operation's (the one the request led with)
        raise refuse(joined.message, found_command, kind="two_operations") if found_command else joined
    statement = None
    said = " ".join(kept)
    if verb_only is None and not said.rstrip().endswith("?") and not re.match(r"(?i)\s*(?:is|are)\b", said):
        # "the reviewer verdict for group_b is APPROVED", "group_a is done": a statement of a new value
        statement = _STATEMENT.search(said + (": " + body if body else ""))
        if statement is not None:
            verb_only = lead = "update"
            stated = _words(said + " " + body)
            if any(_GROUP_ID.match(w) for w in stated) or "group" in stated:
                found_command = "update-task-group"
            elif found_command == "get-session" or "session" in stated:
                found_command = "update-session-status"
            else:
                found_command = "update-task-group"
    if (
        found_command is not None
        and none_topic is not None
        and lead in ("create", "write", "update")
        and COMMANDS[found_command]["kind"] == "read"
        and data["operations"][none_topic].get(lead)
    ):
        found_command = data["operations"][none_topic][lead]  # the verb came after its object
    if found_command is None:
        found_command = _from_labels(verb_only, label_lines, data)
    if found_command is None and verb_only == "write" and body and not label_lines:
        dual_first = next((w for s in kept for w in _words(s) if w in data["_verb"]), None)
        if dual_first in data["_dual"]:
            found_command = data["operations"]["interaction"]["write"]  # "please log this for s_1: …"
    if found_command is None and verb_only is None and any("sql" in c for c in label_lines):
        found_command = "query"  # "query: SELECT …"
    if found_command is None and fallback is not None:
        found_command = fallback
    said = " ".join(kept)
    reported = re.match(r"(?i)\s*(?:" + "|".join(data["verbs"]["dual"]) + r")\s+that\s+(.+)$", said)
    if (
        reported
        and lead == "write"
        and not body
        and found_command in (None, "create-task-group", "log-interaction")
    ):
        # "log that the developer finished group_a for s_1": a report; the clause is its content
        found_command = data["operations"]["interaction"]["write"]
        body = re.sub(r"\s+(?:for|in)\s+(?:the\s+)?(?:session\s+)?\S+\s*[.!]?\s*$", "", reported.group(1))
    if found_command is None:
        raise refuse("no operation recognised in " + repr(_shorten(phrase or head or first_line)))
    # A request without a verb is a read; a write needs its verb ("never guess a write").
    if COMMANDS[found_command]["kind"] == "write" and statement is None and not _has_write_verb(kept, data):
        raise refuse(
            "say what to do with it (log, save, create, update …); writes are never guessed", found_command
        )
    if found_command in ("get-logs", "stream-logs"):
        found_command = _logs_flavour(found_command, " ".join(kept), data)
    return Intent(found_command, said, body, kept, lead)


def _check_unsupported(words: list[str], data: dict[str, Any]) -> None:
    """Refuse when the operation's sentence names something this skill does not store, wherever it stands."""
    for index, word in enumerate(words):
        for phrase, entry in data["_unsupported"].get(word, ()):
            if tuple(words[index : index + len(phrase)]) == phrase:
                closest = entry.get("closest")
                message = (
                    f"{' '.join(phrase)!r}: bazinga-db has no {entry['what']}; it stores "
                    + data["unsupported"]["stores"]
                )
                if closest:
                    raise refuse(message, closest, kind="unsupported")
                raise refuse(message, hint=request_form(None), kind="unsupported")


def _two_operations(words: list[str], data: dict[str, Any]) -> RequestNotUnderstood | None:
    """'mark A completed and mark B failed', '… named C and mark group_a completed': two operations."""
    verbs = data["_verb"]
    skip = data["_articles"] | {"please", "also", "then", "now", "to"}
    not_verbs = set(data["conjunctions"].get("not_verbs", ()))
    seen_verb = False
    first_class = None
    i = 0
    n = len(words)
    while i < n:
        word = words[i]
        if not seen_verb:
            seen_verb = word in verbs
            first_class = verbs.get(word)
            i += 1
            continue
        for conjunction in data["_conjunctions"]:
            size = len(conjunction)
            if tuple(words[i : i + size]) != conjunction:
                continue
            j = i + size
            while j < n and words[j] in skip:
                j += 1
            if j < n and words[j] in verbs and words[j] not in not_verbs:
                rest = words[j + 1 :]
                if verbs[words[j]] == first_class == "update" and not any(
                    _GROUP_ID.match(w) or w in ("session", "sessions") for w in rest
                ):
                    continue  # "increment the revision of group_b and set its review status": one update
                return refuse(
                    f"the request joins two operations with {' '.join(conjunction)!r} "
                    f"('… {' '.join(words[i : j + 1])} …'); send one request per operation",
                    kind="two_operations",
                )
        i += 1
    return None


_VALUE_LABEL_TYPES = ("id", "name", "agent_type", "count", "limit", "time", *ENUMS)


def _body_colon(head: str, data: dict[str, Any]) -> re.Match[str] | None:
    """The colon that ends the operation's sentence, skipping inline labels of values ("for session: X")."""
    from .vocabulary import COMMANDS as ALL

    types = {a["name"]: a["type"] for spec in ALL.values() for a in spec["args"]}
    opening = _JSON_OPENING.search(head)  # "[developer_1]" or "[session_id]" is no JSON
    json_start = opening.start() if opening else len(head)
    first_line = head.split("\n", 1)[0]
    dash = _DASH_BREAK.search(first_line[:json_start])
    colon = _COLON_BREAK.search(first_line)
    if dash and colon and dash.start() < colon.start():
        second = _DASH_BREAK.search(first_line, dash.end())
        middle = first_line[dash.end() : second.start()] if second else ""
        if (
            second
            and second.start() < colon.start()
            and len(middle.split()) <= 4
            and re.search(r"[_\d]", middle)
        ):
            return second  # "log this as the PM - session s_1 - Spike abandoned: …": values between dashes
        label = _INLINE_LABEL.match(first_line[dash.end() :])
        if label and _label_key(label.group(1)) in data["_label"]:
            return dash  # "log interaction — session: s_1 | agent: qa | content: …"
    quoted = _quoted_spans(head)
    for match in _COLON_BREAK.finditer(head):
        if match.start() > json_start:
            break  # "store the orchestrator state {"phase": …} for session s_1": the JSON's own colons
        if any(a < match.start() < b for a, b in quoted):
            continue  # 'with content "group_auth: middleware order …"': the quote's own colon
        before = _words(head[: match.start()])[-3:]
        inline_label = False
        for size in (3, 2, 1):
            if len(before) >= size:
                candidates = data["_label"].get(" ".join(before[-size:]).replace("_", " "))
                if candidates:
                    kind = types.get(candidates[0])
                    inline_label = kind in _VALUE_LABEL_TYPES
                    if kind in ENUMS and len(before) > size:
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
    # "record this orchestrator update for s_1 - spawned two developers": a dash ends the sentence
    dash = _DASH_BREAK.search(head[:json_start].split("\n", 1)[0])
    if dash and len(_words(head[: dash.start()])) < 2:
        return None  # "BAZINGA - session s_1 is done": one word before the dash names nothing
    return dash


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where double-quoted strings and parentheses stand in a line of text (start, end)."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[\"\u201c][^\"\u201d\n]*[\"\u201d]", text)]
    spans += [(m.start(), m.end()) for m in _PARENS.finditer(text)]
    return spans


_JSON_OPENING = re.compile(r"\{|\[(?=\s*[\[{\"\d\]-])")
_DASH_BREAK = re.compile(r"\s+[-\u2013\u2014]+\s+")


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
            if word in data["_command_names"] and COMMANDS[word]["kind"] == "write":
                return True
    return False


def _from_labels(verb: str | None, label_lines: list[list[str]], data: dict[str, Any]) -> str | None:
    """A verb without a noun ("please save this:") takes its operation from the labels that follow.

    The operations of that verb class that take a value for every label line (a label may name several
    arguments: "Name" is a group, skill or config name) are the candidates; one candidate is the answer.
    Without labels, an update is a task group's (``update_without_noun``).
    """
    if verb is None:
        return None
    fits = []
    for topic, by_verb in data["operations"].items():
        command = by_verb.get(verb) if not topic.startswith("_") else None
        if command is None or command in fits:
            continue
        names = {a["name"] for a in COMMANDS[command]["args"]}
        if "increment_revision" in names:
            names.add("revision_count")
        if all(any(c in names for c in candidates) for candidates in label_lines):
            fits.append(command)
    if len(fits) == 1:
        return str(fits[0])
    default = data["operations"][data["update_without_noun"]].get(verb) if verb == "update" else None
    if default in fits and not any(
        c in {a["name"] for a in COMMANDS[f]["args"]} - {"session_id", "status"}
        for f in fits
        if f != default
        for candidates in label_lines
        for c in candidates
    ):
        return str(default)
    return None


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

    def first_token(patterns: list[str], value_text: str = text, allow_stop: bool = False) -> str | None:
        for pattern in patterns:
            for match in re.finditer(pattern, value_text, re.IGNORECASE):
                token = _clean_token(match.group(1))
                if token and (allow_stop or token.lower() not in stop):
                    return token
        return None

    for name, spec in arg_specs.items() if "--" in text else ():
        # the command line's own flags, written into a request: "get-logs s_1 --agent-type qa"
        for flag in spec.get("flags", ()):
            match = re.search(r"(?:^|\s)" + re.escape(flag) + r"(?:=|\s+)" + TOKEN, text)
            if match and want(name):
                raw[name] = True if spec["type"] == "flag" else match.group(1)
            elif (
                spec["type"] == "flag"
                and want(name)
                and re.search(r"(?:^|\s)" + re.escape(flag) + r"\b", text)
            ):
                raw[name] = True

    if want("session_id"):
        token = first_token([r"(?<![\[<{$%])\bsession(?:[ _-]?id)?\b\s*[:=#]?\s*" + TOKEN])
        if (
            token is not None
            and COMMANDS[command]["kind"] == "write"
            and token[:1] not in data["placeholders"]["marks"]  # '<current session>': a placeholder
            and not any(c.isdigit() or c in "_-.:" for c in token)
            and re.search(r"\bsession(?:[ _-]?id)?\s*[:=#]?\s*" + re.escape(token) + r"\s+[A-Za-z0-9]", text)
        ):
            # "for session sess beta": a word, then more words; an id written with a space is not an id
            raise refuse(
                f"the session id after 'session' is unclear ({token!r} followed by more words); write it as "
                "one id (Session ID: …)",
                command,
                kind="invalid_value",
            )
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
            token = first_token(
                [r"\b(simple|parallel)\s+mode\b", r"\b(simple|parallel)\s+(?:orchestration\s+)?session\b"],
                allow_stop=True,
            )
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
            r"(?<![\w.-])((?:task[_-]?)?group[_-][A-Za-z0-9][\w.-]*)",
            TOKEN + r"\s*(?:\u2192|->|=>)",
            r"\b(?:mark|set|move|assign|update|complete|finish|close|fail)\s+" + TOKEN,
            r":\s+(?!(?:name|status|assigned|title|label)\b)" + TOKEN,
        ]
        if command == "create-task-group":
            group_patterns.insert(
                0,
                r"^\s*(?!(?:name|title|label|status)\b)"
                + TOKEN
                + r"""\s*(?:[:\u2013\u2014-]\s*)?[\"\u201c'(]""",
            )
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
            r"""(?=\s*(?:,|;|$|\bin session\b|\bfor session\b|\bassigned\b|\bwith (?:group )?id\b"""
            r"""|\b(?:in|for|to|on)\s+(?:the\s+)?(?:session\s+)?[\w.-]*[_\d][\w.-]*\s*(?:[,;.]|$)))""",
            text,
        )
        if match:
            raw["name"] = next(g for g in match.groups() if g).strip().rstrip(".").strip("\"\u201c\u201d'")
        else:
            rest = (_after_colon(text) or "").strip()
            if (
                rest
                and not re.search(r"[\"\u201c(:,;=]", rest)
                and len(rest.split()) <= 6
                and "\n" not in rest
            ):
                raw["name"] = rest  # "create task group group_d in s_1: Refund flow"

    if want("status"):
        status = _status_in(text, arg_specs["status"]["type"], raw.get("group_id"))
        if status is None and COMMANDS[command]["kind"] == "write":
            words = _words(text)
            implied = [data["verb_status"][w] for w in words[:3] if w in data["verb_status"]]
            if implied:
                status = implied[0]  # "close session s_1", "finish group_a"
        if status is None and COMMANDS[command]["kind"] == "write":
            # "as paused", "-> blocked": a status was meant; let validation list the allowed ones
            status = first_token(
                [
                    r"(?:\u2192|->|=>|\bas\b|(?<!review )\bstatus\s+to\b|(?<!review )\bstatus\s*[:=])\s*"
                    + TOKEN,
                    r"(?<!review )\bstatus\s+(?!to\b|of\b|for\b)" + TOKEN,  # "…, status on_hold"
                ],
                allow_stop=True,
            )
        if status is not None:
            raw["status"] = status

    if want("assigned_to"):
        token = first_token(
            [
                r"\bassign(?:ed)?\s+(?:it\s+|this\s+|[\w.-]+\s+)?to\s+(?:the\s+)?" + TOKEN,
                r"\bassign(?:ed)?\b[^.\n:]{0,60}?\bto\s+(?:the\s+)?" + TOKEN,
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
                match = re.search(r"\brevision[ _-]?count\s*(?:to|=|:|of)?\s*([+-]?\d+)", text, re.IGNORECASE)
                if match is None:
                    match = re.search(
                        r"\brevision[ _-]?count\b[^.\n]{0,40}?(?:\bto|=|:)\s*([+-]?\d+)", text, re.IGNORECASE
                    )
                if match:
                    raw["revision_count"] = match.group(1)
        if want("last_review_status"):
            match = re.search(
                r"\b(approved|changes[ _-]requested|request(?:ed)? changes)\b", text, re.IGNORECASE
            )
            if match is None:  # "set the review status of group_a to LGTM": let validation list the values
                match = re.search(
                    r"\b(?:review(?:[ _-]status)?|verdict)\b[^.\n]{0,40}?(?:\bto|\bas|=|:)\s*" + TOKEN,
                    text,
                    re.IGNORECASE,
                )
            if match:
                raw["last_review_status"] = match.group(1)

    if want("limit"):
        number = _number_in(
            text,
            [
                r"\blimit(?:ed)?\s*(?:to|=|:|of)?\s*" + NUMBER,
                r"\b(?:last|first|top|latest|recent|newest|past)\s+" + NUMBER,
                NUMBER + r"\s+of\s+them\b",
                NUMBER + r"\s+(?:per|a|each)\s+page\b",
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
            r"(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?)",
            text,
            re.IGNORECASE,
        )
        if match is None:  # "since yesterday": not a time the vocabulary reads; validation says so
            match = re.search(r"\b(?:since|after)\s+(?!the\b|a\b|an\b)([^\s,;()]+)", text, re.IGNORECASE)
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
        if token is None:
            # "(agent developer_4)", "by developer_1", "12,500 tokens for developer_2": an agent id
            for match in _AGENT_ID_SHAPE.finditer(_strip_quoted(text)):
                candidate = match.group(1)
                if _agent_prefix(candidate) is not None and candidate not in {str(v) for v in raw.values()}:
                    token = candidate
                    break
        if token:
            raw["agent_id"] = token
    if want("agent_type") and _agent_in(text) is None:
        # "log the investigator finding": an agent type outside the alias table, named before what it reports
        role = re.search(
            r"\b(?:this|the|a|an|my|our|their)\s+([a-z]{3,}(?:or|er|ist|yst))(?:'s)?\s+(?:"
            + "|".join(
                re.escape(w) for w in sorted(data["_report"] | {"interaction", "interactions", "entry"})
            )
            + r")\b",
            text.lower(),
        )
        if role and role.group(1) not in data["report_nouns"]["not_roles"]:
            raw["agent_type"] = role.group(1)
    if "agent_type" in arg_specs and "agent_type" not in raw and isinstance(raw.get("agent_id"), str):
        implied_type = _agent_prefix(_clean_scalar(raw["agent_id"]).lower())
        if implied_type is not None and _agent_in(text) is None:
            raw["agent_type"] = implied_type  # "developer_2" is a developer

    for name, keywords in (
        ("content", "content|message|text|saying|says|note|summary"),
        ("requirements", "requirements?|goal|task"),
    ):
        if want(name):  # 'with content "…" at iteration 2', 'with requirements "…"'
            match = re.search(
                r"\b(?:" + keywords + r")\s*[:=]?\s*[\"\u201c]([^\"\u201d]+)[\"\u201d]", text, re.IGNORECASE
            )
            if match:
                raw[name] = match.group(1)

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
        if number is None and command == "log-tokens":
            # "log token usage — s_1 — qa — 1,800": the one number that is no part of an id
            numbers = re.findall(NUMBER, _strip_quoted(text))
            if len(numbers) == 1:
                number = numbers[0].replace(" ", "")
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
                r"\b(?:config(?:uration)?|setting)\s+(?:value|entry|key|setting)s?\s+(?:for|of|named|called)\s+"
                + TOKEN,
                r"\b(?:config(?:uration)?|setting)\b(?:\s+key)?\s*(?:for|=|:|named|called)?\s*" + TOKEN,
                r"\bkey\s*[:=]?\s*" + TOKEN,
                TOKEN + r"\s+(?:config(?:uration)?|setting)\b",
            ]
        )
        if token:
            raw["key"] = token

    if want("decision_type"):
        token = first_token(
            [r"\btype\s*[:=]?\s*" + TOKEN, TOKEN + r"\s+decisions?\b", r"\bdecision\s+(?:type\s+)?" + TOKEN]
        )
        if token and not token.isdigit():
            raw["decision_type"] = token

    for json_arg in ("state_data", "output_data", "value", "decision_data"):
        if want(json_arg):
            start = text.find("{")
            if start >= 0:
                raw[json_arg] = text[start:]

    if want("session_id"):
        # the session without the word: "how many task groups are pending in s_1?", "mark group_a
        # complete in s_1"; writes take only "in"/"for"/"on" and never a group or agent id
        taken = {_clean_scalar(str(v)).lower() for v in raw.values() if isinstance(v, str)}
        read = COMMANDS[command]["kind"] == "read"
        prepositions = r"(?:for|in|of|from)" if read else r"(?:for|in|on|within|into)"
        for match in re.finditer(
            r"\b" + prepositions + r"\s+(?:the\s+)?(?:session\s+)?" + TOKEN, text, re.IGNORECASE
        ):
            token = _clean_token(match.group(1))
            looks_like_id = any(c.isdigit() or c == "_" for c in token)
            if _GROUP_ID.match(token.lower()) or (not read and _agent_prefix(token.lower()) is not None):
                continue
            if looks_like_id and _agent_or_none(token.split("_")[0]) in AGENT_TYPES["documented"]:
                continue  # "developer_1", "pm_main": an agent id, not a session
            if (
                looks_like_id
                and token.lower() not in taken
                and token.lower() not in stop
                and _agent_or_none(token) not in AGENT_TYPES["documented"]
                and not _is_enum_word(token)
            ):
                raw["session_id"] = token
                break

    if want("session_id"):
        # "how many tokens has sess_beta used?": an id shaped like a session, wherever it stands
        # (for a write only the unmistakable shapes: bazinga_…, sess_…, session_…)
        taken = {_clean_scalar(str(v)).lower() for v in raw.values() if isinstance(v, str)}
        read = COMMANDS[command]["kind"] == "read"
        for match in _SESSION_SHAPE.finditer(_strip_quoted(text)):
            strong = re.match(r"(?i)(?:bazinga|sess|session)[_-]|[a-z]+_\d{8}_", match.group(1))
            if match.group(1).lower() in ("bazinga-db", "bazinga_db"):
                continue  # "Hello bazinga-db,": the skill's name
            if match.group(1).lower() not in taken and (read or strong):
                raw["session_id"] = match.group(1)
                break

    if command == "query" and want("sql"):
        match = re.search(r"(?im)^\s*((?:select|with)\b[\s\S]*)", text)
        if match:
            raw["sql"] = match.group(1)


def _agent_prefix(token: str) -> str | None:
    """The agent type an agent id implies: 'developer_2' -> developer, 'qa_main' -> qa; else None."""
    if not _AGENT_ID_SHAPE.fullmatch(token):
        return None
    prefix = token.rsplit("_", 1)[0]
    agent = _agent_or_none(prefix)

    if agent is None or (agent not in AGENT_TYPES["documented"] and prefix not in AGENT_TYPES["aliases"]):
        return None
    return agent


def _strip_quoted(text: str) -> str:
    return re.sub(r"[\"\u201c][^\"\u201d]*[\"\u201d]", " ", text)


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
        names = (
            set(AGENT_TYPES["documented"]) | set(AGENT_TYPES["aliases"]) | {"tech lead", "project manager"}
        )
        names -= {"lead", "manager"}  # too common as plain words
        _AGENT_WORDS = {" ".join(n.replace("_", " ").replace("-", " ").split()): n for n in names}
    if not _AGENT_FIRST_WORDS:
        _AGENT_FIRST_WORDS.update(phrase.split()[0] for phrase in _AGENT_WORDS)
    first_words = _AGENT_FIRST_WORDS
    words = [w[:-2] if w.endswith("'s") else w for w in _words(text)]
    for index, word in enumerate(words):
        if word.replace("_", " ").replace("-", " ").split(" ", 1)[0] not in first_words:
            continue  # one set lookup per word: linear in the text
        for size in (3, 2, 1):
            phrase = " ".join(words[index : index + size]).replace("_", " ").replace("-", " ")
            if size <= len(words) - index and phrase in _AGENT_WORDS:
                name = _AGENT_WORDS[phrase]
                before = words[index - 1] if index else ""
                if (
                    size == 1
                    and name in AGENT_TYPES["aliases"]
                    and before.isalpha()
                    and before not in tables()["_stop"]
                    and before not in tables()["_articles"]
                    and before not in tables()["_qualifiers"]
                    and before not in AGENT_TYPES["aliases"]
                    and before not in AGENT_TYPES["documented"]
                ):
                    # "the requirements engineer": a role of its own, not the alias 'engineer' alone
                    return normalise_agent_type(before + "_" + word)
                return normalise_agent_type(name)
    return None


_AGENT_FIRST_WORDS: set[str] = set()


def _agent_or_none(value: str) -> str | None:
    try:
        return normalise_agent_type(value)
    except BazingaError:
        return None


def _state_type_in(text: str, data: dict[str, Any]) -> str | None:
    known = data["known_names"]["state_type"]
    text = re.sub(r"(?<=\w)['\u2019]s\b", "", text)  # "the orchestrator's state"
    match = re.search(r"\bstate\s*\(\s*([A-Za-z][\w-]*)\s*\)", text)  # "save state (pm)"
    if match:
        return _agent_or_none(match.group(1)) or match.group(1)
    lowered = text.lower()
    for words, value in known.items():
        if re.search(r"\b" + re.escape(words) + r"\s+state\b", lowered):
            return str(value)
    match = re.search(r"\bstate[ _-]?type\s*[:=]?\s*" + TOKEN, text, re.IGNORECASE) or re.search(
        r"\bstate\s+(?:of\s+)?(?:type|kind)\s+" + TOKEN, text, re.IGNORECASE
    )
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
        if last.lower() not in data["_stop"] and (
            "_" in last or (last.isalpha() and last.lower() not in data["_verb"] and len(last) > 2)
        ):
            return last
    return None


# ---------------------------------------------------------------------------------------------------
# Coverage and guarantees

_QUALIFIER_ITEM = _Lazy(
    r"^\s*(?:(?:at\s+)?iter(?:ation)?\s*#?\s*\d+|round\s*#?\s*\d+|agent(?:[ _-]?id)?\s*[:=]?\s*[\w.-]+"
    r"|by\s+[\w.-]+|(?:for\s+|in\s+)?session(?:[ _-]?id)?\s*[:=]?\s*[\w.:@+-]+"
    r"|group(?:[ _-]?id)?\s*[:=]?\s*[\w.-]+)\s*$",
    re.IGNORECASE,
)


def _trailing_qualifiers(body: str) -> tuple[str, str]:
    """'4 tests failing (iteration 2, agent qa_1)' -> ('4 tests failing', 'iteration 2, agent qa_1').

    Only a last parenthesis made entirely of value qualifiers (iteration, agent, session, group) is taken
    off the body; any other parenthesis is part of the content.
    """
    match = re.search(r"\s*\(([^()]*)\)\s*\.?\s*$", body)
    if not match:
        return body, ""
    items = [item for item in re.split(r"[,;]", match.group(1)) if item.strip()]
    if not items or not all(_QUALIFIER_ITEM.match(item) for item in items):
        return body, ""
    return body[: match.start()].rstrip(), match.group(1).strip()


def _values_from_json_body(command: str, arg_specs: dict[str, Any], raw: dict[str, Any]) -> None:
    """'save the PM state: {"session_id": "s_1", …}': a session id given only inside the JSON body."""
    if "session_id" not in arg_specs or "session_id" in raw:
        return
    for name, spec in arg_specs.items():
        if spec["type"] == "json" and isinstance(raw.get(name), str):
            text = raw[name].strip()
            start = text.find("{")
            if start < 0:
                continue
            try:
                parsed, _end = json.JSONDecoder().raw_decode(text, start)
            except (ValueError, RecursionError):
                continue
            if isinstance(parsed, dict) and isinstance(parsed.get("session_id"), str):
                raw["session_id"] = parsed["session_id"]


_TOKENS_AMOUNT = _Lazy(r"(?<![\w.])\d[\d,_.]*\s?[kK]?\s*(?:tokens?|toks?)\b", re.IGNORECASE)


def _check_lists(
    command: str, arg_specs: dict[str, Any], phrase: str, raw: dict[str, Any], data: dict[str, Any]
) -> None:
    """A list of values where the operation takes one ('developer 500 tokens, qa 300 tokens',
    'mark group_a and group_b completed') is refused: one request per value."""
    if COMMANDS[command]["kind"] != "write":
        return
    if "tokens" in arg_specs and "tokens" not in raw or command == "log-tokens":
        amounts = _TOKENS_AMOUNT.findall(phrase + " " + str(raw.get("tokens", "")))
        if len(amounts) > 1:
            raise refuse(
                "the request gives several token counts (" + ", ".join(a.strip() for a in amounts) + "); "
                "log-tokens takes one count for one agent: send one request per agent",
                command,
                kind="list_of_values",
            )
    unquoted = _strip_quoted(phrase)
    if command == "log-tokens":
        # "developer_3 12k, developer_4 9k": one count per agent, two agents
        agents = {m.group(1) for m in _AGENT_ID_SHAPE.finditer(unquoted.lower()) if _agent_prefix(m.group(1))}
        if len(agents) > 1:
            raise refuse(
                f"the request names several agents ({', '.join(sorted(agents))}); log-tokens takes one count "
                "for one agent: send one request per agent",
                command,
                kind="list_of_values",
            )
    if "session_id" in arg_specs:
        # "log this finding in both sess_beta and bazinga_…": one write per session
        sessions = {
            m.group(1).lower()
            for m in _SESSION_SHAPE.finditer(unquoted.split("{", 1)[0])
            if re.match(r"(?i)(?:bazinga|sess|session)[_-]|[a-z]+_\d{8}_", m.group(1))
            and m.group(1).lower() not in ("bazinga-db", "bazinga_db")
        }
        if len(sessions) > 1:
            raise refuse(
                f"the request names several sessions ({', '.join(sorted(sessions))}); {command} takes one: "
                "send one request for each",
                command,
                kind="list_of_values",
            )
    for name in ("group_id", "session_id"):
        value = raw.get(name)
        if name not in arg_specs or not isinstance(value, str) or "\n" in value.strip():
            continue
        token = _clean_scalar(value)
        if not token:
            continue
        pattern = re.escape(token) + r"\s*(?:,|&|\band\b|\bor\b|/|\+)\s*(?:session\s+|group\s+)?" + TOKEN
        shape = _GROUP_ID if name == "group_id" else None
        if shape is not None and _GROUP_ID.match(token.lower()):
            scope = unquoted if command == "create-task-group" else unquoted.split(":", 1)[0]
            others = {w for w in _words(scope) if shape.match(w)} - {token.lower()}
            if others:
                raise refuse(
                    f"the request names several groups ({token}, {', '.join(sorted(others))}); {command} "
                    "changes one: send one request for each",
                    command,
                    kind="list_of_values",
                )
        for text in (phrase, value):
            at = text.lower().find(token.lower())
            after = text[at + len(token) :].lstrip().lower() if at >= 0 else ""
            if not after.startswith((",", "&", "and ", "or ", "/", "+")):
                continue  # compiled below only when a list may follow: the pattern is new for every id
            match = re.search(pattern, text, re.IGNORECASE)
            if match and _same_shape(token, _clean_token(match.group(1))):
                raise refuse(
                    f"the request names several {_label_of(name).lower()}s ({token}, "
                    f"{_clean_token(match.group(1))} …); {command} takes one: send one request for each",
                    command,
                    kind="list_of_values",
                )


def _same_shape(first: str, second: str) -> bool:
    """'group_a' and 'group_b', 'sess_1' and 'sess_2': ids of one family (same prefix before the last _)."""
    if not second or first == second:
        return False
    if "_" in first and "_" in second:
        return first.rsplit("_", 1)[0].lower() == second.rsplit("_", 1)[0].lower()
    return bool(re.fullmatch(r"[\w.-]*\d[\w.-]*", second)) and bool(re.fullmatch(r"[\w.-]*\d[\w.-]*", first))


def _check_direction(intent: Intent, command: str) -> None:
    """Guarantee: a request led by a write verb never runs a read, and one led by a read verb never a write.

    A write marker anywhere in the operation's sentences ("developer_3 used 7200 tokens, please save it")
    makes the request write-led too.
    """
    kind = COMMANDS[command]["kind"]
    markers = tables()["_write_markers"]
    if kind == "read" and command != "query":
        found = [w for s in intent.sentences for w in _words(s) if w in markers]
        if found:
            raise refuse(
                f"the request says {found[0]!r} (a write) but names only a read ({command}); "
                "say what to store",
                command,
            )
    if intent.lead in ("create", "write", "update") and kind == "read":
        raise refuse(
            f"the request asks to write ({intent.lead}) but its object names only a read ({command}); "
            "say what to store",
            command,
        )
    if intent.lead in ("read", "stream") and kind == "write" and command != "query":
        raise refuse(
            f"the request asks to read but names a write ({command}); writes are never guessed", command
        )


_SESSION_SHAPE = _Lazy(
    r"(?<![\w.-])((?:bazinga|sess|session|orch|s)[_-][A-Za-z0-9][\w.:@+-]*?|[a-z]+_\d{8}_\d{4,6})(?=[.,;:?!)]*(?:\s|$))",
    re.IGNORECASE,
)
_AGENT_ID_SHAPE = re.compile(
    r"(?<![\w.-])([a-z][a-z]*(?:_[a-z]+)*_(?:\d+|main|primary|lead|[a-z]\d*))(?![\w-])"
)


def _check_coverage(command: str, args: dict[str, Any], phrase: str, data: dict[str, Any]) -> None:
    """Guarantee: every value the operation's sentence gives lands in an argument, or the request is refused.

    Looked for in the sentence (not in content or JSON bodies): agent ids ('developer_4', 'qa_1') and
    iteration numbers.
    """
    used = {str(v).lower() for v in args.values() if isinstance(v, (str, int)) and not isinstance(v, bool)}
    text = _strip_quoted(phrase.split("{", 1)[0])  # JSON bodies and quoted content carry their own words
    text = _PARENS.sub(lambda m: " " + m.group(0)[1:-1] + " ", text)
    for match in _AGENT_ID_SHAPE.finditer(text.lower()):
        token = match.group(1)
        prefix = token.rsplit("_", 1)[0]
        if _agent_or_none(prefix) is None or _GROUP_ID.match(token) or prefix in ("session", "sess", "s"):
            continue
        if not any(token in value for value in used):
            raise refuse(
                f"the request names {token!r}, but {command} has no place for it; say which value it is "
                "(Agent ID: …, Assigned To: …)",
                command,
                kind="missing",
            )
    iteration_match = re.search(
        r"\biter(?:ation)?\b\s*(?:#|no\.?|number|=|:)?\s*([^\s,;)]+)", text, re.IGNORECASE
    )
    if iteration_match and "iteration" not in args:
        if any(a["name"] == "iteration" for a in COMMANDS[command]["args"]):
            raise refuse(
                f"iteration {iteration_match.group(1)!r} is not a whole number", command, kind="invalid_value"
            )
        raise refuse(
            f"the request gives iteration {iteration_match.group(1)}, but {command} takes no iteration",
            command,
            kind="unknown_label",
        )
    if (
        command == "update-task-group"
        and re.search(r"\brevision", text, re.IGNORECASE)
        and "revision_count" not in args
        and not args.get("increment_revision")
    ):
        raise refuse(
            "the request mentions the revision count but gives no number (or +1)",
            command,
            kind="invalid_value",
        )


def _check_provenance(command: str, args: dict[str, Any], text: str) -> None:
    """Guarantee: every value of a write comes from the text (up to the vocabulary's normalisation)."""

    haystack = " ".join(text.lower().replace("\u2019", "'").split())
    squashed = re.sub(r"[\s_-]+", "", haystack)
    arg_specs = {a["name"]: a for a in COMMANDS[command]["args"]}
    for name, value in args.items():
        type_name = arg_specs[name]["type"]
        if type_name in ("flag", "json"):
            continue  # flags come from words ("bump", "+1"); JSON bodies are parsed from the text itself
        if isinstance(value, int):
            spellings = {str(value), f"{value:,}"}
            if value % 1000 == 0:
                spellings.add(f"{value // 1000}k")
            if value % 100 == 0:
                spellings.add(f"{value / 1000:g}k")
        elif type_name in ENUMS:
            spec = ENUMS[type_name]
            spellings = {value.lower()} | {a for a, target in spec["aliases"].items() if target == value}
            spellings |= {w for w, target in tables()["verb_status"].items() if target == value}
        elif type_name == "agent_type":
            spellings = {value, value.replace("_", " ")} | {
                a for a, target in AGENT_TYPES["aliases"].items() if target == value
            }
        else:
            spellings = {" ".join(str(value).lower().split())}
        if not any(s.lower() in haystack or re.sub(r"[\s_-]+", "", s.lower()) in squashed for s in spellings):
            raise refuse(
                f"{_label_of(name).lower()} {value!r} does not appear in the request; give it in words",
                command,
                kind="not_understood",
            )


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
            raise refuse(
                error.message + (f" ({error.hint})" if error.hint else ""), command, kind="invalid_value"
            ) from None
        if isinstance(converted, _Increment):
            args["increment_revision"] = True
        else:
            args[name] = converted
    if args.get("increment_revision") and "revision_count" in args:
        raise refuse("revision count given twice: as +1 and as a number", command, kind="invalid_value")
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
    scalar: Any = value if isinstance(value, bool) else _clean_scalar(str(value))
    if type_name == "flag":
        return bool(value)
    if name == "revision_count" and isinstance(scalar, str) and scalar.startswith("+"):
        if scalar == "+1":
            return _Increment()
        raise refuse(
            f"revision count {scalar!r}: only +1 (one more revision) or a whole number is accepted", command
        )
    if type_name not in ENUMS:
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
        known: dict[str, str] = data["known_names"]["state_type"]
        if lowered in known:
            return known[lowered]
        agent = _agent_or_none(value)
        if agent is not None and (" " in value or lowered != agent or agent in ("pm", "orchestrator")):
            return agent
        return lowered.replace(" ", "_") if " " in lowered else value
    if name == "skill_name":
        known = data["known_names"]["skill_name"]  # the same type as state_type's above
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
            f"{_label_of(name).lower()} {text!r} is an unfilled placeholder; give the real value",
            command,
            kind="placeholder",
        )


def _text_value(value: str, data: dict[str, Any]) -> str:
    """A text value without surrounding blank lines, quotes, or a trailing explanation paragraph."""
    text = value.strip("\n").strip()
    if text[:1] in "|>" and text[1:].lstrip(" -+").startswith("\n"):  # a YAML block: "Content: |"
        import textwrap

        text = textwrap.dedent(text.split("\n", 1)[1]).strip()
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
        raise refuse(f"no {what} given", command, kind="missing")
    if text[0] not in "{[":
        _check_placeholder(name, text, data, whole=True, command=command)
    start = min([i for i in (text.find("{"), text.find("[")) if i >= 0] or [0])
    if text[:start].strip():
        raise refuse(
            f"{what} is not valid JSON: it starts with {_shorten(text, 30)!r}", command, kind="invalid_value"
        )
    try:
        parsed, end = json.JSONDecoder().raw_decode(text, start)
    except RecursionError:
        raise refuse(f"{what} is nested too deeply to be stored", command, kind="invalid_value") from None
    except ValueError:
        _check_placeholder(name, text, data, whole=True, command=command)
        try:
            parsed = parse_json_text(text[start:], what)
        except BazingaError as error:
            raise refuse(error.message, command, kind="invalid_value") from None
        end = len(text)
    rest = text[end:].strip()
    if rest and rest[0] in ',]}:"':
        raise refuse(
            f"{what} is not valid JSON: unexpected {rest[:20]!r} after the object",
            command,
            kind="invalid_value",
        )
    try:
        parse_json_text(text[start:end], what)  # strict: no NaN / Infinity
        payload = next(a["payload"] for a in COMMANDS[command]["args"] if a["name"] == name)
        check_payload(payload["kind"], str(done.get(payload["name_from"], "")), parsed, what)
    except BazingaError as error:
        # every cause, best first, as the CLI lists them; the hint stays the request form that works
        raise refuse(error.message, command, details=tuple(error.details), kind="invalid_value") from None
    return parsed


def understand(text: str, known_sessions: list[str] | None = None) -> tuple[str, dict[str, Any]]:
    """parse(text), then the one check that needs the database's session ids (read by the caller)."""
    command, args = parse(text)
    check_session_typo(command, args, known_sessions)
    return command, args


def check_session_typo(command: str, args: dict[str, Any], known: list[str] | None) -> None:
    """Refuse a session id that does not exist but is one or two edits from one that does.

    Such an id is a typo until the agent says otherwise (by creating the session): a write would
    otherwise auto-create a session beside the real one. ``known`` is the database's session ids (None
    when there is no database yet). create-session itself is how an agent says the new id is meant.
    """
    session_id = args.get("session_id")
    if not known or not isinstance(session_id, str) or command == "create-session" or session_id in known:
        return
    best = None
    for existing in known:
        distance = _edit_distance(session_id, existing, 2)
        # ids of a few characters ('s_1', 's_2') are far apart even one edit away
        if distance <= 2 and 3 * distance < len(session_id) and (best is None or distance < best[0]):
            best = (distance, existing)
    if best is not None:
        raise refuse(
            f"session {session_id!r} does not exist; did you mean {best[1]!r}?",
            hint=f"Send the request again with Session ID: {best[1]}.\nIf {session_id!r} is a new session, "
            "create it first:\n"
            + request_form("create-session").replace("bazinga_20250113_143530", session_id),
            kind="typo_session",
        )


def _edit_distance(first: str, second: str, bound: int) -> int:
    """Levenshtein distance, or bound + 1 as soon as it is certain to exceed bound."""
    if abs(len(first) - len(second)) > bound:
        return bound + 1
    previous = list(range(len(second) + 1))
    for i, char in enumerate(first, 1):
        current = [i]
        for j, other in enumerate(second, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]


def dry_run(text: str) -> dict[str, Any]:
    """The dry-run result of a request: {"command": ..., "args": {...}}."""
    command, args = parse(text)
    return {"command": command, "args": args}
