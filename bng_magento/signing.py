"""Webhook signatures: ``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>.<raw body>"``.

BNG and our Magento relay sign the same way. ``sign`` lives beside ``verify``
so that tests, the sandboxes and the benchmarks produce real signatures.
"""

from __future__ import annotations

import hashlib
import hmac
import time

PREFIX = "sha256="


class SignatureError(Exception):
    """Why a webhook's signature was refused; the message is safe to return."""


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, *,
           tolerance: int = 300, now: float | None = None) -> None:
    """Raise SignatureError unless ``signature`` is valid and ``timestamp`` is fresh."""
    if not timestamp:
        raise SignatureError("missing timestamp header")
    if not signature:
        raise SignatureError("missing signature header")
    try:
        sent = int(timestamp.strip())
    except ValueError:
        raise SignatureError("timestamp is not Unix seconds") from None
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        raise SignatureError(f"timestamp outside the {tolerance} s tolerance")
    if not signature.startswith(PREFIX):
        raise SignatureError("signature must start with sha256=")
    expected = sign(secret, timestamp.strip(), body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace")):
        raise SignatureError("signature does not match")
