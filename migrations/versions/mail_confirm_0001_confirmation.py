"""The recipient's confirmation of a letter sent by e-mail: an arrival of kind
confirmation linked to the outgoing mail it answers (a bounce too), with the receipt
number it names and a bounce's reason

Revision ID: mail_confirm_0001
Revises: mail_intake_0001
Create Date: 2026-12-04 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'mail_confirm_0001'
down_revision = 'mail_intake_0001'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('letter', 'auto_reply', 'bounce', 'list', 'no_pdf')"
NEW_KINDS = "kind IN ('letter', 'auto_reply', 'bounce', 'list', 'no_pdf', 'confirmation')"


def upgrade():
    with op.batch_alter_table('mail_arrival', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outgoing_mail_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('receipt_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('bounce_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mail_arrival_outgoing_mail_id'),
                              ['outgoing_mail_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_mail_arrival_outgoing_mail_id_mail_outgoing'),
                                    'mail_outgoing', ['outgoing_mail_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_mail_arrival_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_mail_arrival_kind'), NEW_KINDS)
        batch_op.create_check_constraint(
            op.f('ck_mail_arrival_confirmation_mail'),
            "kind <> 'confirmation' OR outgoing_mail_id IS NOT NULL")


def downgrade():
    # the confirmations are kept, as the evidence they are: mails with no letter to register
    op.execute("UPDATE mail_arrival SET kind = 'no_pdf' WHERE kind = 'confirmation'")
    with op.batch_alter_table('mail_arrival', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_mail_arrival_confirmation_mail'), type_='check')
        batch_op.drop_constraint(op.f('ck_mail_arrival_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_mail_arrival_kind'), OLD_KINDS)
        batch_op.drop_constraint(batch_op.f('fk_mail_arrival_outgoing_mail_id_mail_outgoing'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mail_arrival_outgoing_mail_id'))
        batch_op.drop_column('bounce_reason')
        batch_op.drop_column('receipt_number')
        batch_op.drop_column('outgoing_mail_id')
