"""Mail out: the outbox of messages sent from the saraban@ address

Revision ID: mail_out_0001
Revises: mail_0001
Create Date: 2026-12-04 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'mail_out_0001'
down_revision = 'mail_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_outgoing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('kind', sa.Enum('letter', 'receipt_confirmation', 'notification',
                                  name='mail_kind', native_enum=False, create_constraint=True,
                                  length=20), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('in_reply_to', sa.String(length=998), nullable=True),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'sent', 'failed', name='mail_status',
                                    native_enum=False, create_constraint=True, length=6),
                  nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)",
                           name=op.f('ck_mail_outgoing_sent_has_sent_at')),
        sa.CheckConstraint("status <> 'queued' OR next_attempt_at IS NOT NULL",
                           name=op.f('ck_mail_outgoing_queued_has_next_attempt')),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                                name=op.f('fk_mail_outgoing_document_id_document')),
        sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'],
                                name=op.f('fk_mail_outgoing_file_id_stored_file')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outgoing')),
        sa.UniqueConstraint('message_id', name=op.f('uq_mail_outgoing_message_id')),
    )
    op.create_index(op.f('ix_mail_outgoing_document_id'), 'mail_outgoing', ['document_id'])
    op.create_index(op.f('ix_mail_outgoing_in_reply_to'), 'mail_outgoing', ['in_reply_to'])
    op.create_index('ix_mail_outgoing_due', 'mail_outgoing', ['status', 'next_attempt_at'])


def downgrade():
    op.drop_table('mail_outgoing')
