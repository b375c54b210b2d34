"""The objects that live as long as the process, each in a typed slot of the application's
state.

Starlette's `app.state` holds anything under any name, so a misspelt name or a wrong object
would only show as an AttributeError in the middle of a request. A `Slot` names one object and
its type once: the application puts it in at start-up (type-checked), a request handler reads
it with `slot.of(request)` (typed), and reading a slot nobody filled says which one is missing.
Each package declares the slots of its own objects (`ringledger.core.deps`,
`ringledger.signing.deps`, `ringledger.ledger.deps`); `ringledger.main` fills them all.
"""

from __future__ import annotations

from typing import Generic, TypeVar, cast

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

T = TypeVar("T")


class Slot(Generic[T]):
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def put(self, app: Starlette, value: T) -> None:
        setattr(app.state, self.name, value)

    def of(self, connection: HTTPConnection) -> T:
        return self.in_app(connection.app)

    def in_app(self, app: Starlette) -> T:
        try:
            return cast(T, getattr(app.state, self.name))
        except AttributeError:
            raise RuntimeError(f"the application's {self.name!r} was never set up") from None

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"
