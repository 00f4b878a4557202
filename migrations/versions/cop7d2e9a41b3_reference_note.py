"""a note on a reference: why it links where it does when the citation is wrong

Revision ID: cop7d2e9a41b3
Revises: aud7c41e9b2f0
Create Date: 2026-12-02 13:30:00

"""
import sqlalchemy as sa
from alembic import op

import saraban.db  # noqa: F401


revision = 'cop7d2e9a41b3'
down_revision = 'aud7c41e9b2f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document_reference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('document_reference', schema=None) as batch_op:
        batch_op.drop_column('note')
