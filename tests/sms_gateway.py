"""A small SMS gateway and group-robot receiver, run as its own process by the notification tests.

    python tests/sms_gateway.py PORT RECORD_FILE [--refuse-file PATH] [--dingtalk-secret SECRET]

Every request is appended to RECORD_FILE as one JSON line (path, Idempotency-Key, body, the answer given), so
the tests read what really arrived. While the refuse file exists it answers 500, as a gateway in trouble does.
`/robot/send` is DingTalk's: the `timestamp` and `sign` of the URL are checked against the secret as DingTalk
does (and refused with its errcode 310000 when they do not match); `/cgi-bin/webhook/send` is WeCom's.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SIGN_WINDOW_MS = 3600 * 1000  # DingTalk refuses a timestamp more than an hour away


def signature_ok(secret: str, query: dict) -> bool:
    timestamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
    if not timestamp.isdigit() or abs(int(timestamp) - time.time() * 1000) > SIGN_WINDOW_MS:
        return False
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), sign)


class Gateway(BaseHTTPRequestHandler):
    record: Path
    refuse: Path | None
    secret: str
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (the standard library's name)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        status, answer, signed = 200, {"errcode": 0, "errmsg": "ok"}, None
        if self.refuse is not None and self.refuse.exists():
            status, answer = 500, {"error": "gateway busy"}
        elif url.path == "/robot/send":
            signed = signature_ok(self.secret, query)
            if not signed:
                answer = {"errcode": 310000, "errmsg": "sign not match"}
        elif url.path == "/sms" and not (isinstance(body, dict) and {"phone", "text", "key"} <= body.keys()
                                         and body["key"] == self.headers.get("Idempotency-Key")):
            status, answer = 400, {"error": "phone, text and key required; key as the Idempotency-Key"}
        line = {"path": url.path, "token": query.get("access_token", query.get("key", [None]))[0],
                "key": self.headers.get("Idempotency-Key"), "body": body, "status": status,
                "errcode": answer.get("errcode"), "signed": signed, "at": time.time()}
        with self.lock, self.record.open("a") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):  # quiet: the record file is the log
        pass


def main(argv: list[str]) -> None:
    port, record = int(argv[0]), Path(argv[1])
    options = dict(zip(argv[2::2], argv[3::2]))
    Gateway.record = record
    Gateway.refuse = Path(options["--refuse-file"]) if "--refuse-file" in options else None
    Gateway.secret = options.get("--dingtalk-secret", "")
    server = ThreadingHTTPServer(("127.0.0.1", port), Gateway)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
