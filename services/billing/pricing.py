"""Pure pricing rules of the collaborative: fees, VAT, discount corrections and withdrawal credits.

Money is ``Decimal`` end to end, rounded half-up to the penny on every line (never float).
The terms (fee, discount, VAT rate, start date, credit cutoff) travel in the enrolment events,
so nothing here reads configuration or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
PAYMENT_TERMS_DAYS = 30


def money(value: Decimal | int | str) -> Decimal:
    """Round to the penny, half-up (the rule for every line of every document)."""
    if isinstance(value, float):  # pragma: no cover - guarded by the type, kept as a tripwire
        raise TypeError("money is never float")
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Amounts:
    """One priced line: net, the VAT rate applied, VAT and gross, each to the penny."""

    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal

    def __post_init__(self) -> None:
        if self.net + self.vat != self.gross:
            raise ValueError("gross must equal net + VAT")

    @classmethod
    def of_net(cls, net: Decimal, vat_rate: Decimal) -> Amounts:
        net = money(net)
        vat = money(net * vat_rate)
        return cls(net=net, vat_rate=vat_rate, vat=vat, gross=net + vat)

    def __sub__(self, other: Amounts) -> Amounts:
        return Amounts(
            net=self.net - other.net,
            vat_rate=self.vat_rate,
            vat=self.vat - other.vat,
            gross=self.gross - other.gross,
        )


@dataclass(frozen=True, slots=True)
class MembershipPrice:
    """A team's membership as the invoice shows it: the list price, the multi-team discount
    (both net of VAT) and what they come to."""

    list_price: Decimal
    discount_rate: Decimal | None  # None: no discount applies
    discount: Decimal
    amounts: Amounts  # of list_price - discount

    def lines(self) -> tuple[Amounts, Amounts | None]:
        """The list-price line and the discount line (None without a discount). The discount
        line's VAT is what is left of the total's, so the lines add up to the total exactly."""
        rate = self.amounts.vat_rate
        if not self.discount:
            return self.amounts, None
        listed = Amounts.of_net(self.list_price, rate)
        return listed, self.amounts - listed


def membership_price(
    *,
    fee_per_team: Decimal,
    multi_team_discount: Decimal,
    vat_rate: Decimal,
    organisation_team_count: int,
) -> MembershipPrice:
    if organisation_team_count < 1:
        raise ValueError("organisation_team_count counts the team itself, so it is at least 1")
    if not ZERO <= multi_team_discount < 1:
        raise ValueError("the multi-team discount is a fraction in [0, 1)")
    list_price = money(fee_per_team)
    if organisation_team_count >= 2 and multi_team_discount:
        net = money(fee_per_team * (1 - multi_team_discount))
        return MembershipPrice(
            list_price, multi_team_discount, list_price - net, Amounts.of_net(net, vat_rate)
        )
    return MembershipPrice(list_price, None, ZERO, Amounts.of_net(list_price, vat_rate))


def discount_correction(
    *,
    invoiced: Amounts,
    already_credited: Amounts,
    fee_per_team: Decimal,
    multi_team_discount: Decimal,
) -> Amounts | None:
    """The credit that brings a full-fee invoice down to the discounted fee, or None.

    Used when the organisation's second team is confirmed after the first was priced at the full
    fee. The credit uses the invoice's own VAT rate. Nothing is credited when the invoice was
    already discounted, or when earlier credits leave less than the difference (fully credited).
    """
    discounted = membership_price(
        fee_per_team=fee_per_team,
        multi_team_discount=multi_team_discount,
        vat_rate=invoiced.vat_rate,
        organisation_team_count=2,
    ).amounts
    if invoiced.net <= discounted.net:
        return None
    difference = invoiced - discounted
    remaining = invoiced - already_credited
    if remaining.net < difference.net or remaining.gross < difference.gross:
        return None
    return difference


def full_credit(*, invoiced: Amounts, already_credited: Amounts) -> Amounts | None:
    """What is left to credit on an invoice so that it nets to zero, or None if nothing is left.

    The remaining net and VAT are taken as they stand (not recomputed), so that after the credit
    the invoice and its credit notes sum to exactly zero even when per-line rounding differs.
    """
    remaining = invoiced - already_credited
    if remaining.gross <= 0:
        return None
    return remaining


def withdrawal_credit_date(*, withdrawn_on: date, confirmed_on: date | None) -> date:
    """The day a withdrawal is judged on: the date given, but never before the team's
    confirmation (a team cannot leave before it joined; a withdrawal dated earlier is judged as
    if it were made on the confirmation day)."""
    if confirmed_on is not None and withdrawn_on < confirmed_on:
        return confirmed_on
    return withdrawn_on


def withdrawal_cutoff(*, start_date: date, withdrawal_credit_cutoff: date | None) -> date:
    """The cohort's withdrawal cutoff: its own, or by default its start date."""
    return withdrawal_credit_cutoff or start_date


def withdrawal_is_credited(
    *, withdrawn_on: date, start_date: date, withdrawal_credit_cutoff: date | None
) -> bool:
    """Withdrawals before the cohort's cutoff (by default its start date) are credited in full."""
    cutoff = withdrawal_cutoff(
        start_date=start_date, withdrawal_credit_cutoff=withdrawal_credit_cutoff
    )
    return withdrawn_on < cutoff


def due_date(issued_on: date) -> date:
    """NHS payment terms: 30 days from the date of issue."""
    return issued_on + timedelta(days=PAYMENT_TERMS_DAYS)


def format_gbp(amount: Decimal) -> str:
    """Show an amount in GBP, e.g. ``£4,300.00`` or ``-£430.00``."""
    amount = money(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def format_rate(rate: Decimal) -> str:
    """A VAT rate fraction as a percentage, e.g. ``20%`` or ``17.5%``."""
    pct = (rate * 100).normalize()
    return f"{pct:f}%"


def document_number(prefix: str, year: int, sequence: int) -> str:
    """A number from a gapless series, e.g. ``EWC-2021-00001`` (sequence restarts per series)."""
    if sequence < 1:
        raise ValueError("sequences start at 1")
    return f"{prefix}-{year}-{sequence:05d}"
