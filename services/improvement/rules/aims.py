"""An aim statement says what will improve, by how much, by when (and for whom)."""

from __future__ import annotations

from datetime import date


def aim_statement(*, what: str, how_much: str, by_when: date, for_whom: str | None) -> str:
    """One sentence, e.g. "Increase the staff who frequently enjoy work from 40% to 60% by
    31 December 2021, for the ward's nursing and therapy staff"."""
    when = f"{by_when.day} {by_when:%B %Y}"
    sentence = f"{what.strip().rstrip('.')} {how_much.strip().rstrip('.')} by {when}"
    if for_whom and for_whom.strip():
        sentence += f", for {for_whom.strip().rstrip('.')}"
    return sentence + "."
