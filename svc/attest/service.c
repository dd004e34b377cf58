/* The attestation issuer of one instance (include/yrdcredit/attest_service.h). */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "yrdcredit/alloc.h"
#include "yrdcredit/attest.h"
#include "yrdcredit/attest_service.h"
#include "yrdcredit/crypto.h"
#include "yrdcredit/jose.h"
#include "yrdcredit/keyring.h"
#include "yrdcredit/status_list.h"

#define PATH_CAP 4096
#define SL_PATH  "/v1/status-lists/"
#define VCT_PATH "/vct/credit-score/v1"

/* One status list: the 2-bit values partners read and the indexes already handed out. */
typedef struct sl_list {
    yc_status_list *values;
    uint8_t *used; /* one bit per index */
    size_t used_count;
    uint64_t version; /* bumped on every state change */
    char *token;      /* the last signed token, or NULL */
    size_t token_len;
    int64_t token_iat;
    uint64_t token_version;
    char token_kid[YC_JWK_THUMBPRINT_LEN + 1];
    char etag[YC_ATTEST_ETAG_LEN + 1];
} sl_list;

struct yc_attest_service {
    yc_config_attest cfg;
    char data_dir[PATH_CAP];
    char vct[YC_CONFIG_ISSUER_MAX + sizeof VCT_PATH];
    char uri_prefix[YC_CONFIG_ISSUER_MAX + sizeof SL_PATH];
    size_t uri_prefix_len;
    yc_store *store;
    yc_store_committer *committer;

    pthread_mutex_t lists_mu;
    sl_list *lists; /* lists[i] has id i + 1 */
    size_t n_lists, cap_lists;

    pthread_rwlock_t kr_lock;
    yc_keyring *kr; /* NULL: no keyring yet */
    yc_keyring_stamp kr_stamp;
    _Atomic int64_t kr_checked;

    pthread_rwlock_t trust_lock;
    yc_trust *trust; /* NULL: could not be loaded */
    uint64_t trust_stamp;
    _Atomic int64_t trust_checked;
};

/* ---- status lists (callers hold lists_mu) ---- */

static yc_err list_append(yc_attest_service *s)
{
    if (s->n_lists == s->cap_lists) {
        size_t cap = s->cap_lists ? s->cap_lists * 2 : 4;
        sl_list *l = yc_realloc(s->lists, cap * sizeof *l);
        YC_ENSURE(l != NULL, YC_ERR_NOMEM);
        s->lists = l;
        s->cap_lists = cap;
    }
    sl_list *l = &s->lists[s->n_lists];
    *l = (sl_list){0};
    size_t entries = s->cfg.status_list_entries;
    YC_TRY(yc_status_list_new(YC_ATTEST_STATUS_BITS, entries, &l->values));
    l->used = yc_calloc(entries / 8, 1);
    if (l->used == NULL) {
        yc_status_list_free(l->values);
        return YC_ERR_NOMEM;
    }
    s->n_lists++;
    return YC_OK;
}

static bool used_get(const sl_list *l, size_t i)
{
    return ((unsigned)l->used[i / 8] >> (i % 8)) & 1u;
}

static void used_set(sl_list *l, size_t i, bool on)
{
    if (on && !used_get(l, i)) {
        l->used[i / 8] |= (uint8_t)(1u << (i % 8));
        l->used_count++;
    } else if (!on && used_get(l, i)) {
        l->used[i / 8] &= (uint8_t) ~(1u << (i % 8));
        l->used_count--;
    }
}

/* A free index, drawn at random, in the newest list with room (half full at most). */
static yc_err list_alloc(yc_attest_service *s, uint32_t *ret_list, uint32_t *ret_index)
{
    const size_t entries = s->cfg.status_list_entries;
    if (s->n_lists == 0 || s->lists[s->n_lists - 1].used_count >= entries / 2) {
        YC_ENSURE(s->n_lists < UINT32_MAX, YC_ERR_FULL);
        YC_TRY(list_append(s));
    }
    sl_list *l = &s->lists[s->n_lists - 1];
    uint32_t r = 0;
    YC_TRY(yc_crypto_random(&r, sizeof r));
    size_t start = r % entries, i = start;
    /* at most half is taken, so a linear probe from a random start ends quickly */
    while (used_get(l, i)) {
        i = (i + 1) % entries;
        YC_ENSURE(i != start, YC_ERR_FULL);
    }
    used_set(l, i, true);
    *ret_list = (uint32_t)s->n_lists;
    *ret_index = (uint32_t)i;
    return YC_OK;
}

static void list_release(yc_attest_service *s, uint32_t list, uint32_t index)
{
    pthread_mutex_lock(&s->lists_mu);
    if (list >= 1 && list <= s->n_lists)
        used_set(&s->lists[list - 1], index, false);
    pthread_mutex_unlock(&s->lists_mu);
}

static void list_set_state(yc_attest_service *s, uint32_t list, uint32_t index, unsigned state)
{
    pthread_mutex_lock(&s->lists_mu);
    if (list >= 1 && list <= s->n_lists) {
        sl_list *l = &s->lists[list - 1];
        if (yc_status_list_set(l->values, index, state) == YC_OK)
            l->version++;
    }
    pthread_mutex_unlock(&s->lists_mu);
}

/* Rebuild the lists from one stored record (at open, single-threaded). */
static yc_err rebuild_one(void *ctx, const yc_store_attestation *a)
{
    yc_attest_service *s = ctx;
    YC_ENSURE(a->list >= 1 && a->index < s->cfg.status_list_entries, YC_ERR_STORE);
    while (s->n_lists < a->list)
        YC_TRY(list_append(s));
    sl_list *l = &s->lists[a->list - 1];
    used_set(l, a->index, true);
    return yc_status_list_set(l->values, a->index, a->state) == YC_OK ? YC_OK : YC_ERR_STORE;
}

/* The first pass at open: how many records and the highest list id they name. */
typedef struct walk_count {
    uint64_t records;
    uint32_t max_list;
} walk_count;

static yc_err count_one(void *ctx, const yc_store_attestation *a)
{
    walk_count *wc = ctx;
    wc->records++;
    if (a->list > wc->max_list)
        wc->max_list = a->list;
    return YC_OK;
}

/* Rebuild the status lists: a list holds at least one record, so a stored list id above the
 * record count (plus the one opened last) is a corrupt value, refused before it makes the
 * loop below open billions of lists. */
static yc_err rebuild_lists(yc_attest_service *s, yc_store *store)
{
    walk_count wc = {0};
    YC_TRY(yc_store_attestation_walk(store, count_one, &wc));
    YC_ENSURE(wc.max_list <= wc.records + 1, YC_ERR_STORE);
    return yc_store_attestation_walk(store, rebuild_one, s);
}

/* ---- keyring and trust registry, re-read when their files change ---- */

static bool stamp_equal(const yc_keyring_stamp *a, const yc_keyring_stamp *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

static void keys_refresh(yc_attest_service *s, int64_t now)
{
    int64_t last = atomic_load(&s->kr_checked);
    if (now == last || !atomic_compare_exchange_strong(&s->kr_checked, &last, now))
        return;
    yc_keyring_stamp st;
    if (yc_keyring_stamp_get(s->data_dir, &st) != YC_OK)
        return; /* keep what is loaded */
    pthread_rwlock_rdlock(&s->kr_lock);
    bool same = s->kr != NULL && stamp_equal(&st, &s->kr_stamp);
    pthread_rwlock_unlock(&s->kr_lock);
    yc_keyring *kr = NULL;
    if (same || yc_keyring_load(s->data_dir, &kr) != YC_OK)
        return;
    /* two threads of different seconds may both load: the file is stat'ed again under the
     * lock, and a keyring is installed only if the file is still the one it was read from */
    yc_keyring_stamp now_st;
    pthread_rwlock_wrlock(&s->kr_lock);
    yc_keyring *old = NULL;
    if (yc_keyring_stamp_get(s->data_dir, &now_st) == YC_OK && stamp_equal(&now_st, &st) &&
        !(s->kr != NULL && stamp_equal(&st, &s->kr_stamp))) {
        old = s->kr;
        s->kr = kr;
        s->kr_stamp = st;
        kr = NULL;
    }
    pthread_rwlock_unlock(&s->kr_lock);
    yc_keyring_free(old);
    yc_keyring_free(kr);
}

static void trust_refresh(yc_attest_service *s, int64_t now)
{
    int64_t last = atomic_load(&s->trust_checked);
    if (now == last || !atomic_compare_exchange_strong(&s->trust_checked, &last, now))
        return;
    uint64_t st = 0;
    if (yc_trust_stamp(s->data_dir, &st) != YC_OK)
        return;
    pthread_rwlock_rdlock(&s->trust_lock);
    /* a partner's status list that expired is re-verified (and then refused) */
    bool same = s->trust != NULL && st == s->trust_stamp && now < yc_trust_expires(s->trust);
    pthread_rwlock_unlock(&s->trust_lock);
    yc_trust *t = NULL;
    if (same)
        return;
    /* A registry that no longer loads (an edit gone wrong, a partner's file unreadable) trusts
     * no partner until it is fixed, as at open: never the old one, whose status lists may be
     * past their expiry or whose partner may have been removed.  Out of memory keeps it. */
    yc_err lrv = yc_trust_load(s->data_dir, now, &t);
    if (lrv == YC_ERR_NOMEM)
        return;
    if (lrv != YC_OK)
        t = NULL;
    pthread_rwlock_wrlock(&s->trust_lock);
    yc_trust *old = s->trust;
    s->trust = t;
    s->trust_stamp = st;
    pthread_rwlock_unlock(&s->trust_lock);
    yc_trust_free(old);
}

/* ---- open / close ---- */

const yc_config_attest *yc_attest_config(const yc_attest_service *s)
{
    return &s->cfg;
}

yc_err yc_attest_service_open(const char *data_dir, const yc_config_attest *cfg, yc_store *store,
                              yc_attest_service **ret)
{
    YC_ENSURE(strlen(data_dir) < PATH_CAP, YC_ERR_INVALID);
    YC_ENSURE(cfg->status_list_entries >= 8 && cfg->status_list_entries % 8 == 0, YC_ERR_INVALID);
    yc_attest_service *s = yc_calloc(1, sizeof *s);
    YC_ENSURE(s != NULL, YC_ERR_NOMEM);
    s->cfg = *cfg;
    memcpy(s->data_dir, data_dir, strlen(data_dir) + 1);
    s->store = store;
    (void)snprintf(s->vct, sizeof s->vct, "%s%s", cfg->issuer, VCT_PATH);
    (void)snprintf(s->uri_prefix, sizeof s->uri_prefix, "%s%s", cfg->issuer, SL_PATH);
    s->uri_prefix_len = strlen(s->uri_prefix);
    pthread_mutex_init(&s->lists_mu, NULL);
    pthread_rwlock_init(&s->kr_lock, NULL);
    pthread_rwlock_init(&s->trust_lock, NULL);
    atomic_init(&s->kr_checked, INT64_MIN);
    atomic_init(&s->trust_checked, INT64_MIN);

    yc_err rv = yc_keyring_stamp_get(data_dir, &s->kr_stamp);
    if (rv == YC_OK)
        rv = yc_keyring_load(data_dir, &s->kr);
    if (rv == YC_ERR_NOT_FOUND)
        rv = YC_OK; /* an old data dir: no keys until `yrdcredit keys new` */
    if (rv == YC_OK)
        rv = yc_trust_stamp(data_dir, &s->trust_stamp);
    /* a malformed registry verifies no partner until it is fixed; it does not stop issuing */
    if (rv == YC_OK && yc_trust_load(data_dir, (int64_t)time(NULL), &s->trust) != YC_OK)
        s->trust = NULL;
    if (rv == YC_OK)
        rv = rebuild_lists(s, store);
    if (rv == YC_OK) {
        yc_store_committer_opts co = {.queue_cap = cfg->commit_queue};
        rv = yc_store_committer_start(store, &co, &s->committer);
    }
    if (rv != YC_OK) {
        yc_attest_service_close(s);
        return rv;
    }
    *ret = s;
    return YC_OK;
}

void yc_attest_service_close(yc_attest_service *s)
{
    if (s == NULL)
        return;
    yc_store_committer_stop(s->committer); /* every callback has run after this */
    for (size_t i = 0; i < s->n_lists; i++) {
        yc_status_list_free(s->lists[i].values);
        yc_free(s->lists[i].used);
        yc_free(s->lists[i].token);
    }
    yc_free(s->lists);
    yc_keyring_free(s->kr);
    yc_trust_free(s->trust);
    pthread_mutex_destroy(&s->lists_mu);
    pthread_rwlock_destroy(&s->kr_lock);
    pthread_rwlock_destroy(&s->trust_lock);
    yc_free(s);
}

/* ---- issuing ---- */

typedef struct issue_job {
    yc_attest_service *s;
    yc_attest_issue_fn done;
    void *ctx;
    char *token;
    size_t token_len;
    yc_store_attestation rec;
    char uri[YC_ATTEST_URI_MAX + 1];
} issue_job;

static void issue_committed(void *ctx, yc_err rv)
{
    issue_job *job = ctx;
    if (rv == YC_OK) {
        yc_attest_issued out = {.token = job->token,
                                .token_len = job->token_len,
                                .rec = &job->rec,
                                .status_uri = job->uri};
        job->done(job->ctx, YC_OK, &out);
    } else {
        list_release(job->s, job->rec.list, job->rec.index);
        job->done(job->ctx, rv, NULL);
    }
    yc_free(job->token);
    yc_free(job);
}

static bool alg_is_ed25519(const yc_attest_service *s, const yc_attest_issue_in *in)
{
    if (in->alg != YC_ATTEST_ALG_DEFAULT)
        return in->alg == YC_ATTEST_ALG_ED25519;
    for (size_t i = 0; in->aud != NULL && i < s->cfg.n_partner_algs; i++)
        if (strcmp(in->aud, s->cfg.partner_algs[i].aud) == 0)
            return s->cfg.partner_algs[i].ed25519;
    return s->cfg.default_ed25519;
}

/* issue 6 item 5: how many of the subject's current records are disputed (under an open
 * objection, 异议) when the attestation is issued; 0 for a subject without records. */
static yc_err count_disputed(yc_attest_service *s, const char *subject_id, uint64_t *ret)
{
    yc_record *recs = NULL;
    size_t n = 0;
    *ret = 0;
    const yc_err rv = yc_store_subject_records(s->store, subject_id, &recs, &n);
    if (rv == YC_ERR_NOT_FOUND)
        return YC_OK;
    YC_TRY(rv);
    for (size_t i = 0; i < n; i++)
        *ret += recs[i].status == YC_STATUS_DISPUTED;
    yc_store_records_free(recs);
    return YC_OK;
}

/* The always-visible claims of issue 4 item 3 (member order as attestations.md §1.3), and
 * `disputed_records` (issue 6 item 5: flagged in every new attestation, never selectively
 * disclosable). */
static json_t *visible_claims(const yc_attest_service *s, const yc_attest_issue_in *in,
                              const yc_store_attestation *rec, const char *uri, uint64_t disputed)
{
    json_t *c =
        json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:{s:{s:I, s:s}}, s:s, s:s, s:s, "
                  "s:{s:s, s:s}}",
                  "iss", s->cfg.issuer, "sub", in->subject_id, "iat", (json_int_t)rec->iat, "exp",
                  (json_int_t)rec->exp, "jti", rec->jti, "vct", s->vct, "status", "status_list",
                  "idx", (json_int_t)rec->index, "uri", uri, "issuer_city", s->cfg.issuer_city,
                  "issuer_region", s->cfg.issuer_region, "subject_type", in->subject_type, "model",
                  "version", in->model_version, "digest", in->model_digest);
    if (c != NULL && in->aud != NULL && json_object_set_new(c, "aud", json_string(in->aud)) != 0) {
        json_decref(c);
        return NULL;
    }
    /* `lists` (issue 5 review finding 1): always visible, so a partner can impose a penalty */
    json_t *lists = in->lists != NULL ? json_deep_copy(in->lists) : json_array();
    if (c != NULL && (lists == NULL || json_object_set_new(c, "lists", lists) != 0)) {
        json_decref(c);
        return NULL;
    }
    if (c != NULL &&
        json_object_set_new(c, "disputed_records", json_integer((json_int_t)disputed)) != 0) {
        json_decref(c);
        return NULL;
    }
    if (c == NULL)
        json_decref(lists);
    return c;
}

static yc_err new_jti(char ret[static YC_ATTEST_JTI_LEN + 1])
{
    uint8_t raw[16];
    YC_TRY(yc_crypto_random(raw, sizeof raw));
    return yc_b64url_encode(raw, sizeof raw, ret);
}

static yc_err sign_token(yc_attest_service *s, const yc_attest_issue_in *in, int64_t now,
                         issue_job *job)
{
    const yc_key_info *info = NULL;
    const yc_ed25519_key *key = NULL;
    json_t *claims = NULL;
    uint64_t disputed = 0;
    yc_err rv = count_disputed(s, in->subject_id, &disputed); /* before the keyring's lock */
    if (rv != YC_OK)
        return rv;
    pthread_rwlock_rdlock(&s->kr_lock);
    if (s->kr == NULL ||
        (rv = yc_keyring_signer(s->kr, YC_KEY_ATTESTATION, now, &info, &key)) != YC_OK) {
        rv = YC_ERR_NOT_FOUND;
        goto out;
    }
    memcpy(job->rec.kid, info->kid, sizeof job->rec.kid);
    char header[160];
    int n = snprintf(header, sizeof header, "{\"alg\":\"%s\",\"typ\":\"dc+sd-jwt\",\"kid\":\"%s\"}",
                     alg_is_ed25519(s, in) ? "Ed25519" : "EdDSA", info->kid);
    if (n < 0 || (size_t)n >= sizeof header) {
        rv = YC_ERR_INTERNAL;
        goto out;
    }
    claims = visible_claims(s, in, &job->rec, job->uri, disputed);
    if (claims == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    uint8_t r = 0;
    if ((rv = yc_crypto_random(&r, 1)) != YC_OK)
        goto out;
    size_t decoys = YC_ATTEST_DECOYS_MIN + r % (YC_ATTEST_DECOYS_MAX - YC_ATTEST_DECOYS_MIN + 1);
    rv = yc_sdjwt_issue(header, (size_t)n, claims, in->disclosable, decoys, key, &job->token,
                        &job->token_len);
out:
    pthread_rwlock_unlock(&s->kr_lock);
    json_decref(claims);
    return rv;
}

static bool text_ok(const char *s, size_t max)
{
    size_t len = strlen(s);
    return len <= max;
}

yc_err yc_attest_issue(yc_attest_service *s, const yc_attest_issue_in *in, int64_t now,
                       yc_attest_issue_fn done, void *ctx)
{
    YC_ENSURE(in->subject_id != NULL && strlen(in->subject_id) >= 1 &&
                  strlen(in->subject_id) <= YC_SUBJECT_ID_MAX,
              YC_ERR_INVALID);
    YC_ENSURE(in->aud == NULL || (in->aud[0] != '\0' && text_ok(in->aud, YC_ATTEST_AUD_MAX)),
              YC_ERR_INVALID);
    YC_ENSURE(in->validity_days >= 1 && in->validity_days <= s->cfg.max_validity_days,
              YC_ERR_INVALID);
    YC_ENSURE(json_is_object(in->disclosable), YC_ERR_INVALID);
    YC_ENSURE(in->lists == NULL || json_is_array(in->lists), YC_ERR_INVALID);
    YC_ENSURE(now >= 0, YC_ERR_INVALID);
    keys_refresh(s, now);
    issue_job *job = yc_calloc(1, sizeof *job);
    YC_ENSURE(job != NULL, YC_ERR_NOMEM);
    job->s = s;
    job->done = done;
    job->ctx = ctx;
    yc_store_attestation *rec = &job->rec;
    memcpy(rec->subject_id, in->subject_id, strlen(in->subject_id) + 1);
    if (in->aud != NULL)
        memcpy(rec->aud, in->aud, strlen(in->aud) + 1);
    rec->iat = now;
    rec->exp = now + (int64_t)in->validity_days * 86400;
    rec->state = YC_ATTEST_VALID;
    yc_err rv = new_jti(rec->jti);
    if (rv != YC_OK)
        goto fail;
    pthread_mutex_lock(&s->lists_mu);
    rv = list_alloc(s, &rec->list, &rec->index);
    pthread_mutex_unlock(&s->lists_mu);
    if (rv != YC_OK)
        goto fail;
    (void)snprintf(job->uri, sizeof job->uri, "%s%" PRIu32, s->uri_prefix, rec->list);
    rv = sign_token(s, in, now, job);
    if (rv == YC_OK)
        rv = yc_store_commit_attestation_put(s->committer, rec, issue_committed, job);
    if (rv == YC_OK)
        return YC_OK;
    list_release(s, rec->list, rec->index);
fail:
    yc_free(job->token);
    yc_free(job);
    return rv;
}

/* ---- revocation and suspension ---- */

typedef struct state_job {
    yc_attest_service *s;
    yc_attest_state_fn done;
    void *ctx;
    yc_store_attestation rec; /* after the change */
} state_job;

static void state_committed(void *ctx, yc_err rv)
{
    state_job *job = ctx;
    if (rv == YC_OK) {
        list_set_state(job->s, job->rec.list, job->rec.index, job->rec.state);
        job->done(job->ctx, YC_OK, &job->rec);
    } else
        job->done(job->ctx, rv, NULL);
    yc_free(job);
}

/* The states a change to @p to may start from (bit 1 << state): valid or suspended →
 * revoked; valid → suspended; suspended → valid.  Revocation is final. */
static unsigned from_mask(yc_attest_state to)
{
    switch (to) {
    case YC_ATTEST_REVOKED:
        return 1u << YC_ATTEST_VALID | 1u << YC_ATTEST_SUSPENDED;
    case YC_ATTEST_SUSPENDED:
        return 1u << YC_ATTEST_VALID;
    case YC_ATTEST_VALID:
        return 1u << YC_ATTEST_SUSPENDED;
    }
    return 0;
}

static bool transition_ok(unsigned from, yc_attest_state to)
{
    return from <= YC_ATTEST_SUSPENDED && (from_mask(to) & (1u << from)) != 0;
}

yc_err yc_attest_set_state(yc_attest_service *s, const char *jti, yc_attest_state state,
                           const char *reason, int64_t now, yc_attest_state_fn done, void *ctx)
{
    YC_ENSURE(strlen(jti) == YC_ATTEST_JTI_LEN && text_ok(reason, YC_ATTEST_REASON_MAX),
              YC_ERR_INVALID);
    state_job *job = yc_calloc(1, sizeof *job);
    YC_ENSURE(job != NULL, YC_ERR_NOMEM);
    job->s = s;
    job->done = done;
    job->ctx = ctx;
    yc_err rv = yc_store_attestation_get(s->store, jti, &job->rec);
    if (rv == YC_OK && !transition_ok(job->rec.state, state))
        rv = YC_ERR_CONFLICT;
    if (rv == YC_OK) {
        job->rec.state = (uint8_t)state;
        job->rec.state_at = now;
        memcpy(job->rec.reason, reason, strlen(reason) + 1);
        rv = yc_store_commit_attestation_transition(s->committer, jti, state, from_mask(state), now,
                                                    reason, state_committed, job);
    }
    if (rv != YC_OK)
        yc_free(job);
    return rv;
}

const char *yc_attest_state_name(const yc_store_attestation *rec, int64_t now)
{
    if (rec->state == YC_ATTEST_REVOKED)
        return "revoked";
    if (rec->exp <= now)
        return "expired";
    return rec->state == YC_ATTEST_SUSPENDED ? "suspended" : "valid";
}

/* ---- publishing ---- */

static yc_err make_etag(const char *token, size_t len, char ret[static YC_ATTEST_ETAG_LEN + 1])
{
    uint8_t digest[32];
    yc_crypto_sha256(token, len, digest);
    char b64[44];
    YC_TRY(yc_b64url_encode(digest, sizeof digest, b64));
    ret[0] = '"';
    memcpy(ret + 1, b64, YC_ATTEST_ETAG_LEN - 2);
    ret[YC_ATTEST_ETAG_LEN - 1] = '"';
    ret[YC_ATTEST_ETAG_LEN] = '\0';
    return YC_OK;
}

/* Re-sign list l (lists_mu held) when it changed, its key changed or half its ttl passed. */
static yc_err list_token(yc_attest_service *s, uint32_t id, sl_list *l, int64_t now)
{
    const yc_key_info *info = NULL;
    const yc_ed25519_key *key = NULL;
    yc_err rv = YC_OK;
    pthread_rwlock_rdlock(&s->kr_lock);
    if (s->kr == NULL || yc_keyring_signer(s->kr, YC_KEY_STATUS_LIST, now, &info, &key) != YC_OK) {
        rv = YC_ERR_AGAIN;
        goto out;
    }
    const int64_t ttl = s->cfg.status_list_ttl_s;
    if (l->token != NULL && l->token_version == l->version && now - l->token_iat < ttl / 2 + 1 &&
        now >= l->token_iat && strcmp(l->token_kid, info->kid) == 0)
        goto out;
    char uri[YC_ATTEST_URI_MAX + 1];
    (void)snprintf(uri, sizeof uri, "%s%" PRIu32, s->uri_prefix, id);
    char *token = NULL;
    size_t len = 0;
    rv = yc_attest_status_list_token(l->values, uri, now, now + 2 * ttl, ttl, key, info->kid,
                                     &token, &len);
    if (rv == YC_OK)
        rv = make_etag(token, len, l->etag);
    if (rv != YC_OK) {
        yc_free(token);
        goto out;
    }
    yc_free(l->token);
    l->token = token;
    l->token_len = len;
    l->token_iat = now;
    l->token_version = l->version;
    memcpy(l->token_kid, info->kid, sizeof l->token_kid);
out:
    pthread_rwlock_unlock(&s->kr_lock);
    return rv;
}

yc_err yc_attest_status_list(yc_attest_service *s, uint32_t id, int64_t now, char **ret_token,
                             size_t *ret_len, char ret_etag[static YC_ATTEST_ETAG_LEN + 1])
{
    keys_refresh(s, now);
    pthread_mutex_lock(&s->lists_mu);
    yc_err rv = id >= 1 && id <= s->n_lists ? YC_OK : YC_ERR_NOT_FOUND;
    sl_list *l = rv == YC_OK ? &s->lists[id - 1] : NULL;
    if (rv == YC_OK)
        rv = list_token(s, id, l, now);
    if (rv == YC_OK) {
        char *copy = yc_alloc(l->token_len + 1);
        if (copy == NULL)
            rv = YC_ERR_NOMEM;
        else {
            memcpy(copy, l->token, l->token_len + 1);
            *ret_token = copy;
            *ret_len = l->token_len;
            memcpy(ret_etag, l->etag, YC_ATTEST_ETAG_LEN + 1);
        }
    }
    pthread_mutex_unlock(&s->lists_mu);
    return rv;
}

yc_err yc_attest_jwks(yc_attest_service *s, int64_t now, char **ret_json, size_t *ret_len)
{
    keys_refresh(s, now);
    pthread_rwlock_rdlock(&s->kr_lock);
    yc_err rv = s->kr != NULL ? yc_keyring_jwks_json(s->kr, now, ret_json, ret_len)
                              : yc_attest_jwks_json(NULL, 0, ret_json, ret_len);
    pthread_rwlock_unlock(&s->kr_lock);
    return rv;
}

/* ---- verifying ---- */

/* Status of this instance's own tokens: straight from the lists. */
static yc_err own_status(void *ctx, const char *uri, uint64_t idx, unsigned *ret_status)
{
    yc_attest_service *s = ctx;
    YC_ENSURE(strncmp(uri, s->uri_prefix, s->uri_prefix_len) == 0, YC_ERR_NOT_FOUND);
    const char *p = uri + s->uri_prefix_len;
    uint64_t id = 0;
    size_t digits = 0;
    for (; p[digits] >= '0' && p[digits] <= '9' && digits < 10; digits++)
        id = id * 10 + (uint64_t)(p[digits] - '0');
    YC_ENSURE(digits >= 1 && p[digits] == '\0' && p[0] != '0', YC_ERR_NOT_FOUND);
    yc_err rv = YC_ERR_NOT_FOUND;
    pthread_mutex_lock(&s->lists_mu);
    if (id >= 1 && id <= s->n_lists && idx < s->cfg.status_list_entries)
        rv = yc_status_list_get(s->lists[id - 1].values, (size_t)idx, ret_status);
    pthread_mutex_unlock(&s->lists_mu);
    return rv;
}

yc_err yc_attest_verify(yc_attest_service *s, const char *token, size_t len, const char *aud,
                        int64_t now, yc_av_verdict *ret)
{
    if (aud == NULL) /* a caller without an audience accepts any aud (attest_service.h) */
        aud = yc_av_any_aud;
    keys_refresh(s, now);
    trust_refresh(s, now);
    /* this instance's keys are copied and kr_lock released before anything takes lists_mu
     * (own_status): yc_attest_status_list() takes lists_mu, then kr_lock */
    pthread_rwlock_rdlock(&s->kr_lock);
    size_t n_keys = s->kr != NULL ? yc_keyring_count(s->kr) : 0;
    yc_av_key *keys = yc_calloc(n_keys ? n_keys : 1, sizeof *keys);
    size_t k = 0;
    for (size_t i = 0; keys != NULL && i < n_keys; i++) {
        const yc_key_info *info = yc_keyring_info(s->kr, i);
        yc_key_state st = yc_keyring_state(info, now);
        if (info->purpose == YC_KEY_ATTESTATION && st != YC_KEY_DROPPED) {
            memcpy(keys[k].kid, info->kid, sizeof keys[k].kid);
            memcpy(keys[k].pk, info->pk, sizeof keys[k].pk);
            k++;
        }
    }
    pthread_rwlock_unlock(&s->kr_lock);
    /* the partners' issuers point into s->trust: held for the whole verification */
    pthread_rwlock_rdlock(&s->trust_lock);
    const yc_av_issuer *partners = NULL;
    size_t n_partners = s->trust != NULL ? yc_trust_issuers(s->trust, &partners) : 0;
    yc_av_issuer *issuers = yc_calloc(n_partners + 1, sizeof *issuers);
    yc_err rv = YC_ERR_NOMEM;
    if (keys != NULL && issuers != NULL) {
        issuers[0] = (yc_av_issuer){.iss = s->cfg.issuer,
                                    .city = s->cfg.issuer_city,
                                    .keys = keys,
                                    .n_keys = k,
                                    .status = own_status,
                                    .status_ctx = s};
        for (size_t i = 0; i < n_partners; i++)
            issuers[1 + i] = partners[i];
        rv = yc_av_verify(token, len, issuers, n_partners + 1, now, aud, ret);
    }
    pthread_rwlock_unlock(&s->trust_lock);
    yc_free(keys);
    yc_free(issuers);
    return rv;
}

static bool typ_ok(const char *typ)
{
    size_t n = strlen(typ);
    if (n == 0 || n > YC_ATTEST_JWS_TYP_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)typ[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '+' || c == '-'))
            return false;
    }
    return true;
}

yc_err yc_attest_sign_jws(yc_attest_service *s, const char *typ, const void *payload,
                          size_t payload_len, int64_t now, char **ret_token, size_t *ret_len,
                          char *ret_kid)
{
    if (s == NULL || typ == NULL || payload == NULL || payload_len == 0 || ret_token == NULL ||
        ret_len == NULL || !typ_ok(typ))
        return YC_ERR_INVALID;
    keys_refresh(s, now);
    const yc_key_info *info = NULL;
    const yc_ed25519_key *key = NULL;
    yc_err rv = YC_OK;
    pthread_rwlock_rdlock(&s->kr_lock);
    if (s->kr == NULL || yc_keyring_signer(s->kr, YC_KEY_ATTESTATION, now, &info, &key) != YC_OK) {
        rv = YC_ERR_NOT_FOUND;
        goto out;
    }
    char header[64 + YC_ATTEST_JWS_TYP_MAX + YC_JWK_THUMBPRINT_LEN];
    int n = snprintf(header, sizeof header, "{\"alg\":\"EdDSA\",\"typ\":\"%s\",\"kid\":\"%s\"}",
                     typ, info->kid);
    if (n < 0 || (size_t)n >= sizeof header) {
        rv = YC_ERR_INTERNAL;
        goto out;
    }
    rv = yc_jws_sign_capped(header, (size_t)n, payload, payload_len, key,
                            YC_JWS_MAX_LARGE_TOKEN_BYTES, ret_token, ret_len);
    if (rv == YC_OK && ret_kid != NULL)
        memcpy(ret_kid, info->kid, YC_JWK_THUMBPRINT_LEN + 1);
out:
    pthread_rwlock_unlock(&s->kr_lock);
    return rv;
}

yc_store_committer *yc_attest_committer(yc_attest_service *s)
{
    return s->committer;
}

yc_err yc_attest_partner_region(yc_attest_service *s, const char *issuer, char ret[static 7])
{
    if (strcmp(issuer, s->cfg.issuer) == 0) {
        memcpy(ret, s->cfg.issuer_region, 7);
        return YC_OK;
    }
    /* the registry the verifier used (trust_refresh() keeps it within a second of the file) */
    yc_err rv = YC_ERR_NOT_FOUND;
    pthread_rwlock_rdlock(&s->trust_lock);
    const yc_av_issuer *is = NULL;
    const size_t n = s->trust != NULL ? yc_trust_issuers(s->trust, &is) : 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(is[i].iss, issuer) != 0)
            continue;
        rv = YC_ERR_INVALID;
        if (is[i].region != NULL && strlen(is[i].region) == 6) {
            memcpy(ret, is[i].region, 7);
            rv = YC_OK;
        }
        break;
    }
    pthread_rwlock_unlock(&s->trust_lock);
    return rv;
}

yc_err yc_attest_partner_key(yc_attest_service *s, const char *kid, int64_t now,
                             yc_attest_partner *ret)
{
    YC_ENSURE(s != NULL && kid != NULL && ret != NULL, YC_ERR_INVALID);
    trust_refresh(s, now);
    yc_attest_partner p = {.iss = ""};
    yc_err rv = YC_ERR_NOT_FOUND;
    /* a registry that does not load trusts no partner (trust_refresh(), as for verify) */
    pthread_rwlock_rdlock(&s->trust_lock);
    const yc_av_issuer *is = NULL;
    const size_t n = s->trust != NULL ? yc_trust_issuers(s->trust, &is) : 0;
    for (size_t i = 0; i < n && rv == YC_ERR_NOT_FOUND; i++)
        for (size_t k = 0; k < is[i].n_keys && rv == YC_ERR_NOT_FOUND; k++)
            if (strcmp(is[i].keys[k].kid, kid) == 0 && strlen(is[i].iss) < sizeof p.iss) {
                memcpy(p.pk, is[i].keys[k].pk, sizeof p.pk);
                memcpy(p.iss, is[i].iss, strlen(is[i].iss) + 1);
                rv = YC_OK;
            }
    pthread_rwlock_unlock(&s->trust_lock);
    if (rv == YC_OK)
        rv = yc_attest_partner_region(s, p.iss, p.region);
    if (rv == YC_OK)
        *ret = p;
    return rv;
}
