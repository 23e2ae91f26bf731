"""A platform's webhook outbox (usage_meter/src/outbox.js): its endpoints, the events owed to
them and their deliveries. This module holds the delivery policy the object is given: the retry
schedule, the timeout and the number of endpoints a platform may have.
"""

from __future__ import annotations

import logging
from typing import Any

from dreamapi.errors import conflict, not_found, unavailable
from dreamapi.ports.meter import MeterPort, MeterUnavailableError

logger = logging.getLogger("dreamapi.webhooks")

DELIVERY_TIMEOUT_MS = 10_000
MAX_ENDPOINTS = 10
DELIVERIES_SHOWN = 50
EVENTS_SHOWN = 20
OPERATION_TIMEOUT_SECONDS = 5.0


def webhooks_unavailable() -> Exception:
    return unavailable(
        "Webhooks cannot be reached right now. Retry in a few seconds.", "webhooks_unavailable"
    )


class WebhookOutbox:
    def __init__(self, port: MeterPort, platform_id: str, retry_seconds: tuple[int, ...]) -> None:
        self._port = port
        self._platform_id = platform_id
        self._retry_seconds = retry_seconds  # after a failed attempt, each wait in turn

    async def _send(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = await self._port.send(
                self._platform_id,
                operation,
                {**payload, "outbox": self._platform_id},
                OPERATION_TIMEOUT_SECONDS,
            )
        except MeterUnavailableError as error:
            logger.warning("webhook outbox of %s unavailable: %s", self._platform_id, error)
            raise webhooks_unavailable() from None
        return answer

    async def add_endpoint(self, endpoint: dict[str, Any]) -> dict[str, Any]:
        answer = await self._send(
            "endpoints/put",
            {
                "endpoint": endpoint,
                "delivery": {"retrySeconds": list(self._retry_seconds), "timeoutMs": DELIVERY_TIMEOUT_MS},
                "maxEndpoints": MAX_ENDPOINTS,
            },
        )
        if answer.get("decision") == "too_many":
            raise conflict(f"A platform has at most {MAX_ENDPOINTS} webhook endpoints", "too_many_endpoints")
        return answer["endpoint"]  # type: ignore[no-any-return]

    async def delete_endpoint(self, endpoint_id: str) -> None:
        answer = await self._send("endpoints/delete", {"id": endpoint_id})
        if answer.get("decision") != "deleted":
            raise endpoint_not_found(endpoint_id)

    async def endpoints(self) -> list[dict[str, Any]]:
        return (await self._send("endpoints/list", {}))["endpoints"]  # type: ignore[no-any-return]

    async def endpoint(self, endpoint_id: str) -> dict[str, Any]:
        for endpoint in await self.endpoints():
            if endpoint["id"] == endpoint_id:
                return endpoint
        raise endpoint_not_found(endpoint_id)

    async def enqueue(self, events: list[dict[str, Any]], endpoint_id: str | None = None) -> int:
        """Keeps `events` (each once, by id) for the endpoints taking their types; how many
        deliveries that owed."""
        payload: dict[str, Any] = {"events": events}
        if endpoint_id is not None:
            payload["endpointId"] = endpoint_id
        return int((await self._send("enqueue", payload))["owed"])

    async def deliveries(self, endpoint_id: str) -> list[dict[str, Any]]:
        answer = await self._send("deliveries", {"endpointId": endpoint_id, "limit": DELIVERIES_SHOWN})
        return answer["deliveries"]  # type: ignore[no-any-return]

    async def events_about_user(self, user_id: str, limit: int = EVENTS_SHOWN) -> list[dict[str, Any]]:
        """The latest events about one end user (their `data.userId`), each with its deliveries."""
        answer = await self._send("events", {"field": "userId", "value": user_id, "limit": limit})
        return answer["events"]  # type: ignore[no-any-return]

    async def retry(self, endpoint_id: str, delivery_id: str) -> dict[str, Any]:
        answer = await self._send("retry", {"endpointId": endpoint_id, "deliveryId": delivery_id})
        if answer.get("decision") != "queued":
            raise not_found(f"No delivery {delivery_id} for this endpoint", "delivery_not_found")
        return answer["delivery"]  # type: ignore[no-any-return]


def endpoint_not_found(endpoint_id: str) -> Exception:
    return not_found(f"No webhook endpoint {endpoint_id} on this platform", "webhook_endpoint_not_found")
