"""Notices by e-mail: a user's address and preference, and what each was last told

Revision ID: notify_0001
Revises: mail_bridge_0001
Create Date: 2026-12-04 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import saraban.db


# revision identifiers, used by Alembic.
revision = 'notify_0001'
down_revision = 'mail_bridge_0001'
branch_labels = None
depends_on = None


CHOICE = "notify IN ('immediate', 'digest', 'off')"


def upgrade():
    # no batch copy of user_account on SQLite: every table refers to it, and dropping the
    # old copy would break their foreign keys; SQLite takes a CHECK on ADD COLUMN instead
    op.add_column('user_account', sa.Column('email', sa.String(length=320), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE user_account ADD COLUMN notify VARCHAR(9) DEFAULT 'immediate' "
                   f"NOT NULL CONSTRAINT ck_user_account_notify_choice CHECK ({CHOICE})")
    else:
        op.add_column('user_account', sa.Column('notify', sa.String(length=9),
                                                server_default='immediate', nullable=False))
        op.create_check_constraint(op.f('ck_user_account_notify_choice'), 'user_account',
                                   CHOICE)
    op.create_table(
        'notify_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('last_sent_at', saraban.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_digest_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_notify_state_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_state')),
        sa.UniqueConstraint('user_id', name=op.f('uq_notify_state_user_id')),
    )


def downgrade():
    op.drop_table('notify_state')
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+; the CHECK goes with its column)
    op.execute('ALTER TABLE user_account DROP COLUMN notify')
    op.execute('ALTER TABLE user_account DROP COLUMN email')
