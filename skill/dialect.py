"""The SQL that differs between the backends, in one table (api.py and transfer.py stay backend-neutral).

Each store has a ``dialect``; code that builds SQL takes the differing fragment from it instead of testing
which backend it runs on. Everything else (placeholders ``?``, ``ON CONFLICT``, ``LIMIT ? OFFSET ?``,
``COALESCE``, ``CASE``) is written once in the SQL both servers understand; the PostgreSQL connection
turns ``?`` into its driver's placeholder.
"""

from __future__ import annotations


class Dialect:
    """name; no_limit: the LIMIT value meaning "all rows"; unindexed: a column reference the planner must
    not pick an index for (``{}`` is the column); insertion_order: the hidden column that orders rows of
    a keyed table the way they were written; value_kind: an expression naming a column's storage class,
    'integer' while it is a whole number (SQLite turns an integer that overflows into a REAL; PostgreSQL
    refuses the write instead, so there it is always 'integer')."""

    __slots__ = ("name", "no_limit", "unindexed", "insertion_order", "value_kind")

    def __init__(
        self, name: str, no_limit: int | None, unindexed: str, insertion_order: str, value_kind: str
    ):
        self.name = name
        self.no_limit = no_limit
        self.unindexed = unindexed
        self.insertion_order = insertion_order
        self.value_kind = value_kind


# SQLite: LIMIT -1 is "no limit"; unary + keeps a column out of index selection; rowid is insertion order.
SQLITE = Dialect("sqlite", no_limit=-1, unindexed="+{}", insertion_order="rowid", value_kind="typeof({})")
# PostgreSQL: LIMIT NULL is "no limit" (a negative one is an error); its planner needs no such hint;
# task_groups has an identity column row_order (PostgreSQL rows have no stable rowid).
POSTGRES = Dialect(
    "postgresql", no_limit=None, unindexed="{}", insertion_order="row_order", value_kind="'integer'"
)
