"""Read-only JSON data API for the bureau's own systems, at /api/v1, authenticated by bearer tokens.

`tokens.py` issues, revokes and checks the per-regulator tokens; `services.py` holds the scoped
queries; `routes.py` the endpoints; `openapi.py` the hand-written OpenAPI 3.1 document.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
