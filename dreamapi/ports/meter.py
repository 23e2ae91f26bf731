"""Usage meter port: one operation on one subject's counting object (usage_meter/).

The workers implementation calls the subject's Durable Object through the USAGE_METER binding
(`dreamapi.runtime.workers.DurableObjectMeter`); `dreamapi.metering.UsageMeter` builds the
operations and reads the answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class JsonBody(str):
    """A payload already encoded as a JSON object (the metered path builds its own, see
    dreamapi.metering.UsageMeter.counting_body): sent as it is."""


class MeterUnavailableError(Exception):
    """The meter was unreachable, erred, or did not answer in time. Never carries a secret."""


class MeterPort(Protocol):
    async def send(
        self, subject: str, operation: str, payload: dict[str, Any] | JsonBody, timeout_seconds: float
    ) -> dict[str, Any]:
        """The object's JSON answer to `operation` ("meter" or "peek"), or MeterUnavailableError."""
        ...


@dataclass
class MeterOperationCount:
    """What the meter was asked per request (benchmarks and tests read it from X-Meter-Ops)."""

    calls: int = 0
    rows_written: int = 0

    def header(self) -> str:
        return f"calls={self.calls};rows_written={self.rows_written}"


class CountingMeter:
    def __init__(self, inner: MeterPort, count: MeterOperationCount) -> None:
        self._inner = inner
        self._count = count

    async def send(
        self, subject: str, operation: str, payload: dict[str, Any] | JsonBody, timeout_seconds: float
    ) -> dict[str, Any]:
        self._count.calls += 1
        answer = await self._inner.send(subject, operation, payload, timeout_seconds)
        rows = answer.get("rowsWritten")
        self._count.rows_written += rows if isinstance(rows, int) else 0
        return answer
