"""an account is locked for a while after many refused logins

Revision ID: c5e6f7a8b9d0
Revises: b373ec62e588
Create Date: 2026-11-29 08:05:00

"""
import sqlalchemy as sa
from alembic import op

import saraban.db


revision = 'c5e6f7a8b9d0'
down_revision = 'b373ec62e588'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.SmallInteger(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('locked_until', saraban.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
