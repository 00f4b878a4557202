"""The saraban@ mailbox: where its reading stands, and the mails taken (arrivals)

Revision ID: mail_0001
Revises: intake_0001
Create Date: 2026-12-04 02:28:35.826434

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'mail_0001'
down_revision = 'intake_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailbox_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=500), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_state')),
    sa.UniqueConstraint('mailbox', name=op.f('uq_mailbox_state_mailbox'))
    )
    op.create_table('mail_arrival',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=500), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('uid', sa.BigInteger(), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('from_address', sa.String(length=255), nullable=False),
    sa.Column('from_name', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('in_reply_to', sa.String(length=255), nullable=True),
    sa.Column('reference_ids', sa.JSON(), nullable=True),
    sa.Column('raw_file_id', sa.Integer(), nullable=False),
    sa.Column('main_file_id', sa.Integer(), nullable=True),
    sa.Column('main_filename', sa.String(length=255), nullable=True),
    sa.Column('enclosures', sa.JSON(), nullable=False),
    sa.Column('refused', sa.JSON(), nullable=False),
    sa.Column('auth_results', sa.JSON(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('moved', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('letter', 'auto_reply', 'bounce', 'list', 'no_pdf')", name=op.f('ck_mail_arrival_kind')),
    sa.CheckConstraint("status <> 'registered' OR document_id IS NOT NULL", name=op.f('ck_mail_arrival_registered_document')),
    sa.CheckConstraint("status IN ('waiting', 'registered', 'ignored')", name=op.f('ck_mail_arrival_status')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_mail_arrival_document_id_document')),
    sa.ForeignKeyConstraint(['main_file_id'], ['stored_file.id'], name=op.f('fk_mail_arrival_main_file_id_stored_file')),
    sa.ForeignKeyConstraint(['raw_file_id'], ['stored_file.id'], name=op.f('fk_mail_arrival_raw_file_id_stored_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_arrival')),
    sa.UniqueConstraint('mailbox', 'message_id', name=op.f('uq_mail_arrival_mailbox_message_id'))
    )
    op.create_index(op.f('ix_mail_arrival_status'), 'mail_arrival', ['status'])


def downgrade():
    op.drop_table('mail_arrival')
    op.drop_table('mailbox_state')
