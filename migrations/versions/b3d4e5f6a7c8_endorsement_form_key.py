"""an endorsement remembers the form it came from, so a double click signs once; indexes
for "has this unit endorsed it" and for overdue orders

Revision ID: b3d4e5f6a7c8
Revises: a7c1e2f3b4d5
Create Date: 2026-11-29 09:30:00

"""
import sqlalchemy as sa
from alembic import op

import saraban.db  # noqa: F401


revision = 'b3d4e5f6a7c8'
down_revision = 'a7c1e2f3b4d5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('endorsement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(op.f('uq_endorsement_form_key'), ['form_key'])
        batch_op.create_index(op.f('ix_endorsement_document_unit'), ['document_id', 'unit_id'])
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index(op.f('ix_work_order_status_due_date'), ['status', 'due_date'])


def downgrade():
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_work_order_status_due_date'))
    with op.batch_alter_table('endorsement', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_endorsement_document_unit'))
        batch_op.drop_constraint(op.f('uq_endorsement_form_key'), type_='unique')
        batch_op.drop_column('form_key')
