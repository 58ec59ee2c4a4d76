"""customer sync: the last agreed state of each linked customer pair

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 06:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_sync',
    sa.Column('magento_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('bng_id', sa.String(length=64), nullable=False),
    sa.Column('digests', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('magento_version', sa.String(length=32), nullable=True),
    sa.Column('bng_version', sa.String(length=32), nullable=True),
    sa.Column('magento_written', sa.String(length=64), nullable=True),
    sa.Column('bng_written', sa.String(length=64), nullable=True),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('magento_id')
    )
    with op.batch_alter_table('customer_sync', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_sync_bng_id'), ['bng_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('customer_sync', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_sync_bng_id'))

    op.drop_table('customer_sync')
