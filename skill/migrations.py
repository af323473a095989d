"""Schema migrations: an ordered list of steps, the schema version kept in ``PRAGMA user_version``.

Each step runs in its own ``BEGIN EXCLUSIVE`` transaction together with the version bump, after
re-reading the version inside that transaction, so any number of processes can open a new, empty or old
file at the same moment: one applies the step, the others find it done. Never edit a shipped step; add one.
"""

from __future__ import annotations

import sqlite3

from .errors import DatabaseUnusable

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Callable


class Migration:
    """One schema step: its version, a name for messages, and apply(conn) (plain class: collections.namedtuple
    compiles code at import, ~0.1 ms of every process start)."""

    __slots__ = ("version", "name", "apply")

    def __init__(self, version: int, name: str, apply: Callable[[sqlite3.Connection], None]):
        self.version = version
        self.name = name
        self.apply = apply

    def __repr__(self) -> str:
        return f"Migration({self.version}, {self.name!r})"


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    statements = [s.strip() for s in sql.split(";") if s.strip()]

    def apply(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return apply


# Version 1: the spec's eight tables, column names kept, plus what the contracts need:
# - task_groups keyed by (session_id, id): group ids repeat across sessions;
# - orchestration_logs.seq, a per-session 1-based position, so a page of the log is an index range
#   whatever its depth (keyset paging, no OFFSET scan);
# - no CHECK constraints on agent types (an open set) nor on enums: values are validated in code with
#   messages that list the allowed values, and a new value never needs a table rebuild.
INITIAL_SCHEMA = """
CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    start_time TEXT NOT NULL,
    end_time TEXT,
    mode TEXT,
    original_requirements TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_sessions_created ON sessions(created_at DESC, session_id DESC);
CREATE INDEX idx_sessions_status_created ON sessions(status, created_at DESC);

CREATE TABLE orchestration_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    iteration INTEGER,
    agent_type TEXT NOT NULL,
    agent_id TEXT,
    content TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_logs_session_seq ON orchestration_logs(session_id, seq);
CREATE INDEX idx_logs_session_time ON orchestration_logs(session_id, timestamp, id);
CREATE INDEX idx_logs_session_agent ON orchestration_logs(session_id, agent_type, seq);

CREATE TABLE state_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
    timestamp TEXT NOT NULL,
    state_type TEXT NOT NULL,
    state_data TEXT NOT NULL
);
CREATE INDEX idx_state_session_type ON state_snapshots(session_id, state_type, timestamp, id);

CREATE TABLE task_groups (
    id TEXT NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    assigned_to TEXT,
    revision_count INTEGER NOT NULL DEFAULT 0,
    last_review_status TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (session_id, id)
);
CREATE INDEX idx_taskgroups_session_status ON task_groups(session_id, status);
CREATE INDEX idx_taskgroups_group ON task_groups(id, created_at);

CREATE TABLE token_usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
    timestamp TEXT NOT NULL,
    agent_type TEXT NOT NULL,
    agent_id TEXT,
    tokens_estimated INTEGER NOT NULL
);
CREATE INDEX idx_tokens_session_type ON token_usage(session_id, agent_type, tokens_estimated);
CREATE INDEX idx_tokens_session_agent ON token_usage(session_id, agent_id, tokens_estimated);

CREATE TABLE skill_outputs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
    timestamp TEXT NOT NULL,
    skill_name TEXT NOT NULL,
    output_data TEXT NOT NULL
);
CREATE INDEX idx_skill_session_name ON skill_outputs(session_id, skill_name, timestamp, id);

CREATE TABLE configuration (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
    timestamp TEXT NOT NULL,
    iteration INTEGER,
    decision_type TEXT NOT NULL,
    decision_data TEXT NOT NULL
);
CREATE INDEX idx_decisions_session_time ON decisions(session_id, timestamp, id);
CREATE INDEX idx_decisions_session_type ON decisions(session_id, decision_type, timestamp, id)
"""

# Version 2: token totals per (session, agent type, agent id), kept by triggers in the same transaction as
# every insert, update or delete on token_usage (also a cascade from a deleted session, and direct SQL), so
# token-summary and the dashboard read a handful of rows however many token rows a session has. agent_key
# is the agent id, or '' for rows logged without one (NULLs never collide in a primary key). Statements are
# listed one by one: trigger bodies contain semicolons, which _script would split.
TOKEN_TOTALS = (
    """CREATE TABLE token_totals (
    session_id TEXT NOT NULL,
    agent_type TEXT NOT NULL,
    agent_key TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    PRIMARY KEY (session_id, agent_type, agent_key)
) WITHOUT ROWID""",
    """INSERT INTO token_totals (session_id, agent_type, agent_key, tokens, entries)
SELECT session_id, agent_type, COALESCE(agent_id, ''), SUM(tokens_estimated), COUNT(*)
FROM token_usage GROUP BY session_id, agent_type, COALESCE(agent_id, '')""",
    """CREATE TRIGGER token_totals_insert AFTER INSERT ON token_usage BEGIN
    INSERT OR IGNORE INTO token_totals (session_id, agent_type, agent_key, tokens, entries)
    VALUES (NEW.session_id, NEW.agent_type, COALESCE(NEW.agent_id, ''), 0, 0);
    UPDATE token_totals SET tokens = tokens + NEW.tokens_estimated, entries = entries + 1
    WHERE session_id = NEW.session_id AND agent_type = NEW.agent_type AND agent_key = COALESCE(NEW.agent_id, '');
END""",
    """CREATE TRIGGER token_totals_delete AFTER DELETE ON token_usage BEGIN
    UPDATE token_totals SET tokens = tokens - OLD.tokens_estimated, entries = entries - 1
    WHERE session_id = OLD.session_id AND agent_type = OLD.agent_type AND agent_key = COALESCE(OLD.agent_id, '');
    DELETE FROM token_totals
    WHERE session_id = OLD.session_id AND agent_type = OLD.agent_type AND agent_key = COALESCE(OLD.agent_id, '')
      AND entries <= 0;
END""",
    """CREATE TRIGGER token_totals_update AFTER UPDATE OF session_id, agent_type, agent_id, tokens_estimated
ON token_usage BEGIN
    UPDATE token_totals SET tokens = tokens - OLD.tokens_estimated, entries = entries - 1
    WHERE session_id = OLD.session_id AND agent_type = OLD.agent_type AND agent_key = COALESCE(OLD.agent_id, '');
    DELETE FROM token_totals
    WHERE session_id = OLD.session_id AND agent_type = OLD.agent_type AND agent_key = COALESCE(OLD.agent_id, '')
      AND entries <= 0;
    INSERT OR IGNORE INTO token_totals (session_id, agent_type, agent_key, tokens, entries)
    VALUES (NEW.session_id, NEW.agent_type, COALESCE(NEW.agent_id, ''), 0, 0);
    UPDATE token_totals SET tokens = tokens + NEW.tokens_estimated, entries = entries + 1
    WHERE session_id = NEW.session_id AND agent_type = NEW.agent_type AND agent_key = COALESCE(NEW.agent_id, '');
END""",
)


def _statements(statements: tuple[str, ...]) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return apply


# The spec's eight tables, in the spec's order (other modules and tests list tables from here).
SPEC_TABLES = (
    "sessions",
    "orchestration_logs",
    "state_snapshots",
    "task_groups",
    "token_usage",
    "skill_outputs",
    "configuration",
    "decisions",
)

MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema: the spec's eight tables", _script(INITIAL_SCHEMA)),
    Migration(2, "token totals kept by triggers (flat token-summary)", _statements(TOKEN_TOTALS)),
]

LATEST_VERSION = MIGRATIONS[-1].version


def current_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def refuse_if_newer(version: int, path: str) -> None:
    """Refuse a version this code never writes: newer than it, or negative (another tool set
    PRAGMA user_version; migrating from there would re-run the last step on a full schema)."""
    if version < 0:
        raise DatabaseUnusable(
            f"{path} has schema version {version} (PRAGMA user_version), which bazinga-db never writes",
            "The file was left untouched. Another tool changed its user_version: run `check` on it, and "
            "restore the latest backup (or set the version back) before using it.",
        )
    if version > LATEST_VERSION:
        raise DatabaseUnusable(
            f"{path} has schema version {version}, newer than this skill understands ({LATEST_VERSION})",
            "The file was left untouched. Use the newer bazinga-db that wrote it, "
            "or point {term:db} elsewhere.",
            code="newer_schema",
        )


def migrate(conn: sqlite3.Connection, path: str) -> list[Migration]:
    """Bring the database to LATEST_VERSION; return the steps this call applied (others may race)."""
    applied: list[Migration] = []
    while True:
        conn.execute("BEGIN EXCLUSIVE")
        try:
            version = current_version(conn)
            refuse_if_newer(version, path)
            if version >= LATEST_VERSION:
                conn.execute("COMMIT")
                return applied
            step = MIGRATIONS[version]  # steps are numbered 1..N, so index = current version
            step.apply(conn)
            conn.execute(f"PRAGMA user_version = {int(step.version)}")
            conn.execute("COMMIT")
            applied.append(step)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
