"""Webhook signatures: one test per failure mode, and the happy path."""

from __future__ import annotations

import pytest

from bng_magento.signing import SignatureError, sign, verify

SECRET = "whsec-test"
BODY = b'{"id": "1"}'
NOW = 1_800_000_000


def test_a_correct_signature_within_tolerance_verifies():
    verify(SECRET, str(NOW), sign(SECRET, NOW, BODY), BODY, now=NOW + 299)


def test_a_missing_timestamp_is_refused():
    with pytest.raises(SignatureError, match="missing timestamp"):
        verify(SECRET, None, sign(SECRET, NOW, BODY), BODY, now=NOW)


def test_a_missing_signature_is_refused():
    with pytest.raises(SignatureError, match="missing signature"):
        verify(SECRET, str(NOW), None, BODY, now=NOW)


def test_a_non_numeric_timestamp_is_refused():
    with pytest.raises(SignatureError, match="Unix seconds"):
        verify(SECRET, "yesterday", sign(SECRET, "yesterday", BODY), BODY, now=NOW)


def test_a_stale_timestamp_is_refused_even_with_a_valid_signature():
    with pytest.raises(SignatureError, match="tolerance"):
        verify(SECRET, str(NOW), sign(SECRET, NOW, BODY), BODY, now=NOW + 301)


def test_a_timestamp_from_the_future_is_refused():
    with pytest.raises(SignatureError, match="tolerance"):
        verify(SECRET, str(NOW + 400), sign(SECRET, NOW + 400, BODY), BODY, now=NOW)


def test_a_signature_without_the_scheme_prefix_is_refused():
    bare = sign(SECRET, NOW, BODY).removeprefix("sha256=")
    with pytest.raises(SignatureError, match="sha256="):
        verify(SECRET, str(NOW), bare, BODY, now=NOW)


def test_a_signature_under_another_secret_is_refused():
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, str(NOW), sign("other", NOW, BODY), BODY, now=NOW)


def test_a_changed_body_is_refused():
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, str(NOW), sign(SECRET, NOW, BODY), BODY + b" ", now=NOW)


def test_a_signature_for_another_timestamp_is_refused():
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, str(NOW), sign(SECRET, NOW - 1, BODY), BODY, now=NOW)


def test_non_ascii_garbage_in_the_signature_is_refused_not_crashing():
    with pytest.raises(SignatureError):
        verify(SECRET, str(NOW), "sha256=ü" * 10, BODY, now=NOW)
