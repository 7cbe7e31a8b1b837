"""indexes for every filtered list: disputes by status, field and loss risk; open obligations by due date

Every list is one jurisdiction's in a fixed order (disputes newest first by received date and id,
obligations by due date and id). Each index leads with the jurisdiction and the filtered column and
ends in the list's order, so a page is read in order and its count from the index alone, instead of
ANDing the jurisdiction index with the status one over hundreds of thousands of rows (issue 23).
Loss risk, a small share of disputes, gets a partial index. A unit's disputes are read from
``dispute_respondents (unit_id, dispute_id)``, and the overdue and due-soon obligations from a
partial index of the open ones.

On a large PostgreSQL database this builds the indexes inside the migration's transaction, which
blocks writes to these tables while it runs (about 10 s at a million disputes, BENCHMARKS.md).

Revision ID: f3c9a1d7e2b4
Revises: a7c3e9f1d2b4
Create Date: 2026-12-07 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f3c9a1d7e2b4"
down_revision = "a7c3e9f1d2b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # c7e75b542bd9 reads disputes through a server-side cursor that asyncpg leaves open until the
        # transaction ends; PostgreSQL refuses to index a table an open cursor reads.
        op.execute("CLOSE ALL")
    op.drop_index("ix_disputes_jurisdiction_received", table_name="disputes")
    op.create_index(
        "ix_disputes_jurisdiction_received", "disputes", ["jurisdiction_id", "received_date", "id"]
    )
    op.create_index(
        "ix_disputes_jurisdiction_status", "disputes", ["jurisdiction_id", "status", "received_date", "id"]
    )
    op.create_index(
        "ix_disputes_jurisdiction_field",
        "disputes",
        ["jurisdiction_id", "field", "status", "received_date", "id"],
    )
    op.create_index(
        "ix_disputes_loss_risk",
        "disputes",
        ["jurisdiction_id", "status", "received_date", "id"],
        postgresql_where=sa.text("loss_risk"),
        sqlite_where=sa.text("loss_risk"),
    )
    op.drop_index("ix_dispute_respondents_unit_id", table_name="dispute_respondents")
    op.create_index("ix_dispute_respondents_unit_dispute", "dispute_respondents", ["unit_id", "dispute_id"])
    op.create_index(
        "ix_obligations_open_due",
        "obligations",
        ["jurisdiction_id", "due_date", "status", "id"],
        postgresql_where=sa.text("status IN ('open', 'overdue')"),
        sqlite_where=sa.text("status IN ('open', 'overdue')"),
    )


def downgrade() -> None:
    op.drop_index("ix_obligations_open_due", table_name="obligations")
    op.drop_index("ix_dispute_respondents_unit_dispute", table_name="dispute_respondents")
    op.create_index("ix_dispute_respondents_unit_id", "dispute_respondents", ["unit_id"])
    op.drop_index("ix_disputes_loss_risk", table_name="disputes")
    op.drop_index("ix_disputes_jurisdiction_field", table_name="disputes")
    op.drop_index("ix_disputes_jurisdiction_status", table_name="disputes")
    op.drop_index("ix_disputes_jurisdiction_received", table_name="disputes")
    op.create_index("ix_disputes_jurisdiction_received", "disputes", ["jurisdiction_id", "received_date"])
