"""The functions of :mod:`.locate` that few requests reach, loaded on their first call.

Fewer than 5% of the corpora's texts call any one of them (measured when they were moved), and
unmarshalling code is most of what importing the reader costs: :mod:`.locate` keeps a stand-in for each
(``lexicon.rarely_used``), so a request that needs none of them never loads this module. Their code and
their tests are those of :mod:`.locate`; a function moves back when most requests come to need it.
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
    alternation,
    function_words,
    label_key,
    tables,
    words_of,
)
from .locate import (
    _ADDRESS,
    _BACK,
    _CHANGES,
    _DEICTIC,
    _FENCE_LINE,
    _ITERATION,
    _NUMBER,
    _OWN_STEP_LEAD,
    _PASTED_LINE,
    _POLITE,
    _PRONOUNS,
    _SENTENCE,
    _SEQUENCE,
    _SESSION,
    _TELLING,
    _TIME,
    _VALUE,
    _agent_words,
    _command_head,
    _droppable,
    _heads_in,
    _is_label_line,
    _names_a_record,
    _object_after,
    _output_line,
    _points_back,
    _request_starts,
    head_in,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any


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

    at_work = alternation(data["introduction_at_work"]["words"], longest_first=True)
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


def _story_dropped(line: str, data: dict[str, Any]) -> str:
    """'the token summary for s_1 by agent_id to confirm before I file it.': the wish's read without the
    writer's own story after it -- a clause opened by a conjunction, then a subject and its verb ("before I
    file it", "so we can log it"); the line as it is when there is none."""
    subjects = alternation(data["wish_openers"]["subjects"])
    joiners = alternation(data["wish_openers"]["story_joiners"])
    for told in rx.finditer(
        rf"(?i),?\s+\b(?:{joiners})\s+(?:{subjects})\s+(?:can\s+|could\s+|will\s+)?(\w+)", line
    ):
        if told.group(1).lower() in data["_verb"]:
            return line[: told.start()].rstrip() + "."
    return line


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


def _reports(line: str, data: dict[str, Any], spec: dict[str, Any], addressed: bool = False) -> bool:
    """A line of the writer's report before a query: sentences stating something, asking nothing. Before a
    query addressed to the skill ("bazinga-db query: SELECT …"), what the writer is doing and needs ("Building
    the weekly report for week 49 (2025-12-01 to 2025-12-07), need per-agent log counts.") is such a line
    too: no imperative of an operation in it, dates and numbered things ("week 49") counting no rows."""
    if "?" in line or LABEL_LINE.match(line) or rx.search(r"[{}\[\]\"`]", line) or SESSION_SHAPE.search(line):
        return False
    if any(agent_prefix(m.group(1)) for m in AGENT_ID_SHAPE.finditer(line.lower())):
        return False
    if addressed:
        if head_in(line, data) is not None or _command_head(line) is not None:
            return False  # "Log 500 tokens for qa_1.": a second operation, never context
        if any(
            data["_verb"].get(w) in ("create", "update", "write", "delete") and w not in data["_dual"]
            for w in words_of(line)
        ):
            return False  # "I'll mark the session completed after this.": a change said, maybe asked
        numbered = "|".join(spec["numbered"])
        line = rx.sub(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?\b", " ", line)
        line = rx.sub(rf"(?i)\b({numbered})\s+#?\d+\b", r"\1", line)
        if rx.search(r"\d", line):
            return False  # "need the top 20 agents": any other number may be the query's limit
    words = words_of(line)
    if not words or any(GROUP_ID.match(w) or (w in data["_verb"] and not addressed) for w in words):
        return False
    if not addressed and not set(words) & set(spec["statement_words"]):
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
    from .coverage import stated_status

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
        if _VALUE.search(said) and stated_status(said) is not None:
            return False  # "rel_9 is now completed." before the request: an update of its own
        if index in output:
            continue  # pasted output: its words are no sentence of the writer
        for sentence in _SENTENCE.split(said):
            if _states_a_value(sentence) or not _context_sentence(sentence, command, kind, data):
                return False
    return _gives_none_of_its_values(context, output, command, args, data, set_apart)


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
        # "Before I send the status mail:": the writer's own step (naming nothing the skill stores); "… looks
        # close": how a thing seems
        step = _OWN_STEP_LEAD.search(line)
        if step is not None and not _names_a_record(step.group(0)):
            line = line[: step.start()]
        words = words_of(_SEEMS.sub(r"\1", line))
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


_SEEMS = Lazy(
    r"(?i)\b(looks?|looked|seems?|seemed|sounds?|sounded|feels?|felt)\s+(?:so\s+|very\s+|pretty\s+)?[a-z]+\b",
    needs=("look", "seem", "sound", "feel", "felt"),
)


# where a clause may open on a line of context: the line's start (after a bullet), after a sentence, a
# comma, a colon or semicolon, a bracket, a dash or an arrow
_CLAUSE_OPENS = Lazy(
    r"^[\s>*#\u2022(-]*|(?<=[.!?])[\"')\]]*\s+|[:;,]\s+|\(\s*|\s[-\u2013\u2014]+\s+|(?:->|=>|\u2192)\s*"
)


def _change_asked(text: str, data: dict[str, Any]) -> str | None:
    """'billing is fine, close group_b in s_1001', 'rel_9 is now completed.': a line of the context before a
    request that asks for a change of what the skill stores -- a clause (opening the line, after a sentence,
    a comma, a colon, a bracket, a dash or an arrow, past a word that only opens it: "so", "then", "please")
    opened by a verb that creates, writes, updates or deletes, naming a record by its id, that read alone is
    a write of this skill -- or that states a new status of a record named by its id
    (``coverage.stated_status``). Dropped as context, that write would be lost: the words found, else None.
    A report of values asks nothing ('CI run 42 failed', 'group_c was approved', 'keep developer_3 on
    group_b': no operation of the skill)."""
    from .coverage import stated_status
    from .intent import intent_of  # the clause alone (one line: no preface, no recursion)
    from .split import split

    said = stated_status(text)
    if said is not None:
        return said
    verbs = data["_verb"]
    openers = function_words("clause_openers")
    for start in _CLAUSE_OPENS.finditer(text):
        clause = str(rx.split(r"[.!?;,](?:\s|$)", text[start.end() :], maxsplit=1)[0]).strip()
        words = words_of(clause)
        skipped = 0
        while skipped < len(words) - 1 and words[skipped] in openers:
            skipped += 1
        kind = verbs.get(words[skipped]) if words else None
        if kind not in _CHANGES:
            continue
        if not any("_" in w or GROUP_ID.match(w) or SESSION_SHAPE.fullmatch(w) for w in words[skipped + 1 :]):
            continue  # "so close the PR", "adding one more group:": no record named by its id
        verb = rx.search(r"(?i)(?<![\w'])" + re.escape(words[skipped]) + r"(?![\w'])", clause)
        asked = clause[verb.start() :] if verb is not None else clause
        try:
            head, label_lines, _start = split([asked])
            intent = intent_of(head, label_lines, [asked])
        except RequestNotUnderstood as error:
            if error.code == "two_operations" or (kind == "delete" and error.code == "unsupported"):
                return clause
            continue  # "Keep developer_3 on group_b": no operation of this skill
        if COMMANDS[intent.command]["kind"] == "write":
            return clause
    return None


def _context_sentence(sentence: str, command: str, kind: str, data: dict[str, Any]) -> bool:
    """A sentence of the context, read alone, asks no operation: no operation recognised in it; before a
    write, a read named without a verb, no question, that is no whole request alone ('PLANNING OUTPUT
    (iteration 1)', 'groups: group_a …'), or a lead-in naming the very write with no value ('adding one
    more group found during planning:')."""
    from .intent import NOTHING_RECOGNISED, TOLD_ONLY, intent_of
    from .split import split

    # "OAuth2 work looks close": the word after a verb of seeming says how a thing is, never an imperative
    lines = [_SEEMS.sub(r"\1", sentence.strip())]
    if not lines[0]:
        return True
    try:
        head, label_lines, _start = split(lines)
        intent = intent_of(head, label_lines, lines)
    except RequestNotUnderstood as error:
        if error.code == "unsupported":
            # "Weekly budget review coming up.": an object the skill does not store, named, not asked for
            return not sentence.rstrip().endswith("?")
        if error.code == "not_understood" and kind == "read" and str(error.message).startswith(TOLD_ONLY):
            # "group_c merged yesterday" before a read: what happened, told with no verb and no status of the
            # vocabulary (``_states_a_value``), asks nothing; before a write it may be the write's value
            return not sentence.rstrip().endswith("?")
        return error.code == "not_understood" and str(error.message).startswith(NOTHING_RECOGNISED)
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
    # "- OAuth2 work (s_1) looks close" before "list the active sessions": a read that takes no id at all
    # cannot be about the ids of the story
    no_ids = COMMANDS[command]["kind"] == "read" and all(spec["type"] != "id" for spec in specs.values())
    if not no_ids and any(said and name not in takes for name, said in ids_named.items()):
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
