"""The three guarantees of the request reader (issue 11), as properties over generated requests.

1. A request led by a write verb never yields a read command; one led by a read verb never a write.
2. The dry-run args of a write hold only values that appear in the text (up to the vocabulary's
   normalisation); every labelled value is used, or the request is refused.
3. A request whose operation sentence names something outside the vocabulary (reasoning entries, success
   criteria, archiving …) is refused as unsupported, whatever other words it holds.

The generators draw their words from the vocabulary and phrasings.json, so a word added there is covered.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from skill.errors import RequestNotUnderstood
from skill.reader import OPERATIONS, is_placeholder, parse, tables
from skill.reader.lexicon import GROUP_ID
from skill.vocabulary import AGENT_TYPES, COMMANDS, ENUMS

DATA = tables()
DUAL = set(DATA["verbs"]["dual"])
WRITE_VERBS = sorted(
    {
        w
        for cls in ("create", "write", "update")
        for w in DATA["verbs"][cls]
        if w not in DUAL and " " not in w and "'" not in w and DATA["_verb"].get(w) == cls
    }
)
READ_VERBS = sorted(
    {
        w
        for w in DATA["verbs"]["read"]
        if w not in DUAL and " " not in w and "'" not in w and DATA["_verb"][w] == "read"
    }
)
NOUNS = sorted({n for topic, words in DATA["nouns"].items() if not topic.startswith("_") for n in words})
OBJECTS = NOUNS + sorted(DATA["report_nouns"]["words"]) + ["group_a", "group_b", "task group group_c"]
# objects this skill does not store; words of an `as_verb` entry (merge, copy, notify …) are unsupported
# operations, refused as the request's verb (their own property below), and plain nouns elsewhere
UNSUPPORTED = sorted(
    {w for entry in DATA["unsupported"]["objects"] if not entry.get("as_verb") for w in entry["words"]}
)
# words an agent reports ("my blocker", "the pm blocker"): after an agent's name, an interaction
REPORTED = {w for entry in DATA["unsupported"]["objects"] for w in entry.get("reported", ())}
AGENT_WORDS = {w.lower() for w in AGENT_TYPES["documented"]} | set(AGENT_TYPES["aliases"])
UNSUPPORTED_VERBS = sorted(
    {w for entry in DATA["unsupported"]["objects"] if entry.get("as_verb") for w in entry["words"]}
)
AGENTS = sorted(set(AGENT_TYPES["documented"]) | {"Tech Lead", "QA Expert", "PM", "investigator"})
SESSION = st.sampled_from(["s_1", "sess_beta", "bazinga_20251201_090000", "s_42"])
FILLER = st.lists(
    st.sampled_from(
        [
            "for",
            "in",
            "session",
            "the",
            "latest",
            "please",
            "now",
            "of",
            "with",
            "status",
            "completed",
            "pm",
            "qa",
        ]
        + NOUNS[:20]
    ),
    max_size=5,
).map(" ".join)
PREFIX = st.sampled_from(["", "bazinga-db, ", "bazinga-db, please ", "Request to bazinga-db: ", "please "])

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _kind(text: str) -> str | None:
    try:
        command, _args = parse(text)
    except RequestNotUnderstood:
        return None
    return COMMANDS[command]["kind"]


@SETTINGS
@given(PREFIX, st.sampled_from(WRITE_VERBS), st.sampled_from(OBJECTS), FILLER, SESSION, st.text(max_size=40))
def test_a_write_led_request_never_runs_a_read(prefix, verb, obj, filler, session, tail):
    text = f"{prefix}{verb} the {obj} {filler} for session {session}: {tail}"
    assert _kind(text) in (None, "write"), text


@SETTINGS
@given(PREFIX, st.sampled_from(READ_VERBS), st.sampled_from(OBJECTS), FILLER, SESSION)
def test_a_read_led_request_never_runs_a_write(prefix, verb, obj, filler, session):
    text = f"{prefix}{verb} the {obj} {filler} for session {session}"
    assert _kind(text) in (None, "read"), text


@SETTINGS
@given(
    PREFIX,
    st.sampled_from(WRITE_VERBS + READ_VERBS),
    st.sampled_from(UNSUPPORTED),
    st.sampled_from(OBJECTS),
    FILLER,
    SESSION,
    st.booleans(),
)
def test_an_object_outside_the_vocabulary_is_refused(prefix, verb, unsupported, obj, filler, session, first):
    # the unsupported object before or after a vocabulary noun, among any other words
    middle = f"{unsupported} {obj}" if first else f"{obj} {filler} {unsupported}"
    # "the pm blocker": a blocker an agent reports is that agent's interaction, not the unsupported object
    before = middle.split(unsupported)[0].split()[-1:]
    assume(not (unsupported in REPORTED and before and before[0].lower() in AGENT_WORDS))
    _assert_unsupported(f"{prefix}{verb} the {middle} for session {session}")


@SETTINGS
@given(PREFIX, st.sampled_from(UNSUPPORTED_VERBS), st.sampled_from(OBJECTS), FILLER, SESSION)
def test_an_operation_outside_the_vocabulary_is_refused(prefix, verb, obj, filler, session):
    # "merge the PM state of s_1 into …", "please copy the task groups …": refused whatever the object
    _assert_unsupported(f"{prefix}{verb} the {obj} {filler} for session {session}")


def _assert_unsupported(text: str) -> None:
    try:
        parse(text)
    except RequestNotUnderstood as error:
        assert error.code == "unsupported", (text, error.message)
    else:
        raise AssertionError(f"answered: {text!r}")


# -- guarantee 2: values come from the text --------------------------------------------------------------
IDS = st.from_regex(r"[a-z][a-z0-9]{0,6}_[a-z0-9]{1,8}", fullmatch=True)
# a word drawn may be a placeholder ('Na', 'Tbd', 'Todo'), refused as a value by design: never a text drawn
WORDS = (
    st.lists(st.from_regex(r"[A-Za-z][a-z]{1,9}", fullmatch=True), min_size=1, max_size=8)
    .map(" ".join)
    .filter(lambda text: not is_placeholder(text, is_id=False))
)
COUNT = st.integers(min_value=0, max_value=2_000_000)
STATUS = st.sampled_from(
    ENUMS["group_status"]["values"] + [a for a in ENUMS["group_status"]["aliases"] if " " not in a]
)


@st.composite
def labelled_writes(draw):
    """A write in labelled form, with values drawn at random, and the values it gives by label."""
    command = draw(
        st.sampled_from(["log-interaction", "log-tokens", "update-task-group", "create-task-group"])
    )
    session = draw(IDS)
    if command == "log-interaction":
        values = {
            "Session ID": session,
            "Agent Type": draw(st.sampled_from(AGENTS)),
            "Content": draw(WORDS),
            "Iteration": str(draw(st.integers(0, 99))),
            "Agent ID": draw(IDS),
        }
        head = "please log this interaction:"
    elif command == "log-tokens":
        values = {
            "Session ID": session,
            "Agent Type": draw(st.sampled_from(AGENTS)),
            "Tokens": f"{draw(COUNT):,}" if draw(st.booleans()) else str(draw(COUNT)),
        }
        head = "please log token usage:"
    elif command == "update-task-group":
        values = {"Group ID": draw(IDS), "Session ID": session, "Status": draw(STATUS)}
        head = "please update task group:"
    else:
        values = {"Group ID": draw(IDS), "Session ID": session, "Name": draw(WORDS), "Status": draw(STATUS)}
        head = "please create task group:"
    keys = draw(st.permutations(list(values)))
    extra = draw(st.one_of(st.none(), st.from_regex(r"[A-Z][a-z]{2,8}_[A-Z][a-z]{2,8}", fullmatch=True)))
    lines = [f"{key}: {values[key]}" for key in keys]
    if extra is not None:
        lines.insert(draw(st.integers(1, len(lines))), f"{extra}: {draw(WORDS)}")
    return "bazinga-db, " + head + "\n" + "\n".join(lines), values, extra


def _appears(value, text: str) -> bool:
    """The test's own reading of 'appears in the text, up to the vocabulary's normalisation'."""
    haystack = " ".join(text.lower().split())
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return str(value) in haystack.replace(",", "")
    lowered = str(value).lower()
    spellings = {lowered, lowered.replace("_", " ")}
    for enum in ENUMS.values():
        spellings |= {alias for alias, target in enum["aliases"].items() if target.lower() == lowered}
    spellings |= {alias for alias, target in AGENT_TYPES["aliases"].items() if target == lowered}
    return any(re.sub(r"[\s_-]+", " ", s) in re.sub(r"[\s_-]+", " ", haystack) for s in spellings)


@SETTINGS
@given(labelled_writes())
def test_a_write_holds_only_values_from_the_text_and_every_label_is_used(case):
    text, values, extra = case
    try:
        command, args = parse(text)
    except RequestNotUnderstood as error:
        # an unknown label is refused by name; nothing else in these well-formed requests is refused
        assert extra is not None and error.code == "unknown_label" and extra in error.message, (
            text,
            error.message,
        )
        return
    assert extra is None, f"an unknown label was dropped: {text!r} -> {args}"
    assert COMMANDS[command]["kind"] == "write"
    for name, value in args.items():
        assert _appears(value, text), (name, value, text)
    # every labelled value landed in an argument
    landed = {" ".join(str(v).lower().split()) for v in args.values()}
    for label, value in values.items():
        if label in ("Agent Type", "Status", "Tokens", "Iteration"):
            continue  # normalised (pm, completed, 15000): checked by _appears above
        assert " ".join(value.lower().split()) in landed, (label, value, args)


# -- round 2, second pass: the new readings keep the guarantees ----------------------------------------
@SETTINGS
@given(IDS, IDS, WORDS, st.integers(min_value=0, max_value=99), st.sampled_from(["", "bazinga-db, "]))
def test_a_command_line_written_as_text_runs_exactly_its_values(
    session, agent_id, content, iteration, prefix
):
    assume(not is_placeholder(content, is_id=False))  # "N/A", "TBD": refused as unfilled, rightly
    text = f'{prefix}log-interaction {session} developer "{content}" {iteration} {agent_id}'
    command, args = parse(text)
    assert command == "log-interaction"
    assert args == {
        "session_id": session,
        "agent_type": "developer",
        "content": content,
        "iteration": iteration,
        "agent_id": agent_id,
    }


# `tl_0`, `dev_2`: an agent id (the prefix is an agent type or its alias), never a session
_AGENT_PREFIXES = {*AGENT_TYPES["documented"], *AGENT_TYPES["aliases"]}
# nor group-id shaped ('grp_0' is a task group's id, rightly not a session)
SESSION_IDS = IDS.filter(lambda i: i.split("_")[0] not in _AGENT_PREFIXES and not GROUP_ID.match(i))


@SETTINGS
@given(
    SESSION_IDS,
    st.sampled_from(["sesion", "sessoin", "sesssion"]),
    st.sampled_from(["gorups", "grups", "groupps"]),
)
def test_a_typo_is_read_in_words_never_in_ids(session, session_typo, groups_typo):
    # the misspelt nouns are read as the vocabulary's; the id (never corrected) comes through unchanged
    assert parse(f"Get the {session_typo} record for {session}") == ("get-session", {"session_id": session})
    command, args = parse(f"Get all task {groups_typo} for {session}")
    assert (command, args["session_id"]) == ("get-task-groups", session)


@SETTINGS
@given(st.sampled_from(sorted(DATA["write_markers"]["words"] + ["log", "record", "note"])), IDS, COUNT)
def test_a_verb_after_its_object_never_turns_a_write_into_a_read(verb, agent_id, tokens):
    # "… Please log it." makes the request write-led: it runs the write, or it is refused; never a read
    # (the verbs: those that are never nouns, and the ones a request says to write with)
    text = f"Token usage for {agent_id} on sess_beta: {tokens:,}. Please {verb} it."
    assert _kind(text) in (None, "write"), text


# -- round 3: the holes its rules could open ----------------------------------------------------------------
NAME_WORDS = st.lists(
    st.sampled_from(
        UNSUPPORTED + NOUNS + WRITE_VERBS + READ_VERBS + ["and", "then", "group_b", "s_2", "Phase 2:"]
    ),
    min_size=1,
    max_size=4,
).map(" ".join)


@SETTINGS
@given(
    st.sampled_from(["named", "titled", "called", "name", "title:"]),
    NAME_WORDS,
    SESSION,
    st.sampled_from("'\""),
)
def test_a_quoted_group_name_is_stored_verbatim_or_refused(word, name, session, quote):
    # "… titled 'Retry budget'", 'named "Phase 2: rollout"': whatever the words of a name in quotes, they
    # are the name, never an operation or the group id
    text = f"create task group group_z in {session} {word} {quote}{name}{quote}, status pending"
    try:
        command, args = parse(text)
    except RequestNotUnderstood:
        return
    assert command == "create-task-group" and args["name"] == name and args["group_id"] == "group_z", text


HEADINGS = st.lists(
    st.sampled_from(sorted(DATA["report_nouns"]["words"]) + ["QA", "Security", "Tech Lead", "quick", "one"]),
    min_size=1,
    max_size=3,
).map(" ".join)
INSTRUCTIONS = st.sampled_from(
    [
        "group_b in sess_beta fails, mark it as failed",
        "set group_a in s_1 to in progress",
        "log this QA interaction for s_1: all green",
        "get the task groups for sess_beta",
        "bump the revision count of group_a in s_1",
    ]
)


@SETTINGS
@given(HEADINGS, INSTRUCTIONS)
def test_a_heading_before_the_colon_changes_nothing_or_refuses(heading, instruction):
    # "Security review: group_auth … - mark it as failed": the heading adds no value and no operation
    assume(not any(w in DATA["_verb"] for w in heading.lower().split()))
    try:
        with_heading = parse(f"{heading}: {instruction}")
    except RequestNotUnderstood:
        return
    assert with_heading == parse(instruction), heading


@SETTINGS
@given(st.sampled_from(AGENTS), st.sampled_from(AGENTS), SESSION, WORDS)
def test_the_role_a_write_speaks_as_is_its_agent_type_or_refused(speaker, marked, session, content):
    # "…, as the PM: …" names the interaction's agent type; a different role marked on it is refused
    from skill.vocabulary import normalise_agent_type

    text = f"log this {marked} interaction for {session}, as the {speaker}: {content}"
    try:
        command, args = parse(text)
    except RequestNotUnderstood:
        return
    assert command == "log-interaction"
    assert normalise_agent_type(speaker) == normalise_agent_type(marked) == args["agent_type"], text


WRITE_COMMANDS = sorted(name for name in OPERATIONS if COMMANDS[name]["kind"] == "write")


@SETTINGS
@given(st.sampled_from(WRITE_COMMANDS), st.sampled_from(["-", "_"]), FILLER, SESSION, WORDS)
def test_a_write_commands_name_never_runs_a_read(name, joiner, filler, session, content):
    # "log_interaction session=s_1 …" once ran get-session: the name, however joined, is a write verb
    text = f"{name.replace('-', joiner)} {filler} session={session} content={content}"
    assert _kind(text) in (None, "write"), text


@SETTINGS
@given(
    st.lists(st.sampled_from(AGENTS + ["handed", "to", "the", "found", "bugs"]), min_size=1, max_size=5),
    SESSION,
)
def test_words_inside_quoted_content_never_give_the_agent_type(words, session):
    # 'with content "Group B handed to QA" … by developer_1' logged as QA's once: a quote is a value
    content = " ".join(words)
    text = f'log this interaction for {session} with content "{content}" at iteration 2 by developer_1'
    try:
        command, args = parse(text)
    except RequestNotUnderstood:
        return
    assert (command, args["agent_type"], args["content"]) == ("log-interaction", "developer", content), text


@SETTINGS
@given(
    st.sampled_from(["mark", "set", "update", "move"]),
    st.sampled_from(
        ["[session {s}]", "(session: {s})", "- session {s}", ", session {s}", "{{session {s}}}", "in {s}"]
    ),
    st.sampled_from(["sess_beta", "bazinga_20251202_140000", "session_42"]),
    st.sampled_from(["completed", "to failed", "as in progress"]),
)
def test_a_session_the_sentence_names_is_the_one_used_or_refused(verb, wrapper, session, status):
    # "Set group_a to failed [session X]" once updated the latest session holding group_a instead of X
    text = f"{verb} group_a {status} " + wrapper.format(s=session)
    try:
        command, args = parse(text)
    except RequestNotUnderstood:
        return
    assert command == "update-task-group" and args.get("session_id") == session, text


def _gerund(verb: str) -> str:
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][bdglmnpt]", verb):
        return verb + verb[-1] + "ing"  # log -> logging, set -> setting
    return verb + "ing"


@SETTINGS
@given(
    st.sampled_from(
        sorted(w for w in DATA["aside_keeps"] if DATA["_verb"].get(w) in ("create", "write", "update"))
    ),
    st.sampled_from(OBJECTS),
    SESSION,
    st.sampled_from(["", " to the db", " into the channel", " with the team", " now"]),
)
def test_a_storage_verb_in_a_last_clause_never_becomes_a_read(verb, obj, session, where):
    # "the PM state for s_1 please, saving it": the -ing clause is the write, never an aside dropped
    text = f"the {obj} for session {session} please, {_gerund(verb)} it{where}"
    assert _kind(text) in (None, "write"), text


@SETTINGS
@given(
    st.sampled_from(AGENTS), SESSION, WORDS, st.sampled_from(["Log", "Record", "Note"]), st.text(max_size=20)
)
def test_a_line_of_values_and_a_quote_logs_the_quote_or_refuses(agent, session, content, verb, extra):
    # 'Log: orchestrator, sess_beta, "…"': the values land in their arguments, the quote is the content
    text = f'{verb}: {agent}, {session}, "{content}"{extra}'
    try:
        command, args = parse(text)
    except RequestNotUnderstood:
        return
    if command == "log-interaction":
        assert args["content"].strip() == content.strip() or content.strip() in args["content"], text
        assert args["session_id"] == session, text


@SETTINGS
@given(
    st.sampled_from(["task groups", "sessions"]),
    st.sampled_from(sorted(DATA["status_like_words"])),
    st.sampled_from(["{w} {obj} in {s}?", "{obj} with status {w} in {s}", "list {w} {obj} for {s}"]),
    SESSION,
)
def test_a_status_filter_outside_the_vocabulary_is_refused_never_dropped(obj, word, shape, session):
    text = shape.format(w=word, obj=obj, s=session)
    enum = "group_status" if obj == "task groups" else "session_status"
    known = set(ENUMS[enum]["values"]) | set(ENUMS[enum]["aliases"])
    try:
        _command, args = parse(text)
    except RequestNotUnderstood:
        return
    assert word in known or args.get("status") is not None, text


@SETTINGS
@given(
    st.sampled_from(["log this QA finding", "record the developer note", "save the PM summary"]),
    SESSION,
    st.sampled_from([" - and ", "; then ", ", and then ", "; also "]),
    st.sampled_from(
        ["mark the session failed", "set group_a to completed", "update the session status to completed"]
    ),
)
def test_a_second_operation_after_a_clause_break_is_refused(head, session, joiner, second):
    text = f"{head} for {session}: cache warmed up{joiner}{second}"
    try:
        parse(text)
    except RequestNotUnderstood as error:
        assert error.code == "two_operations" or "second operation" in error.message, text
        return
    raise AssertionError(f"ran one of two operations: {text}")
