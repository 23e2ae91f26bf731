"""The stand-ins' own logic: the pieces `make dev` wires together."""

from __future__ import annotations

import hashlib
import hmac

from scripts import devstack
from scripts.standins.stripe import decode_form, sign, standin_from_args


def test_dev_stack_command_line_reaches_both_webhook_kinds() -> None:
    urls = {name: f"http://127.0.0.1:{port}" for name, port in devstack.WORKER_PORTS.items()}
    targets = devstack.stripe_webhook_targets(urls)
    argv = ["--port", "9"]
    for option, key in (("--webhook", "webhook_targets"), ("--connect-webhook", "connect_webhook_targets")):
        for url, secret in targets[key]:
            argv += [option, f"{url}={secret}"]
    standin, port = standin_from_args(argv)
    assert port == 9
    assert standin.webhook_targets == targets["webhook_targets"]
    assert standin.connect_webhook_targets == targets["connect_webhook_targets"]
    assert standin.webhook_targets[0][0].endswith(":8788/webhook/stripe")
    assert standin.connect_webhook_targets[0][0].endswith(":8787/webhook/stripe")
    assert standin.connect_webhook_targets[1][0].endswith(":8789/webhook/stripe")


def test_every_worker_gets_local_configuration() -> None:
    for worker in devstack.WORKERS:
        variables = devstack.local_worker_vars(
            worker, "http://i", "http://c", "http://s", "http://g", "http://w"
        )
        assert variables["STRIPE_API_BASE"] == "http://s"
    assert devstack.local_worker_vars(
        "api_multi", "http://i", "http://c", "http://s", "http://g", "http://w"
    )["CUSTOMER_CLERK_JWKS_URL"].startswith("http://c/")


def test_form_decoding_follows_stripes_bracket_notation() -> None:
    body = b"mode=subscription&line_items[0][price]=p1&line_items[0][quantity]=1&metadata[userId]=u"
    assert decode_form(body) == {
        "mode": "subscription",
        "line_items": [{"price": "p1", "quantity": "1"}],
        "metadata": {"userId": "u"},
    }


def test_signature_header_is_stripes_scheme() -> None:
    header = sign(b"{}", "whsec_x", timestamp=1700000000)
    expected = hmac.new(b"whsec_x", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
