"""caseload's GraphQL API (strawberry on starlette): one package per domain, assembled in schema.py."""
