"""caseload core: the domain of administrative disputes, independent of the API layer."""
