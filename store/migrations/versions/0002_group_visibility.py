"""Visibility may name a group ("group:<name>", a name as long as a user's): the column widens to 220.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":       # SQLite does not enforce a VARCHAR's length
        return
    op.alter_column("objects", "visibility", type_=sa.String(220), existing_type=sa.String(20),
                    existing_nullable=False, existing_server_default="private")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("objects", "visibility", type_=sa.String(20), existing_type=sa.String(220),
                        existing_nullable=False, existing_server_default="private")
