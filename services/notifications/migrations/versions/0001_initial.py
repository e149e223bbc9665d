"""The notifications service's first schema: the platform tables (outbox, inbox, dead letters);
the copies of teams, coaches, organisations' accounts-payable mailboxes, sessions and overdue
invoices; messages (unique per event, recipient and kind), the delivery queue, preferences.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_platform_tables, drop_platform_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table(
        "coach",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach")),
    )
    op.create_table(
        "message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("essential", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("attachment_path", sa.String(length=300), nullable=True),
        sa.Column("attachment_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bodies_removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint(
            "event_key", "recipient", "kind", name=op.f("uq_message_event_key_recipient_kind")
        ),
    )
    op.create_index(op.f("ix_message_recipient"), "message", ["recipient"], unique=False)
    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("accounts_payable_email", sa.String(length=320), nullable=True),
        sa.Column("accounts_payable_name", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
    )
    op.create_table(
        "overdue_invoice",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("outstanding", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=True),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_overdue_invoice")),
    )
    op.create_table(
        "preference",
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recipient", "kind", name=op.f("pk_preference")),
    )
    op.create_table(
        "programme_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=True),
        sa.Column("join_url", sa.String(length=1000), nullable=True),
        sa.Column("venue", sa.String(length=500), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_session")),
    )
    op.create_index(
        op.f("ix_programme_session_cohort_id"), "programme_session", ["cohort_id"], unique=False
    )
    op.create_index(
        op.f("ix_programme_session_starts_at"), "programme_session", ["starts_at"], unique=False
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("team_name", sa.String(length=300), nullable=False),
        sa.Column("cohort_name", sa.String(length=300), nullable=True),
        sa.Column("organisation_name", sa.String(length=300), nullable=True),
        sa.Column("lead_name", sa.String(length=200), nullable=True),
        sa.Column("lead_email", sa.String(length=320), nullable=True),
        sa.Column("sponsor_name", sa.String(length=200), nullable=True),
        sa.Column("sponsor_email", sa.String(length=320), nullable=True),
        sa.Column("coach_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
    )
    op.create_index(op.f("ix_team_cohort_id"), "team", ["cohort_id"], unique=False)
    op.create_table(
        "delivery",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_delivery_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_delivery")),
    )
    op.create_index("ix_delivery_due", "delivery", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    for table in (
        "delivery",
        "team",
        "programme_session",
        "preference",
        "overdue_invoice",
        "organisation",
        "message",
        "coach",
    ):
        op.drop_table(table)
    drop_platform_tables()
