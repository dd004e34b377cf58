"""A small HTTP/2 client for the integration tests, on Debian's python3-h2.

Transports: h2c with prior knowledge over a plain socket, or TLS (Python's ssl module) with
ALPN ["h2"] and the server certificate verified against a CA file.  Several requests can be
in flight on one connection (submit() several, then wait() for them).  Request bodies are sent
within the peer's flow-control windows, interleaved with reading, so a body larger than the
windows works, and a response that arrives before the body is complete (413) ends the stream.

    c = Client("127.0.0.1", 8080)                       # h2c
    c = Client("127.0.0.1", 8443, tls=True, cafile=CERT, server_hostname="localhost")
    r = c.request("GET", "/healthz")                    # -> Response
    r.status, r.header("content-type"), r.body, r.reset
    ids = [c.submit("GET", p) for p in paths]; rs = c.wait(ids)
    c.close()

Access control is on by default (config auth.required, issue 6 item 1): give the client its
token once and every request carries it,

    c = Client("127.0.0.1", 8080, default_headers=[("authorization", "Bearer " + TOKEN)])

A default header is sent after the pseudo-headers unless the request's own headers name it;
a request header whose value is None is not sent at all, so ("authorization", None) sends a
request without a token on such a client.
"""

import socket
import ssl

import h2.config
import h2.connection
import h2.events
import h2.exceptions


class H2ClientError(Exception):
    """The connection failed, timed out or was closed before the response was complete."""


class Response:
    """One response: status (int), headers (list of (name, value) str pairs, pseudo-headers
    excluded, names lower case), body (bytes), reset (the RST_STREAM error code if the server
    reset the stream, else None), complete (END_STREAM seen)."""

    def __init__(self, stream_id):
        self.stream_id = stream_id
        self.status = None
        self.headers = []
        self.body = b""
        self.reset = None
        self.complete = False

    def header(self, name):
        """The value of the first header called name (case-insensitive), or None."""
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name):
        """Every value of the headers called name (case-insensitive), in order."""
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def __repr__(self):
        return (f"Response(stream={self.stream_id}, status={self.status}, "
                f"headers={self.headers}, body={self.body[:200]!r}, reset={self.reset})")


class _Stream:
    def __init__(self, stream_id, body):
        self.response = Response(stream_id)
        self.pending = body  # request body bytes not yet sent
        self.end_sent = False
        self.done = False


class Client:
    """One HTTP/2 connection.  tls=False: h2c with prior knowledge; tls=True: TLS 1.2+ with
    ALPN alpn (default ["h2"]), verifying the server certificate against cafile for the name
    server_hostname (default host).  default_headers: (name, value) pairs every request sends
    unless its own headers name them (see the module's text).  Raises ssl.SSLError / OSError /
    H2ClientError when the connection cannot be set up (e.g. the server refuses the ALPN
    offer)."""

    def __init__(self, host, port, tls=False, cafile=None, server_hostname=None, alpn=("h2",),
                 timeout=10.0, default_headers=()):
        self.host = host
        self.port = port
        self.tls = tls
        self.default_headers = [(k, v) for k, v in default_headers]
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.check_hostname = True
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(cafile=cafile)
            if alpn:
                ctx.set_alpn_protocols(list(alpn))
            try:
                sock = ctx.wrap_socket(sock, server_hostname=server_hostname or host)
            except BaseException:
                sock.close()
                raise
            self.alpn = sock.selected_alpn_protocol()
            if self.alpn != "h2":
                sock.close()
                raise H2ClientError(f"ALPN negotiated {self.alpn!r}, not 'h2'")
        else:
            self.alpn = None
        self.sock = sock
        self.scheme = "https" if tls else "http"
        self.authority = f"{host}:{port}"
        self.conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.streams = {}
        self.goaway = None  # the ConnectionTerminated event, once received
        self.closed = False  # the server closed the TCP connection
        self.conn.initiate_connection()
        self._flush()

    # ------------------------------------------------------------------ requests

    def request_headers(self, method, path, headers=(), authority=None):
        """The exact header list submit() sends: the four pseudo-headers, the default headers
        that headers does not name, then headers; a pair whose value is None is left out."""
        own = [(k, v) for k, v in headers]
        named = {k.lower() for k, _ in own}
        dflt = [(k, v) for k, v in self.default_headers if k.lower() not in named]
        return [(":method", method), (":path", path), (":scheme", self.scheme),
                (":authority", authority or self.authority)] + [
                    (k, v) for k, v in dflt + own if v is not None]

    def submit(self, method, path, headers=(), body=b"", authority=None):
        """Start a request; returns its stream id.  headers: (name, value) pairs sent after
        the pseudo-headers, in order (no content-length is added).  body: bytes; empty means
        END_STREAM on the HEADERS frame."""
        sid = self.conn.get_next_available_stream_id()
        body = bytes(body)
        self.conn.send_headers(sid, self.request_headers(method, path, headers, authority),
                               end_stream=not body)
        st = _Stream(sid, body)
        st.end_sent = not body
        self.streams[sid] = st
        self._send_bodies()
        self._flush()
        return sid

    def wait(self, stream_ids):
        """Read until every stream of stream_ids has its complete response (END_STREAM) or was
        reset; returns their Responses in the same order.  Raises H2ClientError on a timeout
        or when the connection ends first."""
        want = [self.streams[s] for s in stream_ids]
        while not all(st.done for st in want):
            self._send_bodies()
            self._flush()
            if self.closed:
                raise H2ClientError(f"connection closed before the response "
                                    f"(goaway={self.goaway})")
            self._read()
        return [st.response for st in want]

    def request(self, method, path, headers=(), body=b"", authority=None):
        """submit() and wait() for one request."""
        return self.wait([self.submit(method, path, headers, body, authority)])[0]

    def close(self):
        try:
            if not self.closed:
                self.conn.close_connection()
                self._flush()
        except (OSError, h2.exceptions.ProtocolError):
            pass
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ internals

    def _flush(self):
        data = self.conn.data_to_send()
        if data and not self.closed:
            try:
                self.sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                self.closed = True

    def _send_bodies(self):
        """Send as much of every pending body as the flow-control windows allow."""
        for sid, st in self.streams.items():
            if st.end_sent or st.done:
                continue
            try:
                while st.pending:
                    n = min(len(st.pending), self.conn.local_flow_control_window(sid),
                            self.conn.max_outbound_frame_size)
                    if n <= 0:
                        break
                    chunk, st.pending = st.pending[:n], st.pending[n:]
                    self.conn.send_data(sid, chunk, end_stream=not st.pending)
                    st.end_sent = not st.pending
            except h2.exceptions.StreamClosedError:
                st.pending = b""  # the server answered and closed the stream early
                st.end_sent = True

    def _read(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout as e:
            raise H2ClientError("timed out waiting for the server") from e
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            for st in self.streams.values():
                if not st.done and st.response.complete:
                    st.done = True
            return
        for ev in self.conn.receive_data(data):
            self._event(ev)
        self._flush()

    def _event(self, ev):
        st = self.streams.get(getattr(ev, "stream_id", None) or 0)
        if isinstance(ev, h2.events.ResponseReceived) and st is not None:
            for k, v in ev.headers:
                if k == ":status":
                    st.response.status = int(v)
                elif not k.startswith(":"):
                    st.response.headers.append((k, v))
        elif isinstance(ev, h2.events.InformationalResponseReceived):
            pass
        elif isinstance(ev, h2.events.TrailersReceived) and st is not None:
            st.response.headers.extend(ev.headers)
        elif isinstance(ev, h2.events.DataReceived):
            if st is not None:
                st.response.body += ev.data
            self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded) and st is not None:
            st.response.complete = True
            st.done = True
        elif isinstance(ev, h2.events.StreamReset) and st is not None:
            st.response.reset = ev.error_code
            st.done = True
        elif isinstance(ev, h2.events.ConnectionTerminated):
            self.goaway = ev
            for sid, s in self.streams.items():
                if sid > (ev.last_stream_id or 0) and not s.done:
                    s.done = True  # never processed by the server: no response
