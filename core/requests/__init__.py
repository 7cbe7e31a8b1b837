"""Bookkeeping about requests themselves (idempotency keys)."""
