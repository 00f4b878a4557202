"""named readers of secret documents

Revision ID: e9f0a1b2c3d4
Revises: d7e8f9a0b1c2
Create Date: 2026-11-29 08:45:00

"""
import sqlalchemy as sa
from alembic import op

import saraban.db


revision = 'e9f0a1b2c3d4'
down_revision = 'd7e8f9a0b1c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_reader',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('granted_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                                name=op.f('fk_document_reader_document_id_document')),
        sa.ForeignKeyConstraint(['granted_by_id'], ['user_account.id'],
                                name=op.f('fk_document_reader_granted_by_id_user_account')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_document_reader_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_reader')),
        sa.UniqueConstraint('document_id', 'user_id',
                            name=op.f('uq_document_reader_document_id_user_id')),
    )
    with op.batch_alter_table('document_reader', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_reader_document_id'), ['document_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_document_reader_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('document_reader', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_reader_user_id'))
        batch_op.drop_index(batch_op.f('ix_document_reader_document_id'))
    op.drop_table('document_reader')
