"""Stage 4, slots: values written inline, found by a table of small typed extractor rules.

Each rule fills one argument ("session id after the word session", "a number before 'tokens'") and runs
only while that argument is still empty, in the order of ``RULES``: label lines (stage 2) come first, the
more specific rules before the looser ones. A rule's words live in ``prompts/phrasings.json`` under
``slots`` (the English of it), its shape in the rule (the grammar of it); values of the vocabulary's
enumerations (modes, statuses) come from the vocabulary itself. Each rule is tested on its own
(tests/test_requests_slots.py).
"""

from __future__ import annotations

import json
import re

from ..errors import RequestNotUnderstood
from ..vocabulary import AGENT_TYPES, COMMANDS, ENUMS, argument_specs
from . import regex_cache as rx
from .lexicon import (
    AGENT_ID_SHAPE,
    CONFIG_KEY,
    GROUP_ID,
    NUMBER,
    SESSION_SHAPE,
    STORED_AS_OUTPUT,
    TOKEN,
    Lazy,
    after_colon,
    agent_in,
    agent_or_none,
    agent_prefix,
    agents_in,
    alternation,
    clean_scalar,
    clean_token,
    enum_words,
    function_words,
    hand_over_pattern,
    is_enum_word,
    is_known_word,
    negated_ids,
    rarely_used,
    refuse,
    session_like,
    strip_quoted,
    tables,
    typo_distance,
    words_of,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any, Callable

# the functions few requests reach: in slots_rare, loaded on the first call of one of them
if TYPE_CHECKING:
    from .slots_rare import (
        _names_another_value,
        _quoted_after,
        _said_by_someone,
        _sentence_case,
        _skill_agreed,
        config_value_after_to as config_value_after_to,
        quoted_after_mode as quoted_after_mode,
        quoted_content as quoted_content,
        quoted_requirements as quoted_requirements,
        run_rule as run_rule,
        select_statement as select_statement,
        session_after_id as session_after_id,
        session_named as session_named,
        session_status_of as session_status_of,
        sql_tail as sql_tail,
    )
else:
    (
        _names_another_value,
        _quoted_after,
        _said_by_someone,
        _sentence_case,
        _skill_agreed,
        config_value_after_to,
        quoted_after_mode,
        quoted_content,
        quoted_requirements,
        run_rule,
        select_statement,
        session_after_id,
        session_named,
        session_status_of,
        sql_tail,
    ) = rarely_used(
        __name__,
        "_names_another_value",
        "_quoted_after",
        "_said_by_someone",
        "_sentence_case",
        "_skill_agreed",
        "config_value_after_to",
        "quoted_after_mode",
        "quoted_content",
        "quoted_requirements",
        "run_rule",
        "select_statement",
        "session_after_id",
        "session_named",
        "session_status_of",
        "sql_tail",
    )


class Slots:
    """What a rule reads (the command, its arguments, the text) and the values found so far (``raw``)."""

    def __init__(self, command: str, text: str, raw: dict[str, Any]) -> None:
        self.command = command
        self.text = text
        self.raw = raw
        self.specs = argument_specs(command)
        self.write = COMMANDS[command]["kind"] == "write"
        self.data = tables()
        self.doubts: list[RequestNotUnderstood] = []  # refusals that wait for the coverage checks
        self.speaker: str | None = None  # the role the text says it writes as ("…, as the PM: …")

    def want(self, name: str) -> bool:
        return name in self.specs and name not in self.raw

    def words(self, rule: str) -> str:
        """A regex alternation of a rule's words (phrasings.json ``slots``), in their listed order."""
        return alternation(self.data["slots"][rule])

    def first_token(
        self, patterns: list[str], text: str | None = None, allow_stop: bool = False
    ) -> str | None:
        """The first token captured by any pattern (in pattern order) that is not a stop word."""
        for pattern in patterns:
            for match in rx.finditer(pattern, self.text if text is None else text, re.IGNORECASE):
                token = clean_token(match.group(1))
                if rx.match(r"[A-Za-z][\w-]*=", token):
                    continue  # "skill output session_id=s_1, skill_name=lint": a labelled value, not this one
                if token and not any(c.isalnum() for c in token):
                    continue  # "update task group → group_a": a separator, no value
                if token and (allow_stop or token.lower() not in self.data["_stop"]):
                    return token
        return None

    def number(self, patterns: list[str]) -> str | None:
        for pattern in patterns:
            match = rx.search(pattern, self.text, re.IGNORECASE)
            if match:
                return match.group(1).replace(" ", "")
        return None

    def taken(self) -> set[str]:
        return {clean_scalar(str(v)).lower() for v in self.raw.values() if isinstance(v, str)}


class Rule:
    """One extractor: the argument it fills, when it applies, and the function that reads the value."""

    __slots__ = ("arg", "commands", "writes_only", "always", "extract")

    def __init__(
        self,
        arg: str,
        extract: Callable[[Slots], Any],
        commands: tuple[str, ...],
        writes_only: bool,
        always: bool,
    ) -> None:
        self.arg = arg
        self.extract = extract
        self.commands = commands
        self.writes_only = writes_only
        self.always = always

    def applies(self, slots: Slots) -> bool:
        if self.commands and slots.command not in self.commands:
            return False
        if self.writes_only and not slots.write:
            return False
        return self.always or slots.want(self.arg)

    @property
    def name(self) -> str:
        return self.extract.__name__


RULES: list[Rule] = []


def rule(
    arg: str, *, commands: tuple[str, ...] = (), writes_only: bool = False, always: bool = False
) -> Callable[[Callable[[Slots], Any]], Callable[[Slots], Any]]:
    """Register an extractor for ``arg`` (run while the argument is empty, unless ``always``)."""

    def register(extract: Callable[[Slots], Any]) -> Callable[[Slots], Any]:
        RULES.append(Rule(arg, extract, commands, writes_only, always))
        return extract

    return register


def fill_slots(command: str, text: str, raw: dict[str, Any]) -> list[RequestNotUnderstood]:
    """Run every rule that applies, in order; a value found fills its argument. Returns the doubts: what
    makes the request unclear, to refuse once the lists are checked (a list is the better reason)."""
    # the command's own name ("get-skill-output test_coverage for s_1") says the operation, no value
    if command in text:  # the pattern is the name itself: no other text needs it compiled
        text = rx.sub(r"(?<![\w-])" + re.escape(command) + r"(?![\w-])", command.replace("-", " "), text)
    labelled = dict(raw) if COMMANDS[command]["kind"] == "write" else {}
    slots = Slots(command, text, raw)
    for each in RULES:
        if each.applies(slots):
            value = each.extract(slots)
            if value is not None:
                raw[each.arg] = value
    values_from_json_body(command, raw)
    for name, value in labelled.items():
        _check_said_once(command, text, raw, name, value, slots.doubts)
    return slots.doubts


# the arguments a write takes one value of, that a label line and the sentence may both give: the
# vocabulary's enums, and these types
_SAID_ONCE = ("count", "agent_type")


def _check_said_once(
    command: str, text: str, raw: dict[str, Any], name: str, value: Any, doubts: list[RequestNotUnderstood]
) -> None:
    """'set group_a in sess_beta to failed / Status: completed': a label line gives a value the sentence
    gives otherwise; one would silently win over the other: a doubt (refused), never a choice."""
    spec = argument_specs(command).get(name)
    if spec is None or (
        spec["type"] not in ENUMS and spec["type"] not in _SAID_ONCE and name != "assigned_to"
    ):
        return
    without = Slots(command, text, {k: v for k, v in raw.items() if k != name})
    for each in RULES:
        if each.arg != name or each.always or not each.applies(without):
            continue
        try:
            said = each.extract(without)
        except RequestNotUnderstood:
            return  # the sentence's value is unclear on its own: the label's stands, as before
        if said is None:
            continue
        first, second = _said_as(spec["type"], value), _said_as(spec["type"], said)
        if first is not None and second is not None and first != second:
            doubts.append(
                refuse(
                    f"the request gives two values for {name.replace('_', ' ')} ({str(value).strip()!r} and "
                    f"{str(said).strip()!r}); give one",
                    command,
                    kind="list_of_values",
                )
            )
        return


def _said_as(type_name: str, value: Any) -> str | None:
    """A value as the vocabulary would store it, for comparison ('Done' and 'completed' are one status,
    'Tech Lead' and 'tech_lead' one agent type); None when it is none of the values ('as follows')."""
    said = str(value).strip().strip("\"'\u201c\u201d.").lower()
    spaced = " ".join(said.replace("_", " ").replace("-", " ").split())
    if type_name in ENUMS:
        for word, stored in enum_words(type_name):
            if spaced == word.replace("_", " ").replace("-", " "):
                return stored.lower()
        return None
    if type_name == "agent_type":
        return agent_or_none(spaced.replace(" ", "_"))
    return said.replace(",", "").replace("_", "")


# -- the rules, in the order they run -----------------------------------------------------------------
@rule("*", always=True)
def command_line_flags(s: Slots) -> None:
    """The command line's own flags written into a request: 'get-logs s_1 --agent-type qa'."""
    if "--" not in s.text:
        return None
    for name, spec in s.specs.items():
        for flag in spec.get("flags", ()):
            match = rx.search(r"(?:^|\s)" + re.escape(flag) + r"(?:=|\s+)" + TOKEN, s.text)
            if match and s.want(name):
                s.raw[name] = True if spec["type"] == "flag" else match.group(1)
            elif (
                spec["type"] == "flag"
                and s.want(name)
                and rx.search(r"(?:^|\s)" + re.escape(flag) + r"\b", s.text)
            ):
                s.raw[name] = True
    return None


def _texts_masked(text: str) -> str:
    """The text with its quoted texts blanked ('"waiting for the session schema"' names no session); a
    quoted single word ('session "s_1"') stays: it may be the id."""
    quoted = r"[\"\u201c][^\"\u201d\s][^\"\u201d\n]*\s[^\"\u201d\n]*[^\"\u201d\s][\"\u201d]"
    return rx.sub(quoted, lambda m: " " * len(m.group(0)), text)


@rule("session_id")
def session_after_its_word(s: Slots) -> str | None:
    """'for session s_1', 'session: s_1', 'session id #s_1'. An id written with a space is refused; a
    clause about the session ('the session stays active', 'the session itself keeps running') names none."""
    clause = r"(?!(?:" + s.words("session_clause_words") + r")(?![\w'\u2019-]))"
    token = s.first_token(
        [r"(?<![\[<{$%])\bsession(?:[ _-]?id)?\b(?!['\u2019]s\b)\s*[:=#]?\s*" + clause + TOKEN],
        text=_texts_masked(s.text),
    )
    if token is not None and token.lower() in s.data["_noun"]:
        return None  # "# Session overview": a word of the vocabulary, not an id
    if token is not None and not any(c.isdigit() or c in "_-.:" for c in token):
        said = rx.search(r"(?i)\bsession(?:[ _-]?id)?\b\s*[:=#]?\s*" + re.escape(token), s.text)
        if said is not None and SESSION_SHAPE.search(s.text[: said.start()]):
            # "Log … for s_1 as pm: moved group_b (Session storage)": the id given first is the session
            return None
        if (
            said is not None
            and s.text[: said.start()].rstrip().endswith("(")
            and rx.fullmatch(r"(?i)session\s+" + re.escape(token), said.group(0))
        ):
            # "assign group_b (Session storage) in s_1 to developer_2": a plain word after "Session" opening
            # a bracket is a name said in passing, an id-shaped session after it the session; with none, a
            # write's session is unclear ("mark group_c (Session cache) completed" names no session 'cache')
            if SESSION_SHAPE.search(s.text[said.end() :]):
                return None
            if s.write:
                raise refuse(
                    f"'Session {token}' in brackets reads as a name, not a session id; say which session "
                    "(Session ID: …)",
                    s.command,
                    kind="missing",
                )
    if (
        token is not None
        and s.write
        and token[:1] not in s.data["placeholders"]["marks"]  # '<current session>': a placeholder
        and not any(c.isdigit() or c in "_-.:" for c in token)
        and rx.search(r"\bsession(?:[ _-]?id)?\s*[:=#]?\s*" + re.escape(token) + r"\s+[A-Za-z0-9]", s.text)
    ):
        # "for session sess beta": a word, then more words; an id written with a space is not an id
        raise refuse(
            f"the session id after 'session' is unclear ({token!r} followed by more words); write it as "
            "one id (Session ID: …)",
            s.command,
            kind="invalid_value",
        )
    return token


@rule("session_id")
def session_after_command_name(s: Slots) -> str | None:
    """'get-task-groups req_2026_checkout' then a line of why: the one word after the command's own name,
    alone on its line, is the session where the session is all the command requires (whatever its shape);
    never a group's or an agent's id, nor a plain word."""
    required = [a["name"] for a in COMMANDS[s.command]["args"] if a.get("required")]
    if required != ["session_id"]:
        return None  # "save skill output security_scan …", "log decision qa_gate …": another value first
    token = _after_command_name(s, r"\s*$")
    if (
        token is None
        or not any(c.isdigit() or c in "_-.:" for c in token)  # "get task groups pending": a word
        or _names_another_value(token)
    ):
        return None
    return token


def _after_command_name(s: Slots, end: str) -> str | None:
    """The token right after the command's own name at a line's start ('log tokens s_1 …'), up to ``end``."""
    name = r"[-_\s]".join(re.escape(word) for word in s.command.split("-"))
    return s.first_token([r"(?im)^\s*" + name + r"\s+" + TOKEN + end], text=_texts_masked(s.text))


@rule("session_id")
def session_first_after_command_name(s: Slots) -> str | None:
    """'log tokens s_1001 investigator 12,480': in the CLI's own order, an id right after the command's
    name (at a line's start) is the session where the session is the command's first argument. Only an id
    that mixes letters and digits (or is shaped like a session): never a count ('12k'), a group, an agent,
    a value of the vocabulary or a plain word."""
    if COMMANDS[s.command]["args"][:1] != [
        a for a in COMMANDS[s.command]["args"] if a["name"] == "session_id"
    ]:
        return None  # "create task group g_1 …": the group comes first
    spoken = " ".join(s.command.split("-")) + " "
    if not any(
        line.lstrip().lower().replace("-", " ").replace("_", " ").startswith(spoken)
        for line in s.text.split("\n")
    ):
        return None  # no line opens with the command's name: nothing to compile
    token = _after_command_name(s, r"(?=\s|$)")
    if (
        token is None
        or not (rx.search(r"\d", token) and rx.search(r"[A-Za-z]", token) or session_like(token))
        or rx.fullmatch(r"\d[\d,._]*[kKmM]?", token)
        or _names_another_value(token)
    ):
        return None
    return token


@rule("session_id", commands=("get-session",))
def session_asked_about(s: Slots) -> str | None:
    """'get the details for s_1', 'what do you know about s_1'."""
    return s.first_token([r"\b(?:" + s.words("session_asked_about") + r")\s+" + TOKEN])


rule("session_id", commands=("create-session",))(session_named)


rule("session_id", commands=("create-session", "get-session", "update-session-status"))(session_after_id)


rule("session_id", commands=("update-session-status",))(session_status_of)


def _modes() -> str:
    return alternation(ENUMS["mode"]["values"])


@rule("mode", commands=("create-session",))
def mode_before_its_word(s: Slots) -> str | None:
    """'parallel mode', 'a simple orchestration session'."""
    modes = _modes()
    return s.first_token(
        [r"\b(" + modes + r")\s+mode\b", r"\b(" + modes + r")\s+(?:orchestration\s+)?session\b"],
        allow_stop=True,
    )


@rule("mode", commands=("create-session",))
def any_word_before_mode(s: Slots) -> str | None:
    """'in turbo mode': a mode was meant; validation lists the allowed ones ('session s_9 mode simple': the
    session's id before the word is no mode)."""
    skip = s.data["_articles"] | s.data["_qualifiers"] | s.taken()
    before = [w for w in rx.findall(r"\b([\w-]+)\s+mode\b", s.text, re.IGNORECASE) if w.lower() not in skip]
    return before[0] if before else None


@rule("mode", commands=("create-session",))
def mode_standing_alone(s: Slots) -> str | None:
    """'a new session s_1 — parallel — requirements: …', '(simple)': a mode between separators."""
    return s.first_token(
        [r"(?:^|[\u2013\u2014,;(|]|\s-)\s*(" + _modes() + r")\s*(?=[\u2013\u2014,;)|]|-\s|$)"],
        allow_stop=True,
    )


@rule("mode", commands=("create-session",))
def mode_ending_the_sentence(s: Slots) -> str | None:
    """'Create session s_9 simple: Localise the checkout': a mode word that ends the operation's sentence
    (the requirements follow its colon); or only the quoted requirements follow it ('Create session s_9
    simple "Localise the checkout"')."""
    quote = r"(?:\s+[\"\u201c][^\"\u201d\n]+[\"\u201d])?"
    return s.first_token(
        [r"(?:^|\s)(" + _modes() + r")" + quote + r"\s*[.!]?\s*$"],
        text=s.text.split("\n", 1)[0],
        allow_stop=True,
    )


@rule("mode", commands=("create-session",))
def mode_after_its_word(s: Slots) -> str | None:
    """'mode: simple', 'mode parallel', 'in simple'."""
    return s.first_token([r"\bmode\s*[:=]?\s*" + TOKEN, r"\bin\s+(" + _modes() + r")\b"], allow_stop=True)


# 'the task group "Stripe client"': a name of several words in quotes is no group id
_NOT_A_QUOTED_NAME = r"""(?![\"\u201c'\u2018][^\"\u201d'\u2019\n]*\s[^\"\u201d'\u2019\n]*[\"\u201d'\u2019])"""


def _group_patterns(s: Slots) -> list[str]:
    return [
        r"\b(?:task[ _-]?)?group(?:[ _-]?id)?\b(?!['\u2019]s\b)\s*[:=#]?\s*(?![\w-]+=)"
        + r"(?!(?:"  # "the task group board for s_1": how the groups are shown, no group
        + s.words("group_views")
        + r")(?![\w-]))"
        + _NOT_A_QUOTED_NAME
        + TOKEN,
        r"(?<![\w.-])((?:task[_-]?)?group[_-][A-Za-z0-9][\w.-]*|grp[_-][A-Za-z0-9][\w.-]*)",  # as GROUP_ID
        TOKEN + r"\s*(?:\u2192|->|=>)",
        r"\b(?:" + s.words("group_verbs") + r")\s+" + _NOT_A_QUOTED_NAME + TOKEN,
        r":\s+(?!(?:" + s.words("not_a_group_after_colon") + r")\b)" + TOKEN,
    ]


@rule("group_id", commands=("create-task-group",))
def group_being_created(s: Slots) -> str | None:
    """'create task group: group_d "Refund flow"', else as for any group."""
    leading = r"^\s*(?![\"\u201c'\u2018])(?!(?:" + s.words("not_a_group_after_colon") + r")\b)" + TOKEN
    token = s.first_token(
        [leading + r"""\s*(?:[:\u2013\u2014-]\s*)?[\"\u201c'(]"""], text=after_colon(s.text) or ""
    )
    if token is None:
        token = s.first_token(_group_patterns(s)[1:])
    return token if token is not None and not is_enum_word(token) else None


@rule("group_id")
def group_named(s: Slots) -> str | None:
    """'group group_a', 'group_a', 'group_a -> completed', 'mark group_a …', 'task group: group_a'."""
    if s.command == "create-task-group":
        return None  # group_being_created has read it
    token = s.first_token(_group_patterns(s))
    if token is not None and any(
        token.lower() in (word, word.split()[0]) for word, _ in enum_words("review_status")
    ):
        return None  # "update the review status: APPROVED / changes requested": a verdict names no group
    return token if token is not None and not is_enum_word(token) else None


@rule("name", commands=("create-task-group",))
def group_name(s: Slots) -> str | None:
    """'"Refund flow"', '(Refund flow)', 'named Refund flow in session s_1', or a short text after the
    colon."""
    naming = s.words("group_name")
    patterns = [  # in order of how plainly they say "this is the name"
        r"""\b(?:""" + naming + r""")\s*[:=]?\s*[\"\u201c]([^\"\u201d]+)[\"\u201d]""",
        r"""\b(?:""" + naming + r""")\s*[:=]?\s*['\u2018]([^'\u2019\n]+)['\u2019](?!\w)""",
        r"""[\"\u201c]([^\"\u201d]+)[\"\u201d]""",
        # "create task group group_a 'Webhook receiver' in …": a single-quoted name right after the id
        r"""(?i)\b(?:task[_-]?)?group[_-][a-z0-9][\w.-]*\s+['\u2018]([^'\u2019\n]+)['\u2019](?!\w)""",
        r"""\b(?:""" + naming + r""")\s*[:=]?\s+([^,;\n]+?)"""
        r"""(?=\s*(?:,|;|$|[.?!]\s+\S|\bin session\b|\bfor session\b|\bassigned\b|\bwith (?:group )?id\b"""
        r"""|\b(?:in|for|to|on)\s+(?:the\s+)?(?:session\s+)?[\w.-]*[_\d][\w.-]*\s*(?:[,;.]|$)))""",
        r"""\(([^()]+)\)""",
    ]
    for pattern in patterns:
        for match in rx.finditer(pattern, s.text):
            value = match.group(1).strip().rstrip(".").strip("\"\u201c\u201d'")
            if pattern.startswith(r"\(") and (
                agent_or_none(value) in AGENT_TYPES["documented"] or agent_in(value)
            ):
                continue  # "(PM) create task group …": who speaks, not the name
            if value:
                return value
    rest = (after_colon(s.text) or "").strip()
    if rest and not rx.search(r"[\"\u201c(:,;=]", rest) and len(rest.split()) <= 6 and "\n" not in rest:
        return rest  # "create task group group_d in s_1: Refund flow"
    return None


@rule("status")
def status_word(s: Slots) -> str | None:
    """A value of the status's enumeration (or an alias): 'group_a -> completed', 'still in progress'. In a
    write, one named in the operation's sentence wins over a word of the reason after its colon or dash
    ('mark group_b failed — the other tests completed fine')."""
    enum, group = s.specs["status"]["type"], s.raw.get("group_id")
    sentence, colon, _reason = s.text.partition(": ")
    said = status_in(sentence, enum, group) if s.write and colon else None
    return said or status_in(s.text, enum, group)


@rule("status", writes_only=True)
def status_verb(s: Slots) -> str | None:
    """A verb that is a status itself, among the first words: 'close session s_1', 'finish group_a'."""
    implied = [s.data["verb_status"][w] for w in words_of(s.text)[:3] if w in s.data["verb_status"]]
    return implied[0] if implied else None


@rule("status", writes_only=True)
def status_after_marker(s: Slots) -> str | None:
    """'as paused', '-> blocked', 'status: on_hold': a status was meant; validation lists the allowed ones.
    An arrow before a word that bumps the revision ('group_b → bump its revision count') says no status."""
    bump = r"(?!\s*(?:" + s.words("revision_bump") + r")\b)"
    return s.first_token(
        [
            r"(?:(?:\u2192|->|=>)"
            + bump
            + r"|\bas\b(?!\s+(?:its|the|their|a|an)\b)|(?<!review )\bstatus\s+to\b"
            r"|(?<!review )\bstatus\s*[:=])\s*" + TOKEN,
            r"(?<!review )\bstatus\s+(?!to\b|of\b|for\b)" + TOKEN,  # "…, status on_hold"
        ],
        allow_stop=True,
    ) or _set_to(s)


def _set_to(s: Slots) -> str | None:
    """'set group_a in s_1 to blocked': a status was meant (never an agent or a session: 'assign … to')."""
    match = rx.search(r"\b(?:set|move|change|put)\b[^.\n:]{0,40}?\bto\s+" + TOKEN, s.text, re.IGNORECASE)
    token = clean_token(match.group(1)) if match else ""
    if match and rx.search(r"(?i)review|verdict|revision", match.group(0)):
        return None  # "set the review status to approved": the verdict's, not the status
    if (
        not token
        or agent_prefix(token.lower())
        or SESSION_SHAPE.fullmatch(token)
        or token.lower() in s.data["_stop"]
    ):
        return None
    # "set group_a … to CHANGES_REQUESTED" (never "set the status of group_a to APPROVED": unclear, refused)
    said = (
        s.text[match.start(1) :].lower() if match and not rx.search(r"(?i)\bstatus", match.group(0)) else ""
    )
    if (
        said
        and "last_review_status" in s.specs
        and any(
            rx.match(re.escape(word).replace(r"\ ", r"\s+") + r"(?![\w-])", said)
            for word, _ in enum_words("review_status")
        )
    ):
        return None  # "set group_a to CHANGES_REQUESTED": a verdict set on a group is its review status
    return None if any(c.isdigit() for c in token) else token


@rule("assigned_to")
def assignee(s: Slots) -> str | None:
    """'assign it to developer_1', 'assigned … to the qa_1', 'assignee: dev_2', 'owner dev_2'."""
    return (
        s.first_token(
            [
                r"\b(?:re)?assign(?:ed)?[\s_]+(?:it\s+|this\s+|[\w.-]+\s+)?to\s+(?:the\s+)?" + TOKEN,
                # "assigned_to=developer_5", "assigned-to: qa_1": the label written as a key and its value
                r"\b(?:re)?assign(?:ed)?[\s_-]?to\s*[:=]\s*" + TOKEN,
                r"\b(?:re)?assign(?:ed)?\b[^.\n:]{0,60}?\bto\s+(?:the\s+)?" + TOKEN,
            ],
            allow_stop=True,
        )
        or _assignee_is(s)  # "the assignee of group_b is developer_4" before "assignee" read as a label
        or s.first_token(
            [r"\b" + re.escape(word) + r"\s*[:=]\s*" + TOKEN for word in s.data["slots"]["assignee"]],
            allow_stop=True,
        )
        or _assignee_named(s)
        or _assigned_agent(s)
        or _handed_to(s)
    )


def _assignee_named(s: Slots) -> str | None:
    """'owner dev_2', 'assignee pm': the word right after the field's name, when it is a value -- an agent
    or no word of the stop list ('the assignee of group_a in s_1: …' names none there)."""
    for word in s.data["slots"]["assignee"]:
        for match in rx.finditer(r"\b" + re.escape(word) + r"\s+" + TOKEN, s.text, re.IGNORECASE):
            token = clean_token(match.group(1))
            if token and (token.lower() not in s.data["_stop"] or agent_in(token) is not None):
                return token
    return None


def _assignee_is(s: Slots) -> str | None:
    """'the assignee of group_b in s_1 is developer_4': the field named, then 'is' and only an agent id."""
    words = alternation(s.data["stated_values"]["assignee"], spaces=r"\s+")
    match = rx.search(
        r"\b(?:" + words + r")\b[^.\n:;?!]{0,80}?\bis\s+(?:now\s+)?(?:the\s+)?" + TOKEN, s.text, re.IGNORECASE
    )
    token = clean_token(match.group(1)).rstrip(".!") if match else ""
    is_agent_id = agent_prefix(token.lower()) is not None and AGENT_ID_SHAPE.fullmatch(token.lower())
    return token if is_agent_id else None


def _handed_to(s: Slots) -> str | None:
    """'hand it over to developer_9', 'give it to qa_1': the agent the group goes to, only an agent id."""
    for match in rx.finditer(hand_over_pattern(s.words("hand_over")), s.text, re.IGNORECASE):
        token = clean_token(match.group(1))
        if agent_prefix(token.lower()) is not None and AGENT_ID_SHAPE.fullmatch(token.lower()):
            return token
    return None


def _assigned_agent(s: Slots) -> str | None:
    """'assign developer_1': an agent id right after the verb (no 'to'), and only an agent id."""
    match = rx.search(r"\bassign(?:ed)?\s+(?:it\s+|this\s+)?" + TOKEN, s.text, re.IGNORECASE)
    token = clean_token(match.group(1)) if match else ""
    return token if agent_prefix(token.lower()) is not None else None


@rule("increment_revision", commands=("update-task-group",))
def revision_bump(s: Slots) -> bool | None:
    """'bump the revision count', 'increment revision', 'bump group_b's revision count'."""
    if "revision_count" in s.raw:
        return None
    words = s.words("revision_bump")
    owner = r"(?:the\s+|its\s+|their\s+|(?:the\s+)?[\w.-]+['\u2019]s\s+)?"  # "bump group_b's revision count"
    added = r"\b(?:" + s.words("revision_add") + r")\s+(?:one|1)\s+to\s+"  # "add one to its revision count"
    bumped = rx.search(
        r"(?:\b(?:" + words + r")\w*\s+|" + added + ")" + owner + "revision", s.text, re.IGNORECASE
    ) or rx.search(
        # "Revision count for group_auth in s_1: bump it by one": the count named first, then bumped as "it"
        # (by one, or by nothing said: a bump by another amount is no increment, and the count is refused)
        r"\brevision[ _-]?count\b.*?\b(?:" + words + r")\w*\s+(?:it|that)\b"
        r"(?:\s+up)?(?:\s+by\s+(?:one|1)\b)?(?!\s+by\b)(?!\s+up\b)",
        s.text,
        re.IGNORECASE | re.DOTALL,
    )
    if bumped is None:
        return None
    said = rx.search(
        r"\brevision[ _-]?count\b[^.\n]{0,40}?(?:\b(to|is)\b|[=:])\s*[+-]?\d", s.text, re.IGNORECASE
    )
    if said is not None and (said.group(1) or "").lower() == "is":
        # "the revision count is 2, bump it": the count now, or the count to write? Not said
        s.doubts.append(
            refuse(
                "the request gives a revision count and asks to bump it; give the new count "
                "(Revision Count: 3) or +1",
                s.command,
                kind="not_understood",
            )
        )
    return None if said is not None else True  # "bump the revision count to 3": the count is written


@rule("revision_count", commands=("update-task-group",))
def revision_number(s: Slots) -> str | None:
    """'revision count to 3', 'revision count: +1', 'revision count … = 2', 'its revision count is 1',
    'revision count for group_a should be 3' (the value it is to be, with the verb said elsewhere)."""
    if "increment_revision" in s.raw:
        return None
    return s.number(
        [
            r"\brevision[ _-]?count\s*(?:to|=|:|of|is)?\s*([+-]?\d+)",
            r"\brevision[ _-]?count\b[^.\n]{0,40}?(?:\bto|=|:|\bis|\bbe)\s*([+-]?\d+)",
            # "revision +1", "revisions: +1": the bump; "revision 2" alone may name which revision, not
            # the count (refused by the coverage, never read as a count)
            r"\brevisions?\s*[:=]?\s*(\+\s?1)(?![\w.])",
        ]
    )


@rule("last_review_status", commands=("update-task-group",))
def review_verdict(s: Slots) -> str | None:
    """'approved', 'changes requested', or whatever follows 'review status … to' (validation checks it)."""
    match = None
    for found in rx.finditer(
        r"\b(approved|changes[ _-]requested|request(?:ed)? changes)\b", s.text, re.IGNORECASE
    ):
        clauses = rx.split(r"[;.:\u2013\u2014]|\s-\s", s.text[: found.start()])
        if len(clauses) > 1 and _said_by_someone(clauses[-1], s):
            continue  # "…; the PM approved": who approved what, told; not the group's review status
        match = found
        break
    if match is None:  # "set the review status of group_a to LGTM": let validation list the values
        # (within its clause: "… passes review; mark group_a as completed" says the status after the ';')
        match = rx.search(
            r"\b(?:review(?:[ _-]status)?|verdict)\b[^.;\n\u2013\u2014]{0,40}?(?:\bto|\bas|\bis|=|:)\s*"
            + TOKEN,
            s.text,
            re.IGNORECASE,
        )
    return match.group(1) if match else None


@rule("limit")
def limit_count(s: Slots) -> str | None:
    """'limit 5', 'the last 10', '10 most recent', '20 per page', '5 log entries', 'and showing 50'."""
    quoted = _quoted_statement(s) if s.command == "query" else None
    if quoted is not None:  # 'run query "SELECT … LIMIT 5" with limit 50': the words around the quote
        s = Slots(s.command, s.text[: quoted.start()] + " " + s.text[quoted.end() :], s.raw)
    elif s.command == "query":  # "query SELECT … LIMIT 5": the statement's own LIMIT is the statement's
        before, *statement = rx.split(r"(?i)\bselect\b", s.text, maxsplit=1)
        tail = sql_tail(statement[0], s.data) if statement else None  # "… with limit 25": the request's
        s = Slots(s.command, before + (" " + tail.group(0) if tail else ""), s.raw)
    # "skipping the first 100 entries and showing 50": the entries skipped are the offset, not the limit
    skipped = rx.sub(_offset_pattern(s), " ", s.text, flags=re.IGNORECASE)
    # "the last 2 hours": a span of time, no count of rows (the number, read by nothing, is refused)
    skipped = rx.sub(NUMBER + r"\s*(?:" + s.words("time_units") + r")\b", " ", skipped, flags=re.IGNORECASE)
    if skipped != s.text:
        s = Slots(s.command, skipped, s.raw)
    found = s.number(
        [
            r"\blimit(?:ed)?\s*(?:to|=|:|of)?\s*" + NUMBER,
            r"(?<!skip the )(?<!skipping the )\b(?:" + s.words("limit_before") + r")\s+" + NUMBER,
            NUMBER + r"\s+of\s+them\b",
            NUMBER + r"\s+(?:max|maximum|at most|tops)\b",  # "10 max"
            NUMBER + r"\s+(?:per|a|each)\s+page\b",
            NUMBER + r"\s+(?:most\s+)?(?:" + s.words("limit_recent") + r")\b",
            NUMBER + r"\s+(?:\w+\s+)?(?:" + s.words("limit_nouns") + r")\b",
            r"\b(?:" + _read_verbs(s) + r")\s+(?:me\s+|us\s+|only\s+|just\s+)?" + NUMBER + r"(?!\s*[-:/])",
        ]
    )
    if found is None:  # "give me ten entries", "the last twenty": a count spelled out
        spelled = s.data["slots"]["number_words"]
        words = "|".join(spelled)
        match = rx.search(
            r"\b(?:(?:" + s.words("limit_before") + r")\s+(" + words + r")\b|(" + words + r")\s+(?:\w+\s+)?"
            r"(?:" + s.words("limit_nouns") + r")\b)",
            s.text,
            re.IGNORECASE,
        )
        if match:
            found = str(spelled[(match.group(1) or match.group(2)).lower()])
    return found


def _read_verbs(s: Slots) -> str:
    """The read verbs of one word ('show', 'showing', 'return'): 'skip 100 and show 50' gives the limit."""
    return alternation(w for w, kind in s.data["_verb"].items() if kind == "read" and " " not in w)


@rule("offset")
def offset_count(s: Slots) -> str | None:
    """'offset 20', 'skipping the first 20', 'starting after the first 40'."""
    return s.number([r"\boffset\s*(?:of|=|:)?\s*" + NUMBER, _offset_pattern(s)])


def _offset_pattern(s: Slots) -> str:
    """'skipping the first 20', 'after the first 40', 'past the first 40': the entries passed over."""
    return r"\b(?:" + s.words("offset_before") + r")\s+(?:the\s+)?(?:first\s+)?" + NUMBER


def _misspelt_label(arg: str) -> Callable[[Slots], str | None]:
    def misspelt_label_before_number(s: Slots) -> str | None:
        """'limt 7', 'ofset 20': a word no dictionary of the reader knows, one edit from a label of one
        count of the operation (same first letter), right before a number: that label's value."""
        counts = [n for n, spec in s.specs.items() if spec["type"] in ("row_limit", "count")]
        for match in rx.finditer(r"(?<![\w-])([A-Za-z]{3,})\s*[:=]?\s*" + NUMBER, strip_quoted(s.text)):
            word = match.group(1).lower()
            if is_known_word(word):
                continue
            meant = {
                name
                for name in counts
                for spelling in s.data["labels"].get(name, ())
                if " " not in spelling and spelling[0] == word[0] and typo_distance(word, spelling, 1) <= 1
            }
            if meant == {arg}:
                return match.group(2).replace(" ", "")
        return None

    return misspelt_label_before_number


_COUNTS = {a["name"] for c in COMMANDS.values() for a in c["args"] if a["type"] in ("row_limit", "count")}
for _count in sorted(_COUNTS):
    rule(_count)(_misspelt_label(_count))  # every count of the vocabulary: the one the command has


@rule("since")
def since_time(s: Slots) -> str | None:
    """'since 2025-01-12 14:00', 'since yesterday' too (validation refuses it)."""
    match = rx.search(
        r"\b(?:" + s.words("since") + r")\s+"
        r"(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
        r"(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?)",
        s.text,
        re.IGNORECASE,
    )
    if match is None:  # "since yesterday": not a time the vocabulary reads; validation says so
        match = rx.search(r"\b(?:since|after)\s+(?!the\b|a\b|an\b)([^\s,;()]+)", s.text, re.IGNORECASE)
    return match.group(1) if match else None


@rule("iteration")
def iteration_number(s: Slots) -> str | None:
    """'iteration 2', 'iter #3', 'round 2'."""
    return s.number(
        [
            r"\b(?:" + s.words("iteration") + r")\s*(?:#|no\.?(?![a-z])|number\b|=|:)?\s*" + NUMBER,
            r"\bround\s*#?\s*" + NUMBER,
        ]
    )


@rule("agent_id")
def agent_id(s: Slots) -> str | None:
    """'agent id: qa_1', or an id shaped like an agent's: '(agent developer_4)', 'by developer_1'."""
    token = s.first_token([r"\bagent[ _-]?id\s*[:=]?\s*" + TOKEN])
    if token is None:
        # "for agent sess_beta_qa (type qa)": an identifier right after "agent" is the agent's id, whatever
        # its prefix (an agent type there is the type: "agent tech_lead")
        for match in rx.finditer(r"\bagent\s+" + TOKEN, strip_quoted(s.text), re.IGNORECASE):
            named = clean_token(match.group(1))
            known = (
                set(AGENT_TYPES["documented"])
                | set(AGENT_TYPES["aliases"])
                | set(s.data["agent_roles"]["roles"])
            )
            if rx.search(r"[_\d]", named) and named.lower() not in known and rx.match(r"[A-Za-z]", named):
                return named
    if token is None:
        given = {str(v) for v in s.raw.values()}
        for match in AGENT_ID_SHAPE.finditer(strip_quoted(s.text)):
            if agent_prefix(match.group(1)) is not None and match.group(1) not in given:
                return match.group(1)
    return token


@rule("agent_type")
def agent_type_quoted(s: Slots) -> str | None:
    """'for agent type "Tech Lead"': a type in quotes right after its label (quotes hide a value from the
    rules that read words)."""
    spellings = [w for w in s.data["labels"]["agent_type"] if " " in w]
    labels = alternation(spellings, spaces=r"[\s_-]+")
    match = rx.search(
        r"\b(?:" + labels + r")\s*(?:[:=]|\bis\b|\bof\b)?\s*[\"\u201c]([^\"\u201d\n]{1,60})[\"\u201d]",
        s.text,
        re.IGNORECASE,
    )
    return match.group(1).strip() or None if match else None


@rule("agent_type")
def reporting_role(s: Slots) -> str | None:
    """'log the investigator finding': an agent type outside the alias table, named before what it reports."""
    if agent_in(strip_quoted(s.text)) is not None:
        return None
    reported = sorted(s.data["_report"] | set(s.data["slots"]["report_entries"]))
    role = rx.search(
        r"\b(?:"
        + s.words("role_determiners")
        + r")\s+([a-z]{3,})(?:'s)?\s+(?:"
        + alternation(reported)
        + r")\b",
        s.text.lower(),
    )
    if role and role.group(1) in s.data["report_nouns"]["roles"]:  # a closed list: never a guess
        return role.group(1)
    return None


@rule("agent_type", writes_only=True)
def speaking_as(s: Slots) -> str | None:
    """'…, as the PM: …', 'log this as QA': the role the agent writes as is the interaction's."""
    for match in rx.finditer(
        r"\bas\s+(?:the\s+|a\s+|an\s+|our\s+)?([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2})", s.text
    ):
        named = agents_in(match.group(1), first_only=True)
        if named and match.group(1).lower().startswith(named[0][0].replace("_", " ").split()[0][:2]):
            s.speaker = named[0][0]
            marked = {
                a for a, after in agents_in(strip_quoted(s.text)) if after in s.data["slots"]["agent_marks"]
            }
            if marked - {s.speaker}:  # "log this QA interaction … as the PM": whose is it?
                s.doubts.append(
                    refuse(
                        f"the request names the interaction's agent type twice ({', '.join(sorted(marked))} "
                        f"and {s.speaker}); say whose interaction it is (Agent Type: …)",
                        s.command,
                        kind="not_understood",
                    )
                )
            return s.speaker
    return None


@rule("agent_type")
def type_of_agent_id(s: Slots) -> str | None:
    """'developer_2' is a developer (unless the sentence names a type)."""
    agent = s.raw.get("agent_id")
    if not isinstance(agent, str) or agent_in(strip_quoted(s.text)) is not None:
        return None
    return agent_prefix(clean_scalar(agent).lower())


rule("content")(quoted_content)


rule("requirements")(quoted_requirements)


rule("requirements", commands=("create-session",))(quoted_after_mode)


@rule("agent_type")
def agent_named_as_such(s: Slots) -> str | None:
    """'a note from the dashboard agent', 'the billing agent's logs': the word before 'agent' names the
    agent type (the set is open); in a write, a speaker whose name is also a word of the vocabulary
    ('dashboard') where it speaks: 'an alert from the dashboard', 'a dashboard event'."""
    text = strip_quoted(s.text)
    roles = s.data["agent_roles"]
    determiners = s.words("role_determiners") + r"|from|by"
    for match in rx.finditer(
        r"\b(?:" + determiners + r")\s+([a-z][a-z0-9]*(?:[_-][a-z0-9]+)*)(?:['\u2019]s)?\s+agent\b"
        r"(?!['\u2019]s)(?![\s_-]*(?:ids?|types?)\b)",
        text,
        re.IGNORECASE,
    ):
        word = match.group(1).lower()
        named = agent_or_none(word)
        if word in roles["speakers"] or (named is not None and agents_in(word)):
            return named
        if (
            named is not None
            and not is_known_word(word)
            and word not in s.data["report_nouns"]["not_roles"]
            and not word.endswith("ed")  # "the assigned agent": which one is not said
        ):
            return named  # "the billing agent": a type of its own
    if not s.write or not roles["speakers"]:
        return None
    speakers = alternation(roles["speakers"])
    # "a dashboard event", "as a dashboard log": what the speaker reports, or the entry it writes
    reported = alternation(sorted(s.data["_report"] | set(s.data["slots"]["agent_marks"])))
    spoken = rx.search(
        r"\bfrom\s+(?:the\s+|our\s+)?(" + speakers + r")\b(?!['\u2019]s|\s+(?:snapshot|data)\b)"
        r"|\b(?:" + s.words("role_determiners") + r")\s+(" + speakers + r")\s+(?:" + reported + r")\b",
        text,
        re.IGNORECASE,
    )
    return (spoken.group(1) or spoken.group(2)).lower() if spoken else None


@rule("agent_type", always=True)
def agent_type_named(s: Slots) -> str | None:
    """'this PM interaction', 'for the Tech Lead'; a write naming two agent types is refused."""
    if "agent_type" not in s.specs or s.speaker is not None:
        return None  # "the handoff for the developer, as the PM": the PM writes it
    named = agents_in(strip_quoted(s.text))
    agent = named[0][0] if named else None
    if agent is None:
        return None
    if s.write and "agent_type" not in s.raw and len({a for a, _ in named}) > 1:
        # "my handoff note for the QA expert (developer interaction, …)": the one said to be the
        # interaction's is the agent type; else which one is meant is not said
        marked = {a for a, after in named if after in s.data["slots"]["agent_marks"]}
        if len(marked) != 1:
            several = ", ".join(dict.fromkeys(a for a, _ in named))
            s.doubts.append(  # refused after the list check: "developer 500 tokens, qa 300 tokens" is a list
                refuse(
                    f"the request names several agent types ({several}); {s.command} takes one count for one "
                    "agent: send one request per agent",
                    s.command,
                    kind="list_of_values",
                )
                if s.command == "log-tokens"
                else refuse(
                    f"the request names several agent types ({several}); say whose interaction it is "
                    "(Agent Type: …)",
                    s.command,
                    kind="not_understood",
                )
            )
            return None
        return marked.pop()
    if not s.write and "agent_type" not in s.raw:
        # "logs for s_1, agent qa, agent developer": a read filters by one agent type; two, each after
        # its label, are a list (one request for each), never the first with the second dropped
        after_label = r"(?i)\bagent(?:[\s_-]?type)?\s*[:=]?\s*([A-Za-z][\w-]*(?:\s+lead)?)"
        said = (agent_or_none(m.group(1)) for m in rx.finditer(after_label, s.text))
        labelled = {agent for agent in said if agent is not None}
        if len(labelled) > 1:
            raise refuse(
                f"the request names several agent types ({', '.join(sorted(labelled))}); {s.command} "
                "filters by one: send one request for each",
                s.command,
                kind="list_of_values",
            )
    if "agent_type" not in s.raw:
        return agent
    if s.write:
        given = agent_or_none(clean_scalar(s.raw["agent_type"]))
        if given is not None and given != agent:
            raise refuse(
                f"the request names two agent types: {agent} in the sentence and {given} in the Agent "
                "Type line",
                s.command,
            )
    return None


@rule("tokens")
def token_count(s: Slots) -> str | None:
    """'12,500 tokens', 'tokens used: 800', 'used 15k'; in a token log, the one number of the text."""
    number = s.number(
        [NUMBER + r"\s*tokens\b", r"\btokens?\s*(?:used|=|:|of)?\s*" + NUMBER, r"\bused\s+" + NUMBER]
    )
    if number is None and s.command == "log-tokens":
        # "log token usage — s_1 — qa — 1,800": the one number that is no part of an id
        numbers = rx.findall(NUMBER, strip_quoted(s.text))
        if len(numbers) == 1:
            number = numbers[0].replace(" ", "")
    if s.command == "log-tokens":
        _refuse_inexact_count(s)
    return number


def _refuse_inexact_count(s: Slots) -> None:
    """'~1500 tokens', 'at least 1500', '1500+', '300 tokens twice', '300 per iteration': log-tokens stores
    one exact count; an estimate, a bound or one share of several is refused, never stored as the count."""
    words = s.data["inexact_count"]
    text = strip_quoted(s.text)

    hedged = (
        r"(?i)(?:(?<![\w])(?:" + alternation(words["hedges"], longest_first=True) + r")\s*(?:of\s+)?)(?=-?\d)"
    )
    plus = r"(?<![\w.])\d[\d,.]*\s?[kK]?\s*\+"
    times = (
        r"(?i)\b(?:"
        + alternation(words["multipliers"], longest_first=True)
        + r")\b|(?<![\w])[x\u00d7]\s?\d+\b"
        r"|\b\d+\s*(?:more\s+)?times\b|\b(?:per|every|each)\s+(?:single\s+)?(?:"
        + alternation(words["repeats"], longest_first=True)
        + r")\b"
    )
    for pattern, what in (
        (hedged, "an estimate or a bound"),
        (plus, "a bound"),
        (times, "a multiplied amount"),
    ):
        match = rx.search(pattern, text)
        if match:
            raise refuse(
                f"the token amount is {what} ({match.group(0).strip()!r}), not one exact count; log-tokens "
                "stores the exact number of tokens used: give that one number (Tokens: …)",
                s.command,
                kind="invalid_value",
            )


@rule("by")
def grouped_by(s: Slots) -> str | None:
    """'per agent', 'by agent id', 'grouped by agent_type'."""
    said = [
        m.group(1)
        for m in rx.finditer(
            r"\b(?:" + s.words("by") + r")\s+(?:the\s+)?(?:(?:each|every|all)\s+)?"
            r"(agent[ _-]?ids?|agent[ _-]?types?|agent|[\w-]+)\b",
            s.text,
            re.IGNORECASE,
        )
        if m.group(1).lower() not in s.data["_articles"]
    ]
    # "split across agent types": the grouping named in the plural is the same grouping
    said = [w[:-1] if rx.fullmatch(r"(?i)agent[ _-]?(?:ids|types)", w) else w for w in said]
    # "each agent (by agent id)": the grouping said in full says which one "agent" alone meant
    full = list(dict.fromkeys(rx.sub(r"[ _-]", "_", w.lower()) for w in said if w.lower() != "agent"))
    if len(full) > 1:
        raise refuse(
            f"the request names several groupings ({', '.join(full)}); token-summary takes one (By: …)",
            s.command,
            kind="not_understood",
        )
    if full:
        return next(w for w in said if w.lower() != "agent")
    return "agent_type" if said else None


@rule("state_type")
def state_type(s: Slots) -> str | None:
    """'the PM state', 'save state (pm)', 'state type: group_status'."""
    return state_type_in(s.text, s.data, s.command)


@rule("skill_name")
def skill_name(s: Slots) -> str | None:
    """'security scan results' -> security_scan, 'lint_check output', 'skill: test_coverage'."""
    outputs = s.words("skill_outputs")
    lowered = s.text.lower()
    known = s.data["known_names"]["skill_name"]
    labelled = _skill_labelled(s)
    for words in sorted(known, key=len, reverse=True):
        if rx.search(r"\b" + re.escape(words) + r"\s+(?:skill\s+)?(?:" + outputs + r")\b", lowered):
            return _skill_agreed(s, labelled, str(known[words]))
    if labelled is not None:
        # "store the test report as skill output — skill name pytest_report": the label says the name;
        # a word before "report" only describes it, but another identifier there is a second name
        described = [
            clean_token(m.group(1))
            for m in rx.finditer(TOKEN + r"\s+(?:skill\s+)?(?:" + outputs + r")\b", s.text, re.IGNORECASE)
            if not _verb_opening(s, m.start(1), m.group(1))
        ]
        for token in described:
            if _identifier(token) and token.lower() != labelled.lower():
                return _skill_agreed(s, labelled, token)
            if (
                token
                and token.lower() not in s.data["_stop"]
                and token.lower() not in labelled.lower()
                and token.lower() not in s.data["slots"]["output_kinds"]
                and not STORED_AS_OUTPUT.search(s.text)
            ):
                # "save the coverage output for s_1, skill name lint_check": the word before "output" is a
                # name as given; "the lint skill output …" names a part of the labelled one; "the scan
                # output … under skill dependency_audit": a kind of run (``output_kinds``) names no skill
                return _skill_agreed(s, labelled, token)
        return labelled
    before = [
        clean_token(m.group(1))
        for m in rx.finditer(TOKEN + r"\s+(?:skill\s+)?(?:" + outputs + r")\b", s.text, re.IGNORECASE)
        if not _verb_opening(s, m.start(1), m.group(1))
    ]
    before = list(dict.fromkeys(t for t in before if t and t.lower() not in s.data["_stop"]))
    named = [t for t in before if _identifier(t)]
    if len(before) > 1 and len(named) == 1:
        return named[0]  # "save my scan result as the security_scan output": the identifier is the name
    if len(before) > 1:
        raise refuse(
            f"the request names several skills ({', '.join(before)}); say which one (Skill Name: …)",
            s.command,
            kind="not_understood",
        )
    found = s.first_token(
        [
            TOKEN + r"\s+(?:skill\s+)?(?:" + outputs + r")\b",
            r"\bskill(?:[ _-]?name)?\s*(?:(?:outputs|output|results?)\b)?\s*(?:for|of|=|:)?\s*" + TOKEN,
        ]
    )
    if (
        found
        and SESSION_SHAPE.fullmatch(found)
        and rx.search(
            r"(?i)\bskill\s+(?:outputs?|results?)\s+(?:for|of)\s+[`\"'\u201c\u2018]?" + re.escape(found),
            s.text,
        )
    ):
        return None  # "save skill output for s_1": the session the output is for, not the skill's name
    if found and _verb_opening(s, s.text.find(found), found):
        return None  # "Read skill output for s_1": the verb, no skill named
    if found and found.lower() in s.data["_verb"]:
        return None  # "save the pipeline health check output": a verb's word describes it, names no skill
    if found and found.lower() == str(s.raw.get("session_id", "")).lower():
        return None  # "get-skill-output sess_beta": the id already read as the session names no skill
    return found


def _verb_opening(s: Slots, at: int, word: str) -> bool:
    """'Read skill output 'security_scan' of s_1': an operation verb opening the request (or a clause after a
    colon or comma) before "skill output" is the request's verb, no name of a skill."""
    return clean_token(word).lower() in s.data["_verb"] and rx.fullmatch(r"[\s,:;]*", s.text[:at]) is not None


def _identifier(token: str) -> bool:
    """A name written as an identifier: words joined by '_' or '-' ('dep_audit', 'trace-matrix')."""
    return "_" in token or "-" in token.strip("-")


def _skill_labelled(s: Slots) -> str | None:
    """The name after its label: 'skill name pytest_report', 'skill: lint_check', 'skill test_coverage'
    (an identifier right after "skill", never "skill output")."""
    outputs = s.words("skill_outputs")
    # "… as skill output secret_scan for s_1": an identifier right after "skill output" names the skill
    names: list[str] = []
    after = rx.search(r"\bskill\s+(?:outputs?|results?)\s+" + TOKEN, s.text, re.IGNORECASE)
    if after:
        token = clean_token(after.group(1))
        if _identifier(token) and not (session_like(token) or token.lower().startswith(("s_", "s-"))):
            names.append(token)
    for match in rx.finditer(r"\bskill(?:[ _-]?name)?\s*(?:[:=]|\bis\b)?\s*" + TOKEN, s.text, re.IGNORECASE):
        token = clean_token(match.group(1))
        said = match.group(0).lower()
        if not token or rx.fullmatch(outputs, token, re.IGNORECASE) or token.lower() in s.data["_stop"]:
            continue
        # "… as skill smoke": the name the write is stored as, whatever its shape
        named_as = rx.search(r"(?i)\bas\s+(?:the\s+|a\s+)?$", s.text[: match.start()]) is not None
        if "name" in said or ":" in said or "=" in said or _identifier(token) or named_as:
            names.append(token)  # every one: "under skill dependency_audit and skill license_scan" is two
    distinct = list(dict.fromkeys(name.lower() for name in names))
    if len(distinct) > 1:
        # "save skill output lint_check for s_1 (skill foo_bar)": two names, and no way to tell which
        raise refuse(
            f"the request names several skills ({', '.join(names)}); say which one (Skill Name: …)",
            s.command,
            kind="not_understood",
        )
    return names[0] if names else None


@rule("key")
def config_key(s: Slots) -> str | None:
    """'the config value for testing_config', 'setting skills_config', 'key: x', 'testing_config config'."""
    config = s.words("config")
    # "Record the review config for s_3: {…}": a session after a preposition is no key, and a configuration
    # is stored for no session (set-config takes none): the session has no place, so the request is refused
    said = s.text.split("{", 1)[0]
    for m in rx.finditer(r"\b(?:for|in|of|on|under)\s+(?:the\s+)?(?:session\s+)?(\S+)", said, re.IGNORECASE):
        token = m.group(1).strip("`\"'\u201c\u201d\u2018\u2019").rstrip(".,;:!?)")
        if s.command == "set-config" and SESSION_SHAPE.fullmatch(token) and not CONFIG_KEY.match(token):
            raise refuse(
                f"the request names session '{token}', but a configuration belongs to no session "
                "(set-config takes a key and a value); say the key (Key: …)",
                s.command,
                kind="not_understood",
            )
    lowered = s.text.lower()
    for words, key in s.data["known_names"]["key"].items():
        if rx.search(r"\b" + re.escape(words) + r"\b", lowered):
            return str(key)  # "the skills config": skills_config
    sole = rx.fullmatch(
        r"[`\"'\u201c\u2018]?([A-Za-z][\w.-]*)[`\"'\u201d\u2019]?",
        (after_colon(s.text) or "").strip().rstrip(".?!"),
    )
    if sole:
        return sole.group(1)  # "Config lookup: `testing_config`": one name after the colon is the key
    # "What is ci_runners set to in config?": how the value stands, then where
    where = r"(?:(?:(?:" + "|".join(s.data["value_asked"]["participles"]) + r")(?:\s+(?:to|as))?\s+)?"
    named = rx.search(
        r"(?<![\w.-])[`\"'\u201c\u2018]?([A-Za-z][\w.-]*_[\w.-]*)[`\"'\u201d\u2019]?\s+"
        + where
        + r"(?:in|from)\s+(?:the\s+)?)?(?:"
        + config
        + r")\b",
        s.text,
        re.IGNORECASE,
    )
    if named:
        # "What does the testing_config config say?", "What is ci_runners in config?": the identifier before
        # "config" (or before "in config") is the key; a plain word after it ("say", "value") is no name
        after = s.first_token(
            [r"\b(?:" + config + r")\b(?:\s+key)?\s*(?:for|=|:|named|called|under)?\s*" + TOKEN]
        )
        if after is None or not rx.search(r"[_\d]", after) or after.lower() == named.group(1).lower():
            keys = {w for w in words_of(s.text) if CONFIG_KEY.match(w)} | {named.group(1).lower()}
            if len(keys) > 1:  # "what does the testing_config config say about skills_config?"
                raise refuse(
                    f"the request names several configuration keys ({', '.join(sorted(keys))}); "
                    f"{s.command} takes one (Key: …)",
                    s.command,
                    kind="list_of_values",
                )
            return named.group(1)
    return s.first_token(
        [
            r"\b(?:" + config + r")\s+(?:value|entry|key|setting)s?\s+(?:for|of|named|called)\s+" + TOKEN,
            r"\b(?:" + config + r")\b(?:\s+key)?\s*(?:for|=|:|named|called|under)?\s*" + TOKEN,
            r"\bkey\s*[:=]?\s*" + TOKEN,
            TOKEN + r"\s+(?:" + config + r")\b",
            r"(?<![\w.-])([a-z][a-z0-9]*(?:_[a-z0-9]+)*_config)(?![\w-])",  # "what does testing_config say?"
        ]
    )


rule("value", commands=("set-config",))(config_value_after_to)


@rule("decision_type")
def decision_type(s: Slots) -> str | None:
    """'type: spawn_agent', 'spawn_agent decisions', 'decision spawn_agent', 'the qa_gate type',
    'decision (architecture)'."""
    # "of type review": said as one; "decision types task_split …": the plural label, no value 's'
    named = s.first_token([r"\btypes?\b\s*[:=]?\s*" + TOKEN], allow_stop=True)
    if named and named.lower() not in function_words("not_decision_types"):
        return named
    token = s.first_token(
        [
            r"\btypes?\b\s*[:=]?\s*" + TOKEN,
            r"(?<![\w'\u2019])" + TOKEN + r"\s+decisions?\b",  # "sess_beta's decisions": no type 's'
            r"\bdecision\s+(?:type\s+)?" + TOKEN,
            r"\bdecision\s*\(\s*" + TOKEN + r"\s*\)",  # "log decision (architecture) for s_1: {…}"
            TOKEN + r"\s+(?:decision\s+)?type\b",  # "only the qa_gate type"
        ]
    )
    if token and session_like(token):
        return None  # "sess_beta decisions, first 10": the session's decisions, no decision type
    if token is None:
        # "get decisions security_gate for s_1": an identifier right after the plural noun, the session after
        # a preposition next, names their type ("decisions made in s_1": a plain word describes them;
        # "decisions ops_team_7 limit 5": the session itself; a group or agent is none)
        after = s.first_token(
            [
                r"\bdecisions\s+"
                + TOKEN
                + r"(?=(?:\s*(?:,|&|/|\band\b|\bor\b)\s*[\w-]+)*\s+(?:for|in|of|from|on)\s+\S)"
            ]
        )
        if (
            after
            and ("_" in after or "-" in after.strip("-"))
            and not (session_like(after) or GROUP_ID.match(after) or agent_prefix(after))
        ):
            return after
    return token if token and not token.isdigit() else None


def _inline_json(s: Slots) -> str | None:
    """'store the orchestrator state {…} for session s_1': the JSON from its first brace."""
    start = s.text.find("{")
    return s.text[start:] if start >= 0 else None


for _json_arg in sorted({a["name"] for c in COMMANDS.values() for a in c["args"] if a["type"] == "json"}):
    rule(_json_arg)(_inline_json)  # every JSON argument of the vocabulary (one per command)


@rule("session_id")
def session_after_preposition(s: Slots) -> str | None:
    """'how many groups are pending in s_1?', 'mark group_a complete in s_1': an id-shaped token after a
    preposition (writes take only for/in/on/within/into), never a group, agent or already used value."""
    taken = s.taken()
    prepositions = s.words("session_prepositions_write" if s.write else "session_prepositions_read")
    for match in rx.finditer(
        r"\b(?:" + prepositions + r")\s+(?:the\s+)?(?:session\s+)?" + TOKEN,
        _texts_masked(s.text),
        re.IGNORECASE,
    ):
        token = clean_token(match.group(1))
        looks_like_id = any(c.isdigit() or c == "_" for c in token)
        if token.isdigit() and rx.match(r"\s+[A-Za-z]", s.text[match.end() :]):
            continue  # "green for 50 runs": a count of something, not a session
        if GROUP_ID.match(token.lower()) or (s.write and agent_prefix(token.lower()) is not None):
            continue
        if looks_like_id and agent_or_none(token.split("_")[0]) in AGENT_TYPES["documented"]:
            continue  # "developer_1", "pm_main": an agent id, not a session
        if (
            looks_like_id
            and token.lower() not in taken
            and token.lower() not in s.data["_stop"]
            and agent_or_none(token) not in AGENT_TYPES["documented"]
            and not is_enum_word(token)
        ):
            return token
    return None


# a group's id where it names a group ("group_rollout", "task_group_2", "grp-a")
_GROUP_TOKEN = r"(?:(?:task[_-]?)?group[_-][a-z0-9][\w.-]*|grp[_-]?[a-z0-9][\w.-]*)(?![\w'\u2019-])"


def group_owners(masked: str) -> list[int]:
    """Where an identifier owning a group starts: "rel_v2_4_0's group_rollout", "group_ui of release_q4",
    each of "rel_1's and rel_2's group_a"."""
    return [
        m.start(1)
        for m in rx.finditer(
            r"(?i)(?<![\w.-])([A-Za-z][\w.-]*?)['\u2019]s(?=(?:(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|&)\s+)"
            r"[A-Za-z][\w.-]*?['\u2019]s)*\s+(?:task\s+)?(?:group\s+)?" + _GROUP_TOKEN + ")",
            masked,
        )
    ] + [
        m.start(1)
        for m in rx.finditer(
            r"(?i)(?<![\w.-])" + _GROUP_TOKEN + r"\s+of\s+(?:the\s+)?(?:session\s+)?([A-Za-z][\w.-]*)", masked
        )
    ]


@rule("session_id", commands=("create-task-group", "update-task-group"), writes_only=True)
def session_owning_the_group(s: Slots) -> str | None:
    """'update rel_v2_4_0's group_rollout to completed', 'group_rollout of rel_v2_4_0': a group belongs to
    a session, so the identifier that owns it ("<id>'s <group>", "<group> of <id>") is its session, whatever
    its shape -- never a group's or an agent's id, a value of the vocabulary or one already read."""
    masked = _texts_masked(strip_quoted(s.text))
    owners = group_owners(masked)
    ruled_out = negated_ids(masked)  # "(the OAuth one, not sess_beta's group_b)"
    ids = {m.start(1): m.group(1) for m in free_ids(masked, s.raw)}
    found = {ids[at] for at in owners if at in ids}
    if not found:
        found = {
            m.group(1)
            for at in owners
            for m in [SESSION_SHAPE.match(masked, at)]
            if m is not None and m.group(1).lower() not in s.taken()
        }
    found = {id_ for id_ in found if id_.lower() not in ruled_out}
    return found.pop() if len(found) == 1 else None


@rule("session_id")
def session_shaped(s: Slots) -> str | None:
    """'how many tokens has sess_beta used?': an id shaped like a session, wherever it stands (for a write
    only the unmistakable shapes: bazinga_…, sess_…, session_…)."""
    taken = s.taken()
    for match in SESSION_SHAPE.finditer(strip_quoted(s.text)):
        strong = session_like(match.group(1))
        if match.group(1).lower() in ("bazinga-db", "bazinga_db"):
            continue  # "Hello bazinga-db,": the skill's name
        if match.group(1).lower() not in taken and (not s.write or strong):
            return str(match.group(1))
    return None


# an identifier of words joined by '_' ('ops_migrate_pg', 'rel_2025_12_hotfix', 's_1001'); never a path,
# a dotted name or a hyphenated English word ('follow-ups')
_FREE_ID = Lazy(
    r"(?<![\w./\\:@#$%<>{}\[-])([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+)(?![\w./\\@>}\]-])", needs=("_",)
)


def free_ids(masked: str, raw: dict[str, Any]) -> list[re.Match[str]]:
    """The identifiers of a text (quoted texts blanked) that are no other value: not a group's or an agent's
    id, an agent type, a skill name, a configuration key, an argument's name, a word of an enumeration or
    a value of ``raw`` (nor inside one, as a log's content) -- each may only be a session."""
    data = tables()
    taken = {clean_scalar(str(v)).lower() for v in raw.values() if isinstance(v, str)}
    inside = [v.lower() for v in raw.values() if isinstance(v, str)]
    names = {a["name"] for c in COMMANDS.values() for a in c["args"]}
    skills = set(data["known_names"]["skill_name"].values())
    found = []
    for match in _FREE_ID.finditer(masked):
        token = match.group(1)
        lowered = token.lower()
        if not (
            lowered in taken
            or any(lowered in value for value in inside)
            or lowered in names
            or lowered in skills
            or lowered in data["_stop"]
            or lowered in data["placeholders"]["_id_words"]
            or CONFIG_KEY.match(lowered)
            or _names_another_value(token)
            or any(lowered == word for enum in ENUMS for word, _ in enum_words(enum))
            or agent_or_none(lowered.split("_")[0]) in AGENT_TYPES["documented"]
        ):
            found.append(match)
    return found


@rule("session_id")
def session_the_only_free_id(s: Slots) -> str | None:
    """'stream logs ops_migrate_pg limit 20', 'How many tokens has rel_2025_12_hotfix burned?', 'Set s_1001
    back to active': when no other rule found the session, the one identifier of the text (words joined by
    '_') that is no other value -- not a group's or an agent's id, an agent type, a skill name, a
    configuration key, an argument's name, a word of an enumeration or a value already read -- is the
    session, whatever its shape. Two such identifiers, or one inside another value (a log's content), name
    none: the session stays missing and the request is refused."""
    if "_" not in s.text or not any(
        a["name"] == "session_id" and a.get("required") for a in COMMANDS[s.command]["args"]
    ):
        return None  # "mark group_a completed, note fix_tests": a group's session may go unsaid
    found: set[str] = set()
    masked = _texts_masked(strip_quoted(s.text))
    for match in free_ids(masked, s.raw):
        token = match.group(1)
        before = words_of(masked[: match.start()])
        if s.write and not (
            len(before) == 1
            or before[-1:]
            and before[-1].lower() in s.data["slots"]["session_prepositions_write"] + ["to"]
            or not before
            and s.command == "update-session-status"
            and masked[match.end() :].lstrip().startswith(tuple(s.data["addressed_records"]["arrows"]))
        ):
            # a write's session is the verb's object, said after a preposition ('… to s_1'), or the session
            # that opens the text with an arrow to its new status ('rel_2 → completed. Update the session.')
            return None
        found.add(token)
    return found.pop() if len(found) == 1 else None


rule("sql", commands=("query",))(select_statement)


_SQL_LIMIT_TAIL = Lazy(
    r"(?i)(?:\s*,\s*|\s+with\s+(?:a\s+)?)(?:row\s+)?limit(?:ed)?\s+(?:to\s+|of\s+)?(\d+)(?:\s+rows?)?"
    r"\s*[.!]?\s*$",
    needs=("limit",),
)
# "… WHERE status = 'x' (limit 25 rows)", "(max 5 rows)", "[25 rows]": a row limit in brackets after the
# statement is the request's, never SQL (a bracket of SQL holds no limit word and no "rows")
_SQL_BRACKET_TAIL = Lazy(
    r"(?i)\s*[(\[]\s*(?:(?:row\s+)?(?:limit(?:ed)?|max(?:imum)?|at\s+most|up\s+to|top|first)\s*"
    r"(?:to\s+|of\s+|[=:]\s*)?(\d+)(?:\s+rows?)?|(\d+)\s+rows?(?:\s+(?:max|maximum|at\s+most))?)\s*[)\]]"
    r"\s*[.!]?\s*$",
    needs=("(", "["),
)
# a sentence of words after the statement: from a capital (or a line's start) to the end, no quote in it
_SQL_SENTENCE = Lazy(r"(?:\n\s*|\s+)([A-Z][^'\"\n;=()\d]*?([.!])?)\s*\Z")
_SQL_WORDS = frozenset(
    "select with from where order group limit offset union and or not join left right inner outer cross "
    "having set update delete insert values case when then else end on as by in is like between".split()
)


def sql_row_limit(statement: str) -> tuple[str, str] | None:
    """'SELECT … (limit 25 rows)' -> ('SELECT …', '25'): a row limit written after the statement."""
    match = _SQL_LIMIT_TAIL.search(statement) or _SQL_BRACKET_TAIL.search(statement)
    if match is None:
        return None
    return statement[: match.start()].rstrip(), next(g for g in match.groups() if g is not None)


def sql_prose_tail(statement: str, data: dict[str, Any]) -> re.Match[str] | None:
    """'… = 's_1' Run that query, please.': a last sentence asking for the statement in words -- a verb
    that runs it (``sql_before``: run, execute …), 'please' or a sign-off, capitalised, after a word that
    is no SQL keyword; then no SQL keyword, digit, quote, other verb or object of an operation up to a full
    stop or the line's end ('… Delete the rest.', 'Run it and mark group_a done.' stay and are refused)."""
    starts = tuple(data["trailing_prose"]) + tuple(data["sign_offs"])
    running = set(data["slots"]["sql_before"])
    for match in _SQL_SENTENCE.finditer(statement):
        before = words_of(statement[: match.start()])
        said = words_of(match.group(1))
        opener = said[0] if said else ""
        if (
            before
            and before[-1] not in _SQL_WORDS
            and (match.group(0)[:1] == "\n" or match.group(2))
            and not _SQL_WORDS & set(said)
            and not any((w in data["_verb"] or w in data["_noun"]) and w not in running for w in said)
            and (
                opener in running
                or opener in ("please", "pls", "kindly")
                or match.group(1).lower().startswith(starts)
            )
        ):
            return match
    return None


def _quoted_statement(s: Slots) -> re.Match[str] | None:
    """'run query "SELECT … WHERE status = 'failed'" with limit 50': a SELECT in double quotes or backticks
    after the verb; the statement is the quote's, the words after it are the request's."""
    match = rx.search(
        r"(?i)(?:\b(?:" + s.words("sql_before") + r")\b\s*:?|:)\s*"
        r"(?:\"((?:select|with)\b[^\"]*)\"|\u201c((?:select|with)\b[^\u201d]*)\u201d|`((?:select|with)\b[^`]*)`)",
        s.text,
    )
    if match is None:
        return None
    # only a row limit may follow ("with limit 50", "limit 10 rows"); any other words are refused unread
    rest = [w for w in rx.split(r"[\s,.!?()]+", s.text[match.end() :].lower()) if w]
    said = set(s.data["slots"]["quoted_sql_tail"])
    return match if all(w in said or w.replace(",", "").isdigit() for w in rest) else None


# -- helpers of the rules --------------------------------------------------------------------------------
def status_in(text: str, enum: str, group_id: str | None) -> str | None:
    """A status named in the sentence: 'group_a -> completed', 'as completed', 'still in progress'."""
    lowered = text.lower()
    if group_id:
        lowered = lowered.replace(group_id.lower(), " ")
    for word, value in enum_words(enum):
        # "— it failed QA again": after a dash or 'because it' the word is a clause's verb, not a status
        pattern = (
            r"(?<![\w-])(?<![-\u2013\u2014:;,.] it )(?<![-\u2013\u2014:;,.] they )"
            r"(?<!because it )(?<!since it )" + re.escape(word).replace(r"\ ", r"[\s_-]+") + r"(?![\w-])"
        )
        for match in rx.finditer(pattern, lowered):
            if not _said_of_a_verdict(lowered[: match.start()]):
                return value
    return None


def _said_of_a_verdict(before: str) -> bool:
    """'the review of group_a failed - set its review status …': the word is what the review's subject did
    (it follows the review, its object and auxiliaries only), never the group's status."""
    subjects = alternation(tables()["slots"]["verdict_subjects"])
    return (
        rx.search(
            r"\b(?:"
            + subjects
            + r")\b(?:\s+(?:of|for|on)(?:\s+(?:the|this|that|task|group))*(?:\s+[\w-]+)?)?"
            r"\s*(?:\b(?:has|had|was|is|just|been)\s+)*$",
            before,
        )
        is not None
    )


def state_type_in(text: str, data: dict[str, Any], command: str | None = None) -> str | None:
    known = data["known_names"]["state_type"]
    text = rx.sub(r"(?<=\w)['\u2019]s\b", "", text)  # "the orchestrator's state"
    match = rx.search(r"\bstate\s*\(\s*([A-Za-z][\w-]*)\s*\)", text)  # "save state (pm)"
    if match:
        return agent_or_none(match.group(1)) or match.group(1)
    # "What's in the 'routing' state for s_1?": one quoted word right before "state" is its type
    match = rx.search(r"[\"'\u2018\u201c]([A-Za-z][\w-]*)[\"'\u2019\u201d]\s+state\b", text)
    if match and not rx.search(r"[\"'\u2019\u201d]\s*(?:,|and|or)?\s*$", text[: match.start()]):
        return agent_or_none(match.group(1)) or match.group(1)
    lowered = text.lower()
    for words, value in known.items():
        if rx.search(r"\b" + re.escape(words) + r"\s+state\b", lowered):
            return str(value)
    match = (
        rx.search(r"\bstate[ _-]?type\s*[:=]?\s*" + TOKEN, text, re.IGNORECASE)
        or rx.search(r"\bstate\s+(?:of\s+)?(?:type|kind)\s+" + TOKEN, text, re.IGNORECASE)
        or rx.search(r"(?:^|[,;(]\s*|:\s*)type\s*[:=]?\s*" + TOKEN, text, re.IGNORECASE)
    )
    if match:
        return clean_token(match.group(1))
    # "get state orchestrator for s_1", "save state deployment for s_1: {…}", "save state orchestrator {…} in
    # session s_1": the type right after "state", before a preposition or the JSON
    match = rx.search(
        r"\bstate\s+([A-Za-z][\w-]*)\s*(?:\s(?:for|of|in|from|on)\b|(?=\{)|:\s*(?=\{))", text, re.IGNORECASE
    )
    ending = rx.search(r"^\s*\w+\s+state\s+([A-Za-z][\w-]*)\s*[:.]?\s*$", text, re.IGNORECASE)
    if match is None and ending and agent_in(ending.group(1)) is not None:
        return agent_in(ending.group(1))  # "save state investigator: {…}": an agent's name ends the head
    if match:
        named = match.group(1)
        agent = agent_in(named)
        if agent is not None:
            return agent
        # "my PM state snapshot for s_1": a word of the object ('snapshot', 'data') names no type
        if named.lower() not in data["_stop"] and named.lower() not in data["_verb"]:
            return agent_or_none(named) or _sentence_case(named)
    # "the PM state", "latest orchestrator state", "the Tech Lead state"; "the session state for s_1 as
    # orchestrator state": a word naming no type ('session') before one "state", the type before another;
    # two types named ('the deployment state … as orchestrator state') are refused
    named_types: list[str] = []
    for match in rx.finditer(r"([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?)\s+state\b", text):
        named = _state_type_named(match.group(1), data)
        if named is not None:
            named_types.append(named)
    # "save the pm plan as state for s_1", "save my handoff for s_1 as state": what a write verb saves as
    # (bare) state names its type -- an agent among its words (up to three: 'the tech lead plan'), else its
    # one word; two other words ('my review checklist') name none; a type named elsewhere too ('… as
    # state, type x') is taken from there
    saved_as = rx.search(
        r"(?i)\b(?:" + alternation(data["verbs"]["write"], spaces=r"\s+") + r")\s+"
        r"(?:(?:the|my|our|this|a|an)\s+)?([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2}?)\s+"
        r"(?:(?:for|in|on)\s+(?:session\s+)?[\w-]+\s+)?"
        r"as\s+(?:the\s+|a\s+)?state\b(?!\s*(?:type|kind)\b)",
        text,
    )
    if saved_as is not None:
        words = saved_as.group(1)
        named = _state_type_named(words, data)
        if len(words.split()) > 1:
            # 'the tech lead plan': the agent whose plan it is; 'my handoff to developer_2': whom it goes to
            # (an id, a preposition among the words) says no type
            plain = not _SAVED_AS_LINKS & set(words.lower().split()) and rx.fullmatch(r"[A-Za-z\s-]+", words)
            named = agent_in(words) if plain else None
        if named is not None:
            named_types.append(named)
    if len({t.lower() for t in named_types}) > 1:
        raise refuse(
            f"the request names several state types ({', '.join(dict.fromkeys(named_types))}); say which one "
            "(State Type: …)",
            command,
            kind="list_of_values",
        )
    return named_types[0] if named_types else None


_SAVED_AS_LINKS = function_words("saved_as_links")


def _state_type_named(words: str, data: dict[str, Any]) -> str | None:
    """The state type one or two words before "state" name: an agent among them, else the last word when
    it is an identifier or a plain word (three letters on) that is no verb and no word of the stop list --
    save the work nouns of ``state_type_nouns`` after no other word ('the review state', not 'the code
    review state'). 'my', 'the session', 'current' name none."""
    agent = agent_in(words)
    if agent is not None:
        return agent
    last = words.split()[-1]
    lowered = last.lower()
    if lowered in data["slots"]["state_type_nouns"]:
        # 'the review state' is review; 'the code review state' names a kind of review: none said whole
        first = words.split()[0].lower()
        return lowered if first in data["_stop"] or first in data["_verb"] or first == lowered else None
    if lowered not in data["_stop"] and (
        "_" in last or (last.isalpha() and lowered not in data["_verb"] and len(last) > 2)
    ):
        return _sentence_case(last)
    return None


def values_from_json_body(command: str, raw: dict[str, Any]) -> None:
    """'save the PM state: {"session_id": "s_1", …}': a session id given only inside the JSON body."""
    arg_specs = argument_specs(command)
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
