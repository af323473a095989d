"""Stage 5, coverage and the guarantees: nothing the text gives is dropped, nothing it does not give is used.

Before conversion: a list where the operation takes one value is refused (``check_lists``), and so is a
second operation opening the content. After it (``check_result``): a write-led request never runs a read
nor a read-led one a write; a verbless read that carries a value to store is refused; every agent id and
iteration of a write's sentence lands in an argument; every value of a write appears in the text, up to
the vocabulary's normalisation (``check_provenance``). The one check that needs the database,
``check_session_typo``, is in :mod:`.lexicon`: a request read by the documented-form path needs it too.
"""

from __future__ import annotations

import json
import re

from ..vocabulary import AGENT_TYPES, COMMANDS, ENUMS, OPERATIONS, argument_specs
from . import regex_cache as rx
from .intent import _PARTICLES, Intent, _is_known_word, _takes_an_object, written_topics
from .lexicon import (
    AGENT_ID_SHAPE,
    CHANGE_TARGETS,
    GROUP_ID,
    NUMBER,
    PARENS,
    SESSION_SHAPE,
    TOKEN,
    Lazy,
    active_voice,
    after_colon,
    agent_or_none,
    agent_phrases,
    agent_prefix,
    agents_in,
    alternation,
    clean_scalar,
    clean_token,
    correct_typos,
    enum_words,
    function_words,
    hand_over_pattern,
    has_json_value,
    label_key,
    label_of,
    negated_ids,
    noun_at,
    rarely_used,
    refuse,
    session_like,
    shorten,
    strip_quoted,
    tables,
    told_verbs,
    untouched_as_ruled_out,
    without_asked_writes,
    without_idioms,
    words_of,
)
from .slots import free_ids, group_owners

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

    from .split import Labelled

# the functions few requests reach: in coverage_rare, loaded on the first call of one of them
if TYPE_CHECKING:
    from .coverage_rare import (
        _by_chance,
        _change_read,
        _check_context_states,
        _check_pronoun_object,
        _command_line_value,
        _edit_distance,
        _names_a_report,
        _points_to_context,
        _statuses_said,
        _topic_at,
        _wished_object,
        check_written as check_written,
    )
else:
    (
        _by_chance,
        _change_read,
        _check_context_states,
        _check_pronoun_object,
        _command_line_value,
        _edit_distance,
        _names_a_report,
        _points_to_context,
        _statuses_said,
        _topic_at,
        _wished_object,
        check_written,
    ) = rarely_used(
        __name__,
        "_by_chance",
        "_change_read",
        "_check_context_states",
        "_check_pronoun_object",
        "_command_line_value",
        "_edit_distance",
        "_names_a_report",
        "_points_to_context",
        "_statuses_said",
        "_topic_at",
        "_wished_object",
        "check_written",
    )


def check_read_carries_no_write(
    command: str, intent: Intent, body: str, text: str, data: dict[str, Any]
) -> None:
    """Guarantee, second net: a read never answers a request that says to write anywhere ("…: changes
    requested, bump the revision count", "used 31k tokens - log that please"), nor a verbless one that
    carries values only a write takes (a token count, an agent id)."""
    words = words_of(body) + [w for s in intent.sentences for w in words_of(_value_asked(s, data))]
    markers = data["_write_markers"] | function_words("verbs_of_a_write")
    said = [w for w in words if w in markers]
    spoken = rx.search(
        rf"(?i)\b(?:{'|'.join(told_verbs(dual=True))})\s+(?:it|that|them|this|['\u2019]?em)\b",
        body + " " + " ".join(intent.sentences),
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
            agent_ids = AGENT_ID_SHAPE.finditer(strip_quoted(text).lower())
            carries = carries or any(agent_prefix(m.group(1)) for m in agent_ids)
    else:
        carries = False
    if carries:
        raise refuse(
            "the request gives a value to store (a token count or an agent id) but names no write "
            "(log, save …); writes are never guessed",
            command,
        )


# where a clause starts: a sentence, a line, a dash, "+" or "&" ("CDN purge + log 300 tokens for qa"),
# a semicolon, ", and", "(and"
_CLAUSE_BREAK = Lazy(
    r"(?<=[.!?])\s+|\n+|\s+[-\u2013\u2014+&]+\s+|;\s*|[,(]\s*(?=(?:and|then|also|plus)\b)",
    needs=(".", "!", "?", "\n", "-", "\u2013", "\u2014", "+", "&", ";", ",", "("),
)


def check_body_starts_no_operation(
    command: str, raw: dict[str, Any], reason: str = "", sentence: str = ""
) -> None:
    """'…: all 31 invoice tests green. Also mark group_b as completed.': a second operation in the content;
    where the operation takes no text, in what follows its sentence ('Mark group_b failed in s_1 — also
    mark group_c completed': ``reason``, the text after the head's colon or dash; ``sentence``, before it).
    A short text value (a task group's name) is no prose: a sentence after its first that asks for an
    operation ('Name: CDN purge. Log 300 tokens for qa') is one too, with or without 'also'."""
    data = tables()
    if COMMANDS[command]["kind"] != "write":
        return
    specs = argument_specs(command)
    body_arg = data["body_args"].get(command)
    in_reason = body_arg not in specs
    body = reason if in_reason else raw.get(body_arg)
    if isinstance(body, str):
        _check_text_asks_nothing(command, _after_json(body), in_reason, False, sentence, data)
    for name in specs:
        # 'Name: CDN purge. Also log 300 tokens for qa', 'Name: CDN purge' then 'Also mark group_b …'; the
        # lines after a one-line value ('Iteration: 2' then 'Also mark group_b completed.'), which no
        # argument takes
        if name != body_arg and isinstance(raw.get(name), str):
            _check_text_asks_nothing(command, raw[name], False, True, sentence, data)


def check_head_wishes_no_write(command: str, head: str) -> None:
    """'Mark group_a completed. I also need 300 tokens logged for qa.', 'Update session s_1 to completed;
    I need the PM state saved too': a later clause of the head asks a write as a wish (``wished_writes``;
    the first clause is the operation's own: 'I need group_a marked completed in s_1'), or opens with the
    name of an operation ('…; update-task-group group_a --status completed')."""
    if COMMANDS[command]["kind"] != "write":
        return
    data = tables()
    for clause in _CLAUSE_BREAK.split(strip_quoted(head))[1:]:
        words = words_of(clause)
        # "log-tokens s_1 qa 300; update-task-group group_a --status completed": a second command line, its
        # name then a value ("get-logs confirmed the spike" is a story)
        named = bool(words) and words[0] in OPERATIONS and _command_line_value(clause, words)
        line = words[:1] if named else []
        wished = " ".join(line) or _wished_write(words, data)
        if wished:
            raise refuse(
                f"the request holds a second operation ('{wished} …'"
                f"{'' if line else ', said as a wish'}) after its {command}; "
                "send one request per operation",
                command,
                kind="two_operations",
            )
    _check_second_request(command, head, data)


def check_object_named(command: str, head: str) -> None:
    """'Add the group review status …', 'Store the task group config …', 'Log the token interaction …': the
    object after a write verb is a compound of operation nouns of different records (maybe with names and
    agent words between them); its last noun names the object, and when the operation read is not that
    noun's, the request is refused -- never another operation's write."""
    if COMMANDS[command]["kind"] != "write":
        return
    data = tables()
    said = strip_quoted(head)
    for mark in (":", ",", ";", ".", "(", "|", "\n", " - ", " \u2013 ", " \u2014 ", "\u2192"):
        said = said.split(mark)[0]  # the object phrase ends where the sentence's first part does
    words = [rx.sub(r"['\u2019]s$", "", w) for w in words_of(said)]
    at = next((i for i, w in enumerate(words) if data["_verb"].get(w) in ("write", "create", "update")), None)
    if at is None:
        return
    k = at + 1
    while k < len(words) and words[k] in data["_articles"]:
        k += 1
    topics: list[str] = []
    while k < len(words):
        noun = noun_at(words, k)
        if _names_own_record(command, words, k, topics, data):
            k += 1  # "save state investigation for s_1 {…}": the word after the record's noun is its type
        elif noun and noun in data["_report"] and k > at + 1:
            topics.append("interaction")  # "my progress report": what an agent reports, an interaction
            k += 1
        elif noun:
            topics.append(data["_noun"][noun])  # "the dashboard review config": a noun of another record
            k += len(noun.split())
        elif words[k] in data["_report"]:
            topics.append("interaction")  # "the QA verdict tokens": what an agent reports
            k += 1
        elif _an_agent("_".join(words[k : k + 2]), data):
            k += 2  # "the tech lead tokens"
        elif (
            _an_agent(words[k], data)
            or ("_" in words[k] and not GROUP_ID.match(words[k]))
            or (words[k].isalpha() and not _is_known_word(words[k], data))  # "the final group output"
        ):
            k += 1  # "the QA review status", "the security_scan output"
        else:
            break
    if (
        len(set(topics)) > 1
        and topics[-1] in written_topics(data)
        and command not in data["operations"].get(topics[-1], {}).values()
    ):
        named = " and ".join(t.replace("_", " ") for t in dict.fromkeys(topics))
        raise refuse(
            f"the object names two records ({named}), "
            f"its last noun not one {command} writes; say which record to write, one request per operation",
            command,
            kind="two_operations",
        )


def _names_own_record(
    command: str, words: list[str], k: int, topics: list[str], data: dict[str, Any]
) -> bool:
    """'save state investigation for s_1 {…}': one report word (``report_nouns``) right after the noun of the
    operation's own record, and last in the object phrase, names that record (its state type, decision type
    or skill) when the operation takes such a name; 'save state investigation notes …' (a second report word
    after it), 'record decision notes …' (a plural: what it holds) and 'log the token investigation …'
    (token usage takes no name) still name two records."""
    if not topics or words[k] not in data["_report"] or words[k] in data["_noun"]:
        return False
    if words[k].endswith("s") and words[k][:-1] in data["_report"]:
        return False  # "save state notes …": what the record holds, said in the plural, names no type
    if command not in data["operations"].get(topics[-1], {}).values() or len(topics) > 1:
        return False
    if not any(spec["type"] == "name" for spec in COMMANDS[command]["args"]):
        return False
    after = words[k + 1] if k + 1 < len(words) else ""
    return not (after in data["_report"] or noun_at(words, k + 1) or _an_agent(after, data))


def _check_second_request(command: str, head: str, data: dict[str, Any]) -> None:
    """'Mark s_1 completed. Once done, return its token summary', '… - hand me the dashboard', '…, then
    render its activity': after the head's first clause, or after a word joining a second one ('then',
    'plus', 'followed by' …), a verb whose object is an operation noun of this skill asks a second
    operation; refused."""
    joins = [c for c in data["_request_openers"][0] if len(c) < 3] + [("as", "well", "as")]
    body = after_colon(head) if data["body_args"].get(command) in argument_specs(command) else None
    if body is not None:
        head = head[: len(head) - len(body)]  # the text value after the colon: its own check reads it
    # "ops_1 → completed. updte the session status pls": a later clause's words read with the typos the
    # intent corrects, so the request's own verb misspelt restates it and a misspelt other one is still asked
    for index, clause in enumerate(_CLAUSE_BREAK.split(strip_quoted(correct_typos(head)))):
        opened: list[str] = []
        for number, part in enumerate(clause.split(",")):
            # "Once done, produce history": the openers before the comma open the words after it
            words = opened + words_of(part)
            opened = words if words and _opener_end(words + ["?"], data) == len(words) else []
            # "…, name: Token refresh": a label and its value
            starts = (
                [] if index == number == 0 or part.split(":")[0].strip().isalpha() and ":" in part else [0]
            )
            said = [(0, 0)] if starts else []
            said += [
                (j, len(c)) for j in range(1, len(words)) for c in joins if tuple(words[j : j + len(c)]) == c
            ]
            for start, size in said:
                asked = words[start:]
                lead = size + _opener_end(asked[size:], data)
                if (start == 0 or lead) and _asks_for_an_object(asked, lead, command, data):
                    raise refuse(
                        f"the request holds a second operation ('{' '.join(asked[lead : lead + 2])} …') "
                        f"after its {command}; send one request per operation",
                        command,
                        kind="two_operations",
                    )


def _asks_for_an_object(words: list[str], at: int, command: str, data: dict[str, Any]) -> bool:
    """The clause's word ``at`` asks for an operation: a verb of this skill with an object its class has an
    operation for (``_asks``), or a verb the vocabulary does not know ('take', 'hand', 'email'), then 'me'
    or 'us' or an article, and an operation noun ('hand me the overview', 'grab the latest token summary');
    'latest', 'recent' … between them are the object's. Not the request's own ``command``: a later clause
    may be the request after its context ('Tests pass. Please mark group_a completed')."""
    said = [  # "set the group's status"
        rx.sub(r"['\u2019]s$", "", w) for i, w in enumerate(words) if i <= at or w not in data["stream_words"]
    ]
    if at >= len(said) or said[at].endswith("ed") or (said[at].endswith("ing") and len(said[at]) > 5):
        return False  # "… then checked the logs", "saving state now takes 3 ms": told, no request
    for phrase in data["conjunctions"]["noun_verbs"]["phrases"]:
        size = len(phrase.split())
        if " ".join(said[at : at + size]) == phrase and (
            at
            or said[at + size : at + size + 1] in (["it"], ["the"], ["a"], ["its"], ["their"], ["me"], ["us"])
        ):
            return True  # "…, once done snapshot the token summary": an operation's noun as its verb
    if " ".join(said[at : at + 2]) in data["_noun"]:
        return False  # "Log entries are in the ticket": a noun, no verb
    # "send me the tokens": a verb said to the skill reads
    kind = "read" if said[at + 1 : at + 2] in (["me"], ["us"]) else data["_verb"].get(said[at])
    if kind is None and (
        not said[at].isalpha()
        or _is_known_word(said[at], data)
        or said[at] in data["negated"]["leave"]  # "leave the session alone": ruled out, no request
        or said[at] in data["negated"]["words"]  # "…, not the session"
    ):
        return False
    k = at + 1
    if k < len(said) and said[k] in _PARTICLES:
        k += 1  # "pull up the logs"
    marked = k
    while k < len(said) and (said[k] in ("me", "us") or said[k] in data["_articles"]):
        k += 1
    while k < len(said) and "_" in said[k] and said[k].replace("_", "").isalnum() and noun_at(said, k + 1):
        k += 1  # "grab the security_scan output", "log a qa_gate decision": the name of the record
    if k < len(said) and (GROUP_ID.match(said[k]) or said[k] in OPERATIONS):
        # "Tests pass; mark group_a completed": the request's own operation, after its context
        named = said[k] if said[k] in OPERATIONS else data["operations"]["task_group"].get(kind or "")
        return kind is not None and named != command
    noun = noun_at(said, k)
    if not noun or kind == "delete":
        return False
    marked -= kind is not None  # "- view overview": a verb of this skill needs no article
    after = said[k + len(noun.split()) : k + len(noun.split()) + 3]
    if after[:1] in (["is"], ["was"], ["are"], ["were"], ["has"], ["had"], ["have"]) or (
        after[:1] == ["to"] and any(_an_agent(w, data) for w in after[1:])
    ):
        return False  # "note the tokens were over budget", "report the results to the PM"
    own = data["operations"][data["_noun"][noun]].get(kind or "")
    # "…, once done open a token summary": a verb of unclear class that is no update, after a word joining a
    # clause (not only a courtesy: "Please close the session"), is no restatement of the request's own
    unclear = (
        kind != "update"
        and said[at] in data["conjunctions"].get("not_verbs", ())
        and any(w not in data["request_openers"]["courtesy"] for w in said[:at])
    )
    if own == command and not unclear:
        return False  # "…. Could you log this requirements_engineer interaction: …": the request itself
    # "hand me the overview", "Then render activity", "take session details"; not "parser state
    # corrupt" (no article, opener nor 'me': a noun phrase of the story)
    # "generate history for it": the object's record named after it
    pointed = after[:1] in (["for"], ["of"]) and (
        after[1:2] in (["it"], ["them"]) or bool(SESSION_SHAPE.fullmatch(after[1:2] and after[1] or ""))
    )
    # "- produce snapshot.", "generate tokens": an unknown verb, then the operation noun ending the clause
    ends = not said[k + len(noun.split()) :] and kind is None
    return (
        k > marked
        or at > 0
        or pointed
        or ends
        or " " in noun
        or said[-1:] in (["too"], ["please"], ["afterwards"])
        or said[-2:] == ["as", "well"]
    )


def _check_text_asks_nothing(
    command: str, body: str, in_reason: bool, short: bool, sentence: str, data: dict[str, Any]
) -> None:
    """check_body_starts_no_operation on one text: ``in_reason``, the text after the sentence of an
    operation that takes none; ``short``, a name or a one-line value (a later sentence or line needs no
    'also' to be a request)."""
    verbs, not_verbs = data["_verb"], set(data["conjunctions"].get("not_verbs", ()))
    # "bump" after "and" is one update's ("mark it completed and bump the revision"); in another operation's
    # content ("…: group_a passes. Also bump group_a's revision count.") it is a second operation
    if "increment_revision" not in argument_specs(command):
        not_verbs -= set(data["slots"]["revision_bump"])
    clauses = _CLAUSE_BREAK.split(body)
    first = words_of(clauses[0]) if in_reason and clauses else []
    if (
        len(first) > 1
        and data["_verb"].get(first[0]) == "update"
        and GROUP_ID.match(first[1])
        and data["operations"]["task_group"]["update"] == command
        and not any(GROUP_ID.match(w) for w in words_of(sentence))
        and not any(w in data["_verb"] for w in words_of(body)[1:])
        and sum(1 for w in words_of(body) if GROUP_ID.match(w)) == 1
        and len(_statuses_said(command, body)) <= 1
    ):
        # "Update s_1: set group_a to failed": a sentence naming no group leaves the group updated to the
        # verb right after it, when no other verb follows; any other group after it is still a second one
        sentence = sentence + " " + first[1]
    # clauses too: "…: cache stampede under cold start - and mark the session failed", "…; then set …"
    tagged = False
    for index, clause in enumerate(clauses):
        words = words_of(clause)
        lead = _opener_end(words, data)  # "and then please mark …", "Could you also log …", "Oh, and save …"
        # "…; log 300 tokens for qa too": the sentence says it is asked as well
        ended = any(words[-len(end) :] == end for end in data["_request_openers"][1] if len(words) > len(end))
        # "P.S. mark group_a completed": the tag, a clause of its own; "Show me the task groups": to the skill
        addressed = words[1:2] in (["me"], ["us"]) and words[0] in verbs
        asked = lead > 0 or ended or tagged or addressed
        tagged = bool(words) and tuple(words) in data["_request_openers"][0]
        wished = _wished_write(words, data) or (
            not (in_reason or short) and _addressed_record(clause, words, data)
        )
        if wished:
            # "I also need 300 tokens logged for qa", "we'd want group_b marked done too": a wish is a request
            raise refuse(
                f"the request holds a second operation ('{wished} …', said as a wish) after its {command}; "
                "send one request per operation",
                command,
                kind="two_operations",
            )
        if not asked and _unled_request(command, words, index, in_reason, short, sentence, data):
            # "Mark group_b failed in s_1 — mark group_c completed": the text after the sentence of an
            # operation that takes no text opens with a verb of its own, for another object
            raise refuse(
                f"the request holds a second operation ('{' '.join(words[:2])} …') after its {command}; "
                "send one request per operation",
                command,
                kind="two_operations",
            )
        if asked:
            verb = words[lead]
            objects = [
                w
                for w in (rx.sub(r"['\u2019]s$", "", w) for w in words[lead + 1 :])  # "group_a's revision"
                if w in data["_noun"] or GROUP_ID.match(w) or w in OPERATIONS
            ]
            # "Also give me the task groups": a verb said to the skill ("give me", "show us") asks for a read
            addressed = words[lead + 1 : lead + 2] in (["me"], ["us"])
            # "Go ahead and close group_a", "Also finish the group_b": a verb that is often no request, but
            # with a group id as its object
            named = next((w for w in words[lead + 1 : lead + 3] if w not in data["articles"]), "")
            addressed = addressed or bool(GROUP_ID.match(rx.sub(r"['\u2019]s$", "", named)))
            if not lead:
                # "…; log 300 tokens for qa too" asks, a verb then its object; "…; saving state now happens
                # on every phase change too" tells
                ask = not verb.endswith("ing") and _asks(words, 0, data, short)
            else:
                ask = (
                    verb in verbs
                    and (verb not in not_verbs or addressed)
                    and verb not in data["_dual"]
                    and bool(objects)
                ) or ((verb in data["_dual"] or short) and _asks(words, lead, data, short))
                # "… - and grab its logs": a verb the vocabulary does not know, with an object of this skill
                ask = ask or bool(_takes_an_object(words, lead, data))
            if ask:
                # "Also mark group_b as completed", "Also log 300 tokens for qa"; not "- Please remove the
                # leftover decorator" (a note to a developer: no object of this skill), nor "Also log
                # entries rotate now" (a noun)
                raise refuse(
                    f"the request holds a second operation ('{' '.join(words[: lead + 2])} …') "
                    f"after its {command}; "
                    "send one request per operation",
                    command,
                    kind="two_operations",
                )


def _wished_write(words: list[str], data: dict[str, Any]) -> str:
    """A write asked as a wish or an obligation (``wished_writes`` of phrasings.json): 'need 300 tokens
    logged', 'get group_b marked done', 'group_b should be marked failed', 'group_a needs marking
    completed'; the participle's words, or '' when the clause asks none ('I have logged 300 tokens')."""
    wished = data["wished_writes"]
    classes = data["passive_writes"]["classes"]
    for p in range(1, len(words)):
        word = words[p]
        irregular = data["passive_writes"]["irregular"]
        stems = [irregular[word]] if word in irregular else []
        if word.endswith("ed"):
            stems += [word[:-2], word[:-1], word[:-3]]  # marked, closed, logged
        gerund = word.endswith("ing") and words[p - 1] in wished["wishes"]  # "needs marking completed"
        if gerund:
            stems += [word[:-3], word[:-3] + "e", word[:-4]]  # marking, saving, logging
        kind = next((data["_verb"][s] for s in stems if data["_verb"].get(s) in classes), None)
        if kind is None:
            continue
        if gerund:
            before = words[: p - 1]
        elif words[p - 1] == "be" and p > 1 and words[p - 2] in wished["obligations"]:
            before = words[: p - 2]  # "group_b should be marked failed", "the state has to be saved"
        else:
            # "need 300 tokens logged": a wish, then the object; not "have logged 300 tokens" (past work)
            wish = max((i for i in range(p - 1) if words[i] in wished["wishes"]), default=-1)
            before = words[wish + 1 : p] if wish >= 0 else []
        if any(_wished_object(before, i, kind, data) for i in range(len(before))):
            return " ".join(words[max(p - 3, 0) : p + 1])
    return ""


def _addressed_record(clause: str, words: list[str], data: dict[str, Any]) -> str:
    """A sentence addressed to this skill naming a record and a new value for it, or a read of it
    (``addressed_records`` of phrasings.json): 'group_a completed please', 'Time to close group_a', 'Can I
    get the task groups?', 'group_a -> completed', 'Same for sess_beta.'; the marker, or '' when the
    sentence only reports ('group_a completed earlier today')."""
    table = data["addressed_records"]
    said = " " + " ".join(words) + " "
    ids = [w for w in words if GROUP_ID.match(rx.sub(r"['\u2019]s$", "", w)) or SESSION_SHAPE.fullmatch(w)]
    vocative = rx.match(r"\s*([\w-]+)\s*,", clause)
    if vocative and _an_agent(vocative.group(1).lower(), data):
        return ""  # "developer_4, please start group_auth": said to an agent, not to this skill
    repeat = next((m for m in table["repeats"] if said.startswith(f" {m} ")), "")
    if repeat and ids:
        return repeat
    marker = next((m for m in table["markers"] if f" {m} " in said), "")
    # "Also group_a completed", "Time to close group_a": openers that ask only before a group or session id
    marker = marker or next((m for m in table["leading"] if said.startswith(f" {m} ") and ids), "")
    arrow = next((a for a in table["arrows"] if a in clause), "")
    if not (marker or arrow):
        return ""
    nouns = [
        n for n in range(len(words)) for size in (1, 2, 3) if " ".join(words[n : n + size]) in data["_noun"]
    ]
    if not (ids or nouns):
        return ""
    if marker in table["reads"]:
        # "Can I get the task groups?", "I need the task groups listed": the record right after the wish
        # ("… so we need a refresh path" names none)
        after = words[len(words_of(said[: said.index(f" {marker} ")])) + len(marker.split()) :]
        after = [w for w in after if w not in data["articles"]]
        named = after[:1] and (
            after[0] in ids or any(" ".join(after[:n]) in data["_noun"] for n in (1, 2, 3))
        )
        return marker if named else ""
    if clause.rstrip().endswith("?"):
        return marker or "?"
    statuses = {w for name in ENUMS if "status" in name for w, _v in enum_words(name)}
    verbs = data["_verb"]
    # a verb gives a value only to an id named ("close group_a"); "Please note the tokens were …" is prose
    valued = "{" in clause or any(
        w in statuses
        or w.isdigit()
        or bool(ids)
        and (w in verbs or any(s in verbs for s in (w[:-2], w[:-1], w[:-3]) if w.endswith("ed")))
        for w in words
    )
    return (marker or arrow) if valued else ""


def _unled_request(
    command: str,
    words: list[str],
    index: int,
    in_reason: bool,
    short: bool,
    sentence: str,
    data: dict[str, Any],
) -> bool:
    """A clause that asks for another operation with no opener: after the sentence of an operation that
    takes no text ('Mark group_b failed in s_1: flaky tests. Log 300 tokens for qa.'), or as a later
    sentence of a name or one-line value ('Name: CDN purge. Log 300 tokens for qa')."""
    if in_reason and (
        _another_instruction(command, words, sentence, data)
        or (bool(words) and words[0] in data["_dual"] and _asks(words, 0, data, besides=command))
    ):
        return True
    return bool(short and index) and (
        _another_instruction(command, words, sentence, data) or _asks(words, 0, data, True)
    )


def _opener_end(words: list[str], data: dict[str, Any]) -> int:
    """Where the words after a sentence's request openers start ('also', 'could you', 'after that' …:
    phrasings' ``request_openers``), 0 when none opens it; the last word is never an opener."""
    openers = data["_request_openers"][0]
    lead = 0
    while lead < len(words) - 1:
        size = next((len(o) for o in openers if tuple(words[lead : lead + len(o)]) == o), 0)
        if not size or lead + size >= len(words):
            break
        lead += size
    return lead


_AMOUNT_WORD = Lazy(r"^\d[\d_.]*[km]?$")


def _asks(words: list[str], at: int, data: dict[str, Any], pronoun: bool = False, besides: str = "") -> bool:
    """The clause's word ``at`` is a verb said to the skill: right after it (past 'me', articles and an
    amount) a group id, an operation's name, or an object the verb's class has an operation for ('log
    300 tokens', 'save the PM state', 'show me the task groups'); with ``pronoun``, 'it' or 'them' ('then
    mark it in_progress', after a name). Not the operation ``besides``, nor a noun itself ('log entries'),
    nor an object said to be something ('note the decision was reverted') or handed to an agent ('report
    the results to the PM')."""
    kind = data["_verb"].get(words[at]) if at < len(words) else None
    if kind is None or " ".join(words[at : at + 2]) in data["_noun"]:
        return False
    said = [rx.sub(r"['\u2019]s$", "", w) for w in words[at + 1 :]]
    if pronoun and said[:1] in (["it"], ["them"]):
        return True
    i = 0
    while i < len(said) and (
        said[i] in ("me", "us") or said[i] in data["articles"] or _AMOUNT_WORD.match(said[i])
    ):
        i += 1
    if i == len(said):
        return False
    if GROUP_ID.match(said[i]) or said[i] in OPERATIONS:
        return True
    size = next(
        (n for n in range(data["_noun_words"], 0, -1) if " ".join(said[i : i + n]) in data["_noun"]), 0
    )
    topic = data["_noun"].get(" ".join(said[i : i + size])) if size else None
    if data["operations"].get(topic, {}).get(kind) in (None, besides):
        return False  # no operation, or the one asked already ('besides')
    after = said[i + size : i + size + 1]
    if after == ["to"] and any(_an_agent(w, data) for w in said[i + size + 1 : i + size + 3]):
        return False  # "report the results to the PM": said to an agent, not to this skill
    return after not in (["is"], ["was"], ["are"], ["were"], ["has"], ["had"], ["have"])


def _an_agent(word: str, data: dict[str, Any]) -> bool:
    """'pm', 'developer', 'tester', 'developer_2', 'reviewer': a word naming an agent."""
    return (
        word in AGENT_TYPES["documented"]
        or word in AGENT_TYPES["aliases"]
        or word in data["report_nouns"]["roles"]
        or agent_prefix(word) is not None
    )


def _another_instruction(command: str, words: list[str], sentence: str, data: dict[str, Any]) -> bool:
    """A clause opened by a verb that writes (no noun: 'log', 'note' may open a reason) whose object is
    another group than the one changed ('mark group_c completed') or names another operation ('save the
    PM state too'); 'bump group_b's revision' after 'mark group_b failed' is the same update."""
    kind = data["_verb"].get(words[0]) if words else None
    if kind not in ("update", "write", "create") or words[0] in data["_dual"] or words[0] in data["_noun"]:
        return False
    groups = {w for w in words_of(sentence) if GROUP_ID.match(w)}
    said = [rx.sub(r"['\u2019]s$", "", w) for w in words[1:]]
    i = 0
    while i < len(said):
        if GROUP_ID.match(said[i]) and said[i] not in groups:
            return True
        size = next(  # the longest noun ("review status", not "review")
            (n for n in range(data["_noun_words"], 0, -1) if " ".join(said[i : i + n]) in data["_noun"]), 1
        )
        topic = data["_noun"].get(" ".join(said[i : i + size]))
        other = data["operations"][topic].get(kind) if topic else None
        if other is not None and other != command:
            return True
        i += size
    return False


def _after_json(body: str) -> str:
    """A body that opens with a JSON value: the text after it (the JSON itself holds no operation)."""

    text = body.strip().lstrip("`")
    if text[:1] not in ("{", "["):
        return body
    try:
        _value, end = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply: refused as a value later
        return body
    return text[end:].lstrip("`")


# two numbers joined by "and", "or", "&", "/" or ", " (not "12,500": a thousands separator)
_JOINED = r"(?:\s*,\s+|\s*(?:,\s*)?\b(?:and|or|nor)\b\s*|\s*[&/]\s*)"
_NUMBER_LISTS = {
    "tokens": Lazy(
        r"(?<![\w.])\d[\d,_.]*\s?[kK]?" + _JOINED + r"\d[\d,_.]*\s?[kK]?\s*(?:tokens?|toks?)\b",
        re.IGNORECASE,
        needs=("tok",),
    ),
    "iteration": Lazy(
        r"\biterations?\s*#?\d+" + _JOINED + r"#?\d+\b(?!\s*[\w%])",
        re.IGNORECASE,
        needs=(",", "and", "or", "&", "/"),
    ),
}
_TOKENS_AMOUNT = Lazy(r"(?<![\w.])\d[\d,_.]*\s?[kK]?\s*(?:tokens?|toks?)\b", re.IGNORECASE, needs=("tok",))


# "limit 5", "offset: 10", "limit=3": a page of rows, said with its number
PAGING_WORDS = Lazy(r"\b(limit|offset)\b\s*(?:[:=]|of|to)?\s*(\d+)", re.IGNORECASE)


def _check_status_filter(command: str, phrase: str, raw: dict[str, Any]) -> None:
    """'task groups with status blocked', 'Blocked task groups in s_1?': a status filter the vocabulary does
    not have is refused (read as no filter, the word would be dropped and every row answered)."""
    spec = argument_specs(command).get("status")
    if spec is None or spec["type"] not in ENUMS or COMMANDS[command]["kind"] != "read":
        return
    known = {word for word, _ in enum_words(spec["type"])}
    text = strip_quoted(phrase).lower()
    said_values = {
        value
        for word, value in enum_words(spec["type"])
        if rx.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text)
    }
    if len(said_values) > 1 and rx.search(r"\b(?:or|and)\b|[,/]", text):
        raise refuse(
            f"the request names several statuses ({', '.join(sorted(said_values))}); {command} filters by "
            "one: send one request per status",
            command,
            kind="list_of_values",
        )
    said = rx.search(r"\bstatus\s*(?:is|=|:)?\s+([a-z][\w-]*)", text)
    word = said.group(1) if said else None
    if word is not None and (word in tables()["_stop"] or GROUP_ID.match(word) or rx.search(r"\d", word)):
        word = None  # "the status of group_b", "status for s_1": no filter said
    if word is None or word in known:
        like_words = "|".join(tables()["status_like_words"])
        like = rx.search(r"\b(" + like_words + r")\s+(?:task\s+)?(?:groups?|sessions?)\b", text)
        word = like.group(1) if like and like.group(1) not in known else None
    if word is not None and word not in known:
        values = "|".join(ENUMS[spec["type"]]["values"])
        raise refuse(
            f"{word!r} is not a {spec['type'].replace('_', ' ')} ({values}); "
            f"{command} filters by one of these",
            command,
            kind="invalid_value",
        )


def check_lists(command: str, phrase: str, raw: dict[str, Any]) -> None:
    """A list of values where the operation takes one ('developer 500 tokens, qa 300 tokens',
    'mark group_a and group_b completed', 'task groups for sess_beta and sess_alpha') is refused: one
    request per value."""
    _check_state_types(command, phrase, raw)
    _check_status_filter(command, phrase, raw)
    if COMMANDS[command]["kind"] != "write":
        _check_read_lists(command, phrase, raw)
        return
    arg_specs = argument_specs(command)
    if "tokens" in arg_specs and "tokens" not in raw or command == "log-tokens":
        amounts = _TOKENS_AMOUNT.findall(phrase + " " + str(raw.get("tokens", "")))
        if len(amounts) > 1:
            raise refuse(
                "the request gives several token counts (" + ", ".join(a.strip() for a in amounts) + "); "
                "log-tokens takes one count for one agent: send one request per agent",
                command,
                kind="list_of_values",
            )
    unquoted = strip_quoted(phrase)
    for name, numbers in _NUMBER_LISTS.items():
        # "log 1200 and 900 tokens", "iteration 3 or 4": two numbers for one value, neither may be taken
        match = numbers.search(unquoted) if name in arg_specs else None
        if match:
            raise refuse(
                f"the request gives several values for {label_of(name).lower()} ({match.group(0).strip()}); "
                f"{command} takes one: send one request for each",
                command,
                kind="list_of_values",
            )
    _check_enum_lists(command, unquoted.split("{", 1)[0])
    # "save skill output lint-check and security-scan …", "a task_split and spawn_agent decision": one name
    _check_name_lists(command, unquoted.split("{", 1)[0], raw, _NAMED_ONCE)
    if command == "log-tokens":
        # "developer_3 12k, developer_4 9k": one count per agent, two agents
        agents = {m.group(1) for m in AGENT_ID_SHAPE.finditer(unquoted.lower()) if agent_prefix(m.group(1))}
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
            for m in SESSION_SHAPE.finditer(unquoted.split("{", 1)[0])
            if session_like(m.group(1)) and m.group(1).lower() not in ("bazinga-db", "bazinga_db")
        }
        # "for agent sess_beta_qa": the agent's id; "(not sess_beta — that one's paused)": a session ruled out
        sessions -= {str(raw.get("agent_id", "")).lower()} | negated_ids(unquoted)
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
        token = clean_scalar(value)
        if not token:
            continue
        pattern = re.escape(token) + r"\s*(?:,|&|\band\b|\bor\b|/|\+)\s*(?:session\s+|group\s+)?" + TOKEN
        shape = GROUP_ID if name == "group_id" else None
        if shape is not None and GROUP_ID.match(token.lower()):
            scope = unquoted if command == "create-task-group" else unquoted.split(":", 1)[0]
            # "…, group_b's status should be failed": a group named as an owner is a group still
            owned = (rx.sub(r"['\u2019]s$", "", w) for w in words_of(scope))
            others = {w for w in owned if shape.match(w)} - {token.lower()}
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
            match = rx.search(pattern, text, re.IGNORECASE)
            other = clean_token(match.group(1)) if match else ""
            if match and other.isdigit() and rx.match(r",\d{3}(?![\d,.]*\w)", text[match.end() :]):
                continue  # "pm, s_1, 2,480": a count written with a thousands comma, no second id
            if match and (
                _same_shape(token, other) or (name == "session_id" and SESSION_SHAPE.fullmatch(other))
            ):
                raise refuse(
                    f"the request names several {label_of(name).lower()}s ({token}, "
                    f"{clean_token(match.group(1))} …); {command} takes one: send one request for each",
                    command,
                    kind="list_of_values",
                )


def _check_state_types(command: str, phrase: str, raw: dict[str, Any]) -> None:
    """'the pm and orchestrator state': two state types where the operation takes one."""
    if "state_type" not in argument_specs(command):
        return
    for match in rx.finditer(r"((?:[\w'-]+[\s,&/+]+){2,6})states?\b", strip_quoted(phrase)):
        before = match.group(1)
        if not rx.search(r"(?:,|&|\band\b|\bor\b|/|\+)", before):
            continue
        named = list(dict.fromkeys(a for a, _after in agents_in(before)))
        if len(named) > 1:  # "the pm and orchestrator state", "the QA and tech lead state"
            raise refuse(
                f"the request names several state types ({', '.join(named)}); {command} takes one: send one "
                "request for each",
                command,
                kind="list_of_values",
            )


def _identifier(token: str) -> bool:
    """A name written as an identifier: words joined by '_' or '-' ('dep_audit', 'lint-check')."""
    return "_" in token or "-" in token.strip("-")


def _check_agent_lists(command: str, text: str) -> None:
    """'the developer and qa logs', 'logs from developer, qa': two agent types joined where a read filters by
    one are refused (the read would answer the first and drop the second)."""
    for joint in rx.finditer(r"\s*(?:,|&|\band\b|\bor\b|/|\+)\s*(?:the\s+|a\s+|an\s+)?", text, re.IGNORECASE):
        left = words_of(text[: joint.start()])[-3:]
        right = words_of(text[joint.end() :])[:3]
        first = next(
            (f[0][0] for k in (1, 2, 3) if (f := agents_in(" ".join(left[-k:]))) and f[-1][1] == ""), None
        )
        second = next(
            (
                f[0][0]
                for k in (1, 2, 3)
                if (f := agents_in(" ".join(right[:k])))
                and f[0][1] == ""
                and not agents_in(" ".join(right[1:k]))
            ),
            None,
        )
        if first and second and first != second:
            raise refuse(
                f"the request names several agent types ({first}, {second}); {command} filters by one: "
                "send one request for each",
                command,
                kind="list_of_values",
            )


def _same_shape(first: str, second: str) -> bool:
    """'group_a' and 'group_b', 'sess_1' and 'sess_2': ids of one family (same prefix before the last _)."""
    if not second or first == second:
        return False
    if "_" in first and "_" in second:
        return first.rsplit("_", 1)[0].lower() == second.rsplit("_", 1)[0].lower()
    return bool(rx.fullmatch(r"[\w.-]*\d[\w.-]*", second)) and bool(rx.fullmatch(r"[\w.-]*\d[\w.-]*", first))


def _value_asked(sentence: str, data: dict[str, Any]) -> str:
    """The sentence without a participle that asks a value ('What is testing_config set to?'): a verb
    followed only by 'to' / 'as' at the end of a question writes nothing."""
    asked = "|".join(data["passive_writes"]["asked"])
    when = alternation(data["passive_writes"]["asked_when"], spaces=r"\s+")
    sentence = without_asked_writes(without_idioms(sentence))  # "Did anyone save a lint output for s_1?"
    # "What is testing_config set to right now?": a time after it asks no less
    return rx.sub(r"(?i)\b[a-z]+\s+(?:" + asked + r")(?:\s+(?:" + when + r"))?\s*\?+\s*$", "?", sentence)


def check_direction(intent: Intent, command: str) -> None:
    """Guarantee: a request led by a write verb never runs a read, and one led by a read verb never a write.

    A write marker anywhere in the operation's sentences ("developer_3 used 7200 tokens, please save it")
    makes the request write-led too.
    """
    kind = COMMANDS[command]["kind"]
    markers = tables()["_write_markers"]
    if kind == "read" and command != "query":
        keeps = set(tables()["aside_keeps"])
        found = [
            w
            for s in intent.sentences
            for w in words_of(_value_asked(s, tables()))
            if w in markers or (w.endswith("ing") and {w[:-3], w[:-3] + "e", w[:-4]} & keeps)
        ]  # "…, setting it": a storage verb in -ing after the object
        found += [w for s in intent.sentences for w in active_voice(words_of(s), tables())[1]]
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


_ITERATION_SAID = Lazy(
    r"\biter(?:ation)?\b\s*(?:#|no\.?(?![a-z])|number\b|=|:)?\s*([^\s,;)]+)", re.IGNORECASE, needs=("iter",)
)


# "s_42": short, but a session's shape where the operation already runs on a session ("Log for s_42,
# session: s_1 …" names two sessions)
_SHORT_SESSION = Lazy(r"(?i)s[_-]\d+")  # "s_1": a short session id


def check_coverage(command: str, args: dict[str, Any], phrase: str, data: dict[str, Any]) -> None:
    """Guarantee: every value the operation's sentence gives lands in an argument, or the request is refused.

    Looked for in the sentence (not in content or JSON bodies): agent ids ('developer_4', 'qa_1') and
    iteration numbers.
    """
    used = {str(v).lower() for v in args.values() if isinstance(v, (str, int)) and not isinstance(v, bool)}
    takes_json = any(spec["type"] == "json" for spec in argument_specs(command).values())
    # JSON bodies and quoted content carry their own words
    text = strip_quoted(phrase.split("{", 1)[0] if takes_json else phrase)
    if not {"agent_id", "agent_type", "assigned_to"} & set(argument_specs(command)):
        text = rx.sub(r"^\s*\([^()]*\)", " ", text)  # "devops_1: save the … output": who speaks, no value
    # "(sess_beta's group_a is still open)": a clause of its own, read before its parentheses are dropped
    ruled_out = negated_ids(text)
    text = PARENS.sub(lambda m: " " + m.group(0)[1:-1] + " ", text)
    # "(group_a in sess_beta keeps developer_1)": another record's value, no value of the request
    for match in AGENT_ID_SHAPE.finditer(untouched_as_ruled_out(text).lower()):
        token = match.group(1)
        prefix = token.rsplit("_", 1)[0]
        if agent_or_none(prefix) is None or GROUP_ID.match(token) or prefix in ("session", "sess", "s"):
            continue
        if not any(token in value for value in used):
            raise refuse(
                f"the request names {token!r}, but {command} has no place for it; say which value it is "
                "(Agent ID: …, Assigned To: …)",
                command,
                kind="missing",
            )
    if "session_id" in argument_specs(command):
        # "Set group_a to failed [session s_1]": a session the sentence names is the one used, or refused
        named = {
            m.group(1)
            for m in SESSION_SHAPE.finditer(text)
            if (session_like(m.group(1)) or _SHORT_SESSION.fullmatch(m.group(1)))
            and m.group(1).lower() not in ("bazinga-db", "bazinga_db")
        }
        given = str(args.get("session_id", "")).lower()
        elsewhere = {str(args.get("agent_id", "")).lower()} | ruled_out  # "agent sess_beta_qa"
        missed = sorted(n for n in named if n.lower() != given and n.lower() not in elsewhere)
        if command == "update-task-group" and not missed:
            # "update rel_v2_4_0's group_rollout to completed": an identifier that can only be a session,
            # dropped, would update the latest session's group of that name; with a session given, one
            # owning the group otherwise ("rel_x's group_a in sess_beta")
            owners = set(group_owners(text))
            missed = [
                m.group(1)
                for m in free_ids(text, args)
                if m.group(1).lower() not in elsewhere and (not given or m.start(1) in owners)
            ]
        if missed:
            raise refuse(
                f"the request names session {missed[0]!r}, but {command} would run on "
                + (f"{args['session_id']!r}" if given else "the latest session with that group")
                + "; say which session (Session ID: …)",
                command,
                kind="not_understood",
            )
    iteration_match = _ITERATION_SAID.search(text)
    if iteration_match and _names_a_report(iteration_match.group(1), data):
        iteration_match = None  # "the orchestrator's iteration summary": what is reported, not a number
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
    _check_enum_label_has_a_place(command, text, data)
    paging = PAGING_WORDS.search(text)
    if paging and paging.group(1).lower() not in argument_specs(command):
        # "Log a QA note for s_1, limit 5: …": a page of rows is no value of a write (or of a one-row read)
        raise refuse(
            f"the request gives {paging.group(1).lower()} {paging.group(2)}, but {command} takes no "
            f"{paging.group(1).lower()}; remove it (or put it inside the content)",
            command,
            kind="unknown_label",
        )
    if (
        command == "update-task-group"
        and rx.search(r"\brevision", text, re.IGNORECASE)
        and "revision_count" not in args
        and not args.get("increment_revision")
    ):
        raise refuse(
            "the request mentions the revision count but gives no number (or +1)",
            command,
            kind="invalid_value",
        )


def check_provenance(command: str, args: dict[str, Any], text: str) -> None:
    """Guarantee: every value of a write comes from the text (up to the vocabulary's normalisation)."""

    haystack = " ".join(text.lower().replace("\u2019", "'").split())
    squashed = rx.sub(r"[\s_-]+", "", haystack)
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
            spellings |= agent_phrases(value)  # "this security review finding"
        else:
            spellings = {" ".join(str(value).lower().split())}
        if not any(s.lower() in haystack or rx.sub(r"[\s_-]+", "", s.lower()) in squashed for s in spellings):
            raise refuse(
                f"{label_of(name).lower()} {value!r} does not appear in the request; give it in words",
                command,
                kind="not_understood",
            )


def check_result(
    command: str,
    args: dict[str, Any],
    intent: Intent,
    labelled: Labelled,
    text: str,
    located: str | None = None,
) -> None:
    """The converted operation checked against the text: the direction
    of the request kept (write-led -> write, read-led -> read), no value to store answered by a read, and
    every value a write's sentence gives used and found in the text. ``located``: the request without the
    report before it (context, which gives the request nothing: its token counts are no value to store)."""
    data = tables()
    spec = COMMANDS[command]
    check_direction(intent, command)
    ruled_out = negated_ids(strip_quoted(labelled.inline_text))
    for name in ("session_id", "group_id", "agent_id"):
        if str(args.get(name, "")).lower() in ruled_out:
            # "(not sess_beta)" names what the request is not about: it is never the value used
            raise refuse(
                f"the request rules out {args[name]!r}, the {label_of(name).lower()} it would use; "
                f"say which one ({label_of(name)}: …)",
                command,
                kind="missing",
            )
    others = sorted(id_ for id_ in ruled_out if not GROUP_ID.match(id_) and agent_prefix(id_) is None)
    if command == "update-task-group" and "session_id" not in args and others:
        # "mark group_a failed (group_a in sess_beta stays pending)": without its own session the update
        # runs on the latest session with that group -- maybe the one ruled out
        raise refuse(
            f"the request rules out session {others[0]!r} but names none for its own group; say which "
            "session (Session ID: …)",
            command,
            kind="missing",
        )
    if command == "query" and not rx.match(r"(?is)\s*(?:select|with)\b", str(args.get("sql", ""))):
        # "run this query: DELETE FROM …": the query runs one read-only SELECT; nothing is deleted
        raise refuse(data["delete_reason"] + " A query only reads (one SELECT).", command, kind="unsupported")
    if command == "query":
        _check_sql_asks_nothing(str(args.get("sql", "")), data)
        # "Run it with limit 10 and limit 20: SELECT …": the words around the statement give no number
        # the query did not read (the statement's own numbers are SQL)
        around, statement = labelled.inline_text, labelled.raw.get("sql")
        if isinstance(statement, str) and statement.strip():
            around = around.replace(statement, " ")
        limits = {
            m.group(2) for m in PAGING_WORDS.finditer(strip_quoted(around)) if m.group(1).lower() == "limit"
        }
        if len(limits) > 1:
            raise refuse(
                f"the request gives several row limits ({', '.join(sorted(limits, key=int))}); give one",
                command,
                kind="list_of_values",
            )
        _check_read_uses_numbers(command, {k: v for k, v in args.items() if k != "sql"}, around)
    body = labelled.body
    if spec["kind"] == "read" and command != "query":
        check_read_carries_no_write(command, intent, body, text if located is None else located, data)
        _check_read_uses_agent_ids(command, args, labelled.phrase)
        _check_read_uses_numbers(command, args, labelled.inline_text)
        _check_read_drops_no_json(command, labelled.inline_text)
    if spec["kind"] == "read" and command != "query" and intent.lead not in ("read", "stream"):
        # "Here is the PM state for s_1: {…}", "QA result for s_1: 4 tests failing": a value to store,
        # without a verb. Writes are never guessed, and a read would drop the value: refuse.
        carried = body if body.strip() else ""
        said = words_of(carried)
        reads = any(data["_verb"].get(w) in ("read", "stream") for w in said) and not any(
            w in data["_write_markers"] for w in said
        )  # "Logs for s_1: skip the first 50 entries and return the next 25": how to read, no value
        if "{" in carried or (len(said) > 6 and not reads):
            raise refuse(
                "the request carries a value to store but names no write (log, save, create, update …); "
                "writes are never guessed",
                command,
            )
    changes = set(argument_specs(command)) - set(CHANGE_TARGETS)
    if spec["kind"] == "write" and changes and not set(args) & changes:
        raise refuse(
            f"nothing to change given for {command}", command, kind="missing"
        )  # "Update group_b in s_1."
    if spec["kind"] == "write":
        check_coverage(command, args, labelled.phrase, data)
        _check_group_has_a_place(command, labelled, text if located is None else located)
        _check_unread_values(command, args, labelled.inline_text, data)
        _check_labelled_parts(command, labelled.inline_text, data)
        _check_write_uses_numbers(command, args, labelled.inline_text)
        _check_tokens_have_a_place(command, labelled.phrase)
        _check_content_is_no_count(command, args)
        _check_handed_over(command, args, labelled.inline_text, data)
        _check_agent_id_fits(command, args)
        _check_group_said_directly(command, args, labelled.phrase)
        check_provenance(command, args, text)


# what ends a sentence of words written after a statement: a stop, a semicolon or a line's end
_SQL_BREAK = Lazy(r"[.;!?](?:\s+|$)|\n", needs=(".", ";", "!", "?", "\n"))
# the words that make a line SQL, not prose ("THEN mark ELSE 0 END" is a CASE's branch)
_SQL_STRUCTURE = frozenset(
    "select from where join else end case when union having limit offset values order by group".split()
)


def _check_sql_asks_nothing(sql: str, data: dict[str, Any]) -> None:
    """'Run this query: SELECT * FROM sessions. Then mark group_a completed.': words after the statement
    (after a stop, a semicolon or a line's end, outside its quoted strings, no SQL after them) opening
    with a verb of another operation, after an opener at most ('then', 'after that'), ask a second
    operation: it would run inside the SQL or be dropped; refused. A read verb counts with an object of
    this skill ('… Then show the task groups of s_1'); 'run it' is the query's own."""
    masked = rx.sub(r"'(?:[^']|'')*'|\"[^\"]*\"|`[^`]*`", "''", sql)
    running = set(data["slots"]["sql_before"])
    for found in _SQL_BREAK.finditer(masked):
        part = masked[found.end() :]  # to the end: SQL after it ("THEN mark\nELSE 0 END") makes it SQL
        words = words_of(part)
        if not words or _SQL_STRUCTURE & set(words) or rx.search(r"[=<>()*]", part):
            continue
        opened = True
        while opened:  # "Then …", "After that, …", "Could you also …" (``request_openers``)
            opened = False
            for opener in data["_request_openers"][0] + [("now",), ("next",)]:
                if len(words) > len(opener) and tuple(words[: len(opener)]) == opener:
                    words, opened = words[len(opener) :], True
                    break
        kind = data["_verb"].get(words[0])
        if words[0] in running or kind is None:
            continue
        if kind in ("read", "stream") and not any(data["_noun"].get(w) for w in words[1:]):
            continue
        raise refuse(
            f"the request holds a second operation after its SQL ('{part.strip()[:60]}'); "
            "send one request per operation",
            "query",
            kind="two_operations",
        )


# writes that take no group, where a group named would land nowhere: a log of tokens, a log of what an
# agent said (whose content may name one: only there, after the colon or quoted)
_NO_GROUP_PLACE = {"log-tokens": "inline_text", "log-interaction": "phrase"}
# "update session s_1 to completed along with group_a", "mark s_1 failed, and group_b too": a group joined
# to the session as a second object of the update (not one in the reason: "because group_pay is merged")
_JOINED_GROUP = Lazy(
    r"(?i)(?:\b(?:along|together)\s+with|\bas\s+well\s+as|\band|\bplus|&|,)\s+(?:the\s+)?(?:task\s+)?"
    r"(?:group\s+)?((?:task[_-]?)?group[_-][a-z0-9][\w.-]*|grp[_-]?[a-z0-9][\w.-]*)(?![\w'\u2019])"
    r"|((?:task[_-]?)?group[_-][a-z0-9][\w.-]*|grp[_-]?[a-z0-9][\w.-]*)\s+(?:too|as\s+well|also)\b",
    needs=("group", "grp"),
)


def _check_group_has_a_place(command: str, labelled: Labelled, text: str) -> None:
    """'log tokens group_a qa 900 for s_1001': the group named has no place in a log of tokens (nor in a
    log-interaction's sentence, outside its content): refused, never dropped."""
    if command == "update-session-status":
        joined = _JOINED_GROUP.search(strip_quoted(labelled.inline_text))
        if joined:
            raise refuse(
                f"the request names task group {joined.group(1) or joined.group(2)!r} with the session, but "
                f"{command} updates the session alone; send one request per operation",
                command,
                kind="two_operations",
            )
    where = _NO_GROUP_PLACE.get(command)
    if where is None:
        return
    said = strip_quoted(getattr(labelled, where))
    data = tables()
    # "developer_2 spent 6,400 tokens on group_c in S — log that": what happened, told before the verb, is
    # the writer's story; "log that the developer finished group_a": what is logged. After the verb, a
    # group stands among the operation's values
    words = words_of(strip_quoted(text))
    at = next((i for i, w in enumerate(words) if data["_verb"].get(w) in ("write", "create")), None)
    if at is None or words[at + 1 : at + 2] == ["that"]:
        return
    after = {w.removesuffix("'s") for w in words[at + 1 :]}
    ruled_out = negated_ids(said)
    for word in words_of(said):
        group = word.removesuffix("'s")
        if GROUP_ID.match(group) and group in after and group not in ruled_out:
            raise refuse(
                f"the request names task group {group!r}, but {command} has no place for a group; remove it"
                + (" (or put it inside the content)" if command == "log-interaction" else ""),
                command,
                kind="unknown_label",
            )


# "revision +1", "retries +2": a signed number is a value, never the writer's story
_SIGNED = Lazy(r"(?<![\w.+-])\+\s?\d+(?![\w.])", needs=("+",))
# "priority 7", "revision 2", "iteration 3": a number right after a word (or two) before it
_AFTER_WORDS = Lazy(r"(?i)\b((?:[a-z]+\s)?[a-z]+)\s*[:=]?\s*#?" + NUMBER)


_PART_VALUE = Lazy(r"(?i)(?:the\s+)?[a-z]+(?:\s[a-z]+)?\s*[:=]?\s*#?" + NUMBER)


_NUMBER_TYPES = {"count", "limit", "row_limit"}


def _types_of(name: str) -> set[str]:
    """The types an argument name has across the vocabulary ('iteration': count)."""
    return {a["type"] for spec in COMMANDS.values() for a in spec["args"] if a["name"] == name}


def _check_unread_values(command: str, args: dict[str, Any], text: str, data: dict[str, Any]) -> None:
    """Guarantee, in the whole text of a write (its sentence and what follows its colon or dash, outside
    quoted, JSON and content values): a signed number ('revision +1') or a number after a label of the
    vocabulary ('revision 2', 'iteration 3') lands in an argument, or the request is refused."""
    takes_json = any(spec["type"] == "json" for spec in argument_specs(command).values())
    said = strip_quoted(text.split("{", 1)[0] if takes_json else text)
    ruled_out = negated_ids(said)
    used = " ".join(
        str(v).lower() for v in args.values() if isinstance(v, (str, int)) and not isinstance(v, bool)
    )
    numbers = {v for v in args.values() if isinstance(v, int) and not isinstance(v, bool)}
    found = [(m.group(0), m.group(0).replace(" ", "")) for m in _SIGNED.finditer(said)]
    for match in _AFTER_WORDS.finditer(said):
        words = match.group(1).lower().split()
        for size in (2, 1):
            named = data["_label"].get(label_key(" ".join(words[-size:])), []) if len(words) >= size else []
            if any(_NUMBER_TYPES & _types_of(name) for name in named):
                found.append((match.group(0), match.group(2)))
                break
    for part in rx.split(r"[;:\n(){}]|,(?!\d{3}(?!\d))|\s[-\u2013\u2014]\s", said):
        # "…, priority 7": a part of its own that is a word or two and a number, as a label and its value
        part_value = _PART_VALUE.fullmatch(part.strip())
        if part_value:
            found.append((part_value.group(0), part_value.group(1)))
    for shown, value in found:
        if value.lower() in ruled_out:
            continue
        if value == "+1" and args.get("increment_revision"):
            continue  # "revision +1": the bump
        if _number_value(value.lstrip("+")) in numbers or rx.search(
            r"(?<![\w.])" + re.escape(value.lstrip("+").strip()) + r"(?![\w.])", used
        ):
            continue  # the number is a value the operation took (or is inside its content)
        raise refuse(
            f"the request gives {shown.strip()!r}, but {command} did not read it as any of its values; "
            "say which value it is, or remove it",
            command,
            kind="not_understood",
        )


_PARTS = r"[;:\n(){}]|,(?!\d{3}(?!\d))|\s[-\u2013\u2014]\s"


def _check_enum_label_has_a_place(command: str, text: str, data: dict[str, Any]) -> None:
    """'log this developer interaction for s_1 with status completed: …', 'create group_q in s_1 named
    Queue, review status approved': a label of an enumerated argument the operation does not take, then
    one of that argument's values, in the operation's sentence, is a value with no place: refused (unknown
    label), never dropped."""
    specs = argument_specs(command)
    lowered = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
    for label, names in data["_label"].items():
        if any(name in specs for name in names) or label not in lowered:
            continue
        values = {
            word.replace("_", " ")
            for spec in COMMANDS.values()
            for a in spec["args"]
            if a["name"] in names and a["type"] in ENUMS
            for word, _ in enum_words(a["type"])
        }
        if not values:
            continue
        said = _label_then_value(
            lowered.replace(":", " : ").replace("=", " = ").split(), label.split(), values
        )
        if said:
            raise refuse(
                f"the request gives {said!r}, but {command} takes no {label_of(names[0]).lower()}; "
                "remove it (or send the update that sets it as a request of its own)",
                command,
                kind="unknown_label",
            )


def _label_then_value(tokens: list[str], label: list[str], values: set[str]) -> str:
    """The words of ``label`` then one of ``values`` ('status completed', 'review status: approved')."""
    size = len(label)
    for i in range(len(tokens) - size):
        if tokens[i : i + size] != label:
            continue
        j = i + size
        while j < len(tokens) and tokens[j] in (":", "=", "is", "of", "to", "as", "set"):
            j += 1
        for value in values:
            words = value.split()
            said = tokens[j : j + len(words)]
            if said and said[:-1] + [said[-1].rstrip(".,;!?)")] == words:
                return " ".join(tokens[i : j + len(words)]).rstrip(".,;!?)")
    return ""


def _check_labelled_parts(command: str, text: str, data: dict[str, Any]) -> None:
    """'mark sess_beta completed - mode parallel', 'update group_a in s_1, status completed, status failed':
    in a write that takes no free text, a part of its own (between commas, semicolons, a dash or a colon)
    that is a label and one value is a value: a label of no argument the operation takes is refused, never
    dropped; one enum argument given two different values is refused, never one silently winning."""
    specs = argument_specs(command)
    if any(spec["type"] in ("text", "json", "sql") for spec in specs.values()):
        return  # the parts may be the content's own words
    seen: dict[str, str] = {}
    bare = strip_quoted(text)
    # "Mark group_a completed. Name: Login page": a sentence of its own that is a label, its colon and a value
    for sentence in rx.split(r"(?<=[.!?])\s+|\n", bare):
        found = rx.match(r"^\s*([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)?)\s*:\s*\S", sentence)
        named = data["_label"].get(label_key(found.group(1)), []) if found else []
        if named and not any(name in specs for name in named):
            raise refuse(
                f"the request gives {sentence.strip()!r}, but {command} takes no "
                f"{label_of(named[0]).lower()}; remove it",
                command,
                kind="unknown_label",
            )
    for part in rx.split(_PARTS, bare):
        words = part.strip().rstrip(".!").split()
        if words and words[0].lower() in data["_verb"]:
            continue  # "log tokens …": the operation's verb, no label
        for size in (2, 1):
            if not size < len(words) <= size + 2:
                continue
            named = data["_label"].get(label_key(" ".join(words[:size])), [])
            if not named:
                continue
            taken = [name for name in named if name in specs]
            if not taken and len(words) > size + 1:
                break  # "… - since two runs": words, not one value
            if not taken:
                raise refuse(
                    f"the request gives {part.strip()!r}, but {command} takes no "
                    f"{label_of(named[0]).lower()}; remove it",
                    command,
                    kind="unknown_label",
                )
            for name in taken:
                if specs[name]["type"] not in ENUMS:
                    continue
                spaced = " ".join(words[size:]).lower().replace("_", " ").replace("-", " ")
                stored = next(
                    (v for w, v in enum_words(specs[name]["type"]) if w.replace("_", " ") == spaced), None
                )
                if stored is not None and seen.setdefault(name, stored) != stored:
                    raise refuse(
                        f"the request gives two values for {label_of(name).lower()} ({seen[name]} and "
                        f"{stored}); give one",
                        command,
                        kind="list_of_values",
                    )
            break


def _check_handed_over(command: str, args: dict[str, Any], text: str, data: dict[str, Any]) -> None:
    """'… and hand it to bob': a hand-over to one not stored as the assignee is refused, never dropped."""
    if "assigned_to" not in argument_specs(command):
        return
    pattern = hand_over_pattern("(?:re)?assign|" + alternation(data["slots"]["hand_over"]))
    given = str(args.get("assigned_to", "")).lower()
    for match in rx.finditer(pattern, strip_quoted(text), re.IGNORECASE):
        target = clean_token(match.group(1)).lower()
        if SESSION_SHAPE.fullmatch(target) or target == str(args.get("session_id", "")).lower():
            continue  # "group_a, which belongs to sess_beta, …": the group's session, no assignee
        if target != given and target not in data["_stop"]:
            raise refuse(
                f"the request hands the group to {target!r}, but {command} would not set it as the assignee; "
                "give an agent id (Assigned To: developer_1)",
                command,
                kind="not_understood",
            )


def _check_read_uses_agent_ids(command: str, args: dict[str, Any], phrase: str) -> None:
    """'Give group_b in s_1 to developer_2': an agent id a read has no place for is a value the answer would
    drop (here, an assignment read as a read): refused, like a write's."""
    text = strip_quoted(phrase.split("{", 1)[0])
    text = rx.sub(r"^\s*\([^()]*\)", " ", text)  # who speaks ("developer_2: show …") asks; no value
    used = {str(v).lower() for v in args.values() if isinstance(v, str)}
    for match in AGENT_ID_SHAPE.finditer(text.lower()):
        token = match.group(1)
        prefix = agent_prefix(token)
        if prefix is None or GROUP_ID.match(token) or any(token in value for value in used):
            continue
        if prefix in used:
            continue  # "logs of developer_2" read as the developer's logs
        raise refuse(
            f"the request names {token!r}, but {command} has no place for it (a read filters by session, "
            "status, agent type …); say what to do with it",
            command,
            kind="unknown_label",
        )


def check_json_has_a_place(command: str, text: str) -> None:
    """'Task group group_a in s_1: {"a": 1}. Save it.': a JSON value given to a write that takes none (no JSON
    argument, no text body to hold it: a task group, a status, token usage) has no place; no value is ever
    read from its keys or its strings (a task group named 'a'): refused. The object of the operation's own
    parameter names ('{"group_id": …, "name": …}') was read as labels before and is not in the text."""
    specs = argument_specs(command)
    if (
        COMMANDS[command]["kind"] != "write"
        or command in tables()["body_args"]
        or any(spec["type"] == "json" for spec in specs.values())
    ):
        return
    if has_json_value(text, outside_quotes=True):  # a bracket in a quoted name ('named "Auth [2]"') is none
        raise refuse(
            f"the request gives a JSON value, but {command} takes none (its values are named: "
            + ", ".join(label_of(name) for name in specs)
            + "); give them as 'Label: value'",
            command,
            kind="invalid_value",
        )


def _check_read_drops_no_json(command: str, text: str) -> None:
    """'For config key ci_config, value {"retries": 2}: show it': a JSON value in a read's sentence has no
    place in any read (none takes one) and the answer would drop it: refused, never read without it."""
    if has_json_value(text):
        raise refuse(
            f"the request gives a JSON value, but {command} reads and has no place for it; to store it, "
            "say so (set, save, log …)",
            command,
            kind="not_understood",
        )


def _check_read_uses_numbers(command: str, args: dict[str, Any], text: str) -> None:
    """'decisions for s_1, limt 7': a number a read's sentence gives that no argument took would be dropped
    (every row answered instead of seven): refused, never read without it."""
    if not any(spec["type"] in ("row_limit", "count") for spec in argument_specs(command).values()):
        return  # "snapshot for s_1, I need it in 5 min": no number is a value of this operation
    used = " ".join(str(v) for v in args.values() if not isinstance(v, bool))
    numbers = [match.group(1).replace(" ", "") for match in rx.finditer(NUMBER, strip_quoted(text))]
    if numbers:  # "(the CI one, not 20251201)": a number ruled out is never a value, nor one left unread
        ruled_out = negated_ids(strip_quoted(text))
        numbers = [number for number in numbers if number.lower() not in ruled_out]
    for number in numbers:
        # "5 at a time, starting at offset 5": the same number twice is two values, each must land
        if number not in used or numbers.count(number) > len(
            rx.findall(rf"(?<![\d.]){re.escape(number)}(?![\d.])", used)
        ):
            raise refuse(
                f"the request gives the number {number}, but {command} did not read it as any of its values; "
                "say which value it is (Limit: …, Offset: …)",
                command,
                kind="not_understood",
            )


def _number_value(said: str) -> int | None:
    """'12k' -> 12000, '9,150' -> 9150, '1.5k' -> 1500: a number as the vocabulary would store it."""
    text = said.replace(",", "").replace("_", "").replace(" ", "").lower()
    scale = 1000 if text.endswith("k") else 1
    try:
        value = float(text.rstrip("k")) * scale
    except ValueError:
        return None
    return int(value) if value == int(value) else None


def _check_write_uses_numbers(command: str, args: dict[str, Any], text: str) -> None:
    """'Log 12k tokens for developer_3 — actually make that 14k': a number a write's sentence gives (outside
    its quoted or JSON value) that no count argument took would be dropped: refused, never written without
    it. Only for the writes whose required value is a count (log-tokens' tokens): every number of their
    sentence may be it; in the others a number of the sentence ("3 of 12 tests red") is the writer's story."""
    counts = [a["name"] for a in COMMANDS[command]["args"] if a["type"] == "count" and a["required"]]
    if not counts:
        return
    used = [args[n] for n in counts if isinstance(args.get(n), int) and not isinstance(args[n], bool)]
    sentence = strip_quoted(text.split("{", 1)[0])
    ruled_out = negated_ids(sentence)
    numbers = [m.group(1) for m in rx.finditer(NUMBER, sentence) if m.group(1).lower() not in ruled_out]
    for said in numbers:
        value = _number_value(said)
        if value is None or value not in used:
            raise refuse(
                f"the request gives the number {said.strip()}, but {command} did not read it as any of its "
                "values; say which value it is (" + ", ".join(f"{label_of(n)}: …" for n in counts) + ")",
                command,
                kind="not_understood",
            )


def _check_tokens_have_a_place(command: str, sentence: str) -> None:
    """'Mark group_a completed with 300 tokens', 'Create task group group_z … named Search; 300 tokens for
    qa while you're at it': an amount of tokens in the sentence of a write that takes none (outside quotes;
    a reason after the colon is the writer's story) would be dropped: refused, never written without it."""
    if "tokens" in argument_specs(command):
        return
    found = _TOKENS_AMOUNT.search(strip_quoted(sentence))
    if found:
        raise refuse(
            f"the request gives {found.group(0).strip()!r}, but {command} stores no token count; "
            "send the token log as its own request (log tokens: …)",
            command,
            kind="unknown_label",
        )


# "security_reviewer 12,750.", "3000 qa", "developer_1: 4k": an agent and a number, nothing else
_AGENT_AND_COUNT = Lazy(
    r"(?i)\s*(?:([a-z][\w-]*)\s*[:=\u2013\u2014-]?\s*"
    + NUMBER
    + r"|"
    + NUMBER
    + r"\s*(?:for|by)?\s*([a-z][\w-]*))"
    r"\s*[.!]?\s*"
)


def _check_content_is_no_count(command: str, args: dict[str, Any]) -> None:
    """'Record the security review for s_1: security_reviewer 12,750.': an interaction whose content is only
    an agent and a number says how much, not what the agent said -- a token count in the wrong operation.
    Never written as an interaction (log tokens takes it)."""
    if command != "log-interaction":
        return
    found = _AGENT_AND_COUNT.fullmatch(str(args.get("content", "")))
    agent = (found.group(1) or found.group(4) or "").lower() if found else ""
    if found and (_an_agent(agent, tables()) or agent in tables()["agent_roles"]["roles"]):
        raise refuse(
            f"the content {args['content']!r} is only an agent and a number, no text of what the agent said; "
            "if it is a token count, log it as one (log tokens: …)",
            "log-tokens",
            kind="not_understood",
        )


def _check_agent_id_fits(command: str, args: dict[str, Any]) -> None:
    """'Log 700 tokens for developer in s_1, as qa_2', 'agent_id qa_1, agent type developer': an agent id
    whose prefix names another agent type than the one written gives two agent types; writing either
    could be the wrong one: refused."""
    said = agent_prefix(str(args.get("agent_id", "")))
    if said is not None and "agent_type" in args and said != args["agent_type"]:
        raise refuse(
            f"the request names agent type {args['agent_type']!r} but agent id {args['agent_id']!r}, "
            f"which is a {said}'s; say which agent it is (Agent Type: …, Agent ID: …)",
            command,
            kind="not_understood",
        )


def _check_group_said_directly(command: str, args: dict[str, Any], sentence: str) -> None:
    """'Mark the group after group_a completed', "Mark group_a's sibling failed": the group meant is named
    by another one; writing the one named would change the wrong group: refused."""
    group = str(args.get("group_id", ""))
    if not group:
        return
    said = rx.search(
        r"(?i)\b(?:group|one|task)\s+(?:right\s+|just\s+|immediately\s+)?(?:after|before|following|"
        r"preceding|next\s+to|beside|behind|above|below)\s+(?:the\s+)?(?:task\s+)?(?:group\s+)?[\w.-]*\d[\w.-]*"
        r"|\b(?:group|one|task)\s+(?:right\s+|just\s+|immediately\s+)?(?:after|before|following|preceding|"
        r"next\s+to|beside|behind|above|below)\s+(?:task[_-]?)?group[_-][\w.-]+|\b"
        + re.escape(group)
        + r"['\u2019]s\s+(?:sibling|successor|predecessor|neighbou?r|parent|child|twin|follow[- ]?up)\b",
        strip_quoted(sentence),
    )
    if said:
        raise refuse(
            f"the request names the group by another one ('{said.group(0)}'); give the group id it means "
            "(Group ID: …)",
            command,
            kind="missing",
        )


def _check_read_lists(command: str, phrase: str, raw: dict[str, Any]) -> None:
    """'Show task groups for sess_beta and sess_alpha', 'skill outputs security_scan and lint_check': a read
    takes one session, one name; two joined by and / & / a comma are refused (one request for each)."""
    specs = argument_specs(command)
    text = strip_quoted(phrase)
    if "session_id" not in specs:
        # "get sessions sess_alpha and sess_beta": the details of each, one request per session
        # a list of sessions is read one session at a time: every id of a session's shape names one
        # ("show sessions s_1001 and sess_alpha"); elsewhere only an id that is a session's alone
        listed = command == "list-sessions"
        named = {
            m.group(1).lower()
            for m in SESSION_SHAPE.finditer(text)
            if (listed or session_like(m.group(1))) and m.group(1).lower() not in ("bazinga-db", "bazinga_db")
        } - (negated_ids(text) if listed else set())
        if len(named) > 1:
            raise refuse(
                f"the request names several sessions ({', '.join(sorted(named))}); get-session takes one: "
                "send one request for each",
                "get-session",
                kind="list_of_values",
            )
        if listed and named:
            # "show sessions s_1001": list-sessions filters by status only; the session named would be dropped
            session = next(iter(named))
            raise refuse(
                f"the request names the session {session!r}, but list-sessions has no place for it; "
                "to read one session, ask for its details",
                "get-session",
                kind="unknown_label",
            )
    _check_name_lists(
        command, text, raw, ("session_id", "skill_name", "state_type", "key", "group_id", "decision_type")
    )
    if "agent_type" in specs:
        _check_agent_lists(command, text)


_NAMED_ONCE = ("skill_name", "state_type", "key", "decision_type")  # names a write takes one of


def _check_name_lists(command: str, text: str, raw: dict[str, Any], names: tuple[str, ...]) -> None:
    """'skill outputs lint-check and security-scan', 'state of type pm and orchestrator', 'decisions of type
    task_split and spawn_agent': a second name of the same kind joined to the one taken is refused (taking the
    first would drop the second, in a read as in a write)."""
    specs = argument_specs(command)
    for name in names:
        value = raw.get(name)
        if name not in specs or not isinstance(value, str) or "\n" in value.strip():
            continue
        token = clean_scalar(value)
        match = rx.search(
            r"(?<![\w.-])" + re.escape(token) + r"\s*(?:,|&|\band\b|\bor\b|/|\+)\s*" + TOKEN,
            text,
            re.IGNORECASE,
        )
        other = clean_token(match.group(1)) if match else ""
        if not other and name in _NAMED_ONCE:
            # "get the security_scan and dependency_audit skill outputs": the name taken came second, a
            # name of the same kind before it, joined by 'and' (the read would drop the first)
            before = rx.search(
                r"(?<![\w.-])([A-Za-z][\w-]*[_-][\w-]+)\s*(?:,|&|\band\b|\bor\b|/|\+)\s*(?:the\s+)?"
                + re.escape(token)
                + r"(?![\w.-])",
                text,
                re.IGNORECASE,
            )
            first = before.group(1) if before else ""
            if first and not (GROUP_ID.match(first) or session_like(first) or agent_prefix(first)):
                other = first
        if "=" in other:
            continue  # "decisions for s_1, type=task_split": the next labelled value, no second id
        if any(arg in specs for arg in tables()["_label"].get(label_key(other), ())):
            continue  # "logs for s_1, agent_type developer": the label of the next value, no second id
        kind = _identifier(other) or (name == "state_type" and agent_or_none(other) is not None)
        if other and other.lower() != token.lower() and not other.isdigit() and kind:
            raise refuse(
                f"the request names several {label_of(name).lower()}s ({token}, {other}); {command} takes "
                "one: send one request for each",
                command,
                kind="list_of_values",
            )


# where a sentence ends inside a line: the context before a request ends there ("(3 PRs). ok. bazinga-db, …")
_SENTENCE_END = Lazy(r"[.!?][\"')\]]*\s+")
# words of a request that stand for what its context says: "log it", "create it please", "run that query"
_POINTERS = function_words("pointers")
# "log that." / "log that for s_1": "that" points back; "log that the developer finished …" opens a clause
_AFTER_POINTER = function_words("after_pointer")


def check_context_values(command: str, args: dict[str, Any], lines: list[str], inline_text: str) -> None:
    """Context around a request gives none of its values by chance, and names no second session.

    A session id named anywhere outside quotes, other than the one used, an agent id or one ruled out, is a
    second session: refused, never dropped ("dashboard snapshot for s_1" then a line naming sess_beta).

    The request starts at the sentence of its head (an imperative with an object, "please", "bazinga-db");
    the lines and sentences before it are context (a CI paste, a chat line, the writer's story). A value
    said only there fills the operation when it is what it is by its shape -- an id of its kind, a word of
    an enumeration, an agent type, JSON, a statement, a quoted text, a number said with its word ("8,300
    tokens", "(iteration 4)") -- or when the request points back at the context ("log it", "create it
    please"). A bare number ("[ci] run 42 red -> log my tokens …"), a plain word where an id goes ("group
    retrying"), a name or text not quoted ("(3 PRs)") is refused: the context only happens to say it."""
    from .locate import head_in  # the head of a line, as the locate stage finds it

    data = tables()
    plain = strip_quoted(inline_text)
    if "session_id" in argument_specs(command):
        used = str(args.get("session_id", "")).lower()
        others = {str(value).lower() for value in args.values()} | negated_ids(plain)
        for match in SESSION_SHAPE.finditer(plain):
            named = match.group(1).lower()
            if named not in others and not rx.fullmatch(r"bazinga[-_]db", named) and not agent_prefix(named):
                raise refuse(
                    f"the request names two sessions ({used or 'none used'!s} and {named}); "
                    "ask about one session per request",
                    command,
                    kind="missing",
                )
    for index, line in enumerate(lines):
        found = head_in(line, data)
        if found is None:
            continue
        cut = 0
        for end in _SENTENCE_END.finditer(line[: found[0]]):
            cut = end.end()
        context = _digits("\n".join([*lines[:index], line[:cut]]))
        request = _digits("\n".join([line[cut:], *lines[index + 1 :]]))
        break
    else:
        return
    if not context.strip():
        return
    _check_context_states(command, args, context, request, data)
    _check_pronoun_object(command, found[1], context, request, data)
    if _points_to_context(request):
        return
    specs = {spec["name"]: spec for spec in COMMANDS[command]["args"]}
    for name, value in args.items():
        said = str(value)
        if name not in specs or isinstance(value, bool) or not said.strip() or "\n" in said:
            continue
        pattern = r"(?i)(?<![\w.-])" + re.escape(said) + r"(?![\w-])"
        if rx.search(pattern, request) or not rx.search(pattern, context):
            continue
        if not _by_chance(name, specs[name]["type"], said, context, pattern):
            continue
        raise refuse(
            f"{said!r} stands in the context before the request, not in the request itself; say the "
            f"{label_of(name).lower()} in the request ({label_of(name)}: …)",
            command,
            kind="missing",
        )


def check_pronoun_write(command: str, args: dict[str, Any], text: str) -> None:
    """'Mark group_a completed; name it Login v2', 'Create group_s named Search and start it', '…: port the
    parser; should be marked active', '…: add logout. Also sess_delta.' (``pronoun_writes``): a second change
    of the same object said by a pronoun after a clause with a verb of its own, or a sentence that is only
    'also' and an id, is a second operation: refused, never dropped nor kept inside a value."""
    if COMMANDS[command]["kind"] != "write":
        return
    data = tables()
    words = data["pronoun_writes"]

    bare = strip_quoted(text)
    opening = r"(?:^|[;.,:!?\n]\s*|\b(?:and|then)\s+)(?:(?:and|then|also|please)\s+)*"
    asked = rx.search(
        r"(?i)"
        + opening
        + r"(?:(?:"
        + alternation(words["verbs"], spaces=r"\s+", longest_first=True)
        + r")\s+(?:"
        + alternation(words["pronouns"], spaces=r"\s+", longest_first=True)
        + r")\b|(?:(?:"
        + alternation(words["subjects"], spaces=r"\s+", longest_first=True)
        + r")\s+)?(?:"
        + alternation(words["obligations"], spaces=r"\s+", longest_first=True)
        + r")\s+(?:also\s+)?be\s+(?:"
        + alternation(words["participles"], spaces=r"\s+", longest_first=True)
        + r")\b)",
        bare,
    )
    if asked and _change_read(asked.group(0), args, words):
        asked = None  # "mark group_c in progress and assign it to developer_5": the update's own change
    if asked:
        before = words_of(bare[: asked.start()])
        classes = ("create", "update", "write")
        if any(data["_verb"].get(w) in classes for w in before):
            raise refuse(
                f"the request holds a second change ('{asked.group(0).strip(' ;.,:!?')} …') after its "
                f"{command}; send one request per operation",
                command,
                kind="two_operations",
            )
    for sentence in rx.split(r"(?<=[.;!?])\s+|\n", bare):
        found = rx.fullmatch(
            r"(?i)\s*(?:"
            + alternation(words["also"], spaces=r"\s+", longest_first=True)
            + r")\s+(?:for\s+)?(?:(?:task\s+)?group\s+|session\s+)?"
            r"([\w.-]+?)\s*(?:,?\s*(?:too|as\s+well))?\s*[.!;]?\s*",
            sentence,
        )
        if found and (GROUP_ID.match(found.group(1).lower()) or session_like(found.group(1))):
            raise refuse(
                f"the request names {found.group(1)!r} after its {command} ('{sentence.strip()}'): a second "
                "object; send one request per operation",
                command,
                kind="two_operations",
            )


def check_unconditional(command: str, args: dict[str, Any], sentence: str) -> None:
    """'Mark group_a completed if QA passes, otherwise failed', 'Mark group_a completed or failed,
    whichever': a write's sentence (outside quotes) that sets a condition or offers two values of one
    status (``conditional_writes``) is refused: the reader neither evaluates nor chooses."""
    if COMMANDS[command]["kind"] != "write":
        return
    data = tables()["conditional_writes"]
    words = words_of(strip_quoted(sentence))
    said = next((w for w in words if w in data["words"]), None)
    for spec in COMMANDS[command]["args"]:
        if said is not None or spec["name"] not in args or spec["type"] not in ENUMS:
            continue
        values = [(i, _status_value(w, ENUMS[spec["type"]])) for i, w in enumerate(words)]
        found = [(i, v) for i, v in values if v is not None]
        for (i, first), (j, second) in zip(found, found[1:]):
            if first != second and any(w in data["alternatives"] for w in words[i + 1 : j]):
                said = " ".join(words[i : j + 1])
    if said is not None:
        raise refuse(
            f"the request says its {command} on a condition or with a choice ('{said} …'); the reader "
            "neither evaluates conditions nor chooses: send the one write that holds",
            command,
            kind="not_understood",
        )


def check_session_left_alone(command: str, args: dict[str, Any], inline_text: str) -> None:
    """'Mark group_a in s_1 completed. Session done too.', '…; s_1 as well', 'And s_1 itself completed': a
    later clause of a group's update that names the session with a status of a session, or says it too
    ('too', 'as well', 'itself', 'also'), updates the session besides: it would be dropped, refused. A
    clause saying it stays ('the session is still active') or ruling it out ('not the session') asks
    nothing."""
    if command != "update-task-group":
        return
    data = tables()
    unchanged = [w.split() for w in data["negated"]["unchanged"]]
    enum = ENUMS["session_status"]
    session = str(args.get("session_id", "")).lower()
    for clause in _CLAUSE_BREAK.split(strip_quoted(inline_text))[1:]:
        words = [rx.sub(r"['\u2019]s$", "", w) for w in words_of(clause)]
        if not ({"session", session} & set(words)) or any(GROUP_ID.match(w) for w in words):
            continue
        if any(words[i : i + len(u)] == u for u in unchanged for i in range(len(words))) or any(
            w in function_words("negations") or w.endswith("n't") for w in words
        ):
            continue  # "…, not the whole session", "the session stays active"
        said = {"too", "itself", "also"} & set(words) or "as well" in " ".join(words)
        if said or any(_status_value(w, enum) for w in words):
            raise refuse(
                f"the request updates the session besides its {command} ('{' '.join(words[:4])} …'); "
                "send one request per operation",
                command,
                kind="two_operations",
            )


# a record then a new status said without a verb: "s_1 is now completed", "rel_2 → failed", "group_a now done"
_STATED_STATUS = Lazy(
    r"(?i)(?<![\w.-])([a-z][\w.:@+-]*)(?:['\u2019]s\s+status)?"
    r"\s*(?:\s(?:is|are)\s+now|\shas\s+now\s+been|\snow|\u2192|->|=>)\s+(?:marked\s+(?:as\s+)?)?"
    r"([a-z][\w-]*(?:\s+[a-z][\w-]*)?)",
    needs=("now", "\u2192", "->", "=>"),
)


def check_stated_status(command: str, args: dict[str, Any], inline_text: str) -> None:
    """'Session s_1 is now completed, and group_a is done.', 'sess_beta → completed. Log 300 tokens for qa.':
    a new status stated of a record without a verb ('<id> is now <status>', '<id> → <status>') is an
    update of its own; accepted only as the value of the request's own status update of that record
    ('rel_2 → completed. Please update the session status.'). Said of another record, or next to another
    write, it would be dropped: two operations, refused."""
    own = {str(args.get("group_id", "")).lower()} if command == "update-task-group" else set()
    if command == "update-session-status":
        own = {str(args.get("session_id", "")).lower(), "session"}
    said = stated_status(inline_text, own)
    if said is not None:
        raise refuse(
            f"the request states a new status ('{shorten(said)}') besides its {command}; "
            "send one request per operation",
            command,
            kind="two_operations",
        )


def stated_status(text: str, own: set[str] | frozenset[str] = frozenset()) -> str | None:
    """The first new status stated of a record named in the text ('<id> is now <status>', '<id> →
    <status>'), of none of the records ``own``; None when there is none (the context before a request is
    read with it too: ``locate_rare._change_asked``)."""
    enums = (ENUMS["session_status"], ENUMS["group_status"])
    slots = tables()["slots"]
    places = set(slots["session_prepositions_read"]) | set(slots["session_prepositions_write"])
    text = strip_quoted(text)
    for match in _STATED_STATUS.finditer(text):
        record = rx.sub(r"['\u2019]s$", "", match.group(1)).lower()
        before = words_of(text[: match.start()])[-2:]
        if before[-1:] and before[-1] in places:
            # "The status of group_a in s_1 is now completed": the group's session, not the subject
            record = before[0] if len(before) == 2 and GROUP_ID.match(before[0]) else ""
        if not (record == "session" or "_" in record or GROUP_ID.match(record)):
            continue  # "it → completed", "the run is now done": no record named
        said = match.group(2).lower().split()
        if not any(_status_value(" ".join(said[:n]), e) for e in enums for n in (2, 1) if len(said) >= n):
            continue  # "group_b → bump its revision", "s_1 is now on staging": no status stated
        if record in own:
            continue
        return match.group(0)
    return None


def check_one_status(command: str, args: dict[str, Any], inline_text: str) -> None:
    """'Mark group_a in s_1 completed; mark it failed': a verb that updates, a pronoun standing for the
    record and a status other than the one used is a second update of that status; it would be dropped:
    refused."""
    if COMMANDS[command]["kind"] != "write":
        return
    data = tables()
    verbs = alternation(v for v, kind in data["_verb"].items() if kind == "update" and " " not in v)
    for spec in COMMANDS[command]["args"]:
        if spec["name"] not in args or spec["type"] not in ENUMS or not spec["name"].endswith("status"):
            continue
        enum = ENUMS[spec["type"]]
        text = strip_quoted(inline_text)
        for match in rx.finditer(
            r"(?i)\b(?:" + verbs + r")\s+(?:it|them|its\s+status|their\s+status)\s+(?:as\s+|to\s+)?([\w-]+)",
            text,
        ):
            value = _status_value(match.group(1), enum)
            if value is None:
                continue
            rest = text[: match.start()] + " " + text[match.end() :]
            others = {_status_value(word, enum) for word in words_of(rest)} - {None, value}
            if value != str(args[spec["name"]]).lower() or others:
                raise refuse(
                    f"the request holds a second update ('{match.group(0)}') after its {command}; "
                    "send one request per operation",
                    command,
                    kind="two_operations",
                )


def _enum_words(enum: dict[str, Any]) -> str:
    """A pattern of every way the text may say one of an enumeration's values (values, aliases), longest
    first, a space for any run of spaces, underscores or hyphens."""
    said = {str(v) for v in enum["values"]} | {str(a) for a in enum["aliases"]}
    spelled = {r"[\s_-]+".join(re.escape(part) for part in rx.split(r"[\s_-]+", w)) for w in said}
    # longest first, then alphabetical: the same pattern text in every process (the regex cache's key)
    return "|".join(sorted(spelled, key=lambda w: (-len(w), w)))


def _check_enum_lists(command: str, text: str) -> None:
    """'set group_a to failed, completed', 'mark group_b failed - status completed': two values of one
    enumeration said one after the other, or a second one after the argument's own name, where the
    operation takes one; reading either would drop the other: refused."""
    for spec in COMMANDS[command]["args"]:
        if spec["type"] not in ENUMS:
            continue
        enum = ENUMS[spec["type"]]
        words = _enum_words(enum)
        name = r"[\s_-]+".join(spec["name"].split("_"))
        pairs = [
            (m.group(1), m.group(2))
            for m in rx.finditer(
                rf"(?i)(?<![\w-])({words})\s*(?:,|;|/|->|\u2192|\bor\b|\band\b)?\s*(?:then\s+|now\s+)?"
                rf"(?:(?:{name})\s*[:=]?\s*)?({words})(?![\w-])",
                text,
            )
        ]
        labelled = [m.group(1) for m in rx.finditer(rf"(?i)\b(?:{name})\s*[:=]?\s*({words})(?![\w-])", text)]
        said = {_status_value(w, enum) for pair in pairs for w in pair} | {
            _status_value(w, enum) for w in labelled
        }
        all_said = {
            _status_value(m.group(1), enum) for m in rx.finditer(rf"(?i)(?<![\w-])({words})(?![\w-])", text)
        }
        if labelled and spec["name"].endswith("status"):  # "mark group_b failed - status completed"
            said |= all_said
        said.discard(None)
        if len(said) > 1 and (pairs or labelled):
            raise refuse(
                f"the request gives several values for {label_of(spec['name']).lower()} "
                f"({', '.join(sorted(str(v) for v in said))}); {command} takes one: give one",
                command,
                kind="list_of_values",
            )


def _status_value(word: str, enum: dict[str, Any]) -> str | None:
    """The value of a status enumeration a word says ('done' -> completed), or None."""
    word = word.lower()
    for value in enum["values"]:
        if value.lower() in (word, word.replace(" ", "_").replace("-", "_")):
            return str(value).lower()
    said = enum["aliases"].get(word) or enum["aliases"].get(word.replace("-", " "))
    return str(said).lower() if said is not None else None


def _digits(text: str) -> str:
    return rx.sub(r"(?<=\d),(?=\d{3})", "", text)
