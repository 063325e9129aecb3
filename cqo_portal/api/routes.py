"""The data API's endpoints: bearer-token auth, JSON in every answer (errors included), no writes.

Requests carry `Authorization: Bearer <token>`; session cookies are ignored, which is why the
blueprint is CSRF-exempt. Every object is looked up through the token owner's jurisdiction, so
an id outside it answers 404 exactly like an id that does not exist.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException, NotFound, Unauthorized

from cqo_portal.api import bp, openapi, services, tokens
from cqo_portal.extensions import csrf, db, limiter
from cqo_portal.web import commit

csrf.exempt(bp)

_MESSAGES = {
    400: "The request has a malformed parameter.",
    401: "A valid API token is required: send 'Authorization: Bearer <token>'.",
    403: "The token may not do this.",
    404: "No such resource within the token's jurisdiction.",
    405: "This endpoint only answers GET.",
    429: "Too many requests; slow down and retry later.",
    500: "Something went wrong; nothing was changed.",
}
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "too_many_requests",
    500: "server_error",
}


def error_response(status: int, message: str | None = None, **extra: Any):
    body: dict[str, Any] = {
        "status": status,
        "code": _CODES.get(status, "error"),
        "message": message or _(_MESSAGES.get(status, "The request failed.")),
    }
    body.update(extra)
    resp = jsonify({"error": body})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="cqo-portal-api"'
    return resp


def _is_api_request() -> bool:
    return request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")


def _app_http_error(e: HTTPException):
    """JSON under /api/v1 (routing errors included); elsewhere the portal's own error page."""
    if _is_api_request():
        resp = error_response(e.code or 500)
        if e.code == 405 and isinstance(getattr(e, "valid_methods", None), list):
            resp.headers["Allow"] = ", ".join(e.valid_methods)
        return resp
    handler = current_app.error_handler_spec[None][None].get(HTTPException)
    return handler(e) if handler is not None else e


# Code-specific app-level handlers win over the portal's generic HTTPException page (Flask looks up
# by code first); they answer JSON only for API paths and hand everything else back.
for _code in (400, 401, 403, 404, 405, 429):
    bp.app_errorhandler(_code)(_app_http_error)


@bp.errorhandler(services.ApiQueryError)
def _bad_parameter(e: services.ApiQueryError):
    return error_response(400, e.message, parameter=e.parameter)


@bp.errorhandler(HTTPException)
def _http_error(e: HTTPException):
    return error_response(e.code or 500)


@bp.errorhandler(Exception)
def _server_error(_e: Exception):
    db.session.rollback()
    current_app.logger.exception("unhandled error in the data API on %s", request.path)
    return error_response(500)


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "600 per minute")


def _rate_key() -> str:
    """Per token (by a hash of the header) so bureaus behind one NAT do not share a budget."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()[:32]
    return "api-ip:" + (get_remote_address() or "")


limiter.limit(_rate_limit, key_func=_rate_key)(bp)


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "api.openapi_document":
        return
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    token = tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise Unauthorized()
    g.api_token = token
    g._login_user = token.user  # current_user for authz and the access log; no session is made
    if tokens.touch(token):
        commit()


@bp.teardown_request
def _forget_token(_exc: BaseException | None) -> None:
    # An app context can outlive the request (tests, CLI): the token's user must not leak on.
    g.pop("api_token", None)
    g.pop("_login_user", None)


@bp.after_request
def _no_store(resp):
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


@bp.get("/enterprises")
def enterprises():
    return jsonify(services.page_data(services.list_enterprises(g.api_token.user, request.args)))


@bp.get("/enterprises/<int(min=1, max=2147483647):enterprise_id>")
def enterprise(enterprise_id: int):
    data = services.get_enterprise(g.api_token.user, enterprise_id)
    if data is None:
        raise NotFound()
    return jsonify(data)


@bp.get("/cqos")
def cqos():
    return jsonify(services.page_data(services.list_cqos(g.api_token.user, request.args)))


@bp.get("/submissions")
def submissions():
    return jsonify(services.page_data(services.list_submissions(g.api_token.user, request.args)))


@bp.get("/submissions/<int(min=1, max=2147483647):submission_id>")
def submission(submission_id: int):
    data = services.get_submission(g.api_token.user, submission_id)
    if data is None:
        raise NotFound()
    return jsonify(data)


@bp.get("/statistics")
def statistics():
    return jsonify(services.statistics(g.api_token.user, request.args))


@bp.get("/quality-safety")
def quality_safety():
    return jsonify(services.quality_safety(g.api_token.user, request.args))
