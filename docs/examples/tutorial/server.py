#!/usr/bin/env python3
"""Serve the Bluebird SIS tutorial API on 127.0.0.1 from the JSON files in api/.

Each collection (/schools, /students, /teachers, /classes, /enrollments) is read from
api/NAME.json and served in pages: ?page=N (from 1) and ?per_page=N (1 to 100, 50 when left
out). A response is {"data": [...], "meta": {"page":, "per_page":, "total":}}. Every request
needs the header X-Api-Key with the key given by --api-key (default "tutorial-key").
"""

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

COLLECTIONS = ("schools", "students", "teachers", "classes", "enrollments")
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100


def load_collections(folder):
    """Read every collection's records from FOLDER/NAME.json."""
    collections = {}
    for name in COLLECTIONS:
        with open(folder / f"{name}.json", encoding="utf-8") as file:
            collections[name] = json.load(file)
    return collections


def page_number(query, name, default, maximum):
    """Return the integer query parameter NAME, or raise ValueError naming the bad value."""
    values = query.get(name)
    if not values:
        return default
    text = values[0]
    if not text.isdigit() or int(text) < 1 or int(text) > maximum:
        raise ValueError(f"query parameter '{name}' is '{text}'; expected an integer from 1 to {maximum}")
    return int(text)


def make_handler(collections, api_key):
    """Build the request handler class that serves COLLECTIONS and checks API_KEY."""

    class Handler(BaseHTTPRequestHandler):
        def send_json(self, status, document):
            body = json.dumps(document).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.headers.get("X-Api-Key") != api_key:
                self.send_json(401, {"error": "missing or invalid X-Api-Key header"})
                return
            url = urlsplit(self.path)
            name = url.path.strip("/")
            if name not in collections:
                self.send_json(404, {"error": f"no collection at '{url.path}'; expected one of {', '.join(COLLECTIONS)}"})
                return
            query = parse_qs(url.query)
            try:
                page = page_number(query, "page", 1, sys.maxsize)
                per_page = page_number(query, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
            except ValueError as error:
                self.send_json(400, {"error": str(error)})
                return
            records = collections[name]
            start = (page - 1) * per_page
            self.send_json(200, {
                "data": records[start:start + per_page],
                "meta": {"page": page, "per_page": per_page, "total": len(records)},
            })

    return Handler


def main():
    parser = argparse.ArgumentParser(description="Serve the Bluebird SIS tutorial API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765, help="TCP port to listen on (0 picks a free one)")
    parser.add_argument("--api-key", default="tutorial-key", help="value the X-Api-Key header must have")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "api",
                        help="folder of the recorded collections (NAME.json)")
    arguments = parser.parse_args()

    handler = make_handler(load_collections(arguments.data), arguments.api_key)
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), handler)
    host, port = server.server_address
    print(f"Bluebird SIS listening on http://{host}:{port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
