"""Sessions: a cohort's default joining details, closed registers, materials per session, the
team feed's revision after a withdrawal, and the coach e-mail digest that erasure looks for.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("cohort", sa.Column("default_join_url", sa.String(500), nullable=True))
    op.add_column("cohort", sa.Column("default_venue", sa.String(500), nullable=True))
    op.add_column(
        "programme_session",
        sa.Column("register_closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "programme_session", sa.Column("register_closed_by", sa.String(200), nullable=True)
    )
    op.add_column(
        "roster_team",
        sa.Column("feed_revision", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "roster_team", sa.Column("feed_changed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("coach_allocation", sa.Column("coach_email_digest", sa.String(64), nullable=True))
    op.create_index(
        "ix_coach_allocation_coach_email_digest", "coach_allocation", ["coach_email_digest"]
    )
    op.add_column(
        "attendance",
        sa.Column(
            "counted_absent_at_close", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.create_table(
        "session_material",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["programme_session.id"],
            name="fk_session_material_session_id_programme_session",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_session_material"),
    )
    op.create_index("ix_session_material_session_id", "session_material", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_session_material_session_id", table_name="session_material")
    op.drop_table("session_material")
    with op.batch_alter_table("attendance") as batch:
        batch.drop_column("counted_absent_at_close")
    op.drop_index("ix_coach_allocation_coach_email_digest", table_name="coach_allocation")
    with op.batch_alter_table("coach_allocation") as batch:
        batch.drop_column("coach_email_digest")
    with op.batch_alter_table("roster_team") as batch:
        batch.drop_column("feed_changed_at")
        batch.drop_column("feed_revision")
    with op.batch_alter_table("programme_session") as batch:
        batch.drop_column("register_closed_by")
        batch.drop_column("register_closed_at")
    with op.batch_alter_table("cohort") as batch:
        batch.drop_column("default_venue")
        batch.drop_column("default_join_url")
