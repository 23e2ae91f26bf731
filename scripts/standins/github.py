"""GitHub OAuth stand-in: authorize page (Authorize / Cancel), token endpoint, and `GET /user`.

Run: python -m scripts.standins.github --port 8793. oauth_api reaches it through
GITHUB_AUTHORIZE_URL, GITHUB_TOKEN_URL and GITHUB_API_URL.
"""

from __future__ import annotations

import argparse
import html
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode

from scripts.standins.jsonhttp import (
    Reply,
    StandinRequest,
    StandinServer,
    html_reply,
    json_reply,
    serve_until_interrupted,
)

DEFAULT_CLIENT_ID = "gh_dreamapi_local"
DEFAULT_CLIENT_SECRET = "gh_secret_dreamapi_local"  # noqa: S105 - local-only value


@dataclass
class GithubStandin:
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    login: str = "octo-dev"
    codes: dict[str, str] = field(default_factory=dict)  # code -> login
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> login
    issued_tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.server = StandinServer("github")
        self.server.route("GET", "/login/oauth/authorize")(self._authorize_page)
        self.server.route("POST", "/login/oauth/authorize/decision")(self._decision)
        self.server.route("POST", "/login/oauth/access_token")(self._access_token)
        self.server.route("GET", "/user")(self._user)

    def start(self, port: int = 0) -> int:
        return self.server.start(port)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def _authorize_page(self, request: StandinRequest) -> Reply:
        if request.query.get("client_id") != self.client_id or not request.query.get("state"):
            return html_reply("<h1>Unknown application</h1>", 404)
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in request.query.items()
        )
        return html_reply(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Authorize dream-api (GitHub stand-in)</title></head><body><h1>Authorize dream-api</h1>
<p>Signed in as {html.escape(self.login)}.</p>
<form method="post" action="/login/oauth/authorize/decision">{hidden}
<button id="authorize" name="decision" value="approve" type="submit">Authorize</button>
<button id="cancel" name="decision" value="deny" type="submit">Cancel</button></form></body></html>""")

    def _decision(self, request: StandinRequest) -> Reply:
        form = request.form()
        if form.get("decision") != "approve":
            query = urlencode({"error": "access_denied", "state": form.get("state", "")})
        else:
            code = secrets.token_hex(10)
            with self.lock:
                self.codes[code] = self.login
            query = urlencode({"code": code, "state": form.get("state", "")})
        return 302, {"location": f"{form['redirect_uri']}?{query}"}, b""

    def _access_token(self, request: StandinRequest) -> Reply:
        form = request.form()
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return json_reply({"error": "incorrect_client_credentials"})
        with self.lock:
            login = self.codes.pop(form.get("code", ""), None)
        if login is None:  # GitHub answers 200 with an error body
            return json_reply(
                {"error": "bad_verification_code", "error_description": "The code is incorrect"}
            )
        token = "gho_" + secrets.token_hex(16)
        self.tokens[token] = login
        self.issued_tokens.append(token)
        return json_reply({"access_token": token, "token_type": "bearer", "scope": "read:user"})

    def _user(self, request: StandinRequest) -> Reply:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        login = self.tokens.get(token)
        if login is None:
            return json_reply({"message": "Bad credentials"}, 401)
        return json_reply({"login": login, "id": 4242, "type": "User"})


def main() -> None:
    parser = argparse.ArgumentParser(description="dream-api GitHub OAuth stand-in")
    parser.add_argument("--port", type=int, default=8793)
    args = parser.parse_args()
    standin = GithubStandin()
    serve_until_interrupted(standin.start, standin.server, args.port, "github stand-in")


if __name__ == "__main__":
    main()
