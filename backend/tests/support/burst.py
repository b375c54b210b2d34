"""A burst of confirm requests from several threads, paced so that a fault can land mid-burst.

Every request is sent once, on its own connection; each answer records when it was sent and
received, and what came back: a status and body, or the transport error that replaced them.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Confirm:
    """One escrow-confirm request: its bout, evidence and Idempotency-Key."""

    bout_id: str
    body: dict[str, Any]
    key: str
    token: str

    @property
    def path(self) -> str:
        return f"/bouts/{self.bout_id}/escrows/confirm"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Idempotency-Key": self.key}

    def send(self, base_url: str, *, timeout: float = 30) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=timeout) as http:
            return http.post(self.path, json=self.body, headers=self.headers)


@dataclass(frozen=True)
class Answer:
    request: Confirm
    started: float
    ended: float
    status: int | None = None
    content: bytes = b""
    request_id: str | None = None
    error: str | None = None

    @property
    def code(self) -> str | None:
        """The error body's `code`, when there is a JSON error body."""
        if self.status is None or self.status < 400:
            return None
        try:
            return str(json.loads(self.content).get("code"))
        except ValueError:
            return None

    def overlaps(self, start: float, end: float) -> bool:
        return self.started <= end and self.ended >= start

    def describe(self) -> str:
        outcome = f"{self.status} {self.code or ''}".strip() if self.error is None else self.error
        return f"{self.request.key} [{self.started:.3f}–{self.ended:.3f}]: {outcome}"


@dataclass
class Burst:
    """Sends requests from `threads` workers, each pausing `pace` seconds between requests."""

    base_url: str
    threads: int = 4
    pace: float = 0.1
    answers: list[Answer] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _lanes: list[threading.Thread] = field(default_factory=list)
    _sending: int = 0

    def start(self, requests: list[Confirm]) -> None:
        """Begin sending in the background; request i goes out on lane i mod `threads`."""
        for lane in range(self.threads):
            thread = threading.Thread(target=self._lane, args=(requests[lane :: self.threads],))
            thread.start()
            self._lanes.append(thread)

    def join(self, timeout: float = 120) -> list[Answer]:
        """Wait for every answer; return them in the order they arrived."""
        for thread in self._lanes:
            thread.join(timeout)
            assert not thread.is_alive(), "a burst lane is still sending"
        return self.answers

    def wait_for(self, count: int, *, timeout: float = 60) -> None:
        """Block until `count` answers are in."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.answers) >= count, timeout=timeout):
                raise TimeoutError(f"only {len(self.answers)} of {count} answers arrived")

    def wait_in_flight(self, *, timeout: float = 10) -> None:
        """Block until some request has been sent and not yet answered (a fault then cuts it)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._sending > 0, timeout=timeout):
                raise TimeoutError("no request was in flight")

    def outcomes(self) -> Counter[str]:
        """How many answers of each kind: `200`, `409 state_conflict`, `ConnectError`, …"""
        return Counter(
            answer.error or f"{answer.status} {answer.code or ''}".strip()
            for answer in self.answers
        )

    def _lane(self, requests: list[Confirm]) -> None:
        for request in requests:
            with self._changed:
                self._sending += 1
                self._changed.notify_all()
            answer = self._send(request)
            with self._changed:
                self._sending -= 1
                self.answers.append(answer)
                self._changed.notify_all()
            time.sleep(self.pace)

    def _send(self, request: Confirm) -> Answer:
        started = time.monotonic()
        try:
            response = request.send(self.base_url)
        except httpx.HTTPError as error:
            return Answer(request, started, time.monotonic(), error=type(error).__name__)
        return Answer(
            request,
            started,
            time.monotonic(),
            status=response.status_code,
            content=response.content,
            request_id=response.headers.get("x-request-id"),
        )
