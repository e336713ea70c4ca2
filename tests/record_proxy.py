#!/usr/bin/env python3
"""A pass-through HTTP proxy for the tests (127.0.0.1): every POST goes on to the server at
--to unchanged, and that server's own status and body come back unchanged. Each exchange is
logged as one JSON line (--log): which window it was about (a hash of its first picture),
the question's start, what the request asked for (response_format, logprobs, max_tokens,
pictures, sound), and the server's whole reply, parsed, so a test can read what the server
itself said (its top_logprobs, timings.cache_n) beside what semio stored.
Usage: record_proxy.py --to PORT --port-file FILE --log FILE
"""
import argparse
import hashlib
import http.client
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ARGS = None


def summary(raw):
    try:
        body = json.loads(raw)
        parts = body["messages"][-1]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return {"request": "unreadable"}
    parts = parts if isinstance(parts, list) else [{"type": "text", "text": parts}]
    urls = [p["image_url"]["url"] for p in parts if p.get("type") == "image_url"]
    rf = body.get("response_format") or {}
    return {"segment": hashlib.sha1(urls[0].encode()).hexdigest()[:12] if urls else None,
            "question": parts[-1].get("text", "")[:80],
            "images": len(urls),
            "audio": sum(1 for p in parts if p.get("type") == "input_audio"),
            "response_format": rf.get("type"),
            "logprobs": body.get("logprobs"), "top_logprobs": body.get("top_logprobs"),
            "max_tokens": body.get("max_tokens")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        entry = summary(raw)
        entry["t"] = time.time()
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() in ("content-type", "authorization")}
        try:
            conn = http.client.HTTPConnection("127.0.0.1", ARGS.to, timeout=600)
            conn.request("POST", self.path, raw, headers)
            resp = conn.getresponse()
            status, data = resp.status, resp.read()
            ctype = resp.getheader("Content-Type", "application/json")
            conn.close()
        except OSError as e:  # the server is gone: so is the client's connection
            entry["error"] = str(e)
            self.write(entry)
            self.close_connection = True
            return
        entry["status"] = status
        try:
            entry["reply"] = json.loads(data)
        except ValueError:
            entry["reply"] = data.decode("utf-8", "replace")
        entry["t_end"] = time.time()
        self.write(entry)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (kill -9, timeout)

    def write(self, entry):
        with LOCK:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps(entry) + "\n")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", type=int, required=True, help="the server's port on 127.0.0.1")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ARGS = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
