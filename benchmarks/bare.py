"""The honest floor of the trivial query: a bare Starlette + orjson app in its own process.

    python -m benchmarks.bare --port 8766

It answers ``POST /graphql`` with the trivial query's answer after reading and parsing the body (the
least any endpoint answering that request must do), with no middleware, no database and no logging,
under the very uvicorn settings the benchmark server runs with (:data:`benchmarks.app.UVICORN`).
No faster Python code serves the same request on the same server, so caseload's trivial query is
compared with this (``python -m benchmarks.floors``); the in-app ``/plain/trivial`` route, which
runs inside caseload's app and middleware, is the second, labelled floor.
"""

from __future__ import annotations

import argparse

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ANSWER = orjson.dumps({"data": {"__typename": "Query"}})


async def trivial(request: Request) -> Response:
    payload = orjson.loads(await request.body())
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return Response(status_code=400)
    return Response(ANSWER, media_type="application/json")


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


def make_app() -> Starlette:
    return Starlette(routes=[Route("/graphql", trivial, methods=["POST"]), Route("/healthz", healthz)])


def main() -> None:
    import uvicorn

    from benchmarks.app import UVICORN

    parser = argparse.ArgumentParser(description="serve the bare trivial-query floor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "benchmarks.bare:make_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        **UVICORN,
    )


if __name__ == "__main__":
    main()
