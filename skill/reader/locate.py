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
Context that is dropped may report values (ids, numbers, statuses of runs), never ask for a write: a clause
opened by a verb that changes a record named by its id ("billing is fine, close group_b in s_1") or a new
status stated of a record ("rel_9 is now completed.") makes the text two operations, refused.

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
from ..vocabulary import AGENT_TYPES, COMMANDS
from . import regex_cache as rx
from .lexicon import (
    GROUP_ID,
    LABEL_LINE,
    SESSION_SHAPE,
    Lazy,
    agent_in,
    alternation,
    asks_about_record,
    function_words,
    label_key,
    noun_at,
    rarely_used,
    refuse,
    strip_quoted,
    tables,
    words_of,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

# the functions few requests reach: in locate_rare, loaded on the first call of one of them
if TYPE_CHECKING:
    from .locate_rare import (
        _announced,
        _body_only,
        _change_asked,
        _context_certain,
        _context_gives_nothing,
        _context_sentence,
        _gives_every_value,
        _gives_none_of_its_values,
        _gives_own,
        _introduced,
        _introduced_by_lead_in,
        _json_line,
        _names_no_operation,
        _numbers_agree,
        _opened_by,
        _operation_in,
        _polite_after_sentences,
        _reports,
        _states_a_value,
        _story_dropped,
        _title_of_output,
        _told_before_it,
        _verbs_agree,
    )
else:
    (
        _announced,
        _body_only,
        _change_asked,
        _context_certain,
        _context_gives_nothing,
        _context_sentence,
        _gives_every_value,
        _gives_none_of_its_values,
        _gives_own,
        _introduced,
        _introduced_by_lead_in,
        _json_line,
        _names_no_operation,
        _numbers_agree,
        _opened_by,
        _operation_in,
        _polite_after_sentences,
        _reports,
        _states_a_value,
        _story_dropped,
        _title_of_output,
        _told_before_it,
        _verbs_agree,
    ) = rarely_used(
        __name__,
        "_announced",
        "_body_only",
        "_change_asked",
        "_context_certain",
        "_context_gives_nothing",
        "_context_sentence",
        "_gives_every_value",
        "_gives_none_of_its_values",
        "_gives_own",
        "_introduced",
        "_introduced_by_lead_in",
        "_json_line",
        "_names_no_operation",
        "_numbers_agree",
        "_opened_by",
        "_operation_in",
        "_polite_after_sentences",
        "_reports",
        "_states_a_value",
        "_story_dropped",
        "_title_of_output",
        "_told_before_it",
        "_verbs_agree",
    )

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
    address = _ADDRESS.match(line, start)  # "bazinga-db, token summary for …": the read named after it
    start = address.end() if address is not None else start
    lead = rx.match(r"(?P<lead>[^:\"\u201c{\[]+?):\s+(?=\S)", line[start:])
    if lead is not None:
        if not _droppable(lead.group("lead"), data):
            return None  # "group_a: token summary …": a value before the colon is the request's
        start += lead.end()
    words = [w for w in words_of(line[start:])[:4] if w not in data["_articles"]]
    if not noun_at(words, 0):
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
    heads = [(line, found) for line in request for found in [next(_heads_in(line, data), None)] if found]
    if not heads:
        return lines
    line, (start, what, verb, _rest) = heads[0]
    if (what == "pronoun" and not _stated_on_its_line(line[:start], verb, data)) or _points_back(
        line[start:], data
    ):
        return lines  # "Please log this output.": what it is stands in the paste
    _no_change_asked(inner + [line[:start]], data)  # "[ci] group_b is now completed" in the paste
    return request


def _stated_on_its_line(before: str, verb: str, data: dict[str, Any]) -> bool:
    """'bazinga-db, the review status of group_auth in sess_beta is CHANGES_REQUESTED - please set it.': an
    update of a pronoun whose antecedent is a statement on the request's own line, before its verb (a group
    or session said to be something), points at that statement, never at the paste."""
    return (
        data["_verb"].get(verb) == "update"
        and any(GROUP_ID.match(w) or SESSION_SHAPE.fullmatch(w) for w in words_of(before))
        and rx.search(r"(?i)\b(?:is|are)\b", before) is not None
    )


def _no_change_asked(context: list[str], data: dict[str, Any]) -> None:
    """Refuse a text whose context, dropped before its request, asks for a change of what the skill stores
    or states a new status of a record (``_change_asked``): the text holds two operations."""
    for text in context:
        said = _change_asked(text, data) if _VALUE.search(text) else None
        if said is not None:
            raise refuse(
                f"the text asks for a change ({said[:60]!r}) besides the request it makes; send one request "
                "per operation",
                kind="two_operations",
            )


def _points_back(clause: str, data: dict[str, Any]) -> bool:
    """The head's words point at the prose before it: 'log the above', 'save these results', 'record that
    report for s_1' (a demonstrative or 'my'/'the' before a report noun, with no value after it); 'save this
    as PM state for s_1:' + JSON, 'log those 41,250 tokens' name what they act on themselves."""
    sentence = _SENTENCE.split(clause, 1)[0]
    later = alternation(data["later_clause"]["words"], spaces=r"\s+")
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
    # "billing is fine, close group_b in s_1", "rel_9 is now completed." before it: a write, never context
    _no_change_asked(lines[:at] + [line[:start]], data)
    return request


_FENCE_LINE = Lazy(r"^\s*(```|~~~)", needs=("```", "~~~"))


_TELLING = [False]  # the line of ``_told_before_it`` is being read alone


def _sentences_before(prefix: str, data: dict[str, Any], *, addressed: bool) -> bool:
    """Words before the head on its line that are whole sentences of the report ("All done on group_a.
    bazinga-db, log …", "We're going with the managed node group. Log decision for …"): context like the
    lines before it -- when the head is addressed to the skill, or when they give no value; never when they
    name who speaks ("DevOps here. Record …": the agent of the request)."""
    if _agent_words(data) & set(words_of(prefix)):
        return False
    return prefix.rstrip().endswith((".", "!", "?")) and (addressed or _droppable(prefix, data))


# what only says where the request starts on its line: "->", "=>", "→"
_ARROW = Lazy(r"(?:->|=>|\u2192)\s*", needs=("->", "=>", "\u2192"))
_NUMBER = Lazy(r"(?<![\w.])\d[\d,.]*(?![\w])")
_TIME = Lazy(r"\d{4}-\d{2}-\d{2}|\b\d{1,2}:\d{2}\b")


def _output_line(line: str) -> bool:
    """A line of pasted output (a bracketed tag, a time stamp, a log level, a table row, a traceback's
    frame, an HTTP access log line): no sentence of the writer."""
    return bool(_PASTED_LINE.match(line) or _OUTPUT_LINE.match(line) or _ACCESS_LINE.match(line))


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


def read_after_context(text: str) -> tuple[str, dict[str, Any]] | None:
    """'Morning sync notes' / '- OAuth2 work (…) looks close, group_c merged yesterday' / 'Before I send the
    status mail: bazinga-db, please list the active sessions, 10 max.': a text whose first reading found two
    operations, the context taken for one of them. Its last line is taken alone (``request_after_context``)
    only when it reads, and no line before it states a new value of a record ('[ci] group_b finished at
    10:14': the second operation the first reading saw may be that one); a write never."""
    found = request_after_context(text)
    if found is None or COMMANDS[found[0]]["kind"] != "read":
        return None
    before = [line for line in text.replace("\r", "\n").split("\n") if line.strip()][:-1]
    return None if any(_states_a_value(line) for line in before) else found


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
    # "bazinga-db query: SELECT …", "@bazinga-db, run this query: SELECT …": addressed to the skill
    address = rx.match(
        r"(?i)\s*@?bazinga[-_ ]db\b\s*[,:]?\s*(?=(?:please\s+)?(?:(?:"
        + "|".join(spec["run_verbs"])
        + r")\b[^:]*|(?:sql\s+)?query\s*):\s*(?:select|with)\b)",
        last,
    )
    if address is not None:
        last = last[address.end() :]
    asked = rx.search(
        r"(?i)(?:^|[.!?:]\s+|,\s+)((?:please\s+)?(?:"
        + "|".join(spec["run_verbs"])
        + r")\b[^:]*:\s*(?:select|with)\b.*)$",
        last,
    )
    if asked is None and address is not None:
        asked = rx.match(r"(?i)((?:sql\s+)?query\s*:\s*(?:select|with)\b.*)$", last)
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
    names = alternation(spec_of["name"] for spec_of in COMMANDS["query"]["args"])
    if any(rx.search(r"(?i)[\"']\s*(?:" + names + r")\s*[\"']\s*:", context[index]) for index in payloads):
        return None  # '{"limit": 5}' above the query: a value of it, never dropped
    for index, line in enumerate(context):
        if index in payloads:
            continue
        if index + 1 in payloads and _title_of_output(line, data) and not _VALUE.search(line):
            continue  # "raw /api/sessions payload (trimmed)" above the payload
        if not _reports(line, data, spec, addressed=address is not None):
            return None
    return command, args


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
    # "Before I send the status mail: bazinga-db, please …": a verb in the writer's own next step (a clause
    # opened by 'before', 'once' … with I or we as its subject, naming nothing the skill stores) is the
    # writer's, asked of no one ("Before I log the tokens:" names the skill's own)
    own_step = _OWN_STEP.match(clause) is not None and not _names_a_record(clause)
    if clause.rstrip().endswith(":") and (
        any(w in data["_verb"] and not w.endswith("ing") and not own_step for w in words_of(clause))
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
    if noun_at(words, 0):
        return "noun"
    return None


_OWN_STEP = Lazy(r"(?i)\s*(?:before|after|once|when|while|until)\s+(?:i|we)\s+(?!am\b|are\b|'m\b)[a-z]")
# the same step as the lead-in of the request's line, up to its colon ("Before I send the status mail:")
_OWN_STEP_LEAD = Lazy(
    r"(?i)(?:^|(?<=[.!?])\s)\s*(?:before|after|once|when|while|until)\s+(?:i|we)\s+(?!am\b|are\b|'m\b)"
    r"[^:.!?\n]*:\s*$"
)


def _names_a_record(text: str) -> bool:
    """Whether the text names an operation noun ('tokens', 'task group', 'log') anywhere."""
    words = words_of(text)
    return any(noun_at(words, at) for at in range(len(words)))


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


_CHANGES = ("create", "write", "update", "delete")
