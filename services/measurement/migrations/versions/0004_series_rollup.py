"""Measurement read paths: per-day sums of responses (response_day) and a per team and measure
version that cached charts are keyed by (series_version). Existing responses are summed once.
"""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    day_table = op.create_table(
        "response_day",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("measure_key", sa.String(63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("raw_total", sa.BigInteger(), nullable=False),
        sa.Column("metric_total", sa.BigInteger(), nullable=True),
        sa.Column("promoters", sa.BigInteger(), nullable=False),
        sa.Column("detractors", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "measure_key", "day", name="pk_response_day"),
    )
    op.create_table(
        "series_version",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("measure_key", sa.String(63), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "measure_key", name="pk_series_version"),
    )
    _backfill(day_table)


def _backfill(day_table: sa.Table) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            """
            INSERT INTO response_day (team_id, measure_key, day, week_start, month_start, n,
                                      raw_total, metric_total, promoters, detractors)
            SELECT team_id, measure_key, (responded_at AT TIME ZONE 'Europe/London')::date,
                   min(week_start), min(month_start), count(*), sum(raw_score),
                   sum(metric_x100), sum(CASE WHEN raw_score >= 9 THEN 1 ELSE 0 END),
                   sum(CASE WHEN raw_score <= 6 THEN 1 ELSE 0 END)
            FROM survey_response
            GROUP BY 1, 2, 3
            """
        )
        return
    # SQLite keeps instants as UTC text: the London date is computed here, as ingestion does.
    from services.measurement.periods import london_buckets_for_hour

    totals: dict[tuple[Any, str, date], list[Any]] = {}
    rows = bind.execute(
        sa.text(
            "SELECT team_id, measure_key, responded_at, raw_score, metric_x100 FROM survey_response"
        )
    )
    for team_id, key, responded_at, raw, metric in rows:
        at = (
            responded_at
            if isinstance(responded_at, datetime)
            else datetime.fromisoformat(str(responded_at))
        )
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        week, month, day = london_buckets_for_hour(int(at.timestamp()) // 3600)
        acc = totals.setdefault((team_id, key, day), [week, month, 0, 0, None, 0, 0])
        acc[2] += 1
        acc[3] += raw
        if metric is not None:
            acc[4] = (acc[4] or 0) + metric
        acc[5] += raw >= 9
        acc[6] += raw <= 6
    if totals:
        op.bulk_insert(
            day_table,
            [
                {
                    "team_id": _uuid(team_id),
                    "measure_key": key,
                    "day": day,
                    "week_start": acc[0],
                    "month_start": acc[1],
                    "n": acc[2],
                    "raw_total": acc[3],
                    "metric_total": acc[4],
                    "promoters": acc[5],
                    "detractors": acc[6],
                }
                for (team_id, key, day), acc in totals.items()
            ],
        )


def _uuid(value: object) -> object:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def downgrade() -> None:
    op.drop_table("series_version")
    op.drop_table("response_day")
