"""Workers (Pyodide) implementations of the ports, and JS <-> Python request conversion.

Only imported inside workerd: `js` and `pyodide` exist nowhere else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Any

from js import AbortController, Array, Object, Promise, ReadableStream, crypto  # type: ignore[import-not-found]
from js import Response as JsResponse  # type: ignore[import-not-found]
from js import fetch as js_fetch  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy, create_once_callable, create_proxy, to_js  # type: ignore[import-not-found]

from dreamapi.http import Headers, Request, Response
from dreamapi.ports import secret_box
from dreamapi.ports.kv import KeyInfo, KeyList, StorageUnavailableError, check_put_arguments
from dreamapi.ports.meter import JsonBody, MeterUnavailableError
from dreamapi.ports.outbound import OutboundError, OutboundResponse
from dreamapi.ports.signatures import RsaPublicKey
from dreamapi.ports.upstream import BodyTooLargeError, Relay, UpstreamAnswer, UpstreamError, UpstreamRequest

try:  # Pyodide >= 0.28 passes JS null as jsnull, older versions as None
    from pyodide.ffi import jsnull  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the runtime
    jsnull = None

_NO_BODY_STATUSES = {101, 204, 205, 304}
logger = logging.getLogger("dreamapi.runtime")


def is_null(value: Any) -> bool:
    return value is None or (jsnull is not None and value is jsnull)


def to_py(value: Any) -> Any:
    """JS values (JsProxy, null/undefined) as plain Python values, recursively."""
    if is_null(value):
        return None
    if isinstance(value, JsProxy):
        if getattr(value, "typeof", "") == "undefined":
            return None
        return to_py(value.to_py())
    if isinstance(value, dict):
        return {key: to_py(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_py(item) for item in value]
    return value


def js_object(data: Mapping[str, Any]) -> Any:
    return to_js(dict(data), dict_converter=Object.fromEntries)


class WorkersEnv(Mapping[str, str]):
    """The worker's string vars and secrets as a read-only mapping (bindings excluded). Each
    name crosses into JS once: the env does not change while the isolate lives."""

    def __init__(self, env: Any) -> None:
        self._env = env
        self._seen: dict[str, str | None] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._seen:
            value = getattr(self._env, name, None)
            self._seen[name] = value if isinstance(value, str) else None
        value = self._seen[name]
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(name for name in to_py(Object.keys(self._env)) if name in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class WorkersKV:
    """A KV namespace binding; any failure of the binding surfaces as StorageUnavailableError."""

    def __init__(self, binding: Any) -> None:
        self._binding = binding

    async def _call(self, operation: str, call: Callable[[], Any]) -> Any:
        try:
            return to_py(await call())
        except Exception as error:  # noqa: BLE001 - JS failures arrive as JsException
            raise StorageUnavailableError(f"KV {operation} failed: {error.__class__.__name__}") from None

    async def get(self, key: str, *, cache_ttl: int | None = None) -> str | None:
        if cache_ttl is None:
            return await self._call("get", lambda: self._binding.get(key))  # type: ignore[no-any-return]
        options = js_object({"cacheTtl": cache_ttl})
        return await self._call("get", lambda: self._binding.get(key, options))  # type: ignore[no-any-return]

    async def get_with_metadata(self, key: str) -> tuple[str | None, dict[str, Any] | None]:
        result = await self._call("get", lambda: self._binding.getWithMetadata(key)) or {}
        return result.get("value"), result.get("metadata")

    async def put(
        self,
        key: str,
        value: str,
        *,
        expiration_ttl: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        check_put_arguments(key, expiration_ttl, metadata)
        options: dict[str, Any] = {}
        if expiration_ttl is not None:
            options["expirationTtl"] = int(expiration_ttl)
        if metadata is not None:
            options["metadata"] = to_js(metadata, dict_converter=Object.fromEntries)
        await self._call("put", lambda: self._binding.put(key, value, js_object(options)))

    async def delete(self, key: str) -> None:
        await self._call("delete", lambda: self._binding.delete(key))

    async def list(self, *, prefix: str = "", cursor: str | None = None, limit: int = 1000) -> KeyList:
        options: dict[str, Any] = {"prefix": prefix, "limit": limit}
        if cursor:
            options["cursor"] = cursor
        result = await self._call("list", lambda: self._binding.list(js_object(options))) or {}
        keys = [
            KeyInfo(item["name"], item.get("expiration"), item.get("metadata"))
            for item in result.get("keys", [])
        ]
        complete = bool(result.get("list_complete", True))
        return KeyList(keys=keys, cursor=None if complete else result.get("cursor"), complete=complete)


class _TransientMeterError(Exception):
    pass


class DurableObjectMeter:
    """The usage meter port over the USAGE_METER Durable Object namespace (usage_meter/).

    `stub.fetch` rather than RPC: RPC from Pyodide fails (DataCloneError) in the pinned runtime.
    A call that fails in transit (a reset object, a lost connection) is retried within the
    timeout: every operation carries an id the object remembers, so it is applied at most once.
    """

    RETRY_DELAYS_SECONDS = (0.05, 0.2, 0.5)

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    async def send(
        self, subject: str, operation: str, payload: dict[str, Any] | JsonBody, timeout_seconds: float
    ) -> dict[str, Any]:
        body = payload if isinstance(payload, JsonBody) else json.dumps(payload)
        try:
            return await asyncio.wait_for(self._send(subject, operation, body), timeout_seconds)
        except TimeoutError:
            raise MeterUnavailableError(f"{operation}: no answer within {timeout_seconds:.1f}s") from None

    async def _send(self, subject: str, operation: str, body: str) -> dict[str, Any]:
        for delay in (*self.RETRY_DELAYS_SECONDS, None):
            try:
                return await self._call(subject, operation, body)
            except _TransientMeterError as error:
                if delay is None:
                    raise MeterUnavailableError(str(error)) from None
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _call(self, subject: str, operation: str, body: str) -> dict[str, Any]:
        try:
            stub = self._namespace.get(self._namespace.idFromName(subject))
            reply = await stub.fetch(f"https://usage-meter/{operation}", method="POST", body=body)
            text = await reply.text()
        except Exception as error:  # noqa: BLE001 - JS failures (network, reset object) arrive as JsException
            raise _TransientMeterError(f"{operation}: {error.__class__.__name__}") from None
        if reply.status == 400:  # the object refused what we sent: retrying cannot help
            raise MeterUnavailableError(f"{operation}: refused: {text[:200]}")
        if reply.status != 200:  # the object's own error, or a runtime's plain-text refusal
            raise _TransientMeterError(f"{operation}: status {reply.status}: {text[:200]}")
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise MeterUnavailableError(f"{operation}: not a JSON object")
        return answer


class WorkersHttpClient:
    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> OutboundResponse:
        init: dict[str, Any] = {"method": method, "headers": js_object(headers or {})}
        if body is not None:
            init["body"] = to_js(body)
        try:
            reply = await js_fetch(url, js_object(init))
            payload = bytes((await reply.arrayBuffer()).to_bytes())
        except Exception as error:  # noqa: BLE001 - JS network errors arrive as JsException
            raise OutboundError(f"{method} {url} failed: {error.__class__.__name__}") from None
        return OutboundResponse(int(reply.status), _headers_from_js(reply.headers), payload)


class WorkersUpstream:
    """The gateway's forwarding over the runtime's fetch: redirects are passed back, never
    followed; no answer (headers) within the timeout aborts the request."""

    async def send(self, request: UpstreamRequest, timeout_seconds: float) -> UpstreamAnswer:
        controller = AbortController.new()
        init: dict[str, Any] = {
            "method": request.method,
            "headers": to_js([list(pair) for pair in request.headers]),
            "redirect": "manual",
            "signal": controller.signal,
        }
        if request.body is not None:
            init["body"] = to_js(request.body)

        async def answer() -> Any:
            return await js_fetch(request.url, js_object(init))

        try:
            reply = await asyncio.wait_for(answer(), timeout_seconds)
        except TimeoutError:
            controller.abort()
            raise UpstreamError(f"no answer within {timeout_seconds:g}s", timed_out=True) from None
        except Exception as error:  # noqa: BLE001 - refused, reset, DNS: JS failures arrive as JsException
            raise UpstreamError(f"could not connect: {error.__class__.__name__}") from None
        return WorkersUpstreamAnswer(reply)


class WorkersUpstreamAnswer:
    def __init__(self, reply: Any) -> None:
        self._reply = reply
        self.status = int(reply.status)
        # every pair (repeated names such as set-cookie stay apart), in one crossing
        self.headers = Headers(
            [(str(name), str(value)) for name, value in Array.from_(reply.headers).to_py()]
        )

    @property
    def body(self) -> Any:
        body = self._reply.body
        return None if is_null(body) else body

    async def read(self, limit: int) -> bytes:
        declared = self.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise BodyTooLargeError(declared)  # the body is left as it is, to relay
        return bytes((await self._reply.arrayBuffer()).to_bytes())

    def relay(self, relay: Relay) -> Any:
        """A stream pulling the origin's body through `relay`. Its callbacks are synchronous and
        chain the runtime's own promises (a Python task started from inside a stream's callback
        would hang); the runtime cancels the stream when the client goes away, and the origin's
        body with it. What `relay` does at the end must be waited for by the caller (waitUntil
        registered before the response): the client leaving ends the request otherwise."""
        reader = self._reply.body.getReader()
        ended = False

        def end(outcome: Callable[[], None]) -> None:
            nonlocal ended
            if not ended:
                ended = True
                outcome()

        def pull(controller: Any) -> Any:
            """One chunk's read; read on while the relay holds everything back (the runtime does
            not pull again after a pull that enqueued nothing)."""

            def on_read(result: Any) -> Any:
                if result.done:
                    tail = relay.tail()
                    if tail:
                        controller.enqueue(to_js(tail))
                    end(relay.finished)
                    controller.close()
                    return None
                forwarded = relay.feed(bytes(result.value.to_bytes()))
                if not forwarded:
                    return next_read()
                controller.enqueue(to_js(forwarded))
                return None

            def on_error(_reason: Any) -> None:  # the origin's body broke: what arrived is what there is
                end(relay.abandoned)
                controller.close()

            def next_read() -> Any:
                return reader.read().then(create_once_callable(on_read), create_once_callable(on_error))

            return next_read()

        def cancel(_reason: Any) -> Any:
            end(relay.abandoned)
            return reader.cancel()

        return ReadableStream.new(js_object({"pull": create_proxy(pull), "cancel": create_proxy(cancel)}))


class WebCryptoSecretBox:
    """AES-256-GCM with WebCrypto (see dreamapi.ports.secret_box); the key is imported once per isolate."""

    def __init__(self, raw_key: str | None) -> None:
        self._raw_key = raw_key
        self._key: Any = None

    async def _crypto_key(self) -> Any:
        if self._key is None:
            key = to_js(secret_box.key_bytes(self._raw_key))
            usages = to_js(["encrypt", "decrypt"])
            self._key = await crypto.subtle.importKey(
                "raw", key, js_object({"name": "AES-GCM"}), False, usages
            )
        return self._key

    def _algorithm(self, iv: bytes, context: str) -> Any:
        return js_object({"name": "AES-GCM", "iv": to_js(iv), "additionalData": to_js(context.encode())})

    async def seal(self, plaintext: str, context: str) -> str:
        iv = os.urandom(12)
        key = await self._crypto_key()
        sealed = await crypto.subtle.encrypt(self._algorithm(iv, context), key, to_js(plaintext.encode()))
        return f"{secret_box.VERSION}.{secret_box.b64(iv)}.{secret_box.b64(bytes(sealed.to_bytes()))}"

    async def open(self, sealed: str, context: str) -> str:
        iv, ciphertext = secret_box.split_sealed(sealed)
        key = await self._crypto_key()
        try:
            plain = await crypto.subtle.decrypt(self._algorithm(iv, context), key, to_js(ciphertext))
        except Exception:  # noqa: BLE001 - a wrong key or tampered value arrives as JsException
            raise secret_box.SecretBoxError("the sealed value does not open with this key") from None
        return bytes(plain.to_bytes()).decode()


class WebCryptoVerifier:
    _ALGORITHM = {"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"}

    async def verify(self, key: RsaPublicKey, message: bytes, signature: bytes) -> bool:
        algorithm = js_object(self._ALGORITHM)
        usages = to_js(["verify"])
        try:
            if key.jwk is not None:
                jwk = {name: key.jwk[name] for name in ("kty", "n", "e") if name in key.jwk}
                crypto_key = await crypto.subtle.importKey("jwk", js_object(jwk), algorithm, False, usages)
            elif key.spki_der is not None:
                crypto_key = await crypto.subtle.importKey(
                    "spki", to_js(key.spki_der), algorithm, False, usages
                )
            else:
                return False
            return bool(await crypto.subtle.verify(algorithm, crypto_key, to_js(signature), to_js(message)))
        except Exception:  # noqa: BLE001 - malformed keys or signatures are simply invalid
            return False


def _headers_from_js(js_headers: Any) -> Headers:
    """All headers in one crossing (a JS Headers object joins repeated names already and
    yields them lowercased)."""
    return Headers.from_lowercase(Object.fromEntries(js_headers).to_py())


async def request_from_js(js_request: Any, max_body_bytes: int) -> Request:
    # The current runtime's SDK may hand `Default.fetch` its own Request wrapper, which keeps
    # the JS request in `js_object`; the pinned runtime passes the JS request itself (asking a
    # JS object for a property it lacks would raise and catch an AttributeError on every request).
    if not isinstance(js_request, JsProxy):
        js_request = js_request.js_object
    url = str(js_request.url)
    after_scheme = url.split("://", 1)[-1]
    path_and_query = "/" + after_scheme.split("/", 1)[1] if "/" in after_scheme else "/"
    headers = _headers_from_js(js_request.headers)
    method = str(js_request.method)
    body = b""
    if method not in ("GET", "HEAD") and _has_body(headers):
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
            await _discard(js_request.body)
        else:
            body = bytes((await js_request.arrayBuffer()).to_bytes())
    return Request.from_url(method, path_and_query, headers, body)


def _has_body(headers: Headers) -> bool:
    """Whether the request carries a body (RFC 9112 section 6.3): a request with neither
    Content-Length nor Transfer-Encoding has none. Deciding from the headers saves a read:
    workerd hands a body-less POST an empty stream, and awaiting it costs ~0.4 ms."""
    declared = headers.get("content-length")
    return "transfer-encoding" in headers or (declared is not None and declared.strip() != "0")


async def _discard(stream: Any) -> None:
    """Reads a refused body to its end without keeping it: a request body left unread
    breaks the next request on the same keep-alive connection in the local runtime."""
    reader = stream.getReader()
    while not (await reader.read()).done:
        pass


def response_to_js(response: Response) -> Any:
    """One crossing for the headers (an array of pairs keeps repeated names) and one for the body
    (or the stream relayed as it is)."""
    body = None
    if response.status in _NO_BODY_STATUSES:
        pass
    elif response.stream is not None:
        body = response.stream
    elif response.body:
        body = to_js(response.body)
    headers = to_js(response.headers.items())  # (name, value) tuples arrive as arrays
    return JsResponse.new(body, status=response.status, headers=headers)


async def _logged(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except Exception as error:  # noqa: BLE001 - deferred work has no one to answer to
        logger.warning("deferred work failed: %s", error.__class__.__name__)


def wait_until(js_ctx: Any, work: Coroutine[Any, Any, None]) -> None:
    """Runs `work` after the response, keeping the request alive until it is done: the runtime's
    `ctx.waitUntil` takes a JS Promise, settled here when the Python task finishes."""
    task = asyncio.ensure_future(_logged(work))
    if js_ctx is None:
        return

    def executor(resolve: Any, _reject: Any) -> None:
        task.add_done_callback(lambda _: resolve())

    js_ctx.waitUntil(Promise.new(create_once_callable(executor)))
