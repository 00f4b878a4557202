"""a document may correct another (relation 'corrects')

Revision ID: f1c2d3e4a5b6
Revises: e0a3c0edc3d1
Create Date: 2026-11-24 19:15:00

"""
from alembic import op

import saraban.db  # noqa: F401


revision = 'f1c2d3e4a5b6'
down_revision = 'e0a3c0edc3d1'
branch_labels = None
depends_on = None

_OLD = "'cites', 'replies_to', 'background', 'endorsed_on'"


def upgrade():
    with op.batch_alter_table('document_reference', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_document_reference_relation'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_document_reference_relation'), f"relation IN ({_OLD}, 'corrects')")


def downgrade():
    with op.batch_alter_table('document_reference', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_document_reference_relation'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_document_reference_relation'), f"relation IN ({_OLD})")
