"""Who may call the improvement service's routes (docs/security.md holds the matrix)."""

from __future__ import annotations

from typing import Annotated

from shared.auth import Principal, Role, require_roles

# A team's project: its team lead (organisation), its coach, the coordinator. Which teams each
# may reach is the store's readable statement (another organisation's team answers 404).
ProjectPeople = Annotated[Principal, require_roles(Role.coordinator, Role.coach, Role.team_lead)]
# Progress scores are set by the coach with the team (or the coordinator).
Scorers = Annotated[Principal, require_roles(Role.coordinator, Role.coach)]
