"""Idempotency-Key header checks and the request digest."""

from __future__ import annotations

import pytest
from hypothesis import given
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
