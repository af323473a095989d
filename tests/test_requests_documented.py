"""The documented-form path (``skill/reader/documented.py``) answers only what the stages answer.

Wherever ``read_documented`` gives an answer, ``read_by_stages`` (the full reader) must give the same one:
over every text of every development corpus, and over documented forms generated from every value and
every line of those corpora (the lines hold second operations, wishes, placeholders, lists, amounts,
labels: whatever could make a value mean more than its words). Where the path declines, the stages read
the text, so what it declines costs time only. And a request in a documented form loads no stage.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from skill.errors import BazingaError
from skill.reader import parse, read_by_stages, request_form, tables, understand
from skill.reader.documented import read_documented
from skill.vocabulary import AGENT_TYPES, OPERATIONS, argument_specs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from score_requests import HELD_OUT, HELDOUT, TESTS  # noqa: E402

HELD_OUT_FILES = {path for paths in HELD_OUT.values() for path in paths}
CORPORA = sorted(TESTS.glob("requests_*.jsonl")) + sorted(
    path for path in HELDOUT.glob("v*/*.jsonl") if path not in HELD_OUT_FILES
)
ENTRIES = [json.loads(line) for path in CORPORA for line in path.read_text().splitlines() if line.strip()]
TEXTS = list(dict.fromkeys(e["text"] for e in ENTRIES if isinstance(e.get("text"), str)))
BENCH_REQUEST = (
    "bazinga-db, please log this PM interaction:\nSession ID: typical\nAgent Type: pm\n"
    "Content: Planned 3 task groups\nIteration: 2\n"
)


def answer(read, text: str) -> object:
    """A reader's answer, a refusal as ("refused", its kind)."""
    try:
        return read(text)
    except BazingaError as error:
        return ("refused", getattr(error, "code", type(error).__name__))


def by_stages(text: str) -> object:
    return answer(read_by_stages, text)


def _pools() -> tuple[dict[str, list[str]], list[str]]:
    """Values by argument name from every expectation, and every line, value after a colon and sentence."""
    values: dict[str, set[str]] = {}
    for entry in ENTRIES:
        for name, value in ((entry.get("expected") or {}).get("args") or {}).items():
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                values.setdefault(name, set()).add(str(value))
    pieces: set[str] = set()
    for text in TEXTS:
        for line in text.split("\n"):
            line = line.strip()
            if line:
                pieces.add(line)
                pieces.add(line.split(":", 1)[-1].strip())
                pieces.update(s.strip() for s in re.split(r"(?<=[.!?])\s+", line))
    for name in ("content", "requirements", "name"):
        pieces |= values.get(name, set())
    return {k: sorted(v) for k, v in values.items()}, sorted(p for p in pieces if p)


def generated(seed: int, per_text: int) -> list[str]:
    """Documented forms of every operation, each text value of the pool in turn, the other values drawn
    from the corpora's values (a quarter from the pool itself), headings and labels in varied case."""
    values, pool = _pools()
    rng = random.Random(seed)
    names = tables()["label_names"]
    headings: dict[str, list[str]] = {}
    for command in OPERATIONS:
        heading = tables()["forms"][command].rstrip(":").removeprefix("bazinga-db, please ")
        headings[command] = [heading]
    for agent in AGENT_TYPES["documented"]:
        headings["log-interaction"].append(f"log this {agent.replace('_', ' ')} interaction")
    texts = []
    for index, text_value in enumerate(pool):
        for command in rng.sample(list(OPERATIONS), per_text):
            heading = rng.choice(headings[command])
            heading = rng.choice([heading, heading.title(), heading.upper()])
            opening = rng.choice(["bazinga-db, please ", "bazinga-db ", "please ", ""]) + heading + ":"
            lines = [opening + rng.choice(["", "", "\n", "\n  "])]  # the spec's blank line after the heading
            for name, spec in argument_specs(command).items():
                # an optional label half the time; a required one now and then ("log this QA interaction:"
                # names its agent type: its label may be left out)
                if name not in names or rng.random() < (0.1 if spec.get("required") else 0.5):
                    continue
                if spec["type"] == "text":
                    value = text_value
                elif rng.random() < 0.25 or not values.get(name):
                    value = rng.choice(pool)
                else:
                    value = rng.choice(values[name])
                lines.append(f"{names[name][0]}: {value}")
            body = lines[1:]
            if index % 5 == 0:
                rng.shuffle(body)
            if index % 7 == 0 and len(body) > 1:
                body.insert(rng.randrange(1, len(body)), "")  # a blank line between labels: declined
            texts.append("\n".join(lines[:1] + body) + rng.choice(["", "\n", "  \n"]))
    return list(dict.fromkeys(texts))


def test_every_corpus_text_it_answers_reads_the_same_by_the_stages():
    answered = [text for text in TEXTS if read_documented(text) is not None]
    assert answered, "no corpus text is in a documented form: the comparison would prove nothing"
    for text in answered:
        assert read_documented(text) == by_stages(text), text


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_documented_forms_read_the_same_by_the_stages(seed):
    texts = generated(seed, per_text=2)
    answered = 0
    for text in texts:
        found = read_documented(text)
        if found is not None:
            answered += 1
            assert found == by_stages(text), text
    # the comparison covers thousands of answers, not a handful
    assert answered > len(texts) // 10, (answered, len(texts))


def test_the_benchmark_request_and_the_forms_of_plain_values_are_read_by_it():
    assert read_documented(BENCH_REQUEST) == (
        "log-interaction",
        {"session_id": "typical", "agent_type": "pm", "content": "Planned 3 task groups", "iteration": 2},
    )
    # the spec's examples write a blank line after the heading
    spaced = BENCH_REQUEST.replace(":\n", ":\n\n", 1)
    assert read_documented(spaced) == read_documented(BENCH_REQUEST) == by_stages(spaced)
    plain = ("get-session", "update-session-status", "stream-logs", "update-task-group", "get-task-groups")
    for command in plain:
        form = re.sub(r"\s+\((optional|this or another change below)\)", "", request_form(command))
        assert read_documented(form) is not None, form
        assert read_documented(form) == by_stages(form)


@pytest.mark.parametrize(
    "text",
    [
        # a second operation, a wish, a list, an amount, a label, quotes inside a text value
        BENCH_REQUEST.replace("Planned 3 task groups", "Planned. Also mark group_b as completed"),
        BENCH_REQUEST.replace("Planned 3 task groups", "I need the task groups of s_2"),
        BENCH_REQUEST.replace("Planned 3 task groups", "group_a, group_b done"),
        BENCH_REQUEST.replace("Planned 3 task groups", "3000 for qa"),
        BENCH_REQUEST.replace("Planned 3 task groups", "Session ID: s_2"),
        BENCH_REQUEST.replace("Planned 3 task groups", '"Planned 3 task groups"'),
        # placeholders, an id in another form, a status in other words, a unit, a JSON body
        BENCH_REQUEST.replace("typical", "<session_id>"),
        BENCH_REQUEST.replace("typical", "typical."),
        BENCH_REQUEST.replace("Iteration: 2", "Iteration: two"),
        "bazinga-db, please update session status:\nSession ID: s_1\nStatus: done",
        "bazinga-db, please log token usage:\nSession ID: s_1\nAgent Type: qa\nTokens: 15k",
        'bazinga-db, please save state:\nSession ID: s_1\nState Type: pm\nState Data: {"a": 1}',
        # a label twice, a label of another operation, a line that is no label, an agent id of another type
        BENCH_REQUEST + "Iteration: 3\n",
        BENCH_REQUEST + "Status: completed\n",
        BENCH_REQUEST + "and mark group_a completed\n",
        BENCH_REQUEST + "Agent ID: developer_2\n",
        # another heading: a different agent type from the label's, words around the heading
        BENCH_REQUEST.replace("PM interaction", "QA interaction"),
        BENCH_REQUEST.replace("please log", "please also log"),
        "Fix the login bug\n" + BENCH_REQUEST,
    ],
)
def test_it_declines_what_could_mean_more_than_its_words(text):
    assert read_documented(text) is None
    assert answer(parse, text) == by_stages(text)  # parse gives the stages' answer, a refusal included


def test_parse_and_understand_give_the_stages_answer_where_it_declines():
    text = BENCH_REQUEST.replace("Planned 3 task groups", "Planned. Also mark group_b as completed")
    with pytest.raises(BazingaError) as refused:
        parse(text)
    assert refused.value.code == "two_operations"
    # the database's check: a session one edit from a stored one is a typo, on this path as on the stages'
    typo = BENCH_REQUEST.replace("typical", "typicl")
    assert read_documented(typo) is not None
    with pytest.raises(BazingaError) as refused:
        understand(typo, ["typical", "hot"])
    assert refused.value.code == "typo_session"
    assert understand(typo, ["other_session"])[1]["session_id"] == "typicl"


def test_a_request_in_a_documented_form_loads_no_stage():
    probe = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from skill.reader import understand\n"
        "understand(sys.argv[2], ['typical'])\n"
        "stages = ('normalise', 'split', 'intent', 'locate', 'slots', 'coverage', 'convert')\n"
        "print(sorted(m for m in sys.modules if m.rsplit('.', 1)[-1].split('_rare')[0] in stages))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-c", probe, str(ROOT), BENCH_REQUEST], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    # a request in other words loads them all
    out = subprocess.run(
        [sys.executable, "-c", probe, str(ROOT), "mark group_a completed in typical"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "skill.reader.coverage" in out.stdout
