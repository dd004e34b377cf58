/* Token-bucket rate limits (include/yrdcredit/ratelimit.h): issue 6 scope item 1.
 *
 * Tokens are counted in thousandths ("milli-tokens"): a bucket of burst tokens holds up to
 * burst * 1000, a request costs 1000, and each elapsed millisecond adds rate_per_s
 * milli-tokens (rate_per_s tokens per 1000 ms), so the arithmetic is exact in integers.
 * Keys hash (FNV-1a 64, with a per-set random seed so that nobody can aim at one shard) to a
 * shard; a shard is a small array scanned linearly under its mutex. */
#include "yrdcredit/ratelimit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"
#include "yrdcredit/authz.h"
#include "yrdcredit/crypto.h"

enum { MILLI = 1000, SHARDS_MANY = 16, SHARDS_FROM = 256 };

typedef struct bucket {
    uint64_t hash;   /* 0 = free slot */
    int64_t last_ms; /* time of the last refill */
    uint64_t milli;  /* tokens in thousandths, 0..burst * 1000 */
    uint8_t key_len;
    char key[YC_RATELIMIT_KEY_MAX];
} bucket;

typedef struct shard {
    pthread_mutex_t mu;
    size_t n; /* slots in use */
    bucket *slots;
} shard;

struct yc_ratelimit {
    uint64_t rate;    /* milli-tokens per ms = tokens per s */
    uint64_t cap;     /* burst * 1000 */
    uint64_t seed;    /* FNV offset basis, randomised */
    size_t per_shard; /* slots per shard */
    size_t n_shards;  /* 1 or SHARDS_MANY */
    shard shards[];
};

yc_err yc_ratelimit_new(uint32_t rate_per_s, uint32_t burst, size_t max_keys, yc_ratelimit **ret)
{
    YC_ENSURE(ret != NULL, YC_ERR_INVALID);
    YC_ENSURE(rate_per_s >= 1 && rate_per_s <= YC_RATELIMIT_RATE_MAX, YC_ERR_INVALID);
    YC_ENSURE(burst >= 1 && burst <= YC_RATELIMIT_RATE_MAX, YC_ERR_INVALID);
    YC_ENSURE(max_keys >= 1 && max_keys <= YC_RATELIMIT_KEYS_LIMIT, YC_ERR_INVALID);
    const size_t n_shards = max_keys >= SHARDS_FROM ? SHARDS_MANY : 1;
    yc_ratelimit *rl = yc_calloc(1, sizeof *rl + n_shards * sizeof(shard));
    YC_ENSURE(rl != NULL, YC_ERR_NOMEM);
    rl->rate = rate_per_s;
    rl->cap = (uint64_t)burst * MILLI;
    rl->n_shards = n_shards;
    rl->per_shard = (max_keys + n_shards - 1) / n_shards;
    uint8_t seed[8];
    yc_err rv = yc_crypto_random(seed, sizeof seed);
    rl->seed = 0xcbf29ce484222325u;
    for (size_t i = 0; rv == YC_OK && i < sizeof seed; i++)
        rl->seed = (rl->seed << 8 | rl->seed >> 56) ^ seed[i];
    for (size_t i = 0; rv == YC_OK && i < n_shards; i++) {
        rl->shards[i].slots = yc_calloc(rl->per_shard, sizeof(bucket));
        if (rl->shards[i].slots == NULL) {
            rv = YC_ERR_NOMEM;
            break;
        }
        (void)pthread_mutex_init(&rl->shards[i].mu, NULL);
    }
    if (rv != YC_OK) {
        for (size_t i = 0; i < n_shards; i++)
            if (rl->shards[i].slots != NULL) {
                yc_free(rl->shards[i].slots);
                (void)pthread_mutex_destroy(&rl->shards[i].mu);
            }
        yc_free(rl);
        return rv;
    }
    *ret = rl;
    return YC_OK;
}

void yc_ratelimit_free(yc_ratelimit *rl)
{
    if (rl == NULL)
        return;
    for (size_t i = 0; i < rl->n_shards; i++) {
        yc_free(rl->shards[i].slots);
        (void)pthread_mutex_destroy(&rl->shards[i].mu);
    }
    yc_free(rl);
}

static uint64_t key_hash(uint64_t seed, const char *key, size_t len)
{
    uint64_t h = seed;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3u;
    }
    /* FNV's high bits barely depend on the last bytes: mix (MurmurHash3 fmix64) before the
     * shard is taken from them */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h != 0 ? h : 1; /* 0 marks a free slot */
}

/* The bucket of key in s, found or made (dropping the least recently used when full). */
static bucket *find_or_add(const yc_ratelimit *rl, shard *s, uint64_t h, const char *key,
                           size_t len, int64_t now_ms)
{
    size_t lru = 0;
    for (size_t i = 0; i < s->n; i++) {
        bucket *b = &s->slots[i];
        if (b->hash == h && b->key_len == len && memcmp(b->key, key, len) == 0)
            return b;
        if (b->last_ms < s->slots[lru].last_ms)
            lru = i;
    }
    bucket *b = s->n < rl->per_shard ? &s->slots[s->n++] : &s->slots[lru];
    *b = (bucket){.hash = h, .last_ms = now_ms, .milli = rl->cap, .key_len = (uint8_t)len};
    memcpy(b->key, key, len);
    return b;
}

bool yc_ratelimit_take(yc_ratelimit *rl, const char *key, size_t key_len, int64_t now_ms,
                       uint32_t *ret_retry_after_s)
{
    if (rl == NULL || key == NULL || key_len == 0)
        return true;
    if (key_len > YC_RATELIMIT_KEY_MAX)
        key_len = YC_RATELIMIT_KEY_MAX;
    const uint64_t h = key_hash(rl->seed, key, key_len);
    shard *s = &rl->shards[rl->n_shards == 1 ? 0 : (size_t)(h >> 32) % rl->n_shards];
    (void)pthread_mutex_lock(&s->mu);
    bucket *b = find_or_add(rl, s, h, key, key_len, now_ms);
    if (now_ms > b->last_ms) {
        /* elapsed * rate cannot overflow: elapsed is capped at the time a refill from empty
         * takes (cap / rate ms, at most 10^9) */
        const uint64_t full_ms = rl->cap / rl->rate + 1;
        uint64_t elapsed = (uint64_t)(now_ms - b->last_ms);
        if (elapsed > full_ms)
            elapsed = full_ms;
        const uint64_t add = elapsed * rl->rate;
        b->milli = add >= rl->cap - b->milli ? rl->cap : b->milli + add;
        b->last_ms = now_ms;
    }
    bool ok = b->milli >= MILLI;
    if (ok) {
        b->milli -= MILLI;
    } else if (ret_retry_after_s != NULL) {
        const uint64_t wait_ms = (MILLI - b->milli + rl->rate - 1) / rl->rate; /* round up */
        const uint64_t secs = (wait_ms + 999) / 1000;
        *ret_retry_after_s = secs < 1 ? 1 : (uint32_t)secs;
    }
    (void)pthread_mutex_unlock(&s->mu);
    return ok;
}

size_t yc_ratelimit_tracked(yc_ratelimit *rl)
{
    size_t n = 0;
    for (size_t i = 0; rl != NULL && i < rl->n_shards; i++) {
        (void)pthread_mutex_lock(&rl->shards[i].mu);
        n += rl->shards[i].n;
        (void)pthread_mutex_unlock(&rl->shards[i].mu);
    }
    return n;
}

/* ---- the API's two limits (issue 6 item 1; api_int.h) ---- */

static yc_ratelimit *open_one(unsigned rps, unsigned burst, const char *what)
{
    if (rps == 0)
        return NULL; /* configured off */
    yc_ratelimit *rl = NULL;
    if (yc_ratelimit_new(rps, burst, YC_API_RATE_KEYS_MAX, &rl) != YC_OK) {
        fprintf(stderr, "yrdcredit: the %s rate limit is off: out of memory\n", what);
        return NULL;
    }
    return rl;
}

void yc_api_ratelimit_open(yc_api *api)
{
    const yc_config_rate_limit *c = &api->cfg.rate_limit;
    api->rl_clients = open_one(c->per_client_rps, c->burst, "per-client");
    api->rl_verify = open_one(c->verify_per_address_rps, c->verify_burst, "per-address");
}

void yc_api_ratelimit_close(yc_api *api)
{
    yc_ratelimit_free(api->rl_clients);
    yc_ratelimit_free(api->rl_verify);
    api->rl_clients = api->rl_verify = NULL;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Is the request POST /v1/attestations/verify (the path decoded as the router decodes it)? */
static bool is_verify(const yc_api_request *req)
{
    if (req->method == NULL || req->path == NULL || strcmp(req->method, "POST") != 0)
        return false;
    const size_t len = strlen(req->path);
    if (len > YC_API_PATH_MAX)
        return false;
    char path[YC_API_PATH_MAX + 1];
    size_t n = 0;
    if (yc_api_pct_decode(req->path, len, path, sizeof path, &n) != YC_OK)
        return false;
    return yc_authz_route_lookup("POST", path) == YC_AUTHZ_VERIFY_ATTESTATION;
}

/* The bucket key of a peer: an IPv4 address as text (also when IPv4-mapped), an IPv6 address
 * by its /64 (one customer's allocation), as 16 hex digits; false when not an address. */
static bool peer_key(const char *peer, char out[static 40], size_t *ret_len)
{
    struct in6_addr a6;
    struct in_addr a4;
    if (inet_pton(AF_INET, peer, &a4) == 1) {
        *ret_len = (size_t)snprintf(out, 40, "%s", peer);
        return *ret_len < 40;
    }
    if (inet_pton(AF_INET6, peer, &a6) != 1)
        return false;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a6.s6_addr, mapped, sizeof mapped) == 0) {
        memcpy(&a4, a6.s6_addr + 12, 4);
        return inet_ntop(AF_INET, &a4, out, 40) != NULL && (*ret_len = strlen(out)) > 0;
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < 8; i++) {
        out[2 * i] = hex[a6.s6_addr[i] >> 4];
        out[2 * i + 1] = hex[a6.s6_addr[i] & 15];
    }
    memcpy(out + 16, "::/64", 6);
    *ret_len = 21;
    return true;
}

bool yc_api_rate_limited(yc_api *api, const yc_api_request *req, const yc_api_ident *ident,
                         yc_api_response *res, yc_err *ret)
{
    uint32_t retry = 0;
    bool allowed = true;
    if (ident != NULL && ident->kind == YC_API_IDENT_CLIENT) {
        /* operators (admin) are not metered: their tools (the CLI, scripts, tests, benches)
         * are trusted with the whole instance anyway; every other role is, on every route */
        if (ident->role == YC_ROLE_ADMIN || api->rl_clients == NULL)
            return false;
        allowed = yc_ratelimit_take(api->rl_clients, ident->client_id, strlen(ident->client_id),
                                    mono_ms(), &retry);
    } else if (api->rl_verify != NULL && req->peer != NULL && is_verify(req)) {
        char key[40];
        size_t len = 0;
        if (!peer_key(req->peer, key, &len))
            return false;
        allowed = yc_ratelimit_take(api->rl_verify, key, len, mono_ms(), &retry);
    }
    if (allowed)
        return false;
    /*
     *= https://www.rfc-editor.org/rfc/rfc6585#section-4
     *# The 429 status code indicates that the user has sent too many requests in a given
     *# amount of time ("rate limiting").  The response representations SHOULD include
     *# details explaining the condition, and MAY include a Retry-After header indicating how
     *# long to wait before making a new request.
     */
    *ret = yc_api_problem(res, 429, YC_API_PROBLEM_TOO_MANY_REQUESTS, "Too many requests",
                          ident != NULL && ident->kind == YC_API_IDENT_CLIENT
                              ? "this client is over its rate limit; retry after retry-after "
                                "seconds"
                              : "this address is over the rate limit of verification; retry "
                                "after retry-after seconds",
                          NULL);
    res->retry_after_s = retry;
    return true;
}
