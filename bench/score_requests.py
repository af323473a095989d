"""Score the request reader on its corpora: accuracy and wrong actions, per class. Standard library only.

    python3 bench/score_requests.py [--part dev|v1|v2|v3|<held-out>|all] [--show-failures [--i-am-done]]
                                     [--json]

Every request is run against a fresh copy of the seed database (tests/requests_heldout/seed.json), through
the real CLI in-process (``skill.cli.run``): first ``request --dry-run`` (compared with the expected
operation), then ``request`` for real (what changed in the database is compared with what the expected
operation changes on another fresh copy).

- **Accuracy**: the dry-run gives the expected command and arguments (text values compared with whitespace
  collapsed), or refuses where a refusal is expected. A refusal counts as right whatever its kind; how many
  refusals also had the expected kind (``missing``, ``unsupported``, ``typo_session`` …) is reported apart.
  An item with a wrong action is never counted as right.
- **Wrong actions**, read from what actually changed in the database, never from the reader's own words:
  ``unexpected_write`` (a write where a read or a refusal was expected), ``different_write`` (a write
  whose changes differ from the expected operation's), ``read_for_write`` (a write-led request answered by
  a read), ``unsupported_answered`` (a request about something the skill does not store, answered).

The parts:

- *dev*, the development part, which the reader may be tuned on: requests/examples.jsonl (pinned copy
  tests/requests_examples.jsonl), tests/requests_corpus.jsonl, tests/requests_dev.jsonl, and the first three
  held-out sets, whose failures were read by later reader passes: development data since then.
- *v1*: tests/requests_heldout/heldout_a.jsonl and heldout_b.jsonl (read by the first reader pass), part of
  dev, also reported on its own. Four of its expectations contradict the skill's documented contracts (a
  payload schema, "writes are never guessed"); tests/requests_heldout/v1_corrections.json replaces them.
- *v2*: tests/requests_heldout/v2/, written by two authors who never read the reader; held out through the
  second reader pass, read by round 3: part of dev since then, also reported on its own. Thirteen of its
  expectations contradict the documented contracts (payload schemas, "writes are never guessed", the
  CLI's "did you mean" for a missing session); tests/requests_heldout/v2_corrections.json replaces them.
  The report counts the corrections it applied.
- *v3*: tests/requests_heldout/v3/, written by two more authors who never read the reader; held out
  through round 3 (scored once: 377/421, 3 wrong actions), read by round 4: part of dev since then, also
  reported on its own. Nine of its expectations contradict the documented contracts or the vocabulary
  (payload schemas, "writes are never guessed", the CLI's "did you mean", an unknown label folded into the
  content, the vocabulary's alias "running" = active); tests/requests_heldout/v3_corrections.json replaces
  them.
- *v4*: tests/requests_heldout/v4/, held out through round 4 (scored once: 351/420, 9 wrong actions; those
  nine read and fixed, 360/420 after), read by round 5: part of dev since then, also reported on its own.
  Thirteen expectations carry a parameter name the writers' brief got wrong (``details`` for
  ``decision_data``); tests/requests_heldout/v4_corrections.json renames it, nothing else.
- *r5dev* (written during round 5, read at once) and *v5* (held out through round 5, scored once: 377/420,
  4 wrong actions; read by round 6): part of dev since round 6, also reported on their own;
  ``r5dev_corrections.json`` and ``v5_corrections.json`` read five and eight expectations against the
  contracts (v5's brief wrongly said a bare word is a configuration value).
- *v7*, *v10*: held-out sets scored once, then read (development data), each its own part until every item
  is right (then part of dev, as v8, v8b and v9 are).
- *held-out parts* (``HELD_OUT``): the round's held-out set (v11: written outside the repository before the
  round's reader work, copied in after its last reader change and scored once). Only their
  aggregates are printed. ``--show-failures`` lists the failures of the other parts; for a held-out part it
  is refused unless ``--i-am-done`` is given too (the work is finished: a held-out failure looked at and
  fixed after that stops being held out, and must be said so). ``--part all`` scores every part whose files
  are present, so it works with no held-out part at all.
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TESTS = ROOT / "tests"
SEED = TESTS / "requests_heldout" / "seed.json"
HELDOUT = TESTS / "requests_heldout"
V1 = [HELDOUT / "heldout_a.jsonl", HELDOUT / "heldout_b.jsonl"]
V2 = [HELDOUT / "v2" / "heldout_c.jsonl", HELDOUT / "v2" / "heldout_d.jsonl"]
V3 = [HELDOUT / "v3" / "heldout_e.jsonl", HELDOUT / "v3" / "heldout_f.jsonl"]
V4 = [HELDOUT / "v4" / "heldout_g.jsonl", HELDOUT / "v4" / "heldout_h.jsonl"]
# written during round 5 by two more helpers, the same way, as development data from the start (read at once);
# its own part until every item was right (round 6), part of dev since then
R5DEV = [HELDOUT / "r5dev" / "dev_k.jsonl", HELDOUT / "r5dev" / "dev_l.jsonl"]
# held out through round 5 (scored once: 377/420, 4 wrong actions), read by round 6: part of dev since then
V5 = [HELDOUT / "v5" / "heldout_i.jsonl", HELDOUT / "v5" / "heldout_j.jsonl"]
# held out through round 6 (scored once: 397/420, 3 wrong actions), read by round 7: part of dev since then
V6 = [HELDOUT / "v6" / "heldout_m.jsonl", HELDOUT / "v6" / "heldout_n.jsonl"]
# written during round 7 by two more helpers, the same way, as development data from the start (read at once)
R7DEV = [HELDOUT / "r7dev" / "dev_q.jsonl", HELDOUT / "r7dev" / "dev_r.jsonl"]
# held out through round 7 (scored once: 390/420, 1 wrong action), all its failures read at once after; its
# own part (not dev) until every item is right, as r5dev was: 408/420, 0 wrong actions at the end of round 7
V7 = [HELDOUT / "v7" / "heldout_o.jsonl", HELDOUT / "v7" / "heldout_p.jsonl"]
# The held-out part: frozen before the round's reader work, scored once after it (failures hidden). Empty
# while a round works, so that no test run prints the next set's aggregates before the work is done.
V8 = [HELDOUT / "v8" / "heldout_t.jsonl"]  # its twin (heldout_s) was not finished before the freeze
# v8's twin, finished after v8 was frozen and scored, committed unread; scored once by round 7's last reader
V8B = [HELDOUT / "v8b" / "heldout_s.jsonl"]
# read in round 8 (development data, each its own part; part of dev too once all right, in round 9): v8, v8b
# v9: frozen (4f1ff10) before any round-8 reader change, scored once after round 8's work (387/420, 3 wrong
# actions); read in round 9 (development data, part of dev once every item was right)
V9 = [HELDOUT / "v9" / "heldout_u.jsonl", HELDOUT / "v9" / "heldout_v.jsonl"]
# v10: written outside the repository before any round-9 change, copied in after the round's last reader
# change and scored once (399/420, 2 wrong actions); read in round 10: its own part until every item is right
V10 = [HELDOUT / "v10" / "heldout_w.jsonl", HELDOUT / "v10" / "heldout_x.jsonl"]
# v11: written outside the repository before any round-10 change (sha256 in tests/requests_heldout/README.md),
# copied in after the round's last reader change and scored once (402/420, 0 wrong actions); read in round 11
# (one expectation corrected, v11_corrections.json): its own part until every item is right
V11 = [HELDOUT / "v11" / "heldout_y.jsonl", HELDOUT / "v11" / "heldout_z.jsonl"]
# v12: written outside the repository before any round-11 change (sha256 in tests/requests_heldout/README.md),
# copied in after the round's last reader change and scored once
V12 = [HELDOUT / "v12" / "heldout_aa.jsonl", HELDOUT / "v12" / "heldout_ab.jsonl"]
HELD_OUT: dict[str, list[Path]] = {"v12": V12}
PARTS = {
    "dev": [
        TESTS / "requests_examples.jsonl",
        TESTS / "requests_corpus.jsonl",
        TESTS / "requests_dev.jsonl",
        *V1,
        *V2,
        *V3,
        *V4,
        *R5DEV,
        *V5,
        *V6,
        *R7DEV,
        *V8,
        *V8B,
        *V9,
    ],
    "v1": V1,
    "v2": V2,
    "v3": V3,
    "v4": V4,
    "r5dev": R5DEV,
    "v5": V5,
    "v6": V6,
    "r7dev": R7DEV,
    "v7": V7,
    "v8": V8,
    "v8b": V8B,
    "v9": V9,
    "v10": V10,
    "v11": V11,
    **HELD_OUT,
}
# expectations of the seen held-out sets read against the documented contracts, by the files they correct
CORRECTIONS = {
    HELDOUT / "v1_corrections.json": V1,
    HELDOUT / "v2_corrections.json": V2,
    HELDOUT / "v3_corrections.json": V3,
    HELDOUT / "v4_corrections.json": V4,  # a name the writers' brief got wrong; contract readings
    HELDOUT / "r5dev_corrections.json": R5DEV,
    HELDOUT / "v5_corrections.json": V5,  # the brief's set-config line; an alias; a payload schema
    HELDOUT / "r7dev_corrections.json": R7DEV,  # an agent type the text does not name; a payload schema
    HELDOUT / "v8_corrections.json": V8,  # read in round 8: an agent type the text does not name
    HELDOUT / "v8b_corrections.json": V8B,  # the same
    HELDOUT / "v9_corrections.json": V9,  # read in round 9: the same, and one agent type the text names
    HELDOUT / "v11_corrections.json": V11,  # read in round 11: a payload schema
}
HELD_OUT_PARTS = set(HELD_OUT)  # aggregates only; their failures are shown only with --i-am-done
# The held-out v2 authors name the classes of issue 11 by a word; the report numbers them like the others.
CLASS_WORDS = {
    "write_verb": "1",
    "values_land": "2",
    "unsupported": "3",
    "unknown_label": "4",
    "accept_form": "5",
    "accepted_form": "5",
    "target": "6",
    "right_target": "6",
    "multi": "7",
    "two_ops": "7",
    "all_values": "2",
    "realistic": "8",
}
# The refusal kinds of the corpora's "reason" ("KIND: why"); older corpus entries give free text: "other".
REFUSAL_KINDS = (
    "missing",
    "placeholder",
    "unsupported",
    "two_operations",
    "list_of_values",
    "unknown_label",
    "typo_session",
    "invalid_value",
    "not_understood",
)
WRONG_ACTIONS = ("unexpected_write", "different_write", "read_for_write", "unsupported_answered")
# Columns whose values differ from run to run (times, row ids, sequence numbers): left out of the diff.
VOLATILE = {"id", "seq", "timestamp", "created_at", "updated_at", "start_time", "end_time"}
KEYED_ID_TABLES = {"task_groups"}  # there `id` is the group id, not a row number


def load(paths: list[Path]) -> list[dict]:
    """The corpus entries of these files; held-out v1 and v2 with their corrections applied (each marked)."""
    corrections: dict[Path, dict] = {}
    for source, corrected in CORRECTIONS.items():
        found = json.loads(source.read_text(encoding="utf-8")) if source.exists() else {}
        for path in corrected:
            corrections[path] = found
    entries = []
    for path in paths:
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as file:
            for index, line in enumerate(file):
                if line.strip():
                    entry = json.loads(line)
                    entry.setdefault("id", f"{path.stem}-{index}")
                    entry.setdefault("class", "plain")
                    entry["class"] = CLASS_WORDS.get(str(entry["class"]), str(entry["class"]))
                    if entry["id"] in corrections.get(path, {}):
                        entry["expected"] = corrections[path][entry["id"]]["expected"]
                        entry["corrected"] = True
                    entries.append(entry)
    return entries


# -- the seed database --------------------------------------------------------------------------------
def _cli(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    from skill import cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.run(argv, io.StringIO(stdin), out, err, env={}, cwd=str(ROOT))
    return code, out.getvalue(), err.getvalue()


def build_seed(path: str) -> None:
    """The seed database, written through the CLI (sessions and groups in the order seed.json lists them)."""
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    steps: list[list[str]] = []
    for session in seed["sessions"]:
        steps.append(["create-session", session["session_id"], session["mode"], session["requirements"]])
        for group in session["groups"]:
            step = ["create-task-group", group["group_id"], session["session_id"], group["name"]]
            step.append(group.get("status", "pending"))
            if group.get("assigned_to"):
                step.append(group["assigned_to"])
            steps.append(step)
        if session.get("status", "active") != "active":
            steps.append(["update-session-status", session["session_id"], session["status"]])
    for key, value in seed.get("config", {}).items():
        steps.append(["set-config", key, json.dumps(value)])
    for step in steps:
        code, _out, err = _cli(["--db", path, "--quiet", *step])
        if code != 0:
            raise SystemExit(f"seeding failed at {step}: {err}")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


# -- comparing ---------------------------------------------------------------------------------------
def collapse(value):
    """Text with runs of whitespace collapsed, inside JSON values too."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dict):
        return {k: collapse(v) for k, v in value.items()}
    if isinstance(value, list):
        return [collapse(v) for v in value]
    return value


def _cell(value):
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "{[":
            try:
                return json.dumps(collapse(json.loads(text)), sort_keys=True)
            except ValueError:
                pass
        return collapse(value)
    return value


def contents(path: str) -> dict[str, collections.Counter]:
    """Every row of every table, without the volatile columns, as multisets per table."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found = {}
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            keep = [
                i
                for i, n in enumerate(names)
                if n not in VOLATILE or (n == "id" and table in KEYED_ID_TABLES)
            ]
            found[table] = collections.Counter(
                tuple((names[i], _cell(row[i])) for i in keep) for row in cursor.fetchall()
            )
        return found
    finally:
        conn.close()


def changes(before: dict, after: dict) -> dict:
    """Rows added and removed per table (an updated row is one removed and one added)."""
    diff = {}
    for table in set(before) | set(after):
        old, new = before.get(table, collections.Counter()), after.get(table, collections.Counter())
        added, removed = sorted((new - old).elements(), key=repr), sorted((old - new).elements(), key=repr)
        if added or removed:
            diff[table] = {"added": added, "removed": removed}
    return diff


def expected_changes(seed_path: str, work: str, command: str, args: dict) -> dict:
    """What the expected operation changes when run through the library on a fresh copy of the seed."""
    from skill.api import BazingaDB
    from skill.errors import BazingaError
    from skill.vocabulary import COMMANDS

    path = os.path.join(work, "expected.db")
    _copy(seed_path, path)
    before = contents(path)
    db = BazingaDB(path, auto_create_sessions=True)
    try:
        getattr(db, COMMANDS[command]["method"])(**args)
    except BazingaError:
        pass
    finally:
        db.close()
    return changes(before, contents(path))


def _copy(source: str, target: str) -> None:
    for suffix in ("-wal", "-shm"):
        if os.path.exists(target + suffix):
            os.remove(target + suffix)
    shutil.copyfile(source, target)


def refusal_kind_of(expected: dict) -> str:
    kind = expected.get("reason", "").split(":", 1)[0].strip()
    return kind if kind in REFUSAL_KINDS else "other"


def refusal_kind(text: str, path: str) -> str | None:
    """The kind (error code) of the reader's refusal, for the per-kind report."""
    from skill.errors import BazingaError

    try:
        from skill.handlers.request import known_sessions
        from skill.reader import understand

        def read(text: str) -> object:
            return understand(text, known_sessions(path))
    except ImportError:  # an older reader (the "before" figures): no typo check, no kinds
        from skill.requests import parse as read

    try:
        read(text)
    except BazingaError as error:
        return getattr(error, "code", None)
    return None


def score_one(entry: dict, seed_path: str, work: str) -> dict:
    from skill.vocabulary import COMMANDS

    text, expected = entry["text"], entry["expected"]
    want = expected.get("command")
    want_kind = refusal_kind_of(expected) if want is None else None
    path = os.path.join(work, "request.db")
    _copy(seed_path, path)
    before = contents(path)

    code, out, err = _cli(["--db", path, "request", "--dry-run", text])
    got = json.loads(out) if code == 0 else None
    dry_changed = changes(before, contents(path))
    outcome = {"id": entry["id"], "class": entry["class"], "expected": expected, "dry_run": got}
    if entry.get("corrected"):
        outcome["corrected"] = True
    if code != 0:
        outcome["refusal"] = err.strip()
        outcome["refusal_kind"] = refusal_kind(text, path) if code == 2 else None
    if want is None:
        right = code == 2
        outcome["kind_right"] = right and outcome.get("refusal_kind") == want_kind
    else:
        right = got is not None and collapse(got) == collapse({"command": want, "args": expected["args"]})

    run_code, _run_out, run_err = _cli(["--db", path, "request", text])
    diff = changes(before, contents(path))
    wrong = None
    if dry_changed:
        wrong = "unexpected_write"  # a dry run must never write
    elif want is None or COMMANDS[want]["kind"] == "read":
        if diff:
            wrong = "unexpected_write"
        elif want_kind == "unsupported" and run_code == 0:
            wrong = "unsupported_answered"
    else:
        if diff:
            if diff != expected_changes(seed_path, work, want, expected["args"]):
                wrong = "different_write"
        elif run_code == 0:
            got_command = got["command"] if got else None
            if got_command is None or COMMANDS[got_command]["kind"] == "read":
                wrong = "read_for_write"
            elif expected_changes(seed_path, work, want, expected["args"]):
                wrong = "different_write"  # ran a write that changed nothing where something was expected
    outcome["wrong_action"] = wrong
    outcome["right"] = right and wrong is None
    if wrong:
        outcome["changes"] = {t: {k: [dict(r) for r in v] for k, v in d.items()} for t, d in diff.items()}
        outcome["run_stderr"] = run_err.strip()
    return outcome


def score(entries: list[dict]) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="score_requests_") as work:
        seed_path = os.path.join(work, "seed.db")
        build_seed(seed_path)
        return [score_one(entry, seed_path, work) for entry in entries]


def summary(outcomes: list[dict]) -> dict:
    """Aggregates: totals, per class, per expected kind (an operation's read/write kind, or refusal kind)."""
    from skill.vocabulary import COMMANDS

    def expected_kind(o: dict) -> str:
        command = o["expected"].get("command")
        if command is None:
            return "refuse:" + refusal_kind_of(o["expected"])
        return COMMANDS[command]["kind"]

    def tally(items: list[dict]) -> dict:
        refusals = [o for o in items if o["expected"].get("command") is None]
        return {
            "n": len(items),
            "right": sum(o["right"] for o in items),
            "accuracy": round(100.0 * sum(o["right"] for o in items) / len(items), 1) if items else None,
            "wrong_actions": sum(o["wrong_action"] is not None for o in items),
            "refusals_of_expected_kind": f"{sum(bool(o.get('kind_right')) for o in refusals)}"
            f"/{len(refusals)}",
        }

    by_class = collections.defaultdict(list)
    by_kind = collections.defaultdict(list)
    for o in outcomes:
        by_class[o["class"]].append(o)
        by_kind[expected_kind(o)].append(o)
    wrong = collections.Counter(o["wrong_action"] for o in outcomes if o["wrong_action"])
    return {
        "total": tally(outcomes),
        "corrected_expectations": sum(bool(o.get("corrected")) for o in outcomes),
        "wrong_actions": {k: wrong.get(k, 0) for k in WRONG_ACTIONS},
        "per_class": {k: tally(v) for k, v in sorted(by_class.items())},
        "per_expected_kind": {k: tally(v) for k, v in sorted(by_kind.items())},
    }


def _print_summary(name: str, result: dict) -> None:
    total = result["total"]
    print(
        f"== {name}: {total['right']}/{total['n']} right ({total['accuracy']}%), "
        f"wrong actions {total['wrong_actions']} {result['wrong_actions']}, "
        f"refusals of the expected kind {total['refusals_of_expected_kind']}"
        + (
            f", {result['corrected_expectations']} held-out expectations corrected"
            if result["corrected_expectations"]
            else ""
        )
    )
    for title, key in (("class", "per_class"), ("expected kind", "per_expected_kind")):
        print(f"   per {title}:")
        for label, t in result[key].items():
            print(
                f"     {label:<24} {t['right']:>4}/{t['n']:<4} {t['accuracy']:>5}%  wrong actions "
                f"{t['wrong_actions']}  refusal kind {t['refusals_of_expected_kind']}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all")
    parser.add_argument(
        "--show-failures", action="store_true", help="also list the failures of the development part"
    )
    parser.add_argument(
        "--i-am-done",
        action="store_true",
        help="with --show-failures, list the held-out failures too: only once the work is finished",
    )
    parser.add_argument("--json", action="store_true", help="print the aggregates as JSON")
    options = parser.parse_args(argv)
    # "all": every part with a file present (between rounds there is no held-out part, and that is no error)
    present = [p for p in PARTS if any(path.exists() for path in PARTS[p])]
    parts = present if options.part == "all" else [options.part]
    if options.i_am_done and not options.show_failures:
        parser.error("--i-am-done goes with --show-failures")
    held_out = [p for p in parts if p in HELD_OUT_PARTS]
    if options.show_failures and held_out and not options.i_am_done:
        parser.error(
            "the failures of the held-out part ("
            + ", ".join(held_out)
            + ") are not shown while the reader is "
            "being worked on; use --part dev, or add --i-am-done when the work is finished"
        )
    results = {}
    for part in parts:
        if not any(path.exists() for path in PARTS[part]):
            print(f"== {part}: no file of this part is present ({', '.join(str(p) for p in PARTS[part])})")
            continue
        outcomes = score(load(PARTS[part]))
        results[part] = summary(outcomes)
        if not options.json:
            _print_summary(part, results[part])
        show = options.show_failures and (part not in HELD_OUT_PARTS or options.i_am_done)
        failures = [o for o in outcomes if not o["right"]]
        if show and failures and not options.json:
            print(f"   failures ({part}):")
            for o in failures:
                print(
                    "   -",
                    json.dumps(
                        {
                            k: o.get(k)
                            for k in (
                                "id",
                                "class",
                                "wrong_action",
                                "expected",
                                "dry_run",
                                "refusal",
                                "refusal_kind",
                            )
                        },
                        ensure_ascii=False,
                    ),
                )
    if options.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # "| head": the reader of the report stopped early; nothing went wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
