"""Serves the built web console (frontend/dist) at `/`; the console routes with URL hashes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope


class ConsoleFiles(StaticFiles):
    """The console's files, never a source map: one would publish the console's source (the
    build emits none; this holds if a build ever does)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path.lower().endswith(".map"):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


def mount_console(app: FastAPI, web_dir: Path) -> bool:
    """Mount the console when it has been built; the API works without it."""
    index = web_dir / "index.html"
    if not index.is_file():
        return False
    # Mounted last: every API route is matched first, the console only gets what is left.
    app.mount("/", ConsoleFiles(directory=web_dir, html=True), name="console")
    return True
