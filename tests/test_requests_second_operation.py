"""Generated search for wrong actions (round 10): a write joined to a second operation never runs either.

Held-out writers kept finding new shapes of two holes: a second operation after a write ('Mark sess_beta
completed and take a dashboard snapshot of it.': the write ran, the read was dropped) and an object noun of
another operation ('Record the security review tokens …' run as an interaction). These properties compose
such requests from the vocabulary and phrasings.json (verbs, nouns, openers), never from one example:

1. a write phrase + a connector + a phrase asking another operation (a verb of this skill or one it does
   not know: take, grab, bring up, hand me …, then an article and an operation noun) is refused;
2. a write verb + a noun phrase whose head is an operation's object, after modifiers that are agent words
   or other nouns ('the QA review status', 'the developer task group') runs that operation or is refused.

Run locally with a large count (R10D_EXAMPLES=2000) to search; the suite runs a modest one.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings, strategies as st

from skill.errors import RequestNotUnderstood
from skill.reader import parse, tables

DATA = tables()
SETTINGS = settings(
    max_examples=int(os.environ.get("R10D_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SESSION = st.sampled_from(["s_1", "sess_beta", "bazinga_20251201_090000"])

# operation A: writes that run alone (checked below), in the shapes agents write them; no text value
# after a colon (a text value may hold any words: its own check reads it)
WRITES = [
    ("Mark {s} completed", "update-session-status"),
    ("Mark session {s} as failed", "update-session-status"),
    ("Log 12,500 tokens for developer_2 in {s}", "log-tokens"),
    ("Update group_b in {s} to in_progress", "update-task-group"),
    ("Mark group_a in {s} as completed", "update-task-group"),
    ("Assign group_a in {s} to developer_3", "update-task-group"),
    ("Create task group group_c named Login for {s}", "create-task-group"),
]
# the connectors: the conjunctions of phrasings, the request openers that say "next", and punctuation
OPENERS = sorted(
    {" ".join(o) for o in DATA["_request_openers"][0]}
    & {"also", "then", "and", "plus", "and then", "after that", "afterwards", "next", "finally", "once done"}
)
CONNECTORS = st.sampled_from(
    [f" {c} " for c in DATA["conjunctions"]["words"]]
    + [f", {c} " for c in OPENERS]
    + [f". {c.capitalize()}, " for c in OPENERS]
    + ["; ", " - ", " \u2014 ", ". ", ", and after that ", ", followed by ", " & ", ". Oh and "]
)
# verbs asking a read: the vocabulary's read verbs (one word, no noun) and verbs it does not know
READ_VERBS = sorted(
    w for w in DATA["verbs"]["read"] if " " not in w and w not in DATA["_noun"] and not w.endswith("ing")
)
READ_VERBS = [w for w in READ_VERBS if w not in DATA["function_words"]["asking"] and w not in ("tell", "see")]
OTHER_VERBS = ["take", "grab", "bring up", "pull up", "hand me", "email me", "render", "generate", "produce"]
# objects of another operation: every noun of a topic that has a read, with an article or a pointer
READ_TOPICS = [t for t, ops in DATA["operations"].items() if "read" in ops and not t.startswith("_")]
NOUNS = sorted(
    n
    for t in READ_TOPICS
    for n in DATA["nouns"].get(t, ())
    if t not in ("session_field", "query") and " of " not in n and " on " not in n and " for " not in n
)
ARTICLES = st.sampled_from(["the ", "its ", "their ", "the latest ", "me the ", "a "])
TAILS = st.sampled_from(["", " of it", " for it", " for {s}", " too", " as well", " please", "."])


def _outcome(text: str) -> str | None:
    try:
        command, _args = parse(text)
    except RequestNotUnderstood:
        return None
    return command


def test_the_writes_run_alone():
    for phrase, command in WRITES:
        assert _outcome(phrase.format(s="s_1")) == command, phrase


@SETTINGS
@given(
    st.sampled_from(WRITES),
    CONNECTORS,
    st.sampled_from(READ_VERBS + OTHER_VERBS),
    ARTICLES,
    st.sampled_from(NOUNS),
    TAILS,
    SESSION,
)
def test_a_write_then_another_operation_runs_neither(write, connector, verb, article, noun, tail, session):
    phrase, command = write
    if verb.endswith((" me", " us")) and article.startswith("me "):
        article = article[3:]  # "hand me the logs", not "hand me me the logs"
    asked = f"{verb} {article}{noun}{tail}".format(s=session)
    text = phrase.format(s=session) + connector + asked
    assert _outcome(text) is None, text


# -- 2. the object names the operation ------------------------------------------------------------------
# head noun -> the operations a write verb may run with it (its write, update or create)
HEADS = {
    "tokens": {"log-tokens"},
    "token usage": {"log-tokens"},
    "state": {"save-state"},
    "decision": {"log-decision"},
    "skill output": {"save-skill-output"},
    "task group": {"create-task-group", "update-task-group"},
    "config": {"set-config"},
    "review status": {"update-task-group"},
    "interaction": {"log-interaction"},
}
MODIFIERS = ["QA", "PM", "developer", "tech lead", "investigator", "security review", "orchestrator"]
WRITE_VERBS = ["record", "log", "save", "store", "write", "capture", "persist", "track", "post", "submit"]
VALUES = [": security_reviewer 12,750", ": approved", ": all checks pass", ": qa_expert 300"]


@SETTINGS
@given(
    st.sampled_from(WRITE_VERBS),
    st.sampled_from(MODIFIERS),
    st.sampled_from(sorted(HEADS)),
    st.sampled_from([" for {s}", " in {s}", " for session {s}"]),
    st.sampled_from(VALUES),
    SESSION,
)
def test_the_head_noun_names_the_operation(verb, modifier, head, where, value, session):
    text = f"{verb.capitalize()} the {modifier} {head}{where.format(s=session)}{value}."
    command = _outcome(text)
    assert command is None or command in HEADS[head], (text, command)


# -- 3. round 10g: bare nouns after unknown verbs, a group's field said of a session, a session as key -----
BARE_VERBS = ["render", "generate", "produce", "compute", "regenerate", "open"]


@SETTINGS
@given(
    st.sampled_from(WRITES),
    st.sampled_from([" - ", ". ", "\n", ", once done ", ", and after that ", " and "]),
    st.sampled_from(BARE_VERBS),
    st.sampled_from(["", "a ", "the "]),
    st.sampled_from(["snapshot", "dashboard", "tokens", "token summary", "token usage"]),
    st.sampled_from(["", ".", " for {s}", " for it"]),
    SESSION,
)
def test_an_unknown_verb_and_a_bare_noun_after_a_write_runs_neither(
    write, connector, verb, article, noun, tail, session
):
    phrase, _command = write
    if verb == "open" and (connector in (" - ", ". ", "\n") or not article):
        return  # 'open' is also a create verb: only said after a joining word with its object is it asked
    text = phrase.format(s=session) + connector + f"{verb} {article}{noun}{tail}".format(s=session)
    assert _outcome(text) is None, text


@SETTINGS
@given(
    st.sampled_from(["Mark", "Set", "Flag"]),
    st.sampled_from(["", "QA ", "tech lead "]),
    st.sampled_from(["review status", "assignee"]),
    st.sampled_from([" of {s}", " for {s}", " for session {s}"]),
    st.sampled_from([" as completed", " to failed", " to approved"]),
    SESSION,
)
def test_a_group_field_said_of_a_session_is_no_session_update(verb, modifier, field, where, value, session):
    text = f"{verb} the {modifier}{field}{where.format(s=session)}{value}"
    assert _outcome(text) != "update-session-status", text


@SETTINGS
@given(
    st.sampled_from(["Record", "Store", "Save", "Set"]),
    st.sampled_from(["", "tech lead review ", "testing "]),
    st.sampled_from(["config", "configuration", "settings"]),
    st.sampled_from([" for {s}", " in session {s}", " under {s}"]),
    SESSION,
)
def test_a_session_is_never_a_config_key(verb, modifier, noun, where, session):
    text = f'{verb} the {modifier}{noun}{where.format(s=session)}: {{"strict": true}}'
    assert _outcome(text) is None, text
