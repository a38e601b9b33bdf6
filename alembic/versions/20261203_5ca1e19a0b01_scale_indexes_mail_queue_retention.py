"""At production size (issue 19): the indexes the plans ask for, the mail queue, retention's progress

- page_capture: indexes on its screenshot and HTML hashes (retention asks "who else uses this file"),
  and `retention_checked`, so each old capture's files are looked at once, not on every run;
- sighting: an index on the element screenshot hash (retention keeps page files that are also an
  element screenshot), and the advertiser/day index widened to cover slot and house-ad flag (leads and
  the review queue count an advertiser's sightings in a window from the index alone);
- advertiser_day and advertiser_day_source: each advertiser's sightings summed per day, kept a day at a
  time, so the leads over weeks read thousands of rows instead of hundreds of thousands of sightings;
- published_mail: the rendered message, status, attempts and error, so mails are queued first and sent
  outside any transaction; rows written before this revision are mails already sent.

Revision ID: 5ca1e19a0b01
Revises: 6639d0a2d474
Create Date: 2026-11-28 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5ca1e19a0b01"
down_revision: str | None = "6639d0a2d474"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX (no batch copy): sighting holds millions of rows.
    op.add_column(
        "page_capture",
        sa.Column("retention_checked", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index("ix_page_capture_html_sha256", "page_capture", ["html_sha256"])
    op.create_index("ix_page_capture_screenshot_sha256", "page_capture", ["screenshot_sha256"])
    op.create_index("ix_sighting_element_screenshot_sha256", "sighting", ["element_screenshot_sha256"])
    op.create_index(
        "ix_sighting_advertiser_day_slot",
        "sighting",
        ["advertiser_id", "seen_date", "slot_id", "is_house_ad"],
    )
    op.drop_index("ix_sighting_advertiser_date", table_name="sighting")
    op.create_table(
        "advertiser_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("advertiser_id", sa.Integer(), nullable=False),
        sa.Column("sightings", sa.Integer(), nullable=False),
        sa.Column("banner", sa.Boolean(), nullable=False),
        sa.Column("logo", sa.Boolean(), nullable=False),
        sa.Column("sites", sa.String(length=500), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["advertiser_id"], ["advertiser.id"], name=op.f("fk_advertiser_day_advertiser_id_advertiser")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advertiser_day")),
        sa.UniqueConstraint("day", "advertiser_id", name=op.f("uq_advertiser_day_day_advertiser_id")),
    )
    op.create_index(op.f("ix_advertiser_day_advertiser_id"), "advertiser_day", ["advertiser_id"])
    op.create_table(
        "advertiser_day_source",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("captures", sa.Integer(), nullable=False),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_advertiser_day_source")),
    )
    with op.batch_alter_table("published_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), server_default="sent", nullable=False))
        batch_op.add_column(sa.Column("message", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("size_bytes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("sent_at", existing_type=sa.DateTime(timezone=True), nullable=True)


def downgrade() -> None:
    op.drop_table("advertiser_day_source")
    op.drop_index(op.f("ix_advertiser_day_advertiser_id"), table_name="advertiser_day")
    op.drop_table("advertiser_day")
    with op.batch_alter_table("published_mail", schema=None) as batch_op:
        batch_op.alter_column("sent_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        for column in ("claimed_at", "queued_at", "attempts", "error", "size_bytes", "message", "status"):
            batch_op.drop_column(column)
    op.create_index("ix_sighting_advertiser_date", "sighting", ["advertiser_id", "seen_date"])
    op.drop_index("ix_sighting_advertiser_day_slot", table_name="sighting")
    op.drop_index("ix_sighting_element_screenshot_sha256", table_name="sighting")
    op.drop_index("ix_page_capture_screenshot_sha256", table_name="page_capture")
    op.drop_index("ix_page_capture_html_sha256", table_name="page_capture")
    with op.batch_alter_table("page_capture", schema=None) as batch_op:
        batch_op.drop_column("retention_checked")
