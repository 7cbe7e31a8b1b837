"""citations name documents: stored obligation citations read 《title》（文号）, not a file name

Obligations copy ``str(rule.citation)`` when they are created, so rows written before source
documents were declared hold the checked file's name ("001_65b9a4aea3f36102.txt 一、：「…」").
This rewrites them once, in place, rather than rendering on every read: the column stays the
text users see, and exports/notifications that read it need no lookup. The mapping is frozen
here (a migration must not follow later plugin edits).

Revision ID: e4a7c1f9b2d6
Revises: f67ea3386a0d
Create Date: 2026-12-07 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e4a7c1f9b2d6"
down_revision = "f67ea3386a0d"
branch_labels = None
depends_on = None

# file name -> 《title》（文号） as the plugins declare them (plugins/*/rules.py).
DOCUMENTS = {
    "000_16b14d27ac04f059.txt": "《XX县行政诉讼发案量和败诉率“双下降”专项攻坚行动实施方案》",
    "001_65b9a4aea3f36102.txt": (
        "《武平县人民政府办公室关于进一步做好行政机关行政应诉工作的通知》（武政办〔2023〕47号）"
    ),
    "002_49ac75883d6868a7.txt": "《XX县行政争议纾解工作实施方案》",
    "003_f595287a6d62f5c3.txt": (
        "《舞阳县加强行政执法监督推动行政诉讼发案量和败诉率“双下降”行动方案》（舞法办〔2023〕3号）"
    ),
    "004_ed825c3047b6dab0.txt": "《黔南州司法局“三个加强”推动司法行政工作取得实效》",
}


def rewrite_citations(conn: sa.Connection) -> int:
    """Replace each known file name in ``obligations.citation``; return how many rows changed."""
    # The old text was "<file> <section>：「clause」" (no space without a section); the new one
    # puts the section right after 》. REPLACE is standard in SQLite and PostgreSQL.
    changed = 0
    for file_name, reference in DOCUMENTS.items():
        pattern = {"pattern": f"%{file_name}%"}
        changed += conn.execute(
            sa.text("SELECT COUNT(*) FROM obligations WHERE citation LIKE :pattern"), pattern
        ).scalar_one()
        for old in (f"{file_name} ", file_name):
            conn.execute(
                sa.text(
                    "UPDATE obligations SET citation = REPLACE(citation, :old, :new)"
                    " WHERE citation LIKE :pattern"
                ),
                {"old": old, "new": reference, **pattern},
            )
    return changed


def upgrade() -> None:
    rewrite_citations(op.get_bind())


def downgrade() -> None:
    # Nothing to undo: the rewritten text is what the older code would show had it known the
    # documents; restoring file names would only bring back what users cannot look up.
    pass
