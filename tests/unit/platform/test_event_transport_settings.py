"""Issue #21: the settings of the event transport (cluster URLs, stream replicas, ack wait and
heartbeat) and the id a dead letter keeps."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.bus import server_urls
from shared.inbox import _event_id
from shared.settings import ServiceSettings


def test_one_url_or_every_member_of_a_cluster() -> None:
    assert server_urls("nats://127.0.0.1:4222") == (["nats://127.0.0.1:4222"], None, None)
    servers, user, password = server_urls(
        "nats://billing:s3cr%40t@nats-1:4222, nats://billing:s3cr%40t@nats-2:4222,"
        "nats://billing:s3cr%40t@nats-3:4222"
    )
    # The credentials are kept apart, so that they go to the members the client learns of too.
    assert servers == ["nats://nats-1:4222", "nats://nats-2:4222", "nats://nats-3:4222"]
    assert (user, password) == ("billing", "s3cr@t")


def test_the_members_must_share_one_user() -> None:
    with pytest.raises(ValueError, match="same user"):
        server_urls("nats://billing:a@nats-1:4222,nats://enrolment:b@nats-2:4222")


def test_defaults_one_replica_and_a_short_ack_wait_with_a_heartbeat_well_inside_it() -> None:
    settings = ServiceSettings()
    assert settings.stream_replicas == 1
    assert settings.consumer_heartbeat_seconds * 2 <= settings.consumer_ack_wait_seconds <= 3
    assert ServiceSettings(stream_replicas=3).stream_replicas == 3


@pytest.mark.parametrize(
    "values",
    [
        {"stream_replicas": 0},
        {"stream_replicas": 7},
        {"consumer_ack_wait_seconds": 2, "consumer_heartbeat_seconds": 1.5},
        {"consumer_heartbeat_seconds": 0},
    ],
)
def test_settings_that_cannot_work_are_refused(values: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            b'{"id": "3f2a6c1e-0000-4000-8000-00000000beef", "type": 1}',
            "3f2a6c1e-0000-4000-8000-00000000beef",
        ),
        (b'{"id": 42}', "42"),
        (b'{"id": true}', None),
        (b'{"id": ""}', None),
        (b'{"id": "' + b"x" * 37 + b'"}', None),
        (b'{"id": {"nested": 1}}', None),
        (b"[1, 2]", None),
        (b"\xff\xfe not json", None),
    ],
)
def test_a_dead_letter_keeps_the_id_whenever_it_can_be_read(
    payload: bytes, expected: str | None
) -> None:
    assert _event_id(payload) == expected
