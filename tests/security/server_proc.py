"""An API process for the kill -9 tests: ``python -m tests.security.server_proc PORT``.

caseload's app with the test plugins (testland), on DATABASE_URL, in development mode, served by
uvicorn on 127.0.0.1:PORT until killed.
"""

from __future__ import annotations

import sys

import uvicorn

from api.app import create_app
from core.config import Settings
from core.policy.manager import build_registry
from tests.support import Testland

if __name__ == "__main__":
    app = create_app(Settings.from_env(), registry=build_registry(extra={"testland": Testland()}))
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
