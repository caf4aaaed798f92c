#!/usr/bin/env python3
"""A stand-in app for the front door's tests: HTTP/1.1 with keep-alive on the port given.

GET  /who      -> the app's name (argv[2])
GET  /headers  -> the request's headers as JSON
POST /echo     -> {"length": N, "sha1": "..."} of the body (Content-Length bodies)
GET  /ws       -> a WebSocket-style upgrade (101), then every byte sent back
Prints "ready <port>" once it listens (port 0: any free one).
"""
import base64, hashlib, json, socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/who":
            self.answer(200, NAME, "text/plain")
        elif self.path == "/headers":
            self.answer(200, json.dumps({k.lower(): v for k, v in self.headers.items()}))
        elif self.path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            accept = base64.b64encode(hashlib.sha1(
                (self.headers["Sec-WebSocket-Key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            connection = self.connection
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                connection.sendall(chunk)
            self.close_connection = True
        else:
            self.answer(404, json.dumps({"path": self.path}))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        digest, left = hashlib.sha1(), length
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
        self.answer(200, json.dumps({"length": length - left, "sha1": digest.hexdigest()}))


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
print(f"ready {server.server_address[1]}", flush=True)
server.serve_forever()
