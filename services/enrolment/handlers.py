"""What the enrolment service does with incoming events: none yet (it is the origin)."""

from __future__ import annotations

from services.enrolment.settings import EnrolmentSettings
from shared.handlers import EventHandlers

HANDLERS = EventHandlers[EnrolmentSettings]()
