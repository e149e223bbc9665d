"""Issue 16 item 2: the withdrawal credit policy written in docs/billing.md, with a worked
example for each case, is what the pricing rules do: every row of its table is recomputed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.billing.pricing import (
    Amounts,
    full_credit,
    withdrawal_credit_date,
    withdrawal_is_credited,
)
from tests.support import ROOT

POLICY = ROOT / "docs" / "billing.md"
VAT = Decimal("0.20")
START = date(2021, 4, 1)


def worked_examples() -> list[list[str]]:
    """The rows of the withdrawal policy's table of worked examples."""
    text = POLICY.read_text()
    section = text.split("### Worked examples", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    header, _rule, *examples = rows
    assert header[0] == "Case" and header[-1] == "Credit note"
    return examples


def pounds(text: str) -> Decimal:
    return Decimal(text.replace("£", "").replace(",", ""))


def gross_amounts(gross: Decimal) -> Amounts:
    net = (gross / (1 + VAT)).quantize(Decimal("0.01"))
    return Amounts(net=net, vat_rate=VAT, vat=gross - net, gross=gross)


def test_the_policy_covers_every_case_the_issue_names() -> None:
    cases = " ".join(row[0] for row in worked_examples()).lower()
    for case in (
        "before the cutoff",
        "on the cutoff",
        "after the cutoff",
        "before its confirmation",
    ):
        assert case in cases, case
    assert "discount" in cases  # whether the multi-team discount survives a withdrawal
    assert "The multi-team discount survives a withdrawal" in POLICY.read_text()


def test_every_worked_example_is_what_billing_does() -> None:
    examples = worked_examples()
    assert len(examples) >= 6
    for case, invoiced, credited, confirmed, dated, cutoff, judged, credit in examples:
        as_of = withdrawal_credit_date(
            withdrawn_on=date.fromisoformat(dated), confirmed_on=date.fromisoformat(confirmed)
        )
        assert as_of == date.fromisoformat(judged), case
        expected = None
        if withdrawal_is_credited(
            withdrawn_on=as_of,
            start_date=START,
            withdrawal_credit_cutoff=date.fromisoformat(cutoff),
        ):
            expected = full_credit(
                invoiced=gross_amounts(pounds(invoiced)),
                already_credited=gross_amounts(pounds(credited)),
            )
        if credit == "none":
            assert expected is None, case
        else:
            assert expected is not None and expected.gross == pounds(credit), case
