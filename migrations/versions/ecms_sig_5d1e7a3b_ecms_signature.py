"""e-CMS XML-DSig: what verifying a pulled letter's ds:Signature found (absent / valid /
invalid, its algorithms, whether a trusted certificate signed it, the signer), and how a letter
we sent was signed

Revision ID: ecms_sig_5d1e7a3b
Revises: ecms_store_a1b2c3d4
Create Date: 2026-12-03 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ecms_sig_5d1e7a3b'
down_revision = 'ecms_store_a1b2c3d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ecms_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature_status', sa.Enum('absent', 'valid', 'invalid', name='ecms_signature_status', native_enum=False, create_constraint=True), nullable=True))
        batch_op.add_column(sa.Column('signature_method', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signature_digest', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signature_trusted', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('signer_subject', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('signature_reason', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_ecms_message_trusted_only_valid'),
            "signature_trusted IS NULL OR NOT signature_trusted OR signature_status = 'valid'")
        batch_op.create_check_constraint(
            batch_op.f('ck_ecms_message_invalid_says_why'),
            "signature_status IS NULL OR signature_status <> 'invalid' "
            "OR signature_reason IS NOT NULL")


def downgrade():
    with op.batch_alter_table('ecms_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_ecms_message_invalid_says_why'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_ecms_message_trusted_only_valid'), type_='check')
        # the CHECK of the signature_status enum (SQLite's table copy would keep it otherwise)
        batch_op.drop_constraint(batch_op.f('ck_ecms_message_ecms_signature_status'),
                                 type_='check')
        batch_op.drop_column('signature_reason')
        batch_op.drop_column('signer_subject')
        batch_op.drop_column('signature_trusted')
        batch_op.drop_column('signature_digest')
        batch_op.drop_column('signature_method')
        batch_op.drop_column('signature_status')
