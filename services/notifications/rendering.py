"""Messages from templates (Jinja2): a subject, a plain-text part and an HTML part per kind
(``templates/<kind>.txt`` and ``.html``), times shown in Europe/London, money in pounds; and the
signed unsubscribe links of non-essential kinds (no sign-in needed to use one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notifications.rules import Kind, is_essential
from shared.clock import LONDON

SUBJECTS: dict[Kind, str] = {
    Kind.eoi_received: "Expression of interest received: {{ team_name }}",
    Kind.cohort_go: "{{ cohort_name }} will go ahead",
    Kind.cohort_no_go: "{{ cohort_name or 'The cohort' }} will not go ahead",
    Kind.team_welcome: "Welcome to {{ cohort_name }}: {{ team_name }}",
    Kind.invoice_issued: "Invoice {{ number }} from Enjoying Work",
    Kind.proforma_issued: "Pro-forma {{ reference }} from Enjoying Work",
    Kind.credit_note_issued: "Credit note {{ number }} from Enjoying Work",
    Kind.invoice_overdue: "Invoice {{ number }} is overdue",
    Kind.session_reminder: "Reminder: {{ title }} {{ when }}",
    Kind.session_moved: "Moved: {{ title }}",
    Kind.session_cancelled: "Cancelled: {{ title }}",
    Kind.place_confirmed: "Place confirmed: {{ title }}",
    Kind.team_disengaged: "{{ team_name }} has missed two learning sets",
    Kind.chart_signal: "A chart signal for {{ team_name }}",
    Kind.meetings_lapsed: "{{ team_name }}: no project meeting for {{ days }} days",
}


def _london(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(LONDON).strftime("%A %-d %B %Y, %H:%M")


def _london_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(LONDON).strftime("%H:%M")


def _day(day: date | None) -> str:
    return "" if day is None else day.strftime("%-d %B %Y")


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"£{Decimal(amount):,.2f}"


def _environment() -> Environment:
    # HTML templates are escaped; the plain-text parts and subjects are not HTML.
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"], default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(london=_london, london_time=_london_time, day=_day, money=_money)
    return env


# Built once at import: the templates are part of the code, not data.
ENVIRONMENT = _environment()


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: Kind, values: dict[str, Any], *, unsubscribe_url: str | None) -> Rendered:
    values = {**values, "unsubscribe_url": unsubscribe_url}
    env = ENVIRONMENT
    subject = " ".join(env.from_string(SUBJECTS[kind]).render(values).split())[:300]
    values["subject"] = subject
    return Rendered(
        subject=subject,
        text=env.get_template(f"{kind.value}.txt").render(values),
        html=env.get_template(f"{kind.value}.html").render(values),
    )


_SALT = "notifications-unsubscribe"


def unsubscribe_token(secret: str, *, recipient: str, kind: Kind) -> str:
    return URLSafeSerializer(secret, salt=_SALT).dumps({"r": recipient, "k": kind.value})


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, Kind] | None:
    """The (recipient, kind) a token was signed for; None when forged or not one of ours."""
    try:
        data = URLSafeSerializer(secret, salt=_SALT).loads(token)
        kind = Kind(data["k"])
        recipient = data["r"]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if not isinstance(recipient, str) or is_essential(kind):
        return None
    return recipient, kind


def unsubscribe_url(public_url: str, secret: str, *, recipient: str, kind: Kind) -> str | None:
    if is_essential(kind):
        return None
    token = unsubscribe_token(secret, recipient=recipient, kind=kind)
    return f"{public_url.rstrip('/')}/api/notifications/unsubscribe?token={quote(token)}"
