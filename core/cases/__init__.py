"""Reconsideration (行政复议) and litigation (行政诉讼) cases, hearings, outcomes and post-judgment duties."""
