"""The HTTP fixtures live in tests/http_fixtures.py (a plugin of the root conftest, usable everywhere)."""

from tests.http_fixtures import NOW, GraphQLClient, free_port

__all__ = ["NOW", "GraphQLClient", "free_port"]
