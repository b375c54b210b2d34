"""A storm of escrow confirms for a fault to interrupt, and what must hold once it has passed.

Each bout gets one valid create per escrow (two of them sent twice under the same key), a rival
create of `show_a` under another key and ledger transaction, and a create of `bonus_b` the
ledger refused. Whatever the fault did, the database must afterwards tell one story: an escrow
moved at most once, and only with its `applied` audit row and its stored 200 outcome; every
stored refusal has its `rejected` audit row and the other way round; no key is left without an
outcome. Replaying each request under its key must answer exactly what is stored: the outcome
the client already saw, or, where the fault swallowed the first attempt, a fresh execution.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import URL

from tests.support.api import Account, Api
from tests.support.burst import Answer, Confirm
from tests.support.database import libpq
from tests.support.flow import KINDS, create_evidence, tx_hash

RESOLVED = frozenset({200, 409, 422})


@dataclass
class Storm:
    promoter: Account
    bout_ids: list[str]
    requests: list[Confirm]

    @classmethod
    def brew(cls, api: Api, *, bouts: int, seed: int = 7) -> Storm:
        """Draft bouts of one promoter and the shuffled confirms aimed at them."""
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        requests: list[Confirm] = []
        bout_ids = []
        for _ in range(bouts):
            bout = api.create_bout(promoter, a, b)
            bout_ids.append(bout["bout_id"])
            requests.extend(_confirms(bout, promoter.token))
        random.Random(seed).shuffle(requests)
        return cls(promoter, bout_ids, requests)


def _confirms(bout: dict[str, Any], token: str) -> list[Confirm]:
    escrows = {item["escrow_kind"]: item for item in bout["escrows"]}
    creates = [
        Confirm(
            bout["bout_id"],
            create_evidence(escrows[kind]),
            f"create-{kind}-{uuid.uuid4().hex}",
            token,
        )
        for kind in KINDS
    ]
    rival = create_evidence(escrows["show_a"], tx_hash=tx_hash())
    refused = create_evidence(escrows["bonus_b"], engine_result="tecNO_DST")
    return [
        *creates,
        creates[1],
        creates[2],
        Confirm(bout["bout_id"], rival, f"rival-{uuid.uuid4().hex}", token),
        Confirm(bout["bout_id"], refused, f"refused-{uuid.uuid4().hex}", token),
    ]


@dataclass(frozen=True)
class Record:
    status: int | None
    body: bytes | None

    @property
    def code(self) -> str | None:
        if self.body is None or self.status is None or self.status < 400:
            return None
        return str(json.loads(self.body)["code"])


@dataclass
class Story:
    """What the database says about the storm's bouts, read in one go."""

    database: URL
    bout_ids: list[str]
    escrows: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    records: dict[tuple[str, str], Record] = field(default_factory=dict)
    bouts: dict[str, str] = field(default_factory=dict)

    def read(self) -> Story:
        ids = self.bout_ids
        with self._connect() as conn:
            self.bouts = {
                str(row["id"]): row["status"]
                for row in conn.execute("SELECT id, status FROM bouts WHERE id = ANY(%s)", (ids,))
            }
            self.escrows = conn.execute(
                "SELECT * FROM escrows WHERE bout_id = ANY(%s)", (ids,)
            ).fetchall()
            self.audit = conn.execute(
                "SELECT * FROM audit_log WHERE bout_id = ANY(%s) ORDER BY id", (ids,)
            ).fetchall()
            self.records = {
                (str(row["bout_id"]), row["key"]): Record(
                    row["response_status"], _bytes(row["response_body"])
                )
                for row in conn.execute(
                    "SELECT * FROM idempotency_keys WHERE bout_id = ANY(%s)", (ids,)
                )
            }
        return self

    def record(self, request: Confirm) -> Record | None:
        return self.records.get((request.bout_id, request.key))

    def settled(self) -> bool:
        """Every escrow created and every bout moved to escrows_created."""
        return all(row["status"] == "created" for row in self.escrows) and set(
            self.bouts.values()
        ) == {"escrows_created"}

    def problems(self) -> list[str]:
        return [
            *self._escrow_moves(),
            *self._bout_moves(),
            *self._stored_outcomes(),
            *self._refusals(),
        ]

    def _escrow_moves(self) -> list[str]:
        found = []
        for escrow in self.escrows:
            moves = [row for row in self._applied() if row["entity_id"] == str(escrow["id"])]
            expected = ["created"] if escrow["status"] == "created" else []
            if [row["details"]["to"] for row in moves] != expected:
                found.append(f"escrow {escrow['id']} is {escrow['status']} after moves {moves}")
            elif moves and moves[0]["details"]["tx_hash"] != escrow["create_tx_hash"]:
                found.append(f"escrow {escrow['id']} holds another tx than its audit row")
        return found

    def _bout_moves(self) -> list[str]:
        found = []
        for bout_id, status in self.bouts.items():
            kinds = {row["status"] for row in self.escrows if str(row["bout_id"]) == bout_id}
            expected = ["escrows_created"] if kinds == {"created"} else []
            moves = [
                row["details"].get("to")
                for row in self._applied()
                if row["entity_type"] == "bout"
                and row["action"] != "bout.create"
                and str(row["bout_id"]) == bout_id
            ]
            if moves != expected or status != (expected[0] if expected else "draft"):
                found.append(f"bout {bout_id} is {status} with escrows {kinds}, moves {moves}")
        return found

    def _stored_outcomes(self) -> list[str]:
        found = []
        successes: Counter[str] = Counter()
        by_kind = {(str(row["bout_id"]), row["kind"]): row for row in self.escrows}
        for (bout_id, key), record in self.records.items():
            if record.status is None or record.body is None:
                found.append(f"key {key} is stored without an outcome")
            elif record.status == 200:
                body = json.loads(record.body)
                escrow = by_kind[(bout_id, body["escrow_kind"])]
                successes[str(escrow["id"])] += 1
                if (escrow["status"], escrow["create_tx_hash"]) != ("created", body["tx_hash"]):
                    found.append(f"key {key} stored a success the escrow does not show")
        for escrow in self.escrows:
            if escrow["status"] == "created" and successes[str(escrow["id"])] != 1:
                found.append(
                    f"escrow {escrow['id']} created with {successes[str(escrow['id'])]} stored successes"
                )
        return found

    def _refusals(self) -> list[str]:
        audited = Counter(row["failure_code"] for row in self.audit if row["outcome"] == "rejected")
        stored = Counter(record.code for record in self.records.values() if record.code)
        if audited != stored:
            return [f"refusals audited {dict(audited)} but stored {dict(stored)}"]
        return []

    def _applied(self) -> list[dict[str, Any]]:
        return [row for row in self.audit if row["outcome"] == "applied"]

    def _connect(self) -> psycopg.Connection[dict[str, Any]]:
        # A fresh connection each time: a cached one would not survive a server restart.
        return psycopg.connect(libpq(self.database), autocommit=True, row_factory=dict_row)


def _bytes(value: Any) -> bytes | None:
    return bytes(value) if value is not None else None


def stored_kind(answer: Answer) -> bool:
    """Whether the client saw an outcome the service stores under the key."""
    return answer.status in (200, 422) or (answer.status == 409 and answer.code == "state_conflict")


def replay(base_url: str, answers: list[Answer], database: URL, bout_ids: list[str]) -> list[str]:
    """Send every request again under its key, one at a time; list what disagrees."""
    replies = [(answer, answer.request.send(base_url)) for answer in answers]
    story = Story(database, bout_ids).read()
    found = []
    for answer, reply in replies:
        record = story.record(answer.request)
        if reply.status_code not in RESOLVED or record is None:
            found.append(
                f"replay of {answer.describe()} answered {reply.status_code}, stored {record}"
            )
        elif (reply.status_code, reply.content) != (record.status, record.body):
            found.append(f"replay of {answer.describe()} answered other than stored")
        elif stored_kind(answer) and reply.content != answer.content:
            found.append(f"replay of {answer.describe()} changed the answer the client saw")
    return found


def error_body_problems(answers: list[Answer]) -> list[str]:
    """Every error answer is a JSON error body; a 500 names the request id it was logged under."""
    found = []
    for answer in answers:
        if answer.status is None or answer.status < 400:
            continue
        if answer.code is None:
            found.append(f"{answer.describe()} has no JSON error body: {answer.content[:80]!r}")
        elif answer.status == 500:
            body_id = json.loads(answer.content).get("request_id")
            if body_id is None or body_id != answer.request_id:
                found.append(f"{answer.describe()} carries no matching request id")
    return found
