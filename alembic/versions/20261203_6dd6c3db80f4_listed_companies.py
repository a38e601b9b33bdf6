"""The office's company lists: companies known not to be customers, for matching's open world

Revision ID: 6dd6c3db80f4
Revises: 5ca1e19a0b01
Create Date: 2026-12-03 14:02:25.652741
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "6dd6c3db80f4"
down_revision: str | None = "5ca1e19a0b01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listed_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("list_name", sa.String(length=100), nullable=True),
        sa.Column("imported_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listed_company")),
        sa.UniqueConstraint("name", name=op.f("uq_listed_company_name")),
    )


def downgrade() -> None:
    op.drop_table("listed_company")
