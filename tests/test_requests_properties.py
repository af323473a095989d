"""Generated requests: the parser never crashes, and layout (label order, case, spacing, fences) never
changes what a request means."""

from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, settings, strategies as st
from test_requests_parse import CORPUS, EXAMPLES, _load

from skill.errors import RequestNotUnderstood
from skill.reader import parse, tables

ENTRIES = [e for path in (EXAMPLES, CORPUS) if path.exists() for e in _load(path)]
LABELLED = [
    e
    for e in ENTRIES
    if e["expected"]["command"]
    and "\n" in e["text"]
    and all(":" in line for line in e["text"].split("\n")[1:] if line.strip())
    and "{" not in e["text"]
    and "```" not in e["text"]
]
WORDS = [
    "bazinga-db,",
    "please",
    "log",
    "save",
    "state",
    "session",
    "s_1",
    "group_a",
    "tokens",
    "Session ID:",
    "Content:",
    "[id]",
    "$X",
    "{",
    "}",
    "→",
    "15k",
    "pm",
    "Tech Lead",
    "\n",
    ":",
    "delete",
    "and",
    "SELECT",
]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_parsed_or_refused(text):
    try:
        command, args = parse(text)
    except RequestNotUnderstood as error:
        assert error.message and error.hint
        return
    json.dumps({"command": command, "args": args})


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join))
def test_request_like_text_is_parsed_or_refused(text):
    try:
        parse(text)
    except RequestNotUnderstood:
        pass


def test_huge_and_deeply_nested_requests_are_refused_cleanly():
    import pytest

    for body in ("[" * 50000, '{"a": ' * 50000):
        with pytest.raises(RequestNotUnderstood):
            parse("bazinga-db, please save the PM state for session s_1: " + body)
    # up to the documented bound (phrasings.json, limits.max_request_bytes) a long content is read whole …
    limit = tables()["limits"]["max_request_bytes"]
    head = "bazinga-db, please log this PM interaction:\nSession ID: s_1\nContent: "
    size = (limit - len(head)) // 2
    command, args = parse(head + "x " * size)
    assert command == "log-interaction" and len(args["content"]) == 2 * size - 1
    # … and one byte over it is refused before it is read, saying what to do instead
    with pytest.raises(RequestNotUnderstood) as caught:
        parse(head + "x" * (limit - len(head) + 1))
    assert caught.value.code == "too_long" and "stdin" in caught.value.hint


def test_there_are_labelled_requests_to_shuffle():
    assert len(LABELLED) >= 25


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(LABELLED) if LABELLED else st.nothing(),
    st.randoms(use_true_random=False),
    st.sampled_from(["lower", "upper", "title", "same"]),
    st.sampled_from(["", " ", "  "]),
    st.booleans(),
    st.booleans(),
)
def test_layout_does_not_change_the_meaning(entry, rnd: random.Random, case, pad, fence, bullets):
    first, *rest = entry["text"].split("\n")
    lines = [line for line in rest if line.strip()]
    # multi-line values keep their continuation lines attached to their label line
    groups: list[list[str]] = []
    for line in lines:
        if groups and not _is_label(line):
            groups[-1].append(line)
        else:
            groups.append([line])
    rnd.shuffle(groups)
    out = [first, ""]
    for group in groups:
        label, _, value = group[0].partition(":")
        label = {"lower": label.lower(), "upper": label.upper(), "title": label.title(), "same": label}[case]
        out.append(("- " if bullets else "") + label + pad + ":" + value)
        out.extend(group[1:])
    text = "\n".join(out)
    if fence:
        text = "```\n" + text + "\n```"
    command, args = parse(text)
    assert {"command": command, "args": args} == {
        "command": entry["expected"]["command"],
        "args": entry["expected"]["args"],
    }


def _is_label(line: str) -> bool:
    from skill.reader import tables
    from skill.reader.split import label_args as _label_args

    return bool(_label_args(line, tables()))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(LABELLED) if LABELLED else st.nothing(), st.booleans())
def test_a_table_of_labels_means_what_its_label_lines_mean(entry, header):
    # "| session | s_1 |" rows (markdown, as dashboards and reports write them) are the label lines
    first, *rest = entry["text"].split("\n")
    lines = [line for line in rest if line.strip()]
    if not all(_is_label(line) and "|" not in line for line in lines):
        return  # continuation lines have no cell to go in
    rows = ["| field | value |", "|---|---|"] if header else ["|---|---|"]
    rows += [
        "| " + line.partition(":")[0].strip() + " | " + line.partition(":")[2].strip() + " |"
        for line in lines
    ]
    command, args = parse("\n".join([first, "", *rows]))
    assert {"command": command, "args": args} == {
        "command": entry["expected"]["command"],
        "args": entry["expected"]["args"],
    }
