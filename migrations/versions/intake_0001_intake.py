"""Paper in: intake batches and drafts (scans read by OCR), a document's machine-read text

Revision ID: intake_0001
Revises: drafts_0001
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'intake_0001'
down_revision = 'drafts_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('document', sa.Column('machine_text', sa.Text(), nullable=True))
    op.create_table(
        'intake_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('files', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_intake_batch_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                                name=op.f('fk_intake_batch_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_batch')),
    )
    op.create_index(op.f('ix_intake_batch_unit_id'), 'intake_batch', ['unit_id'])
    op.create_table(
        'intake_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=True),
        sa.Column('pages_read', sa.Integer(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=True),
        sa.Column('stamps', sa.JSON(), nullable=True),
        sa.Column('stamp_place', sa.JSON(), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('secrecy', sa.SmallInteger(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('receipt_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['intake_batch.id'],
                                name=op.f('fk_intake_draft_batch_id_intake_batch')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_intake_draft_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                                name=op.f('fk_intake_draft_document_id_document')),
        sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'],
                                name=op.f('fk_intake_draft_file_id_stored_file')),
        sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'],
                                name=op.f('fk_intake_draft_receipt_id_receipt')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                                name=op.f('fk_intake_draft_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_draft')),
    )
    op.create_index(op.f('ix_intake_draft_batch_id'), 'intake_draft', ['batch_id'])
    op.create_index(op.f('ix_intake_draft_status'), 'intake_draft', ['status'])
    op.create_index(op.f('ix_intake_draft_unit_id'), 'intake_draft', ['unit_id'])


def downgrade():
    op.drop_table('intake_draft')
    op.drop_table('intake_batch')
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of document would drop
    # the table that so many rows refer to
    op.execute('ALTER TABLE document DROP COLUMN machine_text')
