"""Measurement analytics: a cohort's target per planned measure, chart annotations, and the
signals already recorded per team and measure.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("plan_measure", sa.Column("target", sa.Numeric(14, 4), nullable=True))
    op.create_table(
        "chart_annotation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("measure_key", sa.String(63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.team_id"], name="fk_chart_annotation_team_id_team"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_chart_annotation"),
    )
    op.create_index(
        "ix_chart_annotation_team", "chart_annotation", ["team_id", "measure_key", "day"]
    )
    op.create_table(
        "fired_signal",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("measure_key", sa.String(63), nullable=False),
        sa.Column("signal_key", sa.String(200), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "measure_key", "signal_key", name="pk_fired_signal"),
    )


def downgrade() -> None:
    op.drop_table("fired_signal")
    op.drop_index("ix_chart_annotation_team", table_name="chart_annotation")
    op.drop_table("chart_annotation")
    with op.batch_alter_table("plan_measure") as batch:
        batch.drop_column("target")
