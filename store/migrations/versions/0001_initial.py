"""Users, versioned objects (datasets, stories, plans, rounds), their versions, the audit log, counters.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("last_seen", sa.String(40), nullable=False))
    op.create_table(
        "objects",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False, index=True),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("visibility", sa.String(20), nullable=False, server_default="private"),
        sa.Column("in_index", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("deleted_at", sa.String(40)),
        sa.Column("deleted_by", sa.String(200)))
    op.create_table(
        "versions",
        sa.Column("object_id", sa.String(80), sa.ForeignKey("objects.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("meta", sa.Text, nullable=False),
        sa.Column("blob", sa.LargeBinary))
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("object_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""))
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False))
    op.bulk_insert(counters, [{"name": "changes", "value": 0}])


def downgrade() -> None:
    for table in ("counters", "audit", "versions", "objects", "users"):
        op.drop_table(table)
