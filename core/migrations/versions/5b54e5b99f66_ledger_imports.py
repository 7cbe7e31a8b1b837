"""ledger imports

Revision ID: 5b54e5b99f66
Revises: d84c79c38cf3
Create Date: 2026-11-22 01:58:04.609938
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '5b54e5b99f66'
down_revision = 'd84c79c38cf3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_imports',
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('sheet_name', sa.String(length=100), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('imported_rows', sa.Integer(), nullable=False),
    sa.Column('skipped_rows', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_ledger_imports_jurisdiction_id_jurisdictions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_imports'))
    )
    with op.batch_alter_table('ledger_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_imports_file_hash'), ['file_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_imports_jurisdiction_id'), ['jurisdiction_id'], unique=False)

    op.create_table('ledger_import_rows',
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('row_key', sa.String(length=64), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('litigation_case_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_ledger_import_rows_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['import_id'], ['ledger_imports.id'], name=op.f('fk_ledger_import_rows_import_id_ledger_imports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'], name=op.f('fk_ledger_import_rows_jurisdiction_id_jurisdictions')),
    sa.ForeignKeyConstraint(['litigation_case_id'], ['litigation_cases.id'], name=op.f('fk_ledger_import_rows_litigation_case_id_litigation_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_import_rows')),
    sa.UniqueConstraint('jurisdiction_id', 'row_key', name=op.f('uq_ledger_import_rows_jurisdiction_id'))
    )
    with op.batch_alter_table('ledger_import_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_import_rows_import_id'), ['import_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('ledger_import_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_import_rows_import_id'))

    op.drop_table('ledger_import_rows')
    with op.batch_alter_table('ledger_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_imports_jurisdiction_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_imports_file_hash'))

    op.drop_table('ledger_imports')
