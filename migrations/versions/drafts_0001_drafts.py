"""Outgoing letters: drafts, their versions and review line; each destination's delivery;
registers of orders (ทะเบียนคำสั่ง, ที่ ๑/๒๕๖๙); a unit's default review line

Revision ID: drafts_0001
Revises: signing_0001
Create Date: 2026-12-04 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'drafts_0001'
down_revision = 'signing_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('register', sa.Column('for_orders', sa.Boolean(),
                                        server_default=sa.false(), nullable=False))
    op.add_column('unit', sa.Column('review_line', sa.JSON(), nullable=True))
    op.create_table(
        'draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('secrecy', sa.SmallInteger(), nullable=False),
        sa.Column('urgency', sa.SmallInteger(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('parallel', sa.Boolean(), nullable=False),
        sa.Column('reply_to_id', sa.Integer(), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('signed_by_id', sa.Integer(), nullable=True),
        sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('capacity_text', sa.Text(), nullable=True),
        sa.Column('on_paper', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('return_note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_draft_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                                name=op.f('fk_draft_document_id_document')),
        sa.ForeignKeyConstraint(['reply_to_id'], ['document.id'],
                                name=op.f('fk_draft_reply_to_id_document')),
        sa.ForeignKeyConstraint(['signed_by_id'], ['user_account.id'],
                                name=op.f('fk_draft_signed_by_id_user_account')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_draft_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft')),
        sa.UniqueConstraint('document_id', name=op.f('uq_draft_document_id')),
    )
    op.create_index(op.f('ix_draft_created_by_id'), 'draft', ['created_by_id'])
    op.create_index(op.f('ix_draft_status'), 'draft', ['status'])
    op.create_index(op.f('ix_draft_unit_id'), 'draft', ['unit_id'])
    op.create_table(
        'draft_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                                name=op.f('fk_draft_version_author_id_user_account')),
        sa.ForeignKeyConstraint(['draft_id'], ['draft.id'],
                                name=op.f('fk_draft_version_draft_id_draft')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_version')),
    )
    op.create_index(op.f('ix_draft_version_draft_id'), 'draft_version', ['draft_id'])
    op.create_table(
        'draft_step',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('acted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['draft_id'], ['draft.id'],
                                name=op.f('fk_draft_step_draft_id_draft')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_draft_step_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_step')),
    )
    op.create_index(op.f('ix_draft_step_draft_id'), 'draft_step', ['draft_id'])
    op.create_index(op.f('ix_draft_step_status'), 'draft_step', ['status'])
    op.create_index(op.f('ix_draft_step_user_id'), 'draft_step', ['user_id'])
    op.create_table(
        'delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dispatch_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('address', sa.Text(), nullable=True),
        sa.Column('to_unit_id', sa.Integer(), nullable=True),
        sa.Column('peer_code', sa.String(length=40), nullable=True),
        sa.Column('tracking', sa.String(length=20), nullable=True),
        sa.Column('transfer_id', sa.Integer(), nullable=True),
        sa.Column('message_ref', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_delivery_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['dispatch_id'], ['dispatch.id'],
                                name=op.f('fk_delivery_dispatch_id_dispatch')),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                                name=op.f('fk_delivery_document_id_document')),
        sa.ForeignKeyConstraint(['to_unit_id'], ['unit.id'],
                                name=op.f('fk_delivery_to_unit_id_unit')),
        sa.ForeignKeyConstraint(['transfer_id'], ['transfer.id'],
                                name=op.f('fk_delivery_transfer_id_transfer')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    )
    op.create_index(op.f('ix_delivery_dispatch_id'), 'delivery', ['dispatch_id'])
    op.create_index(op.f('ix_delivery_document_id'), 'delivery', ['document_id'])


def downgrade():
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it): a batch copy of register would
    # drop the old table, which the rows that refer to a register forbid
    op.execute('ALTER TABLE register DROP COLUMN for_orders')
    op.execute('ALTER TABLE unit DROP COLUMN review_line')
    op.drop_table('delivery')
    op.drop_table('draft_step')
    op.drop_table('draft_version')
    op.drop_table('draft')
