"""A developer's webhook endpoint, locally: it keeps what it receives and checks each signature
with the `standardwebhooks` package, the way a developer's server would.

Run: python -m scripts.standins.webhook_receiver --port 8797. Point an endpoint at
`http://127.0.0.1:8797/hooks/<name>` (any name). Control and inspection, per name:
  PUT  /_receiver/<name>  {"secret"?: "whsec_…", "fail"?: N}  verify with this secret; answer
                                                              500 to the next N deliveries
  GET  /_receiver/<name>  what arrived: headers, event, status answered, signature verified
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from scripts.standins.jsonhttp import (
    Reply,
    StandinRequest,
    StandinServer,
    json_reply,
    serve_until_interrupted,
)

SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


@dataclass
class Inbox:
    secret: str | None = None
    failures_left: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)


class WebhookReceiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inboxes: dict[str, Inbox] = {}
        self.server = StandinServer("webhook receiver")
        self.server.route("POST", "/hooks/{name}")(self._receive)
        self.server.route("PUT", "/_receiver/{name}")(self._configure)
        self.server.route("GET", "/_receiver/{name}")(self._inspect)

    def start(self, port: int = 0) -> int:
        return self.server.start(port)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def url(self, name: str) -> str:
        return f"{self.base_url}/hooks/{name}"

    def inbox(self, name: str) -> Inbox:
        with self.lock:
            return self.inboxes.setdefault(name, Inbox())

    def _receive(self, request: StandinRequest) -> Reply:
        inbox = self.inbox(request.params["name"])
        with self.lock:
            status = 500 if inbox.failures_left > 0 else 200
            inbox.failures_left = max(inbox.failures_left - 1, 0)
            secret = inbox.secret
        verified = None
        if secret is not None:
            try:
                signed = {k: request.headers.get(k, "") for k in SIGNATURE_HEADERS}
                Webhook(secret).verify(request.body, signed)
                verified = True
            except WebhookVerificationError:
                verified = False
        try:
            event = json.loads(request.body)
        except ValueError:
            event = None
        record = {
            "headers": {k: request.headers.get(k) for k in SIGNATURE_HEADERS},
            "event": event,
            "body": request.body.decode(errors="replace"),
            "verified": verified,
            "status": status,
        }
        with self.lock:
            inbox.received.append(record)
        kind = event.get("type") if isinstance(event, dict) else None
        print(f"webhook {request.params['name']}: {kind} verified={verified} -> {status}", flush=True)
        return json_reply({"received": status == 200}, status)

    def _configure(self, request: StandinRequest) -> Reply:
        settings = request.json()
        inbox = self.inbox(request.params["name"])
        with self.lock:
            if "secret" in settings:
                inbox.secret = settings["secret"]
            inbox.failures_left = int(settings.get("fail", inbox.failures_left))
        return json_reply({"configured": True})

    def _inspect(self, request: StandinRequest) -> Reply:
        inbox = self.inbox(request.params["name"])
        with self.lock:
            return json_reply({"received": list(inbox.received), "failuresLeft": inbox.failures_left})


def main() -> None:
    parser = argparse.ArgumentParser(description="Local webhook receiver")
    parser.add_argument("--port", type=int, default=8797)
    args = parser.parse_args()
    receiver = WebhookReceiver()
    serve_until_interrupted(receiver.start, receiver.server, args.port, "webhook receiver")


if __name__ == "__main__":
    main()
