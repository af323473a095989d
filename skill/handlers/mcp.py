"""`mcp`: the store as a Model Context Protocol server over stdio (JSON-RPC 2.0, one message per line).

``python3 scripts/bazinga_db.py [--db PATH|URL] mcp`` serves until its standard input closes. Standard library
only, like every run-time module. One long-lived store, SQLite or PostgreSQL; on PostgreSQL a connection the
server dropped while idle is replaced unnoticed (reads repeated, writes begun on a new one), and while the
server is away calls fail with the ❌ report and the first call after it is back works.

- **Tools** are generated from the vocabulary (``prompts/commands.json``): one per command, named after it
  with underscores (``log-interaction`` -> ``log_interaction``), its input schema built from the command's
  arguments under the Python API's parameter names, read-only commands annotated ``readOnlyHint``.
  A tool call is the CLI's operation: the same conversion and validation (the library's), the same command
  handler (``run(ctx)`` with a per-call context around the server's one long-lived store) and the CLI's
  renderer, so the same ✓ and ❌ texts. A result carries the JSON the CLI prints with
  ``--format json`` as ``structuredContent`` (reads: ``{"ok": true, "command": …, "result": <that JSON>}``)
  and a short text: the notices, then the ✓ line (writes) or the JSON (reads). A failed call is a tool
  result with ``isError`` carrying the ❌ report.
- **Resources** (read-only): ``bazinga://sessions`` (the recent sessions) and
  ``bazinga://sessions/{session_id}/dashboard`` (a session's dashboard snapshot), as JSON.
- **Protocol**: the initialize handshake, offering the current revision and accepting the earlier ones the
  official SDK negotiates; ``ping``; malformed JSON-RPC gets the protocol's error codes, never a crash.
  Requests are answered one at a time, in order. The server writes nothing but protocol messages on stdout.
"""

from __future__ import annotations

import io
import json
from typing import Any, Protocol, TextIO, cast

from .. import cli
from ..api import BazingaDB
from ..context import Context, Result
from ..errors import BazingaError, InvalidArgument, NoDatabase, NotFound, UsageError
from ..inputs import resolve_inputs
from ..vocabulary import (
    AGENT_TYPES,
    COMMANDS,
    ENUMS,
    LIMITS,
    VOCABULARY,
    suggest,
    unknown_argument_hint,
)

SERVER_NAME = "bazinga-db"
# Handshake revisions, newest first: the first is offered; a client asking for any of them gets it.
PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
# structuredContent, tool titles and output schemas arrived with this revision; older clients get text only.
STRUCTURED_SINCE = "2025-06-18"

# JSON-RPC 2.0 and MCP error codes.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
RESOURCE_NOT_FOUND = -32002

# One message is a line; a line longer than this is refused (and skipped) rather than held in memory. Room
# for the largest value the store accepts (MAX_TEXT_BYTES), escaped, inside its JSON-RPC envelope.
MAX_MESSAGE_BYTES = 8 * LIMITS["max_text_bytes"]

SESSIONS_URI = "bazinga://sessions"
DASHBOARD_PREFIX = "bazinga://sessions/"
DASHBOARD_SUFFIX = "/dashboard"
DASHBOARD_TEMPLATE = DASHBOARD_PREFIX + "{session_id}" + DASHBOARD_SUFFIX

# Commands that are not operations on the store and so not tools: the servers (`mcp` itself, and `dashboard`,
# which serves until interrupted; a tool call must return).
NOT_TOOLS = tuple(name for name, spec in COMMANDS.items() if spec["kind"] == "server")

# JSON Schema of each vocabulary value type (the types themselves, and their checks, live in vocabulary.py;
# the server accepts whatever the CLI accepts, e.g. "15k" for a count: the schema states the plain form).
_TYPE_SCHEMAS: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "minLength": 1, "maxLength": LIMITS["max_id_length"]},
    "name": {"type": "string", "minLength": 1, "maxLength": LIMITS["max_id_length"]},
    "agent_type": {"type": "string", "minLength": 1},
    "text": {"type": "string", "minLength": 1},
    "sql": {"type": "string", "minLength": 1},
    "time": {"type": "string"},
    "path": {"type": "string", "minLength": 1},
    "count": {"type": "integer", "minimum": 0},
    "limit": {"type": "integer", "minimum": 1},
    "row_limit": {"type": "integer", "minimum": 0},
    "flag": {"type": "boolean"},
    "json": {},  # any JSON value: the object itself, or its JSON text
}


# -- tools from the vocabulary -----------------------------------------------------------------------
def tool_name(command: str) -> str:
    return command.replace("-", "_")


def tool_commands() -> dict[str, str]:
    """Tool name -> vocabulary command, for every command that is an operation on the store."""
    return {tool_name(name): name for name in COMMANDS if name not in NOT_TOOLS}


def _argument_schema(arg: dict[str, Any]) -> dict[str, Any]:
    kind = arg["type"]
    if kind in ENUMS:
        schema: dict[str, Any] = {"type": "string", "enum": list(ENUMS[kind]["values"])}
    else:
        schema = dict(_TYPE_SCHEMAS[kind])
    parts = [arg["help"]] if arg.get("help") else []
    if kind == "agent_type":
        parts.append("One of " + ", ".join(AGENT_TYPES["documented"]) + ", or your own agent type.")
    if "default" in arg and arg["default"] not in (None, "-"):
        schema["default"] = arg["default"]
    if parts:
        schema["description"] = " ".join(parts)
    return schema


def _required_over_mcp(arg: dict[str, Any]) -> bool:
    """Required by the vocabulary, or read from standard input when absent (no stdin for it here)."""
    return (
        bool(arg.get("required"))
        or bool(arg.get("stdin") and arg["kind"] == "positional")
        or (arg.get("default") == "-")
    )


def is_read_only(command: str) -> bool:
    """A read that writes nothing anywhere: not even a file named by an argument (export-session --out)."""
    spec = COMMANDS[command]
    return spec["kind"] == "read" and not any(arg["type"] == "path" for arg in spec["args"])


def tool_definition(command: str) -> dict[str, Any]:
    spec = COMMANDS[command]
    properties = {arg["name"]: _argument_schema(arg) for arg in spec["args"]}
    required = [arg["name"] for arg in spec["args"] if _required_over_mcp(arg)]
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    title = command.replace("-", " ")
    return {
        "name": tool_name(command),
        "title": title[:1].upper() + title[1:],
        "description": f"{spec['summary']} (CLI: bazinga_db.py {command})",
        "inputSchema": schema,
        "annotations": {"readOnlyHint": is_read_only(command)},
    }


def tool_definitions() -> list[dict[str, Any]]:
    return [tool_definition(command) for command in tool_commands().values()]


# -- one tool call = one CLI operation ---------------------------------------------------------------
class _NoStdin(io.TextIOBase):
    """The server's standard input carries the protocol: a value given as - cannot be read from it."""

    def read(self, size: int | None = -1) -> str:
        raise OSError("the MCP server's standard input carries the protocol; give the value itself")


def _values(command: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Tool arguments -> the command's values by vocabulary name (unknown, missing and flag values checked).

    Everything else (ids, counts, enums, JSON payloads) is converted and validated by the library, exactly
    as for a CLI call.
    """
    specs = {arg["name"]: arg for arg in COMMANDS[command]["args"]}
    for name in arguments:
        if name not in specs:
            raise InvalidArgument(f"unknown argument {name!r}", unknown_argument_hint(command, name))
    values = {}
    for name, value in arguments.items():
        if value is None:
            continue
        if specs[name]["type"] == "flag":
            if not isinstance(value, bool):
                raise InvalidArgument(
                    f"{name} must be true or false, got {json.dumps(value)}", f"Give {name}: true or omit it."
                )
            if not value:
                continue
        values[name] = value
    missing = [name for name, spec in specs.items() if _required_over_mcp(spec) and name not in values]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}", "Arguments: " + ", ".join(specs) + ".")
    return values


class Server:
    """One MCP session over one long-lived store; ``handle`` answers one JSON-RPC message."""

    def __init__(self, location: str, *, auto_create_sessions: bool, env: Any, cwd: str) -> None:
        self.location = location
        self.auto_create_sessions = auto_create_sessions
        self.env = env
        self.cwd = cwd
        self.db = BazingaDB(location, auto_create_sessions=auto_create_sessions)
        self.tools = tool_definitions()
        self.commands = tool_commands()
        self.version = PROTOCOL_VERSIONS[0]

    def close(self) -> None:
        self.db.close()

    # -- running one command -----------------------------------------------------------------------
    def run(self, command: str, values: dict[str, Any]) -> tuple[str, str]:
        """Run one command as the CLI does with --format json; return (stdout, stderr). Raises on failure.

        The same handler the CLI calls, given a per-call context around the server's one store, and the
        CLI's own renderer: a tool call and a CLI call are the same operation with the same replies.
        """
        stdout, stderr = io.StringIO(), io.StringIO()
        resolve_inputs(command, values, cast(TextIO, _NoStdin()))
        ctx = Context(
            command,
            values,
            location=self.location,
            output="json",
            auto_create_sessions=self.auto_create_sessions,
            stdin=cast(TextIO, _NoStdin()),
            stdout=stdout,
            stderr=stderr,
            env=self.env,
            cwd=self.cwd,
            db=self.db,
        )
        try:
            code = cli.render(ctx, cli.handler_for(command).run(ctx))
        finally:
            ctx.close()
        if code:
            raise _Failed(stderr.getvalue().rstrip("\n"), code)
        return stdout.getvalue(), stderr.getvalue()

    def _run_retrying_reads(self, command: str, values: dict[str, Any]) -> tuple[str, str]:
        """``run``, and once more when a read-only command found the store's connection dropped (a
        PostgreSQL restart or idle timeout since the last call; the store has discarded it): reads are safe
        to repeat. Writes are not repeated here (the store begins them again only when nothing was done)."""
        try:
            return self.run(command, dict(values))
        except BazingaError as error:
            if error.code != "server_unavailable" or not is_read_only(command):
                raise
            return self.run(command, dict(values))

    def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """A tools/call result: the CLI's --format json output as structured content and a short text."""
        command = self.commands[name]
        stderr = ""
        try:
            values = _values(command, arguments)
            stdout, stderr = self._run_retrying_reads(command, values)
        except _Failed as failure:
            return self._error_result(failure.report)
        except (Exception, KeyboardInterrupt) as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            report, _code = cli.error_text(
                error, command if isinstance(error, BazingaError) else None, self.env
            )
            return self._error_result(report)
        structured, main = _shape(command, stdout)
        text = "\n".join(part for part in (stderr.rstrip("\n"), main) if part)
        result: dict[str, Any] = {"content": [{"type": "text", "text": text}], "isError": False}
        if self.version >= STRUCTURED_SINCE:
            result["structuredContent"] = structured
        return result

    @staticmethod
    def _error_result(report: str) -> dict[str, Any]:
        return {"content": [{"type": "text", "text": report}], "isError": True}

    # -- resources ---------------------------------------------------------------------------------
    def list_resources(self) -> dict[str, Any]:
        resources = [
            {
                "uri": SESSIONS_URI,
                "name": "sessions",
                "title": "Recent sessions",
                "description": "The most recent sessions (list-sessions), newest first.",
                "mimeType": "application/json",
            }
        ]
        try:
            sessions = self.db.list_sessions()
        except BazingaError:
            sessions = []  # an unusable database: the sessions resource itself says why when read
        for session in sessions:
            session_id = session["session_id"]
            resources.append(
                {
                    "uri": DASHBOARD_PREFIX + session_id + DASHBOARD_SUFFIX,
                    "name": f"dashboard {session_id}",
                    "title": f"Dashboard of {session_id}",
                    "description": f"Dashboard snapshot of session {session_id} ({session['status']}).",
                    "mimeType": "application/json",
                }
            )
        return {"resources": resources}

    @staticmethod
    def list_resource_templates() -> dict[str, Any]:
        return {
            "resourceTemplates": [
                {
                    "uriTemplate": DASHBOARD_TEMPLATE,
                    "name": "dashboard",
                    "title": "Session dashboard",
                    "description": "A session's dashboard snapshot (dashboard-snapshot SESSION_ID): the "
                    "session, "
                    "task groups, token summary, latest states and recent logs.",
                    "mimeType": "application/json",
                }
            ]
        }

    def read_resource(self, uri: str) -> dict[str, Any]:
        """resources/read: the JSON the CLI prints for the resource's command, or a JSON-RPC error."""
        if uri == SESSIONS_URI:
            command, values = "list-sessions", {}
        elif uri.startswith(DASHBOARD_PREFIX) and uri.endswith(DASHBOARD_SUFFIX):
            session_id = uri[len(DASHBOARD_PREFIX) : -len(DASHBOARD_SUFFIX)]
            command, values = "dashboard-snapshot", {"session_id": session_id}
        else:
            raise _ProtocolError(
                RESOURCE_NOT_FOUND,
                f"Resource not found: {uri}",
                {"uri": uri, "resources": [SESSIONS_URI], "templates": [DASHBOARD_TEMPLATE]},
            )
        try:
            stdout, _stderr = self._run_retrying_reads(command, values)
        except (Exception, KeyboardInterrupt) as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            report, _code = cli.error_text(
                error, command if isinstance(error, BazingaError) else None, self.env
            )
            # A bad id is the client's (invalid params); an unknown session, or no database yet, is a
            # resource not found; a store that cannot be read (a PostgreSQL server gone away, a broken
            # file) is the server's side (internal error): the client may retry the same read later.
            if isinstance(error, (NotFound, NoDatabase)):
                code = RESOURCE_NOT_FOUND
            elif isinstance(error, UsageError):
                code = INVALID_PARAMS
            else:
                code = INTERNAL_ERROR
            raise _ProtocolError(code, report, {"uri": uri}) from None
        return {"contents": [{"uri": uri, "mimeType": "application/json", "text": stdout.rstrip("\n")}]}

    # -- JSON-RPC ----------------------------------------------------------------------------------
    def handle(self, message: Any) -> dict[str, Any] | list[dict[str, Any]] | None:
        """One parsed message (or batch) -> its response, or None for notifications and responses."""
        if isinstance(message, list):
            if not message:
                return _error(None, INVALID_REQUEST, "Invalid Request: an empty batch")
            answers = [self.handle(item) for item in message]
            return [answer for answer in answers if isinstance(answer, dict)] or None
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            return _error(_id_of(message), INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message")
        method = message.get("method")
        has_id = "id" in message
        request_id = message.get("id")
        if has_id and (isinstance(request_id, bool) or not isinstance(request_id, (str, int, float))):
            return _error(None, INVALID_REQUEST, "Invalid Request: id must be a string or a number")
        if method is None and ("result" in message or "error" in message):
            return None  # a response to a request of ours: we send none
        if not isinstance(method, str):
            return _error(request_id, INVALID_REQUEST, "Invalid Request: method must be a string")
        params = message.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            return _error(request_id, INVALID_REQUEST, "Invalid Request: params must be an object")
        if not has_id:
            return None  # notifications (initialized, cancelled, …) need no answer
        try:
            return {"jsonrpc": "2.0", "id": request_id, "result": self._dispatch(method, params)}
        except _ProtocolError as error:
            return _error(request_id, error.code, error.message, error.data)

    def _dispatch(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "initialize":
            return self._initialize(params)
        if method == "ping":
            return {}
        if method == "tools/list":
            tools = self.tools
            if self.version < STRUCTURED_SINCE:
                tools = [{k: v for k, v in tool.items() if k != "title"} for tool in tools]
            return {"tools": tools}
        if method == "tools/call":
            name = params.get("name")
            arguments = params.get("arguments", {})
            if not isinstance(name, str):
                raise _ProtocolError(INVALID_PARAMS, "Invalid params: tools/call needs the tool's name")
            if name not in self.commands:
                close = suggest(name, list(self.commands))
                raise _ProtocolError(
                    INVALID_PARAMS,
                    f"Unknown tool: {name}" + (f" (did you mean {close}?)" if close else ""),
                    {"tools": list(self.commands)},
                )
            if arguments is None:
                arguments = {}
            if not isinstance(arguments, dict):
                raise _ProtocolError(INVALID_PARAMS, "Invalid params: arguments must be an object")
            return self.call_tool(name, arguments)
        if method == "resources/list":
            return self.list_resources()
        if method == "resources/templates/list":
            return self.list_resource_templates()
        if method == "resources/read":
            uri = params.get("uri")
            if not isinstance(uri, str):
                raise _ProtocolError(INVALID_PARAMS, "Invalid params: resources/read needs a uri")
            return self.read_resource(uri)
        raise _ProtocolError(METHOD_NOT_FOUND, f"Method not found: {method}")

    def _initialize(self, params: dict[str, Any]) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        self.version = asked if asked in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0]
        return {
            "protocolVersion": self.version,
            "capabilities": {
                "tools": {"listChanged": False},
                "resources": {"subscribe": False, "listChanged": False},
            },
            "serverInfo": {"name": SERVER_NAME, "version": _skill_version()},
            "instructions": (
                "The bazinga-db store of a multi-agent orchestration: sessions, agent logs, state snapshots, "
                "task groups, tokens, skill outputs, configuration and decisions. Each tool is the CLI "
                "command of the same name (hyphens as underscores); read-only tools are annotated. "
                "`request` takes a request in words."
            ),
        }

    # -- the stdio loop ----------------------------------------------------------------------------
    def serve(self, instream: _LineReader, outstream: _Writer) -> None:
        """Answer messages until the input ends."""
        while True:
            line = instream.readline(MAX_MESSAGE_BYTES + 1)
            if not line:
                return
            if len(line) > MAX_MESSAGE_BYTES and not line.endswith(b"\n"):
                while True:  # skip the rest of the oversized line without holding it
                    rest = instream.readline(1 << 20)
                    if not rest or rest.endswith(b"\n"):
                        break
                answer: Any = _error(
                    None,
                    INVALID_REQUEST,
                    f"Invalid Request: a message is limited to {MAX_MESSAGE_BYTES} bytes",
                )
            else:
                answer = self.handle_line(line)
            if answer is not None:
                outstream.write(encode(answer))
                outstream.flush()

    def handle_line(self, line: bytes) -> Any:
        if not line.strip():
            return None
        try:
            message = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            return _error(None, PARSE_ERROR, f"Parse error: {error}")
        try:
            return self.handle(message)
        except (Exception, RecursionError) as error:  # never a crash: a protocol error names the bug
            return _error(_id_of(message), INTERNAL_ERROR, f"Internal error: {type(error).__name__}: {error}")


class _ProtocolError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class _Failed(Exception):
    """A handler that rendered its own ❌ report (request's refusals and failures), with its exit code."""

    def __init__(self, report: str, code: int) -> None:
        super().__init__(report)
        self.report = report
        self.code = code


def _error(request_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


def _id_of(message: Any) -> Any:
    if isinstance(message, dict):
        value = message.get("id")
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return value
    return None


def _shape(command: str, stdout: str) -> tuple[dict[str, Any], str]:
    """The CLI's --format json output -> (structured content, the short text of the result).

    Writes print ``{"ok": true, "command", "message", "result"}`` (``request`` adds its ``reply``): that
    object is the structured content, and the ✓ line (or the reply) the text. Reads print their JSON: it
    becomes ``result`` beside ``ok`` and ``command`` (structured content is an object), and is the text too.
    ``batch`` prints one JSON line per operation: ``result`` is their list.
    """
    text = stdout.rstrip("\n")
    if command == "batch":
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        return {"ok": True, "command": command, "result": lines}, text
    try:
        value = json.loads(text)
    except ValueError:  # markdown (export-session --format markdown) or a ✓ line (export-session --out)
        return {"ok": True, "command": command, "result": text}, text
    if COMMANDS[command]["kind"] != "read" and isinstance(value, dict) and value.get("ok") is True:
        if "reply" in value:
            return value, value["reply"]
        if "message" in value:
            return value, f"{VOCABULARY['symbols']['ok']} {value['message']}"
    return {"ok": True, "command": command, "result": value}, text


def encode(message: Any) -> bytes:
    """One message as one line of UTF-8 JSON (a lone surrogate from the input is escaped, never fatal)."""
    try:
        return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(message, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")


def _skill_version() -> str:
    """The skill's version: the vocabulary's (what --version prints; SKILL.md's metadata.version says the
    same, tests/test_cli_surface.py checks)."""
    return str(VOCABULARY["version"])


# -- the handler -------------------------------------------------------------------------------------
def run(ctx: Context) -> Result:
    if ctx.output is not None:
        raise UsageError(
            "--format does not apply: the server answers in JSON-RPC",
            "Drop --format; each tool result carries both the JSON (structuredContent) and a short text.",
        )
    assert ctx.location is not None and ctx.stdin is not None and ctx.stdout is not None
    server = Server(ctx.location, auto_create_sessions=ctx.auto_create_sessions, env=ctx.env, cwd=ctx.cwd)
    stdin, stdout = ctx.stdin, ctx.stdout
    instream = stdin.buffer if hasattr(stdin, "buffer") else _BytesReader(stdin)
    outstream = stdout.buffer if hasattr(stdout, "buffer") else _BytesWriter(stdout)
    try:
        server.serve(instream, outstream)
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # the client went away mid-answer: nothing more to say to anyone
        pass
    except OSError as error:  # stdout closed or full: no client can hear the server any more
        raise BazingaError(
            f"standard output could not be written ({error.strerror or error}); the server stopped",
            "Run the server with its standard output connected to the MCP client; a tool call answered "
            "before this was done, one being answered may have been done without its answer reaching the "
            "client (check with a read before repeating a write).",
            code="output_failed",
        ) from None
    finally:
        server.close()
    return Result(streamed=True)


class _LineReader(Protocol):
    """What the server reads messages from: a binary stream's readline."""

    def readline(self, limit: int = -1, /) -> bytes: ...


class _Writer(Protocol):
    """What the server writes answers to: a binary stream's write and flush."""

    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> None: ...


class _BytesReader:
    """A text stream read as bytes (in-process callers pass StringIO)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def readline(self, limit: int = -1) -> bytes:
        return self.stream.readline(limit).encode("utf-8", "surrogateescape")


class _BytesWriter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8"))

    def flush(self) -> None:
        self.stream.flush()
