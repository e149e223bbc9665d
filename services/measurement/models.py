"""The measurement service's tables.

Observations are written in bulk through SQLAlchemy Core (COPY on PostgreSQL), never one ORM
object per row; their primary key is the trust's own row id within its organisation, which is what
makes re-posting a batch a no-op. Period buckets (London weeks and months) are stored with each
response so series are a plain GROUP BY on both PostgreSQL and SQLite.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ServiceBase, UTCDateTime, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class Cohort(Base):
    """A cohort measurement has heard of; its plan is seeded from the default when first seen."""

    __tablename__ = "cohort"

    cohort_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    # The lead-in before coaching starts (the collaborative's report takes the baseline to end
    # where coaching starts); None for cohorts heard of before it was kept.
    lead_in_months: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Team(Base):
    __tablename__ = "team"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.cohort_id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    coach_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)


class MeasureDefinitionRow(Base):
    """One version of a measure's definition; versions are only ever added."""

    __tablename__ = "measure_definition"

    key: Mapped[str] = mapped_column(String(63), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    operational_definition: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20))
    data_kind: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(10))
    item_count: Mapped[int | None] = mapped_column(Integer)
    item_min: Mapped[int | None] = mapped_column(Integer)
    item_max: Mapped[int | None] = mapped_column(Integer)
    scoring: Mapped[str | None] = mapped_column(String(20))
    question: Mapped[str | None] = mapped_column(Text)
    answer_labels: Mapped[list[str] | None] = mapped_column(JSON)
    top_box_min: Mapped[int | None] = mapped_column(Integer)
    top_box_max: Mapped[int | None] = mapped_column(Integer)
    value_min: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    value_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))


class PlanMeasure(Base):
    """A measure on a cohort's measurement plan."""

    __tablename__ = "plan_measure"

    cohort_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cohort.cohort_id"), primary_key=True)
    measure_key: Mapped[str] = mapped_column(String(63), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The cohort's target for the measure (charts show it and judge assurance against it).
    target: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))


class ApiKey(Base):
    """An organisation-scoped key for a trust system; only the hash of the secret is kept."""

    __tablename__ = "api_key"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Batch(Base):
    """An accepted batch (the rows themselves are in survey_response / measure_value): posted by a
    trust system's API key, or uploaded by a person for one team."""

    __tablename__ = "batch"

    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    new_rows: Mapped[int] = mapped_column(Integer)
    repeated_rows: Mapped[int] = mapped_column(Integer)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdempotencyRecord(Base):
    """The first answer to a batch post with an ``Idempotency-Key`` (keys are per organisation)."""

    __tablename__ = "idempotency_record"

    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    # NULL while the first request is still in flight.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SurveyResponse(Base):
    """One anonymous individual response, scored. No name, email or staff id exists here."""

    __tablename__ = "survey_response"

    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    measure_key: Mapped[str] = mapped_column(String(63))
    measure_version: Mapped[int] = mapped_column(SmallInteger)
    responded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    week_start: Mapped[date] = mapped_column(Date)
    month_start: Mapped[date] = mapped_column(Date)
    raw_score: Mapped[int] = mapped_column(SmallInteger)
    metric_x100: Mapped[int | None] = mapped_column(SmallInteger)  # SWEMWBS metric, hundredths
    items: Mapped[bytes] = mapped_column(LargeBinary(50))  # the answers, one byte each
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)

    __table_args__ = (
        # Series reads: one team and measure over a date range, answered from the index alone.
        Index(
            "ix_survey_response_series",
            "team_id",
            "measure_key",
            "responded_at",
            postgresql_include=["week_start", "month_start", "raw_score", "metric_x100"],
        ),
    )


class MeasureValue(Base):
    """One aggregated value (count, or numerator/denominator) for a team, measure and period."""

    __tablename__ = "measure_value"

    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    measure_key: Mapped[str] = mapped_column(String(63))
    measure_version: Mapped[int] = mapped_column(SmallInteger)
    period_start: Mapped[date] = mapped_column(Date)
    numerator: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    denominator: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)

    __table_args__ = (Index("ix_measure_value_series", "team_id", "measure_key", "period_start"),)


class ChartAnnotation(Base):
    """A note on a period of a team's measure ("started PDSA 2: huddles"), shown on its charts.

    ``day`` is the London date given; a chart places it on the period holding it (a weekly or
    monthly view of the same measure puts it on its week or its month). Notes made from a PDSA
    cycle (``improvement.pdsa.started`` / ``.completed``) name the cycle and the stage: one note
    per team, measure, cycle and stage, however often the event comes."""

    __tablename__ = "chart_annotation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("team.team_id"))
    measure_key: Mapped[str] = mapped_column(String(63))
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    pdsa_cycle_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    pdsa_stage: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_chart_annotation_team", "team_id", "measure_key", "day"),
        Index(
            "ux_chart_annotation_pdsa",
            "team_id",
            "measure_key",
            "pdsa_cycle_id",
            "pdsa_stage",
            unique=True,
        ),
    )


class FiredSignal(Base):
    """A signal already recorded as ``measurement.signal.detected`` for a team and measure.

    The key is the engine's (rule, class, first period): re-posting data, or a run growing by a
    point, gives the same key, and the primary key makes recording it a second time impossible.
    """

    __tablename__ = "fired_signal"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    measure_key: Mapped[str] = mapped_column(String(63), primary_key=True)
    signal_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ResponseDay(Base):
    """Per team, measure and London date: the sums of that day's responses, kept by ingestion in
    the batch's own transaction (only rows it actually inserted count), so a series read sums a
    few hundred days instead of every response. Any London date range is a whole number of
    days, so the answer is exact for every range a series or chart may ask for."""

    __tablename__ = "response_day"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    measure_key: Mapped[str] = mapped_column(String(63), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date)
    month_start: Mapped[date] = mapped_column(Date)
    n: Mapped[int] = mapped_column(BigInteger)
    raw_total: Mapped[int] = mapped_column(BigInteger)
    metric_total: Mapped[int | None] = mapped_column(BigInteger)  # NULL: no row had a metric
    promoters: Mapped[int] = mapped_column(BigInteger)  # raw score >= 9 (net promoter)
    detractors: Mapped[int] = mapped_column(BigInteger)  # raw score <= 6
    # Responses in the measure's top box (NULL: the measure has none).
    successes: Mapped[int | None] = mapped_column(BigInteger)


class SeriesVersion(Base):
    """A counter per team and measure, raised in the same transaction as anything that changes
    the team's charts of it (new rows, a note): cached charts are keyed by it, and because it is
    read from the database every replica sees the change."""

    __tablename__ = "series_version"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    measure_key: Mapped[str] = mapped_column(String(63), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
