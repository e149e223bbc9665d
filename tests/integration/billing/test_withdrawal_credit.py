"""Issue 16 item 2, billing's side: a withdrawal's credit note states the date given, who chose
it and who recorded it (API and PDF), and a withdrawal dated before the team's confirmation is
judged as if made on the confirmation day (so a backdated withdrawal never earns a credit)."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

from pypdf import PdfReader

from shared.auth import Role
from tests.integration.billing.helpers import (
    confirmed,
    credit_notes_of,
    deliver,
    get,
    invoices_of,
    organisation,
    terms,
    uk_today,
    withdrawn,
)
from tests.support import RunningService


async def pdf_text(billing: RunningService, path: str) -> str:
    answer = await billing.client.get(f"/api/billing{path}", headers=billing.auth(Role.finance))
    assert answer.status_code == 200, answer.text
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


async def test_the_credit_note_names_the_date_who_chose_it_and_who_recorded_it(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    chosen = confirmed(cohort, organisation(name="Trust A"))
    same_day = confirmed(cohort, organisation(name="Trust B"))
    earlier = uk_today() - timedelta(days=3)
    await deliver(
        billing,
        chosen,
        same_day,
        withdrawn(
            chosen, on=uk_today(), withdrawn_by="coordinator-7", date_chosen_by="coordinator-7"
        ),
        withdrawn(same_day, on=uk_today(), withdrawn_by="lead-3"),
    )
    notes = {n["team_id"]: n for n in await credit_notes_of(billing, cohort)}
    by_coordinator = notes[str(chosen.team_id)]
    assert by_coordinator["withdrawal"] == {
        "withdrawn_on": uk_today().isoformat(),
        "credited_as_of": uk_today().isoformat(),
        "recorded_by": "coordinator-7",
        "date_chosen_by": "coordinator-7",
    }
    text = await pdf_text(billing, f"/credit-notes/{by_coordinator['id']}/pdf")
    assert f"Withdrawal date: {uk_today():%d %B %Y}" in text
    assert "chosen by the programme coordinator coordinator-7" in text
    assert "Withdrawal recorded by: coordinator-7" in text

    by_lead = notes[str(same_day.team_id)]
    assert by_lead["withdrawal"]["date_chosen_by"] is None
    assert by_lead["withdrawal"]["recorded_by"] == "lead-3"
    text = await pdf_text(billing, f"/credit-notes/{by_lead['id']}/pdf")
    assert "the day the withdrawal was recorded" in text
    assert earlier.isoformat() not in text


async def test_a_late_joiners_backdated_withdrawal_is_not_credited(
    billing: RunningService,
) -> None:
    """Confirmed after the cohort started; a withdrawal dated before the start (and before the
    confirmation) once earned a full credit. It is judged as of the confirmation day: after the
    cutoff, so the fee stands."""
    cohort = uuid.uuid4()
    started = uk_today() - timedelta(days=20)
    late = confirmed(cohort, organisation(), cohort_terms=terms(start_date=started))
    await deliver(
        billing,
        late,
        withdrawn(late, on=started - timedelta(days=5), date_chosen_by="coordinator-7"),
    )
    assert await credit_notes_of(billing, cohort) == []
    [invoice] = await invoices_of(billing, cohort)
    assert invoice["outstanding"] == "5160.00"


async def test_a_withdrawal_dated_before_the_confirmation_is_credited_as_of_it(
    billing: RunningService,
) -> None:
    cohort = uuid.uuid4()
    event = confirmed(cohort, organisation())
    dated = uk_today() - timedelta(days=10)
    await deliver(billing, event, withdrawn(event, on=dated, date_chosen_by="coordinator-7"))
    [note] = await credit_notes_of(billing, cohort)
    assert note["gross"] == "5160.00"
    assert note["withdrawal"]["withdrawn_on"] == dated.isoformat()
    assert note["withdrawal"]["credited_as_of"] == uk_today().isoformat()
    assert "before the team was confirmed" in note["reason_text"]
    text = await pdf_text(billing, f"/credit-notes/{note['id']}/pdf")
    assert f"Credited as of: {uk_today():%d %B %Y}" in text
    assert (await get(billing, f"/invoices/{note['invoice_id']}"))["status"] == "credited"
