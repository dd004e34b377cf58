#!/usr/bin/env node
// A partner's verifier of yrdcredit attestations, written the way a Hangzhou engineer would with
// the npm `jose` library (v6, pinned in package-lock.json): attestations.md §1.3 "Partner
// verification recipe", §2 (JWKS), §3.1 (Token Status List).
//
// usage: verify_jose.mjs [options] TOKEN|-
//   --issuer URL        expected `iss` (default https://attest.yiwu-credit.example)
//   --server URL        http://HOST:PORT (h2c, prior knowledge) or https://HOST:PORT (TLS, ALPN
//                       h2): discovery (/.well-known/jwt-vc-issuer), the JWKS and the status list
//                       are fetched from it over HTTP/2; URLs under --issuer are mapped onto it
//   --cafile FILE       CA certificate for https:// (the server's self-signed DATA/tls/cert.pem)
//   --jwks FILE         a local JWKS instead of fetching it
//   --status-list FILE  a local status list token (statuslist+jwt) instead of fetching it
//   --no-status         do not check the status list (step 4 of the recipe)
//   --now SECONDS       the current time (NumericDate) for exp checks, default the clock
//   --decode-lst LST --bits N   only decode a status list `lst` and print its values as JSON
// Output: one JSON line {"valid": bool, "reason": "...", "claims": {...}}; exit 0 valid, 1
// invalid, 2 usage or I/O error (no verdict).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { inflateSync } from 'node:zlib';
import * as jose from 'jose';

const ALGS = ['EdDSA', 'Ed25519'];
const LEEWAY_S = 60;

class Invalid extends Error {
  constructor(reason, detail) {
    super(`${reason}: ${detail}`);
    this.reason = reason;
  }
}

function parseArgs(argv) {
  const o = { issuer: 'https://attest.yiwu-credit.example', status: true };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--issuer') o.issuer = val();
    else if (a === '--server') o.server = val();
    else if (a === '--cafile') o.cafile = val();
    else if (a === '--jwks') o.jwks = val();
    else if (a === '--status-list') o.statusList = val();
    else if (a === '--no-status') o.status = false;
    else if (a === '--now') {
      const v = val();
      if (!/^[0-9]{1,12}$/.test(v)) throw new Error('--now needs a NumericDate');
      o.now = Number(v);
    } else if (a === '--decode-lst') o.decodeLst = val();
    else if (a === '--bits') o.bits = Number(val());
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else rest.push(a);
  }
  if (o.decodeLst === undefined) {
    if (rest.length !== 1) throw new Error('exactly one TOKEN (or -) is needed');
    o.token = rest[0] === '-' ? readFileSync(0, 'utf8').trim() : rest[0];
    if (!o.jwks && !o.server) throw new Error('--jwks or --server is needed');
    if (o.status && !o.statusList && !o.server) {
      throw new Error('--status-list, --server or --no-status is needed');
    }
  }
  return o;
}

// One GET over HTTP/2 (node:http2: h2c prior knowledge for http://, TLS + ALPN h2 for https://).
function h2get(server, cafile, path, accept) {
  return new Promise((resolve, reject) => {
    const opts = cafile ? { ca: readFileSync(cafile) } : {};
    const session = http2.connect(server, opts);
    session.on('error', reject);
    const req = session.request({ ':method': 'GET', ':path': path, accept });
    const chunks = [];
    let status = 0;
    let ctype = '';
    req.on('response', (h) => {
      status = h[':status'];
      ctype = h['content-type'] || '';
    });
    req.on('data', (c) => chunks.push(c));
    req.on('error', (e) => {
      session.close();
      reject(e);
    });
    req.on('end', () => {
      session.close();
      resolve({ status, ctype, body: Buffer.concat(chunks) });
    });
    req.setTimeout(10000, () => {
      req.close();
      reject(new Error(`timeout on GET ${path}`));
    });
    req.end();
  });
}

// The path of a URL under the configured issuer: only URLs of our issuer are ever fetched (the
// test server stands in for https://attest.yiwu-credit.example); anything else is untrusted.
function pathUnderIssuer(url, issuer, what) {
  if (typeof url !== 'string' || !url.startsWith(issuer + '/')) {
    throw new Invalid('untrusted_issuer', `${what} ${JSON.stringify(url)} is not under ${issuer}`);
  }
  return url.slice(issuer.length);
}

async function fetchJson(o, path, what) {
  const r = await h2get(o.server, o.cafile, path, 'application/json');
  if (r.status !== 200) throw new Error(`GET ${path} (${what}): HTTP ${r.status}`);
  return JSON.parse(r.body.toString('utf8'));
}

// RFC 7638 thumbprints are our kids (attestations.md §2): a key whose kid is not its own
// thumbprint is dropped, so a kid can never point at another key.
async function loadJwks(o) {
  let jwks;
  if (o.jwks) {
    jwks = JSON.parse(readFileSync(o.jwks, 'utf8'));
  } else {
    const meta = await fetchJson(o, '/.well-known/jwt-vc-issuer', 'issuer metadata');
    if (meta.issuer !== o.issuer) {
      throw new Invalid('untrusted_issuer', `metadata issuer ${JSON.stringify(meta.issuer)}`);
    }
    jwks = await fetchJson(o, pathUnderIssuer(meta.jwks_uri, o.issuer, 'jwks_uri'), 'JWKS');
  }
  if (!jwks || !Array.isArray(jwks.keys)) throw new Error('the JWKS has no "keys" array');
  const keys = [];
  for (const k of jwks.keys) {
    if (k.kty !== 'OKP' || k.crv !== 'Ed25519') continue;
    if (k.kid !== (await jose.calculateJwkThumbprint(k, 'sha256'))) continue;
    keys.push(k);
  }
  return jose.createLocalJWKSet({ keys });
}

function reasonOf(e, typ) {
  if (e instanceof Invalid) return e.reason;
  const c = e && e.code;
  if (c === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'bad_signature';
  if (c === 'ERR_JWKS_NO_MATCHING_KEY' || c === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') return 'unknown_kid';
  if (c === 'ERR_JWT_EXPIRED') return 'expired';
  if (c === 'ERR_JOSE_ALG_NOT_ALLOWED') return 'alg_not_allowed';
  if (c === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    if (e.claim === 'typ') return typ === 'statuslist+jwt' ? 'status_list_invalid' : 'wrong_typ';
    if (e.claim === 'iss') return 'untrusted_issuer';
    if (e.claim === 'nbf' || e.claim === 'iat') return 'not_yet_valid';
    return `bad_claim_${e.claim}`;
  }
  if (c && c.startsWith('ERR_')) return 'malformed';
  return null;
}

const sha256b64u = (s) => createHash('sha256').update(s, 'ascii').digest('base64url');

// RFC 9901 §7.1 steps 3-5: every digest in the payload at most once, every disclosure used
// exactly once, object disclosures [salt, name, value], array disclosures [salt, value], names
// never _sd / ... / an existing claim.
function applyDisclosures(payload, disclosures) {
  if (payload._sd_alg !== undefined && payload._sd_alg !== 'sha-256') {
    throw new Invalid('disclosure_mismatch', `_sd_alg ${JSON.stringify(payload._sd_alg)}`);
  }
  const byDigest = new Map();
  for (const d of disclosures) {
    if (!/^[A-Za-z0-9_-]+$/.test(d)) throw new Invalid('malformed', 'disclosure is not base64url');
    const digest = sha256b64u(d);
    if (byDigest.has(digest)) throw new Invalid('disclosure_mismatch', 'a disclosure is repeated');
    let arr;
    try {
      arr = JSON.parse(Buffer.from(d, 'base64url').toString('utf8'));
    } catch {
      throw new Invalid('malformed', 'a disclosure is not JSON');
    }
    if (!Array.isArray(arr) || typeof arr[0] !== 'string') {
      throw new Invalid('malformed', 'a disclosure is not [salt, ...]');
    }
    byDigest.set(digest, { arr, used: false });
  }
  const seen = new Set();
  const take = (digest) => {
    if (typeof digest !== 'string') throw new Invalid('malformed', 'a digest is not a string');
    if (seen.has(digest)) throw new Invalid('disclosure_mismatch', 'a digest appears twice');
    seen.add(digest);
    const e = byDigest.get(digest);
    if (e) e.used = true;
    return e;
  };
  const walk = (v) => {
    if (Array.isArray(v)) {
      const out = [];
      for (const el of v) {
        const keys = el && typeof el === 'object' && !Array.isArray(el) ? Object.keys(el) : null;
        if (keys && keys.length === 1 && keys[0] === '...') {
          const e = take(el['...']);
          if (!e) continue; // a decoy
          if (e.arr.length !== 2) throw new Invalid('disclosure_mismatch', 'array disclosure shape');
          out.push(walk(e.arr[1]));
        } else {
          out.push(walk(el));
        }
      }
      return out;
    }
    if (v && typeof v === 'object') {
      const out = {};
      for (const [k, x] of Object.entries(v)) if (k !== '_sd') out[k] = walk(x);
      if (v._sd !== undefined) {
        if (!Array.isArray(v._sd)) throw new Invalid('malformed', '_sd is not an array');
        for (const digest of v._sd) {
          const e = take(digest);
          if (!e) continue;
          if (e.arr.length !== 3 || typeof e.arr[1] !== 'string') {
            throw new Invalid('disclosure_mismatch', 'object disclosure shape');
          }
          const name = e.arr[1];
          if (name === '_sd' || name === '...' || Object.hasOwn(out, name)) {
            throw new Invalid('disclosure_mismatch', `disclosure name ${JSON.stringify(name)}`);
          }
          out[name] = walk(e.arr[2]);
        }
      }
      return out;
    }
    return v;
  };
  const claims = walk(payload);
  delete claims._sd_alg;
  for (const e of byDigest.values()) {
    if (!e.used) throw new Invalid('disclosure_mismatch', 'a disclosure matches no digest');
  }
  return claims;
}

function decodeStatusList(lst, bits) {
  if (![1, 2, 4, 8].includes(bits)) throw new Invalid('status_list_invalid', `bits ${bits}`);
  if (typeof lst !== 'string' || !/^[A-Za-z0-9_-]*$/.test(lst)) {
    throw new Invalid('status_list_invalid', 'lst is not base64url');
  }
  try {
    return inflateSync(Buffer.from(lst, 'base64url')); // zlib (RFC 1950), not raw DEFLATE
  } catch {
    throw new Invalid('status_list_invalid', 'lst does not inflate');
  }
}

// Index i lives in byte i*bits/8, starting at the least significant bit (attestations.md §3.1).
function statusAt(bytes, bits, idx) {
  const bit = idx * bits;
  if (bit / 8 >= bytes.length) throw new Invalid('status_list_invalid', `idx ${idx} out of range`);
  return (bytes[Math.floor(bit / 8)] >> (bit % 8)) & ((1 << bits) - 1);
}

async function checkStatus(o, jwks, claims, now) {
  const st = claims.status && claims.status.status_list;
  if (!st || !Number.isSafeInteger(st.idx) || st.idx < 0 || typeof st.uri !== 'string') {
    throw new Invalid('malformed', 'no status.status_list {idx, uri}');
  }
  let token;
  if (o.statusList) {
    token = readFileSync(o.statusList, 'utf8').trim();
  } else {
    const r = await h2get(o.server, o.cafile, pathUnderIssuer(st.uri, o.issuer, 'status uri'),
      'application/statuslist+jwt');
    if (r.status !== 200) throw new Invalid('status_unavailable', `HTTP ${r.status}`);
    if (r.ctype.split(';')[0].trim() !== 'application/statuslist+jwt') {
      throw new Invalid('status_list_invalid', `content-type ${r.ctype}`);
    }
    token = r.body.toString('ascii').trim();
  }
  let payload;
  try {
    ({ payload } = await jose.jwtVerify(token, jwks, {
      algorithms: ALGS, typ: 'statuslist+jwt', subject: st.uri, requiredClaims: ['iat', 'sub'],
      currentDate: now, clockTolerance: LEEWAY_S,
    }));
  } catch (e) {
    throw new Invalid('status_list_invalid', `${e.code || ''} ${e.message}`);
  }
  const sl = payload.status_list;
  if (!sl) throw new Invalid('status_list_invalid', 'no status_list claim');
  const v = statusAt(decodeStatusList(sl.lst, sl.bits), sl.bits, st.idx);
  if (v === 1) throw new Invalid('revoked', `status ${v} at ${st.idx}`);
  if (v === 2) throw new Invalid('suspended', `status ${v} at ${st.idx}`);
  if (v !== 0) throw new Invalid(`status_${v}`, `status ${v} at ${st.idx}`);
}

async function verify(o) {
  const now = o.now !== undefined ? new Date(o.now * 1000) : new Date();
  // Recipe step 1: split at '~'; the last part is empty (no KB-JWT is expected).
  const parts = o.token.split('~');
  if (parts.length < 2 || parts[parts.length - 1] !== '') {
    throw new Invalid('malformed', 'not an SD-JWT ending in ~ (a KB-JWT is not expected)');
  }
  const jwks = await loadJwks(o);
  // Step 2: the issuer JWT, with pinned algorithms, typ, iss, exp (60 s leeway) and vct.
  const { payload } = await jose.jwtVerify(parts[0], jwks, {
    algorithms: ALGS, typ: 'dc+sd-jwt', issuer: o.issuer, requiredClaims: ['exp', 'iat', 'iss'],
    currentDate: now, clockTolerance: LEEWAY_S,
  });
  if (payload.vct !== `${o.issuer}/vct/credit-score/v1`) {
    throw new Invalid('wrong_vct', `vct ${JSON.stringify(payload.vct)}`);
  }
  // Step 3: the disclosures.
  const claims = applyDisclosures(payload, parts.slice(1, -1));
  // Step 4: the status list.
  if (o.status) await checkStatus(o, jwks, claims, now);
  return claims;
}

let o;
try {
  o = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`verify_jose: ${e.message}\n`);
  process.exit(2);
}
if (o.decodeLst !== undefined) {
  try {
    const bytes = decodeStatusList(o.decodeLst, o.bits);
    const n = (bytes.length * 8) / o.bits;
    const values = [];
    for (let i = 0; i < n; i++) values.push(statusAt(bytes, o.bits, i));
    process.stdout.write(`${JSON.stringify(values)}\n`);
    process.exit(0);
  } catch (e) {
    process.stderr.write(`verify_jose: ${e.message}\n`);
    process.exit(1);
  }
}
try {
  const claims = await verify(o);
  process.stdout.write(`${JSON.stringify({ valid: true, reason: 'ok', claims })}\n`);
  process.exit(0);
} catch (e) {
  const reason = reasonOf(e, null);
  if (reason === null) {
    process.stderr.write(`verify_jose: ${e.stack || e}\n`);
    process.exit(2);
  }
  process.stderr.write(`verify_jose: ${e.code || ''} ${e.message}\n`);
  process.stdout.write(`${JSON.stringify({ valid: false, reason, claims: {} })}\n`);
  process.exit(1);
}
