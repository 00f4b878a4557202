"""search text per document: pg_trgm on PostgreSQL, FTS5 trigram on SQLite

Revision ID: a7c1e2f3b4d5
Revises: f1c2d3e4a5b6
Create Date: 2026-11-24 19:25:00

After upgrading an installation that already holds documents, run
``saraban search reindex`` once: new changes are indexed as they are made.
"""
from alembic import op
import sqlalchemy as sa

import saraban.db  # noqa: F401


revision = 'a7c1e2f3b4d5'
down_revision = 'f1c2d3e4a5b6'
branch_labels = None
depends_on = None

_SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(content, content='search_text', "
    "content_rowid='document_id', tokenize='trigram')",
    "CREATE TRIGGER search_text_ai AFTER INSERT ON search_text BEGIN "
    "INSERT INTO search_fts(rowid, content) VALUES (new.document_id, new.content); END",
    "CREATE TRIGGER search_text_ad AFTER DELETE ON search_text BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, content) "
    "VALUES ('delete', old.document_id, old.content); END",
    "CREATE TRIGGER search_text_au AFTER UPDATE ON search_text BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, content) "
    "VALUES ('delete', old.document_id, old.content); "
    "INSERT INTO search_fts(rowid, content) VALUES (new.document_id, new.content); END",
]


def upgrade():
    op.create_table(
        'search_text',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                                name=op.f('fk_search_text_document_id_document'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_id', name=op.f('pk_search_text')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_search_text_trgm ON search_text "
                   "USING gin (content gin_trgm_ops)")
    else:
        for statement in _SQLITE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_search_text_trgm")
    else:
        for name in ('search_text_au', 'search_text_ad', 'search_text_ai'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table('search_text')
