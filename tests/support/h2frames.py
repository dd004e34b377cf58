"""A small raw-frame HTTP/2 client for conformance tests (Debian's python3-hyperframe).

Frames are written as raw bytes (frame() builds any header, length, type, flags and stream id,
including malformed ones) and read back with hyperframe's parser.  Header blocks are built by
hand (lit(), idx(), hpack_int()) so that every byte of the HPACK input is under the test's
control: no dynamic-table state, no Huffman, no lowercasing.  Owned by issue 7 item 2
(tests/integration/test_conformance.py).
"""
import socket
import struct
import time

import hpack
from hyperframe.frame import (DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame,
                              RstStreamFrame, SettingsFrame, WindowUpdateFrame)

# the frame classes the tests import from here for their isinstance() checks
FRAME_CLASSES = (DataFrame, GoAwayFrame, HeadersFrame, PingFrame, RstStreamFrame,
                 SettingsFrame, WindowUpdateFrame)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# RFC 9113 §6 frame types
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
# flags
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY_FLAG = 0x1, 0x1, 0x4, 0x8, 0x20
# RFC 9113 §7 error codes
ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
          "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
          "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY",
          "HTTP_1_1_REQUIRED"]
(NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED,
 FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR) = range(10)
# RFC 9113 §6.5.2 settings
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, \
    MAX_HEADER_LIST_SIZE = range(1, 7)


def err_name(code):
    if code is None:
        return "none"
    return ERRORS[code] if 0 <= code < len(ERRORS) else f"0x{code:x}"


def frame(ftype, flags, sid, payload=b"", length=None):
    """One frame as bytes; length defaults to len(payload) (a wrong one may be given)."""
    n = len(payload) if length is None else length
    return struct.pack(">I", n)[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def settings(*pairs, flags=0, sid=0):
    return frame(SETTINGS, flags, sid, b"".join(struct.pack(">HI", k, v) for k, v in pairs))


def ping(data=b"\0" * 8, flags=0, sid=0):
    return frame(PING, flags, sid, data)


def window_update(sid, inc):
    return frame(WINDOW_UPDATE, 0, sid, struct.pack(">I", inc))


def rst_stream(sid, code):
    return frame(RST_STREAM, 0, sid, struct.pack(">I", code))


def goaway(last, code, sid=0, debug=b""):
    return frame(GOAWAY, 0, sid, struct.pack(">II", last, code) + debug)


def priority(sid, dep, weight=15, exclusive=False):
    return frame(PRIORITY, 0, sid, struct.pack(">IB", dep | (0x80000000 if exclusive else 0),
                                               weight))


def data(sid, payload=b"", flags=0):
    return frame(DATA, flags, sid, payload)


def headers(sid, block, flags=END_HEADERS | END_STREAM):
    return frame(HEADERS, flags, sid, block)


def continuation(sid, block, flags=END_HEADERS):
    return frame(CONTINUATION, flags, sid, block)


# ---------------------------------------------------------------- HPACK by hand (RFC 7541)


def hpack_int(value, prefix_bits, first=0):
    """RFC 7541 §5.1 integer with an N-bit prefix; first holds the bits above the prefix."""
    top = (1 << prefix_bits) - 1
    if value < top:
        return bytes([first | value])
    out = [first | top]
    value -= top
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hstr(s, huffman=False):
    """RFC 7541 §5.2 string literal (raw octets unless huffman, which takes encoded bytes)."""
    b = s.encode() if isinstance(s, str) else s
    return hpack_int(len(b), 7, 0x80 if huffman else 0) + b


def lit(name, value):
    """RFC 7541 §6.2.2 literal header field without indexing, new name."""
    return b"\x00" + hstr(name) + hstr(value)


def lit_inc(name, value):
    """RFC 7541 §6.2.1 literal header field with incremental indexing, new name."""
    return b"\x40" + hstr(name) + hstr(value)


def idx(i):
    """RFC 7541 §6.1 indexed header field."""
    return hpack_int(i, 7, 0x80)


def table_size_update(size):
    """RFC 7541 §6.3 dynamic table size update."""
    return hpack_int(size, 5, 0x20)


def block(fields):
    return b"".join(lit(k, v) for k, v in fields)


def request_fields(method="GET", path="/healthz", authority="localhost", scheme="http",
                   extra=()):
    return [(":method", method), (":scheme", scheme), (":authority", authority),
            (":path", path), *extra]


# ---------------------------------------------------------------- the connection


class Conn:
    """One h2c connection with raw frames.  Frames read are kept in self.frames."""

    def __init__(self, port, preface=PREFACE + settings(), handshake=True, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.frames = []
        self.server_settings = None
        self.dec = hpack.Decoder()
        self.ping_n = 0
        if preface:
            self.send(preface)
        if handshake:
            # The server's SETTINGS come first (RFC 9113 §3.4); ACKing them is automatic.
            self.server_settings = self.until(lambda f: isinstance(f, SettingsFrame) and
                                              "ACK" not in f.flags, timeout)

    def send(self, b):
        try:
            self.sock.sendall(b)
        except OSError:
            pass  # the server may already have closed; what it sent is still read

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _fill(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def next_frame(self, timeout=10.0):
        """The next frame, or None on EOF or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 9:
                f, length = Frame.parse_frame_header(memoryview(self.buf[:9]))
                if len(self.buf) >= 9 + length:
                    f.parse_body(memoryview(self.buf[9:9 + length]))
                    self.buf = self.buf[9 + length:]
                    if isinstance(f, SettingsFrame) and "ACK" not in f.flags:
                        self.send(settings(flags=ACK))
                    if isinstance(f, HeadersFrame):
                        try:
                            f.decoded = self.dec.decode(f.data)
                        except hpack.HPACKError:
                            f.decoded = []
                    self.frames.append(f)
                    return f
            if self.eof:
                return None
            left = deadline - time.monotonic()
            if left <= 0 or (not self._fill(left) and (self.eof or
                                                       time.monotonic() >= deadline)):
                if self.eof and len(self.buf) >= 9:
                    continue
                return None

    def until(self, pred, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            f = self.next_frame(max(deadline - time.monotonic(), 0))
            if f is None or pred(f):
                return f

    def wait_eof(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self.next_frame(max(deadline - time.monotonic(), 0))
        return self.eof

    def goaway_frame(self):
        for f in self.frames:
            if isinstance(f, GoAwayFrame):
                return f
        return None

    def rst(self, sid):
        for f in self.frames:
            if isinstance(f, RstStreamFrame) and f.stream_id == sid:
                return f.error_code
        return None

    def ping_sync(self, timeout=10.0):
        """Send a PING with fresh opaque data; True when its ACK came back (every frame sent
        before it was processed, RFC 9113 §6.7), False on GOAWAY, EOF or timeout."""
        self.ping_n += 1
        opaque = b"sync" + struct.pack(">I", self.ping_n)
        self.send(ping(opaque))
        f = self.until(lambda f: isinstance(f, GoAwayFrame) or
                       (isinstance(f, PingFrame) and "ACK" in f.flags and
                        f.opaque_data == opaque), timeout)
        return isinstance(f, PingFrame)

    def response(self, sid, timeout=10.0):
        """(status, body, rst_code) of stream sid; status None when no response came."""
        status, body = None, b""
        deadline = time.monotonic() + timeout
        i = 0
        while True:
            while i < len(self.frames):
                f = self.frames[i]
                i += 1
                if isinstance(f, GoAwayFrame) and (f.error_code != 0 or
                                                   sid > f.last_stream_id):
                    return status, body, None  # the stream will not complete
                if f.stream_id != sid:
                    continue
                if isinstance(f, HeadersFrame):
                    for k, v in f.decoded:
                        if k in (":status", b":status"):
                            status = int(v)
                elif isinstance(f, DataFrame):
                    body += f.data
                elif isinstance(f, RstStreamFrame):
                    return status, body, f.error_code
                if "END_STREAM" in f.flags:
                    return status, body, None
            if self.next_frame(max(deadline - time.monotonic(), 0)) is None:
                return status, body, None

