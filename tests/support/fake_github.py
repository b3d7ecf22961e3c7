#!/usr/bin/env python3
"""A stand-in for the few GitHub REST API calls scripts/action.sh makes, for tests.

Listens on 127.0.0.1 (port 0: a free one), prints "port=N" on its first line, and serves:
  GET   /repos/O/R/issues/N/comments?per_page=&page=   the comments of issue N, paged
  POST  /repos/O/R/issues/N/comments                   {"body"}: a new comment
  PATCH /repos/O/R/issues/comments/ID                  {"body"}: edits a comment
  GET   /repos/O/R/commits/SHA/pulls                    the pull requests of a commit (--pull SHA=N)
Every call needs "Authorization: Bearer TOKEN" (--token). Tests read:
  GET /_requests   every request so far: method, path, whether it was authorised, its body
  GET /_comments   every comment: id, issue, body
Options: --token T, --seed N:COUNT (COUNT unrelated comments on issue N first),
--pull SHA=N (repeatable), --read-only-token T (a token that reads but may not write:
POST and PATCH answer 403 "Resource not accessible by integration", as GitHub answers a
job token without pull-requests: write)."""
import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Lock()
comments = []      # {"id", "issue", "body"}
requests = []
pulls = {}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method):
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if parts[0] == "_requests":
            with lock:
                return self._send(200, requests)
        if parts[0] == "_comments":
            with lock:
                return self._send(200, comments)
        auth = self.headers.get("Authorization")
        read_only = args.read_only_token is not None and auth == "Bearer " + args.read_only_token
        authorised = auth == "Bearer " + args.token or read_only
        with lock:
            requests.append({"method": method, "path": self.path, "authorised": authorised,
                             "accept": self.headers.get("Accept"), "body": raw})
        if not authorised:
            return self._send(401, {"message": "Bad credentials"})
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                return self._send(400, {"message": "Problems parsing JSON"})
        if read_only and method != "GET":
            return self._send(403, {"message": "Resource not accessible by integration",
                                    "documentation_url": "https://docs.github.com/rest",
                                    "status": "403"})
        if len(parts) < 4 or parts[0] != "repos":
            return self._send(404, {"message": "Not Found"})
        rest = parts[3:]
        with lock:
            if method == "GET" and len(rest) == 3 and rest[0] == "issues" and rest[2] == "comments":
                q = parse_qs(url.query)
                per_page = int(q.get("per_page", ["30"])[0])
                page = int(q.get("page", ["1"])[0])
                mine = [c for c in comments if c["issue"] == int(rest[1])]
                chunk = mine[(page - 1) * per_page:page * per_page]
                return self._send(200, [{"id": c["id"], "body": c["body"]} for c in chunk])
            if method == "POST" and len(rest) == 3 and rest[0] == "issues" and rest[2] == "comments":
                c = {"id": 1000 + len(comments), "issue": int(rest[1]), "body": body["body"]}
                comments.append(c)
                return self._send(201, {"id": c["id"], "body": c["body"]})
            if method == "PATCH" and len(rest) == 3 and rest[:2] == ["issues", "comments"]:
                for c in comments:
                    if c["id"] == int(rest[2]):
                        c["body"] = body["body"]
                        return self._send(200, {"id": c["id"], "body": c["body"]})
                return self._send(404, {"message": "Not Found"})
            if method == "GET" and len(rest) == 3 and rest[0] == "commits" and rest[2] == "pulls":
                n = pulls.get(rest[1])
                return self._send(200, [{"number": n}] if n else [])
        return self._send(404, {"message": "Not Found"})

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PATCH(self):
        self._handle("PATCH")


ap = argparse.ArgumentParser()
ap.add_argument("--token", required=True)
ap.add_argument("--seed", action="append", default=[])
ap.add_argument("--pull", action="append", default=[])
ap.add_argument("--read-only-token")
args = ap.parse_args()
for s in args.seed:
    issue, count = s.split(":")
    for i in range(int(count)):
        comments.append({"id": 1000 + len(comments), "issue": int(issue), "body": f"unrelated {i}"})
for p in args.pull:
    sha, n = p.split("=")
    pulls[sha] = int(n)
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"port={server.server_address[1]}", flush=True)
server.serve_forever()
