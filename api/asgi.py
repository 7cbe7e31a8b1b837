"""ASGI entry point for uvicorn (``uvicorn api.asgi:app``); configuration comes from the environment."""

from api.app import create_app

app = create_app()
