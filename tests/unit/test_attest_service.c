/* Tests for include/yrdcredit/attest_service.h: the issuer service of one instance, through a
 * real store and keyring in a temporary data directory. */
#define _GNU_SOURCE /* nftw */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/attest.h"
#include "yrdcredit/attest_service.h"
#include "yrdcredit/attest_verify.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/keyring.h"
#include "yrdcredit/status_list.h"
#include "yrdcredit/store.h"
#include "yrdcredit/store_attest.h"

/* Keys are created at T0; the tests issue at NOW and later. */
#define T0      INT64_C(1780000000)
#define NOW     (T0 + 100)
#define ISSUER  "https://attest.yiwu-credit.example"
#define SUBJECT "91330782MA2HXXXX0A"
#define PARTNER "https://risk.hangzhou-partner.example"
#define OTHER   "https://risk.shanghai-partner.example"
#define SL_URI  ISSUER "/v1/status-lists/"

/* ---- fixture ---- */

typedef struct fix {
    char base[64];
    char data[128];
    yc_config_attest cfg;
    yc_store *st;
    yc_attest_service *s;
} fix;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void default_cfg(yc_config_attest *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->issuer, sizeof c->issuer, "%s", ISSUER);
    snprintf(c->issuer_city, sizeof c->issuer_city, "%s", "Yiwu");
    snprintf(c->issuer_region, sizeof c->issuer_region, "%s", "330782");
    c->default_validity_days = 30;
    c->max_validity_days = 90;
    c->status_list_ttl_s = 300;
    c->status_list_entries = 16;
    c->key_publish_s = 3600;
    c->key_grace_s = 86400;
    c->commit_queue = 8192;
    c->default_ed25519 = false;
    c->n_partner_algs = 1;
    snprintf(c->partner_algs[0].aud, sizeof c->partner_algs[0].aud, "%s", PARTNER);
    c->partner_algs[0].ed25519 = true;
}

static void open_service(fix *f)
{
    assert_int_equal(yc_store_open(f->data, NULL, &f->st), YC_OK);
    assert_int_equal(yc_attest_service_open(f->data, &f->cfg, f->st, &f->s), YC_OK);
    assert_non_null(f->s);
}

static void close_service(fix *f)
{
    yc_attest_service_close(f->s);
    f->s = NULL;
    yc_store_close(f->st);
    f->st = NULL;
}

static int setup(void **state)
{
    fix *f = yc_calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->base, sizeof f->base, "/tmp/yc_asvc_XXXXXX");
    if (mkdtemp(f->base) == NULL)
        return -1;
    snprintf(f->data, sizeof f->data, "%s/data", f->base);
    if (yc_store_init_dir(f->data) != YC_OK || yc_keyring_create(f->data, T0) != YC_OK)
        return -1;
    default_cfg(&f->cfg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix *f = *state;
    if (f->s != NULL || f->st != NULL)
        close_service(f);
    int rc = nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    yc_free(f);
    return rc;
}

/* ---- issuing and changing state synchronously ---- */

typedef struct issued {
    sem_t sem;
    atomic_int calls;
    yc_err rv;
    char *token;
    size_t token_len;
    yc_store_attestation rec;
    char uri[YC_ATTEST_URI_MAX + 1];
} issued;

static void issued_init(issued *w)
{
    memset(w, 0, sizeof *w);
    assert_int_equal(sem_init(&w->sem, 0, 0), 0);
    atomic_init(&w->calls, 0);
    w->rv = YC_ERR_INTERNAL;
}

static void issued_clear(issued *w)
{
    yc_free(w->token);
    w->token = NULL;
    (void)sem_destroy(&w->sem);
}

static void on_issued(void *ctx, yc_err rv, const yc_attest_issued *out)
{
    issued *w = ctx;
    w->rv = rv;
    if (rv == YC_OK && out != NULL) {
        yc_free(w->token); /* a waiter used twice keeps the last token */
        w->token = yc_alloc(out->token_len + 1);
        if (w->token != NULL) {
            memcpy(w->token, out->token, out->token_len + 1);
            w->token_len = out->token_len;
        }
        w->rec = *out->rec;
        snprintf(w->uri, sizeof w->uri, "%s", out->status_uri);
    }
    atomic_fetch_add(&w->calls, 1);
    (void)sem_post(&w->sem);
}

static void sem_wait_intr(sem_t *sem)
{
    while (sem_wait(sem) != 0)
        assert_int_equal(errno, EINTR);
}

static yc_attest_issue_in make_in(json_t *disc, const char *aud, unsigned days, yc_attest_alg alg)
{
    return (yc_attest_issue_in){.subject_id = SUBJECT,
                                .subject_type = "legal_person",
                                .model_version = "yrd-2026.1",
                                .model_digest = "0123456789abcdef0123456789abcdef"
                                                "0123456789abcdef0123456789abcdef",
                                .disclosable = disc,
                                .aud = aud,
                                .validity_days = days,
                                .alg = alg};
}

/* Issue one attestation and wait for its commit; the token is in w->token. */
static void issue_ok(fix *f, const char *aud, unsigned days, yc_attest_alg alg, int64_t now,
                     issued *w)
{
    json_t *disc = json_pack("{s:i, s:s}", "score", 712, "grade", "A");
    assert_non_null(disc);
    yc_attest_issue_in in = make_in(disc, aud, days, alg);
    issued_init(w);
    assert_int_equal(yc_attest_issue(f->s, &in, now, on_issued, w), YC_OK);
    json_decref(disc);
    sem_wait_intr(&w->sem);
    assert_int_equal(w->rv, YC_OK);
    assert_non_null(w->token);
    assert_int_equal(atomic_load(&w->calls), 1);
}

typedef struct changed {
    sem_t sem;
    atomic_int calls;
    yc_err rv;
    yc_store_attestation rec;
} changed;

static void on_changed(void *ctx, yc_err rv, const yc_store_attestation *rec)
{
    changed *c = ctx;
    c->rv = rv;
    if (rv == YC_OK && rec != NULL)
        c->rec = *rec;
    atomic_fetch_add(&c->calls, 1);
    (void)sem_post(&c->sem);
}

/* yc_attest_set_state(); when it queues, wait for the commit and return its result. */
static yc_err set_state(fix *f, const char *jti, yc_attest_state to, const char *reason,
                        int64_t now, yc_store_attestation *ret)
{
    changed c;
    memset(&c, 0, sizeof c);
    assert_int_equal(sem_init(&c.sem, 0, 0), 0);
    atomic_init(&c.calls, 0);
    yc_err rv = yc_attest_set_state(f->s, jti, to, reason, now, on_changed, &c);
    if (rv == YC_OK) {
        sem_wait_intr(&c.sem);
        assert_int_equal(atomic_load(&c.calls), 1);
        rv = c.rv;
        if (ret != NULL)
            *ret = c.rec;
    }
    (void)sem_destroy(&c.sem);
    return rv;
}

/* ---- reading tokens ---- */

/* Part @p part (0 header, 1 payload) of the issuer JWT of an SD-JWT, as JSON. */
static json_t *jwt_part(const char *token, int part)
{
    const char *p = token;
    for (int i = 0; i < part; i++) {
        p = strchr(p, '.');
        assert_non_null(p);
        p++;
    }
    size_t n = strcspn(p, ".~");
    uint8_t buf[4096];
    size_t len = 0;
    assert_int_equal(yc_b64url_decode(p, n, buf, sizeof buf, &len), YC_OK);
    json_error_t err;
    json_t *j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &err);
    assert_non_null(j);
    return j;
}

static const char *jstr(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static json_int_t jint(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* The kid and public key of the key of @p p that signs at @p now. */
static void signer_of(const fix *f, yc_key_purpose p, int64_t now,
                      char kid[static YC_JWK_THUMBPRINT_LEN + 1],
                      uint8_t pk[static YC_ED25519_PUBLIC_KEY_BYTES])
{
    yc_keyring *kr = NULL;
    assert_int_equal(yc_keyring_load(f->data, &kr), YC_OK);
    const yc_key_info *info = NULL;
    const yc_ed25519_key *key = NULL;
    assert_int_equal(yc_keyring_signer(kr, p, now, &info, &key), YC_OK);
    memcpy(kid, info->kid, YC_JWK_THUMBPRINT_LEN + 1);
    memcpy(pk, info->pk, YC_ED25519_PUBLIC_KEY_BYTES);
    yc_keyring_free(kr);
}

/* yc_av_verify() with the keyring's attestation keys and no status check. */
static yc_av_reason av_verify(const fix *f, const char *token, const char *aud, int64_t now,
                              yc_av_verdict *vd)
{
    yc_keyring *kr = NULL;
    assert_int_equal(yc_keyring_load(f->data, &kr), YC_OK);
    yc_av_key keys[8];
    size_t n = 0;
    for (size_t i = 0; i < yc_keyring_count(kr) && n < 8; i++) {
        const yc_key_info *info = yc_keyring_info(kr, i);
        if (info->purpose != YC_KEY_ATTESTATION)
            continue;
        memcpy(keys[n].kid, info->kid, sizeof keys[n].kid);
        memcpy(keys[n].pk, info->pk, sizeof keys[n].pk);
        n++;
    }
    yc_keyring_free(kr);
    yc_av_issuer iss = {.iss = ISSUER, .city = "Yiwu", .keys = keys, .n_keys = n};
    memset(vd, 0, sizeof *vd);
    assert_int_equal(yc_av_verify(token, strlen(token), &iss, 1, now, aud, vd), YC_OK);
    return vd->reason;
}

/* yc_attest_verify() of the service; returns the reason. */
static yc_av_reason svc_verify(const fix *f, const char *token, const char *aud, int64_t now)
{
    yc_av_verdict vd;
    memset(&vd, 0, sizeof vd);
    assert_int_equal(yc_attest_verify(f->s, token, strlen(token), aud, now, &vd), YC_OK);
    yc_av_reason r = vd.reason;
    assert_int_equal(vd.valid, r == YC_AV_VALID);
    yc_av_verdict_clear(&vd);
    return r;
}

/* The signed status list @p id at @p now, parsed: the value at @p idx; the ETag in @p etag. */
static unsigned list_value(const fix *f, uint32_t id, uint32_t idx, int64_t now, char *etag)
{
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    signer_of(f, YC_KEY_STATUS_LIST, now, kid, pk);
    char *tok = NULL;
    size_t len = 0;
    char tag[YC_ATTEST_ETAG_LEN + 1];
    assert_int_equal(yc_attest_status_list(f->s, id, now, &tok, &len, tag), YC_OK);
    assert_int_equal(strlen(tok), len);
    assert_int_equal(strlen(tag), YC_ATTEST_ETAG_LEN);
    assert_int_equal(tag[0], '"');
    assert_int_equal(tag[YC_ATTEST_ETAG_LEN - 1], '"');
    char sub[YC_ATTEST_URI_MAX + 1];
    snprintf(sub, sizeof sub, "%s%" PRIu32, SL_URI, id);
    yc_status_list *sl = NULL;
    int64_t ttl = 0;
    yc_jws_reason why;
    assert_int_equal(
        yc_attest_status_list_token_parse(tok, len, pk, sub, now, 1 << 20, &sl, &ttl, &why), YC_OK);
    assert_int_equal(ttl, 300);
    json_t *h = jwt_part(tok, 0);
    assert_string_equal(jstr(h, "typ"), "statuslist+jwt");
    assert_string_equal(jstr(h, "kid"), kid);
    json_decref(h);
    json_t *c = jwt_part(tok, 1);
    assert_int_equal(jint(c, "exp") - jint(c, "iat"), 600);
    json_decref(c);
    assert_int_equal(yc_status_list_count(sl), 16);
    unsigned v = 99;
    assert_int_equal(yc_status_list_get(sl, idx, &v), YC_OK);
    yc_status_list_free(sl);
    yc_free(tok);
    if (etag != NULL)
        memcpy(etag, tag, sizeof tag);
    return v;
}

/* ---- issuing ---- */

static void yc_attest_issue__default__exact_header_and_claims_verify(void **state)
{
    fix *f = *state;
    open_service(f);
    char kid[YC_JWK_THUMBPRINT_LEN + 1];
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    signer_of(f, YC_KEY_ATTESTATION, NOW, kid, pk);

    issued w;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &w);
    assert_int_equal(w.token_len, strlen(w.token));
    assert_int_equal(w.token[w.token_len - 1], '~');

    json_t *h = jwt_part(w.token, 0);
    assert_int_equal(json_object_size(h), 3);
    assert_string_equal(jstr(h, "alg"), "EdDSA");
    assert_string_equal(jstr(h, "typ"), "dc+sd-jwt");
    assert_string_equal(jstr(h, "kid"), kid);
    json_decref(h);

    json_t *c = jwt_part(w.token, 1);
    assert_string_equal(jstr(c, "iss"), ISSUER);
    assert_string_equal(jstr(c, "sub"), SUBJECT);
    assert_int_equal(jint(c, "iat"), NOW);
    assert_int_equal(jint(c, "exp"), NOW + 30 * 86400);
    assert_string_equal(jstr(c, "jti"), w.rec.jti);
    assert_int_equal(strlen(w.rec.jti), YC_ATTEST_JTI_LEN);
    assert_string_equal(jstr(c, "vct"), ISSUER "/vct/credit-score/v1");
    json_t *sl = json_object_get(json_object_get(c, "status"), "status_list");
    assert_int_equal(jint(sl, "idx"), w.rec.index);
    char uri[YC_ATTEST_URI_MAX + 1];
    snprintf(uri, sizeof uri, "%s%" PRIu32, SL_URI, w.rec.list);
    assert_string_equal(jstr(sl, "uri"), uri);
    assert_string_equal(w.uri, uri);
    assert_string_equal(jstr(c, "issuer_city"), "Yiwu");
    assert_string_equal(jstr(c, "issuer_region"), "330782");
    assert_string_equal(jstr(c, "subject_type"), "legal_person");
    json_t *model = json_object_get(c, "model");
    assert_int_equal(json_object_size(model), 2);
    assert_string_equal(jstr(model, "version"), "yrd-2026.1");
    assert_string_equal(jstr(model, "digest"),
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_null(json_object_get(c, "aud"));
    /* score and grade only as digests, with 1..4 decoys */
    assert_null(json_object_get(c, "score"));
    assert_null(json_object_get(c, "grade"));
    size_t n_sd = json_array_size(json_object_get(c, "_sd"));
    assert_in_range(n_sd, 2 + YC_ATTEST_DECOYS_MIN, 2 + YC_ATTEST_DECOYS_MAX);
    json_decref(c);

    /* the record handed to the callback */
    assert_string_equal(w.rec.subject_id, SUBJECT);
    assert_string_equal(w.rec.kid, kid);
    assert_string_equal(w.rec.aud, "");
    assert_int_equal(w.rec.iat, NOW);
    assert_int_equal(w.rec.exp, NOW + 30 * 86400);
    assert_int_equal(w.rec.list, 1);
    assert_in_range(w.rec.index, 0, 15);
    assert_int_equal(w.rec.state, YC_ATTEST_VALID);

    /* it is durable: the store has it */
    yc_store_attestation got;
    assert_int_equal(yc_store_attestation_get(f->st, w.rec.jti, &got), YC_OK);
    assert_memory_equal(&got, &w.rec, sizeof got);

    /* an independent verifier with the service's keys accepts it, with the disclosures */
    yc_av_verdict vd;
    assert_int_equal(av_verify(f, w.token, NULL, NOW + 1, &vd), YC_AV_VALID);
    assert_int_equal(jint(vd.claims, "score"), 712);
    assert_string_equal(jstr(vd.claims, "grade"), "A");
    assert_string_equal(vd.issuer, ISSUER);
    yc_av_verdict_clear(&vd);
    /* and so does the service, with its own status list */
    assert_int_equal(svc_verify(f, w.token, NULL, NOW + 1), YC_AV_VALID);
    /* expiry: exp is exact (60 s leeway) */
    assert_int_equal(svc_verify(f, w.token, NULL, NOW + 30 * 86400 + 60), YC_AV_EXPIRED);

    /* the done callback came exactly once, also after close */
    close_service(f);
    assert_int_equal(atomic_load(&w.calls), 1);
    issued_clear(&w);
}

static void yc_attest_issue__alg_and_aud__header_alg_and_aud_claim(void **state)
{
    fix *f = *state;
    open_service(f);
    struct {
        const char *aud;
        yc_attest_alg alg;
        const char *want;
    } cases[] = {
        {NULL, YC_ATTEST_ALG_ED25519, "Ed25519"},    /* asked per request */
        {PARTNER, YC_ATTEST_ALG_DEFAULT, "Ed25519"}, /* attest.partner_algs[aud] */
        {PARTNER, YC_ATTEST_ALG_EDDSA, "EdDSA"},     /* the request wins over partner_algs */
        {OTHER, YC_ATTEST_ALG_DEFAULT, "EdDSA"},     /* an unlisted aud: attest.alg */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        issued w;
        issue_ok(f, cases[i].aud, 7, cases[i].alg, NOW, &w);
        json_t *h = jwt_part(w.token, 0);
        assert_string_equal(jstr(h, "alg"), cases[i].want);
        json_decref(h);
        json_t *c = jwt_part(w.token, 1);
        assert_int_equal(jint(c, "exp"), NOW + 7 * 86400);
        if (cases[i].aud == NULL) {
            assert_null(json_object_get(c, "aud"));
            assert_string_equal(w.rec.aud, "");
        } else {
            assert_string_equal(jstr(c, "aud"), cases[i].aud);
            assert_string_equal(w.rec.aud, cases[i].aud);
        }
        json_decref(c);
        yc_av_verdict vd;
        assert_int_equal(av_verify(f, w.token, cases[i].aud, NOW, &vd), YC_AV_VALID);
        yc_av_verdict_clear(&vd);
        assert_int_equal(svc_verify(f, w.token, cases[i].aud, NOW), YC_AV_VALID);
        if (cases[i].aud != NULL) {
            const char *wrong = strcmp(cases[i].aud, PARTNER) == 0 ? OTHER : PARTNER;
            assert_int_equal(svc_verify(f, w.token, wrong, NOW), YC_AV_WRONG_AUD);
            /* the service's own check without an audience accepts any aud (header) */
            assert_int_equal(svc_verify(f, w.token, NULL, NOW), YC_AV_VALID);
        }
        issued_clear(&w);
    }
    /* attest.alg "Ed25519" as the default */
    close_service(f);
    f->cfg.default_ed25519 = true;
    open_service(f);
    issued w;
    issue_ok(f, NULL, 1, YC_ATTEST_ALG_DEFAULT, NOW, &w);
    json_t *h = jwt_part(w.token, 0);
    assert_string_equal(jstr(h, "alg"), "Ed25519");
    json_decref(h);
    issued_clear(&w);
}

static void yc_attest_issue__out_of_shape__invalid(void **state)
{
    fix *f = *state;
    open_service(f);
    json_t *disc = json_object();
    issued w;
    issued_init(&w);
    yc_attest_issue_in in = make_in(disc, NULL, 91, YC_ATTEST_ALG_DEFAULT);
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued, &w), YC_ERR_INVALID);
    in.validity_days = 0;
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued, &w), YC_ERR_INVALID);
    in.validity_days = 90; /* the limit itself */
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued, &w), YC_OK);
    sem_wait_intr(&w.sem);
    assert_int_equal(w.rv, YC_OK);
    assert_int_equal(w.rec.exp, NOW + 90 * 86400);
    char aud[YC_ATTEST_AUD_MAX + 2];
    memset(aud, 'a', sizeof aud - 1);
    aud[sizeof aud - 1] = '\0'; /* 256 bytes: one past */
    in.aud = aud;
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued, &w), YC_ERR_INVALID);
    in.aud = "";
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued, &w), YC_ERR_INVALID);
    in.aud = NULL;
    in.subject_id = "";
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued, &w), YC_ERR_INVALID);
    assert_int_equal(atomic_load(&w.calls), 1);
    json_decref(disc);
    issued_clear(&w);
}

/* ---- status-list allocation ---- */

static void yc_attest_issue__16_entries__unique_indexes_new_list_when_half_full(void **state)
{
    fix *f = *state;
    open_service(f);
    bool seen[4][16];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < 24; i++) {
        issued w;
        issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW + i, &w);
        /* 8 per list: half of 16 */
        assert_int_equal(w.rec.list, 1 + i / 8);
        assert_in_range(w.rec.index, 0, 15);
        assert_false(seen[w.rec.list][w.rec.index]);
        seen[w.rec.list][w.rec.index] = true;
        issued_clear(&w);
    }
    /* list 3 is open, list 4 is not */
    char *tok = NULL;
    size_t len = 0;
    char etag[YC_ATTEST_ETAG_LEN + 1];
    assert_int_equal(yc_attest_status_list(f->s, 4, NOW, &tok, &len, etag), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_attest_status_list(f->s, 0, NOW, &tok, &len, etag), YC_ERR_NOT_FOUND);
    assert_int_equal(yc_attest_status_list(f->s, 3, NOW, &tok, &len, etag), YC_OK);
    yc_free(tok);
}

/* ---- state changes ---- */

static void yc_attest_set_state__transitions__status_list_and_verify_follow(void **state)
{
    fix *f = *state;
    open_service(f);
    issued a, b;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &a);
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &b);
    char e0[YC_ATTEST_ETAG_LEN + 1], e1[YC_ATTEST_ETAG_LEN + 1];
    assert_int_equal(list_value(f, 1, a.rec.index, NOW, e0), YC_ATTEST_VALID);
    /* unchanged list: the same ETag, also a bit later within half the ttl */
    assert_int_equal(list_value(f, 1, b.rec.index, NOW + 10, e1), YC_ATTEST_VALID);
    assert_string_equal(e0, e1);

    /* valid → revoked */
    yc_store_attestation rec;
    assert_int_equal(set_state(f, a.rec.jti, YC_ATTEST_REVOKED, "fraud", NOW + 20, &rec), YC_OK);
    assert_int_equal(rec.state, YC_ATTEST_REVOKED);
    assert_int_equal(rec.state_at, NOW + 20);
    assert_string_equal(rec.reason, "fraud");
    assert_string_equal(rec.jti, a.rec.jti);
    yc_store_attestation got;
    assert_int_equal(yc_store_attestation_get(f->st, a.rec.jti, &got), YC_OK);
    assert_int_equal(got.state, YC_ATTEST_REVOKED);
    assert_int_equal(got.state_at, NOW + 20);
    assert_string_equal(got.reason, "fraud");
    assert_string_equal(yc_attest_state_name(&got, NOW + 20), "revoked");
    /* seen at once by the service's verifier and in the list token, with a new ETag */
    assert_int_equal(svc_verify(f, a.token, NULL, NOW + 20), YC_AV_REVOKED);
    assert_int_equal(list_value(f, 1, a.rec.index, NOW + 20, e1), YC_ATTEST_REVOKED);
    assert_string_not_equal(e0, e1);
    assert_int_equal(list_value(f, 1, b.rec.index, NOW + 20, e0), YC_ATTEST_VALID);
    assert_string_equal(e0, e1);
    /* revocation is final */
    assert_int_equal(set_state(f, a.rec.jti, YC_ATTEST_REVOKED, "", NOW, NULL), YC_ERR_CONFLICT);
    assert_int_equal(set_state(f, a.rec.jti, YC_ATTEST_SUSPENDED, "", NOW, NULL), YC_ERR_CONFLICT);
    assert_int_equal(set_state(f, a.rec.jti, YC_ATTEST_VALID, "", NOW, NULL), YC_ERR_CONFLICT);
    assert_int_equal(list_value(f, 1, a.rec.index, NOW + 20, NULL), YC_ATTEST_REVOKED);

    /* valid → suspended → valid; unsuspending a valid one is a conflict */
    assert_int_equal(set_state(f, b.rec.jti, YC_ATTEST_VALID, "", NOW, NULL), YC_ERR_CONFLICT);
    assert_int_equal(set_state(f, b.rec.jti, YC_ATTEST_SUSPENDED, "audit", NOW + 30, &rec), YC_OK);
    assert_int_equal(rec.state, YC_ATTEST_SUSPENDED);
    assert_int_equal(list_value(f, 1, b.rec.index, NOW + 30, e1), YC_ATTEST_SUSPENDED);
    assert_string_not_equal(e0, e1);
    assert_int_equal(svc_verify(f, b.token, NULL, NOW + 30), YC_AV_SUSPENDED);
    assert_int_equal(yc_store_attestation_get(f->st, b.rec.jti, &got), YC_OK);
    assert_string_equal(yc_attest_state_name(&got, NOW + 30), "suspended");
    assert_string_equal(yc_attest_state_name(&got, got.exp), "expired");
    assert_int_equal(set_state(f, b.rec.jti, YC_ATTEST_SUSPENDED, "", NOW, NULL), YC_ERR_CONFLICT);
    assert_int_equal(set_state(f, b.rec.jti, YC_ATTEST_VALID, "cleared", NOW + 40, &rec), YC_OK);
    assert_int_equal(rec.state, YC_ATTEST_VALID);
    assert_string_equal(rec.reason, "cleared");
    assert_int_equal(list_value(f, 1, b.rec.index, NOW + 40, e0), YC_ATTEST_VALID);
    assert_string_not_equal(e0, e1);
    assert_int_equal(svc_verify(f, b.token, NULL, NOW + 40), YC_AV_VALID);
    assert_int_equal(yc_store_attestation_get(f->st, b.rec.jti, &got), YC_OK);
    assert_string_equal(yc_attest_state_name(&got, NOW + 40), "valid");
    /* suspended → revoked is allowed */
    assert_int_equal(set_state(f, b.rec.jti, YC_ATTEST_SUSPENDED, "", NOW + 50, NULL), YC_OK);
    assert_int_equal(set_state(f, b.rec.jti, YC_ATTEST_REVOKED, "", NOW + 50, NULL), YC_OK);
    assert_int_equal(list_value(f, 1, b.rec.index, NOW + 50, NULL), YC_ATTEST_REVOKED);

    /* unknown and malformed jti, reason at the limit and one past */
    assert_int_equal(set_state(f, "AAAAAAAAAAAAAAAAAAAAAA", YC_ATTEST_REVOKED, "", NOW, NULL),
                     YC_ERR_NOT_FOUND);
    assert_int_equal(set_state(f, "AAAAAAAAAAAAAAAAAAAAA", YC_ATTEST_REVOKED, "", NOW, NULL),
                     YC_ERR_INVALID);
    issued c;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &c);
    char reason[YC_ATTEST_REASON_MAX + 2];
    memset(reason, 'r', sizeof reason - 1);
    reason[sizeof reason - 1] = '\0';
    assert_int_equal(set_state(f, c.rec.jti, YC_ATTEST_REVOKED, reason, NOW, NULL), YC_ERR_INVALID);
    reason[YC_ATTEST_REASON_MAX] = '\0';
    assert_int_equal(set_state(f, c.rec.jti, YC_ATTEST_REVOKED, reason, NOW, &rec), YC_OK);
    assert_int_equal(strlen(rec.reason), YC_ATTEST_REASON_MAX);
    issued_clear(&a);
    issued_clear(&b);
    issued_clear(&c);
}

static void yc_attest_status_list__half_ttl__resigned_new_etag(void **state)
{
    fix *f = *state;
    open_service(f);
    issued a;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &a);
    char e0[YC_ATTEST_ETAG_LEN + 1], e1[YC_ATTEST_ETAG_LEN + 1];
    assert_int_equal(list_value(f, 1, a.rec.index, NOW, e0), YC_ATTEST_VALID);
    /* ttl 300: the same bytes up to iat + 150, re-signed after */
    assert_int_equal(list_value(f, 1, a.rec.index, NOW + 150, e1), YC_ATTEST_VALID);
    assert_string_equal(e0, e1);
    assert_int_equal(list_value(f, 1, a.rec.index, NOW + 151, e1), YC_ATTEST_VALID);
    assert_string_not_equal(e0, e1);
    issued_clear(&a);
}

/* ---- reopening ---- */

static void yc_attest_service_open__reopened__lists_rebuilt_from_store(void **state)
{
    fix *f = *state;
    open_service(f);
    issued w[8];
    for (int i = 0; i < 3; i++)
        issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &w[i]);
    assert_int_equal(set_state(f, w[0].rec.jti, YC_ATTEST_REVOKED, "x", NOW, NULL), YC_OK);
    assert_int_equal(set_state(f, w[1].rec.jti, YC_ATTEST_SUSPENDED, "y", NOW, NULL), YC_OK);
    close_service(f);

    open_service(f);
    assert_int_equal(list_value(f, 1, w[0].rec.index, NOW, NULL), YC_ATTEST_REVOKED);
    assert_int_equal(list_value(f, 1, w[1].rec.index, NOW, NULL), YC_ATTEST_SUSPENDED);
    assert_int_equal(list_value(f, 1, w[2].rec.index, NOW, NULL), YC_ATTEST_VALID);
    assert_int_equal(svc_verify(f, w[0].token, NULL, NOW), YC_AV_REVOKED);
    assert_int_equal(svc_verify(f, w[1].token, NULL, NOW), YC_AV_SUSPENDED);
    assert_int_equal(svc_verify(f, w[2].token, NULL, NOW), YC_AV_VALID);
    /* the 5 free slots of list 1's half go to new tokens, never a used index */
    bool seen[16] = {false};
    for (int i = 0; i < 3; i++)
        seen[w[i].rec.index] = true;
    for (int i = 3; i < 8; i++) {
        issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &w[i]);
        assert_int_equal(w[i].rec.list, 1);
        assert_false(seen[w[i].rec.index]);
        seen[w[i].rec.index] = true;
    }
    issued next;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &next);
    assert_int_equal(next.rec.list, 2);
    issued_clear(&next);
    close_service(f);

    /* and once more: list 2 exists, list 1 is still half full */
    open_service(f);
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &next);
    assert_int_equal(next.rec.list, 2);
    assert_int_equal(list_value(f, 1, w[0].rec.index, NOW, NULL), YC_ATTEST_REVOKED);
    issued_clear(&next);
    for (int i = 0; i < 8; i++)
        issued_clear(&w[i]);
}

/* ---- keys ---- */

static void yc_attest_issue__keyring_rotated__new_kid_old_tokens_verify(void **state)
{
    fix *f = *state;
    open_service(f);
    char kid_a[YC_JWK_THUMBPRINT_LEN + 1];
    uint8_t pk[YC_ED25519_PUBLIC_KEY_BYTES];
    signer_of(f, YC_KEY_ATTESTATION, NOW, kid_a, pk);
    issued a;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &a);
    assert_string_equal(a.rec.kid, kid_a);

    char kid_b[YC_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(
        yc_keyring_rotate(f->data, YC_KEY_ATTESTATION, NOW + 1, 0, 90 * 86400, 86400, kid_b),
        YC_OK);
    assert_string_not_equal(kid_a, kid_b);
    /* the file is checked once per distinct second: at NOW + 2 the new key signs */
    issued b;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW + 2, &b);
    assert_string_equal(b.rec.kid, kid_b);
    json_t *h = jwt_part(b.token, 0);
    assert_string_equal(jstr(h, "kid"), kid_b);
    json_decref(h);
    assert_int_equal(svc_verify(f, a.token, NULL, NOW + 2), YC_AV_VALID);
    assert_int_equal(svc_verify(f, b.token, NULL, NOW + 2), YC_AV_VALID);
    /* the JWKS has both attestation keys and the status-list key */
    char *jwks = NULL;
    size_t len = 0;
    assert_int_equal(yc_attest_jwks(f->s, NOW + 2, &jwks, &len), YC_OK);
    assert_int_equal(strlen(jwks), len);
    assert_non_null(strstr(jwks, kid_a));
    assert_non_null(strstr(jwks, kid_b));
    json_t *j = json_loadb(jwks, len, JSON_REJECT_DUPLICATES, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "keys")), 3);
    json_decref(j);
    yc_free(jwks);
    /* the old key is dropped after its last token's expiry + grace: its tokens no longer verify
     * (a token issued for 30 days has expired by then anyway) */
    int64_t drop = NOW + 1 + 90 * 86400 + 86400;
    assert_int_equal(svc_verify(f, a.token, NULL, drop), YC_AV_UNKNOWN_KID);
    issued_clear(&a);
    issued_clear(&b);
}

static void yc_attest_service__no_keyring__not_found_empty_jwks_again(void **state)
{
    fix *f = *state;
    /* a list exists (one token issued with keys), then the keyring goes away */
    open_service(f);
    issued a;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &a);
    close_service(f);
    char path[256];
    snprintf(path, sizeof path, "%s/keys/signing.json", f->data);
    assert_int_equal(unlink(path), 0);

    open_service(f);
    json_t *disc = json_object();
    yc_attest_issue_in in = make_in(disc, NULL, 30, YC_ATTEST_ALG_DEFAULT);
    issued w;
    issued_init(&w);
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued, &w), YC_ERR_NOT_FOUND);
    json_decref(disc);
    char *jwks = NULL;
    size_t len = 0;
    assert_int_equal(yc_attest_jwks(f->s, NOW, &jwks, &len), YC_OK);
    assert_string_equal(jwks, "{\"keys\":[]}");
    assert_int_equal(len, 11);
    yc_free(jwks);
    char *tok = NULL;
    char etag[YC_ATTEST_ETAG_LEN + 1];
    assert_int_equal(yc_attest_status_list(f->s, 1, NOW, &tok, &len, etag), YC_ERR_AGAIN);
    assert_null(tok);
    /* without keys nothing of ours verifies */
    assert_int_equal(svc_verify(f, a.token, NULL, NOW), YC_AV_UNKNOWN_KID);
    /* revocation still works: the record is in the store */
    assert_int_equal(set_state(f, a.rec.jti, YC_ATTEST_REVOKED, "", NOW, NULL), YC_OK);
    /* keys come back (`yrdcredit keys new`): picked up at the next distinct second */
    assert_int_equal(yc_keyring_create(f->data, NOW), YC_OK);
    assert_int_equal(list_value(f, 1, a.rec.index, NOW + 1, NULL), YC_ATTEST_REVOKED);
    issued b;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW + 1, &b);
    assert_int_equal(svc_verify(f, b.token, NULL, NOW + 1), YC_AV_VALID);
    assert_int_equal(atomic_load(&w.calls), 0);
    issued_clear(&w);
    issued_clear(&a);
    issued_clear(&b);
}

/* ---- back-pressure ---- */

/* A done callback that blocks the committer thread until released. */
typedef struct gate {
    sem_t entered, release;
    issued w;
} gate;

static void on_issued_blocking(void *ctx, yc_err rv, const yc_attest_issued *out)
{
    gate *g = ctx;
    (void)sem_post(&g->entered);
    while (sem_wait(&g->release) != 0)
        ;
    on_issued(&g->w, rv, out);
}

static void yc_attest_issue__commit_queue_full__again(void **state)
{
    fix *f = *state;
    f->cfg.commit_queue = 1;
    open_service(f);
    gate g;
    assert_int_equal(sem_init(&g.entered, 0, 0), 0);
    assert_int_equal(sem_init(&g.release, 0, 0), 0);
    issued_init(&g.w);
    json_t *disc = json_pack("{s:i}", "score", 700);
    yc_attest_issue_in in = make_in(disc, NULL, 30, YC_ATTEST_ALG_DEFAULT);
    /* the first write's callback holds the committer */
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued_blocking, &g), YC_OK);
    sem_wait_intr(&g.entered);
    /* the queue takes one more write, then refuses */
    issued second, third;
    issued_init(&second);
    issued_init(&third);
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued, &second), YC_OK);
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued, &third), YC_ERR_AGAIN);
    assert_int_equal(yc_attest_set_state(f->s, "AAAAAAAAAAAAAAAAAAAAAA", YC_ATTEST_REVOKED, "", NOW,
                                         on_changed, NULL),
                     YC_ERR_NOT_FOUND); /* checked against the store before queueing */
    assert_int_equal(atomic_load(&third.calls), 0);
    (void)sem_post(&g.release);
    sem_wait_intr(&g.w.sem);
    sem_wait_intr(&second.sem);
    assert_int_equal(g.w.rv, YC_OK);
    assert_int_equal(second.rv, YC_OK);
    /* revoking while the committer is held: AGAIN as well */
    assert_int_equal(yc_attest_issue(f->s, &in, NOW, on_issued_blocking, &g), YC_OK);
    sem_wait_intr(&g.entered);
    changed ch, revoked;
    memset(&ch, 0, sizeof ch);
    memset(&revoked, 0, sizeof revoked);
    assert_int_equal(sem_init(&ch.sem, 0, 0), 0);
    assert_int_equal(sem_init(&revoked.sem, 0, 0), 0);
    assert_int_equal(
        yc_attest_set_state(f->s, second.rec.jti, YC_ATTEST_REVOKED, "", NOW, on_changed, &revoked),
        YC_OK);
    assert_int_equal(
        yc_attest_set_state(f->s, second.rec.jti, YC_ATTEST_REVOKED, "", NOW, on_changed, &ch),
        YC_ERR_AGAIN);
    (void)sem_post(&g.release);
    close_service(f); /* the queued revocation is committed, its callback called */
    json_decref(disc);
    /* the refused issue never called back and gave its index back: 3 distinct indexes used */
    assert_int_equal(atomic_load(&third.calls), 0);
    assert_int_equal(atomic_load(&ch.calls), 0);
    assert_int_equal(atomic_load(&revoked.calls), 1);
    assert_int_equal(revoked.rv, YC_OK);
    open_service(f);
    assert_int_equal(svc_verify(f, second.token, NULL, NOW), YC_AV_REVOKED);
    assert_int_not_equal(g.w.rec.index, second.rec.index);
    issued_clear(&g.w);
    issued_clear(&second);
    issued_clear(&third);
    (void)sem_destroy(&g.entered);
    (void)sem_destroy(&g.release);
    (void)sem_destroy(&ch.sem);
    (void)sem_destroy(&revoked.sem);
}

static void yc_attest_state_name__each_state__name(void **state)
{
    (void)state;
    yc_store_attestation r;
    memset(&r, 0, sizeof r);
    r.exp = 1000;
    r.state = YC_ATTEST_VALID;
    assert_string_equal(yc_attest_state_name(&r, 999), "valid");
    assert_string_equal(yc_attest_state_name(&r, 1000), "expired");
    r.state = YC_ATTEST_SUSPENDED;
    assert_string_equal(yc_attest_state_name(&r, 999), "suspended");
    assert_string_equal(yc_attest_state_name(&r, 1000), "expired");
    r.state = YC_ATTEST_REVOKED;
    assert_string_equal(yc_attest_state_name(&r, 999), "revoked");
    assert_string_equal(yc_attest_state_name(&r, 1000), "revoked");
}

/* ---- regressions (review of the issue 4 service) ---- */

/* A revoke and an unsuspend of one suspended token, both accepted by the read-time check
 * before either commits: the one that commits second must be refused in the writing
 * transaction, so a revocation is never undone. */
static void regress__issue_4__revoke_and_unsuspend_race__revocation_stays(void **state)
{
    fix *f = *state;
    open_service(f);
    issued w;
    issue_ok(f, NULL, 30, YC_ATTEST_ALG_DEFAULT, NOW, &w);
    assert_int_equal(set_state(f, w.rec.jti, YC_ATTEST_SUSPENDED, "hold", NOW, NULL), YC_OK);
    changed a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(sem_init(&a.sem, 0, 0), 0);
    assert_int_equal(sem_init(&b.sem, 0, 0), 0);
    atomic_init(&a.calls, 0);
    atomic_init(&b.calls, 0);
    assert_int_equal(
        yc_attest_set_state(f->s, w.rec.jti, YC_ATTEST_REVOKED, "fraud", NOW, on_changed, &a),
        YC_OK);
    /* queued right behind the revocation: its read-time check may still see "suspended" */
    yc_err rb = yc_attest_set_state(f->s, w.rec.jti, YC_ATTEST_VALID, "", NOW, on_changed, &b);
    sem_wait_intr(&a.sem);
    assert_int_equal(a.rv, YC_OK);
    assert_int_equal(a.rec.state, YC_ATTEST_REVOKED);
    if (rb == YC_OK) { /* queued: refused by the committer */
        sem_wait_intr(&b.sem);
        assert_int_equal(b.rv, YC_ERR_CONFLICT);
    } else { /* the revocation had committed already: refused at once */
        assert_int_equal(rb, YC_ERR_CONFLICT);
        assert_int_equal(atomic_load(&b.calls), 0);
    }
    yc_store_attestation rec;
    assert_int_equal(yc_store_attestation_get(f->st, w.rec.jti, &rec), YC_OK);
    assert_int_equal(rec.state, YC_ATTEST_REVOKED);
    assert_string_equal(rec.reason, "fraud");
    assert_int_equal(list_value(f, w.rec.list, w.rec.index, NOW, NULL), YC_ATTEST_REVOKED);
    assert_int_equal(svc_verify(f, w.token, NULL, NOW), YC_AV_REVOKED);
    (void)sem_destroy(&a.sem);
    (void)sem_destroy(&b.sem);
    issued_clear(&w);
}

static void on_put(void *ctx, yc_err rv)
{
    *(yc_err *)ctx = rv;
}

/* One stored record naming list 1000 (corrupt: a list holds at least one record) is refused
 * at open with YC_ERR_STORE, instead of making the service open 1000 (or 4e9) lists. */
static void regress__issue_4__corrupt_list_id__open_refuses(void **state)
{
    fix *f = *state;
    assert_int_equal(yc_store_open(f->data, NULL, &f->st), YC_OK);
    yc_store_committer *c = NULL;
    assert_int_equal(yc_store_committer_start(f->st, NULL, &c), YC_OK);
    yc_store_attestation a;
    memset(&a, 0, sizeof a);
    snprintf(a.jti, sizeof a.jti, "%s", "AAAAAAAAAAAAAAAAAAAAAA");
    snprintf(a.subject_id, sizeof a.subject_id, "%s", "91330782MA2KDDUY4M");
    snprintf(a.kid, sizeof a.kid, "%s", "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    a.iat = NOW;
    a.exp = NOW + 86400;
    a.list = 1000;
    a.index = 3;
    yc_err put = YC_ERR_INTERNAL;
    assert_int_equal(yc_store_commit_attestation_put(c, &a, on_put, &put), YC_OK);
    yc_store_committer_stop(c); /* commits and calls back */
    assert_int_equal(put, YC_OK);
    yc_attest_service *s = NULL;
    assert_int_equal(yc_attest_service_open(f->data, &f->cfg, f->st, &s), YC_ERR_STORE);
    assert_null(s);
    /* list 2 with one record is fine (the list opened last may hold few) */
    a.list = 2;
    snprintf(a.jti, sizeof a.jti, "%s", "BAAAAAAAAAAAAAAAAAAAAA");
    assert_int_equal(yc_store_committer_start(f->st, NULL, &c), YC_OK);
    assert_int_equal(yc_store_commit_attestation_put(c, &a, on_put, &put), YC_OK);
    yc_store_committer_stop(c);
    assert_int_equal(put, YC_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(yc_attest_issue__default__exact_header_and_claims_verify,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(yc_attest_issue__alg_and_aud__header_alg_and_aud_claim,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(yc_attest_issue__out_of_shape__invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(
            yc_attest_issue__16_entries__unique_indexes_new_list_when_half_full, setup, teardown),
        cmocka_unit_test_setup_teardown(
            yc_attest_set_state__transitions__status_list_and_verify_follow, setup, teardown),
        cmocka_unit_test_setup_teardown(yc_attest_status_list__half_ttl__resigned_new_etag, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(yc_attest_service_open__reopened__lists_rebuilt_from_store,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(yc_attest_issue__keyring_rotated__new_kid_old_tokens_verify,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(yc_attest_service__no_keyring__not_found_empty_jwks_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(yc_attest_issue__commit_queue_full__again, setup, teardown),
        cmocka_unit_test(yc_attest_state_name__each_state__name),
        cmocka_unit_test_setup_teardown(
            regress__issue_4__revoke_and_unsuspend_race__revocation_stays, setup, teardown),
        cmocka_unit_test_setup_teardown(regress__issue_4__corrupt_list_id__open_refuses, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
