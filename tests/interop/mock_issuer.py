#!/usr/bin/python3
"""A stand-in issuer for the offline self-checks of the verifiers' HTTP/2 fetching: serves
the files of DIR over HTTP/2 (python3-h2), h2c with prior knowledge or TLS with ALPN h2, one
connection at a time, until killed.  GET /P answers DIR/P (content type: .well-known/* ->
application/json, anything else -> application/statuslist+jwt), else 404.  Prints "ready"
once listening.

usage: mock_issuer.py PORT DIR [CERT KEY]
"""

import os
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events
import h2.exceptions


def answer(root, path):
    rel = path.split("?")[0].lstrip("/")
    full = os.path.realpath(os.path.join(root, rel))
    if not full.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(full):
        return 404, "text/plain", b"not found\n"
    ctype = "application/json" if rel.startswith(".well-known/") else "application/statuslist+jwt"
    with open(full, "rb") as f:
        return 200, ctype, f.read()


def serve(sock, root):
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    paths = {}
    while True:
        data = sock.recv(65536)
        if not data:
            return
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                paths[ev.stream_id] = dict((k.decode() if isinstance(k, bytes) else k,
                                            v.decode() if isinstance(v, bytes) else v)
                                           for k, v in ev.headers)[":path"]
            if isinstance(ev, h2.events.StreamEnded) and ev.stream_id in paths:
                status, ctype, body = answer(root, paths.pop(ev.stream_id))
                conn.send_headers(ev.stream_id, [(":status", str(status)),
                                                 ("content-type", ctype),
                                                 ("content-length", str(len(body)))])
                conn.send_data(ev.stream_id, body, end_stream=True)
            if isinstance(ev, h2.events.ConnectionTerminated):
                sock.sendall(conn.data_to_send())
                return
        sock.sendall(conn.data_to_send())


def main():
    port, root = int(sys.argv[1]), sys.argv[2]
    ctx = None
    if len(sys.argv) == 5:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        ctx.set_alpn_protocols(["h2"])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    print("ready", flush=True)
    while True:
        s, _ = ls.accept()
        try:
            if ctx:
                s = ctx.wrap_socket(s, server_side=True)
            serve(s, root)
        except (OSError, ssl.SSLError, h2.exceptions.ProtocolError):
            pass
        finally:
            s.close()


if __name__ == "__main__":
    main()
