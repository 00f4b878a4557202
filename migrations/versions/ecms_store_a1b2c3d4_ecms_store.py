"""e-CMS store: the node's code lists and directory (with their fetch time), the
administrator's level-to-code mapping, and every e-CMS message pulled or sent (raw XML and its
SHA-256; a pulled item unique on the node's ProcessID)

Revision ID: ecms_store_a1b2c3d4
Revises: dea4b7e2c91f
Create Date: 2026-12-03 11:50:50.213716

"""
from alembic import op
import sqlalchemy as sa

import saraban.db


# revision identifiers, used by Alembic.
revision = 'ecms_store_a1b2c3d4'
down_revision = 'dea4b7e2c91f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ecms_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_name', sa.Enum('secret', 'speed', name='code_list', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('fetched_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecms_code')),
    sa.UniqueConstraint('list_name', 'value', name=op.f('uq_ecms_code_list_name_value'))
    )
    op.create_table('ecms_mime_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('extension', sa.String(length=20), nullable=False),
    sa.Column('content_type', sa.String(length=150), nullable=False),
    sa.Column('fetched_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecms_mime_code')),
    sa.UniqueConstraint('extension', name=op.f('uq_ecms_mime_code_extension'))
    )
    with op.batch_alter_table('ecms_mime_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ecms_mime_code_content_type'), ['content_type'], unique=False)

    op.create_table('ecms_ministry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ministry_id', sa.String(length=10), nullable=False),
    sa.Column('th_name', sa.String(length=255), nullable=False),
    sa.Column('fetched_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecms_ministry')),
    sa.UniqueConstraint('ministry_id', name=op.f('uq_ecms_ministry_ministry_id'))
    )
    op.create_table('ecms_organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.String(length=10), nullable=False),
    sa.Column('th_name', sa.String(length=255), nullable=False),
    sa.Column('en_name', sa.String(length=255), nullable=True),
    sa.Column('ecms_url', sa.String(length=500), nullable=True),
    sa.Column('fetched_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(organization_id) = 10', name=op.f('ck_ecms_organization_ten_digits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecms_organization')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_ecms_organization_organization_id'))
    )
    with op.batch_alter_table('ecms_organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ecms_organization_th_name'), ['th_name'], unique=False)

    op.create_table('ecms_level_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('secrecy', 'urgency', name='level_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('mapped_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('level BETWEEN 0 AND 3', name=op.f('ck_ecms_level_map_level_range')),
    sa.ForeignKeyConstraint(['mapped_by_id'], ['user_account.id'], name=op.f('fk_ecms_level_map_mapped_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecms_level_map')),
    sa.UniqueConstraint('kind', 'code', name=op.f('uq_ecms_level_map_kind_code')),
    sa.UniqueConstraint('kind', 'level', name=op.f('uq_ecms_level_map_kind_level'))
    )
    op.create_table('ecms_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('out', 'in', name='ecms_direction', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('operation', sa.String(length=40), nullable=False),
    sa.Column('process_id', sa.String(length=100), nullable=True),
    sa.Column('process_time', sa.String(length=60), nullable=True),
    sa.Column('letter_id', sa.String(length=200), nullable=True),
    sa.Column('correspondence_date', sa.Date(), nullable=True),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('counterpart_id', sa.String(length=10), nullable=True),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('raw_sha256', sa.String(length=64), nullable=True),
    sa.Column('state', sa.Enum('queued', 'sent', 'received', 'accepted', 'rejected', 'invalid', 'withdrawn', 'failed', 'unknown', 'stored', 'pending', 'registered', 'refused', 'applied', 'unmatched', 'duplicate', name='ecms_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('accept_id', sa.String(length=60), nullable=True),
    sa.Column('accept_date', sa.String(length=60), nullable=True),
    sa.Column('letter_message_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('receipt_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', saraban.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pulled_at', saraban.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', saraban.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', saraban.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction = 'out' OR process_id IS NOT NULL", name=op.f('ck_ecms_message_pulled_has_process_id')),
    sa.CheckConstraint("state <> 'accepted' OR accept_id IS NOT NULL", name=op.f('ck_ecms_message_accepted_has_accept_id')),
    sa.CheckConstraint('(raw IS NULL) = (raw_sha256 IS NULL)', name=op.f('ck_ecms_message_raw_with_digest')),
    sa.CheckConstraint('counterpart_id IS NULL OR length(counterpart_id) = 10', name=op.f('ck_ecms_message_counterpart_ten_digits')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_ecms_message_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_ecms_message_document_id_document')),
    sa.ForeignKeyConstraint(['letter_message_id'], ['ecms_message.id'], name=op.f('fk_ecms_message_letter_message_id_ecms_message')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_ecms_message_receipt_id_receipt')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecms_message')),
    sa.UniqueConstraint('direction', 'process_id', name=op.f('uq_ecms_message_direction_process_id'))
    )
    with op.batch_alter_table('ecms_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ecms_message_counterpart_id'), ['counterpart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ecms_message_document_id'), ['document_id'], unique=False)
        batch_op.create_index('ix_ecms_message_letter', ['letter_id', 'correspondence_date', 'counterpart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ecms_message_letter_message_id'), ['letter_message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ecms_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ecms_message_letter_message_id'))
        batch_op.drop_index('ix_ecms_message_letter')
        batch_op.drop_index(batch_op.f('ix_ecms_message_document_id'))
        batch_op.drop_index(batch_op.f('ix_ecms_message_counterpart_id'))

    op.drop_table('ecms_message')
    op.drop_table('ecms_level_map')
    with op.batch_alter_table('ecms_organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ecms_organization_th_name'))

    op.drop_table('ecms_organization')
    op.drop_table('ecms_ministry')
    with op.batch_alter_table('ecms_mime_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ecms_mime_code_content_type'))

    op.drop_table('ecms_mime_code')
    op.drop_table('ecms_code')
