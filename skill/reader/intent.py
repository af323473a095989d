"""Stage 3, intent: the operation a request is about, as (verb class x object noun), from phrasings.json.

"save" + "PM state" -> save-state. The object is the first noun after the verb that no preposition
qualifies; a group id is a task-group noun; after a write verb the nouns of what agents report (finding,
verdict …) name an interaction; the vocabulary's command names name themselves. Refused here: an object
this skill does not store (anywhere in the sentence), two operations (two objects, or a conjunction and a
second verb), a delete, no operation at all, and a write that no verb asks for (writes are never guessed).
"""

from __future__ import annotations

import re

from ..errors import RequestNotUnderstood
from ..vocabulary import AGENT_TYPES, COMMANDS, argument_specs
from . import regex_cache as rx
from .lexicon import (
    CONFIG_KEY,
    GROUP_ID,
    PARENS,
    QUOTED_SPAN,
    SENTENCE_END,
    SESSION_SHAPE,
    SPOKEN_WRITE,
    Lazy,
    active_voice,
    agent_in,
    agent_or_none,
    agent_prefix,
    alternation,
    contents_asked,
    correct_typos,
    enum_words,
    function_words,
    rarely_used,
    refuse,
    request_form,
    session_like,
    shorten,
    strip_quoted,
    tables,
    told_verbs,
    without_asked_writes,
    without_idioms,
    words_of,
)
from .split import body_colon, is_qualifier

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

# the functions few requests reach: in intent_rare, loaded on the first call of one of them
if TYPE_CHECKING:
    from .intent_rare import (
        _acts_on_its_object,
        _every_group_reported,
        _group_field_after,
        _is_instruction,
        _is_request,
        _joined,
        _modifies_a_noun,
        _named_read,
        _names_something,
        _pages,
        _points_at_a_session,
        _reads_an_object,
        _reported_by_its_agent,
        _states_a_new_value,
        _updated_objects,
        _updates_another_object,
        _writes_a_pronoun,
        written_topics as written_topics,
    )
else:
    (
        _acts_on_its_object,
        _every_group_reported,
        _group_field_after,
        _is_instruction,
        _is_request,
        _joined,
        _modifies_a_noun,
        _named_read,
        _names_something,
        _pages,
        _points_at_a_session,
        _reads_an_object,
        _reported_by_its_agent,
        _states_a_new_value,
        _updated_objects,
        _updates_another_object,
        _writes_a_pronoun,
        written_topics,
    ) = rarely_used(
        __name__,
        "_acts_on_its_object",
        "_every_group_reported",
        "_group_field_after",
        "_is_instruction",
        "_is_request",
        "_joined",
        "_modifies_a_noun",
        "_named_read",
        "_names_something",
        "_pages",
        "_points_at_a_session",
        "_reads_an_object",
        "_reported_by_its_agent",
        "_states_a_new_value",
        "_updated_objects",
        "_updates_another_object",
        "_writes_a_pronoun",
        "written_topics",
    )

# how two refusals of this stage begin: the context before a request is read with them (locate_rare)
NOTHING_RECOGNISED = "no operation recognised"
TOLD_ONLY = "no operation is asked for: the request states what happened"


_POINTING = function_words("pointing")  # a pronoun a write verb takes as its object


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
    found: list[tuple[Any, ...]] = []
    verb: str | None = None
    lead: str | None = None  # the class of the sentence's first verb
    object_taken = False
    delete_seen = False
    reported_at: int | None = None  # the index in ``found`` of an object that is a report noun
    primary_at: int | None = None  # the index in ``found`` of a write's object (it may be renamed "as …")
    i = 0
    n = len(words)
    while i < n:
        # verbs of two words first ("look up", "set up")
        two = " ".join(words[i : i + 2])
        if two in verbs and two not in nouns:
            verb = verbs[two]
            lead = lead or verb
            object_taken, primary_at = False, None
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
        reporting = False  # this word is a report noun taken as the object: ``reported_at`` once appended
        if word in data["_command_names"]:
            noun_match, topic = (word, 1), "=" + data["_command_names"][word]
            if verb is None:  # "update-task-group group_a …": the command's name is its own verb
                verb = "write" if COMMANDS[data["_command_names"][word]]["kind"] == "write" else "read"
                lead = lead or verb
        if topic is not None:
            pass
        elif (
            noun_match is not None
            and noun_match[1] == 1
            and i + 1 < n
            and nouns.get(words[i + 1]) in ("decision", "state")
            and nouns[noun_match[0]] != nouns[words[i + 1]]
        ):
            noun_match = None  # "the spawn decision", "the review state": the last noun is the object
        elif (
            noun_match is not None
            and nouns[noun_match[0]] == "session_field"
            and i + noun_match[1] < n
            and (words[i + noun_match[1]] in nouns or GROUP_ID.match(words[i + noun_match[1]]))
        ):
            noun_match = None  # "the requirements group group_req1": a field's word naming another object
        elif noun_match is not None:
            topic = nouns[noun_match[0]]
            if (
                noun_match[1] == 1
                and word in report
                and verb in ("write", "create")
                and i > 0
                and (
                    words[i - 1] in agent_words
                    or (i > 1 and words[i - 2] in agent_words)
                    or words[i - 1] in report  # "log my investigation report": a report of a report noun
                )
            ):
                topic = "interaction"  # "log this QA report": what the QA reports, not a skill's report
        elif (
            verb in ("write", "create")
            and not object_taken
            and word in report
            and not (i + 1 < n and words[i + 1] in nouns)  # "investigation state": a state
        ):
            noun_match, topic = (word, 1), "interaction"
            reporting = True  # "save my scan result as the security_scan output": may be renamed
        elif GROUP_ID.match(word):
            noun_match, topic = (word, 1), "task_group"
        elif CONFIG_KEY.match(word):
            noun_match, topic = (word, 1), "config"  # "what does testing_config say?"
        written = verb
        if topic == "task_group" and verb == "write" and _group_field_after(words, i + 1, data):
            written = "update"  # "save group_a's status: completed": a group's field written is an update
        elif (
            topic == "session"
            and verb == "write"
            and noun_match is not None
            and noun_match[0] in data["session_status_nouns"]["words"]
        ):
            written = "update"  # "record the session status for s_1: completed": the status written
        if (
            word in verbs
            and topic != "interaction"
            and not (verb is not None and i > 0 and words[i - 1] in articles - {"that"})  # "the new session"
            and not (verb is not None and not object_taken and _modifies_a_noun(words, i, data))
            and not (word in dual and noun_match is not None and _determined(words, i, data))
            and not (verb is None and word in report and i > 0 and words[i - 1] in agent_words)  # "QA update"
            and (
                noun_match is None
                or (word in dual and verb is None and _noun_ahead(words, i + 1, nouns, report))
                or (word in dual and i == 0 and noun_match[1] == 1 and not _noun_ahead(words, i + 1, nouns))
                or (
                    i == 0
                    and noun_match[1] == 1
                    and i + 1 < n
                    and (words[i + 1] in articles or GROUP_ID.match(words[i + 1]) is not None)
                )  # "setting the …", "setting group_a to failed": the object follows the verb
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
            if verb == "delete" and word in data["set_to_verbs"]["words"] and "to" in words[i + 1 :]:
                verb = "update"  # "reset the revision count of group_a to 0": a new value, nothing deleted
            if verb == "create" and _adds_one_to_the_revision(words, i, data):
                verb = "update"  # "add one to its revision count": the group's count goes up, nothing new
            lead = lead or verb
            object_taken, primary_at = False, None
            if verb == "delete":
                delete_seen = True
            i += 1
            continue
        if (
            topic == "session"
            and verb == "write"
            and noun_match is not None
            and i + noun_match[1] < n
            and any(c.isdigit() or c == "_" for c in words[i + noun_match[1]])
        ):
            i += noun_match[1] + 1  # "log this for me - session s_1, …": the session is a value here
            continue
        if (
            noun_match is not None
            and noun_match[1] == 1
            and topic in _MODIFIERS
            and i + 1 < n
            and _head_after(words, i + 1, nouns, data) not in (None, topic)
        ):
            # "the tech lead's review state", "the security review config", "the QA review review status": the
            # last noun of a compound names the object
            i += 1
            continue
        if noun_match is not None:
            phrase, size = noun_match
            j = i - 1
            while j >= 0 and (words[j] in articles or words[j] in agent_words):
                j -= 1
            qualified = j >= 0 and words[j] in qualifiers
            if qualified and verb in ("write", "create") and (words[j], topic) in _stored_under(data):
                qualified = False  # "store these defaults under config key k": where it is stored, as "as …"
            k = j
            while k >= 0 and k > j - 2 and "_" in words[k]:
                k -= 1  # "… and the security_review state": a name before the second object
            while k >= 0 and (words[k] in articles or _counts(words[k], data)):
                k -= 1  # "… plus the last 20 logs": a count before the second object
            if k >= 0 and (words[k],) in data["_conjunctions"]:
                # "token usage for s_1 and the dashboard", "… for qa on s_1, then the dashboard snapshot": a
                # second object
                object_taken = False
            possessor = i + size < n and words[i + size].endswith("'s")  # "session s_1's task groups"
            primary = not qualified and not object_taken and not possessor
            if reported_at is not None and _renamed_as(words, i, data):
                # "record my conclusion as a decision": what the agent reports is stored as this object
                found[reported_at] = found[reported_at][:3] + (False,) + found[reported_at][4:]
                reported_at, primary = None, True
            elif (
                primary_at is not None
                and not primary
                and not qualified
                and not possessor
                and verb in ("write", "create")
                and _renamed_as(words, i, data)
            ):
                # "save the token summary as skill output X", "store the group status summary as orchestrator
                # state": what is described first is stored as the object after "as"
                found[primary_at] = found[primary_at][:3] + (False,) + found[primary_at][4:]
                primary = True
            if primary:
                object_taken = True
                primary_at = len(found) if verb in ("write", "create") else None
            if reporting:
                # set only here: a report noun skipped above ("… report state") or renamed by an "as"
                # before it ("record in s_1 as investigator") is no pair in ``found`` to rename
                reported_at = len(found)
            found.append((written or "none", topic, i, primary, phrase))
            i += size
            continue
        i += 1
    return found, delete_seen, lead


def _to_the_log(pairs: Any, words: list[str], data: dict[str, Any]) -> Any:
    """'Save this deploy report to the logs of S: …', 'store the QA output in the log': a skill's output or
    report written to the logs (phrasings ``log_destination``) is an agent interaction: the log is where it
    goes, the noun only what it is."""
    prepositions = set(data["log_destination"]["prepositions"])
    for at, (verb, topic, _index, primary, _phrase) in enumerate(pairs):
        if not (primary and verb in ("write", "create") and topic == "skill_output"):
            continue
        for later in pairs[at + 1 :]:
            j = later[2] - 1
            while j >= 0 and words[j] in data["_articles"]:
                j -= 1
            if later[1] == "logs" and not later[3] and j >= 0 and words[j] in prepositions:
                pairs = list(pairs)
                pairs[at] = pairs[at][:1] + ("interaction",) + pairs[at][2:]
                return pairs
    return pairs


def _reported_as(pairs: Any, words: list[str], data: dict[str, Any]) -> Any:
    """'Record this test report for sess_beta as qa_1: "…"', 'save the smoke results for s_1 as the
    developer': a report noun (phrasings ``report_nouns``) written "as" an agent (an agent id, or an agent
    type said alone) is what that agent reports, an agent interaction -- a skill's output has no agent,
    and is JSON (with a JSON value the request stays a skill output, and the agent is refused)."""
    for at, (verb, topic, index, primary, phrase) in enumerate(pairs):
        if not (
            primary and verb in ("write", "create") and topic == "skill_output" and phrase in data["_report"]
        ):
            continue
        for k in range(index + 1, len(words) - 1):
            if words[k] != "as":
                continue
            j = k + 1
            while j < len(words) - 1 and words[j] in data["_articles"]:
                j += 1
            said = words[j]
            agent = agent_prefix(said) or (agent_or_none(said) if said in AGENT_TYPES["documented"] else None)
            if agent is not None and (j + 1 == len(words) or words[j + 1] in data["_qualifiers"]):
                pairs = list(pairs)
                pairs[at] = (verb, "interaction", index, primary, phrase)
                return pairs
    return pairs


def _names_nothing(words: list[str], data: dict[str, Any]) -> bool:
    """A few words that name no verb, object, value or id: 'quick one', 'heads up'."""
    return 0 < len(words) <= 4 and not any(
        w in data["_verb"]
        or w in data["_noun"]
        or w in data["_report"]
        or w in data["_command_names"]
        or w in data["_label"]
        or any(c.isdigit() or c == "_" for c in w)
        or agent_or_none(w) in AGENT_TYPES["documented"]
        for w in words
    )


def _is_heading(words: list[str], data: dict[str, Any], size: int = 3) -> bool:
    """'Security review:', 'QA verdict:': a short heading with no verb and no value before the colon."""
    return 0 < len(words) <= size and not any(
        w in data["_verb"] or w in data["_command_names"] or any(c.isdigit() or c == "_" for c in w)
        for w in words
    )


def _named_in_quotes(sentence: str, data: dict[str, Any]) -> str:
    """ "… titled 'Retry budget'": a name in single quotes is a value, whatever its words."""
    if "'" not in sentence and "\u2018" not in sentence:
        return sentence
    naming = alternation(data["slots"]["group_name"])
    named_by = (
        naming + r"|(?:task[_-]?)?group[_-][a-z0-9][\w.-]*|grp[_-]?[a-z0-9][\w.-]*"
    )  # "group_a 'Webhooks'"
    return rx.sub(
        r"(?i)\b(" + named_by + r")\s*[:=]?\s*['\u2018][^'\u2019\n]+['\u2019](?!\w)", r"\1", sentence
    )


def _named_plainly(sentence: str, data: dict[str, Any]) -> str:
    """'create task group group_d named Webhook receiver', '…, name PDF export, status pending': the words
    after a naming word up to a comma, a semicolon, 'in / for session' or the end are the group's name, not
    what the request asks for -- when the sentence names a task group and the name neither opens with a
    verb nor holds a word joining a second clause ('named Intake and export the session' keeps its words)."""
    if "group" not in sentence.lower():
        return sentence
    naming = alternation(data["slots"]["group_name"])
    joins = set(data["conjunctions"]["words"])

    def plain(match: re.Match[str]) -> str:
        words = words_of(match.group(2))
        if (
            len(words) > 5
            or not words
            or words[0] in data["_verb"]
            or any(w in joins or w in _BEFORE_A_VERB for w in words)
        ):
            return match.group(0)  # "named Export …", "named Intake and export …": a verb of its own
        return match.group(1)

    return rx.sub(
        r"(?i)\b(" + naming + r")\s*[:=]?\s+([A-Za-z][^,;\n\"\u201c'\u2018(]*?)"
        r"(?=\s*(?:[,;]|[.!?]?\s*$|\b(?:in|for)\s+(?:the\s+)?session\b))",
        plain,
        sentence,
    )


def _recorded_as_field(text: str, data: dict[str, Any]) -> bool:
    """'Changes requested on group_b in s_1 - record that as the group's last review status': a value
    said first, then written into one group's field by a verb and 'that / it as <the field's label>'."""
    words = words_of(text)
    if len({w for w in words if GROUP_ID.match(w)}) != 1:
        return False
    fields = [k for k, args in data["_label"].items() if set(args) & {"status", "last_review_status"}]
    verbs = [v for v, kind in data["_verb"].items() if kind in ("write", "update")]
    return bool(
        rx.search(
            r"(?i)\b(?:" + alternation(verbs) + r")\s+(?:that|it|this)\s+as\s+(?:the\s+)?"
            r"(?:(?:task\s+)?group(?:['\u2019]s)?\s+|its\s+)?(?:" + alternation(fields) + r")\b",
            text,
        )
    )


def _role_nouns_dropped(words: list[str], data: dict[str, Any]) -> list[str]:
    """'Investigator update for s_1', 'QA report', 'QA run': a report noun or an activity (phrasings
    ``report_nouns``) right after a role (before any verb) is what the agent reports or does, never the
    request's verb."""
    if "_agent_words" not in data:
        return words
    activities = data["report_nouns"]["role_activities"]
    out: list[str] = []
    for index, word in enumerate(words):
        if (
            index > 0
            and (word in data["_report"] or word in activities)
            and words[index - 1] in data["_agent_words"]
            and not any(w in data["_verb"] for w in out)
        ):
            continue
        out.append(word)
    return out


_ING_CLAUSE = Lazy(r",\s+([a-z]+ing)\b([^,;:]*)$", needs=(",",))


def _without_aside(sentence: str, data: dict[str, Any]) -> str:
    """'dashboard snapshot for s_1 please, posting it to the release channel': a last clause opened by a
    word in -ing that names nothing this skill stores (no object noun, no id) says what the agent will do
    next, not the operation."""
    match = _ING_CLAUSE.search(sentence)
    if not match:
        return sentence
    words = words_of(match.group(2))
    if any(w in data["_noun"] or "_" in w or any(c.isdigit() for c in w) for w in words):
        return sentence  # "…, marking group_a completed": a value or an object, kept
    gerund = match.group(1)
    stems = {gerund[:-3], gerund[:-3] + "e", gerund[:-4]}  # posting, saving, logging
    if stems & set(data["aside_keeps"]) or not rx.match(
        r"\s*(?:it|this|them)\s+(?:to|into|in|on|with)\b", match.group(2)
    ):
        return sentence  # "…, saving it": the write itself; only "posting it to the channel" is an aside
    return sentence[: match.start()]


def _determined(words: list[str], at: int, data: dict[str, Any]) -> bool:
    """'for the final report', 'the log': a word after an article (and one adjective) is a noun."""
    articles = data["_articles"]
    if (
        at >= 1
        and at + 1 < len(words)
        and words[at + 1] in data["dual_noun_heads"]
        and words[at - 1] not in function_words("before_a_verb_noun")
    ):
        return True  # "any orchestrator log entries since …" (not opening the sentence: "Log entry: …")
    return (at >= 1 and words[at - 1] in articles) or (
        at >= 2 and words[at - 2] in articles and words[at - 1] not in data["_verb"] and words[at - 1] != "to"
    )


def _stored_under(data: dict[str, Any]) -> set[tuple[str, str]]:
    """(preposition, topic) pairs naming where a write stores its value (phrasings ``stored_under``)."""
    entry = data["stored_under"]
    return {(word, topic) for word in entry["prepositions"] for topic in entry["topics"]}


def _renamed_as(words: list[str], at: int, data: dict[str, Any]) -> bool:
    """'… as the security_scan output', '… as a decision': 'as', then articles and at most one name."""
    j = at - 1
    names = 0
    while j >= 0 and (words[j] in data["_articles"] or words[j] in data["_agent_words"] or "_" in words[j]):
        names += words[j] not in data["_articles"]
        j -= 1
    return j >= 0 and words[j] == "as" and names <= 1


def _noun_ahead(
    words: list[str], start: int, nouns: dict[str, str], report: set[str] | frozenset[str] = frozenset()
) -> bool:
    return any(w in nouns or w in report or GROUP_ID.match(w) for w in words[start:])


class Intent:
    """What the head of a request asks for: the command, and the verb class that leads the request."""

    def __init__(self, command: str, phrase: str, body: str, sentences: list[str], lead: str | None):
        self.command = command
        self.phrase = phrase
        self.body = body
        self.sentences = sentences
        self.lead = lead


# "checking whether group_c is done", "wondering if group_a is approved": a yes/no question in the clause
# of a statement's value asks about it, and states nothing
_ASKS_WHETHER = Lazy(r"(?i)\b(?:whether|if)\b[^.;:!?]*$", needs=("whether", "if"))
_STATEMENT = Lazy(
    r"(?<!\bthat )(?<!\bwhich )(?<!\bwho )"  # "groups that are in progress": a filter, not a new value
    r"\b(?:is|are|was|has been|have been)\s+(?:now\s+)?(?:marked\s+(?:as\s+)?)?"
    r"(approved|changes[ _-]requested|completed?|done|failed|in[ _-]progress|pending|finished)\b"
    r"|\b(?:is|are)\s+now\s+(active)\b(?!\s+(?:on|in|with|for|at|since)\b)"  # a session's, said as new
    r"|\b(?:approved|requested changes (?:on|to|for)|requested changes)\s+"
    r"(?:task\s+)?(?:group\s+)?group[_-]\w"
    r"|\b(?:review|verdict|review status)\b[^:\n]{0,60}:\s*[A-Za-z][\w-]*\s*\.?\s*$"
    r"|\b(?:review status|verdict)\b[^.:\n]{0,60}?\bis\s+(?:now\s+)?[A-Za-z][\w-]*\s*\.?\s*$",
    re.IGNORECASE,
)


def recognise(head: str, label_lines: list[list[str]], data: dict[str, Any], first_line: str = "") -> Intent:
    """The operation the head names, or a refusal: unsupported object, two operations, none at all."""
    if "_agent_words" not in data:
        agent_words = set()

        for alias in list(AGENT_TYPES["aliases"]) + AGENT_TYPES["documented"] + data["agent_roles"]["roles"]:
            agent_words.update(alias.replace("_", " ").split())
        agent_words.discard("lead")  # "lead" alone is too common a word to skip over
        data["_agent_words"] = agent_words
    match = body_colon(head, data)
    phrase, body = (head[: match.start()], head[match.end() :]) if match else (head, "")
    if (
        match
        and _STATEMENT_THEN_ASKED.fullmatch(head[match.start() :])
        and _SQL_STATEMENT.fullmatch(phrase)
        and set(words_of(body)) & set(data["slots"]["sql_before"])
    ):
        # "SELECT … DESC — run it with a limit of 10 rows": the words after the dash run the statement
        # before it, as "run it with a limit of 10 rows: SELECT …" would
        phrase, body = body, phrase
    phrase = correct_typos(phrase.strip())
    body = body.strip()
    head_words, body_words = words_of(phrase), words_of(body)
    if body_words and (
        (_names_nothing(head_words, data) and _names_something(body_words, data))
        or (_is_heading(head_words, data) and _is_instruction(body_words, data))
        or (_is_heading(head_words, data, size=6) and _is_request(body_words, data))
    ):
        # "Hey, quick one: the config value for testing_config": the words before the colon name nothing
        head = body
        match = body_colon(head, data)
        phrase, body = (head[: match.start()], head[match.end() :]) if match else (head, "")
        phrase = correct_typos(phrase.strip())
        body = body.strip()
        head_words, body_words = words_of(phrase), words_of(body)
    told = _TOLD_FIRST.match(body)
    if told and not any(w in data["_verb"] for w in _role_nouns_dropped(head_words, data)):
        # "QA result for s_1 (agent qa_1): please log it - 3 tests failing": the verb for what the head
        # names, then the value
        phrase, body = f"{told.group(1)} {phrase}", body[told.end() :].strip()
        head_words, body_words = words_of(phrase), words_of(body)
    told = SPOKEN_WRITE.search(body) if body else None
    if (
        told
        and not told.group("kept")
        and any(w in data["_report"] for w in head_words)
        and not any(
            w in data["_verb"] or w in data["_noun"] or w in data["_command_names"]
            for w in _role_nouns_dropped(head_words, data)
        )
    ):
        # 'Finding from the investigator for s_1: "…" — please log it.': what an agent reports (a report
        # noun, no operation named), its value, then the verb for it: the verb leads, the value is the body
        verb = rx.search(rf"(?i)\b({'|'.join(told_verbs())})\b", told.group(0))
        if verb is not None:
            phrase, body = f"{verb.group(1)} {phrase}", body[: told.start()].strip()
            head_words, body_words = words_of(phrase), words_of(body)
    instruction = any(
        data["_verb"].get(w) in ("update", "write", "create") and w not in data["_dual"] for w in body_words
    )
    if (
        body_words
        and instruction
        and not any(w in data["_verb"] for w in _role_nouns_dropped(head_words, data))
        and "{" not in body
    ):
        # "In session s_1, group_c needs another pass: set it back to in progress": the instruction
        # follows the colon; the words before it say what it is about
        phrase, body = phrase + ". " + body, ""
    sentences = [_without_aside(s.strip(), data) for s in SENTENCE_END.split(phrase) if s.strip()]
    # A sentence of its own "for session X" keeps its values; trailing explanation is dropped.
    trailing = tuple(data["trailing_prose"])
    found_command: str | None = None
    kept: list[str] = []
    commands_named: list[str] = []
    operations_named = 0
    joined: RequestNotUnderstood | None = None  # "mark A completed and mark B failed"
    paging: list[RequestNotUnderstood] = []  # "…, skipping the first 100 entries and showing 50": one read
    none_topic: str | None = None  # the object named before the verb ("session s_1 is done, mark it …")
    none_sentence = ""
    fallback: str | None = (
        None  # a qualified noun, when nothing else names the operation ("check for sessions")
    )
    delete = False
    verb_only: str | None = None
    lead: str | None = None
    asked_pointing = ""
    field_asked = False  # "which mode …": a session's own field asked for, no context of another read
    second: str | None = None  # "…. The logs for S please.": a sentence naming a read, after the operation
    status_write: str | None = None  # "Mark s_1 completed. Set config …": a status written, no noun
    unwritable: str | None = None  # "Mark s_1 completed and the token summary": the read of the second
    # "add the requirements blocker": an unsupported object taken as what an agent reports; its refusal
    # if no operation is recognised after all (the object is named, never "no operation recognised")
    reported_unsupported: RequestNotUnderstood | None = None
    for index, sentence in enumerate(sentences):
        lowered = sentence.lower()
        if (
            index > 0
            and lowered.startswith(trailing)
            and not (
                found_command is not None
                and COMMANDS[found_command]["kind"] == "write"
                and _has_write_verb([sentence], data)
            )
        ):
            continue  # prose after the operation; but after a write, "I want to log … too" is a second one
        kept.append(sentence)
        # values in parentheses ("(session: s_1)", "(iteration 2, agent qa_1)") never name the operation
        # "Did anyone save a security_scan output for s_1?": how the record came to be, asked: a read
        unvalued = without_idioms(sentence)  # "…, lost track after …": no verb
        unasked = without_asked_writes(unvalued)
        asked_write, unvalued = unasked != unvalued, unasked
        unvalued = _SESSION_QUALIFIER.sub(" ", PARENS.sub(" ", _QUOTED.sub(" ", unvalued)))
        # "set its status to failed in s_1, not the whole session": what is ruled out names no operation
        unvalued = _ruled_out(data).sub(" ", unvalued)
        words = words_of(_AMPERSAND.sub(" and ", unvalued))
        # "the session's status", "the group's review status": the owner is the object
        words = [
            w[:-2] if w.endswith("'s") and (w[:-2] in data["_noun"] or GROUP_ID.match(w[:-2])) else w
            for w in words
        ]
        # "developer_3's report": the agent's (its type says whose report: an interaction, not a skill's)
        words = [(agent_prefix(w[:-2]) or w) if w.endswith("'s") else w for w in words]
        words = active_voice(words, data)[0]  # "the session s_1 should be marked failed": a write
        words = contents_asked(words, sentence, data)  # "Anything in the PM state for s_1?": a read
        words = _speaker_subject(words, data)  # "Dashboard needs the latest logs of s_1": who asks
        pairs, delete_seen, sentence_lead = _pairs(words, data)
        pairs = _to_the_log(pairs, words, data)  # "save this deploy report to the logs of s_1": a log
        if not rx.search(r"[{\[]", body):
            pairs = _reported_as(pairs, words, data)  # "record this test report for S as qa_1: '…'"
        lead = lead or sentence_lead
        delete = delete or delete_seen
        said = _TYPE_VALUE.sub(r"\1", _named_plainly(_named_in_quotes(PARENS.sub(" ", sentence), data), data))
        reported_unsupported = reported_unsupported or _check_unsupported(words_of(strip_quoted(said)), data)
        joined = joined or _two_operations(words, data, paging)
        sentence_ops = 0
        for verb, topic, at, primary, _phrase in pairs:
            if verb == "delete":
                raise refuse(data["delete_reason"], hint=data["delete_hint"], kind="unsupported")
            if (
                topic == "session_field"
                and verb == "update"
                and (primary or words[at - 1 : at] == ["session"])
            ):
                # "Change the requirements of sess_beta to …", "set the session mode": fixed at creation
                raise refuse(data["session_fields_fixed"]["reason"], "create-session", kind="unsupported")
            if (
                index > 0
                and verb == "none"
                and primary
                and (found_command is not None or status_write is not None)  # "Mark s_1 completed."
                and second is None
                and not topic.startswith("=")
                and not (body and index == len(sentences) - 1)  # "… State: {…}": the label of the body
            ):
                # "mark group_a completed in S. Token summary for S.": a read named by its object (two)
                second = _named_read(sentence, words, at, _phrase, topic, found_command or "", data)
            if not primary or (index > 0 and verb == "none"):
                if fallback is None and verb in ("read", "stream") and not topic.startswith("="):
                    fallback = data["operations"][topic].get(verb)  # "check for active sessions": reads only
                elif fallback is None and verb == "update" and GROUP_ID.match(_phrase):
                    fallback = data["operations"][topic][verb]  # "reset the revision count of group_a to 0"
                continue  # "Session: s_1." after the operation's sentence names a value, not an operation
            command = topic[1:] if topic.startswith("=") else data["operations"][topic].get(verb)
            if command is None and verb == "stream" and not topic.startswith("="):
                command = data["operations"][topic].get("read")  # "page through the decisions": a read, paged
            if (
                command is None
                and verb == "update"
                and _phrase in data["append_only"]["nouns"]
                and not any(GROUP_ID.match(w) for w in words)
            ):
                raise refuse(data["append_only"]["reason"], "log-interaction", kind="unsupported")
            if verb == "none" and command is not None and not topic.startswith("="):
                none_sentence = sentence if none_topic is None else none_sentence
                none_topic = none_topic or topic
            if command is None:
                if unwritable is None and verb in ("update", "write", "create") and _joined(words, at, data):
                    # "Mark sess_beta completed and a dashboard snapshot": an object joined after the
                    # verb's own that the verb cannot write names its read, a second operation
                    unwritable = data["operations"][topic].get("none")
                continue
            sentence_ops += 1
            if command not in commands_named:
                commands_named.append(command)
            if found_command is None or found_command == "get-session":
                found_command = command
        if index > 0 and found_command is not None and second is None and not sentence_ops:
            # "Token summary for S. Group_a is done, mark it completed.": a write on the object said first
            second = _acts_on_its_object(words, pairs, sentence_lead, found_command, data)
        if sentence_ops and sentence_lead not in (None, "read", "stream"):
            operations_named += 1
        if not sentence_ops and status_write is None and _sets_a_status(words, sentence_lead, data):
            status_write = sentence  # "Mark s_1 completed.": a write of its own, though it names no noun
        primaries = [p for p in pairs if p[3]]
        field_asked = field_asked or any(p[1] == "session_field" for p in primaries)
        if asked_write and not primaries:
            asked_pointing = asked_pointing or sentence  # "did you log it?": asks about a record, unnamed
        _check_joined_objects(words, primaries, data)
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
            for word in _role_nouns_dropped(words, data):
                if word in data["_verb"]:
                    verb_only = data["_verb"][word]
                    break
    if delete and not commands_named:
        raise refuse(data["delete_reason"], hint=data["delete_hint"], kind="unsupported")
    commands_named = _merge_log_reads(commands_named, field_asked)
    if second is not None and (found_command is not None or status_write is not None):
        first = found_command or f"a status write ({shorten(status_write or '')!r})"
        raise refuse(
            f"the request names two operations ({first} and {second}); send one request per operation",
            found_command,
            kind="two_operations",
        )
    if none_topic is not None and len(commands_named) > 1:
        # "group_b in s_1 passed QA; mark the group's status as completed": the verbless sentence names
        # the object the verb of the next one acts on, not a read of its own
        read = data["operations"][none_topic].get("none")
        # … or a verdict about it ("Tech lead review for group_a: APPROVED. Please update the group's
        # review status")
        updates = {data["operations"][none_topic].get("update"), "update-task-group", "update-session-status"}
        other = next((c for c in commands_named if c != read), "")
        if other == "update-session-status":
            named = (
                [m.group(1) for m in SESSION_SHAPE.finditer(none_sentence)] if none_topic == "session" else []
            )
        elif none_topic in ("task_group", "interaction"):  # the group, or a review of it
            named = [w for w in words_of(none_sentence) if GROUP_ID.match(w)]
        else:
            named = []  # "Logs for group_a in s_1. Then mark group_a completed.": a read asked first
        if (
            read in commands_named
            and len(commands_named) == 2
            and set(commands_named) - {read} <= updates
            and (
                len(set(named)) == 1  # the statement is about the one object the update changes
                or _every_group_reported(
                    none_sentence, none_topic, data, " ".join(kept)
                )  # "all groups approved."
            )
        ) or (
            # "QA results for s_1, save them as skill output test_results {…}": the verbless words name what
            # the write stores, and the write points back at them
            read in commands_named
            and len(commands_named) == 2
            and other == data["operations"][none_topic].get("write")
            and _writes_a_pronoun(kept, data)
        ):
            commands_named = [c for c in commands_named if c != read]
            operations_named = min(operations_named, 1)
            if found_command == read:
                found_command = commands_named[0] if len(commands_named) == 1 else found_command
    if (
        status_write is not None
        and commands_named
        and commands_named[0] not in _STATUS_UPDATES
        and COMMANDS[commands_named[0]]["kind"] == "write"
    ):
        # "Mark s_1 completed. Then set config release_config to {…}": the status write is no context
        raise refuse(
            f"the request sets a status ({shorten(status_write)!r}) and asks for {commands_named[0]}; "
            "send one request per operation",
            commands_named[0],
            kind="two_operations",
        )
    if len(commands_named) > 1 or operations_named > 1:
        raise refuse(
            "the request names two operations ("
            + " and ".join(commands_named if len(commands_named) > 1 else commands_named * 2)
            + "); send one request per operation",
            commands_named[0],
            kind="two_operations",
        )
    if joined is None and paging and found_command and COMMANDS[found_command]["kind"] != "read":
        joined = paging[0]  # "… and show 5" after a write: a second operation after all
    if joined is not None:  # the form shown is the first operation's (the one the request led with)
        raise refuse(joined.message, found_command, kind="two_operations") if found_command else joined
    statement = None
    said = " ".join(kept)
    if verb_only is None and not said.rstrip().endswith("?") and not rx.match(r"(?i)\s*(?:is|are)\b", said):
        # "the reviewer verdict for group_b is APPROVED", "group_a is done": a statement of a new value
        statement = _STATEMENT.search(said + (": " + body if body else "")) or _stated_value(said, data)
        if statement is not None and _ASKS_WHETHER.search(statement.string[: statement.start()]):
            statement = None  # "(just checking whether group_c is done)": a question, no new value
        if statement is not None:
            verb_only = lead = "update"
            stated = words_of(said + " " + body)
            if any(GROUP_ID.match(w) for w in stated) or "group" in stated:
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
    if found_command in (None, "update-task-group") and lead == "update" and kept:
        # "Mark sess_beta failed - group_a's sandbox is down": the session is the verb's object
        found_command = _session_marked(kept, body, data) or found_command
    if found_command == "update-task-group":
        found_command = _session_by_pronoun(verb_only, kept, body, data) or found_command
    if found_command is None:
        found_command = _session_by_pronoun(verb_only, kept, body, data)
    if found_command is None:
        found_command = _from_labels(verb_only, label_lines, data)
    if (
        found_command is None
        and verb_only == "write"
        and body
        and not label_lines
        and _TOKENS_FIRST.match(body)
    ):
        found_command = data["operations"]["tokens"]["write"]  # "please log them: 15000 tokens used by …"
    if found_command is None and verb_only == "write" and body and not label_lines:
        dual_first = next(
            (w for s in kept for w in words_of(without_asked_writes(s)) if w in data["_verb"]), None
        )
        if dual_first in data["_dual"]:
            found_command = data["operations"]["interaction"]["write"]  # "please log this for s_1: …"
    if found_command is None and verb_only is None and any("sql" in c for c in label_lines):
        found_command = "query"  # "query: SELECT …"
    if found_command is None and verb_only == "run" and rx.match(r"(?i)\s*(?:select|with)\b", body or ""):
        found_command = "query"  # "please run this:" then the statement (in a fence or not)
    if found_command is None and fallback is not None:
        found_command = fallback
    said = " ".join(kept)
    reported = rx.match(
        r"(?i)\s*(?:" + "|".join(data["verbs"]["dual"]) + r")\s+(?:that\s+(.+)|(?=[\"\u201c])(.+))$", said
    )
    # 'log "Waiting on QA" for s_1 by developer_1 - iteration 4': after the quote's sentence, values only
    after_quote = (
        body if reported and reported.group(2) and body and not rx.search(r"[\"\u201c{\[]", body) else ""
    )
    if after_quote and found_command == "log-interaction" and lead == "write":
        if not all(is_qualifier(p) for p in rx.split(r"[,;]", after_quote.rstrip(" .!")) if p.strip()):
            # '… - and the deploy went fine': a second text after the quoted one: never one of them dropped
            raise refuse(
                f"the request gives a quoted text and more text after it ({shorten(after_quote, 40)!r}); "
                "log-interaction takes one content: put it all inside the quotes",
                found_command,
                kind="not_understood",
            )
        said, kept, body = said + ", " + after_quote, kept + [after_quote], ""
    if (
        reported
        and lead == "write"
        and not body
        and found_command in (None, "create-task-group", "log-interaction")
    ):
        # "log that the developer finished group_a for s_1": a report; the clause is its content
        found_command = data["operations"]["interaction"]["write"]
        clause = reported.group(1) or reported.group(2)
        quoted = rx.match(r"\s*[\"\u201c]([^\"\u201d]+)[\"\u201d]", clause)
        if quoted:  # 'log "group_b waits for the session schema"': the quote whole, whatever its words
            body = quoted.group(1)
            if QUOTED_SPAN.search(clause[quoted.end() :]):
                # 'log "developer_2 finished" and "qa_1 started" for s_1': two texts, one content
                raise refuse(
                    "the request gives two quoted texts to log; log-interaction takes one content: send one "
                    "request for each (or one text in one quote)",
                    found_command,
                    kind="list_of_values",
                )
        else:
            body = rx.sub(r"\s+(?:for|in)\s+(?:the\s+)?(?:session\s+)?\S+\s*[.!]?\s*$", "", clause)
    if _recorded_as_field(said + " " + body, data):
        found_command, lead = "update-task-group", lead or "update"
        kept, body = kept + ([body] if body else []), ""  # the field's sentence is the operation's
    if found_command is None and verb_only in (None, "read") and said.rstrip().endswith("?"):
        # "Is sess_alpha still active?": a question about one session and nothing else is its details
        asked = {m.group(1).lower() for m in SESSION_SHAPE.finditer(said)}
        spoken = words_of(said)
        question = data["status_question"]
        statuses = {w for w, _value in enum_words("session_status")} | set(question["words"])
        if (
            len(asked) == 1
            and spoken[:1]
            and spoken[0] in question["openers"]
            and statuses & set(spoken)  # "Is s_1 still active?": its status is asked
            and not any(GROUP_ID.match(w) for w in spoken)
            and not body
        ):
            found_command = data["operations"]["session"]["read"]
    if found_command is None and reported_unsupported is not None:
        raise reported_unsupported  # "add the requirements blocker for s_1": not an interaction after all
    if found_command is None:
        raise refuse(NOTHING_RECOGNISED + " in " + repr(shorten(phrase or head or first_line)))
    if unwritable is not None and unwritable != found_command:
        raise refuse(
            f"the request names two operations ({found_command} and {unwritable}); send one request per "
            "operation",
            found_command,
            kind="two_operations",
        )
    if asked_pointing and COMMANDS[found_command]["kind"] == "write":
        # "did you log it? then mark group_a completed": the question asks to read the record, the rest
        # writes: two operations, whatever the question points at
        raise refuse(
            f"the text asks about the record ({shorten(asked_pointing)!r}) and asks for {found_command}; "
            "send one request per operation",
            found_command,
            kind="two_operations",
        )
    # A request without a verb is a read; a write needs its verb ("never guess a write").
    if COMMANDS[found_command]["kind"] == "write" and statement is None and not _has_write_verb(kept, data):
        raise refuse(
            "say what to do with it (log, save, create, update …); writes are never guessed", found_command
        )
    if found_command in ("get-logs", "stream-logs"):
        found_command = _logs_flavour(found_command, " ".join(kept), data)
    return Intent(found_command, said, body, kept, lead)


# a statement written first, whole: it opens with SELECT or WITH, and its quotes are closed
_SQL_STATEMENT = Lazy(r"(?is)\s*(?:select|with)\b(?:[^'\"`]|'[^']*'|\"[^\"]*\"|`[^`]*`)*")
# then a dash and words of the request only: no quote, bracket or statement's clause (a dash inside the SQL,
# "SELECT a - b FROM t", leaves a clause after it, and the break is not taken)
_STATEMENT_THEN_ASKED = Lazy(
    r"(?is)\s+[-\u2013\u2014]+\s+(?![\s\S]*\b(?:select|from|where|join|union|order|group|having|values)\b)"
    r"[^'\"`;(){}\[\]]+",
    needs=("-", "\u2013", "\u2014"),
)
# "log them: 15000 tokens used by developer_1 …": a body that opens with a token count is token usage
_TOKENS_FIRST = Lazy(r"(?i)\s*\d[\d,_.]*\s?k?\s*tokens?\b")
_SQL_GIVEN = Lazy(r"(?is)\b(?:sql|query)\b\s*:?\s*select\b.+?\bfrom\b", needs=("select",))
# compounds whose first noun only describes the second: "review state", "interaction state", "review tokens"
_MODIFIERS = {"interaction"}


def _head_after(words: list[str], at: int, nouns: dict[str, str], data: dict[str, Any]) -> str | None:
    """The topic of the longest operation noun starting at ``at`` when it names a record written by a write of
    its own other than an interaction, else None."""
    for size in range(min(data["_noun_words"], len(words) - at), 0, -1):
        topic = nouns.get(" ".join(words[at : at + size]))
        if topic is not None:
            return topic if topic in written_topics(data) and topic not in _MODIFIERS | {"logs"} else None
    return None


_TOLD_FIRST = Lazy(
    rf"(?i)(?:please\s+)?({'|'.join(told_verbs(first=True))})\s+(?:it|this|that|them|['\u2019]?em)\b"
    r"\s*(?:[-\u2013\u2014:,.]\s*|$)",
    needs=tuple(told_verbs(first=True)),
)
# "…, session sess_beta": a value after a comma, like one in parentheses, never names the operation
_SESSION_QUALIFIER = Lazy(
    r"(?i)[,;]\s*(?:in\s+|for\s+)?session(?:[ _-]?id)?\s*[:=]?\s*[\w.:@+-]*[\d_][\w.:@+-]*\s*(?=[,;.]|$)",
    needs=("session",),
)
# "log decision for s_1, type scope: {…}": the word after "type" is a value (a decision or state type)
_TYPE_VALUE = Lazy(r"(?i)\b(type)\s*[:=]?\s+[A-Za-z][\w-]*", needs=("type",))
# words in double quotes are a value ('"All three groups dispatched"'), never the operation's object
_QUOTED = Lazy(r"[\"\u201c][^\"\u201d\n]{3,}[\"\u201d]", needs=('"', "\u201c"))
_AMPERSAND = Lazy(r"(?<=\s)[+&](?=\s)", needs=("+", "&"))  # "snapshot + stream-logs": two objects joined

_BEFORE_A_VERB = function_words("before_a_verb")


def _check_unsupported(words: list[str], data: dict[str, Any]) -> RequestNotUnderstood | None:
    """Refuse when the operation's sentence names something this skill does not store, wherever it stands.

    An object an agent reports ('log my blocker', 'add the requirements blocker') is an interaction if an
    operation is recognised: its refusal is returned, raised only when none is."""
    reported: RequestNotUnderstood | None = None
    for index, word in enumerate(words):
        for phrase, entry in data["_unsupported"].get(word, ()):
            if entry.get("as_verb") and index > 0 and words[index - 1] not in _BEFORE_A_VERB:
                continue  # "merge conflicts", "approve the merge": a noun here
            if index > 0 and words[index - 1].replace("\u2019", "'") in data["unsupported"]["negated_by"]:
                continue  # "Not merging this.", "don't notify anyone": said not to be done, not asked
            if tuple(words[index : index + len(phrase)]) == phrase:
                closest = entry.get("closest")
                message = (
                    f"{' '.join(phrase)!r}: bazinga-db has no {entry['what']}; it stores "
                    + data["unsupported"]["stores"]
                )
                refusal = (
                    refuse(message, closest, kind="unsupported")
                    if closest
                    else refuse(message, hint=request_form(None), kind="unsupported")
                )
                if word in entry.get("reported", ()) and _reported_by_its_agent(words, index, data):
                    # "log my blocker as developer: …": what the agent reports, an interaction
                    reported = reported or refusal
                    continue
                raise refusal
    return reported


def _two_operations(
    words: list[str], data: dict[str, Any], paging: list[RequestNotUnderstood] | None = None
) -> RequestNotUnderstood | None:
    """'mark A completed and mark B failed', '… named C and mark group_a completed': two operations.

    A read verb joined with only a count after it ('… skipping the first 100 entries and showing 50', 'and
    return the next 25 entries') says how a read pages, no second operation: kept in ``paging``, a refusal
    only if the request turns out to be a write."""
    verbs = data["_verb"]
    skip = data["_articles"] | function_words("before_a_second_verb")
    not_verbs = set(data["conjunctions"].get("not_verbs", ()))
    noun_verbs = [tuple(p.split()) for p in data["conjunctions"]["noun_verbs"]["phrases"]]
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
            said = next((p for p in noun_verbs if tuple(words[j : j + len(p)]) == p), None)
            if said:
                # "… and then snapshot it for the incident doc": the noun of an operation as its verb
                return refuse(
                    f"the request joins two operations with {' '.join(conjunction)!r} "
                    f"('… {' '.join(words[i : j + len(said)])} …'); send one request per operation",
                    kind="two_operations",
                )
            taken = _takes_an_object(words, j, data)
            if taken:
                # "… and take a dashboard snapshot of it", "…, then grab the token summary": a verb this
                # skill does not know, with an object of this skill of its own: a second operation
                return refuse(
                    f"the request joins two operations with {' '.join(conjunction)!r} "
                    f"('… {' '.join(words[i:taken])} …'); send one request per operation",
                    kind="two_operations",
                )
            if (
                j < n
                and words[j] in verbs
                and (words[j] not in not_verbs or _reads_an_object(words, j, data))
            ):
                rest = words[j + 1 :]
                if (
                    verbs[words[j]] == first_class == "update"
                    and not any(GROUP_ID.match(w) or w in ("session", "sessions") for w in rest)
                    and not _updates_another_object(words[:i], rest, data)
                ):
                    continue  # "increment the revision of group_b and set its review status": one update
                if paging is not None and _pages(words[j], rest, data):
                    paging.append(
                        refuse(
                            f"the request joins two operations with {' '.join(conjunction)!r} "
                            f"('… {' '.join(words[i : j + 1])} …'); send one request per operation",
                            kind="two_operations",
                        )
                    )
                    continue
                return refuse(
                    f"the request joins two operations with {' '.join(conjunction)!r} "
                    f"('… {' '.join(words[i : j + 1])} …'); send one request per operation",
                    kind="two_operations",
                )
        i += 1
    return None


_STATUS_UPDATES = ("update-task-group", "update-session-status")


def _sets_a_status(words: list[str], lead: str | None, data: dict[str, Any]) -> bool:
    """'Mark s_1 completed', 'set group_a to failed': an update verb, a session or group id and a status."""
    if lead != "update":
        return False
    named = any(GROUP_ID.match(w) or session_like(w) for w in words)
    enums = {argument_specs(command)["status"]["type"] for command in _STATUS_UPDATES}  # the vocabulary's
    statuses = {w for enum in enums for w, _value in enum_words(enum)}
    return named and any(w in statuses for w in words)


def _takes_an_object(words: list[str], at: int, data: dict[str, Any]) -> int:
    """'take a dashboard snapshot', 'grab the token summary', 'pull up the logs': after a conjunction, a
    word that is no verb, noun or value of this skill (a verb it does not know, not in the past tense),
    maybe one particle, then an article and an operation noun: the end of that noun, else 0."""
    word = words[at] if at < len(words) else ""
    if not word.isalpha() or word.endswith("ed") or _is_known_word(word, data):
        return 0  # "… and closed the task group": what was done, told (a past tense), no request
    k = at + 1
    if k < len(words) and words[k] in _PARTICLES:
        k += 1  # "pull up the logs", "send out the snapshot"
    if k >= len(words) or words[k] not in data["_articles"]:
        return 0
    while k < len(words) and (words[k] in data["_articles"] or _counts(words[k], data)):
        k += 1
    for size in range(min(data["_noun_words"], len(words) - k), 0, -1):
        if " ".join(words[k : k + size]) in data["_noun"]:
            return k + size
    return 0


def _is_known_word(word: str, data: dict[str, Any]) -> bool:
    """A word the reader reads as something of its own: a verb, noun, report noun, qualifier, article,
    agent word, conjunction or stop word ('as', 'is')."""
    return (
        word in data["_stop"]
        or word in data["_verb"]
        or word in data["_noun"]
        or word in data["_report"]
        or word in data["_qualifiers"]
        or word in data["_articles"]
        or word in data["_agent_words"]
        or (word,) in data["_conjunctions"]
    )


_PARTICLES = function_words("particles")  # "pull up the logs": the particle of a phrasal verb


_AFTER_POINTER = function_words("after_pointer")  # "log that as …": what may follow a pronoun object


def _counts(word: str, data: dict[str, Any]) -> bool:
    """'20', 'ten', 'last', 'latest': a word of a count before a noun."""
    slots = data["slots"]
    return word.isdigit() or word in slots["number_words"] or word in slots["limit_before"]


def _merge_log_reads(commands: list[str], field_asked: bool = False) -> list[str]:
    """Ranking when one sentence names several nouns: the more specific operation wins.

    - stream-logs over get-logs ("show the recent log entries": both nouns are logs);
    - any operation over get-session ("how many tokens has session s_1 used": the session is context),
      unless a field of the session is what is asked ("which mode and how many task groups …": two reads).
    """
    if "get-logs" in commands and "stream-logs" in commands:
        commands = [c for c in commands if c != "get-logs"]
    if "get-session" in commands and len(commands) > 1 and not field_asked:
        commands = [c for c in commands if c != "get-session"]
    return commands


def has_verb(sentences: list[str], data: dict[str, Any]) -> bool:
    return any(word in data["_verb"] for sentence in sentences for word in words_of(sentence))


def _has_write_verb(sentences: list[str], data: dict[str, Any]) -> bool:
    for sentence in sentences:
        words = _role_nouns_dropped(active_voice(words_of(sentence), data)[0], data)
        for index, word in enumerate(words):
            if data["_verb"].get(word) in ("create", "write", "update", "run"):
                return True
            if data["_verb"].get(" ".join(words[index : index + 2])) in ("create", "write", "update"):
                return True  # "kick off", "set up"
            if word in data["set_to_verbs"]["words"] and "to" in words[index + 1 :]:
                return True  # "reset the revision count of group_a to 0"
            if word in data["_command_names"] and COMMANDS[data["_command_names"][word]]["kind"] == "write":
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
    words = set(words_of(lowered))
    wants_stream = bool(words & set(data["stream_words"]))
    filters = bool(rx.search(r"\bsince\b|\bafter\s+\d{4}-", lowered)) or agent_in(phrase) is not None
    if filters:
        return "get-logs"
    if wants_stream:  # an offset alone pages get-logs too ("get logs … limit 50, offset 50")
        return "stream-logs"
    return command


def _adds_one_to_the_revision(words: list[str], at: int, data: dict[str, Any]) -> bool:
    """'add one to its revision count', 'adding 1 to group_a's revision': a bump of a group's revision
    count said with 'add' (slots ``revision_add``), by one only."""
    return (
        words[at] in data["slots"]["revision_add"]
        and words[at + 1 : at + 3] in (["one", "to"], ["1", "to"])
        and "revision" in words[at + 3 : at + 6]
    )


def intent_of(head: str, label_candidates: list[list[str]], lines: list[str]) -> Intent:
    """The operation the request is about (verb class x object noun, from phrasings.json), or a refusal.

    A read recognised without a verb is refused when the request carries what only a write takes: a new
    value ("group_a → completed") or labels of another operation ("PM interaction / Content: …").
    """
    data = tables()
    intent = recognise(head, label_candidates, data, lines[0] if lines else "")
    if intent.lead is None and COMMANDS[intent.command]["kind"] == "read":
        intent = _told_to_write(intent, lines, data)
    if COMMANDS[intent.command]["kind"] == "read" and intent.command != "query" and _SQL_GIVEN.search(head):
        # "How many log entries per agent? Use SQL: SELECT …": the statement given is what to run
        intent = Intent("query", intent.phrase, intent.body, intent.sentences, "run")
    spec = COMMANDS[intent.command]
    if (
        spec["kind"] == "read"
        and intent.lead is None
        and rx.search(r"\u2192|->|=>", head)
        and not _points_at_a_session(head)
    ):
        # "group_a → completed": a new value without a verb; writes are never guessed
        raise refuse(
            "no operation verb in the request: say what to do (update, mark …); writes are never guessed"
        )
    if (
        intent.command == "get-task-groups"
        and intent.lead is None
        and not head.rstrip().endswith("?")
        and _states_a_new_value(head, data)
    ):
        # "group_a completed (s_1)", "group_b (s_1) approved.": a new value for one group, without a
        # verb. Read as a filter, the value would be dropped; writes are never guessed: refuse
        raise refuse(
            "say what to do with group values (mark, set, update …): the request names no verb, and writes "
            "are never guessed",
            "update-task-group",
        )
    if (
        spec["kind"] == "read"
        and intent.lead is None
        and not head.rstrip().endswith("?")
        and _STATED_DONE.search(" ".join(intent.sentences))
    ):
        # "group_a investigated, root cause found (s_1)": what happened to an object, told without a
        # verb of this skill. A read would answer a report; a write is never guessed: refuse
        raise refuse(TOLD_ONLY + " but names no verb (log, mark, get …); writes are never guessed")
    if spec["kind"] == "read" and not has_verb(intent.sentences, data):
        # "PM interaction / Content: …" without a verb: the values are a write's; writes are never guessed.
        names = {a["name"] for a in spec["args"]}
        foreign = [c for c in label_candidates if not any(arg in names for arg in c)]
        if foreign:
            raise refuse(
                "say what to do with these values (log, save, create, update …): the request names no "
                "verb, and writes are never guessed"
            )
    return intent


def _told_to_write(intent: Intent, lines: list[str], data: dict[str, Any]) -> Intent:
    """'Token usage for the Tech Lead on s_1: 9,870. Please log it.', '… - log that please': the verb
    comes after what it is about, as a sentence of its own. The object named is then written: the write
    of the read the words named (token usage -> log-tokens), and the sentence is no part of any value."""
    told = None
    for line in lines:
        told = SPOKEN_WRITE.search(line) or told
    if told is None:
        return intent
    topic = next(
        (
            t
            for t, ops in data["operations"].items()
            if not t.startswith("_") and ops.get("none") == intent.command
        ),
        None,
    )
    command = data["operations"][topic].get("write") if topic else None
    if command is None:
        return intent
    spoken, kept = told.group(0), told.group("kept") or ""
    if kept and not (agent_in(kept) or rx.search(r"[\d_]", kept)):
        return intent  # "… record them as a decision": what that says is not a value; refused below
    kept = kept.strip()  # "… record them under requirements_engineer": the agent type stays a value
    phrase = intent.phrase
    value = intent.body[: -len(spoken)].rstrip().removesuffix(".").rstrip()
    if intent.body.endswith(spoken) and kept and value.endswith(("}", "]")):
        # '…: {…} — log it as decision type root_cause': the value stays whole, what "as" says is the head's
        body, phrase = value, f"{phrase} {kept}"
    elif intent.body.endswith(spoken):
        body = (intent.body[: -len(spoken)].rstrip() + " " + kept).strip()
    else:
        body = intent.body
    if phrase.endswith(spoken):
        phrase = (phrase[: -len(spoken)].rstrip() + " " + kept).strip()
    return Intent(command, phrase, body, intent.sentences, "write")


def _session_by_pronoun(
    verb: str | None, sentences: list[str], body: str, data: dict[str, Any]
) -> str | None:
    """'sess_beta hit merge conflicts. Set its status to failed.', 'session s_1 is done, mark it
    finished': an update of 'it' where the one thing named is a session (no group anywhere)."""
    words = [w for s in sentences for w in words_of(s)] + words_of(body)
    groups = {w[:-2] if w.endswith("'s") else w for w in words if GROUP_ID.match(rx.sub(r"'s$", "", w))}
    if verb in ("update", "write") and {"it", "its"} & set(words) and len(groups) == 1:
        # "changes are in for group_a - put it back to in_progress and bump the revision count"
        if verb == "update" or any(w in ("status", "revision", "in_progress", "back") for w in words):
            return "update-task-group"
    if verb != "update":
        return None
    fields = [f for f in data["group_fields"]["words"] if f != "status"]
    if set(fields) & {" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words))}:
        return None  # "mark the QA review status of sess_beta as completed": a group's field, no session's
    # "set sess_beta's status to finished": a session's own status
    owners = {w[:-2] for w in words if w.endswith(("'s", "\u2019s")) and SESSION_SHAPE.fullmatch(w[:-2])}
    if len(owners) == 1 and not groups and not any(w in ("group", "task") for w in words):
        return "update-session-status"
    strong = {
        m.group(1).lower()
        for s in sentences
        for m in SESSION_SHAPE.finditer(s)
        if session_like(m.group(1)) or rx.fullmatch(r"(?i)s_\d+", m.group(1))
    }
    if len(strong) == 1 and not groups and not any(w in ("group", "task", "groups") for w in words):
        return "update-session-status"  # "mark sess_beta failed": the one thing named is a session
    if not {"it", "its"} & set(words) or groups or any(w in ("group", "task") for w in words):
        return None
    named = [m.group(1) for s in sentences for m in SESSION_SHAPE.finditer(s)]
    return "update-session-status" if len({n.lower() for n in named}) == 1 else None


def _session_marked(sentences: list[str], body: str, data: dict[str, Any]) -> str | None:
    """'Mark sess_beta failed - group_a's Stripe sandbox is down': the update verb's object is a session id
    and its status follows it; a group named after that only as the owner or subject of a clause of its
    own is commentary (phrasings ``session_marked``): the session's update. A group named after it any
    other way ('Mark sess_beta failed - group_a') is refused: the session or the group, unclear."""
    words = words_of(sentences[0])
    at = next((i for i, w in enumerate(words) if data["_verb"].get(w) == "update"), None)
    if at is None:
        return None
    j = at + 1
    while j < len(words) and (words[j] in data["_articles"] or words[j] == "session"):
        j += 1
    if j >= len(words) or GROUP_ID.match(words[j]):
        return None
    session = words[j]
    k = j + 1
    if session.endswith("'s") and words[k : k + 1] == ["status"]:
        session, k = session[:-2], k + 1  # "set sess_beta's status to failed, and group_b too"
    if not (
        SESSION_SHAPE.fullmatch(session) and (session_like(session) or rx.fullmatch(r"(?i)s_\d+", session))
    ):
        return None
    while k < len(words) and words[k] in ("as", "to"):
        k += 1
    if k >= len(words) or words[k] not in {w for w, _value in enum_words("session_status")}:
        return None
    same = words[k + 1 :]
    rest = same + [w for s in sentences[1:] for w in words_of(s)] + words_of(body)
    groups = [i for i, w in enumerate(rest) if GROUP_ID.match(rx.sub(r"'s$", "", w))]
    if not groups:
        return None
    marked = data["session_marked"]
    said = " ".join(same)
    opened = not same or any(said == o or said.startswith(o + " ") for o in marked["openers"])
    if opened and all(
        rest[i].endswith("'s") or (i + 1 < len(rest) and rest[i + 1] in marked["clause_verbs"])
        for i in groups
    ):
        return "update-session-status"
    group = rest[groups[0]].removesuffix("'s")
    raise refuse(
        f"the request marks session {session} {words[k]} and names a group after it "
        f"({group}): say which to update, the session or the group "
        "('mark group_a in S failed')",
        "update-session-status",
    )


def _check_joined_objects(words: list[str], primaries: list[Any], data: dict[str, Any]) -> None:
    """'Give me the session record and the logs for s_1': two objects joined by 'and' that name two
    different operations are two operations (refused), whichever would rank first."""
    for first, second in zip(primaries, primaries[1:]):
        between = words[first[2] + len(first[4].split()) : second[2]]
        if not between or not {"and", "plus"} & set(between):
            continue
        if not all(w in data["_articles"] or w in ("and", "plus") or "_" in w for w in between):
            continue  # "the security_scan output and the security_review state": names may stand between
        commands = []
        for verb, topic, _index, _primary, _phrase in (first, second):
            commands.append(topic[1:] if topic.startswith("=") else data["operations"][topic].get(verb))
        if all(commands) and commands[0] != commands[1]:
            raise refuse(
                f"the request names two operations ({commands[0]} and {commands[1]}); send one request per "
                "operation",
                commands[0],
                kind="two_operations",
            )


def _speaker_subject(words: list[str], data: dict[str, Any]) -> list[str]:
    """'Dashboard needs the latest 25 log lines of s_1' -> 'the latest 25 log lines of s_1': a speaker
    whose name is also an operation noun (phrasings ``agent_roles``), the subject of a want, names no
    object."""
    roles = data["agent_roles"]
    start = 1 if words[:1] and words[0] in data["_articles"] else 0
    if len(words) <= start + 1 or words[start] not in roles["speakers"]:
        return words
    rest = words[start + 1 :]
    for want in roles["wants"]:
        size = len(want.split())
        if rest[:size] == want.split() and rest[size : size + 1] != ["to"]:
            return rest[size:]  # "… needs to be refreshed": no want of an object
    return words


_STATED: dict[str, Any] = {}


def _stated_value(said: str, data: dict[str, Any]) -> re.Match[str] | None:
    """'group_b in s_1 is now assigned to developer_4', 'group_c has been reassigned to qa_2', 'the assignee
    of group_b is developer_4': a verbless statement of a new assignee for one group (phrasings
    ``stated_values``), an update. 'group_b is now blocked', 'sess_beta is now assigned to …': a new value
    said of a group or session that the vocabulary holds no such value for -- refused (writes are never
    guessed, and a statement is no read)."""
    if not _STATED:
        stated = data["stated_values"]
        now = sorted(stated["now"], key=len, reverse=True)
        stated_now = alternation(now, spaces=r"\s+")
        assigned = alternation(stated["assigned"], spaces=r"\s+")
        before = r"(?<!\bthat )(?<!\bwhich )(?<!\bwho )\b"
        _STATED["assigned"] = rx.compile(
            before + r"(?:" + stated_now + r")\s+(?:" + assigned + r")\s+(?:the\s+)?([^\s,;()]+)", re.I
        )
        said_now = alternation((w for w in now if "now" in w.split() and len(w.split()) > 1), spaces=r"\s+")
        _STATED["now"] = rx.compile(before + r"(?:" + said_now + r")\s+\S", re.I)
        field = alternation(stated["assignee"], spaces=r"\s+")
        _STATED["field"] = rx.compile(  # "the assignee of group_b in s_1 is developer_4"
            r"\b(?:" + field + r")\b[^.;:?!]{0,80}?\bis\s+(?:now\s+)?(?:the\s+)?([^\s,;()]+)", re.I
        )
    for sentence in SENTENCE_END.split(said):
        named = [w for w in words_of(sentence) if GROUP_ID.match(w)]
        sessions = [m.group(1) for m in SESSION_SHAPE.finditer(sentence)]
        match: re.Match[str] | None = _STATED["assigned"].search(sentence)
        match = match or _STATED["field"].search(sentence)  # "the assignee of group_b is developer_4"
        if match and len(set(named)) == 1 and agent_prefix(match.group(1).rstrip(".!").lower()) is not None:
            return match  # "… is now assigned to developer_4"; not "… to the frontend team": no agent id
        if (match or _STATED["now"].search(sentence)) and (named or sessions):
            raise refuse(
                "the request states a new value but names no verb (mark, set, assign …), and the value is "
                "none a group or session holds; writes are never guessed",
                "update-task-group" if named else "update-session-status",
            )
    return None


_RULED_OUT: list[Any] = []


def _ruled_out(data: dict[str, Any]) -> Any:
    """A clause after a comma, dash or parenthesis that opens with a negation ("…, not the whole session")."""
    if not _RULED_OUT:
        words = alternation(data["negated"]["words"], spaces=r"\s+")
        _RULED_OUT.append(
            rx.compile(
                r"(?i)(?:[,;(\u2014\u2013]|\s-)\s*(?:but\s+)?(?:" + words + r")\s+[^,;.()\u2014\u2013:]*"
            )
        )
    return _RULED_OUT[0]


# an id followed by a past participle: "group_a investigated", "sess_beta finished yesterday"
_STATED_DONE = Lazy(
    r"(?i)(?<![\w.-])(?:(?:task[_-]?)?group[_-][a-z0-9][\w.-]*|(?:bazinga|sess|session|s)[_-][a-z0-9][\w.:@+-]*)"
    r"\s+(?:(?:was|has\s+been|got)\s+)?[a-z]{3,}ed\b(?!\s+(?:by|since|after|before|in|on|for|at)\b)",
    needs=("ed",),
)
