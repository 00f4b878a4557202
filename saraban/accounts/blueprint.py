"""The accounts blueprint, on its own so that its two view modules (views.py: login and
home; security.py: the second step and the account's security page) both add to it
without importing each other in a circle."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__)
LOGINS_PER_MINUTE = 20  # per address, in each worker process
