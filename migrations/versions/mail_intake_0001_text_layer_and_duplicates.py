"""Intake drafts: where their fields were read from (the PDF's text layer or OCR) and the
document a draft may duplicate

Revision ID: mail_intake_0001
Revises: notify_0001
Create Date: 2026-12-04 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'mail_intake_0001'
down_revision = 'notify_0001'
branch_labels = None
depends_on = None


def upgrade():
    # a batch copy of intake_draft is safe: no table refers to it
    with op.batch_alter_table('intake_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_intake_draft_duplicate_of_id_document'),
                                    'document', ['duplicate_of_id'], ['id'])


def downgrade():
    with op.batch_alter_table('intake_draft', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_intake_draft_duplicate_of_id_document'),
                                 type_='foreignkey')
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('source')
