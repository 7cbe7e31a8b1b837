"""The schema frontends build against is committed (schema.graphql) and is the one served: a change
to the API shows in review as a change to that file, and codegen never runs on a stale copy."""

from __future__ import annotations

from pathlib import Path

from api.schema import schema

COMMITTED = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_the_committed_schema_is_the_served_one() -> None:
    printed = schema.as_str() + "\n"
    assert COMMITTED.read_text(encoding="utf-8") == printed, (
        "schema.graphql differs from the served schema: run `caseload schema > schema.graphql` and "
        "review the difference (removing or renaming a field breaks clients: deprecate it instead)"
    )
