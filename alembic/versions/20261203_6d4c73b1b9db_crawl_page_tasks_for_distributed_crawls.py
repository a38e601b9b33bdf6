"""crawl page tasks: one leased row per (day, page) for crawls spread over Celery workers

Revision ID: 6d4c73b1b9db
Revises: 9ae175c775a9
Create Date: 2026-12-03 14:02:48.002564
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "6d4c73b1b9db"
down_revision: str | None = "9ae175c775a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crawl_page_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_date", sa.Date(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "claimed",
                "done",
                "failed",
                name="pagetaskstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"], ["crawl_run.id"], name=op.f("fk_crawl_page_task_crawl_run_id_crawl_run")
        ),
        sa.ForeignKeyConstraint(["page_id"], ["page.id"], name=op.f("fk_crawl_page_task_page_id_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_page_task")),
        sa.UniqueConstraint("crawl_date", "page_id", name=op.f("uq_crawl_page_task_crawl_date_page_id")),
    )
    with op.batch_alter_table("crawl_page_task", schema=None) as batch_op:
        batch_op.create_index("ix_crawl_page_task_day_batch", ["crawl_date", "batch"], unique=False)
        batch_op.create_index("ix_crawl_page_task_day_status", ["crawl_date", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crawl_page_task", schema=None) as batch_op:
        batch_op.drop_index("ix_crawl_page_task_day_status")
        batch_op.drop_index("ix_crawl_page_task_day_batch")

    op.drop_table("crawl_page_task")
