"""Times as the API shows them: ISO 8601 in UTC to the second, e.g. "2026-12-02T07:22:43Z"."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_from_ms(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else iso_utc(epoch_ms / 1000)


def parse_iso(text: str) -> float | None:
    """Epoch seconds of an ISO 8601 time with a zone (Z or an offset); None for anything else."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None
