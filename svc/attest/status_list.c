/* IETF Token Status List codec: packed statuses and their ZLIB form (status_list.h). */
#define ZLIB_CONST
#include "yrdcredit/status_list.h"

#include <limits.h>
#include <string.h>
#include <zlib.h>

#include "yrdcredit/alloc.h"

struct yc_status_list {
    uint8_t *bytes; /* len bytes, the draft's layout */
    size_t len;
    size_t count;
    unsigned bits;
};

/* First size the inflate buffer takes before it doubles towards the limit. */
#define YC_STATUS_LIST_INFLATE_START ((size_t)4096)

static int is_valid_bits(unsigned bits)
{
    return bits == 1 || bits == 2 || bits == 4 || bits == 8;
}

/* Bytes a list of count entries of bits bits needs: ceil(count * bits / 8), count bounded
 * by the caller so that the product cannot overflow. */
static size_t bytes_for(size_t count, unsigned bits)
{
    const size_t per_byte = 8u / bits;
    return count / per_byte + (count % per_byte != 0);
}

/* zlib's allocator hooks, so that every byte zlib takes goes through yc_alloc(). */
static voidpf zalloc_yc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    void *p = yc_calloc(items, size);
    return p != NULL ? p : Z_NULL;
}

static void zfree_yc(voidpf opaque, voidpf p)
{
    (void)opaque;
    yc_free(p);
}

static yc_err list_alloc(unsigned bits, size_t count, uint8_t *bytes, size_t len,
                         yc_status_list **ret_list)
{
    yc_status_list *list = yc_alloc(sizeof *list);
    YC_ENSURE(list != NULL, YC_ERR_NOMEM);
    list->bytes = bytes;
    list->len = len;
    list->count = count;
    list->bits = bits;
    *ret_list = list;
    return YC_OK;
}

yc_err yc_status_list_new(unsigned bits, size_t count, yc_status_list **ret_list)
{
    YC_ENSURE(is_valid_bits(bits) && count > 0, YC_ERR_INVALID);
    YC_ENSURE(count <= YC_STATUS_LIST_MAX_BYTES * (8u / bits), YC_ERR_TOO_LARGE);
    const size_t len = bytes_for(count, bits);
    uint8_t *bytes = yc_calloc(len, 1);
    YC_ENSURE(bytes != NULL, YC_ERR_NOMEM);
    const yc_err rv = list_alloc(bits, count, bytes, len, ret_list);
    if (rv != YC_OK)
        yc_free(bytes);
    return rv;
}

void yc_status_list_free(yc_status_list *list)
{
    if (list == NULL)
        return;
    yc_free(list->bytes);
    yc_free(list);
}

unsigned yc_status_list_bits(const yc_status_list *list)
{
    return list->bits;
}

size_t yc_status_list_count(const yc_status_list *list)
{
    return list->count;
}

const uint8_t *yc_status_list_bytes(const yc_status_list *list, size_t *ret_len)
{
    *ret_len = list->len;
    return list->bytes;
}

/*
 * draft-ietf-oauth-status-list-21, "Status List" (paraphrased, not quoted; attestations.md
 * §3.1): index i lives in byte i * bits / 8, bits counted from the least significant bit;
 * indexes run from 0 to size - 1.
 */
yc_err yc_status_list_set(yc_status_list *list, size_t index, unsigned status)
{
    YC_ENSURE(index < list->count, YC_ERR_NOT_FOUND);
    const unsigned mask = (1u << list->bits) - 1u;
    YC_ENSURE(status <= mask, YC_ERR_INVALID);
    const size_t per_byte = 8u / list->bits;
    const unsigned shift = (unsigned)(index % per_byte) * list->bits;
    uint8_t *b = &list->bytes[index / per_byte];
    *b = (uint8_t)((*b & ~(mask << shift)) | (status << shift));
    return YC_OK;
}

yc_err yc_status_list_get(const yc_status_list *list, size_t index, unsigned *ret_status)
{
    YC_ENSURE(index < list->count, YC_ERR_NOT_FOUND);
    const unsigned mask = (1u << list->bits) - 1u;
    const size_t per_byte = 8u / list->bits;
    const unsigned shift = (unsigned)(index % per_byte) * list->bits;
    *ret_status = ((unsigned)list->bytes[index / per_byte] >> shift) & mask;
    return YC_OK;
}

/*
 * draft-ietf-oauth-status-list-21, "Status List" (paraphrased, not quoted): the byte array
 * is compressed with DEFLATE (RFC 1951) in the ZLIB format (RFC 1950), at the highest
 * compression level available (RECOMMENDED).
 */
yc_err yc_status_list_encode(const yc_status_list *list, uint8_t **ret_buf, size_t *ret_len)
{
    yc_err rv = YC_OK;
    uint8_t *out = NULL;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = zalloc_yc;
    zs.zfree = zfree_yc;
    zs.opaque = Z_NULL;
    int zrc = deflateInit(&zs, Z_BEST_COMPRESSION);
    if (zrc != Z_OK)
        return zrc == Z_MEM_ERROR ? YC_ERR_NOMEM : YC_ERR_INTERNAL;

    /* len <= 16 MiB, so the bound and both sizes fit in uInt. */
    const uLong bound = deflateBound(&zs, (uLong)list->len);
    out = yc_alloc((size_t)bound);
    if (out == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    zs.next_in = list->bytes;
    zs.avail_in = (uInt)list->len;
    zs.next_out = out;
    zs.avail_out = (uInt)bound;
    zrc = deflate(&zs, Z_FINISH);
    if (zrc != Z_STREAM_END) {
        /* deflateBound() guarantees room for one Z_FINISH call; memory was taken at init. */
        rv = zrc == Z_MEM_ERROR ? YC_ERR_NOMEM : YC_ERR_INTERNAL;
        goto out;
    }
    *ret_len = (size_t)zs.total_out;
    *ret_buf = out;
    out = NULL;
out:
    (void)deflateEnd(&zs);
    yc_free(out);
    return rv;
}

/* Map an inflate() failure to this module's codes. */
static yc_err inflate_err(int zrc)
{
    switch (zrc) {
    case Z_NEED_DICT: /* a preset dictionary is not part of the format */
    case Z_DATA_ERROR:
        return YC_ERR_PROTO;
    case Z_MEM_ERROR:
        return YC_ERR_NOMEM;
    default:
        return YC_ERR_INTERNAL;
    }
}

/*
 * Inflate at most limit bytes into a buffer that grows from a small size: a list of a few
 * bytes costs a few bytes, and no input, however crafted, is given more than limit + 1 bytes
 * (the extra byte proves that the stream goes on past the limit).
 */
static yc_err inflate_capped(const uint8_t *in, size_t in_len, size_t limit, uint8_t **ret_out,
                             size_t *ret_len, int *ret_over)
{
    yc_err rv = YC_OK;
    uint8_t *buf = NULL;
    size_t cap =
        limit + 1 < YC_STATUS_LIST_INFLATE_START ? limit + 1 : YC_STATUS_LIST_INFLATE_START;
    size_t used = 0;
    int over = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = zalloc_yc;
    zs.zfree = zfree_yc;
    zs.opaque = Z_NULL;
    zs.next_in = in;
    zs.avail_in = (uInt)in_len;
    int zrc = inflateInit(&zs);
    if (zrc != Z_OK)
        return zrc == Z_MEM_ERROR ? YC_ERR_NOMEM : YC_ERR_INTERNAL;

    buf = yc_alloc(cap);
    if (buf == NULL) {
        rv = YC_ERR_NOMEM;
        goto out;
    }
    for (;;) {
        zs.next_out = buf + used;
        zs.avail_out = (uInt)(cap - used);
        zrc = inflate(&zs, Z_NO_FLUSH);
        used = cap - zs.avail_out;
        if (zrc == Z_STREAM_END)
            break;
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            rv = inflate_err(zrc);
            goto out;
        }
        if (used == cap) {
            if (cap == limit + 1) {
                over = 1;
                goto out;
            }
            const size_t grown = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
            uint8_t *g = yc_realloc(buf, grown);
            if (g == NULL) {
                rv = YC_ERR_NOMEM;
                goto out;
            }
            buf = g;
            cap = grown;
        } else if (zs.avail_in == 0 || zrc == Z_BUF_ERROR) {
            /* Room left but no input to fill it: the stream ends before its end marker. */
            rv = YC_ERR_PROTO;
            goto out;
        }
    }
    if (zs.avail_in != 0) {
        rv = YC_ERR_PROTO; /* bytes after the ZLIB stream */
        goto out;
    }
    if (used > limit) {
        over = 1;
        goto out;
    }
    *ret_out = buf;
    *ret_len = used;
    buf = NULL;
out:
    (void)inflateEnd(&zs);
    yc_free(buf);
    *ret_over = over;
    return rv;
}

yc_err yc_status_list_parse(const uint8_t *lst, size_t lst_len, unsigned bits, size_t count,
                            size_t max_bytes, yc_status_list **ret_list)
{
    YC_ENSURE(is_valid_bits(bits), YC_ERR_INVALID);
    YC_ENSURE(max_bytes > 0 && max_bytes <= YC_STATUS_LIST_MAX_BYTES, YC_ERR_INVALID);
    YC_ENSURE(lst != NULL || lst_len == 0, YC_ERR_INVALID);
    YC_ENSURE(lst_len > 0, YC_ERR_PROTO);
    YC_ENSURE(lst_len <= UINT_MAX, YC_ERR_TOO_LARGE);
    /* A declared count beyond the cap is refused before any work (and before bytes_for()
     * could overflow). */
    YC_ENSURE(count <= max_bytes * (8u / bits), YC_ERR_TOO_LARGE);
    const size_t expected = count > 0 ? bytes_for(count, bits) : 0;
    const size_t limit = count > 0 ? expected : max_bytes;

    uint8_t *bytes = NULL;
    size_t len = 0;
    int over = 0;
    YC_TRY(inflate_capped(lst, lst_len, limit, &bytes, &len, &over));
    if (over)
        return count > 0 ? YC_ERR_PROTO : YC_ERR_TOO_LARGE;
    yc_err rv = YC_OK;
    if (len == 0) {
        rv = YC_ERR_PROTO;
        goto out;
    }
    if (count > 0 && len != expected) {
        rv = YC_ERR_PROTO;
        goto out;
    }
    rv = list_alloc(bits, count > 0 ? count : len * (8u / bits), bytes, len, ret_list);
    if (rv == YC_OK)
        bytes = NULL;
out:
    yc_free(bytes);
    return rv;
}
