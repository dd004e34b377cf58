/* Unit tests of svc/h2's TLS layer (svc/h2/tls.h) and of yc_cert_self_signed() (cert.h).
 * Handshakes run over a socketpair against an OpenSSL client in the same thread. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../svc/h2/tls.h"
#include "yrdcredit/cert.h"

static char dir[] = "/tmp/yc_tls_XXXXXX";
static char cert[256], key[256], cert2[256], key2[256];

static int setup_all(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cert2, sizeof cert2, "%s/cert2.pem", dir);
    snprintf(key2, sizeof key2, "%s/key2.pem", dir);
    if (yc_cert_self_signed(cert, key, "localhost", YC_CERT_DAYS_DEFAULT) != YC_OK)
        return -1;
    if (yc_cert_self_signed(cert2, key2, "localhost", 1) != YC_OK)
        return -1;
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_in_dir(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* ---- safety: limits of yc_cert_self_signed ---- */

static void safety__cert_self_signed__empty_common_name__invalid(void **state)
{
    (void)state;
    char c[256], k[256];
    path_in_dir(c, sizeof c, "e.crt");
    path_in_dir(k, sizeof k, "e.key");
    assert_int_equal(yc_cert_self_signed(c, k, "", 30), YC_ERR_INVALID);
    assert_false(file_exists(c));
    assert_false(file_exists(k));
}

static void safety__cert_self_signed__common_name_64_and_65_bytes__ok_then_invalid(void **state)
{
    (void)state;
    char cn[66];
    memset(cn, 'a', 65);
    cn[65] = '\0';
    char c[256], k[256];
    path_in_dir(c, sizeof c, "cn65.crt");
    path_in_dir(k, sizeof k, "cn65.key");
    assert_int_equal(yc_cert_self_signed(c, k, cn, 30), YC_ERR_INVALID);
    assert_false(file_exists(k));
    cn[64] = '\0';
    path_in_dir(c, sizeof c, "cn64.crt");
    path_in_dir(k, sizeof k, "cn64.key");
    assert_int_equal(yc_cert_self_signed(c, k, cn, 30), YC_OK);
    assert_true(file_exists(c));
}

static void safety__cert_self_signed__days_0_and_max_plus_1__invalid(void **state)
{
    (void)state;
    char c[256], k[256];
    path_in_dir(c, sizeof c, "d.crt");
    path_in_dir(k, sizeof k, "d.key");
    assert_int_equal(yc_cert_self_signed(c, k, "localhost", 0), YC_ERR_INVALID);
    assert_int_equal(yc_cert_self_signed(c, k, "localhost", YC_CERT_DAYS_MAX + 1), YC_ERR_INVALID);
    assert_false(file_exists(k));
    assert_int_equal(yc_cert_self_signed(c, k, "localhost", YC_CERT_DAYS_MAX), YC_OK);
}

static void safety__cert_self_signed__name_not_dns__invalid(void **state)
{
    (void)state;
    char c[256], k[256];
    path_in_dir(c, sizeof c, "n.crt");
    path_in_dir(k, sizeof k, "n.key");
    assert_int_equal(yc_cert_self_signed(c, k, "local host", 30), YC_ERR_INVALID);
    assert_int_equal(yc_cert_self_signed(c, k, "a,DNS:evil", 30), YC_ERR_INVALID);
    assert_int_equal(yc_cert_self_signed(c, k, ".localhost", 30), YC_ERR_INVALID);
}

static void cert_self_signed__cert_exists__conflict_and_no_key(void **state)
{
    (void)state;
    char k[256];
    path_in_dir(k, sizeof k, "other.key");
    assert_int_equal(yc_cert_self_signed(cert, k, "localhost", 30), YC_ERR_CONFLICT);
    assert_false(file_exists(k));
}

static void cert_self_signed__key_exists__conflict(void **state)
{
    (void)state;
    char c[256];
    path_in_dir(c, sizeof c, "other.crt");
    assert_int_equal(yc_cert_self_signed(c, key, "localhost", 30), YC_ERR_CONFLICT);
    assert_false(file_exists(c));
}

static void cert_self_signed__new__key_0600_cert_0644(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(cert, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
}

/* ---- yc_tls_ctx_open ---- */

static void tls_ctx_open__missing_cert__io(void **state)
{
    (void)state;
    yc_tls_ctx *ctx = NULL;
    char c[256];
    path_in_dir(c, sizeof c, "absent.pem");
    assert_int_equal(yc_tls_ctx_open(c, key, &ctx), YC_ERR_IO);
    assert_null(ctx);
}

static void tls_ctx_open__key_of_other_cert__io(void **state)
{
    (void)state;
    yc_tls_ctx *ctx = NULL;
    assert_int_equal(yc_tls_ctx_open(cert, key2, &ctx), YC_ERR_IO);
    assert_null(ctx);
}

static void tls_ctx_open__matching_pair__ok(void **state)
{
    (void)state;
    yc_tls_ctx *ctx = NULL;
    assert_int_equal(yc_tls_ctx_open(cert, key, &ctx), YC_OK);
    assert_non_null(ctx);
    yc_tls_ctx_close(ctx);
}

/* ---- handshakes over a socketpair ---- */

typedef struct pair {
    int sv[2];
    yc_tls_ctx *sctx;
    yc_tls_conn *server;
    SSL_CTX *cctx;
    SSL *client;
    int server_result; /* last yc_tls_handshake() result */
    int client_result; /* last SSL_do_handshake() result */
} pair;

static void pair_open(pair *p, const unsigned char *alpn, unsigned alpn_len, int max_version)
{
    memset(p, 0, sizeof *p);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p->sv), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(fcntl(p->sv[i], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(yc_tls_ctx_open(cert, key, &p->sctx), YC_OK);
    assert_int_equal(yc_tls_conn_new(p->sctx, p->sv[0], &p->server), YC_OK);
    p->cctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(p->cctx);
    if (max_version != 0)
        assert_int_equal(SSL_CTX_set_max_proto_version(p->cctx, max_version), 1);
    assert_int_equal(SSL_CTX_load_verify_locations(p->cctx, cert, NULL), 1);
    SSL_CTX_set_verify(p->cctx, SSL_VERIFY_PEER, NULL);
    p->client = SSL_new(p->cctx);
    assert_non_null(p->client);
    assert_int_equal(SSL_set1_host(p->client, "localhost"), 1);
    if (alpn != NULL)
        assert_int_equal(SSL_set_alpn_protos(p->client, alpn, alpn_len), 0);
    assert_int_equal(SSL_set_fd(p->client, p->sv[1]), 1);
    SSL_set_connect_state(p->client);
}

/* Step both ends until the server side stops asking for I/O (at most 50 rounds). */
static void pair_handshake(pair *p)
{
    p->server_result = YC_TLS_WANT_READ;
    p->client_result = 0;
    for (int round = 0; round < 50; round++) {
        if (p->client_result != 1) {
            ERR_clear_error();
            p->client_result = SSL_do_handshake(p->client);
        }
        p->server_result = yc_tls_handshake(p->server);
        if (p->server_result != YC_TLS_WANT_READ && p->server_result != YC_TLS_WANT_WRITE) {
            if (p->client_result != 1) { /* let the client read the final flight or alert */
                ERR_clear_error();
                p->client_result = SSL_do_handshake(p->client);
            }
            return;
        }
    }
}

static void pair_close(pair *p)
{
    SSL_free(p->client);
    SSL_CTX_free(p->cctx);
    yc_tls_conn_free(p->server);
    yc_tls_ctx_close(p->sctx);
    close(p->sv[0]);
    close(p->sv[1]);
}

static const unsigned char alpn_h2_h11[] = "\x02h2\x08http/1.1";
static const unsigned char alpn_h11[] = "\x08http/1.1";

static void tls_handshake__client_offers_h2__done_and_data_flows(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, alpn_h2_h11, sizeof alpn_h2_h11 - 1, 0);
    pair_handshake(&p);
    assert_int_equal(p.server_result, YC_TLS_DONE);
    assert_int_equal(p.client_result, 1);
    const unsigned char *sel = NULL;
    unsigned sel_len = 0;
    SSL_get0_alpn_selected(p.client, &sel, &sel_len);
    assert_int_equal(sel_len, 2);
    assert_memory_equal(sel, "h2", 2);
    assert_int_equal(SSL_version(p.client), TLS1_3_VERSION);

    char buf[64];
    assert_int_equal(yc_tls_read(p.server, buf, sizeof buf), YC_TLS_WANT_READ);
    assert_int_equal(SSL_write(p.client, "PRI * HTTP/2.0", 14), 14);
    assert_int_equal(yc_tls_read(p.server, buf, sizeof buf), 14);
    assert_memory_equal(buf, "PRI * HTTP/2.0", 14);
    assert_int_equal(yc_tls_pending(p.server), 0);
    assert_int_equal(yc_tls_write(p.server, "pong", 4), 4);
    int n = 0;
    for (int i = 0; i < 10 && n <= 0; i++) /* the client may first take the session tickets */
        n = SSL_read(p.client, buf, sizeof buf);
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "pong", 4);

    yc_tls_shutdown(p.server);
    n = SSL_read(p.client, buf, sizeof buf);
    assert_int_equal(n, 0);
    assert_int_equal(SSL_get_error(p.client, n), SSL_ERROR_ZERO_RETURN);
    pair_close(&p);
}

static void tls_handshake__tls12_client_with_h2__done(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, alpn_h2_h11, sizeof alpn_h2_h11 - 1, TLS1_2_VERSION);
    pair_handshake(&p);
    assert_int_equal(p.server_result, YC_TLS_DONE);
    assert_int_equal(SSL_version(p.client), TLS1_2_VERSION);
    pair_close(&p);
}

static void tls_handshake__tls11_client__failed(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, alpn_h2_h11, sizeof alpn_h2_h11 - 1, TLS1_1_VERSION);
    pair_handshake(&p);
    assert_int_equal(p.server_result, YC_TLS_FAILED);
    assert_int_not_equal(p.client_result, 1);
    pair_close(&p);
}

static void tls_handshake__client_offers_only_http11__failed_with_alert(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, alpn_h11, sizeof alpn_h11 - 1, 0);
    pair_handshake(&p);
    assert_int_equal(p.server_result, YC_TLS_FAILED);
    assert_int_not_equal(p.client_result, 1);
    /* RFC 7301 §3.2: the alert is no_application_protocol (120). */
    unsigned long e = ERR_peek_last_error();
    assert_int_equal(ERR_GET_REASON(e), SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL);
    pair_close(&p);
}

static void tls_handshake__client_offers_no_alpn__failed(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, NULL, 0, 0);
    pair_handshake(&p);
    assert_int_equal(p.server_result, YC_TLS_FAILED);
    pair_close(&p);
}

static void tls_handshake__peer_closes_before_hello__closed(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, alpn_h2_h11, sizeof alpn_h2_h11 - 1, 0);
    assert_int_equal(yc_tls_handshake(p.server), YC_TLS_WANT_READ);
    assert_int_equal(shutdown(p.sv[1], SHUT_WR), 0);
    assert_int_equal(yc_tls_handshake(p.server), YC_TLS_CLOSED);
    pair_close(&p);
}

static void tls_handshake__plain_http2_preface__failed(void **state)
{
    (void)state;
    pair p;
    pair_open(&p, alpn_h2_h11, sizeof alpn_h2_h11 - 1, 0);
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    assert_int_equal(write(p.sv[1], preface, sizeof preface - 1), (ssize_t)(sizeof preface - 1));
    assert_int_equal(yc_tls_handshake(p.server), YC_TLS_FAILED);
    pair_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safety__cert_self_signed__empty_common_name__invalid),
        cmocka_unit_test(safety__cert_self_signed__common_name_64_and_65_bytes__ok_then_invalid),
        cmocka_unit_test(safety__cert_self_signed__days_0_and_max_plus_1__invalid),
        cmocka_unit_test(safety__cert_self_signed__name_not_dns__invalid),
        cmocka_unit_test(cert_self_signed__cert_exists__conflict_and_no_key),
        cmocka_unit_test(cert_self_signed__key_exists__conflict),
        cmocka_unit_test(cert_self_signed__new__key_0600_cert_0644),
        cmocka_unit_test(tls_ctx_open__missing_cert__io),
        cmocka_unit_test(tls_ctx_open__key_of_other_cert__io),
        cmocka_unit_test(tls_ctx_open__matching_pair__ok),
        cmocka_unit_test(tls_handshake__client_offers_h2__done_and_data_flows),
        cmocka_unit_test(tls_handshake__tls12_client_with_h2__done),
        cmocka_unit_test(tls_handshake__tls11_client__failed),
        cmocka_unit_test(tls_handshake__client_offers_only_http11__failed_with_alert),
        cmocka_unit_test(tls_handshake__client_offers_no_alpn__failed),
        cmocka_unit_test(tls_handshake__peer_closes_before_hello__closed),
        cmocka_unit_test(tls_handshake__plain_http2_preface__failed),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
