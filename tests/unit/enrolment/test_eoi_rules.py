"""The application form's pure rules: ODS codes (format, kinds, a site's trust), every missing
answer refused with its own message, team names compared as people mean them, phone numbers."""

from __future__ import annotations

import pytest

from services.enrolment.eoi_rules import (
    COMMITMENTS,
    EoiFacts,
    OdsKind,
    eoi_errors,
    is_phone_number,
    is_valid_ods_code,
    normalise_ods_code,
    ods_kind,
    team_name_key,
    trust_of_site,
)

# ---------------------------------------------------------------------------- ODS codes


@pytest.mark.parametrize(
    "code", ["RWK", "RWK01", "T1V", "AB12", "8A7", "R1A2B", "A81001", "K81003001", "VLAXL"]
)
def test_valid_ods_codes(code: str) -> None:
    assert is_valid_ods_code(code)


@pytest.mark.parametrize(
    "code", ["", "RW", "K810030012", "rwk", "RWk01", "RW K", "RW-1", " RWK", "RWK\n"]
)
def test_invalid_ods_codes(code: str) -> None:
    assert not is_valid_ods_code(code)


def test_codes_are_taken_as_people_type_them() -> None:
    assert normalise_ods_code("  rwk01 ") == "RWK01"
    assert is_valid_ods_code(normalise_ods_code(" rwk "))


@pytest.mark.parametrize(
    ("code", "kind", "trust"),
    [
        ("RWK", OdsKind.NHS_TRUST, None),
        ("TAF", OdsKind.NHS_TRUST, None),
        ("RWK01", OdsKind.TRUST_SITE, "RWK"),
        ("TAK01", OdsKind.TRUST_SITE, "TAK"),
        ("7A1", OdsKind.OTHER, None),  # a Welsh health board
        ("A81001", OdsKind.OTHER, None),  # a GP practice
        ("8A718", OdsKind.OTHER, None),  # a voluntary provider: 5 characters, no trust
        ("NR5", OdsKind.OTHER, None),  # an independent provider
    ],
)
def test_kinds_of_code_and_a_sites_trust(code: str, kind: OdsKind, trust: str | None) -> None:
    assert ods_kind(code) is kind
    assert trust_of_site(code) == trust


# ---------------------------------------------------------------------------- the form


def _eoi(**changes: object) -> EoiFacts:
    values: dict[str, object] = {
        "setting": "clinical",
        "has_sponsor": True,
        "service_user_members": 1,
        "service_user_involvement": None,
        "team_size": 12,
        "contact_phone": "01632 960 001",
        "hopes_to_improve": "Fewer missed breaks",
        **dict.fromkeys(COMMITMENTS, True),
    }
    values.update(changes)
    return EoiFacts(**values)  # type: ignore[arg-type]


def test_complete_eoi_passes() -> None:
    assert eoi_errors(_eoi()) == []
    assert eoi_errors(_eoi(service_user_members=0, service_user_involvement="monthly panel")) == []
    assert eoi_errors(_eoi(setting="non_clinical", service_user_members=0)) == []


def test_every_missing_answer_is_listed_with_its_own_message() -> None:
    errors = eoi_errors(
        _eoi(
            has_sponsor=False,
            team_size=None,
            contact_phone=None,
            hopes_to_improve="   ",
            agreed_to_take_part=False,
            can_meet_commitment=None,
            will_attend_learning_sets=None,
            will_implement_change_ideas=False,
            will_collect_data=None,
            service_user_members=0,
        )
    )
    fields = [e.loc[-1] for e in errors]
    assert fields == [
        "senior_sponsor",
        "team_size",
        "contact_phone",
        "hopes_to_improve",
        "agreed_to_take_part",
        "can_meet_commitment",
        "will_attend_learning_sets",
        "will_implement_change_ideas",
        "will_collect_data",
        "project_team",
    ]
    messages = [e.msg for e in errors]
    assert len(set(messages)) == len(messages)  # each its own
    by_field = dict(zip(fields, messages, strict=True))
    assert "learning sets" in by_field["will_attend_learning_sets"]
    assert "change ideas" in by_field["will_implement_change_ideas"]
    assert "measurement plan" in by_field["will_collect_data"]
    assert "phone" in by_field["contact_phone"]


@pytest.mark.parametrize("commitment", list(COMMITMENTS))
def test_each_commitment_alone_is_refused(commitment: str) -> None:
    assert [e.loc[-1] for e in eoi_errors(_eoi(**{commitment: False}))] == [commitment]
    assert [e.loc[-1] for e in eoi_errors(_eoi(**{commitment: None}))] == [commitment]


def test_clinical_team_blank_statement_is_not_enough() -> None:
    errors = eoi_errors(_eoi(service_user_members=0, service_user_involvement="  "))
    assert [e.loc[-1] for e in errors] == ["project_team"]


def test_team_names_compare_without_case_or_spacing() -> None:
    assert team_name_key("Ward 7") == team_name_key("  ward   7 ")
    assert team_name_key("Ward 7") != team_name_key("Ward 8")


@pytest.mark.parametrize("number", ["01632 960 001", "+44 1632 960001", "(01632) 960-001"])
def test_phone_numbers(number: str) -> None:
    assert is_phone_number(number)


@pytest.mark.parametrize("number", ["12345", "call me", "01632 960 001 ext 4", "44+1632960001"])
def test_not_phone_numbers(number: str) -> None:
    assert not is_phone_number(number)
