"""A mail arrival queued for registering: the intake draft made of its letter

Revision ID: mail_bridge_0001
Revises: mail_out_0001
Create Date: 2026-12-04 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'mail_bridge_0001'
down_revision = 'mail_out_0001'
branch_labels = None
depends_on = None


def upgrade():
    # a batch copy of intake_draft is safe: no table refers to it
    with op.batch_alter_table('intake_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_arrival_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_intake_draft_mail_arrival_id'),
                              ['mail_arrival_id'], unique=True)
        batch_op.create_foreign_key(batch_op.f('fk_intake_draft_mail_arrival_id_mail_arrival'),
                                    'mail_arrival', ['mail_arrival_id'], ['id'])


def downgrade():
    with op.batch_alter_table('intake_draft', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_intake_draft_mail_arrival_id_mail_arrival'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_intake_draft_mail_arrival_id'))
        batch_op.drop_column('mail_arrival_id')
