"""Disputes (行政争议) and the efforts to resolve them (协调化解/纾解)."""
