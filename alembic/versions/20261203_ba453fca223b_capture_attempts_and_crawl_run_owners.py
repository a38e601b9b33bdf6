"""Evidence is never rewritten, and a crawl's owner is known (issue 15)

- page_capture: a day may hold several attempts at a page (`attempt` 1, 2, ...; a re-run adds one
  instead of replacing the first), one of them the day's capture `of_record` (a partial unique index
  keeps it to one). Rows written before this revision are first attempts, of record;
- crawl_run: the `pid` and `host` of the process that owns it (a running run whose process is gone is
  abandoned), a note on why it ended early, and the statuses `stopped` and `abandoned`.

Revision ID: ba453fca223b
Revises: 3d329be18bc3
Create Date: 2026-12-03 14:01:50
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ba453fca223b"
down_revision: str | None = "3d329be18bc3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("running", "finished", "failed")
NEW_STATUSES = (*OLD_STATUSES, "stopped", "abandoned")


def _statuses(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    # crawl_run is small: copied on SQLite (a new CHECK constraint needs it), altered in place elsewhere.
    with op.batch_alter_table("crawl_run") as batch_op:
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("end_note", sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f("ck_crawl_run_runstatus"), type_="check")
        batch_op.create_check_constraint("runstatus", sa.text(_statuses(NEW_STATUSES)))

    with op.batch_alter_table("page_capture") as batch_op:
        batch_op.add_column(sa.Column("attempt", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("of_record", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.drop_constraint(op.f("uq_page_capture_page_id_capture_date"), type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_page_capture_page_id_capture_date_attempt"), ["page_id", "capture_date", "attempt"]
        )
    op.create_index(
        "uq_page_capture_of_record",
        "page_capture",
        ["page_id", "capture_date"],
        unique=True,
        sqlite_where=sa.text("of_record"),
        postgresql_where=sa.text("of_record"),
    )


def downgrade() -> None:
    # Only the captures of record can go back to one capture per page and day.
    op.execute(
        sa.text(
            "DELETE FROM slot_capture WHERE capture_id IN (SELECT id FROM page_capture WHERE NOT of_record)"
        )
    )
    op.execute(sa.text("DELETE FROM page_capture WHERE NOT of_record"))
    op.drop_index("uq_page_capture_of_record", table_name="page_capture")
    with op.batch_alter_table("page_capture") as batch_op:
        batch_op.drop_constraint(op.f("uq_page_capture_page_id_capture_date_attempt"), type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_page_capture_page_id_capture_date"), ["page_id", "capture_date"]
        )
        batch_op.drop_column("of_record")
        batch_op.drop_column("attempt")

    op.execute(sa.text("UPDATE crawl_run SET status = 'failed' WHERE status IN ('stopped', 'abandoned')"))
    with op.batch_alter_table("crawl_run") as batch_op:
        batch_op.drop_constraint(op.f("ck_crawl_run_runstatus"), type_="check")
        batch_op.create_check_constraint("runstatus", sa.text(_statuses(OLD_STATUSES)))
        batch_op.drop_column("end_note")
        batch_op.drop_column("host")
        batch_op.drop_column("pid")
