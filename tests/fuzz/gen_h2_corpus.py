#!/usr/bin/python3
"""Write the seed corpus of tests/fuzz/fuzz_h2.c into tests/fuzz/corpus/h2/.

usage: /usr/bin/python3 tests/fuzz/gen_h2_corpus.py [OUT_DIR]

Each seed is the bytes a client sends after the connection preface (fuzz_h2 writes the preface
itself): frames built with Debian's python3-hyperframe and python3-hpack.  Header blocks are
HPACK without Huffman coding so that the bearer placeholder TOKEN (46 bytes, replaced by the
harness with the real admin token) stays a literal.  Deterministic: running it again writes
the same files.
"""
import json
import os
import sys

import hpack
from hyperframe.frame import (ContinuationFrame, DataFrame, GoAwayFrame, HeadersFrame, PingFrame,
                              PriorityFrame, RstStreamFrame, SettingsFrame, WindowUpdateFrame)

TOKEN = "yc_FUZZ_TOKEN_PLACEHOLDER_xxxxxxxxxxxxxxxxxxxx"
assert len(TOKEN) == 46
USCC = "91330782MA2B31FL7T"
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "h2")


def hdrs(method, path, auth=True, extra=()):
    h = [(":method", method), (":scheme", "http"), (":path", path), (":authority", "fuzz")]
    if auth:
        h.append(hpack.NeverIndexedHeaderTuple("authorization", "Bearer " + TOKEN))
    h.extend(extra)
    return h


class Conn:
    def __init__(self, settings=None):
        self.enc = hpack.Encoder()
        self.out = b""
        s = SettingsFrame(0)
        if settings:
            s.settings = settings
        self.out += s.serialize()

    def frame(self, f):
        self.out += f.serialize()
        return self

    def block(self, headers):
        return self.enc.encode(headers, huffman=False)

    def request(self, sid, method, path, body=None, auth=True, extra=(), split=None, pad=0):
        extra = list(extra)
        if body is not None:
            extra.append(("content-type", "application/json"))
            extra.append(("content-length", str(len(body))))
        blk = self.block(hdrs(method, path, auth, extra))
        flags = set()
        if body is None:
            flags.add("END_STREAM")
        if split:
            h = HeadersFrame(sid, blk[:split], flags=flags)
            self.frame(h)
            self.frame(ContinuationFrame(sid, blk[split:], flags={"END_HEADERS"}))
        else:
            flags.add("END_HEADERS")
            h = HeadersFrame(sid, blk, flags=flags)
            if pad:
                h.flags.add("PADDED")
                h.pad_length = pad
            self.frame(h)
        if body is not None:
            half = len(body) // 2
            self.frame(DataFrame(sid, body[:half]))
            self.frame(DataFrame(sid, body[half:], flags={"END_STREAM"}))
        return self


def write(name, conn):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(conn.out)


def main():
    os.makedirs(OUT, exist_ok=True)
    write("healthz", Conn().request(1, "GET", "/healthz", auth=False))
    write("readyz-head", Conn().request(1, "HEAD", "/readyz", auth=False))
    write("score", Conn().request(1, "GET", "/v1/subjects/%s/score?purpose=loan_approval" % USCC))
    write("records", Conn().request(1, "GET", "/v1/subjects/%s/records?purpose=loan_approval&limit=2"
                                    % USCC))
    write("score-no-auth", Conn().request(1, "GET", "/v1/subjects/%s/score" % USCC, auth=False))
    write("score-etag", Conn().request(1, "GET", "/v1/subjects/%s/score?purpose=loan_approval"
                                       % USCC, extra=[("if-none-match", '"abc"')]))
    rec = {"subject_type": "legal_person", "subject_id": USCC, "name": "义乌市创亿物流有限公司",
           "code": "B01", "decision_no": "义市监登字〔2024〕第0999号", "decision_date": "2024-02-06",
           "authority_name": "义乌市市场监督管理局", "authority_uscc": "11330782MB1A07019X",
           "legal_basis": "《中华人民共和国市场主体登记管理条例》"}
    write("post-records", Conn().request(1, "POST", "/v1/records?atomic=true",
                                         json.dumps({"records": [rec]}, ensure_ascii=False).encode()))
    write("post-records-bad", Conn().request(1, "POST", "/v1/records",
                                             b'{"records":[{"subject_id":"x","code":"Z9"}]}'))
    write("lookup", Conn().request(1, "POST", "/v1/subjects/lookup",
                                   b'{"doc_type":"resident_id","doc_no":"11010519491231002X"}'))
    write("attest-issue", Conn().request(1, "POST", "/v1/subjects/%s/attestations" % USCC,
                                         b'{"purpose":"loan_approval","validity_days":30}'))
    write("attest-verify", Conn().request(1, "POST", "/v1/attestations/verify",
                                          b'{"token":"eyJhbGciOiJFZERTQSJ9.e30.AAAA~"}'))
    write("decision", Conn().request(1, "POST", "/v1/decisions",
                                     b'{"subject_id":"%s","matter":"public_bidding"}' % USCC.encode()))
    c = Conn()
    for i, p in enumerate(["/v1/measures", "/.well-known/jwks.json", "/.well-known/jwt-vc-issuer",
                           "/v1/audit?limit=3", "/v1/objections", "/v1/repairs", "/v1/status-lists/1",
                           "/v1/subjects/%s/attestations?purpose=loan_approval" % USCC]):
        c.request(2 * i + 1, "GET", p)
    write("many-streams", c)
    c = Conn(settings={SettingsFrame.HEADER_TABLE_SIZE: 0, SettingsFrame.INITIAL_WINDOW_SIZE: 16,
                       SettingsFrame.MAX_FRAME_SIZE: 16384, SettingsFrame.ENABLE_PUSH: 0})
    c.frame(SettingsFrame(0, flags={"ACK"}))
    c.request(1, "GET", "/v1/subjects/%s/records?purpose=loan_approval" % USCC)
    c.frame(WindowUpdateFrame(1, 65535)).frame(WindowUpdateFrame(0, 65535))
    write("small-window", c)
    c = Conn().request(1, "GET", "/healthz", auth=False, split=5)
    write("continuation", c)
    c = Conn().request(1, "GET", "/healthz", auth=False, pad=7)
    write("padded", c)
    c = Conn()
    c.frame(PingFrame(0, b"12345678")).frame(PriorityFrame(3, depends_on=1, stream_weight=200))
    c.request(5, "GET", "/healthz", auth=False)
    c.frame(RstStreamFrame(5, 8)).frame(GoAwayFrame(0, last_stream_id=5, error_code=0))
    write("control-frames", c)
    c = Conn()
    blk = c.block(hdrs("POST", "/v1/records") + [("content-type", "application/json")])
    c.frame(HeadersFrame(1, blk, flags={"END_HEADERS"}))
    c.frame(DataFrame(1, b'{"records":['))
    c.frame(RstStreamFrame(1, 8))
    c.frame(DataFrame(1, b"]}", flags={"END_STREAM"}))
    write("data-after-reset", c)
    c = Conn().request(1, "GET", "/healthz", auth=False, extra=[("Upper", "x")])
    write("bad-uppercase", c)
    c = Conn()
    c.frame(HeadersFrame(1, c.block([(":method", "GET"), (":scheme", "http")]),
                         flags={"END_HEADERS", "END_STREAM"}))
    write("bad-missing-path", c)


if __name__ == "__main__":
    main()
