"""Stage 1b, locate: the request inside the prose an agent writes around it.

Agents write their request in the middle of their own output: paragraphs saying what they did before
it ("All developers have reported in. …"), a sign-off after it ("I'll keep watching the nightly runs.",
"Ping me if anything looks off."). The request is where its *head* is: the words that address the skill
and ask for an operation -- "bazinga-db, …", "please" (or "could you") then a verb, or a clause opened by
an operation verb ("Log a decision for …", "…: get the logs of …") -- with an object after the verb (an
operation noun, an id, a quoted or JSON value). Narrative says "I …", "we …", "the build …": a verb after
a subject is never a head.

What is dropped, and only when it is certainly no part of the request:

- before the head: lines (and the words of the head's line before it) that give no value -- no digit, no
  ``_`` id, no quote, JSON or label of the skill; a text whose head comes after such a value, or whose head
  only says "log it" (what "it" is stands before), is left whole;
- after it: a paragraph (or, when the request's last value is complete, a line) that signs off --
  ``trailing_prose`` and ``sign_offs`` of phrasings.json -- or, after a complete request, narrative that
  names nothing the skill stores. A content value goes on over paragraphs as before.

A second head outside the request ("Also mark group_b failed." before or after it) is a second operation:
refused, whatever the prose around it. A text with nothing to drop is left as it is.

A report full of values (a timeline, a table, a log, a review) before a request that stands on its own --
addressed to the skill ("bazinga-db, …", "@bazinga-db …") or an imperative paragraph, naming what it acts on
itself and not pointing back at the report ("log it", "the above", "these results") -- is context: dropped
(``in_report``). When the request points back, or a label of the skill stands in the report, the text is
read whole as before. Before a request addressed to the skill, a verb word opening a heading or a
narrative sentence ("Run metrics:", "Open question for the PM later: …") is context; a line that asks an
operation itself ("Mark group_c failed.", "Save the following: {…}") is a second one. A line of prose with
no value ending with a colon ("All green, so:") after pasted output introduces the imperative under it;
whole sentences with values before a "please" request are context when that request gives every value of
its operation and they name no session, group or agent. After lines of pasted output only (each opened by a
bracketed tag, a time stamp or a log level: "[dashboard] sessions panel: 3 active, …"), a last line naming a
read by its object ("-> need fresh numbers: token summary for sess_beta by agent_type") is the request
(``_named_read``); a line of the paste asking an operation itself makes two.

Labels first and the verb on the last line ("Skill: …" / "Output: {…}" / "Please save this skill
output.") is the same request written in another order: the head line is put first. So is an
introduction of who speaks ("I'm qa_3, a QA agent, on iteration 2 of session s_1: log \"…\"", "In s_1,
iteration 5, developer_2 says: \"…\" Log it."): the request's sentence first, then the introduction's
values as label lines -- read only when every part of it is an agent, an iteration or a session.

When all of this leaves the text refused (its first sentence names no operation), ``request_after_context``
looks at the last line: a request opening there with its operation (an imperative, "please", "bazinga-db",
the command line, a read named by its object, SQL; after a tag, a pointer, a sentence or a lead-in ending
with a colon or an arrow) that reads alone as one whole operation is taken, when the context before it
certainly asks nothing (no imperative, no verb that changes what the skill stores unless it is the
request's own kind, no sentence that reads alone as an operation) and gives none of its values (no session,
group, agent, status, time, JSON or counted number the request leaves out or gives otherwise; no plain
number in prose before a read that takes a limit). HTTP access lines and a traceback's lines are output.
"""

from __future__ import annotations

import re

from ..errors import RequestNotUnderstood
from ..vocabulary import AGENT_TYPES, COMMANDS, ENUMS
from . import regex_cache as rx
from .lexicon import (
    AGENT_ID_SHAPE,
    GROUP_ID,
    LABEL_LINE,
    SESSION_SHAPE,
    Lazy,
    agent_in,
    agent_or_none,
    agent_prefix,
    agents_in,
    asks_about_record,
    function_words,
    label_key,
    refuse,
    strip_quoted,
    tables,
    words_of,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

# where a clause starts: the line's start (after a bullet), after a sentence's end, a colon, a semicolon
_CLAUSE_START = Lazy(r"^[\s>*#\u2022-]*|(?<=[.!?])[\"')\]]*\s+|:\s+|;\s+|\s[-\u2013\u2014]+\s+")
_POLITE = Lazy(
    r"(?i)(?<![\w-])(?:please|pls|plz|kindly|(?:could|can|would|will)\s+you(?:\s+please)?)\s+(?=[a-z])"
)
_ADDRESS = Lazy(r"(?i)(?<![\w-])@?bazinga[-_ ]db\b\s*[,:\u2014-]?\s*")
_CONNECTORS = function_words("connectors")
_PRONOUNS = function_words("pronouns")
_VALUE = Lazy(r"[\d_\"\u201c\u201d{}\[\]`]")
_SENTENCE = Lazy(r"(?<=[.!?])\s+(?=[A-Z])")
# a tool's output, never an imperative whatever its first word: a table row ("| check | result |"), a frame
# of a Python traceback ('  File "app/db.py", line 57, in execute'), a row of a summary with dotted leaders
_OUTPUT_LINE = Lazy(
    r'^\s*\|.*\|\s*$|^\s*File\s+"[^"]*",\s+line\s+\d+|^\s*[^\s.][^.\n]*?\s\.{4,}\s*\S',
    needs=("|", "File", "...."),
)
# "Run started: 10:14", "Build finished: ok": the verb's word is a noun, the participle after it its verb
_PARTICIPLE_HEADING = Lazy(r"^\s+[a-z]+ed\s*:", needs=("ed",))
# a line of a tool's output that names no request whatever its words: an HTTP access log line ("GET
# /api/sessions/s_1 200 12ms"), a traceback's first or last line ("Traceback (most recent call last):",
# "playwright._impl._errors.TimeoutError: Timeout 30000ms exceeded.")
_ACCESS_LINE = Lazy(
    r"^\s*(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+/\S*"
    r"|^\s*Traceback \(most recent call last\):"
    r"|^\s*(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception):\s",
    needs=("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "Traceback", "Error", "Exception"),
)


def _is_label_line(line: str, data: dict[str, Any]) -> bool:
    match = LABEL_LINE.match(line)
    return match is not None and label_key(match.group(1)) in data["_label"]


def _verb_at(words: list[str], data: dict[str, Any]) -> int:
    """How many words the operation verb at the start of ``words`` takes (0: none). A form in -ing is no
    imperative ("Refreshing the board …")."""
    verbs = data["_verb"]
    if len(words) > 1 and " ".join(words[:2]) in verbs:
        return 2
    if words and words[0] in verbs and not words[0].endswith("ing"):
        return 1
    return 0


def _object_after(rest: str, data: dict[str, Any]) -> str | None:
    """'object' when the clause after a verb names what to act on (an operation noun, an id, a quoted or
    JSON value, a body after a colon), 'pronoun' when it only says "it" / "this", else None."""
    clause = _SENTENCE.split(rest, 1)[0]
    body = rx.search(r"[\"\u201c{]|:\s*\S|:\s*$", clause) is not None
    words = words_of(clause)
    nouns, report, names = data["_noun"], data["_report"], data["_command_names"]
    if words and words[0] in _PRONOUNS:
        # "log it for s_1", "save this for me": what "it" is stands elsewhere; "log this QA result" names it
        named = []
        for word in words[1:]:
            if word in function_words("object_ends"):
                break
            named.append(word)
        if not body and not any(w in nouns or w in report for w in named):
            return "pronoun"
    if body:
        return "object"
    for index, word in enumerate(words):
        if word in nouns or word in report or word in names or " ".join(words[index : index + 2]) in nouns:
            return "object"
        if GROUP_ID.match(word) or SESSION_SHAPE.fullmatch(word):
            return "object"
    if _PRONOUNS & set(words[:3]):
        return "pronoun"
    return None


def head_in(line: str, data: dict[str, Any]) -> tuple[int, str] | None:
    """Where the first head of a line starts, and what its verb acts on ('object' or 'pronoun')."""
    for start, what, _verb, _rest in _heads_in(line, data):
        return start, what
    return None


def _heads_in(line: str, data: dict[str, Any]) -> Iterator[tuple[int, str, str, str]]:
    """Every head of a line, in order: where it starts, what its verb acts on, the verb, the words after
    it."""
    if _OUTPUT_LINE.match(line) or _ACCESS_LINE.match(line):
        return
    starts = sorted(
        {m.end() for m in _CLAUSE_START.finditer(line)}
        | {m.start() for m in _POLITE.finditer(line)}
        | {m.start() for m in _ADDRESS.finditer(line)}
    )
    for start in starts:
        at = start
        address = _ADDRESS.match(line, at)
        if address:
            at = address.end()
        polite = _POLITE.match(line, at)
        if polite:
            at = polite.end()
        words = words_of(line[at:])
        skipped = 0
        while skipped < len(words) - 1 and words[skipped] in _CONNECTORS:
            skipped += 1
        size = _verb_at(words[skipped:], data)
        if not size:
            continue
        verb = words[skipped + size - 1]
        verb_end = rx.search(r"(?i)(?<![\w'])" + re.escape(verb) + r"(?![\w'])", line[at:])
        rest = line[at + verb_end.end() :] if verb_end else line[at:]
        if rest.lstrip().startswith(":") or _PARTICIPLE_HEADING.match(rest):
            continue  # "Note: staging is down.", "Run started: 10:14": a heading, not an imperative
        what = _object_after(rest, data)
        if what is not None:
            yield start, what, " ".join(words[skipped : skipped + size]), rest


# words that stand for the value a body after a colon gives: "log the following: …", "save all of this: …"
_DEICTIC = function_words("deictic")


def _operation_in(text: str, data: dict[str, Any]) -> bool:
    """A line of the prose before a request addressed to the skill asks for an operation itself: a head
    whose verb acts on what the skill stores -- an operation noun, an id ("mark group_a completed", "log
    the tokens"), "it" / "this" or a body it points at ("Log the following: …") -- or whose verb only
    writes or deletes ("Save everything below: {…}"). A verb word opening a heading or a narrative sentence
    whose words before its colon or quote name nothing of the skill ("Run metrics:", "Open question for
    the PM later: …", "Read the requirements (\"…\") and split them three ways:", "What the card shows
    right now:") asks for nothing -- when the line alone, read as a request, names no operation either. So
    does an item of the writer's plan whose verb, with what follows, names no operation of the skill ("1.
    Keep developer_1 on group_a fixes": no verb that only writes, no delete, and no operation recognised in
    the clause alone); "1. Mark group_a completed" asks one."""
    from . import parse  # the clause alone, read as a request of its own (one line: no preface again)

    for start, what, verb, rest in _heads_in(text, data):
        if (
            what == "object"
            and verb not in data["_write_markers"]
            and data["_verb"].get(verb) != "delete"
            and _names_no_operation(text[start:])
        ):
            continue  # "1. Keep developer_1 on group_a fixes": the writer's plan, no operation of the skill
        if (
            what == "pronoun"
            or verb in data["_write_markers"]
            or data["_verb"].get(verb) == "delete"
            or not _body_only(rest, data)
        ):
            return True
        try:
            parse(text[start:])
        except RequestNotUnderstood as error:
            if error.code in ("not_understood", "unsupported"):
                continue  # "Read the requirements … and split them": no operation of this skill
        return True
    return False


def _names_no_operation(clause: str) -> bool:
    """The clause alone names no operation of this skill: its verb and object are refused as one ("Keep
    developer_1 on group_a fixes": no operation recognised). An operation recognised, whatever its values
    ("Mark group_a completed", "Log tokens for developer_1"), is one."""
    from .intent import intent_of  # the clause alone (one line: no preface, no recursion)
    from .split import split

    lines = [clause.strip()]
    try:
        head, label_lines, _start = split(lines)
        intent_of(head, label_lines, lines)
    except RequestNotUnderstood as error:
        return error.code == "not_understood"
    return False


def _body_only(rest: str, data: dict[str, Any]) -> bool:
    """The words after a verb are an object only for the body after their colon or quote (no operation
    noun, report noun, id or pronoun anywhere in the clause), and the words before that body are a noun
    phrase of their own ("metrics:", "question for the PM later:"), not a word standing for the body
    ("the following:", "this:")."""
    clause = _SENTENCE.split(rest, 1)[0]
    body = rx.search(r"[\"\u201c{]|:\s*\S|:\s*$", clause)
    if body is None:
        return False
    words = words_of(clause)
    nouns, report, names = data["_noun"], data["_report"], data["_command_names"]
    for index, word in enumerate(words):
        # "Read the requirements (…)": a session's field is an object only with its session's id
        named = nouns.get(word) or nouns.get(" ".join(words[index : index + 2]))
        if (named and named != "session_field") or word in report or word in names:
            return False
        if GROUP_ID.match(word) or SESSION_SHAPE.fullmatch(word):
            return False
    before = set(words_of(clause[: body.start()]))
    return bool(before - data["_articles"] - _PRONOUNS - _BACK - _DEICTIC)


def _droppable(text: str, data: dict[str, Any]) -> bool:
    """Words before the head that give the request nothing: no value, no label of the skill, no question
    about the record ("did you log it?" asks a read: never prose to drop)."""
    return not text.strip() or (
        not _VALUE.search(text) and not _is_label_line(text, data) and not asks_about_record(text)
    )


def _signs_off(
    text: str, data: dict[str, Any], *, closed: bool, narrative: bool = True, told: bool = False
) -> bool:
    """A paragraph or line after the request that is no part of it: the writer's next step or thanks
    (always), or -- after a complete request -- narrative that names nothing the skill stores. After a
    complete request standing on its own in a report (``told``), the writer's next step may name values
    ("After that I'll wait for QA on group_b.")."""
    lowered = text.strip().lower().lstrip("(*_> ")
    if head_in(text, data) is not None:
        return False
    if _VALUE.search(text):
        starts = tuple(data["trailing_prose"]) + tuple(data["sign_offs"])
        return told and closed and lowered.startswith(starts)
    if lowered.startswith(tuple(data["trailing_prose"])):
        return True
    if not closed:
        return False  # a content goes on over paragraphs: only what never is content ends it
    if lowered.startswith(tuple(data["sign_offs"])):
        return True
    if not narrative or rx.match(r"\s*[A-Za-z][\w '-]{0,30}:", text):
        return False  # "Priority: high": a label, refused by name if the operation does not take it
    words = words_of(text)
    stores = data["_noun"].keys() | data["_report"] | _agent_words(data) | data["_verb"].keys()
    return not any(w in stores for w in words)


# the text values: a label of one of them opens a value that goes on over lines
COMMANDS_TEXT = {
    spec["name"] for command in COMMANDS.values() for spec in command["args"] if spec["type"] == "text"
}


def _agent_words(data: dict[str, Any]) -> set[str]:
    names = {*AGENT_TYPES["documented"], *AGENT_TYPES["aliases"], *data["agent_roles"]["roles"]}
    return {word for name in names for word in name.replace("_", " ").lower().split()} - {"lead"}


def _closed(lines: list[str], data: dict[str, Any]) -> bool:
    """The request's last value is complete: JSON or a quote closed, or no text value is open (a
    label of a text value, or words after the head's colon, go on over paragraphs)."""
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    if lines[0].rstrip().endswith(":"):
        return False  # "…, iteration 4:" then the text, the SQL, the JSON on the next lines
    if last[-1:] in ("}", "]", '"', "\u201d") or last[-2:] in ('".', "}."):
        return True
    if len(lines) > 1:
        match = LABEL_LINE.match(last)
        named = data["_label"].get(label_key(match.group(1)), []) if match else []
        return bool(named) and not COMMANDS_TEXT & set(named)  # "Status: completed" ends it; "Content: …" not
    unquoted = rx.sub(r"[\"\u201c][^\"\u201d]*[\"\u201d]|\{.*\}", "", lines[0])
    return not rx.search(r":(?:\s|$)", unquoted)


def _paragraphs(lines: list[str]) -> list[list[int]]:
    out: list[list[int]] = []
    for index, line in enumerate(lines):
        if not line.strip():
            if out and out[-1]:
                out.append([])
            continue
        if not out:
            out.append([])
        out[-1].append(index)
    return [p for p in out if p]


def labels_first(lines: list[str], data: dict[str, Any]) -> list[str] | None:
    """'Skill: …' / 'Session: …' / 'Output: {…}' / 'Please save this skill output.': the head on the last
    line, every line before it the skill's labels and their values: the head line first."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 2 or not _is_label_line(lines[filled[0]], data):
        return None
    last = filled[-1]
    found = head_in(lines[last], data)
    if found is None or found[0] != 0 or _is_label_line(lines[last], data):
        return None
    for index in filled[1:-1]:
        other = head_in(lines[index], data)
        if other is not None and other[0] == 0 and not _is_label_line(lines[index], data):
            return None  # "Session: s_1 / Log tokens 500 for qa / get the session": two operations
    return [lines[last]] + [line for i, line in enumerate(lines) if i != last]


_SELF = Lazy(
    r"(?i)^\s*(?:(?:hi|hello|hey)[,!]?\s+)?(?:this is|i'm|i am|it's|here's)\s+"
    r"(?P<intro>[^:\"\u201c]+?)(?:\s+[-\u2013\u2014]+\s+|:\s+|\.\s+)(?P<rest>\S.*)$"
)
_SAYS = Lazy(
    r"(?i)^(?P<intro>[^\"\u201c:]+?)\s+(?:says|said|reports|reported|writes|wrote|notes|noted)"
    r"(?P<more>[^\"\u201c:]*?)\s*(?::|\bthat)\s*(?P<quote>[\"\u201c][^\"\u201d]+[\"\u201d])\s*[.!]?\s*$"
)
_ITERATION = Lazy(
    r"(?i)^(?:(?:on|at|in)\s+)?iteration\s+#?(\d+)(?:\s+(?:of|in|for)\s+(?:session\s+)?(\S+))?$"
)
_SESSION = Lazy(r"(?i)^(?:(?:in|of|for|on)\s+)?(?:the\s+)?(?:session\s+)?(\S+)$")


def _introduced(intro: str, data: dict[str, Any]) -> list[str] | None:
    """'pm_main, on iteration 5 of s_1', 'qa_3, a QA agent', 'requirements_engineer_1
    (requirements_engineer)', 'in session s_1, iteration 5, developer_2': who speaks, where and when, as
    label lines; None when any part of it is not one of these (a value it gives would be dropped)."""
    labels: dict[str, str] = {}

    def put(label: str, value: str) -> bool:
        if labels.get(label, value).lower() != value.lower():
            return False  # two of one kind: not an introduction to read
        labels[label] = value
        return True

    at_work = "|".join(
        re.escape(w) for w in sorted(data["introduction_at_work"]["words"], key=len, reverse=True)
    )
    split = (
        r",|\(|\)|\s+and\s+|\s+(?=(?:on|at|in)\s+iteration\b|(?:in|of|for)\s+session\b"
        r"|(?:" + at_work + r")\s+(?:on|in)\s)"
    )
    parts = [p.strip() for p in rx.split(split, intro.strip().rstrip(".")) if p.strip()]
    for part in parts:
        # "developer_2 working on sess_alpha": where the speaker works is the session
        part = rx.sub(r"(?i)^(?:" + at_work + r")\s+(?=(?:on|in)\s)", "", part)
        bare = rx.sub(r"(?i)^(?:the|a|an|our|your)\s+|\s+(?:agent|here)$", "", part).strip()
        iteration = _ITERATION.match(part)
        session = _SESSION.match(part)
        if iteration:
            ok = put("Iteration", iteration.group(1))
            if iteration.group(2):
                ok = ok and SESSION_SHAPE.fullmatch(iteration.group(2).rstrip(".")) is not None
                ok = ok and put("Session ID", iteration.group(2).rstrip("."))
        elif AGENT_ID_SHAPE.fullmatch(bare.lower()) and agent_prefix(bare.lower()):
            ok = put("Agent ID", bare.lower()) and put("Agent Type", str(agent_prefix(bare.lower())))
        elif agent_or_none(bare) is not None and (
            agent_or_none(bare) in AGENT_TYPES["documented"]
            or agent_or_none(bare) in data["agent_roles"]["roles"]
        ):
            ok = put("Agent Type", str(agent_or_none(bare)))
        elif session and SESSION_SHAPE.fullmatch(session.group(1).rstrip(".")) and "_" in session.group(1):
            ok = put("Session ID", session.group(1).rstrip("."))
        else:
            return None
        if not ok:
            return None
    if not labels or ("Agent ID" not in labels and "Agent Type" not in labels):
        return None  # an introduction says who speaks
    return [f"{label}: {value}" for label, value in labels.items()]


def introduction(lines: list[str], data: dict[str, Any]) -> list[str] | None:
    """Who speaks, where and when, said before (or around) a one-line request: "This is pm_main, on
    iteration 5 of s_1 - please log that \"…\"", "I'm qa_3, a QA agent, on iteration 2 of session s_1: log
    \"…\"", "In session s_1, iteration 5, developer_2 (developer) says: \"…\" Log it.", "Log an
    interaction: developer_2, a developer, reported on iteration 6 in s_1 that \"…\"". Its values belong to
    the request: the request's sentence, then them as label lines (and what was said as its content)."""
    filled = [line for line in lines if line.strip()]
    if len(filled) != 1:
        return None
    line = filled[0].strip()
    own = _SELF.match(line)
    if own:
        found = head_in(own.group("rest"), data)
        said = _introduced(own.group("intro"), data) if found and found[0] == 0 else None
        return [own.group("rest")] + said if said else None
    told = rx.match(r"(?P<said>.+[\"\u201d]\s*[.!]?)\s+(?P<head>\S[^\"\u201c\u201d]*)$", line)
    if told:  # '… says: "…" Log it.'
        found = head_in(told.group("head"), data)
        says = _SAYS.match(told.group("said"))
        if found and found[0] == 0 and found[1] == "pronoun" and says:
            said = _introduced(says.group("intro") + "," + says.group("more"), data)
            if said:
                return [told.group("head")] + said + ["Content: " + says.group("quote")]
    head, colon, body = line.partition(": ")
    says = _SAYS.match(body) if colon else None
    found = head_in(head, data) if says else None
    if says and found and found[0] == 0:  # 'Log an interaction: developer_2 … reported … that "…"'
        said = _introduced(says.group("intro") + "," + says.group("more"), data)
        if said:
            return [head + ":"] + said + ["Content: " + says.group("quote")]
    return None


def locate(lines: list[str], data: dict[str, Any]) -> list[str]:
    """The request's lines without the prose around it (see the module's doc); the lines as they are when
    there is nothing to drop or what to drop is not certain."""
    found = _locate(lines, data)
    return _lead_in(found, data) or found


def _lead_in(lines: list[str], data: dict[str, Any]) -> list[str] | None:
    """'Please log the review verdict: set last_review_status for group_a in s_1 to APPROVED.': a lead-in
    naming a value ("verdict", "review status"), then after its colon an imperative whose operation writes
    that very value -- the imperative is the request. None when the operation after the colon writes
    another value (or none): the colon's words stay the lead-in's content, as before."""
    filled = [line for line in lines if line.strip()]
    if len(filled) != 1 or ":" not in filled[0]:
        return None
    line = filled[0].strip()
    head = head_in(line, data)
    colon = rx.match(r"(?P<lead>[^:\"\u201c{]+?):\s+(?P<rest>\S.*)$", line[head[0] :]) if head else None
    if colon is None or not _droppable(colon.group("lead"), data):
        return None  # "log group_b's verdict: …": a value in the lead-in is never dropped
    words = words_of(colon.group("lead"))
    names = {
        name
        for index in range(len(words))
        for name in data["_label"].get(label_key(" ".join(words[index:])), [])
        if name not in COMMANDS_TEXT
    }
    rest = colon.group("rest")
    after = head_in(rest, data) if names else None
    if after is None or after[0] != 0:
        return None
    from . import parse  # the imperative alone, read as a request of its own (one line: no lead-in again)

    try:
        command, args = parse(rest)
    except RequestNotUnderstood:
        return None
    return [rest] if COMMANDS[command]["kind"] == "write" and names & args.keys() else None


def _locate(lines: list[str], data: dict[str, Any]) -> list[str]:
    moved = labels_first(lines, data) or introduction(lines, data)
    if moved is not None:
        return moved
    head: tuple[int, int, str] | None = None
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if _is_label_line(line, data):
            return lines  # a value before any head: the request starts with it
        found = head_in(line, data)
        if found is not None and _context_before_address(lines, index, found[0], data):
            return in_report(lines, data) or lines  # "Check list from the retro:" … "bazinga-db, …"
        if found is not None:
            head = (index, found[0], found[1])
            break
        if not _droppable(line, data):
            return in_report(lines, data) or lines
    if head is None:
        return in_report(lines, data) or lines
    at, start, what = head
    prefix = lines[at][:start]
    if not rx.search(r"[A-Za-z]", prefix):
        start, prefix = 0, ""  # "**get session** …": emphasis, no words before the head
    if what == "pronoun" or (
        prefix.strip()
        and (
            not _droppable(prefix, data)
            or len(words_of(prefix)) <= 3  # "QA: …", "Hi bazinga-db, …": who speaks, a greeting
            or _agent_words(data) & set(words_of(prefix))
        )
    ):
        return in_report(lines, data) or lines  # "… Please log it.": what "it" is stands before the head
    dropped = any(line.strip() for line in lines[:at]) or bool(lines[at][:start].strip())
    # "QA here." / "From the tech lead:" on a line of its own: who speaks, kept as the speaker of the request
    speakers = [
        line for line in lines[:at] if len(words_of(line)) <= 4 and _agent_words(data) & set(words_of(line))
    ]
    if len(speakers) > 1:
        return lines
    who = None
    if speakers:
        who = agent_in(speakers[0])
        if who is None:
            return lines
    return _request_at(lines, at, start, data, dropped=dropped, speaker=who)


def _context_before_address(lines: list[str], index: int, start: int, data: dict[str, Any]) -> bool:
    """The head found first is no request addressed to the skill and asks for no operation (a heading or
    narrative opened by a verb word, see ``_operation_in``), and a request addressed to the skill follows
    it: read as prose before that request."""
    if _ADDRESS.match(lines[index], start):
        return False
    addressed = any(
        _ADDRESS.match(line, found[0])
        for line in lines[index + 1 :]
        if line.strip()
        for found in [head_in(line, data)]
        if found is not None
    )
    return addressed and not _operation_in(lines[index], data)  # (the line alone: nothing follows it)


def _request_at(
    lines: list[str],
    at: int,
    start: int,
    data: dict[str, Any],
    *,
    dropped: bool,
    speaker: str | None = None,
    report: bool = False,
) -> list[str]:
    """The request from its head (line ``at``, column ``start``) on: the lines after it in its paragraph
    and the paragraphs after that, less a sign-off; a second head after it is a second operation."""
    paragraphs = _paragraphs(lines)
    own = next(p for p in paragraphs if at in p)
    request = [lines[at][start:]]
    if speaker is not None:
        request[0] = f"{speaker}: {request[0]}"
    tail = [i for i in own if i > at]
    # lines after the head in its paragraph: the request's, unless they sign off a complete request
    while tail and _closed(request + [lines[i] for i in tail[:-1]], data):
        if not _signs_off(lines[tail[-1]], data, closed=True, narrative=False, told=report):
            break
        tail.pop()
        dropped = True
    request += [lines[i] for i in tail]
    # the head's paragraph signed off: what follows is no part of the request either
    cut = len(tail) < len([i for i in own if i > at])
    second = None
    for paragraph in paragraphs[paragraphs.index(own) + 1 :]:
        text = [lines[i] for i in paragraph]
        joined = " ".join(line.strip() for line in text)
        if not cut and (
            _is_label_line(text[0], data)
            or text[0].lstrip()[:1] in ("{", "[")
            or request[-1].rstrip().endswith(":")
        ):
            request += [""] + text
            continue
        if _signs_off(joined, data, closed=_closed(request, data), told=report) and all(
            head_in(line, data) is None for line in text
        ):
            cut = dropped = True
            continue
        if any(head_in(line, data) is not None for line in text):
            second = second or joined
            continue
        if cut:
            return lines  # a value after the sign-off: not certain what belongs to the request
        request += [""] + text
    if second is not None:
        if dropped:
            raise refuse(
                f"the text holds a second request ({second[:60]!r}) besides the one it makes; send one "
                "request per operation",
                kind="two_operations",
            )
        return lines
    return request if dropped else lines


# words that point back at the prose before the request: what they name is there, not in the request
_BACK = function_words("back")
_DEMONSTRATIVES = function_words("demonstratives")
# words before a head that only join it to the prose: "so, bazinga-db please …", "ok - log …"
_JOINERS = function_words("joiners")
# words opening a head that say it follows another request: "Then mark …", "Also log …"
_SEQUENCE = function_words("sequence")


def _command_head(line: str) -> tuple[int, str] | None:
    """A line written as the CLI's command line ('save-skill-output s_1 scan {…}', 'bazinga-db log-tokens
    s_1 qa 4480'): a head acting on its values."""
    address = _ADDRESS.match(line, len(line) - len(line.lstrip()))
    rest = line[address.end() :] if address else line
    first = rest.split(None, 1)[0] if rest.strip() else ""
    start = address.start() if address else len(line) - len(line.lstrip())
    return (start, "object") if first in COMMANDS and first != rest.strip() else None


def _wish_head(lines: list[str], data: dict[str, Any]) -> tuple[int, int, str] | None:
    """A read said as a wish in the last paragraph, a line of its own ("need the task groups of s_1 that are
    in progress", "Looking for the logs of s_1."): a head when it names what it reads -- a determiner or an
    operation noun right after the wish -- and no write verb (``wish_openers`` of phrasings.json)."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 2 or filled[-1] - 1 in filled:
        return None
    at = filled[-1]
    line = lines[at]
    words = words_of(line)
    for opener in sorted(data["wish_openers"]["words"], key=len, reverse=True):
        size = len(opener.split())
        if words[:size] != opener.split() or len(words) <= size:
            continue
        after = words[size]
        if after not in function_words("wished_for") and after not in data["_noun"]:
            return None  # "need to …", "need help": no read named
        # "need the group marked completed": a write is never read from a wish ("… before I file it": a story)
        if any(word in data["_verb"] for word in words_of(_story_dropped(line, data))[size:]):
            return None
        begin = rx.search(r"(?<![\w'])" + re.escape(after) + r"(?![\w'])", line.lower())
        if begin is None or _object_after(line[begin.start() :], data) != "object":
            return None
        return at, begin.start(), "object"  # the read from its noun phrase on: "the task groups of s_1 …"
    return None


# a line of pasted output: opened by a bracketed tag ("[dashboard] …", "[14:32:10] …"), a time or date stamp
# or a log level
_PASTED_LINE = Lazy(
    r"^\s*(?:\[[^\]\n]{1,40}\]|\d{1,2}:\d{2}(?::\d{2})?(?![\w:])|\d{4}-\d{2}-\d{2}(?![\w-])"
    r"|(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE)\b)"
)
# what points at the last line of a paste: "-> ", "=> ", "→ ", "> ", a bullet
_POINTER = Lazy(r"^\s*(?:->|=>|\u2192|>+|[-*\u2022])?\s*")


def _named_read(lines: list[str], data: dict[str, Any]) -> tuple[int, int, str] | None:
    """'[dashboard] refresh tick 14:32:10' / '[dashboard] sessions panel: 3 active, …' / '-> need fresh
    numbers: token summary for sess_beta by agent_type': after lines of pasted output (each opened by a
    bracketed tag, a time stamp or a log level, or inside a fenced block) that ask no operation, a last line
    naming a read by its object -- an operation noun first, after a pointer ("->") and a lead-in with no
    value ending with a colon -- is the request; the paste is context. The line must read, alone, as a
    read of this skill: a verbless write ("group_a completed (s_1)") is no read, and the text is read whole.
    A line of the paste that asks an operation itself ("[pm] bazinga-db, mark group_a completed") is a
    second operation: refused."""
    from . import parse  # the last line alone, read as a request of its own (one line: no paste again)

    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 2:
        return None
    at = filled[-1]
    fenced = False
    asked = None
    for index in filled[:-1]:
        line = lines[index]
        if _FENCE_LINE.match(line):
            fenced = not fenced
            continue
        tag = None if fenced else _PASTED_LINE.match(line)
        if not fenced and (tag is None or _is_label_line(line[tag.end() :].lstrip(), data)):
            return None  # prose, or a label of the skill ("[qa] Status: completed"): a value of the request
        if tag is not None and asked is None and head_in(line[tag.end() :], data) is not None:
            asked = line.strip()
    if fenced:
        return None
    line = lines[at]
    start = _POINTER.match(line).end()  # type: ignore[union-attr]  # every line matches (all optional)
    lead = rx.match(r"(?P<lead>[^:\"\u201c{\[]+?):\s+(?=\S)", line[start:])
    if lead is not None:
        if not _droppable(lead.group("lead"), data):
            return None  # "group_a: token summary …": a value before the colon is the request's
        start += lead.end()
    words = [w for w in words_of(line[start:])[:4] if w not in data["_articles"]]
    if not any(" ".join(words[:size]) in data["_noun"] for size in range(1, data["_noun_words"] + 1)):
        return None  # "-> group_a completed (s_1)": no read named by its object
    try:
        command, _args = parse(line[start:])
    except RequestNotUnderstood:
        return None
    if COMMANDS[command]["kind"] != "read" or command == "query":
        return None
    if asked is not None:
        raise refuse(
            f"the text holds a second request ({asked[:60]!r}) besides the one it makes; send one request "
            "per operation",
            kind="two_operations",
        )
    return at, start, "object"


def paste_dropped(lines: list[str], data: dict[str, Any]) -> list[str]:
    """'```' / '$ git log --oneline -3' / '88d21ab chore: bump …' / '```' / 'Work on s_1 is done. Used 14,920
    tokens as developer_1, please log the tokens.': a fenced block of pasted output opening the text, then
    one paragraph asking an operation itself (a head in it, not pointing back at the paste: no "log it",
    "the above", "this output") -- the paste is context and gives the request nothing: dropped. The lines
    as they are when the block holds a value (JSON, SQL), a head or a label of the skill."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 4 or not _FENCE_LINE.match(lines[filled[0]]):
        return lines
    closing = next((i for i in filled[1:] if _FENCE_LINE.match(lines[i])), None)
    if closing is None or closing == filled[-1]:
        return lines
    inner = [lines[i] for i in filled if filled[0] < i < closing]
    if not inner or inner[0].lstrip()[:1] in "{[" or rx.match(r"(?i)\s*(?:select|with)\b", inner[0]):
        return lines
    if any(_is_label_line(line, data) or head_in(line, data) is not None for line in inner):
        return lines
    after = lines[closing + 1 :]
    if len(_paragraphs(after)) != 1 or any(_FENCE_LINE.match(line) for line in after):
        return lines
    request = [line for line in after if line.strip()]
    heads = [(line, found) for line in request for found in [head_in(line, data)] if found is not None]
    if not heads:
        return lines
    line, (start, what) = heads[0]
    if what == "pronoun" or _points_back(line[start:], data):
        return lines  # "Please log this output.": what it is stands in the paste
    return request


def _story_dropped(line: str, data: dict[str, Any]) -> str:
    """'the token summary for s_1 by agent_id to confirm before I file it.': the wish's read without the
    writer's own story after it -- a clause opened by a conjunction, then a subject and its verb ("before I
    file it", "so we can log it"); the line as it is when there is none."""
    subjects = "|".join(re.escape(word) for word in data["wish_openers"]["subjects"])
    joiners = "|".join(re.escape(word) for word in data["wish_openers"]["story_joiners"])
    for told in rx.finditer(
        rf"(?i),?\s+\b(?:{joiners})\s+(?:{subjects})\s+(?:can\s+|could\s+|will\s+)?(\w+)", line
    ):
        if told.group(1).lower() in data["_verb"]:
            return line[: told.start()].rstrip() + "."
    return line


def _points_back(clause: str, data: dict[str, Any]) -> bool:
    """The head's words point at the prose before it: 'log the above', 'save these results', 'record that
    report for s_1' (a demonstrative or 'my'/'the' before a report noun, with no value after it); 'save this
    as PM state for s_1:' + JSON, 'log those 41,250 tokens' name what they act on themselves."""
    sentence = _SENTENCE.split(clause, 1)[0]
    later = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in data["later_clause"]["words"])
    # "… to failed until someone looks at these": what follows says why or until when, not what is written
    sentence = rx.split(r"(?i)\s\b(?:" + later + r")\b", sentence, maxsplit=1)[0]
    if rx.search(r"[\"\u201c{]|:\s*\S|:\s*$", sentence):
        return bool(_BACK & set(words_of(sentence.split(":", 1)[0])))  # the value follows the colon or quote
    words = words_of(sentence)
    if _BACK & set(words):
        return True
    for index, word in enumerate(words[:-1]):
        after = words[index + 1]
        before = words[index - 1] if index else ""
        if word == "that" and (
            before in data["_noun"] or SESSION_SHAPE.fullmatch(before) or GROUP_ID.match(before)
        ):
            continue  # "the task groups (of s_1) that are in progress": a relative clause, no pointing back
        if word in _DEMONSTRATIVES and not after[:1].isdigit():
            return True  # "log these results for s_1": the results stand before
        if word in ("the", "my", "our") and after in data["_report"] and index + 2 == len(words):
            return True  # "log the report": which report stands before
    return bool(words) and words[-1] in _DEMONSTRATIVES


def in_report(lines: list[str], data: dict[str, Any]) -> list[str] | None:
    """The request at the end (or in the middle) of a report full of values -- a timeline, a table, a log,
    a review -- when it stands on its own: addressed to the skill ("bazinga-db, …", "@bazinga-db …") or an
    imperative opening its line, naming what it acts on itself (no "log it", "the above", "these results",
    unless a Content label after it says what "it" is). The report before it is context and gives the
    request nothing. None (the text is read whole, as before) when the request points back at the report
    or a label of the skill stands in it; a second head in the report is a second operation."""
    heads = []
    for index, line in enumerate(lines):
        if line.strip():
            found = head_in(line, data) or _command_head(line)
            if found is not None:
                heads.append((index, found[0], found[1]))
    named = _named_read(lines, data)  # refused when a line of the paste asks an operation itself
    wished = pasted = False
    if not heads:
        wish = _wish_head(lines, data)
        chosen = wish if wish is not None else named
        if chosen is None:
            return None
        heads, wished, pasted = [chosen], True, wish is None
    addressed = [h for h in heads if _ADDRESS.match(lines[h[0]], h[1])]
    if len(addressed) > 1:
        raise refuse(
            "the text holds two requests to bazinga-db; send one request per operation", kind="two_operations"
        )
    at, start, what = addressed[0] if addressed else heads[0]
    line = lines[at]
    whole = False  # the request must give every value of its operation: the sentences before may hold values
    if (
        not wished
        and set(words_of(line[:start])) - _JOINERS
        and not _sentences_before(line[:start], data, addressed=bool(addressed))
    ):
        whole = not addressed and _polite_after_sentences(line, start, data)
        if not whole:
            return None  # "QA: …", "Tests pass for s_1, …": words before the head may be its values
    if (
        not addressed
        and not pasted
        and at
        and lines[at - 1].strip()
        and not _introduced_by_lead_in(lines, at, data)
        and not (whole and _PASTED_LINE.match(lines[at - 1]))  # right under pasted output: its own line
    ):
        return None  # an imperative not addressed to the skill stands on its own only as its own paragraph
    opening = words_of(_ADDRESS.sub("", _POLITE.sub("", line[start:], 1), 1))[:1]
    if opening and opening[0] in _SEQUENCE:
        return None  # "Then mark group_a completed.": it follows a request before it
    for text in lines[:at]:
        words = words_of(text)
        nouns = data["_noun"]
        size = 2 if " ".join(words[:2]) in nouns else 1 if words[:1] and words[0] in nouns else 0
        if (
            size
            and words[size : size + 1] in (["for"], ["of"], ["in"], ["on"], ["from"])
            and not text.lstrip().startswith(("#", "*", "|"))
            and (SESSION_SHAPE.search(text) or any(GROUP_ID.match(w) for w in words))
        ):
            return None  # "Logs for group_a in s_1.": a request said without a verb stands before
    labelled = [text for text in lines[:at] if text.strip() and _is_label_line(text, data)]
    if labelled and not addressed:
        return None  # "Iteration: 3" before the head: a value of the request
    own = next(p for p in _paragraphs(lines) if at in p)
    after = [lines[i] for i in own if i > at]
    clause = line[start:]
    if wished:
        clause = _story_dropped(
            clause.split(",", 1)[0], data
        )  # asides, the writer's story ("… before I file it")
    if what == "pronoun" or _points_back(clause, data):
        content = any(
            COMMANDS_TEXT & set(data["_label"].get(label_key(m.group(1)), []))
            for m in (LABEL_LINE.match(text) for text in after)
            if m
        )
        report = any(text.strip() for text in lines[:at])  # the line alone is read as it is
        told = None if content or not report else _told_before_it(line, start, data)
        if not content and told is None:
            return None  # "Please log it.": what "it" is stands before the head
        before = [h for h in heads if h[0] < at or (h[0] == at and h[1] < start)]
        if told is not None and not before:
            start = told  # "This dig cost 31,400 tokens. bazinga-db, log those tokens …": the line whole
    before = [h for h in heads if h[0] < at or (h[0] == at and h[1] < start)]
    if addressed:
        # before a request addressed to the skill, a heading or narrative opened by a verb word ("Run
        # metrics:", "Read the requirements (…) and split them") is context; an operation asked is not
        before = [
            h
            for h in before
            if _command_head(lines[h[0]]) or _operation_in(lines[h[0]][: start if h[0] == at else None], data)
        ]
    if before:
        raise refuse(
            f"the text holds a second request ({lines[before[0][0]].strip()[:60]!r}) besides the one it "
            "makes; send one request per operation",
            kind="two_operations",
        )
    request = _request_at(lines, at, start, data, dropped=True, report=True)
    if wished and not pasted and len(request) == 1:
        request = [_story_dropped(request[0], data)]
    if whole and not (
        _gives_every_value(request) or _context_gives_nothing(lines[:at] + [line[:start]], request, data)
    ):
        return None
    if labelled and not _gives_own(request, labelled, data):
        return (
            None  # "Iteration: 3" before "bazinga-db, log …" that gives no iteration: read whole, as before
        )
    return request


_FENCE_LINE = Lazy(r"^\s*(```|~~~)", needs=("```", "~~~"))


_TELLING = [False]  # the line of ``_told_before_it`` is being read alone


def _told_before_it(line: str, start: int, data: dict[str, Any]) -> int | None:
    """'Token usage for this turn was 21,750. Please log that as orchestrator tokens for S.', 'This dig cost
    31,400 tokens. bazinga-db, log those tokens for the investigator on s_1.': a head that points back
    ("that", "those tokens") at whole sentences before it on its own line, which say its value without a
    verb. The line read whole (from after a tag or a pointer) is the request when it reads alone as one
    write that uses every number on it: where it starts, else None."""
    from . import parse  # the line alone, read once (a nested look for this returns None)

    base = _request_starts(line)[0] if line.strip() else 0
    prefix = line[base:start]
    if _TELLING[0] or not prefix.strip() or not prefix.rstrip().endswith((".", "!")):
        return None  # "QA passed, log it": no statement of its own before it
    if _is_label_line(prefix, data):
        return None  # "Tokens: 300. Log it": a value labelled, the text's own
    _TELLING[0] = True
    try:
        command, args = parse(line[base:].strip())
    except RequestNotUnderstood:
        return None
    finally:
        _TELLING[0] = False
    if COMMANDS[command]["kind"] != "write" or not _opened_by("head", line[base:], command, args):
        return None
    return base


def _introduced_by_lead_in(lines: list[str], at: int, data: dict[str, Any]) -> bool:
    """'```' / '$ gh pr list' / '#481 …' / '```' / 'Both PRs open. Next step needs the board, so:' then the
    imperative: a line of prose that gives no value and ends with a colon introduces the request on the
    next line, which stands on its own as its own paragraph would -- when the rest of the paragraph above
    is prose with no value or pasted output (a fenced block)."""
    lead = lines[at - 1].rstrip()
    if not lead.endswith(":") or _is_label_line(lead, data) or head_in(lead, data) is not None:
        return False
    if not _droppable(lead, data):
        return False  # "For s_1, iteration 3:": the values of the request on the next line
    fenced = False
    for line in reversed(lines[: at - 1]):
        if not line.strip():
            break
        if _FENCE_LINE.match(line):
            fenced = not fenced
        elif not fenced and not _droppable(line, data):
            return False
    return not fenced


def _sentences_before(prefix: str, data: dict[str, Any], *, addressed: bool) -> bool:
    """Words before the head on its line that are whole sentences of the report ("All done on group_a.
    bazinga-db, log …", "We're going with the managed node group. Log decision for …"): context like the
    lines before it -- when the head is addressed to the skill, or when they give no value; never when they
    name who speaks ("DevOps here. Record …": the agent of the request)."""
    if _agent_words(data) & set(words_of(prefix)):
        return False
    return prefix.rstrip().endswith((".", "!", "?")) and (addressed or _droppable(prefix, data))


def _polite_after_sentences(line: str, start: int, data: dict[str, Any]) -> bool:
    """'After the incident review (INC-2291, 40 min …) we agreed to slow rollouts down. New settings below,
    please store them as config key rollout_config:': whole sentences, then the request's own sentence,
    asked with "please" (or "could you"); words of it before the head give no value and name no agent. The
    sentences name no session, task group or agent (their numbers and dates are the story's)."""
    polite = _POLITE.search(_SENTENCE.split(line[start:], 1)[0])
    if polite is None:
        return False
    prefix = line[:start]
    ends = list(rx.finditer(r"[.!?][\"')\]]*\s+", prefix))
    if not ends and not prefix.rstrip().endswith(","):
        return False  # "lost my scrollback, can you …": a clause of the writer's story before the request
    cut = ends[-1].end() if ends else 0
    sentences, fragment = prefix[:cut], prefix[cut:]
    named = words_of(sentences)
    if (
        SESSION_SHAPE.search(sentences)
        or any(GROUP_ID.match(w) or agent_prefix(w) for w in named)
        or _agent_words(data) & set(named)
    ):
        return False  # "all groups of s_2 approved.": what the skill stores, named before the request
    return _droppable(fragment, data) and not _agent_words(data) & set(words_of(fragment))


def _gives_every_value(request: list[str]) -> bool:
    """The request alone, read as a request of its own, gives a value for every argument its operation
    takes: nothing said before it can be one of its values."""
    from . import parse  # the request alone (it holds no prose before it: no recursion)

    try:
        command, args = parse("\n".join(request))
    except RequestNotUnderstood:
        return False
    return all(spec["name"] in args for spec in COMMANDS[command]["args"])


def _context_gives_nothing(before: list[str], request: list[str], data: dict[str, Any]) -> bool:
    """'watching the run for s_1...' / '[14:02:11] test_a PASSED' / 'lost my scrollback, can you stream the
    latest 40 logs for s_1?': the lines before the request are pasted output (each opened by a time stamp, a
    bracketed tag or a log level) or prose whose every value (a word with a digit or an ``_``) is one the
    request gives itself -- nothing in them can be another value of the request."""
    from . import parse  # the request alone, read as a request of its own (it holds no report: no recursion)

    try:
        _command, args = parse("\n".join(request))
    except RequestNotUnderstood:
        return False
    given = {str(value).lower() for value in args.values()}
    for line in before:
        if not line.strip() or _output_line(line):
            continue  # a time stamp, a tag, a log level, a table row: pasted output
        if _is_label_line(line, data) or head_in(line, data) is not None:
            return False
        if _agent_words(data) & set(words_of(line)):
            return False  # "QA asked for these": who the request may be about
        values = [w for w in words_of(line) if rx.search(r"[\d_]", w)]
        if any(w.strip(".") not in given for w in values):
            return False
    return True


def _gives_own(request: list[str], labelled: list[str], data: dict[str, Any]) -> bool:
    """An addressed request after a report holding labels of the skill ("Verdict: PASS", "Usage: … 37,021
    tokens") stands on its own when each such label is of a value its operation does not take or that the
    request gives itself; a value it takes and leaves to the report ("Iteration: 3" before "bazinga-db, log
    this for s_1: …") is the request's, and the text is read whole; so is one where the report's value is
    another than the request's ("Iteration: 4" before "…, iteration 5: …": which one is not certain)."""
    from . import parse  # the request alone, read as a request of its own (it holds no report: no recursion)

    try:
        command, args = parse("\n".join(request))
    except RequestNotUnderstood:
        return False
    taken = {spec["name"] for spec in COMMANDS[command]["args"]}
    for text in labelled:
        match = LABEL_LINE.match(text)
        names = set(data["_label"].get(label_key(match.group(1)), [])) & taken if match else set()
        said = rx.sub(r"(?<=\d),(?=\d{3})", "", match.group(2)).lower() if match else ""
        for name in names:
            if name not in args or not rx.search(
                r"(?<![\w.])" + re.escape(str(args[name]).lower()) + r"(?![\w.])", said
            ):
                return False
    return True


# what only says where the request starts on its line: "->", "=>", "→"
_ARROW = Lazy(r"(?:->|=>|\u2192)\s*", needs=("->", "=>", "\u2192"))
_NUMBER = Lazy(r"(?<![\w.])\d[\d,.]*(?![\w])")
_TIME = Lazy(r"\d{4}-\d{2}-\d{2}|\b\d{1,2}:\d{2}\b")
# a statement of what to write said without a verb ('group_a completed (s_1)'): never context to drop
_NEVER_GUESSED = "never guessed"
_NOTHING_RECOGNISED = "no operation recognised"


def _output_line(line: str) -> bool:
    """A line of pasted output (a bracketed tag, a time stamp, a log level, a table row, a traceback's
    frame, an HTTP access log line): no sentence of the writer."""
    return bool(_PASTED_LINE.match(line) or _OUTPUT_LINE.match(line) or _ACCESS_LINE.match(line))


def _title_of_output(line: str, data: dict[str, Any]) -> bool:
    """'Dashboard poll summary (every 5s)' over rows of output: the paste's title, part of it -- no sentence
    (no end mark), no id, no value but a duration, no verb of the skill."""
    said = line.strip()
    return (
        not said.endswith((".", "?", "!", ":"))
        and not SESSION_SHAPE.search(said)
        and "_" not in said
        and not _NUMBER.search(said)
        and not any(w in data["_verb"] for w in words_of(said))
    )


def _request_starts(line: str) -> list[int]:
    """Where a request may start on the last line: after a bracketed tag and a pointer ("[dashboard] ->"),
    at a clause's start (after a sentence, a colon, a dash, a comma), at "please" or "bazinga-db", after an
    arrow."""
    tag = _PASTED_LINE.match(line)
    base = tag.end() if tag is not None and line.lstrip().startswith("[") else 0
    base += _POINTER.match(line[base:]).end()  # type: ignore[union-attr]  # every line matches
    starts = {base}
    starts |= {m.end() for m in _CLAUSE_START.finditer(line)}
    starts |= {m.start() for m in _POLITE.finditer(line)} | {m.start() for m in _ADDRESS.finditer(line)}
    starts |= {m.end() for m in _ARROW.finditer(line)}
    starts |= {m.end() for m in rx.finditer(r",\s+", line)}  # after a clause of the story (``_opening``)
    return sorted(s for s in starts if base <= s < len(line) and line[s:].strip())


def request_after_context(text: str) -> tuple[str, dict[str, Any]] | None:
    """'Traceback (…)' / '…' / '3 of 3 retries failed the same way. Please set task group group_c in s_1 to
    failed.': a text whose reading from its first sentence is refused, and whose last line carries a
    request that reads alone as one whole operation (from a clause's start, "please", "bazinga-db", after a
    tag, a pointer or a lead-in ending with a colon or an arrow). What stands before it is context and gives
    the request nothing -- taken only when that is certain:

    - the context asks no operation of this skill: no imperative of an operation, no command line, no
      sentence that reads alone as an operation (for a write: a write, or a value stated without a verb; for
      a read: any operation at all, pasted output aside);
    - the context gives no value the operation takes and the request leaves out: no session, task group or
      agent when the request gives none, no label of a value it does not give (or gives otherwise), no
      number after that value's label ("iteration 2"), no plain number in prose when the operation takes a
      row limit, no word of a status it does not give, no time when it takes one, no JSON;
    - the request does not point back at the context ("log it", "these results") nor follow another one
      ("Then mark …").

    None when any of this fails: the first reading's refusal stands."""
    from . import parse  # the request alone, read as a request of its own (one line, nested: no fallback)

    data = tables()
    lines_as_written = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    raw, set_apart = _fenced_last([line.rstrip() for line in lines_as_written])
    lines: list[str] = []
    output: set[int] = set()
    fenced = False
    for line in raw:
        if _FENCE_LINE.match(line):
            fenced = not fenced
            continue
        if line.strip():
            if fenced or _output_line(line):
                output.add(len(lines))
            lines.append(line)
    if not lines or fenced:
        return None
    output |= {
        index
        for index, line in enumerate(lines[:-3])
        if {index + 1, index + 2} <= output and index not in output and _title_of_output(line, data)
    }
    last = lines[-1]
    if len(last.encode("utf-8", "surrogatepass")) > data["limits"]["max_request_bytes"]:
        return None
    for start in _request_starts(last):
        if start == 0 and len(lines) == 1:
            continue  # the whole text: its refusal stands
        request = last[start:].strip()
        opening = _opening(last[:start], request, data)
        if opening is None:
            continue  # "Finished group_c for s_1. Mark …": the request starts at its operation
        try:
            command, args = parse(request)
        except RequestNotUnderstood:
            return None  # a request from here that is refused: its refusal is the text's
        if not _opened_by(opening, request, command, args):
            return None
        context = lines[:-1] + ([last[:start]] if last[:start].strip() else [])
        own = set(range(len(lines) - 1)) & output
        if _context_certain(context, own, request, command, args, data, set_apart):
            return command, args
        return None
    return None


def query_after_report(text: str) -> tuple[str, dict[str, Any]] | None:
    """'Overview widget is off, it shows 4 active sessions but only 3 cards render.' / 'raw /api/sessions
    payload (trimmed)' / '[{"session_id": …}]' / 'To cross-check, run this query: SELECT …': a query written
    out after its verb on the last line (after a purpose clause, "To cross-check,", or a sentence's end),
    after a report that asks nothing. The statement is the whole request (its rows are the SQL's); the
    report before it is taken as context only when certain (phrasings ``query_after_report``):

    - each line is a JSON payload, a title right above one (no end mark, id, number or verb of the skill),
      or sentences that each state something (one of ``statement_words``) with no verb of the skill, no
      question, no label, no id of a session, group or agent;
    - no number of its sentences may be a row limit: each counts a thing named by the word after it (no
      word of ``not_counted`` or a qualifier, and no row word of ``row_words`` in the two words after it:
      '4 active sessions', '3 cards'; 'Only 3 please', 'the first 5 rows' and '10 is enough' stay);
    - no JSON payload gives a value the query takes ('{"limit": 5}'), and no sentence states a status
      ('The session is completed.').

    None otherwise: the first reading's refusal stands."""
    from . import parse  # the request alone (nested: no fallback)

    data = tables()
    spec = data["query_after_report"]
    lines = [
        line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()
    ]
    if len(lines) < 2 or any(_FENCE_LINE.match(line) for line in lines):
        return None
    last = lines[-1]
    asked = rx.search(
        r"(?i)(?:^|[.!?:]\s+|,\s+)((?:please\s+)?(?:"
        + "|".join(spec["run_verbs"])
        + r")\b[^:]*:\s*(?:select|with)\b.*)$",
        last,
    )
    if asked is None:
        return None
    prefix = last[: asked.start(1)].strip()
    if prefix and not (_BOUNDARY.search(prefix) or rx.fullmatch(spec["purpose"], prefix)):
        return None  # "my tmux died, could you run …": only a sentence's end or a purpose clause before it
    try:
        command, args = parse(asked.group(1))
    except RequestNotUnderstood:
        return None
    if command != "query" or not _SQL_START.match(str(args.get("sql", ""))):
        return None
    context = lines[:-1] + ([prefix] if prefix and not rx.fullmatch(spec["purpose"], prefix) else [])
    payloads = {index for index, line in enumerate(context) if _json_line(line)}
    names = "|".join(re.escape(spec_of["name"]) for spec_of in COMMANDS["query"]["args"])
    if any(rx.search(r"(?i)[\"']\s*(?:" + names + r")\s*[\"']\s*:", context[index]) for index in payloads):
        return None  # '{"limit": 5}' above the query: a value of it, never dropped
    for index, line in enumerate(context):
        if index in payloads:
            continue
        if index + 1 in payloads and _title_of_output(line, data) and not _VALUE.search(line):
            continue  # "raw /api/sessions payload (trimmed)" above the payload
        if not _reports(line, data, spec):
            return None
    return command, args


def _json_line(line: str) -> bool:
    """A line that is one JSON object or array: a pasted payload."""
    import json

    if line[:1] not in "{[":
        return False
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _reports(line: str, data: dict[str, Any], spec: dict[str, Any]) -> bool:
    """A line of the writer's report before a query: sentences stating something, asking nothing."""
    if "?" in line or LABEL_LINE.match(line) or rx.search(r"[{}\[\]\"`]", line) or SESSION_SHAPE.search(line):
        return False
    if any(agent_prefix(m.group(1)) for m in AGENT_ID_SHAPE.finditer(line.lower())):
        return False
    words = words_of(line)
    if not words or any(GROUP_ID.match(w) or w in data["_verb"] for w in words):
        return False
    if not set(words) & set(spec["statement_words"]):
        return False  # "Sessions for s_1.": a read named without a verb, maybe asked
    joined = " ".join(w.replace("_", " ") for w in words)
    statuses = {
        name
        for enum, values in ENUMS.items()
        if enum.endswith("status")
        for name in [v.lower().replace("_", " ") for v in values["values"]] + list(values["aliases"])
    }
    copulas = "|".join(spec["statement_words"])
    if any(rx.search(rf"\b(?:{copulas})\s+(?:now\s+)?{re.escape(status)}\b", joined) for status in statuses):
        return False  # "The session is completed.": a new value stated, no report
    rows = set(spec["row_words"])
    uncounted = set(spec["not_counted"]) | set(data["qualifiers"])
    for index, word in enumerate(words):
        if not word[0].isdigit():
            continue
        after = words[index + 1 : index + 3]
        if not after or not after[0].isalpha() or after[0] in uncounted or set(after) & rows:
            return False  # "Only 3 please", "first 5 rows": a number that may be the query's limit
    return True


# a horizontal rule alone on its line: "---", "***", "___"
_RULE_LINE = Lazy(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", needs=("---", "***", "___"))


def _fenced_last(raw: list[str]) -> tuple[list[str], bool]:
    """'…log…' / '---' / 'bazinga-db, mark group_b …' / '---' / 'Next: waiting on …': one line set apart
    between the text's last two horizontal rules is where its request stands; what follows the closing rule
    is context as much as what stands before the opening one, and is checked as such -- the lines after it
    are moved before it, the rules dropped (and True: the request is set apart). The text as it is
    otherwise."""
    rules = [i for i, line in enumerate(raw) if _RULE_LINE.match(line)]
    if len(rules) < 2:
        return raw, False
    opening, closing = rules[-2:]
    inside = [line for line in raw[opening + 1 : closing] if line.strip()]
    after = [line for line in raw[closing + 1 :] if line.strip()]
    if len(inside) != 1 or not after:
        return raw, False
    return raw[:opening] + after + inside, True


# words of a request that stand for what its context names: "set its status", "mark it failed"
_PRONOUN_OBJECTS = function_words("pronoun_objects")
_BOUNDARY = Lazy(r"(?:[.!?:][\"')\]]*|->|=>|\u2192|^\s*\[[^\]\n]{1,40}\])\s*$")
_SQL_START = Lazy(r"(?i)\s*(?:select|with)\b", needs=("select", "with", "SELECT", "WITH"))


def _opening(prefix: str, request: str, data: dict[str, Any]) -> str | None:
    """How a request may start here: 'head' (an imperative, "please", "bazinga-db", the command line),
    'noun' (an operation noun: a read named by its object), 'sql' (a statement); None when it does not,
    when the words before it on its line do not end there (a sentence, a colon, an arrow, a tag: not "my
    tmux died, could you …"), when a verb of an operation or a value stands in a last clause of them ending
    with a colon ("please log: session s_1, …", "Block group_auth: set its status …": what follows is that
    clause's), or when the request says "it" or "its" (what it is stands before). A label line is a
    value."""
    if _is_label_line(request, data):
        return None  # "Session: s_1": a value, no request
    if prefix.strip() and not _BOUNDARY.search(prefix) and not _narrative_before_comma(prefix, data):
        return None
    clause = rx.split(r"[.!?]\s+|->|=>|\u2192|^\s*\[[^\]\n]{1,40}\]", prefix)[-1]  # after a tag, an arrow
    if clause.rstrip().endswith(":") and (
        any(w in data["_verb"] and not w.endswith("ing") for w in words_of(clause))
        or not _droppable(clause, data)
    ):
        return None  # "Block group_auth: set its status …": a value before the colon is the request's
    if _PRONOUN_OBJECTS & set(words_of(strip_quoted(request))):
        return None  # "… set its status to failed": what "it" is stands in the context
    found = head_in(request, data)
    if (
        (found is not None and found[0] == 0)
        or _command_head(request) is not None
        or _announced(request, data)
    ):
        return "head"
    if _SQL_START.match(request):
        return "sql"
    words = [w for w in words_of(request)[:4] if w not in data["_articles"]]
    if any(" ".join(words[:size]) in data["_noun"] for size in range(1, data["_noun_words"] + 1)):
        return "noun"
    return None


def _announced(request: str, data: dict[str, Any]) -> bool:
    """'Marking group_auth in sess_beta CHANGES_REQUESTED.': the writer says the write they make, a form in
    -ing of a verb that changes what the skill stores ("marking", "setting", "logging") opening the line,
    with an object after it; as said alone, it is the request (a read said so, "Refreshing the board …", is
    none)."""
    words = words_of(request)
    if not words or not words[0].endswith("ing") or len(words[0]) < 6:
        return False
    stem = words[0][:-3]
    verb = next(
        (v for v in (stem, stem + "e", stem[:-1]) if data["_verb"].get(v) in _CHANGES and v in data["_verb"]),
        None,
    )
    if verb is None or data["_verb"][verb] == "delete":
        return False
    rest = request.split(None, 1)[1] if len(request.split(None, 1)) > 1 else ""
    return _object_after(rest, data) == "object"


def _narrative_before_comma(prefix: str, data: dict[str, Any]) -> bool:
    """'user clicked "live tail", give me …': the words before the request end with a comma after a clause
    of the story -- a subject and a verb in the past ("clicked", "died"), no verb of the skill and no value
    outside quotes (a quoted name of what was clicked is no value of a request that takes none)."""
    if not prefix.rstrip().endswith(","):
        return False
    clause = strip_quoted(rx.split(r"[.!?]\s+|->|=>|\u2192|^\s*\[[^\]\n]{1,40}\]", prefix)[-1])
    words = words_of(clause)
    return (
        len(words) >= 2
        and not _VALUE.search(clause)
        and any(w.endswith("ed") for w in words[1:])
        and not any(w in data["_verb"] for w in words)
    )


def _opened_by(opening: str, request: str, command: str, args: dict[str, Any]) -> bool:
    """The operation read fits how the request opens (a noun opens a read, a statement a query), and every
    number the request says is one of its values (but in the reason said after a read that takes no
    number)."""
    kind = COMMANDS[command]["kind"]
    if opening == "sql" and command != "query":
        return False
    if opening == "noun" and (kind != "read" or command == "query"):
        return False
    said = request
    if kind == "read" and not any(
        spec["type"] in ("row_limit", "count") for spec in COMMANDS[command]["args"]
    ):
        # "snapshot for s_1 please, need it before the 10:30 go/no-go": why it is asked, after the read that
        # takes no number, gives none of its values
        from .normalise import normalise
        from .split import reasons_dropped

        lines = reasons_dropped(normalise(request))
        openers = tuple(tables()["read_reasons"]["openers"])
        if len(lines) > 1 and all(line.strip().lower().startswith(openers) for line in lines[1:]):
            said = lines[0]
    given = " ".join(str(value) for value in args.values()).replace(",", "")
    return all(number.group(0).replace(",", "").rstrip(".") in given for number in _NUMBER.finditer(said))


def _context_certain(
    context: list[str],
    output: set[int],
    request: str,
    command: str,
    args: dict[str, Any],
    data: dict[str, Any],
    set_apart: bool = False,
) -> bool:
    """The context before the request asks no operation and gives none of its values (see
    ``request_after_context``); ``set_apart``: the request stands alone between two rules."""
    opening = words_of(_ADDRESS.sub("", _POLITE.sub("", request, 1), 1))[:1]
    if opening and opening[0] in _SEQUENCE:
        return False  # "Then mark group_a completed.": it follows a request before it
    if _points_back(_ADDRESS.sub("", _POLITE.sub("", request, 1), 1), data):
        return False  # "Please log it.", "save these results": what it is stands in the context
    kind = COMMANDS[command]["kind"]
    if not _verbs_agree(
        [line for index, line in enumerate(context) if index not in output], request, kind, data
    ):
        return False
    for index, line in enumerate(context):
        tag = _PASTED_LINE.match(line)
        said = line[tag.end() :] if tag is not None and line.lstrip().startswith("[") else line
        if _command_head(said) is not None:
            return False
        if any(_operation_in(said[start:], data) for start, _what, _verb, _rest in _heads_in(said, data)):
            return False  # "Also mark group_b failed." before the request: a second operation
        if index in output:
            continue  # pasted output: its words are no sentence of the writer
        for sentence in _SENTENCE.split(said):
            if _states_a_value(sentence) or not _context_sentence(sentence, command, kind, data):
                return False
    return _gives_none_of_its_values(context, output, command, args, data, set_apart)


_CHANGES = ("create", "write", "update", "delete")


def _verbs_agree(prose: list[str], request: str, kind: str, data: dict[str, Any]) -> bool:
    """No word of the writer's context is a verb that changes what the skill stores ("save", "log this:",
    "Setting …", "new") -- before a read (a text that says to change something never runs a read), and
    before a write unless the verb is of the request's own kind ("Logging this for the record -> log …",
    "adding one more group: please create task group …"); a verb that deletes never."""
    found = head_in(request, data)
    verbs = data["_verb"]
    own = None
    if found is not None and kind == "write":
        words = words_of(_ADDRESS.sub("", _POLITE.sub("", request[found[0] :], 1), 1))
        own = verbs.get(" ".join(words[:2])) or verbs.get(words[0]) if words else None
    for line in prose:
        words = words_of(line)
        for index, word in enumerate(words):
            said = verbs.get(" ".join(words[index : index + 2])) or verbs.get(word)
            if said in _CHANGES and (kind == "read" or said == "delete" or said != own):
                return False
    return True


def _states_a_value(sentence: str) -> bool:
    """'group_b finished at 10:14.', 'sess_alpha is done': a sentence naming a task group or a session and a
    status of the vocabulary says what to write without a verb -- never context to drop, whatever the
    request after it."""
    words = words_of(sentence)
    if not (SESSION_SHAPE.search(sentence) or any(GROUP_ID.match(w) for w in words)):
        return False
    joined = " " + " ".join(w.replace("_", " ") for w in words) + " "
    statuses = {  # the enumerations of the vocabulary's statuses (a session's, a group's, a review's)
        spec["type"]
        for spec_of in COMMANDS.values()
        for spec in spec_of["args"]
        if spec["name"].endswith("status") and spec["type"] in ENUMS
    }
    for enum in sorted(statuses):
        named = {v.lower().replace("_", " ") for v in ENUMS[enum]["values"]} | set(ENUMS[enum]["aliases"])
        if any(f" {word.replace('_', ' ').replace('-', ' ')} " in joined for word in named):
            return True
    return False


def _context_sentence(sentence: str, command: str, kind: str, data: dict[str, Any]) -> bool:
    """A sentence of the context, read alone, asks no operation: no operation recognised in it; before a
    write, a read named without a verb, no question, that is no whole request alone ('PLANNING OUTPUT
    (iteration 1)', 'groups: group_a …'), or a lead-in naming the very write with no value ('adding one
    more group found during planning:')."""
    from .intent import intent_of
    from .split import split

    lines = [sentence.strip()]
    if not lines[0]:
        return True
    try:
        head, label_lines, _start = split(lines)
        intent = intent_of(head, label_lines, lines)
    except RequestNotUnderstood as error:
        if error.code == "unsupported":
            # "Weekly budget review coming up.": an object the skill does not store, named, not asked for
            return not sentence.rstrip().endswith("?")
        return error.code == "not_understood" and str(error.message).startswith(_NOTHING_RECOGNISED)
    if kind == "read":
        return False  # a read after a read named: two operations, or which is asked is not certain
    if COMMANDS[intent.command]["kind"] == "write":
        return intent.command == command and _droppable(sentence, data)
    if intent.lead is not None or sentence.rstrip().endswith("?"):
        return False  # "Show me the task groups.", "token summary for s_1?": a read asked
    from . import parse  # the sentence alone (nested: no fallback)

    try:
        parse(sentence.strip())
    except RequestNotUnderstood:
        return True  # "PLANNING OUTPUT (iteration 1)": an operation noun in a heading, no request
    return False  # "5000 tokens for the developer on s_1": a whole operation said without a verb


def _gives_none_of_its_values(
    context: list[str],
    output: set[int],
    command: str,
    args: dict[str, Any],
    data: dict[str, Any],
    set_apart: bool = False,
) -> bool:
    """No value of the operation the request leaves out stands in the context, and no label of the skill
    in it gives a value the request gives otherwise. Another id of a kind the request gives makes which one
    is meant uncertain -- unless the request is set apart between two rules, with its own id in it."""
    specs = {spec["name"]: spec for spec in COMMANDS[command]["args"]}
    text = "\n".join(context)
    words = words_of(text)
    for line in context:
        match = LABEL_LINE.match(line)
        if match is None:
            continue
        for name in set(data["_label"].get(label_key(match.group(1)), [])) & specs.keys():
            value = str(args.get(name, "")).lower()
            said = rx.sub(r"(?<=\d),(?=\d{3})", "", match.group(2)).lower()
            if not value or not rx.search(r"(?<![\w.])" + re.escape(value) + r"(?![\w.])", said):
                return False  # "Iteration: 3" before a request giving none (or another)
    prose = "\n".join(line for index, line in enumerate(context) if index not in output)
    ids_named = {
        "session_id": bool(SESSION_SHAPE.search(prose)),
        "group_id": any(GROUP_ID.match(w) for w in words_of(prose)),
        "agent_id": any(agent_prefix(m.group(1)) for m in AGENT_ID_SHAPE.finditer(prose.lower())),
    }
    takes = set(specs) | ({"agent_id"} if "assigned_to" in specs else set())
    if any(said and name not in takes for name, said in ids_named.items()):
        return (
            False  # "group_c flaked at 09:40." before a config write: what the story is about is not certain
        )
    for name in ("session_id", "group_id", "agent_id", "assigned_to"):
        if name not in args or (command.startswith("create-") and specs[name].get("required")):
            continue  # a create names a new id: the context's are others
        shape = SESSION_SHAPE if name == "session_id" else None
        named = (
            {m.group(1).lower() for m in SESSION_SHAPE.finditer(prose)}
            if shape is not None
            else {w for w in words_of(prose) if GROUP_ID.match(w)}
            if name == "group_id"
            else {m.group(1) for m in AGENT_ID_SHAPE.finditer(prose.lower()) if agent_prefix(m.group(1))}
        )
        if named - {str(args[name]).lower()} and not set_apart:
            return False  # "tailing the deploy for sess_alpha…" before a request for s_1: which one?
    if "agent_type" in args and any(agent != args["agent_type"] for agent, _next in agents_in(prose)):
        return False  # "QA says it's flaky." before a developer's interaction: whose is it?
    if set_apart:  # a log pasted before a request set apart between rules: the writer's words give its values
        text, words = prose, words_of(prose)
    for name, spec in specs.items():
        if name in args:
            continue
        kind = spec["type"]
        if name == "session_id" and SESSION_SHAPE.search(text):
            return False
        if name == "group_id" and any(GROUP_ID.match(w) for w in words):
            return False
        if name in ("agent_id", "assigned_to") and any(
            agent_prefix(m.group(1)) for m in AGENT_ID_SHAPE.finditer(text.lower())
        ):
            return False
        if name == "agent_type" and agent_in(text) is not None:
            return False
        if kind == "json" and rx.search(r"[{\[]", text):
            return False
        if kind == "time" and _TIME.search(text):
            return False
        if kind in ENUMS:
            enum = ENUMS[kind]
            named = {v.lower().replace("_", " ") for v in enum["values"]} | set(enum["aliases"])
            joined = " ".join(w.replace("_", " ") for w in words)
            if any(rx.search(r"(?<![\w])" + re.escape(n) + r"(?![\w])", joined) for n in named):
                return False  # "group_b is done" before a request giving no status: a filter or a value?
        if (
            COMMANDS[command]["kind"] == "read"
            and kind in ("row_limit", "count")
            and any(_NUMBER.search(line) for index, line in enumerate(context) if index not in output)
        ):
            return False  # "Retries are capped at 3 per job." before a read taking a limit
    return _numbers_agree(text, specs, args, data)


def _numbers_agree(text: str, specs: dict[str, Any], args: dict[str, Any], data: dict[str, Any]) -> bool:
    """No number said with the label of a value the operation counts ("(iteration 1)", "5,000 tokens")
    stands in the context, unless the request gives that very number itself."""
    for name, spec in specs.items():
        if spec["type"] not in ("count", "row_limit"):
            continue
        labels = {spec["label"].lower(), name.replace("_", " ")} | {
            key for key, names in data["_label"].items() if name in names
        }
        for key in labels:
            word = re.escape(key)
            for said in rx.finditer(
                r"(?i)\b" + word + r"\s*[:=#]?\s*(\d[\d,]*)(?![\w.])|(?<![\w.])(\d[\d,]*)\s+" + word + r"\b",
                text,
            ):
                number = (said.group(1) or said.group(2)).replace(",", "")
                if str(args.get(name, "")) != number:
                    return False  # "(iteration 1)" before a request giving no iteration, or another
    return True
