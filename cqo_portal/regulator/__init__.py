"""Regulator workspace blueprint; its routes live in several modules registered on one blueprint."""

from flask import Blueprint

bp = Blueprint("regulator", __name__, url_prefix="/regulator")
