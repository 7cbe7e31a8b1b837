"""ASGI entry point for uvicorn (``uvicorn api.asgi:app``); configuration comes from the environment."""

from api.app import create_app
from api.ops import configure_logging

configure_logging()  # JSON lines with request ids (CASELOAD_LOG_FORMAT=text for a terminal)
app = create_app()
