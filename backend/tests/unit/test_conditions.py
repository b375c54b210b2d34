"""PREIMAGE-SHA-256 conditions and fulfillments (docs/xrpl-and-xaman.md#crypto-conditions-preimage-sha-256)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringledger.bouts import conditions
from ringledger.ledger.evidence import same_hex

pytestmark = pytest.mark.no_db

ZERO_CONDITION = "A025802066687AADF862BD776C8FC18B8E9F8E20089714856EE233B3902A591D0D5F2925810120"
ZERO_FULFILLMENT = "A0228020" + "00" * 32


class TestWorkedExample:
    def test_condition_of_32_zero_bytes(self) -> None:
        assert conditions.condition_hex(bytes(32)) == ZERO_CONDITION

    def test_fulfillment_of_32_zero_bytes(self) -> None:
        assert conditions.fulfillment_hex(bytes(32)) == ZERO_FULFILLMENT


class TestEncoding:
    @given(st.binary(min_size=32, max_size=32))
    def test_condition_layout(self, preimage: bytes) -> None:
        encoded = conditions.condition_for(preimage)
        assert len(encoded) == 39
        assert encoded[:4] == bytes.fromhex("A0258020")
        assert encoded[4:36] == hashlib.sha256(preimage).digest()
        assert encoded[36:] == bytes.fromhex("810120")

    @given(st.binary(min_size=32, max_size=32))
    def test_fulfillment_carries_the_preimage(self, preimage: bytes) -> None:
        encoded = conditions.fulfillment_for(preimage)
        assert len(encoded) == 36 and encoded[4:] == preimage

    @given(st.binary(max_size=64).filter(lambda value: len(value) != 32))
    def test_other_lengths_are_refused(self, preimage: bytes) -> None:
        with pytest.raises(ValueError):
            conditions.condition_for(preimage)

    def test_a_bare_sha256_is_not_a_condition(self) -> None:
        preimage = conditions.new_preimage()
        assert conditions.condition_hex(preimage) != hashlib.sha256(preimage).hexdigest().upper()

    def test_fresh_preimages_differ(self) -> None:
        assert len({conditions.new_preimage() for _ in range(50)}) == 50


class TestSameHex:
    def test_case_does_not_matter(self) -> None:
        assert same_hex("abCD", "ABcd")

    def test_none_equals_only_none(self) -> None:
        assert same_hex(None, None)
        assert not same_hex(None, "AB")
        assert not same_hex("AB", None)
