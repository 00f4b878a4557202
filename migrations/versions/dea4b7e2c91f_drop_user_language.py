"""user_account: drop ``language``, never read nor written

The page language is the ``saraban_lang`` cookie (saraban/i18n.py); the column (and the
SARABAN_LANGUAGE setting beside it) was never used.

Revision ID: dea4b7e2c91f
Revises: wor7c1e5a9d2
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dea4b7e2c91f'
down_revision = 'wor7c1e5a9d2'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite (3.35+) drops a column in place; a batch copy of user_account would drop the
    # table every other one refers to, which its foreign keys refuse once there are users
    op.execute('ALTER TABLE user_account DROP COLUMN language')


def downgrade():
    op.add_column('user_account', sa.Column('language', sa.String(length=5),
                                            nullable=False, server_default='th'))
