"""Measurement: cohorts and teams (from enrolment), measure definitions and plans, API keys,
batches, idempotency records, survey responses and aggregated values.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "cohort",
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", name="pk_cohort"),
    )
    op.create_table(
        "team",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("coach_id", sa.Uuid(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.cohort_id"], name="fk_team_cohort_id_cohort"
        ),
        sa.PrimaryKeyConstraint("team_id", name="pk_team"),
    )
    op.create_index("ix_team_organisation_id", "team", ["organisation_id"])
    op.create_index("ix_team_cohort_id", "team", ["cohort_id"])
    op.create_index("ix_team_coach_id", "team", ["coach_id"])
    op.create_table(
        "measure_definition",
        sa.Column("key", sa.String(63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("operational_definition", sa.Text(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("data_kind", sa.String(20), nullable=False),
        sa.Column("unit", sa.String(100), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=True),
        sa.Column("item_min", sa.Integer(), nullable=True),
        sa.Column("item_max", sa.Integer(), nullable=True),
        sa.Column("scoring", sa.String(20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("key", "version", name="pk_measure_definition"),
    )
    op.create_table(
        "plan_measure",
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("measure_key", sa.String(63), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.cohort_id"], name="fk_plan_measure_cohort_id_cohort"
        ),
        sa.PrimaryKeyConstraint("cohort_id", "measure_key", name="pk_plan_measure"),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_key"),
        sa.UniqueConstraint("prefix", name="uq_api_key_prefix"),
    )
    op.create_index("ix_api_key_organisation_id", "api_key", ["organisation_id"])
    op.create_table(
        "batch",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("new_rows", sa.Integer(), nullable=False),
        sa.Column("repeated_rows", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name="pk_batch"),
    )
    op.create_index("ix_batch_organisation_id", "batch", ["organisation_id"])
    op.create_table(
        "idempotency_record",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "key", name="pk_idempotency_record"),
    )
    op.create_table(
        "survey_response",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("measure_key", sa.String(63), nullable=False),
        sa.Column("measure_version", sa.SmallInteger(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("raw_score", sa.SmallInteger(), nullable=False),
        sa.Column("metric_x100", sa.SmallInteger(), nullable=True),
        sa.Column("items", sa.LargeBinary(50), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "client_id", name="pk_survey_response"),
    )
    op.create_index(
        "ix_survey_response_series",
        "survey_response",
        ["team_id", "measure_key", "responded_at"],
        postgresql_include=["week_start", "month_start", "raw_score", "metric_x100"],
    )
    op.create_table(
        "measure_value",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("measure_key", sa.String(63), nullable=False),
        sa.Column("measure_version", sa.SmallInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Numeric(14, 4), nullable=True),
        sa.Column("denominator", sa.Numeric(14, 4), nullable=True),
        sa.Column("value", sa.Numeric(14, 4), nullable=True),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "client_id", name="pk_measure_value"),
    )
    op.create_index(
        "ix_measure_value_series", "measure_value", ["team_id", "measure_key", "period_start"]
    )


def downgrade() -> None:
    op.drop_table("measure_value")
    op.drop_table("survey_response")
    op.drop_table("idempotency_record")
    op.drop_table("batch")
    op.drop_table("api_key")
    op.drop_table("plan_measure")
    op.drop_table("measure_definition")
    op.drop_table("team")
    op.drop_table("cohort")
