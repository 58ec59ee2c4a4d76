"""How BNG's API reads request bodies and words its errors, as the sandbox reproduces it.

Every error is ``{"error": {"code", "message", "details": [{"field", "issue", …}]}}``
with the code the contract gives for the status. A body must be a JSON object
sent as ``application/json``: anything else is 400, JSON that is not an object
422 on ``(body)``; ``NaN`` and ``Infinity`` are not JSON.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Request

from bng_magento.sandbox.core import ApiError

ERROR_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
               405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 422: "VALIDATION_ERROR",
               429: "RATE_LIMITED", 500: "SERVER_ERROR", 502: "UNAVAILABLE",
               503: "UNAVAILABLE", 504: "UNAVAILABLE"}

Issues = list  # of (field path, issue) pairs, in the order found


def api_error(status: int, message: str, details=(), code: str | None = None,
              headers: dict | None = None) -> ApiError:
    fallback = "BAD_REQUEST" if status < 500 else "SERVER_ERROR"
    body = {"error": {"code": code or ERROR_CODES.get(status, fallback),
                      "message": message, "details": [dict(d) for d in details]}}
    return ApiError(status, body, headers)


def validation_error(issues: Issues, message: str = "The request has invalid fields.") -> ApiError:
    return api_error(422, message, [{"field": f, "issue": i} for f, i in issues])


def conflict(field_name: str, existing_id: str) -> ApiError:
    return api_error(409, f"A record with this {field_name} already exists.",
                     [{"field": field_name, "issue": f"already used by {existing_id}",
                       "existing_id": existing_id}])


def unauthorized(message: str) -> ApiError:
    return api_error(401, message, headers={"WWW-Authenticate": 'Bearer realm="bng"'})


def not_found(id_field: str, record_id: str) -> ApiError:
    return api_error(404, f"No record {record_id}.",
                     [{"field": id_field, "issue": f"{record_id} does not exist"}])


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def read_body(request: Request, *, allow_empty: bool = False) -> dict:
    """The request's JSON object (400 when not JSON, 422 when not an object)."""
    raw = request.get_data()
    if allow_empty and not raw.strip():
        return {}
    if request.mimetype != "application/json":
        raise api_error(400, "The body must be JSON sent as application/json.")
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except ValueError:
        raise api_error(400, "The body is not JSON.") from None
    if not isinstance(body, dict):
        raise validation_error([("(body)", "must be a JSON object")])
    return body
