"""A local fake of Pastell's API for the tests: answers the recorded request/response pairs of
tests/fixtures/pastell/*.json, and keeps every request it received (method, path, headers, body)
so a test checks what the product sent. A test replaces an answer with ``answer(...)``."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pastell"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FakePastell:
    def __init__(self, recording: str = "actes_generique.json"):
        pairs = json.loads((FIXTURES / recording).read_text())["pairs"]
        self.answers = {
            (p["request"]["method"], p["request"]["path"]): p["response"] for p in pairs
        }
        self.received: list[Received] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.received.append(Received(self.command, path, headers, body))
                response = fake.answers.get((self.command, path))
                if response is None:
                    response = {
                        "status": 404,
                        "body": {
                            "status": "error",
                            "error-message": f"Ressource {path} introuvable",
                        },
                    }
                payload = json.dumps(response["body"]).encode()
                self.send_response(response["status"])
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = _answer

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, method: str, path: str, status: int, body: dict) -> None:
        self.answers[(method, path)] = {"status": status, "body": body}

    def paths(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.received]

    def __enter__(self) -> FakePastell:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
