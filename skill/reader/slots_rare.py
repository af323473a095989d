"""The functions of :mod:`.slots` that few requests reach, loaded on their first call.

Fewer than 5% of the corpora's texts call any one of them (measured when they were moved), and
unmarshalling code is most of what importing the reader costs: :mod:`.slots` keeps a stand-in for each
(``lexicon.rarely_used``), so a request that needs none of them never loads this module. Their code and
their tests are those of :mod:`.slots`; a function moves back when most requests come to need it.
"""

from __future__ import annotations

import re

from ..vocabulary import AGENT_TYPES
from . import regex_cache as rx
from .lexicon import (
    AGENT_ID_SHAPE,
    GROUP_ID,
    TOKEN,
    agent_or_none,
    agent_prefix,
    agents_in,
    clean_scalar,
    function_words,
    is_enum_word,
    refuse,
    words_of,
)
from .slots import (
    _SQL_BRACKET_TAIL,
    _SQL_LIMIT_TAIL,
    RULES,
    Slots,
    _modes,
    _quoted_statement,
    _texts_masked,
    sql_prose_tail,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any


def run_rule(name: str, command: str, text: str, raw: dict[str, Any] | None = None) -> Any:
    """One rule on its own (for its tests): the value it reads from ``text``, or None."""
    slots = Slots(command, text, {} if raw is None else raw)
    found = [each for each in RULES if each.name == name]
    if not found:
        raise KeyError(name)
    for each in found:  # a rule registered for several arguments (the JSON bodies): the one this command has
        if each.applies(slots):
            return each.extract(slots)
    return None


def _names_another_value(token: str) -> bool:
    """A group's or an agent's id, an agent type or a value of the vocabulary: never a session."""
    return bool(
        GROUP_ID.match(token.lower())
        or agent_prefix(token.lower()) is not None
        or agent_or_none(token) in AGENT_TYPES["documented"]
        or is_enum_word(token)
    )


def session_named(s: Slots) -> str | None:
    """'a session called s_1', 'a new session with id s_1'."""
    return s.first_token([r"\bsession\s+(?:" + s.words("session_named") + r")\s+" + TOKEN])


def session_after_id(s: Slots) -> str | None:
    """'New session please: id s_9, parallel mode': 'id' then an id-shaped token names the session where
    the operation's object is the session (``own_id_label``); a plain word after 'id' names none."""
    words = "|".join(re.escape(w) for w in s.data["own_id_label"]["words"])
    token = s.first_token([r"(?:^|[\s,;:(])(?:" + words + r")\s+" + TOKEN], text=_texts_masked(s.text))
    if token is None or not any(c.isdigit() or c in "_-" for c in token) or GROUP_ID.match(token.lower()):
        return None
    return token


def session_status_of(s: Slots) -> str | None:
    """'set status of s_1001 to active': the id-shaped token after 'status of' is the session whose status
    changes (never a group's or an agent's id)."""
    token = s.first_token([r"\bstatus\s+of\s+(?:the\s+)?(?:session\s+)?" + TOKEN], text=_texts_masked(s.text))
    if (
        token is None
        or not any(c.isdigit() or c in "_-" for c in token)
        or GROUP_ID.match(token.lower())
        or agent_prefix(token.lower()) is not None
    ):
        return None
    return token


def _said_by_someone(clause: str, s: Slots) -> bool:
    """'the PM approved', 'they requested changes': a clause whose subject is an agent or a pronoun."""
    words = words_of(clause)
    while words and words[-1] in function_words("auxiliaries"):
        words.pop()
    if not words:
        return False
    last = words[-1]
    return (
        last in s.data["slots"]["subjects"]
        or bool(agents_in(" ".join(words[-2:])))
        or bool(AGENT_ID_SHAPE.fullmatch(last) and agent_prefix(last))
    )


def quoted_content(s: Slots) -> str | None:
    """'with content "…" at iteration 2', 'saying "…"'."""
    return _quoted_after(s, "content_words")


def quoted_requirements(s: Slots) -> str | None:
    """'with requirements "…"', 'goal: "…"'."""
    return _quoted_after(s, "requirements_words")


def quoted_after_mode(s: Slots) -> str | None:
    """'Create session s_9 simple "Localise the checkout"', 'a new simple session s_9 for "Localise the
    checkout"': one quoted text right after the mode word or the session's id (maybe after 'for'), ending
    the operation's sentence, is the requirements; so is the rest of that sentence after the requirements'
    word said as a keyword right after one of them ('session s_9 mode simple requirements Localise the
    checkout')."""
    said = [r"(?:" + _modes() + r")(?:\s+mode)?"]
    session = s.raw.get("session_id")
    if isinstance(session, str) and clean_scalar(session):
        said.append(re.escape(clean_scalar(session)))
    after = r"(?:^|\s)(?:" + "|".join(said) + r")"
    first = s.text.split("\n", 1)[0]
    match = rx.search(
        after + r"(?:\s+for)?\s+[\"\u201c]([^\"\u201d\n]+)[\"\u201d]\s*[.!]?\s*$", first, re.IGNORECASE
    ) or rx.search(
        after
        + r"\s+(?:"
        + s.words("requirements_words")
        + r")\s+([^\s:=\"\u201c][^\"\u201c\n]*?)\s*[.!]?\s*$",
        first,
        re.IGNORECASE,
    )
    return match.group(1) if match else None


def _quoted_after(s: Slots, words: str) -> str | None:
    match = rx.search(
        r"\b(?:" + s.words(words) + r")\s*[:=]?\s*[\"\u201c]([^\"\u201d]+)[\"\u201d]", s.text, re.IGNORECASE
    )
    return match.group(1) if match else None


def _skill_agreed(s: Slots, labelled: str | None, inferred: str) -> str:
    """The skill the text describes, unless its label names another one: two names are refused."""
    if labelled is None or labelled.lower() == inferred.lower():
        return inferred
    raise refuse(
        f"the request names several skills ({inferred}, {labelled}); say which one (Skill Name: …)",
        s.command,
        kind="not_understood",
    )


def config_value_after_to(s: Slots) -> str | None:
    """'set config max_parallel_developers to 4', 'set config key deploy_freeze to true': a number or a
    JSON word ending the sentence after 'to' is the value written (the vocabulary then says whether a
    configuration takes it: it takes an object, so these are refused as such, never dropped)."""
    match = rx.search(r"\bto\s+(-?\d+(?:\.\d+)?|true|false|null)\s*[.!]?\s*$", s.text, re.IGNORECASE)
    return match.group(1).lower() if match else None


def select_statement(s: Slots) -> str | None:
    """'run this query: SELECT …': the text from the first SELECT or WITH that opens a line."""
    match = rx.search(r"(?im)^\s*((?:select|with)\b[\s\S]*)", s.text)
    quoted = _quoted_statement(s)
    if match is None and quoted is not None:  # 'run query "SELECT …" with limit 50': the quote is the SQL
        return next(group for group in quoted.groups() if group is not None)
    if match is None:  # "query SELECT …", "run: SELECT …": the statement after the verb on the same line
        match = rx.search(
            r"(?i)(?:\b(?:" + s.words("sql_before") + r")\b\s*:?|:)\s*(select\b[\s\S]*)", s.text
        )
    if match is None:
        return None
    statement = match.group(1)
    tail = sql_tail(statement, s.data)
    return statement[: tail.start()] if tail else statement


def sql_tail(statement: str, data: dict[str, Any]) -> re.Match[str] | None:
    """What follows a statement written without quotes that is the request's, not SQL: '… with limit 25'
    (the row limit, read by limit_count), or a last sentence asking for it in words."""
    return (
        sql_prose_tail(statement, data)
        or _SQL_LIMIT_TAIL.search(statement)
        or _SQL_BRACKET_TAIL.search(statement)
    )


def _sentence_case(word: str) -> str:
    """'Investigation' -> 'investigation': a capital only because the word opens a sentence."""
    return word.lower() if word[1:] == word[1:].lower() else word
