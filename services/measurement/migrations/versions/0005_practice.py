"""Measurement as practitioners read it: measures taken from answers in a top box and period
values (their item wording, answer labels, top box, bounds and source), the top-box count in the
day sums, a cohort's lead-in, who uploaded a batch, and notes made from PDSA cycles (one per team,
measure, cycle and stage).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

_DEFINITION_COLUMNS = (
    sa.Column("question", sa.Text(), nullable=True),
    sa.Column("answer_labels", sa.JSON(), nullable=True),
    sa.Column("top_box_min", sa.Integer(), nullable=True),
    sa.Column("top_box_max", sa.Integer(), nullable=True),
    sa.Column("value_min", sa.Numeric(14, 4), nullable=True),
    sa.Column("value_max", sa.Numeric(14, 4), nullable=True),
    sa.Column("source", sa.Text(), nullable=True),
)


def upgrade() -> None:
    for column in _DEFINITION_COLUMNS:
        op.add_column("measure_definition", column)
    op.add_column("cohort", sa.Column("lead_in_months", sa.Integer(), nullable=True))
    op.add_column("response_day", sa.Column("successes", sa.BigInteger(), nullable=True))
    op.add_column("batch", sa.Column("uploaded_by", sa.String(200), nullable=True))
    op.add_column("chart_annotation", sa.Column("pdsa_cycle_id", sa.Uuid(), nullable=True))
    op.add_column("chart_annotation", sa.Column("pdsa_stage", sa.String(20), nullable=True))
    op.create_index(
        "ux_chart_annotation_pdsa",
        "chart_annotation",
        ["team_id", "measure_key", "pdsa_cycle_id", "pdsa_stage"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_chart_annotation_pdsa", table_name="chart_annotation")
    with op.batch_alter_table("chart_annotation") as batch:
        batch.drop_column("pdsa_stage")
        batch.drop_column("pdsa_cycle_id")
    with op.batch_alter_table("batch") as batch:
        batch.drop_column("uploaded_by")
    with op.batch_alter_table("response_day") as batch:
        batch.drop_column("successes")
    with op.batch_alter_table("cohort") as batch:
        batch.drop_column("lead_in_months")
    with op.batch_alter_table("measure_definition") as batch:
        for column in reversed(_DEFINITION_COLUMNS):
            batch.drop_column(column.name)
