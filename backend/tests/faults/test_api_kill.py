"""The API is killed with SIGKILL in the middle of a burst of escrow confirms, then restarted.

`ringledger serve --workers 2` (the supervisor and both workers) gets SIGKILL while confirms are
in flight: no shutdown handler runs, open transactions die with their connections. Clients of
the dead server see only transport errors, and only from the kill on; a new server on the same
database then finds one consistent story (see tests.support.confirm_storm), answers every
replayed request with what is stored, and every escrow ends up created exactly once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.support.api import Api
from tests.support.burst import Answer, Burst
from tests.support.confirm_storm import RESOLVED, Storm, Story, replay
from tests.support.live import live_server
from tests.support.live_cluster import kill_hard, serve_processes


@dataclass
class Aftermath:
    """Everything the kill left behind, captured once for the tests below."""

    answers: list[Answer]
    killed_at: float
    killed: int
    restarted_at: float
    story: Story
    replay_problems: list[str]
    replayed: Story


@pytest.fixture(scope="module")
def aftermath(database: URL, data_dir: Path) -> Aftermath:
    with live_server(database, data_dir, workers=2) as doomed:
        with httpx.Client(base_url=doomed, timeout=30) as http:
            storm = Storm.brew(Api(http), bouts=4)
        processes = serve_processes(doomed)
        burst = Burst(doomed, threads=6, pace=0.02)
        burst.start(storm.requests)
        burst.wait_for(len(storm.requests) // 3)
        burst.wait_in_flight()
        killed_at = time.monotonic()
        kill_hard(processes)
        answers = burst.join()
    # What clients saw, for the log of a failing run.
    print(f"answers {dict(burst.outcomes())}; processes killed {len(processes)}")
    story = Story(database, storm.bout_ids).read()
    with live_server(database, data_dir, workers=2) as restarted:
        restarted_at = time.monotonic()
        problems = replay(restarted, answers, database, storm.bout_ids)
    replayed = Story(database, storm.bout_ids).read()
    return Aftermath(answers, killed_at, len(processes), restarted_at, story, problems, replayed)


def test_the_kill_landed_mid_burst(aftermath: Aftermath) -> None:
    assert aftermath.killed >= 3, "the supervisor and both workers"
    assert any(answer.ended < aftermath.killed_at for answer in aftermath.answers)
    assert any(answer.error for answer in aftermath.answers)


def test_clients_see_transport_errors_only_once_the_server_is_gone(aftermath: Aftermath) -> None:
    misfits = [
        answer.describe()
        for answer in aftermath.answers
        if answer.status not in RESOLVED
        and not (
            answer.error is not None
            and answer.overlaps(aftermath.killed_at, aftermath.restarted_at)
        )
    ]
    assert misfits == []


def test_the_database_tells_one_story(aftermath: Aftermath) -> None:
    assert aftermath.story.problems() == []


def test_replays_on_the_new_server_answer_what_is_stored(aftermath: Aftermath) -> None:
    assert aftermath.replay_problems == []


def test_after_replays_nothing_is_lost(aftermath: Aftermath) -> None:
    assert aftermath.replayed.problems() == []
    assert aftermath.replayed.settled()
