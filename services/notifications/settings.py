"""Settings of the notifications service (environment variables prefixed ``NOTIFICATIONS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service_name: str = "notifications"
    port: int = 8006

    # The SMTP relay (compose: a real relay from .env; `make run`: the local sink).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # Who the programme's messages come from.
    mail_from: str = "Enjoying Work <enjoying-work@example.org>"
    # The coordinators' shared mailbox: told when a team disengages.
    coordinators_email: str = "coordinators@example.org"
    # Where links in messages point (the console behind the gateway), and billing's API, which
    # the service asks for invoices' PDFs with a service token.
    public_url: str = "http://127.0.0.1:8080"
    billing_url: str = "http://127.0.0.1:8004"

    # The delivery worker: how often it drains the queue, how many messages a round, and the
    # retry policy (exponential backoff from the first delay, capped; dead-lettered after the
    # last attempt or at once on a permanent refusal).
    delivery_poll_seconds: float = Field(default=2.0, gt=0)
    delivery_batch_size: int = Field(default=50, ge=1, le=1000)
    retry_first_seconds: float = Field(default=30.0, gt=0)
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    max_attempts: int = Field(default=20, ge=1)

    # Overdue invoices: reminders this many days after the due date (the first when billing
    # records the invoice overdue), stopping when the invoice is settled.
    overdue_reminder_days: list[int] = Field(default_factory=lambda: [7, 14, 28])
    # Session reminders, days before the start.
    session_reminder_days: list[int] = Field(default_factory=lambda: [7, 1])
    schedule_check_seconds: float = Field(default=300.0, gt=0)

    # Sent messages' bodies are blanked after this many days (the subject and the fact stay).
    retention_days: int = Field(default=365, ge=1)
    retention_check_seconds: float = Field(default=3600.0, gt=0)


@lru_cache
def get_settings() -> NotificationsSettings:
    return NotificationsSettings()
