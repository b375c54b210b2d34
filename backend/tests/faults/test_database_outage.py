"""PostgreSQL crashes in the middle of a burst of escrow confirms and comes back.

The service (`ringledger serve --workers 2`) runs on a PostgreSQL server of this module's own,
which is stopped the hard way (`pg_ctl stop -m immediate`: every backend killed, no checkpoint)
while confirms are in flight, held down for a moment, and started again. Clients may see 5xx
answers only for requests that overlapped the outage, each with a JSON error body; afterwards
the database tells one consistent story (see tests.support.confirm_storm), replaying every
request under its key answers what is stored, and every escrow ends up created exactly once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from ringledger.core import migrations
from tests.support.api import Api
from tests.support.burst import Answer, Burst
from tests.support.confirm_storm import RESOLVED, Storm, Story, error_body_problems, replay
from tests.support.live import live_server
from tests.support.scratch_postgres import ScratchPostgres

HOLD_SECONDS = 0.6


@dataclass
class Outage:
    began: float = math.inf
    ended: float = math.inf
    readiness: list[int] = field(default_factory=list)

    def covers(self, answer: Answer) -> bool:
        return answer.overlaps(self.began, self.ended)


@dataclass
class Aftermath:
    """Everything the crash left behind, captured once for the tests below."""

    answers: list[Answer]
    outage: Outage
    story: Story
    replay_problems: list[str]
    replayed: Story
    readiness_after: int


@pytest.fixture(scope="module")
def scratch() -> Iterator[ScratchPostgres]:
    server = ScratchPostgres()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def outage_database(scratch: ScratchPostgres) -> URL:
    url = scratch.create_database("ringledger_outage")
    migrations.upgrade(url)
    return url


@pytest.fixture(scope="module")
def server(outage_database: URL, data_dir: Path) -> Iterator[str]:
    with live_server(outage_database, data_dir, workers=2) as url:
        yield url


def readiness(server: str) -> int:
    return httpx.get(f"{server}/readyz", timeout=10).status_code


def crash_and_recover(scratch: ScratchPostgres, server: str) -> Outage:
    outage = Outage(began=time.monotonic())
    scratch.crash()
    held_until = time.monotonic() + HOLD_SECONDS
    while time.monotonic() < held_until:
        outage.readiness.append(readiness(server))
        time.sleep(0.1)
    scratch.start()
    deadline = time.monotonic() + 30
    while readiness(server) != 200:
        assert time.monotonic() < deadline, "the service never became ready again"
        time.sleep(0.05)
    outage.ended = time.monotonic()
    return outage


@pytest.fixture(scope="module")
def aftermath(server: str, scratch: ScratchPostgres, outage_database: URL) -> Aftermath:
    with httpx.Client(base_url=server, timeout=30) as http:
        storm = Storm.brew(Api(http), bouts=5)
    burst = Burst(server, threads=4, pace=0.25)
    burst.start(storm.requests)
    burst.wait_for(len(storm.requests) // 4)
    burst.wait_in_flight()
    outage = crash_and_recover(scratch, server)
    answers = burst.join()
    # What clients saw, for the log of a failing run.
    print(
        f"answers {dict(burst.outcomes())}; /readyz while down {outage.readiness}; "
        f"down for {outage.ended - outage.began:.1f} s"
    )
    story = Story(outage_database, storm.bout_ids).read()
    problems = replay(server, answers, outage_database, storm.bout_ids)
    replayed = Story(outage_database, storm.bout_ids).read()
    return Aftermath(answers, outage, story, problems, replayed, readiness(server))


def test_the_crash_landed_mid_burst(aftermath: Aftermath) -> None:
    before = [a for a in aftermath.answers if a.ended < aftermath.outage.began]
    during = [a for a in aftermath.answers if aftermath.outage.covers(a)]
    assert before and during, "some answers came before the crash, some during it"
    assert any(a.status is not None and a.status >= 500 for a in during)


def test_clients_see_server_errors_only_while_the_database_is_down(aftermath: Aftermath) -> None:
    misfits = [
        answer.describe()
        for answer in aftermath.answers
        if answer.status not in RESOLVED
        and not (
            answer.status is not None and answer.status >= 500 and aftermath.outage.covers(answer)
        )
    ]
    assert misfits == []


def test_every_error_answer_is_a_proper_error_body(aftermath: Aftermath) -> None:
    assert error_body_problems(aftermath.answers) == []


def test_readiness_follows_the_database(aftermath: Aftermath) -> None:
    assert 503 in aftermath.outage.readiness
    assert aftermath.readiness_after == 200


def test_the_database_tells_one_story(aftermath: Aftermath) -> None:
    assert aftermath.story.problems() == []


def test_replays_answer_what_is_stored(aftermath: Aftermath) -> None:
    assert aftermath.replay_problems == []


def test_after_replays_nothing_is_lost(aftermath: Aftermath) -> None:
    assert aftermath.replayed.problems() == []
    assert aftermath.replayed.settled()
