"""Idempotency-Key header checks and the request digest."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringledger.idempotency.service import KeyInvalid, KeyMissing, check_key, request_hash

pytestmark = pytest.mark.no_db


class TestHeader:
    @pytest.mark.parametrize("value", [None, ""])
    def test_missing(self, value: str | None) -> None:
        with pytest.raises(KeyMissing):
            check_key(value)

    @pytest.mark.parametrize("value", ["x" * 129, "has space", "tab\tkey", "é", "\x7f"])
    def test_invalid(self, value: str) -> None:
        with pytest.raises(KeyInvalid):
            check_key(value)

    @given(
        st.text(
            alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=128
        )
    )
    def test_visible_ascii_accepted(self, value: str) -> None:
        assert check_key(value) == value


class TestDigest:
    def test_key_order_does_not_matter(self) -> None:
        assert request_hash({"a": 1, "b": [1, 2]}) == request_hash({"b": [1, 2], "a": 1})

    def test_values_matter(self) -> None:
        assert request_hash({"a": 1}) != request_hash({"a": 2})


def digest_as_stored(payload: dict[str, Any]) -> str:
    """How every stored digest was made: the standard library's canonical JSON."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.text(alphabet=st.characters(max_codepoint=0x7F))
    | st.uuids()
    | st.datetimes(timezones=st.just(UTC)),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


class TestDigestIsTheStoredOne:
    """A replay after an upgrade must match the digest stored before it."""

    @settings(max_examples=400)
    @given(st.dictionaries(st.text(max_size=12), json_values, max_size=6))
    def test_any_body_digests_as_before(self, payload: dict[str, Any]) -> None:
        assert request_hash(payload) == digest_as_stored(payload)

    @pytest.mark.parametrize(
        "payload",
        [
            {"text": "control \x01\x1f\n\t and DEL \x7f"},
            {"text": "é, ß and ✓"},
            {"big": 2**70, "small": -(2**70)},
            {"at": datetime(2026, 12, 7, 21, 0, tzinfo=UTC)},
        ],
    )
    def test_the_cases_orjson_writes_otherwise(self, payload: dict[str, Any]) -> None:
        assert request_hash(payload) == digest_as_stored(payload)
