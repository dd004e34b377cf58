/* Internals of svc/api/ shared by the router, the problem builder and the handlers. */
#ifndef YRDCREDIT_API_INT_H
#define YRDCREDIT_API_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "yrdcredit/api.h"
#include "yrdcredit/attest_service.h"
#include "yrdcredit/clients.h"
#include "yrdcredit/config.h"
#include "yrdcredit/date.h"
#include "yrdcredit/import.h"
#include "yrdcredit/lists.h"
#include "yrdcredit/measures.h"
#include "yrdcredit/ratelimit.h"
#include "yrdcredit/recognition.h"
#include "yrdcredit/record.h"
#include "yrdcredit/score.h"
#include "yrdcredit/shared.h"
#include "yrdcredit/store.h"

/* The score response cache of one worker (cache.c); not thread-safe: one per worker. */
typedef struct yc_score_cache yc_score_cache;

/* The score model and the 联合奖惩 policy files, loaded together (policy.c).  Immutable once
 * installed; a reload installs a new one.  Hold one with yc_api_policy_acquire() for the whole
 * request: it stays valid until yc_api_policy_release(), whatever reloads happen meanwhile. */
typedef struct yc_policy_snap {
    _Atomic unsigned long refs;       /* private to policy.c */
    uint64_t generation;              /* 1 for the first snapshot, +1 per reload */
    yc_model *model;                  /* never NULL */
    yc_window windows[YC_CODE_COUNT]; /* the model's publication windows */
    yc_calendar *calendar;            /* never NULL */
    yc_list_rules *lists;             /* DATA/policy/lists.json; NULL: did not load */
    yc_recognition *recognition;      /* DATA/policy/recognition.json; NULL: did not load */
    yc_catalogue **catalogues;        /* DATA/policy/measures/<region>.json, sorted by */
    size_t n_catalogues;              /* region; NULL: did not load (all or none) */
} yc_policy_snap;

/* Longest reason a policy load gives, bytes with the NUL. */
enum { YC_POLICY_WHY_MAX = 512 };

struct yc_api {
    yc_config cfg;
    char data_dir[4096];
    char config_file[4096];    /* "" = data_dir/config.json (read again by a reload) */
    yc_rules *rules;           /* NULL: not ready */
    yc_store *store;           /* NULL: not ready */
    yc_attest_service *attest; /* NULL: no store, or the issuer could not be opened */
    pthread_mutex_t policy_mu; /* guards policy (the pointer and taking a reference) */
    yc_policy_snap *policy;    /* NULL: the model did not load (not ready) */
    pthread_mutex_t reload_mu; /* one reload at a time */
    size_t max_body;
    size_t cache_entries;                       /* per worker; 0: no cache */
    yc_score_cache *caches[YC_API_WORKERS_MAX]; /* created by each worker on first use */
    /* The client registry (identify.c): an immutable snapshot replaced when its stamp changes,
     * checked at most once a second by the thread that wins clients_checked. */
    pthread_rwlock_t clients_lock;   /* guards clients and clients_stamp */
    yc_clients *clients;             /* NULL: none loaded (nobody is recognised) */
    uint64_t clients_stamp;          /* yc_clients_stamp() taken before clients was loaded */
    _Atomic int64_t clients_checked; /* CLOCK_MONOTONIC second of the last check */
    /* mTLS pins of the trust registry (identify.c, issue 6 F): reloaded with the clients, under
     * clients_lock; NULL when partners.json does not load (pinned partners are then refused) */
    struct yc_trust_mtls *mtls;
    uint64_t mtls_stamp; /* yc_trust_mtls_stamp() taken before mtls was loaded */
    /* issue 6 B fields */
    yc_store_committer *qlog; /* the query log's committer (10 ms window); NULL: not running,
                                 reads by clients answer 503 (access.c) */
    /* issue 6 C fields */
    /* issue 6 D fields */
    /* issue 6 E fields */
    yc_ratelimit *rl_clients; /* per client id (not admins); NULL: off (ratelimit.c) */
    yc_ratelimit *rl_verify;  /* per peer address, anonymous POST /v1/attestations/verify */
    /* issue 7 I fields */
    /* POST /v1/records' committer (window 0); NULL: not running, the POST answers 503 */
    yc_store_committer *ingest;
    /* records queued on it, at most YC_API_INGEST_QUEUED_MAX (records.c) */
    _Atomic size_t ingest_queued;
};

/* The client registry of an instance (identify.c): load at open (a failure is reported on
 * stderr and leaves nobody recognised; the instance still opens), free at close. */
void yc_api_clients_open(yc_api *api);
void yc_api_clients_close(yc_api *api);

/* Load a snapshot: the model (required) and calendar of cfg, and DATA/policy/.  strict: any
 * policy file failing fails the load (a reload); otherwise a failing part is left NULL and
 * why names it (the first start).  why: YC_POLICY_WHY_MAX bytes suffice; "" when all loaded.
 * YC_ERR_INVALID / YC_ERR_IO / YC_ERR_NOT_FOUND / YC_ERR_TOO_LARGE / YC_ERR_NOMEM. */
yc_err yc_policy_snap_load(const yc_config *cfg, const char *data_dir, bool strict,
                           yc_policy_snap **ret, char *why, size_t why_len);
/* Drop one reference; the last one frees the snapshot.  NULL is a no-op. */
void yc_policy_snap_unref(yc_policy_snap *p);
/* The current snapshot with a reference taken, or NULL (not ready: answer 503). */
const yc_policy_snap *yc_api_policy_acquire(yc_api *api);
/* Is a snapshot installed (the model loaded)? */
bool yc_api_policy_loaded(yc_api *api);
/* Release a snapshot from yc_api_policy_acquire() (NULL is a no-op). */
void yc_api_policy_release(yc_api *api, const yc_policy_snap *p);
/* The catalogue of region (6 digits, NUL-terminated), or NULL: none, or catalogues not loaded. */
const yc_catalogue *yc_policy_catalogue(const yc_policy_snap *p, const char *region);
/* A measure as GET /v1/measures shows it (measures.c); NULL on allocation failure. */
json_t *yc_api_measure_json(const char *region, const yc_measure *m);

/* A cache of 1..YC_API_SCORE_CACHE_MAX entries. */
yc_err yc_score_cache_new(size_t entries, yc_score_cache **ret);
void yc_score_cache_free(yc_score_cache *c);
/* The body cached for (id, as_of) if its stamp equals generation and it was computed with the
 * policy snapshot of generation policy_gen (a reload may change the model), else NULL (a miss). The
 * pointer is valid until the next put on this cache. */
const char *yc_score_cache_get(yc_score_cache *c, const char *id, size_t id_len, yc_date as_of,
                               uint64_t generation, uint64_t policy_gen, size_t *ret_len);
/* Keep a copy of body for (id, as_of) stamped with stamp and policy_gen; evicts at the bound; best
 * effort (bodies over YC_API_SCORE_CACHE_BODY_MAX and allocation failures are not kept). */
void yc_score_cache_put(yc_score_cache *c, const char *id, size_t id_len, yc_date as_of,
                        uint64_t stamp, uint64_t policy_gen, const char *body, size_t body_len);
void yc_score_cache_stats(const yc_score_cache *c, yc_api_cache_stats *ret);

/* Fill res with a problem+json body; field may be NULL (then omitted). */
yc_err yc_api_problem(yc_api_response *res, int status, const char *kind, const char *title,
                      const char *detail, const char *field);
/* Fill res with status and the compact JSON of obj (reference stolen). */
yc_err yc_api_json(yc_api_response *res, int status, json_t *obj);
/* Fill res with a copy of len bytes of JSON text. */
yc_err yc_api_raw(yc_api_response *res, int status, const char *json, size_t len);
/* Map a store/engine error to a problem response. */
yc_err yc_api_error(yc_api_response *res, yc_err e);
/* 400 invalid-field naming a JSON Pointer (or "" for the whole body). */
yc_err yc_api_bad_field(yc_api_response *res, const char *pointer, const char *detail);
/* 400 invalid-parameter naming a path or query parameter. */
yc_err yc_api_bad_param(yc_api_response *res, const char *name, const char *detail);
/* A problem (type urn:yrdcredit:problem:<kind>) with one more member key: value; value is
 * stolen, also on failure (YC_ERR_NOMEM). */
yc_err yc_api_problem_with(yc_api_response *res, int status, const char *kind, const char *title,
                           const char *detail, const char *field, const char *key, json_t *value);
/* 503 not-ready when the instance lacks model, rules or store; returns true if answered. */
bool yc_api_not_ready(yc_api *api, yc_api_response *res, yc_err *ret);

/* Query parameters: at most this many, each name unique. */
enum { YC_API_QPARAMS_MAX = 8 };
typedef struct yc_api_qparam {
    const char *name, *value;
    size_t name_len, value_len;
} yc_api_qparam;
typedef struct yc_api_query {
    yc_api_qparam p[YC_API_QPARAMS_MAX];
    size_t n;
    char buf[YC_API_QUERY_MAX + 1]; /* the names and values that had percent-escapes, decoded */
    size_t buf_used;
} yc_api_query;

/* Parse req->query and check that only the allowed names (NULL-terminated list) occur,
 * each once; names and values are percent-decoded (yc_api_pct_decode()), empty components
 * skipped; on failure res holds the 400 problem and false is returned.  The values point into
 * query or into q. */
bool yc_api_query_parse(const char *query, const char *const *allowed, yc_api_query *q,
                        yc_api_response *res, yc_err *ret);
/* The value of a parameter, or NULL (then *len is 0). */
const char *yc_api_query_get(const yc_api_query *q, const char *name, size_t *len);
/* The checks of the query parameters' values (decoded; len bytes, not NUL-terminated); *ret is
 * written only when valid. */
bool yc_api_parse_as_of(const char *v, size_t len, yc_date *ret);   /* YYYY-MM-DD, 1900..2099 */
bool yc_api_parse_limit(const char *v, size_t len, uint64_t *ret);  /* 1..3 digits, 1..100 */
bool yc_api_parse_cursor(const char *v, size_t len, uint64_t *ret); /* 'r' + 1..20 digits */
bool yc_api_parse_atomic(const char *v, size_t len, bool *ret);     /* true or false */
/* Media type of a Content-Type value equals type (case-insensitive, parameters ignored). */
bool yc_api_media_type_is(const char *content_type, const char *type);
/* The Content-Type value (NULL: absent) has no charset parameter, or only charset=utf-8
 * (case-insensitive, quoted or not); false also for unparsable parameters (RFC 9110 §5.6.6). */
bool yc_api_charset_is_utf8(const char *content_type);
/* A member name that may appear in a problem or a result: 1..32 bytes of [A-Za-z0-9_] without
 * a run of 6 digits (the importer's rule for naming keys, docs/formats.md §5), so it is never
 * a document number and needs no JSON Pointer escaping (RFC 6901 §3). */
bool yc_api_key_is_nameable(const char *key);

/* Deferred answers (pending.c).  A handler defers by: yc_api_pending_new(&p); hand p to some
 * other thread that later calls yc_api_pending_complete(p, &answer); set res->status = 0,
 * res->pending = p; return YC_OK.  Bind (yc_api_pending_bind()) and complete may come in either
 * order, on any threads. */
yc_err yc_api_pending_new(yc_api_pending **ret); /* YC_ERR_NOMEM */
/* Any thread, once per pending: moves res (status, content_type, allow, body) into p and
 * zeroes res; the bound callback runs now on this thread if p is bound. */
void yc_api_pending_complete(yc_api_pending *p, yc_api_response *res);
/* The handler could not hand p out (e.g. a queue is full): free it (never bound, never
 * completed) before returning a normal response. */
void yc_api_pending_abandon(yc_api_pending *p);

/* Handlers, one file per OpenAPI tag. */
yc_err yc_api_get_healthz(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_get_readyz(yc_api *api, const yc_api_request *req, yc_api_response *res);
/* The subject id segment of the path, id_len bytes, not yet checked (the handler answers 400
 * subject_id for an invalid one, as the router does for the other subject routes). */
yc_err yc_api_get_score(yc_api *api, const yc_api_request *req, const char *id, size_t id_len,
                        yc_api_response *res);
yc_err yc_api_list_records(yc_api *api, const yc_api_request *req, const char *subject_id,
                           yc_api_response *res);
yc_err yc_api_post_records(yc_api *api, const yc_api_request *req, yc_api_response *res);
/* POST /v1/shared-records (importSharedRecords, shared_records.c): a partner's signed batch of
 * merchant records (application/jose), verified and stored, or refused whole with a reason. */
yc_err yc_api_post_shared_records(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_lookup_subject(yc_api *api, const yc_api_request *req, yc_api_response *res);
/* GET /v1/measures?region=&matter= (listMeasures). */
yc_err yc_api_list_measures(yc_api *api, const yc_api_request *req, yc_api_response *res);
/* OpenAPI tag "decisions" (decisions.c): POST /v1/decisions (createDecision); GET
 * /v1/decisions/{id} (getDecision; id: the path segment, id_len bytes, not yet checked). */
yc_err yc_api_create_decision(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_get_decision(yc_api *api, const yc_api_request *req, const char *id, size_t id_len,
                           yc_api_response *res);
/* A local subject's evidence (evidence.c; issue 5 review finding 11). */
typedef struct yc_api_local_evidence {
    yc_subject_type subject_type;
    int score;                          /* 0..1000 */
    char grade[2];                      /* "A".."D" for a merchant, else "" */
    char band[32];                      /* band code for an individual, else "" */
    yc_listing listings[YC_LIST_COUNT]; /* yc_lists_derive() at as_of, legal_basis borrowed
                                           from snap->lists */
    size_t n_listings;
    json_t *score_json; /* the score object when asked for (want_json), else NULL */
} yc_api_local_evidence;
/* Records of sid -> the shared ones this instance recognises -> score at as_of -> listings.
 * False when answered: 404 (no records, or none that count here; field names the subject),
 * 503 (lists.json not loaded), or the store's or model's error; ev is then cleared.  snap
 * non-NULL (its model loaded).  Release with yc_api_local_evidence_clear(). */
bool yc_api_local_evidence_get(yc_api *api, const yc_policy_snap *snap, const char *sid,
                               yc_date as_of, const char *field, bool want_json,
                               yc_api_local_evidence *ev, yc_api_response *res, yc_err *ret);
void yc_api_local_evidence_clear(yc_api_local_evidence *ev);
/* 16 random bytes (yc_crypto_random()) as 22 base64url characters and a NUL, for the ids of
 * decisions and shared batches (evidence.c; review finding 12). */
YC_MUST_USE yc_err yc_api_random_id22(char ret[static 23]);
/* The `lists` claim of an attestation (decisions.c): the listings in effect (not pending) as
 * [{"list", "from": effective_from or start, "to": end or null, "codes": [record codes]}];
 * NULL on allocation failure. */
json_t *yc_api_listings_claim(const yc_listing *ls, size_t n);
/* Growable buffer of the JSON Lines handed to the importer (records.c; also shared_records.c,
 * review finding 10).  Zero-initialise; release buf with yc_free(). */
typedef struct yc_api_lines {
    char *buf;
    size_t len, cap;
} yc_api_lines;
/* Append n bytes of p and a '\n'; false on allocation failure (l unchanged). */
bool yc_api_lines_add(yc_api_lines *l, const void *p, size_t n);
/* Append the compact dump of object o (json_dumps flags) as one line.  YC_ERR_NOMEM. */
YC_MUST_USE yc_err yc_api_lines_add_json(yc_api_lines *l, const json_t *o, size_t flags);
/* Cut NUL-terminated s (a buffer of cap bytes, just filled by snprintf) at a UTF-8 character
 * boundary: a character the byte limit split is dropped whole (shared_records.c, finding 14). */
void yc_api_utf8_cut(char *s, size_t cap);
/* ---- issue 6 B: purpose, consent, query log (access.c) ---- */
#include "yrdcredit/store_access.h"
/* Start (at yc_api_open(), after the store) and stop (at yc_api_close()) api->qlog. */
void yc_api_access_open(yc_api *api);
void yc_api_access_close(yc_api *api);
/* ---- issue 7 I: POST /v1/records off the worker (records.c) ---- */
/* Start (at yc_api_open(), after the store) and stop (at yc_api_close(), which commits what is
 * queued and answers every deferred POST) api->ingest. */
void yc_api_records_open(yc_api *api);
void yc_api_records_close(yc_api *api);
/* The four reads of a subject's data the query log records (item 3). */
typedef enum yc_api_read_kind {
    YC_API_READ_SCORE,            /* getSubjectScore, route code "score", scope score */
    YC_API_READ_RECORDS,          /* listSubjectRecords, "records", scope records */
    YC_API_READ_ATTESTATIONS,     /* listAttestations, "attestations", scope attestations */
    YC_API_READ_ATTESTATION_ISSUE /* issueAttestation, "attestations.issue", attestations */
} yc_api_read_kind;
/* What a handler read, for yc_api_access_end(); filled by yc_api_access_check(). */
typedef struct yc_api_read_note {
    bool armed;   /* a client passed the purpose check for subject_id */
    bool refused; /* ... and its consent was refused (the 403 is logged too) */
    int64_t at_ms;
    char subject_id[YC_SUBJECT_ID_MAX + 1];
    char purpose[YC_STORE_PURPOSE_MAX + 1]; /* "" = none */
    char consent_id[YC_CONSENT_ID_LEN + 1]; /* "" = none */
    const char *route;                      /* static route code */
} yc_api_read_note;
/* Purpose and consent of a read of sid (item 2), for a caller with a client token (others
 * pass): purpose (purpose_len bytes; NULL = absent) of the vocabulary and for sid's kind,
 * required when yc_authz_needs_purpose(); consent_id (NULL = absent) of the shape cs_ + 22;
 * for an fi reading an individual ('P') a consent that covers the read (403 consent-refused
 * with `reason` = yc_consent_reason_code()).  Problems name `purpose` / `consent_id`, or
 * `/purpose` / `/consent_id` when in_body.  Notes the read for the query log.  False when
 * answered (*ret set). */
bool yc_api_access_check(yc_api *api, const yc_api_request *req, yc_api_read_kind kind,
                         const char *sid, const char *purpose, size_t purpose_len,
                         const char *consent_id, size_t consent_len, bool in_body,
                         yc_api_response *res, yc_err *ret);
/* Around dispatch in yc_api_handle(): begin makes note the request's note (thread-local);
 * end logs a noted read with the status answered and defers res until the entry is durable
 * (503 when it cannot be); returns the yc_err to go on with. */
void yc_api_access_begin(yc_api_read_note *note);
YC_MUST_USE yc_err yc_api_access_end(yc_api *api, const yc_api_request *req, yc_api_read_note *note,
                                     yc_api_response *res, yc_err rv);
/* /v1/me/consents, /v1/me/consents/{id}, /v1/me/queries (createConsent, listConsents,
 * revokeConsent, listMyQueries). */
yc_err yc_api_route_access(yc_api *api, const yc_api_request *req, yc_api_response *res);
/* createDecision on the local evidence of sid (decisions.c; breaker report defect 1): note the
 * read for the query log (route code "decision", no purpose, no consent: its legal basis is
 * 联合奖惩) when the caller has a client token; yc_api_access_end() then logs its 2xx before
 * it is sent.  Anonymous callers (auth.required off) are not logged. */
void yc_api_access_note_decision(const yc_api_request *req, const char *sid);
/* ---- issue 6 C: objections, record revocation (objections.c) ---- */
/* Is path (decoded) one of engineer C's: /v1/me/objections, /v1/objections,
 * /v1/objections/..., /v1/records/...? */
bool yc_api_c_route_owns(const char *path);
/* Route one of those paths: createObjection, listMyObjections, listObjections,
 * resolveObjection, revokeRecord; 404 / 405 itself. */
yc_err yc_api_c_route(yc_api *api, const yc_api_request *req, yc_api_response *res);
/* ---- issue 6 D: self-service and repairs (me.c, repairs.c) ---- */
/* The subject the calling client is bound to (me.c), copied into sid; false when answered:
 * 401 without a client, 403 for a client of another role (an admin binds no subject). */
bool yc_api_me_subject(const yc_api_request *req, yc_api_response *res, yc_err *ret,
                       char sid[static YC_SUBJECT_ID_MAX + 1]);
/* Is path (decoded) one of engineer D's: /v1/me, /v1/me/score, /v1/me/records,
 * /v1/me/attestations, /v1/me/repairs, /v1/repairs, /v1/repairs/...? */
bool yc_api_d_route_owns(const char *path);
/* Route one of those paths (me.c): getMe, getMyScore, listMyRecords, issueMyAttestation,
 * createRepair, listMyRepairs, listRepairs, approveRepair, rejectRepair; 404 / 405 itself. */
yc_err yc_api_d_route(yc_api *api, const yc_api_request *req, yc_api_response *res);
/* repairs.c: POST and GET /v1/me/repairs, GET /v1/repairs, POST /v1/repairs/{id}/approve|reject
 * (id: the path segment, id_len bytes, not yet checked). */
yc_err yc_api_create_repair(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_list_my_repairs(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_list_repairs(yc_api *api, const yc_api_request *req, yc_api_response *res);
yc_err yc_api_decide_repair(yc_api *api, const yc_api_request *req, const char *id, size_t id_len,
                            bool approve, yc_api_response *res);
/* The status the API shows for rec on today (Asia/Shanghai; me.c): a record stored active whose
 * maximum publication period has ended (pub_max_end before today, not 长期) is expired.
 * Derived at read time, never written (issue 6 breaker defect 4). */
yc_status yc_api_record_status_on(const yc_record *rec, yc_date today);
/* ---- issue 6 E: audit route, retention, rate limits (audit.c, ratelimit.c) ---- */
/* Most keys each rate limit tracks (clients, addresses); the least recently used goes. */
enum { YC_API_RATE_KEYS_MAX = 4096 };
/* Create the buckets of cfg.rate_limit (a failure leaves that limit off, reported on stderr);
 * free them. */
void yc_api_ratelimit_open(yc_api *api);
void yc_api_ratelimit_close(yc_api *api);
/* Issue 6 item 1: a metered caller (a client other than an admin: per client id; an anonymous
 * POST /v1/attestations/verify: per peer address) over its limit is answered 429
 * too-many-requests with res->retry_after_s; returns true when answered. */
bool yc_api_rate_limited(yc_api *api, const yc_api_request *req, const yc_api_ident *ident,
                         yc_api_response *res, yc_err *ret);
/* GET /v1/audit (getAudit, audit.c): the audit log, newest first, paged, ?action= filter. */
yc_err yc_api_get_audit(yc_api *api, const yc_api_request *req, yc_api_response *res);

/* The 4xx problem+json of a refused shared batch (shared_records.c): status by reason. */
YC_MUST_USE yc_err yc_api_share_refused(yc_api_response *res, const yc_share_result *r);

#endif
