"""The pricing rules of issue 4, to the penny."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.billing.pricing import (
    Amounts,
    discount_correction,
    document_number,
    due_date,
    format_gbp,
    format_rate,
    full_credit,
    membership_price,
    money,
    withdrawal_is_credited,
)

FEE = Decimal("4300.00")
DISCOUNT = Decimal("0.10")
VAT = Decimal("0.20")


def price(count: int) -> Amounts:
    return membership_price(
        fee_per_team=FEE, multi_team_discount=DISCOUNT, vat_rate=VAT, organisation_team_count=count
    ).amounts


def test_one_team_pays_the_full_fee() -> None:
    assert price(1) == Amounts(
        net=Decimal("4300.00"), vat_rate=VAT, vat=Decimal("860.00"), gross=Decimal("5160.00")
    )


@pytest.mark.parametrize("count", [2, 3, 7])
def test_each_team_of_an_organisation_with_several_costs_ten_percent_less(count: int) -> None:
    assert price(count) == Amounts(
        net=Decimal("3870.00"), vat_rate=VAT, vat=Decimal("774.00"), gross=Decimal("4644.00")
    )


def test_second_team_later_credits_the_first_the_difference() -> None:
    first = price(1)
    credit = discount_correction(
        invoiced=first,
        already_credited=Amounts.of_net(Decimal(0), VAT),
        fee_per_team=FEE,
        multi_team_discount=DISCOUNT,
    )
    assert credit == Amounts(
        net=Decimal("430.00"), vat_rate=VAT, vat=Decimal("86.00"), gross=Decimal("516.00")
    )
    # The first team then stands at the discounted price.
    assert first - credit == price(2)


def test_no_discount_credit_for_an_invoice_already_discounted_or_credited() -> None:
    nothing = Amounts.of_net(Decimal(0), VAT)
    assert (
        discount_correction(
            invoiced=price(2),
            already_credited=nothing,
            fee_per_team=FEE,
            multi_team_discount=DISCOUNT,
        )
        is None
    )
    assert (
        discount_correction(
            invoiced=price(1),
            already_credited=price(1),
            fee_per_team=FEE,
            multi_team_discount=DISCOUNT,
        )
        is None
    )


def test_discount_credit_uses_the_invoice_vat_rate() -> None:
    old_rate = Decimal("0.175")
    invoiced = Amounts.of_net(FEE, old_rate)
    credit = discount_correction(
        invoiced=invoiced,
        already_credited=Amounts.of_net(Decimal(0), old_rate),
        fee_per_team=FEE,
        multi_team_discount=DISCOUNT,
    )
    assert credit is not None
    assert credit.vat_rate == old_rate
    assert credit.net == Decimal("430.00")
    assert credit.vat == Decimal("752.50") - Decimal("677.25")


def test_full_credit_after_a_discount_credit_leaves_exactly_zero() -> None:
    first = price(1)
    discount = first - price(2)
    rest = full_credit(invoiced=first, already_credited=discount)
    assert rest == price(2)
    assert full_credit(invoiced=first, already_credited=first) is None


def test_withdrawal_before_the_start_date_is_credited_on_or_after_it_is_not() -> None:
    start = date(2021, 4, 1)
    assert withdrawal_is_credited(
        withdrawn_on=date(2021, 3, 31), start_date=start, withdrawal_credit_cutoff=None
    )
    assert not withdrawal_is_credited(
        withdrawn_on=start, start_date=start, withdrawal_credit_cutoff=None
    )
    assert not withdrawal_is_credited(
        withdrawn_on=date(2021, 5, 1), start_date=start, withdrawal_credit_cutoff=None
    )


def test_the_cutoff_is_a_per_cohort_setting() -> None:
    start = date(2021, 4, 1)
    cutoff = date(2021, 6, 1)
    assert withdrawal_is_credited(
        withdrawn_on=date(2021, 5, 31), start_date=start, withdrawal_credit_cutoff=cutoff
    )
    assert not withdrawal_is_credited(
        withdrawn_on=cutoff, start_date=start, withdrawal_credit_cutoff=cutoff
    )


def test_rounding_is_half_up_per_line() -> None:
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("2.675")) == Decimal("2.68")  # float would give 2.67
    line = Amounts.of_net(Decimal("1234.565"), VAT)
    assert line.net == Decimal("1234.57")
    assert line.vat == Decimal("246.91")  # 246.914 → 246.91
    assert line.gross == Decimal("1481.48")
    odd = membership_price(
        fee_per_team=Decimal("4299.95"),
        multi_team_discount=Decimal("0.10"),
        vat_rate=VAT,
        organisation_team_count=2,
    )
    assert odd.amounts.net == Decimal("3869.96")  # 3869.955 rounds half up
    # The list price and discount lines add up to the total exactly, VAT included.
    listed, discount = odd.lines()
    assert discount is not None
    assert (listed.net, discount.net) == (Decimal("4299.95"), Decimal("-429.99"))
    assert listed.vat + discount.vat == odd.amounts.vat
    assert listed.gross + discount.gross == odd.amounts.gross


@given(
    fee=st.decimals(min_value=Decimal("1.00"), max_value=Decimal("99999.99"), places=2),
    rate=st.sampled_from([Decimal("0.20"), Decimal("0.175"), Decimal("0.05"), Decimal("0")]),
)
def test_invoice_and_its_credits_always_net_to_zero(fee: Decimal, rate: Decimal) -> None:
    invoiced = membership_price(
        fee_per_team=fee, multi_team_discount=DISCOUNT, vat_rate=rate, organisation_team_count=1
    ).amounts
    credited = Amounts.of_net(Decimal(0), rate)
    discount = discount_correction(
        invoiced=invoiced, already_credited=credited, fee_per_team=fee, multi_team_discount=DISCOUNT
    )
    if discount is not None:
        credited = Amounts(net=discount.net, vat_rate=rate, vat=discount.vat, gross=discount.gross)
    rest = full_credit(invoiced=invoiced, already_credited=credited)
    total = credited.gross + (rest.gross if rest else Decimal(0))
    assert total == invoiced.gross


def test_payment_terms_are_thirty_days() -> None:
    assert due_date(date(2021, 3, 1)) == date(2021, 3, 31)


def test_formats() -> None:
    assert format_gbp(Decimal("4300")) == "£4,300.00"
    assert format_gbp(Decimal("-430")) == "-£430.00"
    assert format_rate(Decimal("0.20")) == "20%"
    assert format_rate(Decimal("0.175")) == "17.5%"
    assert document_number("EWC", 2021, 1) == "EWC-2021-00001"
    with pytest.raises(ValueError):
        document_number("EWC", 2021, 0)
