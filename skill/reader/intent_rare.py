"""The functions of :mod:`.intent` that few requests reach, loaded on their first call.

Fewer than 5% of the corpora's texts call any one of them (measured when they were moved), and
unmarshalling code is most of what importing the reader costs: :mod:`.intent` keeps a stand-in for each
(``lexicon.rarely_used``), so a request that needs none of them never loads this module. Their code and
their tests are those of :mod:`.intent`; a function moves back when most requests come to need it.
"""

from __future__ import annotations

import re

from ..vocabulary import COMMANDS, ENUMS, argument_specs
from . import regex_cache as rx
from .intent import (
    _AFTER_POINTER,
    _POINTING,
    _STATUS_UPDATES,
    _counts,
    _is_known_word,
    _takes_an_object,
)
from .lexicon import (
    GROUP_ID,
    PARENS,
    SESSION_SHAPE,
    agent_or_none,
    enum_words,
    session_like,
    words_of,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any


def _modifies_a_noun(words: list[str], at: int, data: dict[str, Any]) -> bool:
    """'save the pipeline health check output', 'log the nightly build report': a verb word inside the
    noun phrase of the verb's object -- after an article and at most two plain words, right before an
    operation noun -- describes the noun, no second verb."""
    nouns = data["_noun"]
    if at + 1 >= len(words) or not (words[at + 1] in nouns or " ".join(words[at + 1 : at + 3]) in nouns):
        return False
    k = at - 1
    while k >= 0 and at - k <= 3 and words[k] not in data["_articles"]:
        plain = words[k].isalpha() and not _is_known_word(words[k], data)
        if not plain:
            return False  # "… then check the output", "… for s_1 check output": no noun phrase open
        k -= 1
    return k >= 1 and words[k] in data["_articles"] and at - k > 1


def _group_field_after(words: list[str], at: int, data: dict[str, Any]) -> bool:
    """'group_a's review status', 'the group status', 'group_b assignee': a field of the task group (phrasings
    ``group_fields``) right after it names what is written."""
    return any(words[at : at + len(f.split())] == f.split() for f in data["group_fields"]["words"])


def _is_instruction(words: list[str], data: dict[str, Any]) -> bool:
    """'group_auth of s_1 fails - mark it as failed': a verb that is no noun, and a group it is about."""
    return any(
        data["_verb"].get(w) in ("update", "create") and w not in data["_dual"] for w in words
    ) and any(GROUP_ID.match(w) for w in words)


def _is_request(words: list[str], data: dict[str, Any]) -> bool:
    """'get the task groups for s_1': a verb, then an object of its own."""
    first_verb = next((i for i, w in enumerate(words) if w in data["_verb"] and w not in data["_dual"]), None)
    return first_verb is not None and any(w in data["_noun"] for w in words[first_verb + 1 :])


def _names_something(words: list[str], data: dict[str, Any]) -> bool:
    return any(w in data["_verb"] or w in data["_noun"] or w in data["_command_names"] for w in words)


def _every_group_reported(sentence: str, topic: str, data: dict[str, Any], said_all: str = "") -> bool:
    """'Tech lead sign-off: all groups approved. Please set s_1 to completed.': a sentence of only a
    quantifier, the groups and how they ended (phrasings ``groups_reported``) says what happened, why the
    update is asked; no read of its own (it names no session, no group, no filter)."""
    said = data["groups_reported"]

    def aside(match: re.Match[str]) -> str:
        # "(group_a was the only one)": which groups "all" were, no other value
        inner = words_of(match.group(0))
        return " " if all(GROUP_ID.match(w) or w in said["aside"] for w in inner) else match.group(0)

    sentence = PARENS.sub(aside, sentence)
    # "All groups in s_1 are merged": the groups' session (one, after a preposition) and a copula tell whose
    # groups they are and how they stand, no filter of a read
    # ("all groups of s_2 approved. Set s_1 to completed": another session's groups are no context)
    sessions = {m.group(1).lower() for m in SESSION_SHAPE.finditer(sentence + " " + said_all)}
    words = words_of(
        rx.sub(r"(?i)\b(?:in|of|for)\s+(?:session\s+)?" + SESSION_SHAPE.pattern, " ", sentence)
        if len(sessions) == 1
        else sentence
    )
    return (
        topic == "task_group"
        and bool(words)
        and words[0] in said["quantifiers"]
        and any(data["_noun"].get(w) == "task_group" for w in words)
        and words[-1] in said["states"]
        and all(
            w in said["quantifiers"]
            or w in said["states"]
            or w in said["copulas"]
            or data["_noun"].get(w) == "task_group"
            for w in words
        )
    )


def written_topics(data: dict[str, Any]) -> set[str]:
    """The topics of records a write of their own writes (the task groups, state, tokens …): the operation of
    their write class is a write. Not the sessions: a session is written only when it is created or its
    status changes ('the review session' names no new session)."""
    if "_written_topics" not in data:
        data["_written_topics"] = {
            topic
            for topic, ops in data["operations"].items()
            if not topic.startswith("_")
            and COMMANDS.get(ops.get("write", ""), {}).get("kind") == "write"
            and not ops["write"].endswith("session")
        }
    return data["_written_topics"]  # type: ignore[no-any-return]


def _reported_by_its_agent(words: list[str], index: int, data: dict[str, Any]) -> bool:
    """'log my blocker', 'record the QA blocker', "the developer's blocker": the word is the agent's own
    (after my / our / a role) and a write verb comes before it."""
    before = words[index - 1] if index else ""
    owned = (
        before in ("my", "our")
        or before in data["_agent_words"]
        or (before.endswith("'s") and agent_or_none(before[:-2]) is not None)
    )
    written = any(data["_verb"].get(w) in ("write", "create") for w in words[:index])
    return owned and written


def _updated_objects(words: list[str], data: dict[str, Any]) -> set[str]:
    """The update commands of the object nouns among ``words`` ('config' -> set-config)."""
    found = set()
    for word in words:
        topic = data["_noun"].get(word)
        command = data["operations"][topic].get("update") if topic in data["operations"] else None
        if command:
            found.add(command)
    return found


def _updates_another_object(before: list[str], rest: list[str], data: dict[str, Any]) -> bool:
    """'Mark s_1 completed, then set config release_config to {…}': the second update verb's object is
    one the first part does not update (a config, a state, a skill output), not a field of the same
    group or session ('… and set its review status'): two operations."""
    second = _updated_objects(rest, data) - set(_STATUS_UPDATES)
    return bool(second - _updated_objects(before, data))


def _named_read(
    sentence: str, words: list[str], at: int, phrase: str, topic: str, found: str, data: dict[str, Any]
) -> str | None:
    """'Token summary for sess_beta.', 'The logs for s_1 please.', 'Also the task groups.' after the
    operation's sentence: the read it names by its object and nothing else (phrasings ``named_read``),
    another operation than ``found``; None for a value ('Session: s_1.', 'Task group group_b.') or prose
    ('the token summary looked off')."""
    read: str | None = data["operations"][topic].get("none")
    if read is None or COMMANDS[read]["kind"] != "read" or read in (found, "query"):
        return None
    if {read, found} <= {"get-logs", "stream-logs"}:
        return None  # "Stream the logs for s_1. Last 20 entries.": the same read
    named = data["named_read"]
    before, after = set(named["before"]), set(named["after"])
    lead = 0
    while lead < at and words[lead] in before:
        lead += 1
    if not all(w in before or w in data["_articles"] or _counts(w, data) for w in words[:at]) and (
        _takes_an_object(words, lead, data) != at + len(phrase.split())  # "Then take a dashboard snapshot."
    ):
        return None
    size = len(phrase.split())
    rest = words[at + size :]
    if rest and (any(c.isdigit() or c == "_" for c in rest[0]) or session_like(rest[0])):
        return None  # "Task group group_b.": the object's value
    if rx.search(r"[:=]", sentence):
        return None  # "Session: s_1.", "Session ID: s_1": a label and its value
    specs = argument_specs(read)
    labels = {w for key, args in data["_label"].items() if set(args) & set(specs) for w in key.split()}
    for spec in specs.values():  # "… by agent type", "… that are completed": a value of the read's own
        if spec["type"] in ENUMS:
            enum = ENUMS[spec["type"]]
            labels.update(w for value in [*enum["values"], *enum["aliases"]] for w in words_of(value))
    for word in rest:
        if not (
            word in after
            or word in labels  # "… by agent type": a value of the read
            or word in data["_qualifiers"]
            or word in data["_articles"]
            or word in data["_noun"]
            or word in data["_agent_words"]
            or word in _POINTING  # "Then take a dashboard snapshot of it.": the object said before
            or any(c.isdigit() or c == "_" for c in word)
            or session_like(word)
        ):
            return None  # a word of prose: no read asked
    return read


def _acts_on_its_object(
    words: list[str], pairs: Any, lead: str | None, found: str, data: dict[str, Any]
) -> str | None:
    """'Group_a is done, mark it completed.', 'The PM state {…}, save it.': a sentence naming its object
    first and then a write verb pointing back at it ('it', 'them' …); the write it asks, when it is another
    operation than ``found`` and than the read of that same object (a verbless sentence naming it first)."""
    if lead not in ("update", "write", "create"):
        return None
    if not any(
        data["_verb"].get(verb) == lead and after in _POINTING | {"this", "that"}
        for verb, after in zip(words, words[1:])
    ):
        return None
    for verb, topic, _at, primary, _phrase in pairs:
        if verb != "none" or not primary or topic.startswith("="):
            continue
        command: str | None = data["operations"][topic].get(lead)
        if command is not None and found not in (command, data["operations"][topic].get("none")):
            return command
    return None


def _joined(words: list[str], at: int, data: dict[str, Any]) -> bool:
    """'mark s_1 completed and the dashboard', '… as well as the token summary': a conjunction between the
    sentence's first verb and the noun at ``at``; or 'mark s_1 completed; take a dashboard snapshot': a verb
    the vocabulary does not know, with the noun as its object."""
    first = next((i for i, w in enumerate(words[:at]) if w in data["_verb"]), None)
    if first is None:
        return False
    said = " ".join(words[first + 1 : at])
    return any(f" {' '.join(c)} " in f" {said} " for c in data["_conjunctions"]) or any(
        _takes_an_object(words, k, data) > at for k in range(first + 1, at)
    )


def _reads_an_object(words: list[str], at: int, data: dict[str, Any]) -> bool:
    """'… log em and pull the token summary', '… then check the logs': a read verb that is a plain word
    elsewhere ('pull requests', 'check in'), here with an object of this skill right after it."""
    if data["_verb"].get(words[at]) not in ("read", "stream"):
        return False
    k = at + 1
    while k < len(words) and words[k] in data["_articles"]:
        k += 1
    return k < len(words) and (words[k] in data["_noun"] or " ".join(words[k : k + 2]) in data["_noun"])


def _writes_a_pronoun(sentences: list[str], data: dict[str, Any]) -> bool:
    """'save them as …', 'store it under …', 'log that as orchestrator tokens': a write verb whose object
    is a pronoun ('this' or 'that' with no noun or clause of its own after it)."""
    for sentence in sentences:
        words = words_of(sentence) + [""]
        for verb, after, then in zip(words, words[1:], words[2:]):
            if data["_verb"].get(verb) not in ("write", "create"):
                continue
            if after in _POINTING or (after in ("this", "that") and (not then or then in _AFTER_POINTER)):
                return True
    return False


def _pages(verb: str, rest: list[str], data: dict[str, Any]) -> bool:
    """'showing 50', 'return the next 25 entries': a read verb, then a count and only the words of one."""
    if data["_verb"].get(verb) not in ("read", "stream"):
        return False
    counting = data["_articles"] | set(data["slots"]["limit_before"]) | set(data["slots"]["limit_nouns"])
    counted = [w for w in rest if w.isdigit() or w in data["slots"]["number_words"]]
    return bool(counted) and all(w in counting or w in counted for w in rest)


def _points_at_a_session(head: str) -> bool:
    """'Dashboard snapshot please -> bazinga_2025…': one arrow after words naming no value, pointing at one
    session-shaped id that ends the request, says which session the read is for; no new value."""
    parts = rx.split(r"\u2192|->|=>", head.strip())
    if len(parts) != 2 or rx.search(r"[\d_]", parts[0]):
        return False
    return SESSION_SHAPE.fullmatch(parts[1].strip().rstrip(".!")) is not None


def _states_a_new_value(head: str, data: dict[str, Any]) -> bool:
    """One group id and a status, verdict or revision count for it: 'group_a completed (s_1)'."""
    words = words_of(head)
    if len({w for w in words if GROUP_ID.match(w)}) != 1 or words[:1] and words[0] in data["_verb"]:
        return False
    enums = {spec["type"] for spec in argument_specs("update-task-group").values() if spec["type"] in ENUMS}
    values = {w for enum in enums for w, _ in enum_words(enum)}
    text = " ".join(words)
    return (
        any(rx.search(r"(?<![\w-])" + re.escape(v) + r"(?![\w-])", text) for v in values)
        or "revision" in words
    )
