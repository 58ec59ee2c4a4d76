"""anomaly holds: the merchant's recent figures per series, and the records held for review

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 04:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('anomaly_observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=191), nullable=False),
    sa.Column('business_key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('series', 'business_key', name='uq_observation')
    )
    with op.batch_alter_table('anomaly_observations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anomaly_observations_series'), ['series'], unique=False)

    op.create_table('holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('business_key', sa.String(length=128), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('step', sa.String(length=128), nullable=True),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('kwargs', sa.JSON(), nullable=False),
    sa.Column('inbox_ids', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subject')
    )
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holds_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_holds_business_key'), ['business_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_holds_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holds_status'))
        batch_op.drop_index(batch_op.f('ix_holds_business_key'))
        batch_op.drop_index(batch_op.f('ix_holds_kind'))
    op.drop_table('holds')
    with op.batch_alter_table('anomaly_observations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anomaly_observations_series'))
    op.drop_table('anomaly_observations')
