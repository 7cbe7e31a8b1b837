"""statutory case dates: complaint copy and defence (行政诉讼法第六十七条), application copy, written
reply and decision extension (行政复议法第四十八条、第六十二条), the day a judgment was served
(行政诉讼法第八十五条), a head's written explanation on the hearing (法释〔2020〕3号第九条)

Revision ID: f1b2c3d4e5a6
Revises: f3c9a1d7e2b4
Create Date: 2026-12-07 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f1b2c3d4e5a6"
down_revision = "f3c9a1d7e2b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hearings") as batch:
        batch.add_column(sa.Column("excuse_sealed", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("excuse_attachment_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("served_date", sa.Date(), nullable=True))
    with op.batch_alter_table("litigation_cases") as batch:
        batch.add_column(sa.Column("complaint_copy_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("defence_date", sa.Date(), nullable=True))
    with op.batch_alter_table("reconsideration_cases") as batch:
        batch.add_column(sa.Column("copy_sent_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("copy_received_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reply_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("extended_due_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("extension_approved_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reconsideration_cases") as batch:
        for name in (
            "extension_reason",
            "extension_approved_by",
            "extended_due_date",
            "reply_date",
            "copy_received_date",
            "copy_sent_date",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("litigation_cases") as batch:
        batch.drop_column("defence_date")
        batch.drop_column("complaint_copy_date")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("served_date")
    with op.batch_alter_table("hearings") as batch:
        batch.drop_column("excuse_attachment_id")
        batch.drop_column("excuse_sealed")
