"""Sessions: cohorts, programme sessions, rosters, coach allocations, places, attendance,
disengagements and calendar feed tokens.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "cohort",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("lead_in_months", sa.Integer(), nullable=False),
        sa.Column("coaching_months", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cohort"),
    )
    op.create_table(
        "programme_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("join_url", sa.String(500), nullable=True),
        sa.Column("venue", sa.String(500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cancel_reason", sa.String(500), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("draft_key", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name="fk_programme_session_cohort_id_cohort"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_programme_session"),
        sa.UniqueConstraint(
            "cohort_id", "draft_key", name="uq_programme_session_cohort_id_draft_key"
        ),
    )
    op.create_index("ix_programme_session_cohort_id", "programme_session", ["cohort_id"])
    op.create_index("ix_programme_session_starts_at", "programme_session", ["starts_at"])
    op.create_table(
        "roster_team",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_name", sa.String(200), nullable=False),
        sa.Column("team_name", sa.String(200), nullable=False),
        sa.Column("setting", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawal_reason", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name="fk_roster_team_cohort_id_cohort"
        ),
        sa.PrimaryKeyConstraint("team_id", name="pk_roster_team"),
    )
    op.create_index("ix_roster_team_cohort_id", "roster_team", ["cohort_id"])
    op.create_index("ix_roster_team_organisation_id", "roster_team", ["organisation_id"])
    op.create_table(
        "coach_allocation",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("coach_id", sa.Uuid(), nullable=False),
        sa.Column("coach_name", sa.String(200), nullable=True),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name="pk_coach_allocation"),
    )
    op.create_index("ix_coach_allocation_cohort_id", "coach_allocation", ["cohort_id"])
    op.create_index("ix_coach_allocation_coach_id", "coach_allocation", ["coach_id"])
    op.create_table(
        "place",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("queue_number", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"], ["programme_session.id"], name="fk_place_session_id_programme_session"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_place"),
    )
    op.create_index("ix_place_session_id", "place", ["session_id"])
    op.create_index("ix_place_team_id", "place", ["team_id"])
    op.create_table(
        "attendance",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["programme_session.id"],
            name="fk_attendance_session_id_programme_session",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_attendance"),
        sa.UniqueConstraint("session_id", "team_id", name="uq_attendance_session_id_team_id"),
    )
    op.create_index("ix_attendance_session_id", "attendance", ["session_id"])
    op.create_index("ix_attendance_team_id", "attendance", ["team_id"])
    op.create_table(
        "disengagement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("run_key", sa.Uuid(), nullable=False),
        sa.Column("missed_session_ids", sa.JSON(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disengagement"),
        sa.UniqueConstraint("team_id", "run_key", name="uq_disengagement_team_id_run_key"),
    )
    op.create_index("ix_disengagement_cohort_id", "disengagement", ["cohort_id"])
    op.create_index("ix_disengagement_team_id", "disengagement", ["team_id"])
    op.create_table(
        "feed_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_feed_token"),
        sa.UniqueConstraint("token_hash", name="uq_feed_token_token_hash"),
    )
    op.create_index("ix_feed_token_cohort_id", "feed_token", ["cohort_id"])


def downgrade() -> None:
    op.drop_table("feed_token")
    op.drop_table("disengagement")
    op.drop_table("attendance")
    op.drop_table("place")
    op.drop_table("coach_allocation")
    op.drop_table("roster_team")
    op.drop_table("programme_session")
    op.drop_table("cohort")
