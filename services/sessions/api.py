"""HTTP routes of the sessions service (mounted under /api/sessions)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
