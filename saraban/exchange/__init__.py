"""Exchanging signed letters between saraban installations of different agencies."""
