"""Stripe stand-in: the Stripe API endpoints the workers call, a hosted checkout page whose
"Pay" button sends correctly signed webhooks, and a billing portal page.

Workers only see its base URL (STRIPE_API_BASE). Requests it cannot handle fail loudly (404,
Stripe's error shape). Run: python -m scripts.standins.stripe --port 8791 \
    --webhook http://127.0.0.1:8788/webhook/stripe=whsec_...
API (form-encoded, `Authorization: Bearer sk_test_...`):
  POST /v1/products  POST /v1/prices  GET /v1/prices  POST /v1/customers  GET /v1/customers/{id}
  POST /v1/checkout/sessions  GET /v1/checkout/sessions/{id}  POST /v1/billing_portal/sessions
  POST /v1/billing/meters  POST /v1/billing/meter_events (per `Stripe-Account`; one event per
  `identifier`, a repeat answered with the first; the event's meter and customer must exist there)
Pages: GET /checkout/{id} (Pay / Cancel), GET /portal/{id} (Cancel subscription / Return)
Test helpers: GET /_standin/events, POST /_standin/events/{id}/resend,
  GET /_standin/meter-totals?account=&customer=&event_name= (summed values, events accepted),
  POST /_standin/fail-meter-events {"count": N} (the next N meter event requests answer 500)
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from scripts.standins.jsonhttp import (
    Reply,
    StandinRequest,
    StandinServer,
    html_reply,
    json_reply,
    serve_until_interrupted,
)

DEFAULT_PRICE_ID = "price_dreamapi_monthly"
RETRIES_ON_503 = 3
# Local-only values the dev stack configures on both sides; never valid at Stripe.
DEFAULT_WEBHOOK_SECRET = "whsec_dreamapi_local_development_secret"  # noqa: S105
DEFAULT_CONNECT_WEBHOOK_SECRET = "whsec_dreamapi_local_connect_secret"  # noqa: S105
DEFAULT_ACCOUNTS_WEBHOOK_SECRET = "whsec_dreamapi_local_accounts_secret"  # noqa: S105
DEFAULT_CLIENT_ID = "ca_dreamapi_local"
DEFAULT_SECRET_KEY = "sk_test_dreamapi_local_stand_in"  # noqa: S105


def decode_form(body: bytes) -> dict[str, Any]:
    """Stripe's bracket notation (`line_items[0][price]=p`) into nested dicts and lists."""
    root: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", raw_key)
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following = None if last else parts[index + 1]
            empty: Any = [] if following is not None and following.isdigit() else {}
            if isinstance(node, list):
                position = int(part)
                while len(node) <= position:
                    node.append({} if not last else None)
                if last:
                    node[position] = value
                else:
                    if not isinstance(node[position], (dict, list)):
                        node[position] = empty
                    node = node[position]
            elif last:
                node[part] = value
            else:
                node = node.setdefault(part, empty)
    return root


def stripe_error(message: str, status: int = 400, param: str | None = None) -> Reply:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if param:
        error["param"] = param
    return json_reply({"error": error}, status)


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


@dataclass
class Delivery:
    event: dict[str, Any]
    target: str
    status: int | None = None


@dataclass
class StripeStandin:
    webhook_targets: list[tuple[str, str]] = field(default_factory=list)  # (url, secret): own account
    connect_webhook_targets: list[tuple[str, str]] = field(default_factory=list)  # connected accounts
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    oauth_codes: dict[str, str] = field(default_factory=dict)  # code -> account id
    account_links: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_token_endpoint: bool = False
    webhook_endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    meters: dict[str, dict[str, Any]] = field(default_factory=dict)
    meter_events: dict[tuple[str | None, str], dict[str, Any]] = field(default_factory=dict)
    meter_event_failures: int = 0  # the next this many meter event requests answer 500

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.prices[DEFAULT_PRICE_ID] = {
            "id": DEFAULT_PRICE_ID,
            "object": "price",
            "unit_amount": 2900,
            "currency": "usd",
            "recurring": {"interval": "month"},
            "lookup_key": "dreamapi_monthly",
            "product": "prod_dreamapi",
            "active": True,
        }
        self.server = StandinServer("stripe")
        api = self.server.route
        api("POST", "/v1/products")(self._api(self._create_product))
        api("POST", "/v1/prices")(self._api(self._create_price))
        api("GET", "/v1/prices")(self._api(self._list_prices))
        api("POST", "/v1/customers")(self._api(self._create_customer))
        api("GET", "/v1/customers/{id}")(self._api(self._get_customer))
        api("POST", "/v1/checkout/sessions")(self._api(self._create_session))
        api("GET", "/v1/checkout/sessions/{id}")(self._api(self._get_session))
        api("POST", "/v1/billing_portal/sessions")(self._api(self._create_portal_session))
        api("GET", "/checkout/{id}")(self._checkout_page)
        api("POST", "/checkout/{id}/pay")(self._pay)
        api("POST", "/checkout/{id}/cancel")(self._cancel_checkout)
        api("GET", "/portal/{id}")(self._portal_page)
        api("POST", "/portal/{id}/cancel-subscription")(self._cancel_subscription)
        api("GET", "/oauth/authorize")(self._authorize_page)
        api("POST", "/oauth/authorize/decision")(self._authorize_decision)
        api("POST", "/oauth/token")(self._oauth_token)
        api("POST", "/oauth/deauthorize")(self._oauth_deauthorize)
        api("POST", "/v1/webhook_endpoints")(self._api(self._create_webhook_endpoint))
        api("GET", "/v1/webhook_endpoints")(self._api(self._list_webhook_endpoints))
        api("POST", "/v1/accounts")(self._api(self._create_account))
        api("POST", "/v1/account_links")(self._api(self._create_account_link))
        api("GET", "/onboarding/{id}")(self._onboarding_page)
        api("POST", "/onboarding/{id}/complete")(self._complete_onboarding)
        api("POST", "/v1/billing/meters")(self._api(self._create_meter))
        api("GET", "/v1/billing/meters")(self._api(self._list_meters))
        api("POST", "/v1/billing/meter_events")(self._api(self._create_meter_event))
        api("GET", "/_standin/meter-totals")(self._meter_totals)
        api("POST", "/_standin/fail-meter-events")(self._fail_meter_events)
        api("POST", "/_standin/oauth-token-failure")(self._toggle_token_failure)
        api("GET", "/_standin/events")(
            lambda _r: json_reply([self._delivery_json(d) for d in self.deliveries])
        )
        api("POST", "/_standin/events/{id}/resend")(self._resend)

    # --- plumbing -----------------------------------------------------------------------
    def start(self, port: int = 0) -> int:
        return self.server.start(port)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def _api(self, handler: Any) -> Any:
        def authorised(request: StandinRequest) -> Reply:
            token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not token.startswith(("sk_test_", "sk_live_", "rk_test_")):
                return stripe_error("Invalid API Key provided", 401)
            self.requests.append((request.method, request.path, dict(request.headers)))
            with self.lock:
                return handler(request, decode_form(request.body) if request.body else {})

        return authorised

    @staticmethod
    def _delivery_json(delivery: Delivery) -> dict[str, Any]:
        return {
            "id": delivery.event["id"],
            "type": delivery.event["type"],
            "target": delivery.target,
            "status": delivery.status,
            "event": delivery.event,
        }

    def emit(self, kind: str, obj: dict[str, Any], account: str | None = None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "id": new_id("evt"),
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "api_version": "2025-09-30.clover",
            "livemode": False,
            "data": {"object": obj},
        }
        if account:
            event["account"] = account
        # Like Stripe: Connect endpoints get connected accounts' events, the others the platform's own.
        for url, secret in self.connect_webhook_targets if account else self.webhook_targets:
            self.deliveries.append(self._deliver(event, url, secret))
        return event

    def _deliver(self, event: dict[str, Any], url: str, secret: str) -> Delivery:
        """One delivery; like Stripe, sent again when the endpoint answers 503 (Stripe retries for
        days, the stand-in a few times within seconds: local KV shared by several processes can
        be busy for a moment, and the worker then rightly answers 503 with Retry-After)."""
        payload = json.dumps(event).encode()
        delivery = Delivery(event, url)
        for attempt in range(RETRIES_ON_503 + 1):
            request = urllib.request.Request(
                url,
                data=payload,
                method="POST",
                headers={"content-type": "application/json", "stripe-signature": sign(payload, secret)},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as reply:
                    delivery.status = reply.status
            except urllib.error.HTTPError as error:
                delivery.status = error.code
            except OSError:
                delivery.status = None
            if delivery.status != 503 or attempt == RETRIES_ON_503:
                return delivery
            time.sleep(0.5 * (attempt + 1))
        return delivery

    def _resend(self, request: StandinRequest) -> Reply:
        matches = [d for d in self.deliveries if d.event["id"] == request.params["id"]]
        if not matches:
            return stripe_error("No such event", 404)
        secrets_by_target = dict(self.webhook_targets + self.connect_webhook_targets)
        resent = [self._deliver(d.event, d.target, secrets_by_target.get(d.target, "")) for d in matches]
        self.deliveries.extend(resent)
        return json_reply([self._delivery_json(d) for d in resent])

    # --- API ----------------------------------------------------------------------------
    def _create_product(self, _request: StandinRequest, form: dict[str, Any]) -> Reply:
        if not form.get("name"):
            return stripe_error("Missing required param: name.", param="name")
        product = {
            "id": new_id("prod"),
            "object": "product",
            "name": form["name"],
            "metadata": form.get("metadata", {}),
        }
        self.products[product["id"]] = product
        return json_reply(product)

    def _create_price(self, request: StandinRequest, form: dict[str, Any]) -> Reply:
        for param in ("currency", "unit_amount", "product"):
            if param not in form:
                return stripe_error(f"Missing required param: {param}.", param=param)
        price = {
            "account": request.headers.get("stripe-account"),
            "id": new_id("price"),
            "object": "price",
            "currency": form["currency"],
            "unit_amount": int(form["unit_amount"]),
            "product": form["product"],
            "recurring": form.get("recurring"),
            "lookup_key": form.get("lookup_key"),
            "active": True,
            "metadata": form.get("metadata", {}),
        }
        self.prices[price["id"]] = price
        return json_reply(price)

    def _list_prices(self, request: StandinRequest, _form: dict[str, Any]) -> Reply:
        wanted = {v for k, v in parse_qsl(request.query_string) if k.startswith("lookup_keys")}
        account = request.headers.get("stripe-account")
        data = [
            p
            for p in self.prices.values()
            if p.get("account") == account and (not wanted or p.get("lookup_key") in wanted)
        ]
        return json_reply({"object": "list", "data": data, "has_more": False, "url": "/v1/prices"})

    def _create_customer(self, request: StandinRequest, form: dict[str, Any]) -> Reply:
        customer = {
            "account": request.headers.get("stripe-account"),
            "id": new_id("cus"),
            "object": "customer",
            "email": form.get("email"),
            "metadata": form.get("metadata", {}),
            "created": int(time.time()),
        }
        self.customers[customer["id"]] = customer
        return json_reply(customer)

    def _get_customer(self, request: StandinRequest, _form: dict[str, Any]) -> Reply:
        customer = self.customers.get(request.params["id"])
        return (
            json_reply(customer)
            if customer
            else stripe_error(f"No such customer: '{request.params['id']}'", 404)
        )

    def _create_session(self, request: StandinRequest, form: dict[str, Any]) -> Reply:
        account = request.headers.get("stripe-account")
        mode = form.get("mode")
        if mode not in ("subscription", "payment"):
            return stripe_error("Invalid mode: must be one of payment, setup, or subscription", param="mode")
        line_items = form.get("line_items") or []
        if not line_items or not isinstance(line_items, list):
            return stripe_error("Missing required param: line_items.", param="line_items")
        amount_total, currencies = 0, set()
        for index, item in enumerate(line_items):
            price = self._line_item_price(item, account)
            if isinstance(price, str):
                return stripe_error(price, param=f"line_items[{index}]")
            if mode == "subscription" and not price.get("recurring"):
                return stripe_error("Subscription mode needs recurring prices", param=f"line_items[{index}]")
            item["price"] = price["id"]
            metered = (price.get("recurring") or {}).get("usage_type") == "metered"
            if metered and item.get("quantity") is not None:
                return stripe_error(
                    "Quantity should not be specified for metered prices", param=f"line_items[{index}]"
                )
            amount_total += 0 if metered else price["unit_amount"] * int(item.get("quantity") or 1)
            currencies.add(price["currency"])
        if not form.get("success_url"):
            return stripe_error("Missing required param: success_url.", param="success_url")
        customer = form.get("customer")
        if customer and self.customers.get(customer, {}).get("account", "missing") != account:
            return stripe_error(f"No such customer: '{customer}'", param="customer")
        session_id = new_id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": mode,
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount_total,
            "currency": currencies.pop() if len(currencies) == 1 else None,
            "customer": customer,
            "client_reference_id": form.get("client_reference_id"),
            "success_url": form["success_url"],
            "cancel_url": form.get("cancel_url"),
            "metadata": form.get("metadata", {}),
            "line_items": line_items,
            "subscription_data": form.get("subscription_data", {}),
            "url": f"{self.base_url}/checkout/{session_id}",
            "subscription": None,
            "account": account,
        }
        self.sessions[session_id] = session
        return json_reply(session)

    def _line_item_price(self, item: dict[str, Any], account: str | None) -> dict[str, Any] | str:
        """The item's price (objects live in one account), or inline `price_data` made into a
        one-time price as Stripe does; a string says what is wrong."""
        if "price_data" not in item:
            price = self.prices.get(item.get("price"))
            if price is None or price.get("account") != account:
                return f"No such price: '{item.get('price')}'"
            return price
        data = item["price_data"]
        name = data.get("product_data", {}).get("name") if isinstance(data, dict) else None
        amount = data.get("unit_amount", "") if isinstance(data, dict) else ""
        if not name or not str(amount).isdigit() or not re.match(r"^[a-z]{3}$", str(data.get("currency"))):
            return "price_data needs currency, unit_amount and product_data[name]"
        price = {
            "account": account,
            "id": new_id("price"),
            "object": "price",
            "currency": data["currency"],
            "unit_amount": int(amount),
            "product": new_id("prod"),
            "recurring": None,
            "active": False,
            "metadata": {},
            "nickname": name,
        }
        self.prices[price["id"]] = price
        return price

    def _get_session(self, request: StandinRequest, _form: dict[str, Any]) -> Reply:
        session = self.sessions.get(request.params["id"])
        return json_reply(session) if session else stripe_error("No such checkout.session", 404)

    def _create_portal_session(self, request: StandinRequest, form: dict[str, Any]) -> Reply:
        customer = form.get("customer")
        if self.customers.get(customer, {}).get("account", "missing") != request.headers.get(
            "stripe-account"
        ):
            return stripe_error(f"No such customer: '{customer}'", param="customer")
        portal_id = new_id("bps")
        portal = {
            "id": portal_id,
            "object": "billing_portal.session",
            "customer": customer,
            "return_url": form.get("return_url"),
            "url": f"{self.base_url}/portal/{portal_id}",
            "account": request.headers.get("stripe-account"),
        }
        self.portal_sessions[portal_id] = portal
        return json_reply(portal)

    # --- Connect: OAuth and onboarding ------------------------------------------------------
    def _authorize_page(self, request: StandinRequest) -> Reply:
        params = request.query
        missing = [p for p in ("response_type", "client_id", "redirect_uri", "state") if not params.get(p)]
        if missing or params.get("response_type") != "code":
            return html_reply(
                f"<h1>Invalid authorize request</h1><p>missing: {html.escape(', '.join(missing))}</p>", 400
            )
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        client, scope = html.escape(params["client_id"]), html.escape(params.get("scope", "read_only"))
        return html_reply(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Connect with Stripe (stand-in)</title></head><body><h1>Connect your Stripe account</h1>
<p>Platform {client} asks for {scope} access.</p>
<form method="post" action="/oauth/authorize/decision">{hidden}
<button id="approve" name="decision" value="approve" type="submit">Connect my Stripe account</button>
<button id="deny" name="decision" value="deny" type="submit">Deny</button></form></body></html>""")

    def _authorize_decision(self, request: StandinRequest) -> Reply:
        form = request.form()
        separator = "&" if "?" in form["redirect_uri"] else "?"
        if form.get("decision") != "approve":
            query = urlencode(
                {
                    "error": "access_denied",
                    "error_description": "The user denied your request",
                    "state": form["state"],
                }
            )
            return 302, {"location": f"{form['redirect_uri']}{separator}{query}"}, b""
        with self.lock:
            account_id = new_id("acct")
            self.accounts[account_id] = {
                "id": account_id,
                "object": "account",
                "type": "standard",
                "charges_enabled": True,
                "metadata": {},
            }
            code = new_id("ac")
            self.oauth_codes[code] = account_id
        query = urlencode({"code": code, "scope": form.get("scope", "read_only"), "state": form["state"]})
        return 302, {"location": f"{form['redirect_uri']}{separator}{query}"}, b""

    def _oauth_token(self, request: StandinRequest) -> Reply:
        if not _secret_key_of(request).startswith("sk_"):
            return json_reply(
                {"error": "invalid_client", "error_description": "No valid API key provided"}, 401
            )
        if self.fail_token_endpoint:
            return json_reply({"error": "server_error", "error_description": "stand-in told to fail"}, 500)
        form = request.form()
        with self.lock:
            account_id = self.oauth_codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or account_id is None:
            return json_reply(
                {"error": "invalid_grant", "error_description": "Authorization code does not exist"}, 400
            )
        return json_reply(
            {
                "access_token": "sk_test_connected_" + secrets.token_hex(12),
                "livemode": False,
                "refresh_token": "rt_" + secrets.token_hex(12),
                "token_type": "bearer",
                "stripe_publishable_key": "pk_test_" + secrets.token_hex(12),
                "stripe_user_id": account_id,
                "scope": "read_write",
            }
        )

    def _oauth_deauthorize(self, request: StandinRequest) -> Reply:
        if not _secret_key_of(request).startswith("sk_"):
            return json_reply({"error": "invalid_client"}, 401)
        form = request.form()
        account = self.accounts.get(form.get("stripe_user_id", ""))
        if account is None or not form.get("client_id"):
            return json_reply(
                {"error": "invalid_client", "error_description": "This application is not connected"}, 400
            )
        account["deauthorized"] = True
        self.emit(
            "account.application.deauthorized",
            {"id": "ca_" + secrets.token_hex(8), "object": "application"},
            account=account["id"],
        )
        return json_reply({"stripe_user_id": account["id"]})

    def _create_webhook_endpoint(self, _request: StandinRequest, form: dict[str, Any]) -> Reply:
        if not form.get("url") or not form.get("enabled_events"):
            return stripe_error("Missing required param: url or enabled_events.", param="url")
        endpoint_id = new_id("we")
        endpoint = {
            "id": endpoint_id,
            "object": "webhook_endpoint",
            "url": form["url"],
            "enabled_events": form["enabled_events"],
            "application": None,
            "connect": form.get("connect") == "true",
            "status": "enabled",
        }
        self.webhook_endpoints[endpoint_id] = endpoint
        return json_reply({**endpoint, "secret": "whsec_" + secrets.token_hex(16)})

    def _list_webhook_endpoints(self, _request: StandinRequest, _form: dict[str, Any]) -> Reply:
        data = list(self.webhook_endpoints.values())
        return json_reply({"object": "list", "data": data, "has_more": False, "url": "/v1/webhook_endpoints"})

    def _create_account(self, _request: StandinRequest, form: dict[str, Any]) -> Reply:
        if form.get("type") not in ("standard", "express", "custom"):
            return stripe_error("Invalid type", param="type")
        account_id = new_id("acct")
        account = {
            "id": account_id,
            "object": "account",
            "type": form["type"],
            "charges_enabled": False,
            "details_submitted": False,
            "metadata": form.get("metadata", {}),
        }
        self.accounts[account_id] = account
        return json_reply(account)

    def _create_account_link(self, _request: StandinRequest, form: dict[str, Any]) -> Reply:
        if form.get("account") not in self.accounts:
            return stripe_error(f"No such account: '{form.get('account')}'", param="account")
        for param in ("refresh_url", "return_url", "type"):
            if not form.get(param):
                return stripe_error(f"Missing required param: {param}.", param=param)
        link_id = new_id("acctlink")
        self.account_links[link_id] = form
        return json_reply(
            {
                "object": "account_link",
                "url": f"{self.base_url}/onboarding/{link_id}",
                "created": int(time.time()),
                "expires_at": int(time.time()) + 300,
            }
        )

    def _onboarding_page(self, request: StandinRequest) -> Reply:
        if request.params["id"] not in self.account_links:
            return html_reply("<h1>This onboarding link has expired</h1>", 404)
        link = html.escape(request.params["id"])
        return html_reply(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Stripe onboarding (stand-in)</title></head><body><h1>Set up your Stripe account</h1>
<form method="post" action="/onboarding/{link}/complete">
<button id="complete" type="submit">Complete onboarding</button></form></body></html>""")

    def _complete_onboarding(self, request: StandinRequest) -> Reply:
        link = self.account_links.pop(request.params["id"], None)
        if link is None:
            return html_reply("<h1>This onboarding link has expired</h1>", 404)
        account = self.accounts[link["account"]]
        account.update(charges_enabled=True, details_submitted=True)
        self.emit("account.updated", dict(account), account=account["id"])
        return 303, {"location": link["return_url"]}, b""

    def _create_meter(self, request: StandinRequest, form: dict[str, Any]) -> Reply:
        for param in ("display_name", "event_name"):
            if not form.get(param):
                return stripe_error(f"Missing required param: {param}.", param=param)
        account = request.headers.get("stripe-account")
        if any(
            m["event_name"] == form["event_name"] and m["account"] == account for m in self.meters.values()
        ):
            return stripe_error("An active meter with this event_name already exists.", param="event_name")
        meter = {
            "account": account,
            "id": new_id("mtr"),
            "object": "billing.meter",
            "display_name": form["display_name"],
            "event_name": form["event_name"],
            "default_aggregation": form.get("default_aggregation") or {"formula": "sum"},
            "status": "active",
        }
        self.meters[meter["id"]] = meter
        return json_reply(meter)

    def _list_meters(self, request: StandinRequest, _form: dict[str, Any]) -> Reply:
        account = request.headers.get("stripe-account")
        data = [m for m in self.meters.values() if m["account"] == account]
        return json_reply({"object": "list", "data": data, "has_more": False, "url": "/v1/billing/meters"})

    def _create_meter_event(self, request: StandinRequest, form: dict[str, Any]) -> Reply:
        if self.meter_event_failures > 0:
            self.meter_event_failures -= 1
            return stripe_error("An unexpected error occurred (stand-in told to fail).", 500)
        account = request.headers.get("stripe-account")
        payload = form.get("payload") if isinstance(form.get("payload"), dict) else {}
        name, customer, value = (
            form.get("event_name"),
            payload.get("stripe_customer_id"),
            payload.get("value"),
        )
        if not any(m["event_name"] == name and m["account"] == account for m in self.meters.values()):
            return stripe_error(f"No active meter found for event_name '{name}'.", param="event_name")
        if self.customers.get(customer or "", {}).get("account", "missing") != account:
            return stripe_error(f"No such customer: '{customer}'", param="payload[stripe_customer_id]")
        if not str(value or "").isdigit():
            return stripe_error("payload[value] must be a whole number.", param="payload[value]")
        identifier = form.get("identifier") or new_id("mev")
        earlier = self.meter_events.get((account, identifier))
        if earlier is not None:
            return json_reply(earlier)
        event = {
            "object": "billing.meter_event",
            "account": account,
            "event_name": name,
            "identifier": identifier,
            "payload": {"stripe_customer_id": customer, "value": str(value)},
            "timestamp": int(form.get("timestamp") or time.time()),
            "created": int(time.time()),
        }
        self.meter_events[(account, identifier)] = event
        return json_reply(event)

    def _meter_totals(self, request: StandinRequest) -> Reply:
        wanted = request.query
        events = [
            e
            for e in self.meter_events.values()
            if all(
                wanted.get(name) in (None, actual)
                for name, actual in (
                    ("account", e["account"]),
                    ("customer", e["payload"]["stripe_customer_id"]),
                    ("event_name", e["event_name"]),
                )
            )
        ]
        total = sum(int(e["payload"]["value"]) for e in events)
        return json_reply(
            {"total": total, "events": len(events), "identifiers": [e["identifier"] for e in events]}
        )

    def _fail_meter_events(self, request: StandinRequest) -> Reply:
        self.meter_event_failures = int(request.json().get("count", 1))
        return json_reply({"failNext": self.meter_event_failures})

    def _toggle_token_failure(self, request: StandinRequest) -> Reply:
        self.fail_token_endpoint = request.json().get("fail", True)
        return json_reply({"failTokenEndpoint": self.fail_token_endpoint})

    # --- hosted pages -------------------------------------------------------------------
    def _checkout_page(self, request: StandinRequest) -> Reply:
        session = self.sessions.get(request.params["id"])
        if not session:
            return html_reply("<h1>Unknown checkout session</h1>", 404)
        price = self.prices[session["line_items"][0]["price"]]
        amount = f"${price['unit_amount'] / 100:.2f}" + (" / month" if price.get("recurring") else "")
        sid = html.escape(session["id"])
        return html_reply(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Stripe stand-in checkout</title></head><body>
<h1>Checkout (Stripe stand-in)</h1><p id="amount">{html.escape(amount)}</p>
<p>Test card 4242 4242 4242 4242 is assumed.</p>
<form method="post" action="/checkout/{sid}/pay"><button id="pay" type="submit">Pay</button></form>
<form method="post" action="/checkout/{sid}/cancel"><button id="cancel" type="submit">Cancel</button></form>
</body></html>""")

    def _pay(self, request: StandinRequest) -> Reply:
        with self.lock:
            session = self.sessions.get(request.params["id"])
            if not session or session["status"] != "open":
                return html_reply("<h1>This checkout session is not open</h1>", 409)
            session.update(status="complete", payment_status="paid")
            customer = session["customer"]
            if not customer:  # Checkout creates a customer when the session named none
                customer = new_id("cus")
                self.customers[customer] = {
                    "id": customer,
                    "object": "customer",
                    "metadata": {},
                    "account": session.get("account"),
                }
                session["customer"] = customer
        events: list[tuple[str, dict[str, Any]]] = []
        if session["mode"] == "subscription":
            subscription = {
                "id": new_id("sub"),
                "object": "subscription",
                "customer": customer,
                "status": "active",
                "items": {"data": [{"price": self.prices[item["price"]]} for item in session["line_items"]]},
                "metadata": session.get("subscription_data", {}).get("metadata", {}),
                "current_period_end": int(time.time()) + 30 * 86_400,
            }
            self.subscriptions[subscription["id"]] = subscription
            session["subscription"] = subscription["id"]
            events = [
                ("checkout.session.completed", dict(session)),
                ("customer.subscription.created", dict(subscription)),
                (
                    "invoice.paid",
                    {
                        "id": new_id("in"),
                        "object": "invoice",
                        "customer": customer,
                        "subscription": subscription["id"],
                        "amount_paid": 2900,
                        "status": "paid",
                    },
                ),
            ]
        else:
            events = [("checkout.session.completed", dict(session))]
        for kind, obj in events:
            self.emit(kind, obj, account=session.get("account"))
        target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
        return 303, {"location": target}, b""

    def _cancel_checkout(self, request: StandinRequest) -> Reply:
        session = self.sessions.get(request.params["id"])
        if not session:
            return html_reply("<h1>Unknown checkout session</h1>", 404)
        return 303, {"location": session.get("cancel_url") or "/"}, b""

    def _portal_page(self, request: StandinRequest) -> Reply:
        portal = self.portal_sessions.get(request.params["id"])
        if not portal:
            return html_reply("<h1>Unknown portal session</h1>", 404)
        pid = html.escape(portal["id"])
        return html_reply(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Stripe stand-in billing portal</title></head><body><h1>Billing portal (Stripe stand-in)</h1>
<form method="post" action="/portal/{pid}/cancel-subscription">
<button id="cancel-subscription" type="submit">Cancel subscription</button></form>
<a id="return" href="{html.escape(portal.get("return_url") or "/")}">Return</a></body></html>""")

    def _cancel_subscription(self, request: StandinRequest) -> Reply:
        portal = self.portal_sessions.get(request.params["id"])
        if not portal:
            return html_reply("<h1>Unknown portal session</h1>", 404)
        for subscription in self.subscriptions.values():
            if subscription["customer"] == portal["customer"] and subscription["status"] != "canceled":
                subscription["status"] = "canceled"
                self.emit("customer.subscription.deleted", dict(subscription), account=portal.get("account"))
        return 303, {"location": portal.get("return_url") or "/"}, b""


def standin_from_args(argv: list[str] | None = None) -> tuple[StripeStandin, int]:
    parser = argparse.ArgumentParser(description="dream-api Stripe stand-in")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="URL=SECRET",
        help="deliver our own account's events to URL signed with SECRET (repeatable)",
    )
    parser.add_argument(
        "--connect-webhook",
        action="append",
        default=[],
        metavar="URL=SECRET",
        help="deliver connected accounts' events to URL signed with SECRET (repeatable)",
    )
    args = parser.parse_args(argv)

    def pairs(items: list[str]) -> list[tuple[str, str]]:
        return [(url, secret) for url, secret in (item.rsplit("=", 1) for item in items)]

    standin = StripeStandin(
        webhook_targets=pairs(args.webhook), connect_webhook_targets=pairs(args.connect_webhook)
    )
    return standin, args.port


def _secret_key_of(request: StandinRequest) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ").strip()


def main() -> None:
    standin, port = standin_from_args()
    serve_until_interrupted(standin.start, standin.server, port, "stripe stand-in")


if __name__ == "__main__":
    main()
