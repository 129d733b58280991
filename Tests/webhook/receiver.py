#!/usr/bin/env python3
"""A webhook receiver written the way a customer of Valerix would write one, in another language than the
service: it checks each request's Standard Webhooks signature with the subscription's secret alone
(Python's standard library, nothing from this project) and logs one JSON line per request.

Usage: receiver.py PORT SECRET LOG [--fail-first N] [--hang-first N --hang-s S]
  --fail-first N  answer 500 to the first N requests (the sender must retry them)
  --hang-first N  hold the first N requests S seconds before answering (past the sender's timeout)
A request whose signature does not verify is answered 401 and logged with "verified": false.
"""
import argparse
import base64
import hashlib
import hmac
import json
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret, msg_id, timestamp, signatures, body, now=None, tolerance=300):
    """True when one of the space-separated `v1,<base64>` signatures is HMAC-SHA256 of id.timestamp.body."""
    if abs((now if now is not None else time.time()) - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(sig.split(",", 1)[1], expected)
               for sig in signatures.split() if sig.startswith("v1,"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("secret")
    parser.add_argument("log")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--hang-first", type=int, default=0)
    parser.add_argument("--hang-s", type=float, default=0)
    options = parser.parse_args()
    lock, seen, log = threading.Lock(), [0], open(options.log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                seen[0] += 1
                number = seen[0]
            if number <= options.hang_first:
                time.sleep(options.hang_s)
            ok = verify(options.secret, self.headers.get("webhook-id", ""), self.headers.get("webhook-timestamp", "0"),
                        self.headers.get("webhook-signature", ""), body)
            status = 401 if not ok else 500 if number <= options.fail_first + options.hang_first else 204
            data = json.loads(body).get("data", {}) if ok else {}
            with lock:
                log.write(json.dumps({"id": self.headers.get("webhook-id"), "verified": ok, "status": status,
                                      "orderId": data.get("orderId"), "kind": data.get("kind")}) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a parent may have left it ignored
    ThreadingHTTPServer(("127.0.0.1", options.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
