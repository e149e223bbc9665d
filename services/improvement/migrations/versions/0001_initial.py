"""The improvement service's first schema: the platform tables (outbox, inbox, dead letters);
cohorts and teams (from enrolment), plan measures and baseline data (from measurement); project
teams, aims, meetings and actions, lapses; themes, ideas, voting rounds, ballots and tallies;
driver diagrams with drivers, change ideas and versions; PDSA cycles; progress scores.

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
        "baseline_data",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("measure_key", sa.String(length=100), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("first_accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_batch_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "measure_key", name="pk_baseline_data"),
    )
    op.create_table(
        "coach_allocation",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("coach_id", sa.Uuid(), nullable=False),
        sa.Column("coach_name", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("team_id", name="pk_coach_allocation"),
    )
    op.create_index("ix_coach_allocation_coach_id", "coach_allocation", ["coach_id"])
    op.create_table(
        "cohort",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("lead_in_months", sa.Integer(), nullable=False),
        sa.Column("coaching_months", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cohort"),
    )
    op.create_table(
        "plan_measure",
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("measure_key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("frequency", sa.String(length=40), nullable=False),
        sa.Column("in_plan", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", "measure_key", name="pk_plan_measure"),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_name", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("setting", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("project_lead", sa.JSON(), nullable=False),
        sa.Column("senior_sponsor", sa.JSON(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name="fk_team_cohort_id_cohort"),
        sa.PrimaryKeyConstraint("id", name="pk_team"),
    )
    op.create_index("ix_team_cohort_id", "team", ["cohort_id"])
    op.create_index("ix_team_organisation_id", "team", ["organisation_id"])
    op.create_table(
        "aim",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("how_much", sa.Text(), nullable=False),
        sa.Column("by_when", sa.Date(), nullable=False),
        sa.Column("for_whom", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_aim_team_id_team"),
        sa.PrimaryKeyConstraint("team_id", name="pk_aim"),
    )
    op.create_table(
        "diagram",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_key", sa.String(length=60), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("aim", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohort.id"], name="fk_diagram_cohort_id_cohort"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_diagram_team_id_team"),
        sa.PrimaryKeyConstraint("id", name="pk_diagram"),
        sa.UniqueConstraint("owner_key", name="uq_diagram_owner_key"),
    )
    op.create_index("ix_diagram_cohort_id", "diagram", ["cohort_id"])
    op.create_index("ix_diagram_team_id", "diagram", ["team_id"])
    op.create_table(
        "meeting",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("coach_present", sa.Boolean(), nullable=False),
        sa.Column("attendee_member_ids", sa.JSON(), nullable=False),
        sa.Column("other_attendees", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_meeting_team_id_team"),
        sa.PrimaryKeyConstraint("id", name="pk_meeting"),
    )
    op.create_index("ix_meeting_team_id", "meeting", ["team_id"])
    op.create_table(
        "meeting_lapse",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_meeting_lapse_team_id_team"),
        sa.PrimaryKeyConstraint("team_id", "since", name="pk_meeting_lapse"),
    )
    op.create_table(
        "progress_score",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=2, scale=1), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("set_by_role", sa.String(length=20), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_progress_score_team_id_team"),
        sa.PrimaryKeyConstraint("team_id", "month", "revision", name="pk_progress_score"),
    )
    op.create_table(
        "project_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("is_service_user", sa.Boolean(), nullable=False),
        sa.Column("is_data_champion", sa.Boolean(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_project_member_team_id_team"),
        sa.PrimaryKeyConstraint("id", name="pk_project_member"),
    )
    op.create_index("ix_project_member_team_id", "project_member", ["team_id"])
    op.create_table(
        "theme",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_theme_team_id_team"),
        sa.PrimaryKeyConstraint("id", name="pk_theme"),
        sa.UniqueConstraint("team_id", "name", name="uq_theme_team_id_name"),
    )
    op.create_index("ix_theme_team_id", "theme", ["team_id"])
    op.create_table(
        "voting_round",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("votes_per_ballot", sa.Integer(), nullable=False),
        sa.Column("max_votes_per_idea", sa.Integer(), nullable=False),
        sa.Column("ballots_issued", sa.Integer(), nullable=False),
        sa.Column("ballots_cast", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_voting_round_team_id_team"),
        sa.PrimaryKeyConstraint("id", name="pk_voting_round"),
    )
    op.create_index("ix_voting_round_team_id", "voting_round", ["team_id"])
    op.create_table(
        "ballot",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["voting_round.id"], name="fk_ballot_round_id_voting_round"
        ),
        sa.PrimaryKeyConstraint("round_id", "code_hash", name="pk_ballot"),
    )
    op.create_table(
        "diagram_version",
        sa.Column("diagram_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=400), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagram_id"], ["diagram.id"], name="fk_diagram_version_diagram_id_diagram"
        ),
        sa.PrimaryKeyConstraint("diagram_id", "version", name="pk_diagram_version"),
    )
    op.create_table(
        "driver",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("diagram_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("component", sa.String(length=60), nullable=True),
        sa.Column("origin_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagram_id"], ["diagram.id"], name="fk_driver_diagram_id_diagram"
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["driver.id"], name="fk_driver_parent_id_driver"),
        sa.PrimaryKeyConstraint("id", name="pk_driver"),
    )
    op.create_index("ix_driver_diagram_id", "driver", ["diagram_id"])
    op.create_table(
        "idea",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("theme_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("gathered_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_idea_team_id_team"),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"], name="fk_idea_theme_id_theme"),
        sa.PrimaryKeyConstraint("id", name="pk_idea"),
    )
    op.create_index("ix_idea_team_id", "idea", ["team_id"])
    op.create_table(
        "meeting_action",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name="fk_meeting_action_meeting_id_meeting"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_meeting_action_team_id_team"),
        sa.PrimaryKeyConstraint("id", name="pk_meeting_action"),
    )
    op.create_index("ix_meeting_action_meeting_id", "meeting_action", ["meeting_id"])
    op.create_index("ix_meeting_action_team_id", "meeting_action", ["team_id"])
    op.create_table(
        "change_idea",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("diagram_id", sa.Uuid(), nullable=False),
        sa.Column("driver_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("origin_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagram_id"], ["diagram.id"], name="fk_change_idea_diagram_id_diagram"
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["driver.id"], name="fk_change_idea_driver_id_driver"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_change_idea"),
    )
    op.create_index("ix_change_idea_diagram_id", "change_idea", ["diagram_id"])
    op.create_index("ix_change_idea_driver_id", "change_idea", ["driver_id"])
    op.create_index("ix_change_idea_origin_id", "change_idea", ["origin_id"])
    op.create_table(
        "vote_tally",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("idea_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], name="fk_vote_tally_idea_id_idea"),
        sa.ForeignKeyConstraint(
            ["round_id"], ["voting_round.id"], name="fk_vote_tally_round_id_voting_round"
        ),
        sa.PrimaryKeyConstraint("round_id", "idea_id", name="pk_vote_tally"),
    )
    op.create_table(
        "pdsa_cycle",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("change_idea_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("ramp_step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("prediction", sa.Text(), nullable=False),
        sa.Column("plan_who", sa.Text(), nullable=True),
        sa.Column("plan_what", sa.Text(), nullable=True),
        sa.Column("plan_when", sa.Text(), nullable=True),
        sa.Column("plan_where", sa.Text(), nullable=True),
        sa.Column("measure_keys", sa.JSON(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("what_happened", sa.Text(), nullable=True),
        sa.Column("observations", sa.Text(), nullable=True),
        sa.Column("results", sa.Text(), nullable=True),
        sa.Column("against_prediction", sa.Text(), nullable=True),
        sa.Column("learning", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("next_steps", sa.Text(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("shared_summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["change_idea_id"], ["change_idea.id"], name="fk_pdsa_cycle_change_idea_id_change_idea"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name="fk_pdsa_cycle_team_id_team"),
        sa.PrimaryKeyConstraint("id", name="pk_pdsa_cycle"),
        sa.UniqueConstraint(
            "change_idea_id", "ramp_step", name="uq_pdsa_cycle_change_idea_id_ramp_step"
        ),
    )
    op.create_index("ix_pdsa_cycle_change_idea_id", "pdsa_cycle", ["change_idea_id"])
    op.create_index("ix_pdsa_cycle_team_id", "pdsa_cycle", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_pdsa_cycle_team_id", table_name="pdsa_cycle")
    op.drop_index("ix_pdsa_cycle_change_idea_id", table_name="pdsa_cycle")
    op.drop_table("pdsa_cycle")
    op.drop_table("vote_tally")
    op.drop_index("ix_change_idea_origin_id", table_name="change_idea")
    op.drop_index("ix_change_idea_driver_id", table_name="change_idea")
    op.drop_index("ix_change_idea_diagram_id", table_name="change_idea")
    op.drop_table("change_idea")
    op.drop_index("ix_meeting_action_team_id", table_name="meeting_action")
    op.drop_index("ix_meeting_action_meeting_id", table_name="meeting_action")
    op.drop_table("meeting_action")
    op.drop_index("ix_idea_team_id", table_name="idea")
    op.drop_table("idea")
    op.drop_index("ix_driver_diagram_id", table_name="driver")
    op.drop_table("driver")
    op.drop_table("diagram_version")
    op.drop_table("ballot")
    op.drop_index("ix_voting_round_team_id", table_name="voting_round")
    op.drop_table("voting_round")
    op.drop_index("ix_theme_team_id", table_name="theme")
    op.drop_table("theme")
    op.drop_index("ix_project_member_team_id", table_name="project_member")
    op.drop_table("project_member")
    op.drop_table("progress_score")
    op.drop_table("meeting_lapse")
    op.drop_index("ix_meeting_team_id", table_name="meeting")
    op.drop_table("meeting")
    op.drop_index("ix_diagram_team_id", table_name="diagram")
    op.drop_index("ix_diagram_cohort_id", table_name="diagram")
    op.drop_table("diagram")
    op.drop_table("aim")
    op.drop_index("ix_team_organisation_id", table_name="team")
    op.drop_index("ix_team_cohort_id", table_name="team")
    op.drop_table("team")
    op.drop_table("plan_measure")
    op.drop_table("cohort")
    op.drop_index("ix_coach_allocation_coach_id", table_name="coach_allocation")
    op.drop_table("coach_allocation")
    op.drop_table("baseline_data")
    drop_platform_tables()
