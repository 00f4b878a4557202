"""record digests in audit events, a keyed audit head, exchange refusals off the chain

Revision ID: aud7c41e9b2f0
Revises: e9f0a1b2c3d4
Create Date: 2026-12-02 13:30:00

"""
import sqlalchemy as sa
from alembic import op

import saraban.db


revision = 'aud7c41e9b2f0'
down_revision = 'e9f0a1b2c3d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_digests', sa.JSON(), nullable=True))
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
    op.create_table(
        'exchange_refusal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('remote_addr', sa.String(length=64), nullable=True),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('claimed_from', sa.String(length=40), nullable=True),
        sa.Column('last_message_id', sa.String(length=40), nullable=True),
        sa.Column('first_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_refusal')),
    )
    with op.batch_alter_table('exchange_refusal', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_refusal_key',
                              ['remote_addr', 'reason', 'claimed_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_refusal_last_at'), ['last_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('exchange_refusal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_refusal_last_at'))
        batch_op.drop_index('ix_exchange_refusal_key')
    op.drop_table('exchange_refusal')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('mac')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('record_digests')
