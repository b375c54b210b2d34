"""Fill a RingLedger database with years of history, in bulk SQL, so requests are measured
against tables and indexes of a realistic size instead of an empty database.

    fill("postgresql://…/ringledger", bouts=100_000) -> FillReport

Accounts go in with COPY; everything else is generated inside PostgreSQL with
`INSERT … SELECT` over `generate_series`, driven by a hash of (bout number, seed): the same seed
gives the same history, and nothing crosses the wire row by row. What is written, per bout:

- the bout, in a status drawn from a production-like mix (mostly closed; some draft,
  escrows_created, result_entered, payouts_in_progress; a few withdrawn), with an outcome that
  matches it (mostly wins, some draws and no contests, NULL before a result and when withdrawn);
  in-flight bouts are mostly recent, some are stale; `created_at` spans about three years;
- its four escrows, in the statuses the outcome's payout plan allows, with every CHECK of the
  schema satisfied (unique create/close tx hashes, conditions only on bonuses, sequences);
- about eight signing attempts (one escrow-create and one payout request per escrow, as far as
  the bout got), about sixteen audit rows, and the stored outcome of every confirm
  (idempotency_keys, the worst case where `ringledger purge` never ran).

Accounts: a few thousand promoters and fighters. Promoter 0 owns up to 5,000 bouts and fighter 0
fights in a few hundred, for listings of a busy account; every seeded account has the password
FILL_PASSWORD (one argon2id hash, computed once, with the service's default parameters).

Seeded bonus escrows carry a stand-in for the encrypted preimage (the service's key is not ours
to use), so a seeded bout cannot be paid out through the API; they are there to be read.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from argon2 import PasswordHasher
from xrpl.core.addresscodec import encode_classic_address

FILL_PASSWORD = "filled history password"  # pragma: allowlist secret
TABLES = (
    "users",
    "fighter_profiles",
    "bouts",
    "escrows",
    "ledger_moves",
    "signing_attempts",
    "audit_log",
    "idempotency_keys",
)
BUSY_PROMOTER_BOUTS = 5_000
BUSY_FIGHTER_BOUTS = 300


@dataclass(frozen=True)
class FillAccounts:
    """The seeded accounts a listing benchmark logs in as."""

    busy_promoter_email: str
    busy_fighter_email: str
    password: str = FILL_PASSWORD


@dataclass(frozen=True)
class FillPlan:
    """How many of everything `fill` writes for `bouts` bouts."""

    bouts: int
    seed: int
    promoters: int
    fighters: int
    promoter_stride: int  # every promoter_stride-th bout belongs to promoter 0
    fighter_stride: int  # every fighter_stride-th bout has fighter 0 in one corner

    @classmethod
    def for_bouts(cls, bouts: int, seed: int) -> FillPlan:
        if bouts < 10:
            raise ValueError("fill at least 10 bouts")
        busy_promoter = min(BUSY_PROMOTER_BOUTS, bouts // 2)
        busy_fighter = min(BUSY_FIGHTER_BOUTS, bouts // 10)
        return cls(
            bouts=bouts,
            seed=seed,
            promoters=min(2_000, max(10, bouts // 50)),
            fighters=min(4_000, max(20, bouts // 25)),
            promoter_stride=-(-bouts // busy_promoter),
            fighter_stride=bouts // busy_fighter,
        )


@dataclass
class FillReport:
    plan: FillPlan
    accounts: FillAccounts
    seconds: float = 0.0
    step_seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    table_bytes: dict[str, int] = field(default_factory=dict)
    bout_statuses: dict[str, int] = field(default_factory=dict)
    busy_promoter_bouts: int = 0
    busy_fighter_bouts: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def email(seed: int, role: str, index: int) -> str:
    return f"fill{seed}-{role}-{index}@fill.example"


def accounts(seed: int) -> FillAccounts:
    """The busy accounts of a history filled with `seed` (promoter 0 and fighter 0)."""
    return FillAccounts(email(seed, "promoter", 0), email(seed, "fighter", 0))


def seeded_id(seed: int, kind: str, number: int) -> uuid.UUID:
    """The id `fill` gives the `number`-th row of `kind` (the same md5 as in the SQL)."""
    return uuid.UUID(hashlib.md5(f"{seed}:{kind}:{number}".encode()).hexdigest())  # noqa: S324


def fill(libpq_uri: str, *, bouts: int, seed: int = 0) -> FillReport:
    """Write `bouts` bouts of history (and their accounts) into the database; ANALYZE it."""
    plan = FillPlan.for_bouts(bouts, seed)
    report = FillReport(plan, accounts(seed))
    started = time.perf_counter()
    password_hash = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1).hash(
        FILL_PASSWORD
    )
    with psycopg.connect(libpq_uri) as conn:
        _refuse_a_second_fill(conn, plan)
        _prepare_session(conn)
        _copy_accounts(conn, plan, password_hash)
        params = _parameters(conn, plan)
        for name, statement in HISTORY:
            step = time.perf_counter()
            conn.execute(statement, params)
            report.step_seconds[name] = time.perf_counter() - step
        conn.commit()
    with psycopg.connect(libpq_uri, autocommit=True) as conn:
        # What autovacuum would have done long ago on a real database: fresh statistics, a
        # visibility map for index-only scans, hint bits set.
        step = time.perf_counter()
        conn.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}")
        report.step_seconds["vacuum analyze"] = time.perf_counter() - step
        report.seconds = time.perf_counter() - started
        _measure(conn, report)
    return report


def _refuse_a_second_fill(conn: psycopg.Connection[Any], plan: FillPlan) -> None:
    """Seeded emails and ids are a function of the seed: the same seed twice would collide."""
    taken = conn.execute(
        "SELECT 1 FROM users WHERE email = %s", (email(plan.seed, "promoter", 0),)
    ).fetchone()
    if taken:
        raise ValueError(
            f"this database already holds the history of seed {plan.seed}: "
            "fill with another seed, or into a fresh database"
        )


def _prepare_session(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET work_mem = '128MB'")
    conn.execute(UNIFORM_FUNCTION)


def _copy_accounts(conn: psycopg.Connection[Any], plan: FillPlan, password_hash: str) -> None:
    """Users and fighter profiles by COPY; their ids and addresses also into temp tables that
    the history statements join."""
    rng = random.Random(plan.seed)
    conn.execute(
        "CREATE TEMP TABLE fill_account (role text, idx int, id uuid, address text) ON COMMIT DROP"
    )
    rows = [
        (role, index, seeded_id(plan.seed, role, index), _address(rng))
        for role, count in (("promoter", plan.promoters), ("fighter", plan.fighters))
        for index in range(count)
    ]
    # Accounts joined before the history starts, one a day.
    first = datetime.now(UTC) - timedelta(days=1100)
    with conn.cursor() as cursor:
        with cursor.copy("COPY fill_account (role, idx, id, address) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        with cursor.copy(
            "COPY users (id, email, password_hash, role, created_at, updated_at) FROM STDIN"
        ) as copy:
            for role, index, user_id, _ in rows:
                when = first + timedelta(minutes=index)
                row_head = (user_id, email(plan.seed, role, index), password_hash, role)
                copy.write_row((*row_head, when, when))
        with cursor.copy(
            "COPY fighter_profiles (user_id, display_name, xrpl_address) FROM STDIN"
        ) as copy:
            for role, index, user_id, address in rows:
                if role == "fighter":
                    copy.write_row((user_id, f"Fighter {index}", address))


def _address(rng: random.Random) -> str:
    return str(encode_classic_address(rng.randbytes(20)))


def _parameters(conn: psycopg.Connection[Any], plan: FillPlan) -> dict[str, Any]:
    admin = conn.execute(
        "SELECT id FROM users WHERE role = 'admin' ORDER BY created_at LIMIT 1"
    ).fetchone()
    return {
        **asdict(plan),
        "now": datetime.now(UTC),
        "admin_id": admin[0] if admin else None,
    }


def _measure(conn: psycopg.Connection[Any], report: FillReport) -> None:
    for table in TABLES:
        count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        size = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (table,)).fetchone()
        report.rows[table] = int(count[0]) if count else 0
        report.table_bytes[table] = int(size[0]) if size else 0
    statuses = conn.execute("SELECT status::text, count(*) FROM bouts GROUP BY 1 ORDER BY 1")
    report.bout_statuses = {status: int(count) for status, count in statuses}
    busy = conn.execute(
        BUSY_COUNTS,
        {
            "promoter": seeded_id(report.plan.seed, "promoter", 0),
            "fighter": seeded_id(report.plan.seed, "fighter", 0),
        },
    )
    row = busy.fetchone()
    assert row is not None
    report.busy_promoter_bouts, report.busy_fighter_bouts = int(row[0]), int(row[1])


BUSY_COUNTS = """
SELECT count(*) FILTER (WHERE promoter_user_id = %(promoter)s),
       count(*) FILTER (WHERE %(fighter)s IN (fighter_a_user_id, fighter_b_user_id))
FROM bouts
"""

# A uniform number in [0, 1) from (bout number, stream): every random choice of the history is
# one of these, so it does not depend on the order PostgreSQL evaluates rows in.
UNIFORM_FUNCTION = """
CREATE FUNCTION pg_temp.u(n bigint, stream int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(n, stream) & 4294967295)::float8 / 4294967296.0 $$
"""

# One row per bout with every choice made: status, outcome, people, times of each stage.
STAGE_BOUTS = """
CREATE TEMP TABLE fill_bout ON COMMIT DROP AS
WITH drawn AS (
    SELECT n,
           pg_temp.u(n, %(seed)s * 64 + 1) AS u_status,
           pg_temp.u(n, %(seed)s * 64 + 2) AS u_outcome,
           pg_temp.u(n, %(seed)s * 64 + 3) AS u_time,
           pg_temp.u(n, %(seed)s * 64 + 4) AS u_stale,
           pg_temp.u(n, %(seed)s * 64 + 5) AS u_lead,
           pg_temp.u(n, %(seed)s * 64 + 6) AS u_progress,
           pg_temp.u(n, %(seed)s * 64 + 7) AS u_promoter,
           pg_temp.u(n, %(seed)s * 64 + 8) AS u_fighter_a,
           pg_temp.u(n, %(seed)s * 64 + 9) AS u_fighter_b,
           pg_temp.u(n, %(seed)s * 64 + 10) AS u_amount
    FROM generate_series(0, %(bouts)s - 1) AS n
), statused AS (
    SELECT *,
           CASE WHEN u_status < 0.85 THEN 'closed'
                WHEN u_status < 0.88 THEN 'withdrawn'
                WHEN u_status < 0.92 THEN 'draft'
                WHEN u_status < 0.95 THEN 'escrows_created'
                WHEN u_status < 0.97 THEN 'result_entered'
                ELSE 'payouts_in_progress' END::bout_status AS status
    FROM drawn
), timed AS (
    SELECT *,
           date_trunc('second', CASE
               WHEN status IN ('closed', 'withdrawn') OR u_stale < 0.2
                   THEN %(now)s - interval '10 days' - u_time * interval '1040 days'
               WHEN status = 'draft' THEN %(now)s + interval '1 day' + u_time * interval '89 days'
               WHEN status = 'escrows_created'
                   THEN %(now)s - interval '3 days' + u_time * interval '63 days'
               ELSE %(now)s - interval '30 days' + u_time * interval '29 days 20 hours'
           END) AS event_at
    FROM statused
), placed AS (
    SELECT *,
           least(event_at - interval '7 days' - u_lead * interval '38 days',
                 %(now)s - interval '1 hour' - u_lead * interval '2 days') AS created_at,
           CASE WHEN mod(n, %(promoter_stride)s) = 0 THEN 0
                ELSE 1 + floor(u_promoter * (%(promoters)s - 1))::int END AS promoter_idx,
           1 + floor(u_fighter_a * (%(fighters)s - 1))::int AS a_idx,
           floor(u_fighter_b * (%(fighters)s - 2))::int AS b_offset
    FROM timed
), cast_ AS (
    SELECT *,
           CASE WHEN mod(n, %(fighter_stride)s) = %(fighter_stride)s - 1
                     AND mod(n / %(fighter_stride)s, 2) = 0
                THEN 0 ELSE a_idx END AS fighter_a_idx,
           CASE WHEN mod(n, %(fighter_stride)s) = %(fighter_stride)s - 1
                     AND mod(n / %(fighter_stride)s, 2) = 1
                THEN 0 ELSE 1 + mod(a_idx + b_offset, %(fighters)s - 1) END AS fighter_b_idx,
           -- escrows are prepared a quarter of the way to the event, or, for bouts whose
           -- event is still ahead, at some moment of the last few days (mostly expired since)
           greatest(created_at + interval '15 minutes',
                    least(created_at + (event_at - created_at) * 0.25,
                          %(now)s - interval '30 minutes' - u_progress * interval '5 days'))
               AS t_escrow
    FROM placed
)
SELECT c.n,
       md5(%(seed)s || ':bout:' || c.n)::uuid AS id,
       c.status,
       CASE WHEN c.status IN ('draft', 'escrows_created', 'withdrawn') THEN NULL
            WHEN c.u_outcome < 0.45 THEN 'win_a'
            WHEN c.u_outcome < 0.90 THEN 'win_b'
            WHEN c.u_outcome < 0.96 THEN 'draw'
            ELSE 'no_contest' END::bout_outcome AS outcome,
       CASE WHEN c.u_amount < 0.6 THEN 'Fight night ' || c.n END AS title,
       p.id AS promoter_id, p.address AS promoter_address,
       a.id AS fighter_a_id, a.address AS fighter_a_address,
       b.id AS fighter_b_id, b.address AS fighter_b_address,
       c.event_at, c.created_at, c.t_escrow,
       c.event_at + interval '1 hour' AS t_result,
       c.event_at + interval '2 hours 30 minutes' AS t_payout,
       c.event_at + interval '7 days 1 hour' AS t_refund,
       -- a draft may already have some escrows created (1 to 3 of them)
       CASE WHEN c.status = 'draft' AND c.u_progress < 0.3
            THEN 1 + floor(c.u_progress / 0.1)::int ELSE 0 END AS draft_created,
       -- sign requests were issued for the escrows of about half the drafts and withdrawals,
       -- and for the payouts of about half the bouts awaiting them
       c.u_progress < 0.5 OR c.status NOT IN ('draft', 'withdrawn') AS prepared,
       c.status IN ('payouts_in_progress', 'closed') OR c.u_progress < 0.5 AS payout_prepared,
       c.status = 'closed' AND c.u_progress > 0.95 AS refund_pending,
       c.u_amount
FROM cast_ c
JOIN fill_account p ON p.role = 'promoter' AND p.idx = c.promoter_idx
JOIN fill_account a ON a.role = 'fighter' AND a.idx = c.fighter_a_idx
JOIN fill_account b ON b.role = 'fighter' AND b.idx = c.fighter_b_idx
"""

INSERT_BOUTS = """
INSERT INTO bouts (id, title, status, outcome, promoter_user_id, fighter_a_user_id,
                   fighter_b_user_id, promoter_xrpl_address, event_at, finish_after_at,
                   cancel_after_at, finish_after_ripple, cancel_after_ripple, created_at, updated_at)
SELECT id, title, status, outcome, promoter_id, fighter_a_id, fighter_b_id, promoter_address,
       event_at, event_at + interval '2 hours', event_at + interval '7 days',
       extract(epoch FROM event_at + interval '2 hours')::bigint - 946684800,
       extract(epoch FROM event_at + interval '7 days')::bigint - 946684800,
       created_at,
       CASE status WHEN 'closed' THEN t_payout
                   WHEN 'payouts_in_progress' THEN t_payout
                   WHEN 'result_entered' THEN t_result
                   WHEN 'draft' THEN CASE WHEN draft_created > 0 THEN t_escrow ELSE created_at END
                   ELSE t_escrow END
FROM fill_bout
"""

# One row per escrow: its status under the bout's status and outcome, and when it moved.
STAGE_ESCROWS = """
CREATE TEMP TABLE fill_escrow ON COMMIT DROP AS
WITH kinds (k, kind) AS (
    VALUES (0, 'show_a'::escrow_kind), (1, 'show_b'), (2, 'bonus_a'), (3, 'bonus_b')
), planned AS (
    SELECT b.*, k.k, k.kind, b.n * 4 + k.k AS e_no,
           k.k >= 2 AS bonus,
           -- the payout plan: shows are always finished, a bonus only for its winner
           k.k < 2 OR (b.outcome = 'win_a' AND k.k = 2) OR (b.outcome = 'win_b' AND k.k = 3)
               AS finishes
    FROM fill_bout b CROSS JOIN kinds k
)
SELECT *,
       CASE
           WHEN status = 'withdrawn' THEN 'planned'
           WHEN status = 'draft' THEN CASE WHEN k < draft_created THEN 'created' ELSE 'planned' END
           WHEN status IN ('escrows_created', 'result_entered') THEN 'created'
           WHEN status = 'payouts_in_progress' THEN
               CASE WHEN k = 0 THEN 'finished'
                    WHEN NOT finishes AND t_refund <= %(now)s THEN 'cancelled'
                    ELSE 'created' END
           ELSE CASE WHEN finishes THEN 'finished'
                     WHEN refund_pending THEN 'created'
                     ELSE 'cancelled' END
       END::escrow_status AS escrow_status,
       md5(%(seed)s || ':escrow:' || e_no)::uuid AS escrow_id,
       upper(encode(sha256(convert_to(%(seed)s || ':create:' || e_no, 'UTF8')), 'hex'))
           AS create_hash,
       upper(encode(sha256(convert_to(%(seed)s || ':close:' || e_no, 'UTF8')), 'hex'))
           AS close_hash,
       1 + mod(hashint8extended(e_no, %(seed)s) & 2147483647, 4000000000) AS sequence
FROM planned
"""

INSERT_ESCROWS = """
INSERT INTO escrows (id, bout_id, kind, status, owner_address, destination_address, amount_drops,
                     finish_after_ripple, cancel_after_ripple, condition_hex, preimage_ciphertext,
                     offer_sequence, create_tx_hash, close_tx_hash, created_at, updated_at)
SELECT e.escrow_id, e.id, e.kind, e.escrow_status, e.promoter_address,
       CASE WHEN e.k IN (0, 2) THEN e.fighter_a_address ELSE e.fighter_b_address END,
       CASE WHEN e.bonus THEN 500000 ELSE 1000000 END * (1 + floor(e.u_amount * 40)::bigint),
       extract(epoch FROM e.event_at + interval '2 hours')::bigint - 946684800,
       CASE WHEN e.bonus THEN extract(epoch FROM e.event_at + interval '7 days')::bigint - 946684800
       END,
       CASE WHEN e.bonus THEN 'A0258020' || upper(encode(sha256(convert_to(
           %(seed)s || ':preimage:' || e.e_no, 'UTF8')), 'hex')) || '810120' END,
       CASE WHEN e.bonus THEN 'gAAAAA' || translate(encode(sha512(convert_to(
           %(seed)s || ':cipher:' || e.e_no, 'UTF8')), 'base64'), E'+/=\n', '-_') END,
       CASE WHEN e.escrow_status <> 'planned' THEN e.sequence END,
       CASE WHEN e.escrow_status <> 'planned' THEN e.create_hash END,
       CASE WHEN e.escrow_status IN ('finished', 'cancelled') THEN e.close_hash END,
       e.created_at,
       CASE e.escrow_status WHEN 'finished' THEN e.t_payout
                            WHEN 'cancelled' THEN e.t_refund
                            WHEN 'created' THEN e.t_escrow
                            ELSE e.created_at END
FROM fill_escrow e
"""

# Every transaction hash an escrow holds is one recorded move, as the service records them.
INSERT_MOVES = """
INSERT INTO ledger_moves (tx_hash, escrow_id, move, recorded_at)
SELECT create_hash, escrow_id, 'create', t_escrow FROM fill_escrow
WHERE escrow_status <> 'planned'
UNION ALL
SELECT close_hash, escrow_id, CASE escrow_status WHEN 'cancelled' THEN 'cancel' ELSE 'finish' END,
       CASE escrow_status WHEN 'cancelled' THEN t_refund ELSE t_payout END
FROM fill_escrow WHERE escrow_status IN ('finished', 'cancelled')
"""

# Sign requests: one escrow-create request per escrow that was prepared, one payout request per
# escrow paid out or awaiting its payout; signed where the escrow moved, else open or expired.
STAGE_SIGNING = """
CREATE TEMP TABLE fill_signing ON COMMIT DROP AS
WITH requests AS (
    SELECT e.*, 'escrow_create'::signing_phase AS phase, e.e_no * 2 AS a_no,
           e.escrow_status <> 'planned' AS signed,
           CASE WHEN e.escrow_status <> 'planned' THEN e.create_hash END AS signed_hash,
           e.t_escrow - interval '10 minutes' AS issued_at
    FROM fill_escrow e
    WHERE e.escrow_status <> 'planned' OR e.prepared
    UNION ALL
    SELECT e.*, 'payout'::signing_phase, e.e_no * 2 + 1,
           e.escrow_status IN ('finished', 'cancelled'),
           CASE WHEN e.escrow_status IN ('finished', 'cancelled') THEN e.close_hash END,
           CASE WHEN e.escrow_status = 'cancelled' THEN e.t_refund ELSE e.t_payout END
               - interval '10 minutes'
    FROM fill_escrow e
    WHERE e.escrow_status IN ('finished', 'cancelled')
       OR (e.escrow_status = 'created' AND e.outcome IS NOT NULL AND e.payout_prepared)
)
SELECT *,
       md5(%(seed)s || ':payload:' || a_no)::uuid::text AS payload_id,
       CASE WHEN signed THEN 'signed'
            WHEN status = 'withdrawn' OR issued_at + interval '4 hours' <= %(now)s THEN 'expired'
            ELSE 'open' END::signing_status AS signing_status
FROM requests
"""

INSERT_SIGNING = """
INSERT INTO signing_attempts (id, escrow_id, bout_id, phase, mode, payload_id, identifier, status,
                              deep_link_url, qr_png_url, websocket_status_url, expires_at,
                              tx_hash, status_reason, created_at, updated_at, signed_at,
                              followed_at, followed_outcome)
SELECT md5(%(seed)s || ':attempt:' || a_no)::uuid, escrow_id, id, phase, 'stub', payload_id,
       md5(%(seed)s || ':identifier:' || a_no),
       signing_status,
       'https://xumm.app/sign/' || payload_id,
       'https://xumm.app/sign/' || payload_id || '_q.png',
       'wss://xumm.app/sign/' || payload_id,
       issued_at + interval '4 hours',
       signed_hash,
       CASE signing_status WHEN 'signed' THEN 'reported by the operator (stub)'
                           WHEN 'expired' THEN 'The sign request expired unsigned.' END,
       issued_at,
       CASE signing_status WHEN 'signed' THEN issued_at + interval '3 minutes'
                           WHEN 'expired' THEN issued_at + interval '4 hours'
                           ELSE issued_at END,
       CASE signing_status WHEN 'signed' THEN issued_at + interval '3 minutes' END,
       -- Every signed request moved its escrow: the follow-through is done with it.
       CASE signing_status WHEN 'signed' THEN issued_at + interval '4 minutes' END,
       CASE signing_status WHEN 'signed' THEN 'recorded' END
FROM fill_signing
"""

# The audit trail as the service writes it for each step the bout took (the escrow-create sign
# requests, every escrow and bout move, the result, the withdrawal), inserted in time order so
# ids grow with time as they do in production.
INSERT_AUDIT = """
INSERT INTO audit_log (at, bout_id, actor_user_id, actor_role, action, entity_type, entity_id,
                       outcome, details)
SELECT at, bout_id, actor, role, action, entity_type, entity_id, 'applied', details
FROM (
    SELECT b.created_at AS at, b.n, 0 AS step, b.id AS bout_id, b.promoter_id AS actor,
           'promoter' AS role, 'bout.create' AS action, 'bout' AS entity_type,
           b.id::text AS entity_id,
           jsonb_build_object('status', 'draft',
                              'escrows', jsonb_build_array('show_a', 'show_b', 'bonus_a', 'bonus_b'))
               AS details
    FROM fill_bout b
    UNION ALL
    SELECT s.issued_at, s.n, 1 + s.k, s.id, s.promoter_id, 'promoter',
           'signing.' || s.phase::text || '.request', 'signing_attempt',
           md5(%(seed)s || ':attempt:' || s.a_no)::uuid::text,
           jsonb_build_object('escrow_kind', s.kind, 'payload_id', s.payload_id, 'mode', 'stub')
    FROM fill_signing s WHERE s.phase = 'escrow_create'
    UNION ALL
    SELECT e.t_escrow, e.n, 10 + e.k, e.id, e.promoter_id, 'promoter', 'escrow.confirm_create',
           'escrow', e.escrow_id::text,
           jsonb_build_object('from', 'planned', 'to', 'created', 'escrow_kind', e.kind,
                              'tx_hash', e.create_hash, 'offer_sequence', e.sequence)
    FROM fill_escrow e WHERE e.escrow_status <> 'planned'
    UNION ALL
    SELECT b.t_escrow, b.n, 14, b.id, b.promoter_id, 'promoter', 'escrow.confirm_create', 'bout',
           b.id::text, jsonb_build_object('from', 'draft', 'to', 'escrows_created')
    FROM fill_bout b WHERE b.status NOT IN ('draft', 'withdrawn')
    UNION ALL
    SELECT b.t_escrow, b.n, 15, b.id, b.promoter_id, 'promoter', 'bout.withdraw', 'bout',
           b.id::text, jsonb_build_object('from', 'draft', 'to', 'withdrawn')
    FROM fill_bout b WHERE b.status = 'withdrawn'
    UNION ALL
    SELECT b.t_result, b.n, 16, b.id, %(admin_id)s::uuid, 'admin', 'bout.enter_result', 'bout',
           b.id::text,
           jsonb_build_object('from', 'escrows_created', 'to', 'result_entered',
                              'outcome', b.outcome,
                              'winner', CASE b.outcome WHEN 'win_a' THEN 'A' WHEN 'win_b' THEN 'B' END)
    FROM fill_bout b WHERE b.outcome IS NOT NULL
    UNION ALL
    SELECT CASE WHEN e.escrow_status = 'cancelled' THEN e.t_refund ELSE e.t_payout END,
           e.n, 20 + e.k, e.id, e.promoter_id, 'promoter', 'escrow.confirm_payout', 'escrow',
           e.escrow_id::text,
           jsonb_build_object('from', 'created', 'to', e.escrow_status, 'escrow_kind', e.kind,
                              'tx_hash', e.close_hash,
                              'action', CASE WHEN e.finishes THEN 'finish' ELSE 'cancel' END)
    FROM fill_escrow e WHERE e.escrow_status IN ('finished', 'cancelled')
    UNION ALL
    SELECT b.t_payout, b.n, 24, b.id, b.promoter_id, 'promoter', 'escrow.confirm_payout', 'bout',
           b.id::text, jsonb_build_object('from', 'result_entered', 'to', 'payouts_in_progress')
    FROM fill_bout b WHERE b.status IN ('payouts_in_progress', 'closed')
    UNION ALL
    SELECT b.t_payout, b.n, 30, b.id, b.promoter_id, 'promoter', 'escrow.confirm_payout', 'bout',
           b.id::text, jsonb_build_object('from', 'payouts_in_progress', 'to', 'closed')
    FROM fill_bout b WHERE b.status = 'closed'
) AS steps
ORDER BY at, n, step
"""

# The stored outcome of every confirm: one escrow confirm per escrow created, one payout
# confirm per escrow finished or cancelled, each with the body the service answered.
INSERT_IDEMPOTENCY = """
INSERT INTO idempotency_keys (operation, bout_id, key, request_hash, response_status,
                              response_body, created_at)
SELECT operation, id, md5(%(seed)s || ':key:' || operation || ':' || e_no),
       encode(sha256(convert_to(%(seed)s || ':request:' || operation || ':' || e_no, 'UTF8')),
              'hex'),
       200, convert_to(body::text, 'UTF8'), at
FROM (
    SELECT 'escrow_confirm' AS operation, e.id, e.e_no, e.t_escrow AS at,
           jsonb_build_object('bout_id', e.id, 'escrow_id', e.escrow_id, 'escrow_kind', e.kind,
                              'escrow_status', 'created',
                              'bout_status', CASE WHEN e.k = 3 AND e.status <> 'draft'
                                                  THEN 'escrows_created' ELSE 'draft' END,
                              'tx_hash', e.create_hash, 'offer_sequence', e.sequence) AS body
    FROM fill_escrow e WHERE e.escrow_status <> 'planned'
    UNION ALL
    SELECT 'payout_confirm', e.id, e.e_no,
           CASE WHEN e.escrow_status = 'cancelled' THEN e.t_refund ELSE e.t_payout END,
           jsonb_build_object('bout_id', e.id, 'escrow_id', e.escrow_id, 'escrow_kind', e.kind,
                              'escrow_status', e.escrow_status, 'bout_status', e.status,
                              'tx_hash', e.close_hash)
    FROM fill_escrow e WHERE e.escrow_status IN ('finished', 'cancelled')
) AS confirms
"""

HISTORY = (
    ("stage bouts", STAGE_BOUTS),
    ("bouts", INSERT_BOUTS),
    ("stage escrows", STAGE_ESCROWS),
    ("escrows", INSERT_ESCROWS),
    ("ledger_moves", INSERT_MOVES),
    ("stage signing", STAGE_SIGNING),
    ("signing_attempts", INSERT_SIGNING),
    ("audit_log", INSERT_AUDIT),
    ("idempotency_keys", INSERT_IDEMPOTENCY),
)
