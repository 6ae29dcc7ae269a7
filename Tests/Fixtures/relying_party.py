"""A relying party on Authlib that signs a person in through Rollbook, playing the browser with requests.

Usage: relying_party.py ISSUER CLIENT_ID SECRET REDIRECT_URI [options]

SECRET is "-" for a public client. The program builds an authorization request with S256 PKCE and a nonce,
follows every redirect with one cookie jar, as a browser would, and on the way:
  --username U --password P   fills in the first LDAP sign-in form it meets;
  --provider ID               follows the sign-in button of that provider (an upstream OpenID provider).
When the browser reaches REDIRECT_URI, it exchanges the code at the token endpoint, checks the id_token
against the JWKS (issuer, audience, nonce, expiry), reads userinfo, and refreshes once when a refresh token
came. It prints one JSON object: the claims, userinfo, the refresh token the refresh returned and the hops, or
the error the callback carried, or the page where the browser stopped. Options: --district D (the district hint), --scope S, --extra NAME=VALUE
(another authorization parameter), --cookies FILE (load and save the browser's cookies), --hops N,
--stop-at-callback (print the code and the PKCE verifier instead of exchanging the code).
"""

import argparse
import json
import os
import re
import sys
import traceback
from http.cookiejar import MozillaCookieJar
from urllib.parse import parse_qs, urljoin, urlsplit

os.environ["NO_PROXY"] = "127.0.0.1"

import warnings

import authlib.deprecate  # noqa: F401 (it turns its own warnings on, so the filter below must come after it)

# Authlib 1.9 warns on import that authlib.jose will move to joserfc; the warning is not about this run.
warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt

TIMEOUT = 15


def form_fields(html):
    """Returns the action and the hidden fields of the first form with a password field."""
    for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
        if 'type="password"' not in form:
            continue
        action = re.search(r'action="([^"]*)"', form).group(1).replace("&amp;", "&")
        hidden = {name: value.replace("&amp;", "&").replace("&quot;", '"')
                  for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form)}
        return action, hidden
    return None, None


def provider_link(html, provider):
    match = re.search(r'href="(/signin/[^/"]+/%s\?[^"]*)"' % re.escape(provider), html)
    return match.group(1).replace("&amp;", "&") if match else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("issuer")
    parser.add_argument("client_id")
    parser.add_argument("secret")
    parser.add_argument("redirect_uri")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--provider")
    parser.add_argument("--district")
    parser.add_argument("--scope", default="openid profile email roster offline_access")
    parser.add_argument("--extra", action="append", default=[])
    parser.add_argument("--cookies")
    parser.add_argument("--hops", type=int, default=15)
    parser.add_argument("--stop-at-callback", action="store_true")
    arguments = parser.parse_args()

    issuer = arguments.issuer
    public = arguments.secret == "-"
    rp = OAuth2Session(
        arguments.client_id, None if public else arguments.secret, scope=arguments.scope,
        redirect_uri=arguments.redirect_uri, code_challenge_method="S256",
        token_endpoint_auth_method="none" if public else "client_secret_basic")
    verifier = generate_token(64)
    nonce = generate_token(20)
    extra = dict(item.split("=", 1) for item in arguments.extra)
    if arguments.district:
        extra["district"] = arguments.district
    url, state = rp.create_authorization_url(
        issuer + "/oauth/authorize", code_verifier=verifier, nonce=nonce, **extra)

    browser = requests.Session()
    if arguments.cookies:
        browser.cookies = MozillaCookieJar(arguments.cookies)
        if os.path.exists(arguments.cookies):
            # curl marks HttpOnly cookies with a "#HttpOnly_" prefix, which Python would skip as a comment.
            with open(arguments.cookies, encoding="utf-8") as file:
                text = file.read().replace("\n#HttpOnly_", "\n")
            readable = arguments.cookies + ".python"
            with open(readable, "w", encoding="utf-8") as file:
                file.write(text)
            browser.cookies.load(readable, ignore_discard=True, ignore_expires=True)
            for cookie in browser.cookies:
                if cookie.expires == 0:
                    cookie.expires = None
    hops = []
    response = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
    callback = None
    for _ in range(arguments.hops):
        hops.append({"url": response.url, "status": response.status_code})
        if response.status_code in (301, 302, 303):
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(arguments.redirect_uri):
                callback = location
                break
            response = browser.get(location, allow_redirects=False, timeout=TIMEOUT)
            continue
        if response.status_code == 200 and arguments.username:
            action, hidden = form_fields(response.text)
            if action:
                hidden.update({"username": arguments.username, "password": arguments.password})
                arguments.username = None
                response = browser.post(
                    urljoin(response.url, action), data=hidden, allow_redirects=False, timeout=TIMEOUT,
                    headers={"Origin": "%s://%s" % urlsplit(response.url)[:2]})
                continue
        if response.status_code == 200 and arguments.provider:
            link = provider_link(response.text, arguments.provider)
            if link:
                arguments.provider = None
                response = browser.get(urljoin(response.url, link), allow_redirects=False, timeout=TIMEOUT)
                continue
        break
    if arguments.cookies:
        # curl splits cookie file lines on runs of tabs, so a session cookie's empty expiry field would shift the
        # fields after it; 0 means a session cookie to both.
        for cookie in browser.cookies:
            if cookie.expires is None:
                cookie.expires = 0
        browser.cookies.save(ignore_discard=True, ignore_expires=True)
    if callback is None:
        print(json.dumps({"stopped": {"status": response.status_code, "url": response.url, "page": response.text},
                          "hops": hops}))
        return
    query = parse_qs(urlsplit(callback).query)
    if arguments.stop_at_callback:
        print(json.dumps({"callback": callback, "code": query.get("code", [""])[0], "verifier": verifier,
                          "state_matches": query.get("state", [""])[0] == state, "hops": hops}))
        return
    if "error" in query:
        print(json.dumps({"error": query["error"][0], "error_description": query.get("error_description", [""])[0],
                          "state_matches": query.get("state", [""])[0] == state, "hops": hops}))
        return

    token = rp.fetch_token(
        issuer + "/oauth/token", authorization_response=callback, state=state, code_verifier=verifier,
        timeout=TIMEOUT)
    keys = JsonWebKey.import_key_set(requests.get(issuer + "/oauth/jwks", timeout=TIMEOUT).json())
    claims = jwt.decode(token["id_token"], keys, claims_options={
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": arguments.client_id},
        "nonce": {"essential": True, "value": nonce},
    })
    claims.validate()
    userinfo = requests.get(
        issuer + "/oauth/userinfo", headers={"Authorization": "Bearer " + token["access_token"]},
        timeout=TIMEOUT).json()
    result = {"claims": dict(claims), "userinfo": userinfo, "scope": token.get("scope"),
              "id_token": token["id_token"], "hops": hops}
    if token.get("refresh_token"):
        refreshed = rp.refresh_token(issuer + "/oauth/token", refresh_token=token["refresh_token"], timeout=TIMEOUT)
        result["refreshed"] = refreshed.get("refresh_token") != token["refresh_token"]
        result["refresh_token"] = refreshed.get("refresh_token")
    print(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except Exception:
        print(json.dumps({"failure": traceback.format_exc()}))
        sys.exit(1)
