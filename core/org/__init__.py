"""Jurisdictions, units (respondent agencies, townships, the county government) and officials."""
