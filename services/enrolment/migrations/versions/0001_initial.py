"""Enrolment: platform tables, organisations, cohorts, QI coaches, teams (EOIs).
"""

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_platform_tables, drop_platform_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("ods_code", sa.String(5), nullable=True),
        sa.Column("nation", sa.String(20), nullable=False),
        sa.Column("invoicing_address", sa.JSON(), nullable=False),
        sa.Column("payables_code", sa.String(4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisation"),
        sa.UniqueConstraint("ods_code", name="uq_organisation_ods_code"),
    )
    op.create_table(
        "cohort",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("eoi_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minimum_teams", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("lead_in_months", sa.Integer(), nullable=False),
        sa.Column("coaching_months", sa.Integer(), nullable=False),
        sa.Column("fee_per_team", sa.Numeric(12, 2), nullable=False),
        sa.Column("multi_team_discount", sa.Numeric(6, 4), nullable=False),
        sa.Column("vat_rate", sa.Numeric(6, 4), nullable=False),
        sa.Column("withdrawal_credit_cutoff", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_override_reason", sa.Text(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("viable_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cohort"),
    )
    op.create_table(
        "coach",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coach"),
        sa.UniqueConstraint("email", name="uq_coach_email"),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("setting", sa.String(20), nullable=False),
        sa.Column("service_type", sa.String(200), nullable=False),
        sa.Column("project_lead", sa.JSON(), nullable=False),
        sa.Column("senior_sponsor", sa.JSON(), nullable=False),
        sa.Column("project_team", sa.JSON(), nullable=False),
        sa.Column("service_user_involvement", sa.Text(), nullable=True),
        sa.Column("agreed_to_take_part", sa.Boolean(), nullable=False),
        sa.Column("can_meet_commitment", sa.Boolean(), nullable=False),
        sa.Column("purchase_order", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("late_entry", sa.Boolean(), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organisation_team_count", sa.Integer(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("coach_id", sa.Uuid(), nullable=True),
        sa.Column("carried_from_team_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name="fk_team_cohort_id_cohort"),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name="fk_team_organisation_id_organisation"
        ),
        sa.ForeignKeyConstraint(["coach_id"], ["coach.id"], name="fk_team_coach_id_coach"),
        sa.ForeignKeyConstraint(
            ["carried_from_team_id"], ["team.id"], name="fk_team_carried_from_team_id_team"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_team"),
        sa.UniqueConstraint(
            "cohort_id", "carried_from_team_id", name="uq_team_cohort_carried_from"
        ),
    )
    op.create_index("ix_team_cohort_id", "team", ["cohort_id"])
    op.create_index("ix_team_organisation_id", "team", ["organisation_id"])
    op.create_index("ix_team_coach_id", "team", ["coach_id"])
    op.create_index("ix_team_cohort_status", "team", ["cohort_id", "status"])


def downgrade() -> None:
    op.drop_table("team")
    op.drop_table("coach")
    op.drop_table("cohort")
    op.drop_table("organisation")
    drop_platform_tables()
