"""register lines keep what they showed; paper registers continued at a number; a letter
that arrives twice by exchange waits marked

Revision ID: reg5e1c9a7b3f
Revises: acc5e1f3a9b2
Create Date: 2026-12-02 13:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'reg5e1c9a7b3f'
down_revision = 'acc5e1f3a9b2'
branch_labels = None
depends_on = None

_SNAPSHOT = ('doc_number', 'doc_date', 'doc_sender', 'doc_addressee', 'doc_subject',
             'doc_remarks')


def upgrade():
    # a number typed with its "ที่" was kept with it, and printed "ที่ ที่ ...": keep it without
    for prefix in ('เลขที่', 'ที่'):
        op.execute(sa.text(
            "UPDATE document SET number = TRIM(SUBSTR(number, :start)) "
            "WHERE number LIKE :pattern").bindparams(start=len(prefix) + 1,
                                                    pattern=prefix + '%'))
    op.execute("UPDATE document SET number = NULL WHERE number = ''")
    with op.batch_alter_table('register_counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_last_number', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_register_counter_paper_positive'),
            'paper_last_number IS NULL OR paper_last_number > 0')
    for table in ('receipt', 'dispatch'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('doc_number', sa.String(length=120), nullable=True))
            batch_op.add_column(sa.Column('doc_date', sa.Date(), nullable=True))
            batch_op.add_column(sa.Column('doc_sender', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('doc_addressee', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('doc_subject', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('doc_remarks', sa.Text(), nullable=True))
        # the lines already written show the document as it is now: the best there is
        op.execute(
            f"UPDATE {table} SET "
            f"doc_number = (SELECT number FROM document WHERE document.id = {table}.document_id), "
            f"doc_date = (SELECT doc_date FROM document WHERE document.id = {table}.document_id), "
            f"doc_sender = (SELECT sender_text FROM document "
            f"WHERE document.id = {table}.document_id), "
            f"doc_addressee = (SELECT addressee FROM document "
            f"WHERE document.id = {table}.document_id), "
            f"doc_subject = (SELECT subject FROM document WHERE document.id = {table}.document_id), "
            f"doc_remarks = (SELECT remarks FROM document WHERE document.id = {table}.document_id)")
    with op.batch_alter_table('exchange_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_exchange_message_duplicate_of_id_receipt'),
                                    'receipt', ['duplicate_of_id'], ['id'])


def downgrade():
    with op.batch_alter_table('exchange_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exchange_message_duplicate_of_id_receipt'),
                                 type_='foreignkey')
        batch_op.drop_column('duplicate_of_id')
    for table in ('dispatch', 'receipt'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(_SNAPSHOT):
                batch_op.drop_column(column)
    with op.batch_alter_table('register_counter', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_register_counter_paper_positive'), type_='check')
        batch_op.drop_column('paper_last_number')
