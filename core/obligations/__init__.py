"""Obligations (期限): duties with an owner, a due date, a status and an escalation chain."""
