"""Policy plugins shipped with caseload: the national defaults and four jurisdictions."""
