"""Jurisdiction policy plugins: the public place plugins import from.

from core.policy import hookimpl
from core.policy.types import DeadlineRule, Citation, ...
"""

from __future__ import annotations

import pluggy

from core.policy.hookspecs import PROJECT

hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl"]
