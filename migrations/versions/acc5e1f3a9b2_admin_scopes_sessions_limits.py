"""system administrators, a forced password change, account notices, shared rate limits

Revision ID: acc5e1f3a9b2
Revises: cop7d2e9a41b3
Create Date: 2026-12-02 13:20:00

"""
import sqlalchemy as sa
from alembic import op

import saraban.db


revision = 'acc5e1f3a9b2'
down_revision = 'cop7d2e9a41b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_sysadmin', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    op.create_table(
        'account_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=True),
        sa.Column('seen_at', saraban.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'],
                                name=op.f('fk_account_notice_by_user_id_user_account')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_account_notice_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_notice')),
    )
    with op.batch_alter_table('account_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_notice_user_id'), ['user_id'],
                              unique=False)
    op.create_table(
        'rate_limit_counter',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counter')),
    )


def downgrade():
    op.drop_table('rate_limit_counter')
    with op.batch_alter_table('account_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_notice_user_id'))
    op.drop_table('account_notice')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('is_sysadmin')
