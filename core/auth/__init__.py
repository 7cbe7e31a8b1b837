"""Accounts, passwords (Argon2), access and refresh tokens (JWT), API tokens, lock-out."""
