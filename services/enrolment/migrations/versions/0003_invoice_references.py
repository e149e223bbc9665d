"""Enrolment: the cost centre an organisation asks to be quoted on a team's invoices."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("team", sa.Column("cost_centre", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team") as team:
        team.drop_column("cost_centre")
