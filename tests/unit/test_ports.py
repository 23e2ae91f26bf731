"""CPython implementations of the ports: KV, clock, RS256 verifier, outbound HTTP."""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dreamapi.ports.clock import FixedClock, OffsetClock, SystemClock
from dreamapi.ports.kv import MemoryKV
from dreamapi.ports.outbound import OutboundError, UrllibHttpClient
from dreamapi.ports.signatures import RsaPublicKey
from dreamapi.runtime.cpython import CryptographyVerifier


async def test_memory_kv_get_put_delete_and_metadata() -> None:
    kv = MemoryKV()
    assert await kv.get("a") is None
    await kv.put("a", "1", metadata={"plan": "free"})
    assert await kv.get("a") == "1"
    assert await kv.get_with_metadata("a") == ("1", {"plan": "free"})
    await kv.delete("a")
    assert await kv.get_with_metadata("a") == (None, None)


async def test_memory_kv_expires_entries_by_the_clock() -> None:
    clock = FixedClock(1_000_000.0)
    kv = MemoryKV(clock)
    await kv.put("rate", "3", expiration_ttl=120)
    clock.advance(119)
    assert await kv.get("rate") == "3"
    clock.advance(1)
    assert await kv.get("rate") is None


async def test_memory_kv_lists_by_prefix_with_cursor() -> None:
    kv = MemoryKV()
    for index in range(5):
        await kv.put(f"usage:plt_a:{index}", str(index))
    await kv.put("usage:plt_b:0", "x")
    first = await kv.list(prefix="usage:plt_a:", limit=3)
    assert [k.name for k in first.keys] == ["usage:plt_a:0", "usage:plt_a:1", "usage:plt_a:2"]
    assert not first.complete and first.cursor
    rest = await kv.list(prefix="usage:plt_a:", cursor=first.cursor, limit=3)
    assert [k.name for k in rest.keys] == ["usage:plt_a:3", "usage:plt_a:4"]
    assert rest.complete and rest.cursor is None


@pytest.mark.parametrize(
    ("key", "kwargs"),
    [("", {}), ("k" * 513, {}), ("k", {"expiration_ttl": 59}), ("k", {"metadata": {"x": "y" * 1100}})],
)
async def test_memory_kv_refuses_what_workers_kv_refuses(key: str, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        await MemoryKV().put(key, "v", **kwargs)


def test_clocks() -> None:
    clock = FixedClock(10.0)
    clock.advance(5)
    assert clock.now() == 15.0
    assert abs(OffsetClock(86_400).now() - SystemClock().now() - 86_400) < 1


@pytest.fixture(scope="module")
def key_pair() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(private_key: rsa.RSAPrivateKey) -> dict:
    return jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)


async def test_verifier_accepts_valid_signatures_by_jwk_and_pem(key_pair: rsa.RSAPrivateKey) -> None:
    token = jwt.encode({"sub": "u"}, key_pair, algorithm="RS256")
    head, payload, signature = token.split(".")
    message = f"{head}.{payload}".encode()
    raw_signature = base64.urlsafe_b64decode(signature + "==")
    pem = (
        key_pair.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    verifier = CryptographyVerifier()
    assert await verifier.verify(RsaPublicKey(jwk=_jwk(key_pair)), message, raw_signature)
    assert await verifier.verify(RsaPublicKey.from_pem(pem), message, raw_signature)
    assert await verifier.verify(RsaPublicKey.from_pem(pem.replace("\n", "\\n")), message, raw_signature)
    assert not await verifier.verify(RsaPublicKey(jwk=_jwk(key_pair)), message + b"x", raw_signature)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not await verifier.verify(RsaPublicKey(jwk=_jwk(other)), message, raw_signature)
    assert not await verifier.verify(RsaPublicKey(), message, raw_signature)


def test_pem_parsing_refuses_other_blocks() -> None:
    with pytest.raises(ValueError):
        RsaPublicKey.from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")


@pytest.fixture()
def echo_server():
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            self.send_response(418 if body == b"teapot" else 200)
            self.send_header("x-seen", self.headers.get("x-probe", ""))
            self.end_headers()
            self.wfile.write(body[::-1])

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_urllib_client_returns_statuses_instead_of_raising(echo_server: str) -> None:
    client = UrllibHttpClient()
    ok = await client.fetch(echo_server, method="POST", headers={"x-probe": "1"}, body=b"abc")
    assert ok.status == 200 and ok.body == b"cba" and ok.headers.get("x-seen") == "1"
    teapot = await client.fetch(echo_server, method="POST", body=b"teapot")
    assert teapot.status == 418


async def test_urllib_client_raises_outbound_error_when_unreachable() -> None:
    with pytest.raises(OutboundError):
        await UrllibHttpClient(timeout_seconds=2).fetch("http://127.0.0.1:9/")
