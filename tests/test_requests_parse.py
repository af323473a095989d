"""The request parser as data: every shared example and every corpus request gives its exact dry-run."""

import json
from pathlib import Path

import pytest

from skill.errors import EXIT_USAGE, RequestNotUnderstood
from skill.reader import OPERATIONS as COMMANDS, parse, request_form, tables

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# A copy of ../shared/requests/examples.jsonl (tests/test_shared_copies.py keeps it equal to the original).
EXAMPLES = Path(__file__).resolve().parent / "requests_examples.jsonl"
CORPUS = HERE / "requests_corpus.jsonl"


def _load(path):
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def _cases(path):
    if not path.exists():
        return []
    return [pytest.param(entry, id=f"{path.stem}-{index}") for index, entry in enumerate(_load(path))]


def _check(entry):
    expected = entry["expected"]
    if expected["command"] is None:
        with pytest.raises(RequestNotUnderstood) as caught:
            parse(entry["text"])
        error = caught.value
        assert error.exit_code == EXIT_USAGE
        assert error.message and error.hint, "a refusal says what is wrong and the request form that works"
        if entry.get("match"):
            assert entry["match"].lower() in error.message.lower(), (
                error.message,
                entry["expected"]["reason"],
            )
        return
    command, args = parse(entry["text"])
    assert {"command": command, "args": args} == {"command": expected["command"], "args": expected["args"]}
    # typed values: counts are ints, JSON bodies are objects, and only the given args are present
    for name, value in args.items():
        spec = next(a for a in COMMANDS[command]["args"] if a["name"] == name)
        if spec["type"] in ("count", "limit"):
            assert type(value) is int


@pytest.mark.parametrize("entry", _cases(EXAMPLES))
def test_shared_examples(entry):
    _check(entry)


@pytest.mark.parametrize("entry", _cases(CORPUS))
def test_corpus(entry):
    _check(entry)


def test_corpus_size_and_coverage():
    entries = _load(CORPUS)
    assert len(entries) >= 150
    commands = {e["expected"]["command"] for e in entries}
    assert set(COMMANDS) <= commands, set(COMMANDS) - commands
    for command in COMMANDS:
        phrasings = [e for e in entries if e["expected"]["command"] == command]
        assert len(phrasings) >= 3, command
    refusals = [e for e in entries if e["expected"]["command"] is None]
    assert len(refusals) >= 40


def test_corpus_is_generated_from_its_source():
    from importlib import util

    spec = util.spec_from_file_location("make_corpus", HERE / "make_corpus.py")
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.C == _load(CORPUS), "run python3 tests/make_corpus.py"


def test_phrasings_name_only_vocabulary_arguments_and_commands():
    data = tables()
    all_args = {a["name"] for spec in COMMANDS.values() for a in spec["args"]}
    assert {k for k in data["labels"] if not k.startswith("_")} <= all_args
    assert all_args <= set(data["label_names"])
    assert set(data["forms"]) - {"_about"} == set(COMMANDS)
    for topic, by_verb in data["operations"].items():
        if topic.startswith("_"):
            continue
        assert topic in data["nouns"]
        assert set(by_verb.values()) <= set(COMMANDS)
    for command, arg in data["body_args"].items():
        if command.startswith("_"):
            continue
        assert arg in {a["name"] for a in COMMANDS[command]["args"]}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_request_form_parses_to_its_own_command(command):
    """The form a refusal shows must itself work: a request written in it gives that operation."""
    parsed, args = parse(request_form(command))  # verbatim, "(optional)" notes included
    assert parsed == command
    required = {a["name"] for a in COMMANDS[command]["args"] if a.get("required")}
    assert required <= set(args)


def test_no_operation_hint_lists_every_operation():
    with pytest.raises(RequestNotUnderstood) as caught:
        parse("bazinga-db, please do the thing with the stuff")
    assert "Operations:" in caught.value.hint
    for command in COMMANDS:
        assert tables()["forms"][command].split("please ", 1)[1].rstrip(":") in caught.value.hint


def test_label_value_parts_without_colons_are_read_only_when_every_part_is_one():
    from skill.reader.split import bare_label_run
    from skill.vocabulary import argument_specs

    data = tables()
    decision, log = argument_specs("log-decision"), argument_specs("log-interaction")
    assert bare_label_run('kind rollout, data {"a": [1, 2]}, iteration 4.', decision, data) == [
        ("decision_type", "rollout"),
        ("decision_data", '{"a": [1, 2]}'),
        ("iteration", "4"),
    ]
    assert bare_label_run("session s_7, agent Tech Lead, content merged, finally", log, data) == []
    assert bare_label_run("agent qa, content all green", log, data) == [
        ("agent_type", "qa"),
        ("content", "all green"),
    ]
    # prose: a text first, a verb as the label, a word where an id goes, an agent type that is none
    assert bare_label_run("content done, iteration 2", log, data) == []
    assert bare_label_run("note the flaky test, iteration 2", log, data) == []
    assert bare_label_run("session closing, agent qa", log, data) == []
    assert bare_label_run("type errors fixed, details in the PR", log, data) == []
    assert bare_label_run("iteration 2, iteration 3", log, data) == []  # one value twice: no run
    # an agent id alone is the agent, by its id ("session s_1, qa_2, iteration 5"); a word alone is prose
    assert bare_label_run("session s_1, qa_2, iteration 5", log, data) == [
        ("session_id", "s_1"),
        ("agent_type", "qa_2"),
        ("iteration", "5"),
    ]
    assert bare_label_run("session s_1, finally, iteration 5", log, data) == []


def test_a_request_label_gives_the_first_sentence_only_when_its_value_reads_as_a_request():
    from skill.reader.normalise import normalise

    assert normalise("**Session:** `s_4`\n**Need:** the token summary per agent")[0] == (
        "the token summary per agent"
    )
    assert normalise("Session: s_4\nTask: Port the export job to Go") == [
        "Session: s_4",
        "Task: Port the export job to Go",
    ]
    # a sentence before the labels names the operation: the label keeps its value
    assert normalise("Create a session.\nSession: s_4\nRequest: get logs")[0] == "Create a session."


def test_a_json_object_of_the_operations_own_parameters_gives_those_values():
    from skill.reader.split import parameters_object

    specs = "update-session-status"
    text = 'Update the session status as follows: {"session_id": "s_1", "status": "completed"}.'
    assert parameters_object(text, specs) == (
        "Update the session status as follows: ",
        {"session_id": "s_1", "status": "completed"},
    )
    state = "save-state"
    nested = parameters_object(
        'save-state {"session_id": "s_1", "state_type": "pm", "state_data": {"a": 1}}', state
    )
    assert nested is not None and nested[1]["state_data"] == '{"a": 1}'
    # a key the operation does not take: the object is the operation's data, read as today
    assert parameters_object('save the PM state: {"session_id": "s_1", "phase": "x"}', state) is None
    # text after the object: not a body of parameters
    assert parameters_object('{"session_id": "s_1", "status": "completed"} and more', specs) is None
    # an operation that stores no JSON: a key it does not take is refused by name
    with pytest.raises(RequestNotUnderstood, match="'priority'"):
        parameters_object(
            'create task group {"group_id": "g_1", "session_id": "s_1", "priority": 1}', "create-task-group"
        )
    # a parameter given twice: refused, never the last one kept
    with pytest.raises(RequestNotUnderstood, match="twice"):
        parameters_object('{"session_id": "s_1", "status": "failed", "session_id": "s_2"}', specs)


def test_locate_keeps_the_request_and_drops_only_the_prose_around_it():
    from skill.reader.locate import locate

    data = tables()
    text = [
        "Long day on the exporter.",
        "",
        "We agreed on the format with the lead, so please log this developer interaction:",
        "Session ID: s_1",
        "Content: CSV export done",
        "",
        "No rush on this one.",
    ]
    assert locate(text, data) == [
        "please log this developer interaction:",
        "Session ID: s_1",
        "Content: CSV export done",
    ]
    # a value before the head (a digit, an id), or "log it" after it: nothing is dropped
    assert locate(["Round 3 is done.", "Please log this for s_1: ok"], data) == [
        "Round 3 is done.",
        "Please log this for s_1: ok",
    ]
    told = ["The export works end to end.", "Please log it for s_1."]
    assert locate(told, data) == told
    # a text value goes on over paragraphs: only a sign-off ends it
    body = ["Fine weather.", "", "Log this for s_1:", "", "Export done.", "", "The parser is next."]
    assert locate(body, data) == ["Log this for s_1:", "", "Export done.", "", "The parser is next."]
    with pytest.raises(RequestNotUnderstood) as caught:
        locate(["Quiet morning.", "", "Mark group_a in s_1 completed.", "", "Then close group_b too."], data)
    assert caught.value.code == "two_operations"


def test_a_request_standing_on_its_own_after_a_report_drops_the_report():
    from skill.reader.locate import locate

    data = tables()
    report = ["Nightly 7 (s_1)", "- 09:10 job #51 failed on a3f9c21", "- 09:30 job #52 green", ""]
    assert locate(report + ["bazinga-db, mark group_a completed in s_1. thx"], data)[0].startswith(
        "bazinga-db, mark group_a completed in s_1."
    )
    assert locate(report + ["Save this as QA state for s_1:", '{"green": true}'], data) == [
        "Save this as QA state for s_1:",
        '{"green": true}',
    ]
    # pointing back at the report, or a sentence on the head's line: read whole, as before
    for head in ("bazinga-db, log these results for s_1.", "Job 52 is green, please log it for s_1."):
        assert locate(report + [head], data) == report + [head]
    # a second request to the skill in the report is a second operation
    with pytest.raises(RequestNotUnderstood) as caught:
        locate(report + ["bazinga-db, mark group_a completed in s_1.", "", "bazinga-db, close s_1."], data)
    assert caught.value.code == "two_operations"


def test_a_report_s_output_lines_sentences_and_labels_are_context_for_a_request_on_its_own():
    from skill.reader.locate import head_in, locate

    data = tables()
    # a table row, a traceback frame, "<Verb> <participle>:" are no imperatives
    for line in ("| save output | pending |", '  File "app/x.py", line 3, in run', "Log rotated: 08:01:55"):
        assert head_in(line, data) is None
    report = ["Perf run (s_1)", "- p95: 41 ms", ""]
    # whole sentences before the head on its line: context when addressed, or when they give no value
    addressed = "Done with group_c. bazinga-db, mark group_c completed in s_1."
    assert locate(report + [addressed], data)[0] == "bazinga-db, mark group_c completed in s_1."
    assert (
        locate(report + ["All good. Mark group_c completed in s_1."], data)[0]
        == "Mark group_c completed in s_1."
    )
    valued = report + ["Done with group_c. Mark group_c completed in s_1."]
    assert locate(valued, data) == valued
    # a label of the skill in the report: context only when the request takes no such value or gives the same
    labelled = ["QA pass on group_b", "Usage: 9,100 tokens", "Iteration: 2", ""]
    assert locate(labelled + ["bazinga-db log-tokens s_1 qa 9100 qa_2"], data) == [
        "bazinga-db log-tokens s_1 qa 9100 qa_2"
    ]
    for other in (
        "bazinga-db log-tokens s_1 qa 9200 qa_2",
        "bazinga-db, log this QA interaction for s_1: ok",
    ):
        assert locate(labelled + [other], data) == labelled + [other]


def test_a_read_said_as_a_wish_after_a_report_is_its_head():
    from skill.reader.locate import locate

    data = tables()
    report = ["[poll 09:41:07] widget Sessions: 3 rows", "[poll 09:41:09] WARN widget Logs: 120s behind", ""]
    wish = "we need the task groups of s_1 that are in progress, nothing else, to redraw the board"
    assert locate(report + [wish], data) == [wish[len("we need ") :]]
    # a write said as a wish, or a wish naming no read: no head, read whole as before
    for other in ("need group_c of s_1 marked completed", "need to check the widget again"):
        assert locate(report + [other], data) == report + [other]


def test_a_lead_in_naming_the_value_the_imperative_after_its_colon_writes():
    from skill.reader.locate import locate

    data = tables()
    line = "Please record the review outcome: set the review status of group_b in s_1 to APPROVED."
    assert locate([line], data) == ["set the review status of group_b in s_1 to APPROVED."]
    # another value written, or a value in the lead-in: the colon's words stay the lead-in's, as before
    for other in (
        "Please log the verdict: mark group_b completed in s_1",
        "Log group_c's verdict: set last_review_status of group_b in s_1 to APPROVED",
    ):
        assert locate([other], data) == [other]


def test_an_inflected_word_is_no_typo():
    from skill.reader.lexicon import correct_typos

    assert correct_typos("the closed docs session") == "the closed docs session"
    assert correct_typos("show the sesion record") == "show the session record"
    assert correct_typos("the groups in progress, nothing else") == "the groups in progress, nothing else"


def test_an_introduction_gives_its_values_as_labels():
    from skill.reader.locate import introduction

    data = tables()
    assert introduction(['I\'m qa_3, a QA agent, on iteration 2 of session s_1: log "ok"'], data) == [
        'log "ok"',
        "Agent ID: qa_3",
        "Agent Type: qa",
        "Iteration: 2",
        "Session ID: s_1",
    ]
    # a part that is none of who / iteration / session: not an introduction (its value would be dropped)
    assert introduction(['I\'m the developer on group_a, iteration 2 of s_1 - log "done"'], data) is None
    # what was said is the content when the verb is "log it"
    said = introduction(['In s_1, iteration 5, developer_2 says: "green" Log it.'], data)
    assert said is not None and said[0] == "Log it." and said[-1] == 'Content: "green"'
    # where the speaker works is the session
    assert introduction(["I'm qa_2 working on s_7 - log 300 tokens"], data) == [
        "log 300 tokens",
        "Agent ID: qa_2",
        "Agent Type: qa",
        "Session ID: s_7",
    ]


def test_a_passive_write_is_made_active_and_a_value_asked_is_no_write():
    from skill.reader.lexicon import active_voice, words_of

    words, found = active_voice(words_of("group_a needs to be marked failed"), tables())
    assert found == ["mark"] and "mark" in words
    assert active_voice(words_of("which groups are marked failed"), tables())[1] == []  # no "be"
    assert parse("What is testing_config set to?") == ("get-config", {"key": "testing_config"})


def test_an_id_ruled_out_is_never_the_value():
    from skill.reader.lexicon import negated_ids

    assert negated_ids("log it to s_2 (not sess_beta, it is paused)") == {"sess_beta"}
    assert negated_ids("mark group_a failed, not the session") == set()
    with pytest.raises(RequestNotUnderstood):
        parse("show the task groups, not of sess_beta")


def test_a_record_kept_as_it_is_rules_its_id_out():
    from skill.reader.lexicon import negated_ids, untouched_as_ruled_out

    assert negated_ids("set group_b in s_1 to failed — sess_beta's group_b stays pending") == {"sess_beta"}
    assert negated_ids("mark it done, but leave s_2's group_a alone") == {"s_2"}
    assert negated_ids("close group_c (don't touch sess_beta)") == {"sess_beta"}
    assert negated_ids("which groups of sess_beta are still pending?") == set()  # a read's filter
    assert negated_ids("and set sess_beta's group_b to failed") == set()  # a change asked
    # the clause gives no value: its status is the other record's; a clause joined after it is kept
    assert untouched_as_ruled_out("mark group_c failed; sess_beta's group_c stays in progress.") == (
        "mark group_c failed; not sess_beta."
    )
    assert untouched_as_ruled_out("x; sess_beta's group_b stays pending, mark group_c failed") == (
        "x; not sess_beta, mark group_c failed"
    )
    assert untouched_as_ruled_out('log "sess_beta stays paused"') == 'log "sess_beta stays paused"'
    with pytest.raises(RequestNotUnderstood):  # the only session named is the one kept as it is
        parse("Set group_d to in progress — sess_beta's group_d stays pending.")


def test_a_command_line_may_end_with_values_said_after_their_labels():
    from skill.reader.split import command_line

    line = 'log-interaction s_1 qa "smoke green" iteration 2 agent qa_3'
    assert command_line([line]) == (
        "log-interaction",
        {
            "session_id": "s_1",
            "agent_type": "qa",
            "content": "smoke green",
            "iteration": "2",
            "agent_id": "qa_3",
        },
    )
    found = command_line(["create-task-group g_1 s_1 'Login form' status pending assigned to developer_1"])
    assert found is not None and found[1]["status"] == "pending" and found[1]["assigned_to"] == "developer_1"
    with pytest.raises(RequestNotUnderstood):  # the iteration twice: positional and after its label
        command_line(['log-interaction s_1 qa "x y" 2 iteration 3'])
    with pytest.raises(RequestNotUnderstood):  # an agent id of another type than the one given
        command_line(['log-interaction s_1 qa "x y" agent developer_4'])


def test_a_read_then_why_it_is_asked_runs_the_read_alone():
    from skill.reader.split import reasons_dropped

    read = ["stream-logs s_1 15", "Looking for the moment the retries started."]
    assert reasons_dropped(read) == ["stream-logs s_1 15"]
    assert reasons_dropped(
        ["Show task groups for s_1.", "Need to see who is free before I hand out group_b."]
    ) == ["Show task groups for s_1."]
    kept = [
        ["stream-logs s_1", "Need the last 15."],  # a value: the read's own
        ["token-summary s_1", "Need to log tokens too."],  # another operation
        ["get-task-groups s_1", "Need the decisions as well."],  # another object
        ["get-logs s_1", "Need to see what QA said."],  # an agent: a filter of this read
        ["log-interaction s_1 qa 'done'", "Needed for the weekly report."],  # never after a write
    ]
    for lines in kept:
        assert reasons_dropped(lines) == lines


def test_words_that_name_a_group_or_quote_its_speaker_are_values():
    assert parse("Create task group group_n for s_1 named Webhook export")[1]["name"] == "Webhook export"
    with pytest.raises(RequestNotUnderstood):  # a verb of its own after the name
        parse("Create task group group_n for s_1 named Intake and export the session")
    command, args = parse('Log interaction for s_1: qa_3 says "Flaky test quarantined", iteration 2')
    assert (args["agent_id"], args["content"]) == ("qa_3", "Flaky test quarantined")
    assert parse('Log "Verdict: ship it" for s_1 by qa_1')[1]["content"] == "Verdict: ship it"


def test_a_report_noun_not_taken_as_an_object_is_never_renamed():
    # V141: "as investigator" after the verb: the agent's word is a report noun renamed by the "as" before
    # it; its index in the pairs was set before the pair was appended and read as an IndexError
    command, args = parse('Record in s_1 as investigator, iteration 3: "race on /tmp/upload"')
    assert command == "log-interaction"
    assert (args["agent_type"], args["iteration"], args["content"]) == (
        "investigator",
        3,
        "race on /tmp/upload",
    )
    with pytest.raises(RequestNotUnderstood):  # nothing to log: a refusal, never an internal error
        parse("Record in s_1 as investigator iteration 3")


def test_a_group_after_a_session_marked_is_commentary_or_unclear():
    # V031: the session is the verb's object; a group in a clause of its own after it is commentary
    text = "Mark sess_beta failed - group_a's Stripe sandbox is down and we are aborting the whole run."
    assert parse(text) == ("update-session-status", {"session_id": "sess_beta", "status": "failed"})
    assert parse("mark group_a in sess_beta failed")[0] == "update-task-group"  # the group is the object
    for unclear in ("Mark sess_beta failed - group_a", "Mark sess_beta failed for group_a"):
        with pytest.raises(RequestNotUnderstood):
            parse(unclear)


def test_every_value_after_a_write_s_dash_lands_or_refuses():
    # V192: the values after the dash were never checked: "revision +1" was dropped
    command, args = parse(
        "update group_a in sess_beta - status in progress, review CHANGES_REQUESTED, revision +1"
    )
    assert args["increment_revision"] is True and args["last_review_status"] == "CHANGES_REQUESTED"
    for dropped in (
        "update group_a in sess_beta - status in progress, retries +2",
        "update group_a in sess_beta - status in progress, iteration 3",
        "update group_a in sess_beta - status in progress, priority 7",
    ):
        with pytest.raises(RequestNotUnderstood):
            parse(dropped)
    assert parse("mark group_a in s_1 failed: 3 of 12 tests red")[1]["status"] == "failed"  # story numbers


def test_a_group_in_a_log_of_tokens_or_outside_a_log_s_content_refuses():
    for dropped in (
        "log tokens group_a qa 900 for s_1001",
        "log interaction group_a qa for s_1001: tests pass",
    ):
        with pytest.raises(RequestNotUnderstood) as refused:
            parse(dropped)
        assert "group_a" in refused.value.message
    assert parse("log for s_1001 as qa: group_a tests pass")[1]["content"] == "group_a tests pass"
    assert parse("developer_2 spent 6,400 tokens on group_c in s_1001 - log that")[1]["tokens"] == 6400


def test_two_values_for_one_argument_refuse():
    with pytest.raises(RequestNotUnderstood) as refused:
        parse("set task group group_a in sess_beta to failed\nStatus: completed")
    assert refused.value.code == "list_of_values"
    assert parse("mark group_a in sess_beta done\nStatus: completed")[1]["status"] == "completed"


def test_a_bracketed_row_limit_after_the_sql_is_the_limit():
    text = "query SELECT group_id, session_id FROM task_groups WHERE status = 'in_progress' (limit 25 rows)"
    assert parse(text) == (
        "query",
        {"sql": "SELECT group_id, session_id FROM task_groups WHERE status = 'in_progress'", "limit": 25},
    )
    assert parse("run this query: SELECT group_id FROM task_groups (max 5 rows)")[1]["limit"] == 5
    kept = "query SELECT group_id FROM task_groups WHERE revision_count IN (2, 3)"
    assert parse(kept)[1]["sql"] == kept.removeprefix("query ")


def test_a_part_of_its_own_with_a_label_and_a_value_lands_or_refuses():
    with pytest.raises(RequestNotUnderstood) as refused:
        parse("mark sess_beta completed - mode parallel")
    assert refused.value.code == "unknown_label"
    with pytest.raises(RequestNotUnderstood) as refused:
        parse("update group_a in sess_beta, status completed, status failed")
    assert refused.value.code == "list_of_values"
    assert (
        parse("update group_a in sess_beta, status in progress, status in_progress")[1]["status"]
        == "in_progress"
    )
