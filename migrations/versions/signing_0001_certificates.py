"""Signing certificates: a user's (issued by the agency's CA or uploaded as PKCS#12) or
the registry's numbering key, its private key kept encrypted

Revision ID: signing_0001
Revises: letterhead_0001
Create Date: 2026-12-04 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import saraban.db


# revision identifiers, used by Alembic.
revision = 'signing_0001'
down_revision = 'letterhead_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('not_before', saraban.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_after', saraban.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.Enum('agency_ca', 'pkcs12', name='source', native_enum=False, create_constraint=True, length=9), nullable=False),
    sa.Column('registry', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('revoked_at', saraban.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cert_pem', sa.Text(), nullable=False),
    sa.Column('key_blob', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', saraban.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('not_before < not_after', name=op.f('ck_signing_certificate_validity_order')),
    sa.CheckConstraint('registry OR user_id IS NOT NULL', name=op.f('ck_signing_certificate_holder_or_registry')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_signing_certificate_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_certificate')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_signing_certificate_fingerprint'))
    )
    with op.batch_alter_table('signing_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_certificate_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('signing_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_certificate_user_id'))
    op.drop_table('signing_certificate')
