"""docs/xrpl-and-xaman.md against the code: the document's worked examples are what the code does.

The document keeps its example values in fenced `text` blocks of `name = value` lines and spells
the crypto-condition bytes out in tables headed "Bytes (hex)". This test reads those, recomputes
each value with the project's own functions (and, where it can, independently with hashlib/hmac)
and fails on any difference, so the page cannot silently drift from the code. Other code links to
the sections' GitHub anchors, so their headings are pinned here as well.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal, localcontext
from pathlib import Path

import pytest

from ringledger.bouts import conditions
from ringledger.bouts.records import Token
from ringledger.core.config import XRPL_NETWORK_IDS
from ringledger.core.timeutil import RIPPLE_EPOCH_OFFSET, from_ripple, to_ripple
from ringledger.core.tokens import net_of, plain
from ringledger.core.xrpl_models import TrustSetFlag
from ringledger.issued.trust_lines import trust_set
from ringledger.ledger import state_answers
from ringledger.ledger.state import NO_TRANSFER_FEE
from ringledger.settlement.transactions import finish_fee_drops
from ringledger.signing import xaman
from tests.support import ledger_model
from tests.support.xrpl import new_address

pytestmark = pytest.mark.no_db

DOC = Path(__file__).resolve().parents[3] / "docs" / "xrpl-and-xaman.md"

ESCROWS = "Escrows on the XRP Ledger"
CONDITIONS = "Crypto-conditions (PREIMAGE-SHA-256)"
LEDGER = "Reading the ledger: tx and server_info"
STATE = "Reading the ledger's state"
XAMAN = "Xaman platform API"
# Heading -> the GitHub anchor other code links to.
ANCHORS = {
    ESCROWS: "escrows-on-the-xrp-ledger",
    CONDITIONS: "crypto-conditions-preimage-sha-256",
    LEDGER: "reading-the-ledger-tx-and-server_info",
    STATE: "reading-the-ledgers-state",
    XAMAN: "xaman-platform-api",
}

_FENCE = re.compile(r"^\s*```")
_LABELLED = re.compile(r"^([A-Za-z][\w.]*)\s*=\s*(.+?)\s*$")
_HEX_CELL = re.compile(r"^`([0-9A-Fa-f]+)`$")


@dataclass(frozen=True)
class Section:
    values: dict[str, str]  # the `name = value` lines of its ```text blocks
    byte_tables: list[list[str]]  # first-column hex groups of each "Bytes (hex)" table


def _github_anchor(heading: str) -> str:
    """GitHub's heading slug: lower case, punctuation but `-` and `_` dropped, spaces to `-`."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _parse(text: str) -> tuple[list[str], dict[str, Section]]:
    headings: list[str] = []
    blocks: dict[str, list[tuple[str, list[str]]]] = {}
    tables: dict[str, list[list[str]]] = {}
    current = ""
    fence: tuple[str, list[str]] | None = None
    table: list[str] | None = None
    for line in text.splitlines():
        if fence is not None:
            if _FENCE.match(line):
                blocks.setdefault(current, []).append(fence)
                fence = None
            else:
                fence[1].append(line)
            continue
        if _FENCE.match(line):
            fence = (line.strip().removeprefix("```").strip(), [])
            continue
        if line.startswith("## "):
            current = line[3:].strip()
            headings.append(current)
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == "Bytes (hex)":
            table = []
            tables.setdefault(current, []).append(table)
        elif line.startswith("|") and table is not None:
            match = _HEX_CELL.match(cells[0])
            if match:
                table.append(match.group(1).upper())
        else:
            table = None
    assert fence is None, "a fenced block in the document is never closed"
    sections = {}
    for name in headings:
        values: dict[str, str] = {}
        for info, lines in blocks.get(name, []):
            if info != "text":
                continue
            for line in filter(str.strip, lines):
                match = _LABELLED.match(line)
                assert match, f"{name}: not a `name = value` line: {line!r}"
                key, value = match.groups()
                assert key not in values, f"{name}: {key} is given twice"
                values[key] = value
        sections[name] = Section(values, tables.get(name, []))
    return headings, sections


@pytest.fixture(scope="module")
def doc() -> tuple[list[str], dict[str, Section]]:
    return _parse(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sections(doc: tuple[list[str], dict[str, Section]]) -> dict[str, Section]:
    return doc[1]


def _hex(section: Section, key: str) -> str:
    value = section.values.get(key)
    assert value is not None, f"the document gives no {key}"
    assert re.fullmatch(r"[0-9A-Fa-f]+", value), f"{key} is not hex: {value!r}"
    return value.upper()


def _int(section: Section, key: str) -> int:
    value = section.values.get(key)
    assert value is not None, f"the document gives no {key}"
    assert value.isdigit(), f"{key} is not a whole number: {value!r}"
    return int(value)


class TestHeadings:
    def test_the_linked_sections_are_there_in_order(
        self, doc: tuple[list[str], dict[str, Section]]
    ) -> None:
        headings = doc[0]
        required = [heading for heading in headings if heading in ANCHORS]
        assert required == list(ANCHORS), f"## headings found: {headings}"

    @pytest.mark.parametrize("heading", list(ANCHORS))
    def test_anchor_is_stable(self, heading: str) -> None:
        assert _github_anchor(heading) == ANCHORS[heading]


class TestConditionExample:
    def test_the_preimage_is_32_bytes(self, sections: dict[str, Section]) -> None:
        preimage = bytes.fromhex(_hex(sections[CONDITIONS], "preimage_hex"))
        assert len(preimage) == conditions.PREIMAGE_BYTES == 32

    def test_sha256_of_the_preimage(self, sections: dict[str, Section]) -> None:
        section = sections[CONDITIONS]
        preimage = bytes.fromhex(_hex(section, "preimage_hex"))
        assert hashlib.sha256(preimage).hexdigest().upper() == _hex(section, "sha256_hex")

    def test_condition_is_what_the_code_encodes(self, sections: dict[str, Section]) -> None:
        section = sections[CONDITIONS]
        preimage = bytes.fromhex(_hex(section, "preimage_hex"))
        assert conditions.condition_hex(preimage) == _hex(section, "condition_hex")

    def test_fulfillment_is_what_the_code_encodes(self, sections: dict[str, Section]) -> None:
        section = sections[CONDITIONS]
        preimage = bytes.fromhex(_hex(section, "preimage_hex"))
        assert conditions.fulfillment_hex(preimage) == _hex(section, "fulfillment_hex")

    def test_condition_carries_the_fingerprint_and_the_cost(
        self, sections: dict[str, Section]
    ) -> None:
        section = sections[CONDITIONS]
        condition = bytes.fromhex(_hex(section, "condition_hex"))
        assert len(condition) == 39
        assert condition[:4].hex().upper() == "A0258020"
        assert condition[4:36].hex().upper() == _hex(section, "sha256_hex")
        assert condition[36:].hex().upper() == "810120"

    def test_byte_tables_spell_out_the_example(self, sections: dict[str, Section]) -> None:
        section = sections[CONDITIONS]
        assert len(section.byte_tables) == 2, "expected a condition and a fulfillment table"
        condition_rows, fulfillment_rows = section.byte_tables
        assert "".join(condition_rows) == _hex(section, "condition_hex")
        assert _hex(section, "sha256_hex") in condition_rows
        assert "".join(fulfillment_rows) == _hex(section, "fulfillment_hex")
        assert _hex(section, "preimage_hex") in fulfillment_rows


class TestEscrowExamples:
    def test_ripple_epoch_offset(self, sections: dict[str, Section]) -> None:
        offset = _int(sections[ESCROWS], "ripple_epoch_unix")
        assert offset == RIPPLE_EPOCH_OFFSET
        assert datetime.fromtimestamp(offset, UTC) == datetime(2000, 1, 1, tzinfo=UTC)

    def test_ripple_time_example(self, sections: dict[str, Section]) -> None:
        section = sections[ESCROWS]
        moment = datetime.fromisoformat(section.values["example_utc"].replace("Z", "+00:00"))
        assert moment.tzinfo is not None
        ripple = _int(section, "example_ripple")
        assert to_ripple(moment) == ripple
        assert from_ripple(ripple) == moment
        assert ripple == int(moment.timestamp()) - RIPPLE_EPOCH_OFFSET

    def test_finish_fee_example(self, sections: dict[str, Section]) -> None:
        section = sections[ESCROWS]
        fulfillment = _hex(sections[CONDITIONS], "fulfillment_hex")
        size = _int(section, "fulfillment_bytes")
        base = _int(section, "base_fee_drops")
        assert len(fulfillment) // 2 == size
        fee = finish_fee_drops(base_fee_drops=base, fulfillment_hex=fulfillment)
        assert fee == _int(section, "finish_fee_drops")
        assert fee == base * (33 + size // 16)


class TestLedgerAndXamanValues:
    def test_network_ids(self, sections: dict[str, Section]) -> None:
        values = sections[LEDGER].values
        ids = {
            key.removeprefix("network_id."): int(value)
            for key, value in values.items()
            if key.startswith("network_id.")
        }
        assert ids == XRPL_NETWORK_IDS

    def test_webhook_constants(self, sections: dict[str, Section]) -> None:
        section = sections[XAMAN]
        assert section.values["webhook_timestamp_header"] == xaman.WEBHOOK_TIMESTAMP_HEADER
        assert section.values["webhook_signature_header"] == xaman.WEBHOOK_SIGNATURE_HEADER
        assert _int(section, "webhook_max_age_seconds") == xaman.WEBHOOK_MAX_AGE_SECONDS
        assert _int(section, "webhook_max_ahead_seconds") == xaman.WEBHOOK_MAX_AHEAD_SECONDS

    def test_webhook_signature_example(self, sections: dict[str, Section]) -> None:
        values = sections[XAMAN].values
        credential = values["webhook_example_app_credential"]
        key = values["webhook_example_hmac_key"]
        stamp = values["webhook_example_timestamp"]
        body = values["webhook_example_body"].encode()
        signature = values["webhook_example_signature"]
        # Only the first hyphen goes; the example keeps the other three.
        assert key == credential.replace("-", "", 1) and key.count("-") == 3
        assert xaman.webhook_key(credential) == key.encode()
        assert hmac.new(key.encode(), stamp.encode() + body, hashlib.sha1).hexdigest() == signature
        assert xaman.verify_webhook_signature(
            secret=credential, timestamp=stamp, signature=signature, body=body, now=int(stamp)
        )


class TestLedgerStateValues:
    def test_account_flag_bits(self, sections: dict[str, Section]) -> None:
        """The bits the client decodes, and the ones the node stand-in writes, are the page's."""
        section = sections[STATE]
        bits = {
            "requireAuthorization": (state_answers.LSF_REQUIRE_AUTH, ledger_model.REQUIRE_AUTH),
            "globalFreeze": (state_answers.LSF_GLOBAL_FREEZE, ledger_model.GLOBAL_FREEZE),
            "allowTrustLineLocking": (
                state_answers.LSF_ALLOW_TRUST_LINE_LOCKING,
                ledger_model.ALLOW_TRUST_LINE_LOCKING,
            ),
        }
        for name, (client, stand_in) in bits.items():
            assert _int(section, f"account_flag.{name}") == client == stand_in, name
        assert _int(section, "transfer_rate.no_fee") == NO_TRANSFER_FEE == ledger_model.PARITY_RATE

    def test_token_transfer_fee_example(self, sections: dict[str, Section]) -> None:
        """The lower rate applies and the net is rounded down to 15 significant digits."""
        values = sections[STATE].values
        recorded = _int(sections[STATE], "token_example.recorded_rate")
        current = _int(sections[STATE], "token_example.current_rate")
        value = values["token_example.value"]
        with localcontext() as exact:
            exact.prec = 50
            net = Decimal(value) * NO_TRANSFER_FEE / min(recorded, current)
        rounded = net.quantize(Decimal(1).scaleb(net.adjusted() - 14), rounding=ROUND_DOWN)
        assert str(rounded) == values["token_example.delivered"]
        stand_in = ledger_model.delivered(value, recorded, current)
        assert stand_in == Decimal(values["token_example.delivered"])
        # The service's estimate uses the rate prepare recorded; the finish's own, the lower.
        assert plain(net_of(Decimal(value), recorded)) == values["token_example.net_amount"]
        assert plain(net_of(Decimal(value), min(recorded, current))) == str(rounded)

    def test_trust_set_flag(self, sections: dict[str, Section]) -> None:
        tx = trust_set(new_address(), Token("USD", "USD", new_address()), Decimal("10"))
        assert tx["Flags"] == _int(sections[STATE], "trust_set.tf_set_no_ripple")
        assert TrustSetFlag.TF_SET_NO_RIPPLE.value == tx["Flags"]
