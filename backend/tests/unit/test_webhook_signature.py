"""Xaman webhook signatures: HMAC-SHA1, first-hyphen key rule, freshness
(docs/xrpl-and-xaman.md#the-webhook-and-its-signature)."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from ringledger.signing.xaman import verify_webhook_signature, webhook_key

pytestmark = pytest.mark.no_db

SECRET = "c0ffee00-aaaa-4bbb-9ccc-0123456789ab"
# Written out by hand: only the first hyphen goes (JavaScript `replace('-', '')`).
KEY = b"c0ffee00aaaa-4bbb-9ccc-0123456789ab"
NOW = 1_800_000_000
BODY = (
    b'{"meta":{"payload_uuidv4":"00000000-0000-4839-af2f-f794874a80b0"},'
    b'"payloadResponse":{"signed":true}}'
)


def signature(timestamp: str, body: bytes = BODY, key: bytes = KEY) -> str:
    return hmac.new(key, timestamp.encode() + body, hashlib.sha1).hexdigest()


def verify(
    timestamp: str | None = str(NOW),
    sig: str | None = None,
    *,
    body: bytes = BODY,
    secret: str = SECRET,
    now: float = NOW,
) -> bool:
    if sig is None and timestamp is not None:
        sig = signature(timestamp)
    return verify_webhook_signature(
        secret=secret, timestamp=timestamp, signature=sig, body=body, now=now
    )


class TestKey:
    def test_only_the_first_hyphen_is_removed(self) -> None:
        assert webhook_key(SECRET) == KEY
        assert webhook_key("a-b-c-d") == b"ab-c-d"

    def test_a_secret_without_hyphens_is_used_as_is(self) -> None:
        assert webhook_key("abcdef") == b"abcdef"


class TestVerify:
    def test_a_correct_signature(self) -> None:
        assert verify()

    def test_upper_case_hex_is_the_same_signature(self) -> None:
        assert verify(sig=signature(str(NOW)).upper())

    def test_a_wrong_signature(self) -> None:
        good = signature(str(NOW))
        assert not verify(sig=("0" if good[0] != "0" else "1") + good[1:])

    def test_a_changed_body(self) -> None:
        assert not verify(body=BODY.replace(b"true", b"false"))

    def test_a_re_serialised_body_is_not_the_body_that_was_signed(self) -> None:
        assert not verify(body=BODY.replace(b":", b": "))

    def test_all_hyphens_removed_is_the_wrong_key(self) -> None:
        wrong = signature(str(NOW), key=SECRET.replace("-", "").encode())
        assert not verify(sig=wrong)

    def test_the_secret_with_its_hyphens_is_the_wrong_key(self) -> None:
        assert not verify(sig=signature(str(NOW), key=SECRET.encode()))

    def test_another_secret(self) -> None:
        assert not verify(secret="c0ffee00-aaaa-4bbb-9ccc-0123456789ac")

    def test_a_missing_timestamp_header(self) -> None:
        sig = signature(str(NOW))
        assert not verify_webhook_signature(
            secret=SECRET, timestamp=None, signature=sig, body=BODY, now=NOW
        )

    def test_a_missing_signature_header(self) -> None:
        assert not verify_webhook_signature(
            secret=SECRET, timestamp=str(NOW), signature=None, body=BODY, now=NOW
        )

    def test_no_secret_configured(self) -> None:
        assert not verify(secret="", sig=signature(str(NOW), key=b""))

    @pytest.mark.parametrize("timestamp", ["", "1.8e9", "-5", " 1800000000", "１８００", "abc"])
    def test_a_timestamp_that_is_not_an_integer(self, timestamp: str) -> None:
        assert not verify(timestamp, signature(timestamp))

    @pytest.mark.parametrize("sig", ["", "abc", "é" * 40, "g" * 40, "0" * 41])
    def test_a_malformed_signature_is_refused_without_error(self, sig: str) -> None:
        assert not verify(sig=sig)

    @pytest.mark.parametrize(("age", "accepted"), [(599, True), (600, True), (601, False)])
    def test_stale_after_ten_minutes(self, age: int, accepted: bool) -> None:
        stamp = str(NOW - age)
        assert verify(stamp, signature(stamp)) is accepted

    @pytest.mark.parametrize(("ahead", "accepted"), [(59, True), (60, True), (61, False)])
    def test_at_most_one_minute_in_the_future(self, ahead: int, accepted: bool) -> None:
        stamp = str(NOW + ahead)
        assert verify(stamp, signature(stamp)) is accepted

    def test_defaults_to_the_current_clock(self) -> None:
        stamp = str(int(time.time()))
        assert verify_webhook_signature(
            secret=SECRET, timestamp=stamp, signature=signature(stamp), body=BODY
        )

    def test_unicode_body_bytes_are_signed_as_received(self) -> None:
        body = '{"custom_meta":{"instruction":"Hey ❤️"}}'.encode()
        stamp = str(NOW)
        assert verify(stamp, signature(stamp, body=body), body=body)
