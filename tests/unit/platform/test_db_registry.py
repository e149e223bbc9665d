"""Each service's declarative base has its own class registry: equal class names in two
services never resolve to each other (string relationships are looked up per service)."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, configure_mappers, mapped_column, relationship

from shared.db import ServiceBase, new_metadata


class FirstBase(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class SecondBase(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class Organisation(FirstBase):
    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    teams: Mapped[list[Team]] = relationship("Team")


class Team(FirstBase):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))


class OtherOrganisation(SecondBase):
    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)


def _define_second_team() -> type:
    class Team(SecondBase):  # the same class name as FirstBase's Team
        __tablename__ = "team"
        id: Mapped[int] = mapped_column(primary_key=True)

    return Team


def test_equal_class_names_in_two_services_do_not_collide() -> None:
    second_team = _define_second_team()
    configure_mappers()
    assert Organisation.teams.property.mapper.class_ is Team
    assert FirstBase.registry is not SecondBase.registry
    assert set(FirstBase.metadata.tables) == {"organisation", "team"}
    assert second_team.__table__.metadata is SecondBase.metadata
