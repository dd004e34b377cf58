/* The per-worker score response cache of svc/api (api_int.h).  A chained hash table over a
 * fixed array of entries, evicted by CLOCK (second chance); one cache per worker thread, so no
 * locks.  Each entry holds the exact response body of GET /v1/subjects/{id}/score for one
 * (subject_id, as_of) and the store generation it was computed at. */
#include <string.h>

#include "api_int.h"
#include "yrdcredit/alloc.h"

#define NIL UINT32_MAX

typedef struct entry {
    uint64_t hash;
    uint64_t stamp;      /* yc_store_records_generation() taken before the records were read */
    uint64_t policy_gen; /* generation of the policy snapshot it was computed with */
    yc_date as_of;
    uint32_t next; /* next entry of the bucket's chain, or NIL */
    uint8_t id_len;
    bool referenced; /* CLOCK: hit since the hand last passed */
    char id[YC_SUBJECT_ID_MAX];
    char *body; /* body_cap bytes from yc_alloc; body_len + a NUL used */
    size_t body_len, body_cap;
} entry;

struct yc_score_cache {
    entry *e;
    uint32_t cap, used, hand;
    uint32_t *buckets; /* mask + 1 heads */
    uint64_t mask;
    yc_api_cache_stats stats;
};

yc_err yc_score_cache_new(size_t entries, yc_score_cache **ret)
{
    YC_ENSURE(entries >= 1 && entries <= YC_API_SCORE_CACHE_MAX, YC_ERR_INVALID);
    size_t nb = 1;
    while (nb < entries)
        nb <<= 1;
    yc_score_cache *c = yc_calloc(1, sizeof *c);
    YC_ENSURE(c != NULL, YC_ERR_NOMEM);
    c->e = yc_calloc(entries, sizeof *c->e);
    c->buckets = yc_alloc(nb * sizeof *c->buckets);
    if (c->e == NULL || c->buckets == NULL) {
        yc_score_cache_free(c);
        return YC_ERR_NOMEM;
    }
    memset(c->buckets, 0xff, nb * sizeof *c->buckets); /* every head NIL */
    c->cap = (uint32_t)entries;
    c->mask = nb - 1;
    c->stats.capacity = entries;
    *ret = c;
    return YC_OK;
}

void yc_score_cache_free(yc_score_cache *c)
{
    if (c == NULL)
        return;
    if (c->e != NULL)
        for (uint32_t i = 0; i < c->used; i++)
            yc_free(c->e[i].body);
    yc_free(c->e);
    yc_free(c->buckets);
    yc_free(c);
}

/* FNV-1a (64-bit) over the id and the date. */
static uint64_t key_hash(const char *id, size_t id_len, yc_date as_of)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < id_len; i++)
        h = (h ^ (uint8_t)id[i]) * 0x100000001b3u;
    const uint32_t d = (uint32_t)as_of;
    for (int i = 0; i < 4; i++)
        h = (h ^ ((d >> (8 * i)) & 0xffu)) * 0x100000001b3u;
    return h;
}

static uint32_t find(const yc_score_cache *c, uint64_t h, const char *id, size_t id_len,
                     yc_date as_of)
{
    for (uint32_t i = c->buckets[h & c->mask]; i != NIL; i = c->e[i].next) {
        const entry *x = &c->e[i];
        if (x->hash == h && x->as_of == as_of && x->id_len == id_len &&
            memcmp(x->id, id, id_len) == 0)
            return i;
    }
    return NIL;
}

const char *yc_score_cache_get(yc_score_cache *c, const char *id, size_t id_len, yc_date as_of,
                               uint64_t generation, uint64_t policy_gen, size_t *ret_len)
{
    if (id_len > YC_SUBJECT_ID_MAX) {
        c->stats.misses++;
        return NULL;
    }
    const uint32_t i = find(c, key_hash(id, id_len, as_of), id, id_len, as_of);
    if (i == NIL || c->e[i].stamp != generation || c->e[i].policy_gen != policy_gen) {
        c->stats.misses++;
        c->stats.stale += i != NIL;
        return NULL;
    }
    c->stats.hits++;
    c->e[i].referenced = true;
    *ret_len = c->e[i].body_len;
    return c->e[i].body;
}

/* Take entry i out of its bucket's chain. */
static void unlink_entry(yc_score_cache *c, uint32_t i)
{
    uint32_t *p = &c->buckets[c->e[i].hash & c->mask];
    while (*p != i)
        p = &c->e[*p].next;
    *p = c->e[i].next;
}

/* A slot for a new key: the next unused one, else the CLOCK victim (unlinked). */
static uint32_t take_slot(yc_score_cache *c)
{
    if (c->used < c->cap)
        return c->used++;
    for (;;) {
        const uint32_t i = c->hand;
        c->hand = c->hand + 1 == c->cap ? 0 : c->hand + 1;
        if (c->e[i].referenced) {
            c->e[i].referenced = false;
            continue;
        }
        unlink_entry(c, i);
        c->stats.evictions++;
        return i;
    }
}

void yc_score_cache_put(yc_score_cache *c, const char *id, size_t id_len, yc_date as_of,
                        uint64_t stamp, uint64_t policy_gen, const char *body, size_t body_len)
{
    if (id_len > YC_SUBJECT_ID_MAX || body_len > YC_API_SCORE_CACHE_BODY_MAX)
        return;
    const uint64_t h = key_hash(id, id_len, as_of);
    uint32_t i = find(c, h, id, id_len, as_of);
    entry *x;
    if (i != NIL) {
        x = &c->e[i]; /* a stale version of the same key: replace it in place */
    } else {
        i = take_slot(c);
        x = &c->e[i];
        x->hash = h;
        x->as_of = as_of;
        x->id_len = (uint8_t)id_len;
        memcpy(x->id, id, id_len);
        x->body_len = 0;
        x->referenced = false;
        x->next = c->buckets[h & c->mask];
        c->buckets[h & c->mask] = i;
    }
    if (x->body_cap < body_len + 1) {
        char *b = yc_realloc(x->body, body_len + 1);
        if (b == NULL) {
            /* keep the entry, but never serve it: no generation is this old */
            x->stamp = UINT64_MAX;
            return;
        }
        x->body = b;
        x->body_cap = body_len + 1;
    }
    memcpy(x->body, body, body_len);
    x->body[body_len] = '\0';
    x->body_len = body_len;
    x->stamp = stamp;
    x->policy_gen = policy_gen;
}

void yc_score_cache_stats(const yc_score_cache *c, yc_api_cache_stats *ret)
{
    *ret = c->stats;
    ret->entries = c->used;
}
