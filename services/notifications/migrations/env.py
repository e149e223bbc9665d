"""Alembic environment of the notifications service: its own history, URL from its settings."""

from services.notifications.models import Base
from shared.db import platform_metadata
from shared.migrations import run_env

run_env([Base.metadata, platform_metadata])
