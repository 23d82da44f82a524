"""A local stand-in for a Slack incoming webhook, for the demo.

Listens on 127.0.0.1 on a free port, prints `PORT=<n>`, appends every JSON body
POSTed to it as one line to the file given as argv[1], answers 200 "ok".
"""
import http.server
import json
import signal
import sys

OUT = sys.argv[1]


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {"unparsable": body.decode("utf-8", "replace")}
        with open(OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps({"path": self.path, "body": doc}) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print(f"PORT={server.server_address[1]}", flush=True)
try:
    server.serve_forever()
except (KeyboardInterrupt, SystemExit):
    pass
