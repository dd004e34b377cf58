/* TLS layer of the public listener: OpenSSL server context, ALPN h2 only, non-blocking I/O
 * (svc/h2/tls.h).  Policy: issue 3 item 1; RFC 9113 §3.2 and §9.2; RFC 7301 §3.2. */
#include "tls.h"

#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "yrdcredit/alloc.h"

/* Set rv and jump to the one cleanup label (YC_ENSURE returns, which would leak here). */
#define CHECK(cond, err) \
    do {                 \
        if (!(cond)) {   \
            rv = (err);  \
            goto out;    \
        }                \
    } while (0)

struct yc_tls_ctx {
    SSL_CTX *ctx;
};

struct yc_tls_conn {
    SSL *ssl;
    bool shut;
};

/* RFC 9113 §9.2.2: TLS 1.2 connections use ephemeral key exchange and AEAD ciphers only.
 * TLS 1.3 suites are all AEAD and keep OpenSSL's defaults. */
static const char tls12_ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* ALPN (RFC 7301 §3.2): select "h2" or fail the handshake with no_application_protocol.
 * nghttp2_select_next_protocol() returns 1 for h2, 0 for http/1.1, -1 for neither. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    unsigned char *sel = NULL;
    unsigned char sel_len = 0;
    if (nghttp2_select_next_protocol(&sel, &sel_len, in, inlen) != 1)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = sel;
    *outlen = sel_len;
    return SSL_TLSEXT_ERR_OK;
}

yc_err yc_tls_ctx_open(const char *cert_path, const char *key_path, yc_tls_ctx **ret)
{
    yc_err rv = YC_OK;
    yc_tls_ctx *t = NULL;
    ERR_clear_error();
    CHECK(cert_path != NULL && key_path != NULL && ret != NULL, YC_ERR_INVALID);
    t = yc_calloc(1, sizeof *t);
    CHECK(t != NULL, YC_ERR_NOMEM);
    t->ctx = SSL_CTX_new(TLS_server_method());
    CHECK(t->ctx != NULL, YC_ERR_NOMEM);
    CHECK(SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) == 1, YC_ERR_INTERNAL);
    SSL_CTX_set_options(t->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                    SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                 SSL_MODE_RELEASE_BUFFERS);
    CHECK(SSL_CTX_set_cipher_list(t->ctx, tls12_ciphers) == 1, YC_ERR_INTERNAL);
    CHECK(SSL_CTX_use_certificate_chain_file(t->ctx, cert_path) == 1, YC_ERR_IO);
    CHECK(SSL_CTX_use_PrivateKey_file(t->ctx, key_path, SSL_FILETYPE_PEM) == 1, YC_ERR_IO);
    CHECK(SSL_CTX_check_private_key(t->ctx) == 1, YC_ERR_IO);
    SSL_CTX_set_alpn_select_cb(t->ctx, alpn_select, NULL);
    *ret = t;
    t = NULL;
out:
    yc_tls_ctx_close(t);
    ERR_clear_error();
    return rv;
}

/* Mutual TLS by pinning (issue 6 item 1): the chain is not verified against any CA; the
 * application compares the SHA-256 of the certificate's key with the pins of the trust
 * registry.  So every chain passes here, and a client without a certificate too. */
static int accept_any_chain(int preverify_ok, X509_STORE_CTX *store)
{
    (void)preverify_ok;
    (void)store;
    return 1;
}

void yc_tls_ctx_request_client_cert(yc_tls_ctx *ctx)
{
    /* With SSL_VERIFY_PEER a server without a session id context fails every resumption
     * (alert internal_error, SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED); a resumed session keeps
     * the peer certificate it was made with. */
    static const unsigned char sid_ctx[] = "yrdcredit-mtls";
    (void)SSL_CTX_set_session_id_context(ctx->ctx, sid_ctx, sizeof sid_ctx - 1);
    SSL_CTX_set_verify(ctx->ctx, SSL_VERIFY_PEER, accept_any_chain);
}

bool yc_tls_peer_spki_sha256(const yc_tls_conn *c, unsigned char out[YC_TLS_SPKI_SHA256_BYTES])
{
    X509 *cert = SSL_get0_peer_certificate(c->ssl);
    if (cert == NULL)
        return false;
    unsigned char *der = NULL;
    const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    unsigned int md_len = 0;
    const bool ok = n > 0 && EVP_Digest(der, (size_t)n, out, &md_len, EVP_sha256(), NULL) == 1 &&
                    md_len == YC_TLS_SPKI_SHA256_BYTES;
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

void yc_tls_ctx_close(yc_tls_ctx *ctx)
{
    if (ctx == NULL)
        return;
    SSL_CTX_free(ctx->ctx);
    yc_free(ctx);
}

yc_err yc_tls_conn_new(yc_tls_ctx *ctx, int fd, yc_tls_conn **ret)
{
    yc_err rv = YC_OK;
    yc_tls_conn *c = NULL;
    CHECK(ctx != NULL && fd >= 0 && ret != NULL, YC_ERR_INVALID);
    c = yc_calloc(1, sizeof *c);
    CHECK(c != NULL, YC_ERR_NOMEM);
    c->ssl = SSL_new(ctx->ctx);
    CHECK(c->ssl != NULL, YC_ERR_NOMEM);
    CHECK(SSL_set_fd(c->ssl, fd) == 1, YC_ERR_NOMEM);
    SSL_set_accept_state(c->ssl);
    *ret = c;
    c = NULL;
out:
    yc_tls_conn_free(c);
    ERR_clear_error();
    return rv;
}

void yc_tls_conn_free(yc_tls_conn *c)
{
    if (c == NULL)
        return;
    SSL_free(c->ssl);
    yc_free(c);
}

/* Map SSL_get_error() after a call that returned @p r <= 0. */
static int map_error(yc_tls_conn *c, int r)
{
    int e = SSL_get_error(c->ssl, r);
    int out = YC_TLS_FAILED;
    switch (e) {
    case SSL_ERROR_WANT_READ:
        out = YC_TLS_WANT_READ;
        break;
    case SSL_ERROR_WANT_WRITE:
        out = YC_TLS_WANT_WRITE;
        break;
    case SSL_ERROR_ZERO_RETURN:
        out = YC_TLS_CLOSED;
        break;
    case SSL_ERROR_SYSCALL:
        /* With an empty error queue and r == 0 the peer closed without close_notify. */
        out = (ERR_peek_error() == 0 && (r == 0 || errno == 0 || errno == ECONNRESET))
                  ? YC_TLS_CLOSED
                  : YC_TLS_FAILED;
        break;
    case SSL_ERROR_SSL:
        /* OpenSSL 3 reports an EOF without close_notify as this error. */
        out = ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING
                  ? YC_TLS_CLOSED
                  : YC_TLS_FAILED;
        break;
    default:
        out = YC_TLS_FAILED;
        break;
    }
    if (out == YC_TLS_FAILED || out == YC_TLS_CLOSED)
        c->shut = true; /* no close_notify on a broken connection (RFC 8446 §6.1) */
    ERR_clear_error();
    return out;
}

int yc_tls_handshake(yc_tls_conn *c)
{
    ERR_clear_error();
    int r = SSL_do_handshake(c->ssl);
    if (r != 1)
        return map_error(c, r);
    const unsigned char *alpn = NULL;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
    if (alpn == NULL || alpn_len != 2 || memcmp(alpn, "h2", 2) != 0)
        return YC_TLS_FAILED; /* no ALPN offered: h2 over TLS needs it (RFC 9113 §3.2) */
    return YC_TLS_DONE;
}

ssize_t yc_tls_read(yc_tls_conn *c, void *buf, size_t len)
{
    ERR_clear_error();
    int n = SSL_read(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (n > 0)
        return n;
    return map_error(c, n);
}

ssize_t yc_tls_write(yc_tls_conn *c, const void *buf, size_t len)
{
    ERR_clear_error();
    int n = SSL_write(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (n > 0)
        return n;
    int r = map_error(c, n);
    return r == YC_TLS_CLOSED ? YC_TLS_FAILED : r;
}

void yc_tls_shutdown(yc_tls_conn *c)
{
    if (c == NULL || c->shut || !SSL_is_init_finished(c->ssl))
        return;
    c->shut = true;
    ERR_clear_error();
    (void)SSL_shutdown(c->ssl); /* best effort: one close_notify, no wait for the peer's */
    ERR_clear_error();
}

size_t yc_tls_pending(const yc_tls_conn *c)
{
    int n = SSL_pending(c->ssl);
    return n > 0 ? (size_t)n : 0;
}
