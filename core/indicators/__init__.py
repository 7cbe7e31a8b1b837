"""Indicators, targets, assessments, rankings and bulletins (issue 5); see docs/indicators.md."""
