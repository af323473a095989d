"""The reader's lexicon: the words of prompts/phrasings.json as lookup tables, and what every stage shares.

``tables()`` loads phrasings.json once and builds its lookups (verbs by class, nouns by topic, labels by
spelling, unsupported objects by first word). Besides: the shapes of ids (group, session, agent ids), the
word helpers (``words_of``, ``clean_token``, ``clean_scalar``, ``agent_in``), unfilled placeholders, and
``refuse``, which builds a refusal whose hint is the request form that would work (``request_form``).
"""

from __future__ import annotations

import json
import os
import re
import sys

from ..errors import BazingaError, RequestNotUnderstood
from ..vocabulary import (
    AGENT_TYPES,
    COMMANDS,
    ENUMS,
    OPERATIONS,
    PROMPTS_PATH,
    argument_specs,
    normalise_agent_type,
)
from . import regex_cache as rx

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any


_TABLES: dict[str, Any] | None = None


def rarely_used(module: str, *names: str) -> tuple[Any, ...]:
    """Stand-ins for the functions ``names`` of the module ``module`` + "_rare", imported on the first call.

    Importing the reader costs mostly the unmarshalling of its code, so the functions few requests reach live
    in a stage's ``_rare`` module: a request that needs none of them never loads it. A stand-in keeps its
    function's name, so rules registered with it and tests that call it by name are unchanged."""
    rare = module + "_rare"

    def stand_in(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            loaded = sys.modules.get(rare) or __import__(rare, fromlist=["_"])
            return getattr(loaded, name)(*args, **kwargs)

        call.__name__ = call.__qualname__ = name
        return call

    return tuple(stand_in(name) for name in names)


# Every pattern of the reader is a Lazy one: compiled on the first call that needs it (compiling all of them
# at import cost more than the rest of a request's work), so a process pays only for the patterns its own
# text reaches. To add one, write ``NAME = Lazy(r"...", flags)`` where ``re.compile`` was; ``NAME.match(…)``,
# ``.search``, ``.finditer``, ``.sub`` … work unchanged (a Lazy is no Pattern: ``NAME.sub(repl, text)``, never
# ``rx.sub(NAME, repl, text)``). ``needs=("x", "y")`` names literal strings of which every match contains one:
# a text with none of them is answered "no match" without compiling (tests/test_requests_lazy_patterns.py
# checks each ``needs`` against the pattern). Leave it out when unsure: it only saves time.
class Lazy:
    """A pattern compiled on first use: a process that never needs it never pays for compiling it."""

    def __init__(self, pattern: str, flags: int = 0, *, needs: tuple[str, ...] = ()) -> None:
        self._args = (pattern, flags)
        self._needs = needs
        # (?i) anywhere, or re.IGNORECASE: needs are looked for in the lowered text, when it is ASCII
        self._folded = bool(needs) and (bool(flags & re.IGNORECASE) or _inline_ignorecase(pattern))

    if TYPE_CHECKING:  # what a compiled pattern offers, typed for mypy (served by __getattr__ at run time)

        def match(self, string: str, pos: int = 0, endpos: int = ...) -> re.Match[str] | None: ...
        def search(self, string: str, pos: int = 0, endpos: int = ...) -> re.Match[str] | None: ...
        def fullmatch(self, string: str, pos: int = 0, endpos: int = ...) -> re.Match[str] | None: ...
        def finditer(self, string: str, pos: int = 0, endpos: int = ...) -> Iterator[re.Match[str]]: ...
        def findall(self, string: str, pos: int = 0, endpos: int = ...) -> list[Any]: ...
        def split(self, string: str, maxsplit: int = 0) -> list[str | Any]: ...
        def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str: ...
        def subn(
            self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0
        ) -> tuple[str, int]: ...

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and the like probe dunders: no pattern for them
            raise AttributeError(name)
        if self._needs and name in _NO_MATCH:
            return lambda *args, **kwargs: self._guarded(name, args, kwargs)
        return self._compiled(name)

    def _compiled(self, name: str) -> Any:
        compiled = rx.compiled(*self._args)
        for method in _NO_MATCH:  # the next NAME.match is a plain attribute: no lookup through here
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def _guarded(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        at = 1 if name in ("sub", "subn") else 0  # sub(repl, string), the others (string, …)
        string = args[at] if len(args) > at else kwargs.get("string")
        if isinstance(string, str):
            if not self._folded:
                needed = any(n in string for n in self._needs)
            else:
                needed = not string.isascii() or any(n in string.lower() for n in self._needs)
            if not needed:
                return _NO_MATCH[name](string)
        return self._compiled(name)(*args, **kwargs)


# what each method of a Pattern returns on a text where nothing matches
_NO_MATCH: dict[str, Callable[[str], Any]] = {
    "match": lambda s: None,
    "search": lambda s: None,
    "fullmatch": lambda s: None,
    "finditer": lambda s: iter(()),
    "findall": lambda s: [],
    "split": lambda s: [s],
    "sub": lambda s: s,
    "subn": lambda s: (s, 0),
}


def _inline_ignorecase(pattern: str) -> bool:
    """Whether the pattern turns on IGNORECASE inline: '(?i)', '(?is)', '(?i:…)' anywhere."""
    start = pattern.find("(?")
    while start != -1:
        letters = pattern[start + 2 : start + 8].split(")", 1)[0].split(":", 1)[0].split("-", 1)[0]
        if "i" in letters and letters.isalpha():
            return True
        start = pattern.find("(?", start + 2)
    return False


LABEL_LINE = Lazy(
    r"^\s*(?:[-*\u2022>]\s+)?(?:\*\*|__)?\s*([A-Za-z][A-Za-z0-9 _'\u2019-]{0,40}?)\s*(?:\*\*|__)?\s*[:=]"
    r"\s*(?:\*\*|__)?\s*(.*)$",
    needs=(":", "="),
)


_WORD = Lazy(r"[a-z0-9][a-z0-9_'\u2019.-]*[a-z0-9_]|[a-z0-9]")


COLON_BREAK = Lazy(r":(?=\s|$)", needs=(":",))


SENTENCE_END = Lazy(r"(?<=[.?!])\s+|\n+", needs=(".", "?", "!", "\n"))


TOKEN = r"""[`"'\u201c\u2018]?([^\s,;()"'`\u201d\u2019]+)"""


NUMBER = (
    # a sign is kept (-500 is refused); a full stop may end the sentence after it ("iteration 3.")
    r"(?<![\w.])(-?\d(?:[\d_]|,(?=\d{3}))*(?:\.\d+)?\s?[kK]?)(?![\w]|\.\w)"
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
                labels.setdefault(label_key(spelling), []).append(arg)
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
        # "Could you also …", "after that …" (longest first), and the endings "too", "as well"
        openers = sorted((tuple(w.split()) for w in data["request_openers"]["words"]), key=len, reverse=True)
        data["_request_openers"] = (openers, [w.split() for w in data["request_openers"]["endings"]])
        data["_verb"] = verbs
        data["_write_markers"] = set(data["write_markers"]["words"])
        data["_dual"] = set(data["verbs"]["dual"])
        data["_noun"] = nouns
        data["_noun_words"] = max(len(n.split()) for n in nouns)
        # the vocabulary's own command names ("get-task-groups for s_1") name their command whatever the verb
        data["_command_names"] = {name: name for name in OPERATIONS}
        # "log_interaction session=s_1 …": the command's name written as an identifier names it too
        data["_command_names"].update({name.replace("-", "_"): name for name in OPERATIONS})
        data["_label"] = labels
        data["_stop"] = set(data["stopwords"])
        data["_qualifiers"] = set(data["qualifiers"])
        data["_articles"] = set(data["articles"])
        data["_prefixes"] = sorted(data["prefixes"], key=len, reverse=True)
        placeholders = data["placeholders"]
        placeholders["words_of"] = set(placeholders["words"])
        placeholders["_id_words"] = set(placeholders["id_words"])
        placeholders["_id_prefixes"] = tuple(placeholders["id_prefixes"])
        placeholders["_id_upper_suffixes"] = tuple(placeholders["id_upper_suffixes"])
        _TABLES = data
    return _TABLES


_FUNCTION_WORDS: dict[str, frozenset[str]] = {}


def function_words(name: str) -> frozenset[str]:
    """phrasings ``function_words``: one rule's small word set (pronouns that point back, openers …), built
    once per process: rules call it inside loops (``any(w in function_words("x") for w in words)``)."""
    words = _FUNCTION_WORDS.get(name)
    if words is None:
        words = _FUNCTION_WORDS[name] = frozenset(tables()["function_words"][name])
    return words


def told_verbs(*, first: bool = False, dual: bool = False) -> list[str]:
    """phrasings ``told``: the verbs that ask to store a value already given (``first``: with those that do
    so only opening the request; ``dual``: only those that are nouns too, "log", "record", "note")."""
    told = tables()["told"]
    words: list[str] = told["words"] + (told["first_also"] if first else [])
    return [w for w in words if w in tables()["_dual"]] if dual else words


def label_key(label: str) -> str:
    return " ".join(label.lower().replace("_", " ").replace("-", " ").replace("\u2019", "'").split())


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
    specs = argument_specs(command)
    # a write whose every change is optional (update-task-group) needs one of them: the first is shown so
    changes = [n for n, s in specs.items() if n not in CHANGE_TARGETS and s["type"] != "flag"]
    one_needed = COMMANDS[command]["kind"] == "write" and not any(specs[n].get("required") for n in changes)
    for name, spec in specs.items():
        if spec["type"] == "flag":
            continue  # said in words ("+1", "bump"), not as a label
        # the label agents write and an example value (phrasings), else the vocabulary's label and metavar
        label, example = data["label_names"].get(name) or (spec["label"].title(), spec["metavar"])
        optional = "" if spec.get("required") else "   (optional)"
        if one_needed and changes and name == changes[0]:
            optional = "   (this or another change below)"
        lines.append(f"{label}: {example}{optional}")
    return "\n".join(lines)


CHANGE_TARGETS = ("group_id", "session_id")  # what a write changes, as opposed to the change itself


def _operation_phrase(command: str) -> str:
    form: str = tables()["forms"][command]
    return form.split("please ", 1)[-1].rstrip(":")


def label_of(arg: str) -> str:
    label: str = tables()["label_names"][arg][0]
    return label


_ALTERNATIONS: dict[tuple[tuple[str, ...], str | None, bool], str] = {}


def alternation(words: Iterable[str], *, spaces: str | None = None, longest_first: bool = False) -> str:
    """A regex alternation of literal words, ``"|".join(re.escape(w) …)``, built once per process: rules
    build theirs from phrasings.json on every call, and escaping the same few hundred words for each request
    cost more than the rest of its reading. ``spaces``: what an escaped space becomes (``r"\\s+"``: any run
    of blanks); ``longest_first``: "mark as" before "mark" (a stable sort, equal lengths in listed order)."""
    items = tuple(words)
    key = (items, spaces, longest_first)
    found = _ALTERNATIONS.get(key)
    if found is None:
        ordered = sorted(items, key=len, reverse=True) if longest_first else items
        escaped = [re.escape(word) for word in ordered]
        if spaces is not None:
            escaped = [word.replace(r"\ ", spaces) for word in escaped]
        found = _ALTERNATIONS[key] = "|".join(escaped)
    return found


def noun_at(words: list[str], at: int) -> str:
    """The operation noun (phrasings ``nouns``) that starts at ``at``, the longest one; else ''."""
    data = tables()
    for size in range(data["_noun_words"], 0, -1):
        noun = " ".join(words[at : at + size])
        if noun in data["_noun"]:
            return noun
    return ""


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def active_voice(words: list[str], data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The words with each passive write made active ('should be marked failed' -> 'should be mark
    failed'), and the verbs so found: 'be' + the participle of an update, write or create verb."""
    passive = data["passive_writes"]
    verbs = data["_verb"]
    found: list[str] = []
    out = list(words)
    for i in range(1, len(words)):
        if words[i - 1] not in passive["auxiliaries"]:
            continue
        word = words[i]
        stems = [passive["irregular"][word]] if word in passive["irregular"] else []
        if word.endswith("ed"):
            stems += [word[:-2], word[:-1], word[:-3]]  # marked, closed, logged
        stem = next((s for s in stems if verbs.get(s) in passive["classes"]), None)
        if stem is not None:
            out[i] = stem
            found.append(stem)
    return out, found


GROUP_ID = Lazy(r"^(?:task[_-]?)?group[_-][a-z0-9][\w.-]*$|^grp[_-]?[a-z0-9][\w.-]*$", needs=("group", "grp"))


# "save the benchmark report as skill output …": what is described before is stored as a skill's output
STORED_AS_OUTPUT = Lazy(r"(?i)\bas\s+(?:an?\s+|the\s+)?skill\s+(?:outputs?|results?)\b", needs=("as",))
CONFIG_KEY = Lazy(
    r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*_config$", needs=("_config",)
)  # "testing_config", "skills_config"
PARENS = Lazy(r"\([^()]*\)", needs=("(",))


def shorten(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "\u2026"


def missing_message(command: str, arg: str) -> str:
    label = label_of(arg)
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


def agent_prefix(token: str) -> str | None:
    """The agent type an agent id implies: 'developer_2' -> developer, 'qa_main' -> qa; else None."""
    if not AGENT_ID_SHAPE.fullmatch(token):
        return None
    prefix = token.rsplit("_", 1)[0]
    agent = agent_or_none(prefix)
    if agent is not None and agent in tables()["agent_roles"]["roles"]:
        return agent  # 'investigator_2', 'security_reviewer_1': roles agents of the orchestration play
    if agent is None or (agent not in AGENT_TYPES["documented"] and prefix not in AGENT_TYPES["aliases"]):
        return None
    return agent


# A quoted span, double or single: a single quote opens only after a non-word character and closes only
# before one, so "group_b's status" holds none.
QUOTED_SPAN = Lazy(
    r"[\"\u201c][^\"\u201d]*[\"\u201d]|(?<!\w)['\u2018][^'\u2019\n]*['\u2019](?!\w)",
    needs=('"', "\u201c", "'", "\u2018"),
)


_DOUBLE_QUOTED = Lazy(r"[\"\u201c][^\"\u201d]*[\"\u201d]", needs=('"', "\u201c"))


def has_json_value(text: str, *, outside_quotes: bool = False) -> bool:
    """Whether the text holds a non-empty JSON object or array anywhere ('{"retries": 2}', '[1, 2]');
    brackets that open no valid JSON ('[draft]', '{id}') do not count, nor, with ``outside_quotes``, a
    bracket inside a quoted name ('named "Auth [2]"')."""
    quotes = at = 0
    for match in rx.finditer(r"[{\[]", text):
        if match.start() < at:
            continue  # inside a value already read
        if outside_quotes:
            quotes += sum(text.count(q, at, match.start()) for q in '"\u201c\u201d')
            at = match.start()
            if quotes % 2:
                continue
        try:
            value, at = json.JSONDecoder().raw_decode(text, match.start())
        except (ValueError, RecursionError):
            continue
        if isinstance(value, (dict, list)) and value:
            return True
    return False


def strip_quoted(text: str) -> str:
    return _DOUBLE_QUOTED.sub(" ", text)


def after_colon(text: str) -> str | None:
    """The text after the first colon that ends a sentence, outside quotes ('named "Phase 2: rollout"',
    "titled 'Phase 2: rollout'"; an apostrophe inside a word opens no quote)."""
    quoted = [(m.start(), m.end()) for m in QUOTED_SPAN.finditer(text)]
    for match in COLON_BREAK.finditer(text):
        if not any(a < match.start() < b for a, b in quoted):
            return text[match.end() :]
    return None


def hand_over_pattern(verbs: str) -> str:
    """'hand it over to X', 'give the group to X' after one of ``verbs`` (a regex alternation): the pattern
    whose group 1 is X. One shape for the slot that reads the assignee and the check that none is dropped."""
    return (
        r"\b(?:" + verbs + r")(?:s|ed|ing)?\s+(?:it\s+|this\s+|them\s+|the\s+group\s+)?"
        r"(?:(?:over|off|on|back)\s+)?to\s+(?:the\s+)?" + TOKEN
    )


def clean_token(token: str) -> str:
    return token.strip().strip("`\"'\u201c\u201d\u2018\u2019*").rstrip(".:?!")


_TRAILING_NOTE = Lazy(r"\s+\((?:optional|required|[^()]*)\)$", needs=("(",))


def clean_scalar(value: str) -> str:
    """The first line of a label value, without quotes, markdown, a trailing note in parentheses."""
    text = value.strip().split("\n", 1)[0].strip()
    text = _TRAILING_NOTE.sub("", text)
    text = text.strip().strip("`*").strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return text.rstrip(".,;").strip()


_ENUM_WORDS: dict[str, list[tuple[str, str]]] | None = None


def enum_words(enum: str) -> list[tuple[str, str]]:

    global _ENUM_WORDS
    if _ENUM_WORDS is None:
        _ENUM_WORDS = {}
    if enum not in _ENUM_WORDS:
        spec = ENUMS[enum]
        words = [(v.lower(), v) for v in spec["values"]] + list(spec["aliases"].items())
        words.sort(key=lambda pair: len(pair[0]), reverse=True)
        _ENUM_WORDS[enum] = words
    return _ENUM_WORDS[enum]


def is_enum_word(token: str) -> bool:
    lowered = token.lower()
    return any(lowered == word for word, _ in enum_words("group_status")) or lowered in ("as", "to")


_AGENT_WORDS: dict[str, str] | None = None


def agent_in(text: str) -> str | None:
    """The agent type a sentence names: 'this PM interaction', 'for the Tech Lead', 'the developer logs'.

    Whole words only: 'developer_1' and 'pm_main' are agent ids, not agent types.
    """
    found = agents_in(text, first_only=True)
    return found[0][0] if found else None


def agents_in(text: str, *, first_only: bool = False) -> list[tuple[str, str]]:
    """Every agent type a sentence names, in order, each with the word that follows it."""
    global _AGENT_WORDS
    if _AGENT_WORDS is None:
        names = (
            set(AGENT_TYPES["documented"])
            | set(AGENT_TYPES["aliases"])
            | {"tech lead", "project manager"}
            | set(tables()["agent_roles"]["roles"])
        )
        names -= {"lead", "manager"}  # too common as plain words
        _AGENT_WORDS = {" ".join(n.replace("_", " ").replace("-", " ").split()): n for n in names}
        # "this security review finding": the activity of a role of two words names the role
        activities = {v: k for k, v in tables()["agent_roles"]["activities"].items() if not k.startswith("_")}
        for role in tables()["agent_roles"]["roles"]:
            *first, last = role.split("_")
            if first and last in activities:
                phrase = " ".join(first + [activities[last]])
                _AGENT_WORDS.setdefault(phrase, role)
                _ACTIVITIES.add(phrase)
    if not _AGENT_FIRST_WORDS:
        _AGENT_FIRST_WORDS.update(phrase.split()[0] for phrase in _AGENT_WORDS)
    first_words = _AGENT_FIRST_WORDS
    words = [w[:-2] if w.endswith("'s") else w for w in words_of(text)]
    found: list[tuple[str, str]] = []
    taken_until = 0  # the words of a name found ("security reviewer") are not read again ("reviewer")
    for index, word in enumerate(words):
        if index < taken_until:
            continue
        if word.replace("_", " ").replace("-", " ").split(" ", 1)[0] not in first_words:
            continue  # one set lookup per word: linear in the text
        if first_only and found:
            break
        for size in (3, 2, 1):
            phrase = " ".join(words[index : index + size]).replace("_", " ").replace("-", " ")
            if size <= len(words) - index and phrase in _AGENT_WORDS:
                if phrase in _ACTIVITIES and (
                    "_" in "".join(words[index : index + size])
                    or (
                        (words[index + size] if index + size < len(words) else "") not in tables()["_report"]
                        and not _written_activity(words, index)
                    )
                ):
                    # "this security review finding": what the role reports; "the security_review state",
                    # "logs of the security review": an identifier, or the activity itself
                    continue
                name = _AGENT_WORDS[phrase]
                before = words[index - 1] if index else ""
                if (
                    size == 1
                    and name in AGENT_TYPES["aliases"]
                    and "_" not in words[index]  # "tech_lead" written as an id names the type itself
                    and before.isalpha()
                    and before not in tables()["agent_roles"]["auxiliaries"]  # "what did dev log": no role
                    and before not in tables()["_stop"]
                    and before not in tables()["_articles"]
                    and before not in tables()["_qualifiers"]
                    and before not in AGENT_TYPES["aliases"]
                    and before not in AGENT_TYPES["documented"]
                ):
                    # "the requirements engineer": a role of its own, not the alias 'engineer' alone
                    agent = normalise_agent_type(before + "_" + word)
                else:
                    agent = normalise_agent_type(name)
                after = words[index + size] if index + size < len(words) else ""
                found.append((agent, after))
                taken_until = index + size
                break
    return found


def _written_activity(words: list[str], index: int) -> bool:
    """'log security review for s_1: …', 'record the security review': the activity the object of a write
    verb (an article between), what the role reports -- its interaction."""
    at = index - 1
    if at >= 0 and words[at] in tables()["_articles"]:
        at -= 1
    return at >= 0 and words[at] in tables()["verbs"]["write"]


_AGENT_FIRST_WORDS: set[str] = set()
_ACTIVITIES: set[str] = set()  # "security review": a role named by what it does, in words only


def agent_phrases(agent: str) -> set[str]:
    """The words that name an agent type in a sentence ('security review' for security_reviewer)."""
    agents_in("")  # builds the table
    return {phrase for phrase, name in (_AGENT_WORDS or {}).items() if name == agent}


_VALUE_GIVEN = Lazy(r"[{\[\"\u201c:]")


def asks_whether(sentence: str) -> bool:
    """'Did anyone save a security_scan output for s_1?': a yes/no question about the stored record,
    carrying no value (no colon, quote or JSON): its write verb says how the record came to be."""
    sentence = sentence.strip()
    if not sentence.endswith("?") or _VALUE_GIVEN.search(sentence):
        return False
    words = words_of(sentence)
    return bool(words) and words[0] in tables()["asked_whether"]["openers"]


def asks_about_record(text: str) -> bool:
    """'Did you log it?', 'Has the PM state been saved?': a question in the text asking whether the record
    holds something, by the write verb that would have put it there (a read, asked)."""
    return any(without_asked_writes(question) != question for question in rx.findall(r"[^.!?\n]*\?", text))


def contents_asked(words: list[str], sentence: str, data: dict[str, Any]) -> list[str]:
    """'Anything in the investigator state for s_1001?' -> 'what the investigator state …': a question
    asking what an object holds (phrasings ``contents_question``), carrying no value, is a read of it; other
    sentences' words unchanged."""
    sentence = sentence.strip()
    if not sentence.endswith("?") or _VALUE_GIVEN.search(sentence):
        return words
    spec = data["contents_question"]
    start = 0
    for lead in sorted(spec["lead_ins"], key=len, reverse=True):
        if words[: len(lead.split())] == lead.split():
            start = len(lead.split())
            break
    for opener in sorted(spec["openers"], key=len, reverse=True):
        size = len(opener.split())
        if words[start : start + size] == opener.split() and words[start + size : start + size + 1] in (
            [p] for p in spec["prepositions"]
        ):
            return ["what"] + words[start + size + 1 :]  # the object is the verb's: "and the logs" a second
    return words


_IDIOMS: list[Any] = []


def without_idioms(sentence: str) -> str:
    """'… lost track after the last handoff' -> '… after the last handoff': a phrase in which a verb of
    this skill is no verb (phrasings 'idioms') names no operation."""
    if not _IDIOMS:
        listed = tables()["idioms"]["phrases"]
        phrases = alternation(listed, spaces=r"\s+")
        _IDIOMS.append(rx.compile(r"(?i)(?<![\w-])(?:" + phrases + r")(?![\w-])"))
        _IDIOMS.append({p.split()[-1] for p in listed})  # a cheap test before the pattern runs
    lowered = sentence.lower()
    if not any(word in lowered for word in _IDIOMS[1]):
        return sentence
    return str(_IDIOMS[0].sub(" ", sentence))


def without_asked_writes(sentence: str) -> str:
    """A yes/no question without its write verbs ('Did anyone save X?' -> 'Did anyone X?'); other
    sentences unchanged; a question asking what a value is set to without its participle ('What is
    ci_runners set to in config?' -> 'What is ci_runners to in config?')."""
    if not asks_whether(sentence):
        return _without_value_participle(sentence)
    data = tables()
    classes = ("write", "create", "update")
    asked = data["asked_whether"]
    before, after = set(asked["subjects"]), set(asked["objects"])

    def dropped(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        if data["_verb"].get(word) not in classes:
            return match.group(0)
        if word not in data["_dual"]:
            return ""
        # "Did anyone log a security_gate decision …?": a word both verb and noun is the verb between who
        # did it and what was done ("Is there a query log for s_1?" keeps its noun)
        prior = words_of(sentence[: match.start()])[-1:]
        then = words_of(sentence[match.end() :])[:1]
        return "" if set(prior) & before or set(then) & after else match.group(0)

    return rx.sub(r"(?<![\w-])[A-Za-z]+(?![\w-])", dropped, sentence)


def _without_value_participle(sentence: str) -> str:
    """'What's currently set in config testing_config?' -> 'What's currently in config testing_config?':
    a question opening with an opener and a copula (phrasings ``value_asked``) whose words before the
    participle are no verb asks what the value is; the participle says how it stands, and writes nothing."""
    stripped = sentence.strip()
    if not stripped.endswith("?") or _VALUE_GIVEN.search(stripped):
        return sentence
    data = tables()
    spec = data["value_asked"]
    words = words_of(stripped)
    if not words or words[0] not in spec["openers"]:
        return sentence
    copula = 0 if words[0].endswith("'s") or words[0] == "whats" else None
    for index in (1, 2):
        if copula is None and words[index : index + 1] and words[index] in spec["copulas"]:
            copula = index
    if copula is None:
        return sentence
    for index in range(copula + 1, len(words)):
        if words[index] in spec["participles"]:
            break
        if words[index] in data["_verb"]:
            return sentence  # "What is it, save …?": a verb before the participle is not asked
    else:
        return sentence
    # the participle's place in the text: the same number of words in, and no punctuation before it
    found = list(_WORD.finditer(sentence.lower().replace("\u2019", "'")))
    at = found[index]
    if rx.search(r"[,;\u2013\u2014]|\s-\s", sentence[: at.start()]):
        return sentence
    # after it, 'to' / 'as' at most, then the question's end, a time of now or where the value is kept:
    # "set to tomorrow?" may be a value to set
    passive = data["passive_writes"]
    when = alternation(passive["asked_when"], spaces=r"\s+")
    where = "|".join(spec["where"])
    asked = "|".join(passive["asked"])
    follows = r"(?i)\s*(?:(?:" + asked + r")\s+)?(?:(?:" + when + r")\s*)?(?:\?|(?:" + where + r")\s)"
    if not rx.match(follows, sentence[at.end() :]):
        return sentence
    return sentence[: at.start()] + sentence[at.end() :]


def agent_or_none(value: str) -> str | None:
    try:
        return normalise_agent_type(value)
    except BazingaError:
        return None


# how a session id looks when nothing labels it: "bazinga_…", "sess_…", "session-…", "<name>_YYYYMMDD_…"
_SESSION_PREFIX = Lazy(r"(?i)(?:bazinga|sess|session)[_-]|[a-z]+_\d{8}_")


def session_like(token: str) -> bool:
    """Whether an id reads as a session's by its shape alone (never an agent's or a group's)."""
    return _SESSION_PREFIX.match(token) is not None


SESSION_SHAPE = Lazy(
    r"(?<![\w.-])((?:bazinga|sess|session|orch|s)[_-][A-Za-z0-9][\w.:@+-]*?|[a-z]+_\d{8}_\d{4,6})(?=(?:['\u2019]s)?[.,;:?!)\]}]*(?:\s|$))",
    re.IGNORECASE,
    needs=("_", "-"),
)


def _alternation(words: list[str]) -> str:
    """A regex alternation of phrases: any run of spaces between their words, either apostrophe."""
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+").replace("'", "['\u2019]")
        for w in sorted(words, key=len, reverse=True)
    )


_NEGATED_ID = r"(?P<id>[\w.:@+-]*[\d_][\w.:@+-]*?)"
# where a clause ends: a sentence's or clause's mark, a closing bracket, a dash between spaces, the line's
# end, or a word joining another clause ("… stays pending and mark group_c failed")
_CLAUSE_END = Lazy(
    r"[;!?)\]\n\u2013\u2014]|\.(?:\s|$)|\s-\s|\s(?:and|but|then|so|also|plus|while)\b|,\s*(\S+)"
)


def _untouched_patterns() -> list[Any]:
    data = tables()
    spec = data["negated"]
    if "_untouched" not in spec:
        # the id, or its record: "sess_beta", "sess_beta's group_b", "the session sess_beta", "group_b in
        # sess_beta" (the group of a session: see ``untouched_clauses``)
        record = (
            r"(?:(?:task\s+)?group\s+)?(?:(?P<owned>(?:task[_-]?)?group[_-][a-z0-9][\w.-]*|grp[_-]?[a-z0-9][\w.-]*)"
            r"\s+(?:in|of|from)\s+(?:the\s+)?(?:session\s+)?(?=\S*[\d_]))?"
            r"(?:the\s+)?(?:session\s+)?" + _NEGATED_ID + r"(?:['\u2019]s)?"
        )
        words = r"(?:\s+[\w-]+){0,3}?\s+"
        spec["_untouched"] = [
            rx.compile("(?i)" + pattern)
            for pattern in (
                r"\b(?:" + _alternation(spec["keep_off"]) + r")\s+" + record + r"(?![\w.:@+-])",
                r"\b(?:"
                + _alternation(spec["leave"])
                + r")\s+"
                + record
                + words
                + r"(?:"
                + _alternation(spec["leave_tails"])
                + r")\b",
                # the id (or its record) the subject of a clause of its own: "— sess_beta's group_b stays
                # pending", never a read's filter ("groups for sess_beta that are still pending")
                r"(?:^|(?<=[\n(\[;,:.!?\u2013\u2014])|(?<=\s-)|(?<=\bbut)|(?<=\bwhile)|(?<=\bwhereas)"
                r"|(?<=\band)|(?<=\bthough))\s*"
                + record
                + words
                + r"(?:"
                + _alternation(spec["unchanged"])
                + r")\b",
                # where the speaker works, then a contrast: "I'm working in sess_beta but I need …"
                r"\b(?:"
                + _alternation(spec["elsewhere"])
                + r")\s+"
                + record
                + r"(?=\s*,?\s+(?:"
                + _alternation(spec["elsewhere_tails"])
                + r")\b)(?P<context>)",  # the clause ends before its contrast word
            )
        ]
    return spec["_untouched"]  # type: ignore[no-any-return]


def _clause_end(text: str, at: int) -> int:
    """Where the clause going on at ``at`` ends. A comma ends it only before another clause: a verb of the
    skill, a joining or polite word ("…, mark group_c failed"); "… stays failed, with revision count 3" is
    one clause."""
    data = tables()
    for match in _CLAUSE_END.finditer(text, at):
        after = (match.group(1) or "").lower().strip(".,;:!?\"'")
        if match.group(1) is None or after in data["_verb"] or after in _CLAUSE_OPENERS:
            return match.start()
    return len(text)


_CLAUSE_OPENERS = function_words("clause_openers")


def untouched_clauses(text: str) -> list[tuple[int, int, str]]:
    """The clauses saying an id's record is not to change -- 'sess_beta's group_b stays pending', 'leave
    sess_beta's group_a alone', 'don't touch s_2' (``negated`` of phrasings.json) -- outside quotes: where
    each starts and ends, and the id it rules out. Of 'group_a in sess_beta', the session when the text
    names group_a elsewhere (the same group in another session: '(group_a in sess_beta is still in
    progress)'), else the group ('…; group_a in s_1 stays pending': another group of the session)."""
    quoted = [(m.start(), m.end()) for m in QUOTED_SPAN.finditer(text)]
    found = []
    for pattern in _untouched_patterns():
        for match in pattern.finditer(text):
            if not any(a <= match.start() < b for a, b in quoted):
                end = match.end() if "context" in pattern.groupindex else _clause_end(text, match.end())
                id_ = match.group("id").rstrip(".:")
                owned = match.group("owned")
                if owned and not rx.search(
                    r"(?i)(?<![\w.-])" + re.escape(owned) + r"(?![\w-])", text[: match.start()] + text[end:]
                ):
                    id_ = owned
                found.append((match.start(), end, id_))
    return found


def untouched_as_ruled_out(text: str) -> str:
    """'…; sess_beta's group_b stays pending.' -> '…; not sess_beta.': a clause saying another id's record
    is not to change gives the request no value (its status, its group are the other record's); only the id
    it rules out stays, said as 'not <id>'."""
    clauses = untouched_clauses(text)
    if not clauses:
        return text
    clauses.sort()
    out, at = [], 0
    for start, end, id_ in clauses:
        if start < at:
            continue  # two patterns over one clause
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        out.append(text[at : start + lead] + "not " + id_)
        at = end
    return "".join(out) + text[at:]


def negated_ids(text: str) -> set[str]:
    """The ids a text rules out ('(not sess_beta — that one's paused)', 'rather than s_2'), or says are not
    to change ('sess_beta's group_b stays pending', 'leave sess_beta's group_a alone', 'don't touch s_2'):
    named, but never a value of the request."""
    words = alternation(tables()["negated"]["words"], spaces=r"\s+")
    months = "|".join(tables()["negated"]["months"])  # "not the Dec 1 one": the day of a month
    found = rx.finditer(
        r"(?i)\b(?:"
        + words
        + r")\s+(?:(?:the|in|for|of|on|from|to)\s+)*(?:session\s+)?(?:(?:"
        + months
        + r")\.?\s+)?([\w.:@+-]*[\d_][\w.:@+-]*)",
        text,
    )
    ids = {m.group(1).rstrip(".:").lower() for m in found}
    return ids | {id_.lower() for _start, _end, id_ in untouched_clauses(text)}


AGENT_ID_SHAPE = Lazy(
    r"(?<![\w.-])([a-z][a-z]*(?:_[a-z]+)*_(?:\d+|main|primary|lead|[a-z]\d*))(?![\w-])",
    needs=("_",),
)


def is_placeholder(value: str, *, is_id: bool) -> bool:
    """'[session_id]', '<group>', '$SESSION_ID', '{id}', 'TBD'; for ids also 'your_id', 'SESSION_ID', 'xxx'.

    Plain string tests first: the regexes are compiled only for values that start with a mark.
    """
    spec = tables()["placeholders"]
    text = value.strip()
    lowered = text.lower()
    if lowered in spec["words_of"]:
        return True
    if text[:1] and text[0] in spec["marks"]:
        pattern = spec.get("_regex")
        if pattern is None:
            pattern = spec["_regex"] = rx.compile("(?:" + "|".join(spec["patterns"]) + ")", re.IGNORECASE)
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


_TYPO_SPAN = 400  # characters of the operation's sentence where typos are read
_TYPO_WORD = Lazy(r"(?<![\w\-./'])[A-Za-z]{5,}(?![\w\-./'])")


_QUOTED_OR_CODE = Lazy(r"[\"\u201c][^\"\u201d]*[\"\u201d]|`[^`]*`", needs=('"', "\u201c", "`"))


def correct_typos(phrase: str) -> str:
    """'Fetch the sesion record', 'task gorups': an unknown word one edit (a swap of two letters is one) from
    exactly one word of the vocabulary's verbs, nouns and labels, with the same first letter, is read as
    that word.

    Only plain words of five letters or more outside quotes are looked at, never ids (digits, _ - . /),
    values of the vocabulary's enumerations or agent types: a correction can name an operation, never give
    a value. Linear in the text (one set lookup per word, and a bounded comparison for unknown ones).
    """
    data = tables()
    common = data["_verb"].keys() | data["_noun"].keys() | data["_stop"]  # most words: no tables needed
    quoted = [(m.start(), m.end()) for m in _QUOTED_OR_CODE.finditer(phrase)]

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        lowered = word.lower()
        if lowered in common:
            return word
        if "_spelling" not in data:  # built on the first word that is not a common one
            data["_spelling"], data["_known_words"] = _spelling_tables(data)
        spelling, known = data["_spelling"], data["_known_words"]
        if lowered in known or any(a <= match.start() < b for a, b in quoted):
            return word
        if lowered.endswith("ed") and (lowered[:-1] in data["_verb"] or lowered[:-2] in data["_verb"]):
            return word  # 'updated', 'marked': a verb's participle, no typo of 'updates'
        # one edit, never the first letter: 'sesion', 'gorups', 'revison' (not 'found' -> 'round')
        found = {
            c
            for size in (len(word) - 1, len(word), len(word) + 1)
            for c in spelling.get(size, ())
            if c[0] == lowered[0] and typo_distance(lowered, c, 1) <= 1
        }
        # 'closed', 'reviews': a word of the vocabulary with an ending is that word inflected, no typo
        found = {c for c in found if lowered not in (c + "d", c + "s")}
        if len(found) > 1:  # 'interation': interaction (an operation's noun) or iteration (a label)?
            found = {c for c in found if c in data["_noun"] or c in data["_verb"]}
        return found.pop() if len(found) == 1 else word

    # the operation is named near the start: only its first words are looked at (linear, bounded work)
    cut = _TYPO_SPAN if len(phrase) > _TYPO_SPAN else len(phrase)
    return _TYPO_WORD.sub(fix, phrase[:cut]) + phrase[cut:]


def is_known_word(word: str) -> bool:
    """A word of the vocabulary, its enumerations and agent types, or an English word listed as no typo."""
    data = tables()
    if "_spelling" not in data:
        data["_spelling"], data["_known_words"] = _spelling_tables(data)
    lowered = word.lower()
    return lowered in data["_known_words"] or lowered in data["_verb"] or lowered in data["_noun"]


def _spelling_tables(data: dict[str, Any]) -> tuple[dict[int, list[str]], set[str]]:
    """The words a typo may be corrected to (by length), and the words never corrected."""
    words: set[str] = set()
    for phrase in list(data["_verb"]) + list(data["_noun"]) + list(data["_report"]) + list(data["_label"]):
        words.update(w for w in phrase.split() if w.isalpha() and len(w) >= 4)
    known = set(words) | set(data["_stop"]) | set(data["_articles"]) | set(data["_qualifiers"])
    for enum in ENUMS.values():
        known.update(v.lower() for v in enum["values"])
        known.update(enum["aliases"])
    for name in list(AGENT_TYPES["aliases"]) + list(AGENT_TYPES["documented"]):
        known.update(name.replace("_", " ").replace("-", " ").split())
    for phrases in data["_unsupported"].values():
        known.update(w for phrase, _entry in phrases for w in phrase)
    known.update(data["spelling"]["not_typos"])
    by_length: dict[int, list[str]] = {}
    for word in sorted(words):
        by_length.setdefault(len(word), []).append(word)
    return by_length, known


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
        distance = typo_distance(session_id, existing, 2)  # 's_1010' for 's_1001': one swap
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


def typo_distance(first: str, second: str, bound: int) -> int:
    """Edit distance with a swap of two neighbouring letters as one edit ('gorups' -> 'groups')."""
    if abs(len(first) - len(second)) > bound:
        return bound + 1
    rows = [list(range(len(second) + 1))]
    for i in range(1, len(first) + 1):
        row = [i] + [0] * len(second)
        for j in range(1, len(second) + 1):
            cost = first[i - 1] != second[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and first[i - 1] == second[j - 2] and first[i - 2] == second[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        if min(row) > bound:
            return bound + 1
        rows.append(row)
    return rows[-1][-1]


# built from phrasings at import (the reader needs them for every request anyway): at the end, after
# everything tables() uses
SPOKEN_WRITE = Lazy(
    r"(?i)(?:^|(?<=[.!?])\s+|\s[-\u2013\u2014]\s+|,\s*|(?<=[}\]])\s*[:;]\s*)(?:(?:please|pls|plz|kindly)\s+)?"
    rf"(?:{'|'.join(told_verbs())})(?:\s+(?:it|that|this|them|['\u2019]?em(?![\w'\u2019])))?"
    r"(?P<kept>\s+(?:under|as)\s+(?:the\s+|a\s+|an\s+)?[A-Za-z][\w-]*(?:\s+(?:type|key|name))?(?:\s+[A-Za-z][\w-]*)?)?"
    r"(?:\s+(?:please|pls|plz|for me))?(?:,?\s*bazinga[-_ ]db)?\s*[.!]*\s*$",
    needs=tuple(told_verbs()),
)  # "… Please log it.", "… please record them under requirements_engineer." (the qualifier is a value),
# '… {"a": 1}: save it please.' (after a JSON value, a colon or semicolon too), "… — log it as decision type
# root_cause" (a name after its label's word)
