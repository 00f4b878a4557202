"""transfer: when it was pulled back, and when the sender saw it returned

A recall is shown in the document's history at its own time (``recalled_at``); a
returned transfer waits on the sender's home page until he acknowledges it or sends the
document on again (``return_seen_at``).

Revision ID: wor7c1e5a9d2
Revises: reg5e1c9a7b3f
Create Date: 2026-12-02 13:30:00

"""
from alembic import op
import sqlalchemy as sa

import saraban.db


# revision identifiers, used by Alembic.
revision = 'wor7c1e5a9d2'
down_revision = 'reg5e1c9a7b3f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recalled_at', saraban.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('return_seen_at', saraban.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_column('return_seen_at')
        batch_op.drop_column('recalled_at')
