"""jurisdiction go-live date, ledger import jobs

A county that adopts caseload brings years of records with it. Duties due before the day it went
live are history: they count in the indicators but the worker never reminds, warns or escalates
about them. The column is nullable: a jurisdiction without one treats every duty as live.

Ledger imports run as background jobs (``ledger_import_jobs``): queued with the file, claimed by
one worker or the API process, with their progress and errors so far.

Revision ID: a3f1c2d4e5b6
Revises: 9030b136139e
Create Date: 2026-12-07 04:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a3f1c2d4e5b6"
down_revision = "9030b136139e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jurisdictions") as batch:
        batch.add_column(sa.Column("go_live_date", sa.Date(), nullable=True))
    op.create_table(
        "ledger_import_jobs",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "cancelled",
                name="importjobstatus",
                native_enum=False,
                create_constraint=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_role", sa.String(length=40), nullable=False),
        sa.Column("actor_jurisdiction_id", sa.Integer(), nullable=True),
        sa.Column("actor_unit_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_checked", sa.Integer(), nullable=False),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["ledger_imports.id"],
            name=op.f("fk_ledger_import_jobs_import_id_ledger_imports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_ledger_import_jobs_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_import_jobs")),
    )
    with op.batch_alter_table("ledger_import_jobs") as batch:
        batch.create_index("ix_ledger_import_jobs_status", ["status", "id"], unique=False)
        batch.create_index(
            batch.f("ix_ledger_import_jobs_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("ledger_import_jobs")
    with op.batch_alter_table("jurisdictions") as batch:
        batch.drop_column("go_live_date")
