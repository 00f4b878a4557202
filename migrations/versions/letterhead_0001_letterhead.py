"""Letterhead: the agency's letter code (ตช), the address, telephone, fax and e-mail of a
unit; an outside agency's address and saraban@ e-mail

Revision ID: letterhead_0001
Revises: ecms_sig_5d1e7a3b
Create Date: 2026-12-03 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'letterhead_0001'
down_revision = 'ecms_sig_5d1e7a3b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letter_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('telephone', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('fax', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=255), nullable=True))
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=255), nullable=True))


def downgrade():
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it): a batch copy of unit would
    # drop the old table, which the rows that refer to a unit forbid
    for column in ('email', 'address'):
        op.drop_column('agency', column)
    for column in ('email', 'fax', 'telephone', 'address', 'letter_code'):
        op.drop_column('unit', column)
