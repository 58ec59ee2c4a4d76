"""inventory and catalog: stock levels per SKU and warehouse, and the product index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 03:53:41.907069
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('known_skus',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('sku', sa.String(length=128), nullable=False),
    sa.Column('in_magento', sa.Boolean(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('stock_item_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('stock_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=128), nullable=False),
    sa.Column('warehouse', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.String(length=40), nullable=False),
    sa.Column('bng_updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('needs_refresh', sa.Boolean(), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pending_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sku', 'warehouse', name='uq_stock_level')
    )
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_levels_claim'), ['claim'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_levels_pending_since'), ['pending_since'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_levels_sku'), ['sku'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_levels_sku'))
        batch_op.drop_index(batch_op.f('ix_stock_levels_pending_since'))
        batch_op.drop_index(batch_op.f('ix_stock_levels_claim'))

    op.drop_table('stock_levels')
    op.drop_table('known_skus')
