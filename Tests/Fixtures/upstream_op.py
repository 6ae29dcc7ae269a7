"""A small OpenID provider on pyop 3.5.0 that plays a district's IdP in the upstream sign-in tests.

Usage: upstream_op.py USERS_JSON --client ID SECRET METHOD [--client ...] --redirect-uri URI [...]
                      [--default-user NAME] [--port PORT]

USERS_JSON maps a login name to its claims, such as {"ada": {"sub": "a-1", "email": "ada@maple.example.org",
"email_verified": true, "hd": "maple.example.org"}}. The provider listens on 127.0.0.1 on a free port, prints
the port on one line of stdout, and stops on SIGTERM, or when stdin is a pipe and reaches end of file.

Routes: /.well-known/openid-configuration, /jwks, /authorize (approves the user named by login_hint, or the default
user without one, with no login page, and redirects with a code), and /token (client_secret_basic or client_secret_post, with PKCE S256).
Every claim of the user except sub goes into the id_token.
"""

import argparse
import json
import os
import signal
import stat
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from Cryptodome.PublicKey import RSA
from jwkest.jwk import RSAKey
from oic.oic.message import AuthorizationErrorResponse
from pyop.authz_state import AuthorizationState
from pyop.exceptions import InvalidAuthenticationRequest, InvalidClientAuthentication, OAuthError
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo

# The largest request body the token endpoint reads, in bytes.
MAX_BODY_BYTES = 64 * 1024


def build_provider(issuer, users, clients):
    """Create a pyop provider for `issuer` with a new RS256 key, the users and the registered clients."""
    signing_key = RSAKey(key=RSA.generate(2048), kid="upstream-op-1", use="sig", alg="RS256")
    configuration = {
        # pyop 3.5.0 rejects a configuration whose issuer is not https, so the provider is built with an https
        # placeholder and the real loopback http issuer is set right after the check.
        "issuer": "https://placeholder.invalid",
        "authorization_endpoint": issuer + "/authorize",
        "token_endpoint": issuer + "/token",
        "jwks_uri": issuer + "/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }
    state = AuthorizationState(HashBasedSubjectIdentifierFactory("upstream-op-salt"))
    provider = Provider(signing_key, configuration, state, clients, Userinfo(users))
    provider.configuration_information["issuer"] = issuer
    return provider


def make_handler(provider, users, default_user):
    """Return the request handler class bound to `provider` and `users`."""

    def extra_claims(user_id, client_id):
        return {name: value for name, value in users.get(user_id, {}).items() if name != "sub"}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            sys.stderr.write("upstream_op: " + (format % args) + "\n")

        def send_json(self, status, document, extra_headers=()):
            body = json.dumps(document).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in extra_headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def redirect(self, location):
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                self.send_json(200, provider.provider_configuration.to_dict())
            elif url.path == "/jwks":
                self.send_json(200, provider.jwks)
            elif url.path == "/authorize":
                self.authorize(url.query)
            else:
                self.send_json(404, {"error": "not_found", "error_description": "no route for " + url.path})

        def authorize(self, query):
            try:
                request = provider.parse_authentication_request(query)
            except InvalidAuthenticationRequest as error:
                location = error.to_error_url()
                if location:
                    self.redirect(location)
                else:
                    self.send_json(400, {"error": "invalid_request", "error_description": str(error)})
                return
            user_id = request.get("login_hint") or default_user
            if user_id not in users:
                failure = AuthorizationErrorResponse(
                    error="login_required", error_description="unknown login_hint '%s'" % user_id,
                    state=request.get("state"))
                self.redirect(failure.request(request["redirect_uri"]))
                return
            response = provider.authorize(request, user_id)
            self.redirect(response.request(request["redirect_uri"]))

        def do_POST(self):
            if urlsplit(self.path).path != "/token":
                self.send_json(404, {"error": "not_found", "error_description": "no route for " + self.path})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.send_json(413, {"error": "invalid_request", "error_description": "request body too large"})
                return
            body = self.rfile.read(length).decode("utf-8")
            headers = {"Authorization": self.headers["Authorization"]} if self.headers["Authorization"] else {}
            try:
                response = provider.handle_token_request(body, headers, extra_id_token_claims=extra_claims)
            except InvalidClientAuthentication as error:
                self.send_json(
                    401, {"error": "invalid_client", "error_description": str(error)},
                    [("WWW-Authenticate", 'Basic realm="upstream-op"')])
                return
            except OAuthError as error:
                self.send_json(400, {"error": error.oauth_error, "error_description": str(error)})
                return
            self.send_json(200, response.to_dict())

    return Handler


def main():
    parser = argparse.ArgumentParser(description="OpenID provider for the upstream sign-in tests")
    parser.add_argument("users", help="JSON file mapping login names to their claims")
    parser.add_argument(
        "--client", nargs=3, action="append", metavar=("ID", "SECRET", "METHOD"), required=True,
        help="a registered client; METHOD is client_secret_basic or client_secret_post")
    parser.add_argument("--redirect-uri", action="append", required=True, help="a redirect URI every client may use")
    parser.add_argument("--default-user", help="the login name approved when a request has no login_hint")
    parser.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (default: a free one)")
    arguments = parser.parse_args()

    with open(arguments.users, encoding="utf-8") as file:
        users = json.load(file)
    clients = {
        client_id: {
            "client_secret": secret, "token_endpoint_auth_method": method, "response_types": ["code"],
            "redirect_uris": arguments.redirect_uri,
        }
        for client_id, secret, method in arguments.client
    }

    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), None)
    issuer = "http://127.0.0.1:%d" % server.server_address[1]
    provider = build_provider(issuer, users, clients)
    server.RequestHandlerClass = make_handler(provider, users, arguments.default_user)
    server.daemon_threads = True

    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    print(server.server_address[1], flush=True)
    if stat.S_ISFIFO(os.fstat(0).st_mode):
        # Started by a test through a pipe: stop when the pipe closes, so a crashed test leaves nothing behind.
        signal.signal(signal.SIGTERM, lambda number, frame: sys.stdin.close())
        try:
            sys.stdin.read()
        except (ValueError, OSError):
            # SIGTERM closed stdin while it was being read.
            pass
    else:
        # Started by hand: run until SIGTERM or Ctrl-C.
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda number, frame: stopping.set())
        signal.signal(signal.SIGINT, lambda number, frame: stopping.set())
        while not stopping.wait(1):
            pass
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
