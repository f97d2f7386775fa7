"""What every loopback fake shares: a ThreadingHTTPServer on 127.0.0.1 (port 0 by default) run in
a background thread, a record of every request, a queue of scripted answers per operation, a
"black hole" switch, and the command-line runner behind `python3 -m tests.aws.fakes.<name>`."""

import argparse
import json
import queue
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import sigv4


@dataclass
class Recorded:
    """One request as the fake received it."""
    method: str
    path: str                  # the raw request target, query included, never decoded
    headers: list              # [(name, value), ...] in arrival order
    body: bytes
    time: float                # time.monotonic() when the request line had been read
    wall_time: float           # time.time() at the same moment
    client: tuple = None
    operation: str = None      # e.g. "SignPayload", "AssumeRole", "token", "credentials"
    access_key: str = None     # from the Authorization header, when there is one
    auth_ok: bool = None       # the SigV4 check's outcome (None when not checked)
    auth_error: str = None
    status: int = None         # what the fake answered (None: no answer, black hole)
    request_id: str = None

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default


@dataclass
class Fault:
    """A scripted answer, used once, for one operation.

    status/error_type/message: an error answer in the fake's protocol (status None with
    pass_through=True = the normal answer, only delayed); headers: extra response headers (e.g.
    {"x-amz-retry-after": "1500"}); delay: seconds to wait first; body: raw bytes to answer
    instead, sent with content_type; black_hole: never answer this request; close: drop the
    connection unanswered. "{request}" in message or body is replaced with the whole request as
    received (request line, every header, body), as a careless service would echo it: the tests
    of redaction use it to make every secret the request carried come back in an answer."""
    status: int = 500
    error_type: str = "InternalServiceErrorException"
    message: str = "Internal failure (injected)"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    body: bytes = None
    content_type: str = "application/json"
    pass_through: bool = False
    black_hole: bool = False
    close: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sgn-aws-fake/1.0"
    sys_version = ""
    fake = None  # set per server class

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):  # quiet
        if self.fake.verbose:
            sys.stderr.write("%s: %s\n" % (self.fake.name, fmt % args))

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _handle(self):
        t, wall = time.monotonic(), time.time()
        body = self._read_body()
        rec = Recorded(self.command, self.path, list(self.headers.items()), body, t, wall,
                       self.client_address, request_id=str(uuid.uuid4()))
        rec.access_key = sigv4.access_key_of(self.headers.get("Authorization"))
        rec.operation = self.fake.operation_of(rec)
        self.fake._record(rec)
        if self.fake.black_hole:
            self.fake._hold(self)
            self.close_connection = True
            return
        try:
            self.fake.handle(self, rec)
        except BrokenPipeError:
            self.close_connection = True
        except Exception as e:  # a bug in the fake: answer 500 so that the test sees it
            if rec.status is None:
                self.fake.send_error_answer(self, rec, 500, "InternalFailure", f"fake crashed: {e!r}")
            raise

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    # --- sending ---
    def send_raw(self, rec, status, body, content_type, headers=None):
        rec.status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()


class FakeServer:
    """Base class: subclasses set `name`, implement handle(h, rec) and send_error_answer()."""

    name = "fake"

    def __init__(self, host="127.0.0.1", port=0, verbose=False, tls=None):
        """tls: an ssl.SSLContext (server side) to serve HTTPS instead of HTTP."""
        self.host, self.requested_port, self.verbose = host, port, verbose
        self.tls = tls
        self.requests = []
        self.black_hole = False
        self._faults = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = None
        self._thread = None

    # --- lifecycle ---
    def start(self):
        handler = type(f"{type(self).__name__}Handler", (FakeHandler,), {"fake": self})
        self._server = _Server((self.host, self.requested_port), handler)
        if self.tls is not None:
            # handshakes run in the accepting thread; a client refusing the certificate is an
            # OSError there, which socketserver drops
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.name,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"{'https' if self.tls is not None else 'http'}://{host}:{self.port}"

    # --- scripting and records ---
    def script(self, operation, *faults):
        """Queue scripted answers for `operation` (used in order, one per request)."""
        with self._lock:
            q = self._faults.setdefault(operation, queue.SimpleQueue())
            for f in faults:
                q.put(f)

    def next_fault(self, operation):
        with self._lock:
            q = self._faults.get(operation)
        if q is None:
            return None
        try:
            return q.get_nowait()
        except queue.Empty:
            return None

    def clear(self):
        with self._lock:
            self.requests.clear()
            self._faults.clear()

    def _record(self, rec):
        with self._lock:
            self.requests.append(rec)

    def seen(self, operation=None):
        with self._lock:
            return [r for r in self.requests if operation is None or r.operation == operation]

    def _hold(self, handler):
        """Black hole: keep the connection open, answer nothing, until the fake stops."""
        self._stop.wait()

    def apply_fault(self, h, rec, fault):
        """Play a scripted fault. Returns True when the request has been dealt with."""
        if fault.delay:
            if self._stop.wait(fault.delay):
                return True
        if fault.black_hole:
            self._hold(h)
            h.close_connection = True
            return True
        if fault.close:
            h.close_connection = True
            return True
        if fault.pass_through:
            return False
        echo = echo_request(rec)
        if fault.body is not None:
            h.send_raw(rec, fault.status, fault.body.replace(b"{request}", echo.encode()),
                       fault.content_type, self.base_headers(rec) | fault.headers)
            return True
        self.send_error_answer(h, rec, fault.status, fault.error_type,
                               fault.message.replace("{request}", echo), fault.headers)
        return True

    def base_headers(self, rec):
        return {}

    # --- to implement ---
    def operation_of(self, rec):
        """The operation name of a request, from its method and raw target (None if unknown)."""
        return None

    def handle(self, h, rec):
        raise NotImplementedError

    def send_error_answer(self, h, rec, status, code, message, headers=None):
        h.send_raw(rec, status, json.dumps({"message": message}).encode(), "application/json",
                   headers)


def echo_request(rec):
    """The request as text: "METHOD target", "name:value" per header, the body."""
    lines = [f"{rec.method} {rec.path}"] + [f"{k}:{v}" for k, v in rec.headers]
    return "\n".join(lines) + "\n\n" + (rec.body or b"").decode("utf-8", "replace")


def send_json(h, rec, status, obj, headers=None):
    h.send_raw(rec, status, json.dumps(obj).encode(), "application/json", headers)


def run_main(factory, description, add_args=None):
    """`python3 -m tests.aws.fakes.<name>`: start the fake in the foreground until Ctrl-C."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("-v", "--verbose", action="store_true")
    if add_args:
        add_args(ap)
    args = ap.parse_args()
    fake = factory(args)
    fake.start()
    print(f"{fake.name} listening on {fake.url}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    fake.stop()
    return 0
