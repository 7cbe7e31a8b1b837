"""The audit trail (全程留痕): who changed what, when, from what to what."""
