"""Administration blueprint; its routes live in several modules registered on one blueprint."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
