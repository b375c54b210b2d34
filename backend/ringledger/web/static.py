"""Serves the built web console (frontend/dist) at `/`; the console routes with URL hashes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles


def mount_console(app: FastAPI, web_dir: Path) -> bool:
    """Mount the console when it has been built; the API works without it."""
    index = web_dir / "index.html"
    if not index.is_file():
        return False
    # Mounted last: every API route is matched first, the console only gets what is left.
    app.mount("/", StaticFiles(directory=web_dir, html=True), name="console")
    return True
