/* Versioned value codec of the record store (layout in codec.h). */
#include "codec.h"

#include <string.h>

#include "yrdcredit/crypto.h"

_Static_assert(YC_CODEC_REC_OFF_RECORD_ID % 8 == 0 && YC_CODEC_REC_OFF_AMOUNT % 8 == 0 &&
                   YC_CODEC_REC_OFF_INGEST_MS % 8 == 0,
               "64-bit header fields on 8-byte offsets");
_Static_assert(YC_CODEC_REC_OFF_RESERVED1 + 3 == YC_CODEC_REC_OFF_RECORD_ID &&
                   YC_CODEC_REC_OFF_RECORD_ID + 8 == YC_CODEC_REC_OFF_VERSION &&
                   YC_CODEC_REC_OFF_VERSION + 4 == YC_CODEC_REC_OFF_DECISION_DATE &&
                   YC_CODEC_REC_OFF_DECISION_DATE + 4 == YC_CODEC_REC_OFF_PUB_START &&
                   YC_CODEC_REC_OFF_PUB_START + 4 == YC_CODEC_REC_OFF_PUB_MIN_END &&
                   YC_CODEC_REC_OFF_PUB_MIN_END + 4 == YC_CODEC_REC_OFF_PUB_MAX_END &&
                   YC_CODEC_REC_OFF_PUB_MAX_END + 4 == YC_CODEC_REC_OFF_ORIGIN &&
                   YC_CODEC_REC_OFF_ORIGIN + 4 == YC_CODEC_REC_OFF_AMOUNT &&
                   YC_CODEC_REC_OFF_AMOUNT + 8 == YC_CODEC_REC_OFF_INGEST_MS &&
                   YC_CODEC_REC_OFF_INGEST_MS + 8 == YC_CODEC_REC_HEADER_LEN,
               "record header fields are contiguous, without gaps");
_Static_assert(YC_CODE_COUNT <= UINT8_MAX && YC_STATUS_COUNT <= UINT8_MAX &&
                   YC_DOC_COUNT <= UINT8_MAX,
               "enums fit one byte");
_Static_assert(YC_CODEC_IDENTITY_MAX <= UINT16_MAX - 40, "sealed identity fits a u16 length");

enum { FLAG_HAS_AMOUNT = 0x01 };

/* ---- little helpers: fixed-width integers ---- */

/* Two's complement reinterpretation without implementation-defined conversions. */
static int32_t as_i32(uint32_t v)
{
    int32_t r;
    memcpy(&r, &v, sizeof r);
    return r;
}

static int64_t as_i64(uint64_t v)
{
    int64_t r;
    memcpy(&r, &v, sizeof r);
    return r;
}

static uint32_t as_u32(int32_t v)
{
    uint32_t r;
    memcpy(&r, &v, sizeof r);
    return r;
}

static uint64_t as_u64(int64_t v)
{
    uint64_t r;
    memcpy(&r, &v, sizeof r);
    return r;
}

/* ---- record values ---- */

typedef struct field {
    const char *s;
    size_t cap; /* array size, NUL included */
} field;

/* The string fields of a record in codec order; natural persons' names are not encoded. */
static void record_fields(const yc_record *rec, field f[static YC_CODEC_REC_STRINGS])
{
    f[0] = (field){rec->authority_name, sizeof rec->authority_name};
    f[1] = (field){rec->authority_uscc, sizeof rec->authority_uscc};
    f[2] = (field){rec->decision_no, sizeof rec->decision_no};
    f[3] = (field){rec->source_name, sizeof rec->source_name};
    f[4] = (field){rec->source_uscc, sizeof rec->source_uscc};
    f[5] = (field){rec->legal_basis, sizeof rec->legal_basis};
    f[6] = (field){rec->region, sizeof rec->region};
    f[7] = (field){rec->subject_type == YC_SUBJECT_NATURAL_PERSON ? "" : rec->subject_name,
                   sizeof rec->subject_name};
}

size_t yc_codec_record_len(const yc_record *rec)
{
    field f[YC_CODEC_REC_STRINGS];
    record_fields(rec, f);
    size_t len = YC_CODEC_REC_HEADER_LEN;
    for (size_t i = 0; i < YC_CODEC_REC_STRINGS; i++)
        len += 2 + strnlen(f[i].s, f[i].cap);
    return len;
}

static bool subject_type_ok(uint32_t t)
{
    return t >= YC_SUBJECT_LEGAL_PERSON && t <= YC_SUBJECT_NATURAL_PERSON;
}

enum { ORIGIN_MIN = 100000, ORIGIN_MAX = 999999 };

/* origin text ("" or 6 ASCII digits, the first not 0) -> its u32; false if neither. */
static bool origin_encode(const char *origin, size_t cap, uint32_t *ret)
{
    size_t n = strnlen(origin, cap);
    if (n == 0) {
        *ret = 0;
        return true;
    }
    if (n != YC_REGION_LEN)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (origin[i] < '0' || origin[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(origin[i] - '0');
    }
    if (v < ORIGIN_MIN)
        return false;
    *ret = v;
    return true;
}

bool yc_codec_origin_is_valid(const char *origin, size_t cap)
{
    uint32_t v = 0;
    return origin_encode(origin, cap, &v) && v != 0;
}

static bool origin_ok(uint32_t v)
{
    return v == 0 || (v >= ORIGIN_MIN && v <= ORIGIN_MAX);
}

static void origin_decode(uint32_t v, char out[static YC_REGION_LEN + 1])
{
    if (v == 0) {
        out[0] = '\0';
        return;
    }
    for (int i = YC_REGION_LEN - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    out[YC_REGION_LEN] = '\0';
}

yc_err yc_codec_record_encode(const yc_record *rec, uint8_t *buf, size_t cap, size_t *ret_len)
{
    YC_ENSURE(subject_type_ok((uint32_t)rec->subject_type), YC_ERR_INVALID);
    YC_ENSURE((uint32_t)rec->code < YC_CODE_COUNT, YC_ERR_INVALID);
    YC_ENSURE((uint32_t)rec->status < YC_STATUS_COUNT, YC_ERR_INVALID);
    YC_ENSURE(!rec->has_amount || (rec->amount >= 0 && rec->amount <= YC_AMOUNT_MAX),
              YC_ERR_INVALID);
    uint32_t origin = 0;
    YC_ENSURE(origin_encode(rec->origin, sizeof rec->origin, &origin), YC_ERR_INVALID);
    field f[YC_CODEC_REC_STRINGS];
    record_fields(rec, f);
    size_t len = YC_CODEC_REC_HEADER_LEN;
    for (size_t i = 0; i < YC_CODEC_REC_STRINGS; i++) {
        size_t n = strnlen(f[i].s, f[i].cap);
        YC_ENSURE(n < f[i].cap, YC_ERR_INVALID); /* NUL-terminated within its array */
        len += 2 + n;
    }
    YC_ENSURE(len <= cap, YC_ERR_TOO_LARGE);

    memset(buf, 0, YC_CODEC_REC_HEADER_LEN);
    buf[YC_CODEC_REC_OFF_CODEC] = YC_CODEC_VERSION;
    buf[YC_CODEC_REC_OFF_SUBJECT_TYPE] = (uint8_t)rec->subject_type;
    buf[YC_CODEC_REC_OFF_CODE] = (uint8_t)rec->code;
    buf[YC_CODEC_REC_OFF_STATUS] = (uint8_t)rec->status;
    buf[YC_CODEC_REC_OFF_FLAGS] = rec->has_amount ? FLAG_HAS_AMOUNT : 0;
    yc_codec_put_le(buf + YC_CODEC_REC_OFF_RECORD_ID, rec->record_id, 8);
    yc_codec_put_le(buf + YC_CODEC_REC_OFF_VERSION, rec->version, 4);
    yc_codec_put_le(buf + YC_CODEC_REC_OFF_DECISION_DATE, as_u32(rec->decision_date), 4);
    yc_codec_put_le(buf + YC_CODEC_REC_OFF_PUB_START, as_u32(rec->pub_start), 4);
    yc_codec_put_le(buf + YC_CODEC_REC_OFF_PUB_MIN_END, as_u32(rec->pub_min_end), 4);
    yc_codec_put_le(buf + YC_CODEC_REC_OFF_PUB_MAX_END, as_u32(rec->pub_max_end), 4);
    yc_codec_put_le(buf + YC_CODEC_REC_OFF_ORIGIN, origin, 4);
    yc_codec_put_le(buf + YC_CODEC_REC_OFF_AMOUNT, rec->has_amount ? as_u64(rec->amount) : 0, 8);
    yc_codec_put_le(buf + YC_CODEC_REC_OFF_INGEST_MS, as_u64(rec->ingest_ms), 8);
    size_t pos = YC_CODEC_REC_HEADER_LEN;
    for (size_t i = 0; i < YC_CODEC_REC_STRINGS; i++) {
        size_t n = strnlen(f[i].s, f[i].cap);
        yc_codec_put_le(buf + pos, (uint16_t)n, 2);
        memcpy(buf + pos + 2, f[i].s, n);
        pos += 2 + n;
    }
    *ret_len = pos;
    return YC_OK;
}

/* Well-formed UTF-8 (RFC 3629: no overlong form, no surrogate, at most U+10FFFF): every string
 * the store writes was checked by the importer, so anything else is a corrupt value (issue 7
 * item 3: fuzz_codec found one that decoded but had no JSON view). */
static bool utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t c = s[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1;
            cp = c & 0x1Fu;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            cp = c & 0x0Fu;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            cp = c & 0x07u;
            min = 0x10000;
        } else {
            return false;
        }
        if (n - i - 1 < k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

/* Read one u16-prefixed string of at most @p max bytes without NUL; advance *pos. */
static yc_err take_str(const uint8_t *val, size_t len, size_t *pos, size_t max,
                       const uint8_t **ret_s, size_t *ret_n)
{
    YC_ENSURE(len - *pos >= 2, YC_ERR_STORE);
    size_t n = (uint16_t)yc_codec_get_le(val + *pos, 2);
    YC_ENSURE(n <= max && len - *pos - 2 >= n, YC_ERR_STORE);
    const uint8_t *s = val + *pos + 2;
    YC_ENSURE(n == 0 || memchr(s, 0, n) == NULL, YC_ERR_STORE);
    *ret_s = s;
    *ret_n = n;
    *pos += 2 + n;
    return YC_OK;
}

/* Header checks shared by the full and the fact decoder. */
static yc_err check_header(const uint8_t *val, size_t len)
{
    YC_ENSURE(len >= YC_CODEC_REC_HEADER_LEN, YC_ERR_STORE);
    YC_ENSURE(val[YC_CODEC_REC_OFF_CODEC] == YC_CODEC_VERSION, YC_ERR_STORE);
    YC_ENSURE(subject_type_ok(val[YC_CODEC_REC_OFF_SUBJECT_TYPE]), YC_ERR_STORE);
    YC_ENSURE(val[YC_CODEC_REC_OFF_CODE] < YC_CODE_COUNT, YC_ERR_STORE);
    YC_ENSURE(val[YC_CODEC_REC_OFF_STATUS] < YC_STATUS_COUNT, YC_ERR_STORE);
    uint8_t flags = val[YC_CODEC_REC_OFF_FLAGS];
    YC_ENSURE((flags & ~FLAG_HAS_AMOUNT) == 0, YC_ERR_STORE);
    YC_ENSURE(val[YC_CODEC_REC_OFF_RESERVED1] == 0 && val[YC_CODEC_REC_OFF_RESERVED1 + 1] == 0 &&
                  val[YC_CODEC_REC_OFF_RESERVED1 + 2] == 0,
              YC_ERR_STORE);
    YC_ENSURE(origin_ok((uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_ORIGIN, 4)), YC_ERR_STORE);
    int64_t amount = as_i64(yc_codec_get_le(val + YC_CODEC_REC_OFF_AMOUNT, 8));
    if (flags & FLAG_HAS_AMOUNT)
        YC_ENSURE(amount >= 0 && amount <= YC_AMOUNT_MAX, YC_ERR_STORE);
    else
        YC_ENSURE(amount == 0, YC_ERR_STORE);
    return YC_OK;
}

yc_err yc_codec_fact_decode(const uint8_t *val, size_t len, yc_fact *ret, yc_subject_type *ret_type)
{
    YC_TRY(check_header(val, len));
    size_t pos = YC_CODEC_REC_HEADER_LEN;
    const uint8_t *auth = NULL;
    size_t auth_len = 0;
    YC_TRY(take_str(val, len, &pos, YC_NAME_MAX, &auth, &auth_len));
    *ret = (yc_fact){
        .record_id = yc_codec_get_le(val + YC_CODEC_REC_OFF_RECORD_ID, 8),
        .code = (yc_code)val[YC_CODEC_REC_OFF_CODE],
        .status = (yc_status)val[YC_CODEC_REC_OFF_STATUS],
        .decision_date = as_i32((uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_DECISION_DATE, 4)),
        .pub_min_end = as_i32((uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_PUB_MIN_END, 4)),
        .pub_max_end = as_i32((uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_PUB_MAX_END, 4)),
        .has_amount = (val[YC_CODEC_REC_OFF_FLAGS] & FLAG_HAS_AMOUNT) != 0,
        .amount = as_i64(yc_codec_get_le(val + YC_CODEC_REC_OFF_AMOUNT, 8)),
        .authority = (const char *)auth,
        .authority_len = auth_len,
    };
    *ret_type = (yc_subject_type)val[YC_CODEC_REC_OFF_SUBJECT_TYPE];
    return YC_OK;
}

yc_err yc_codec_record_decode(const uint8_t *val, size_t len, yc_record *ret)
{
    YC_TRY(check_header(val, len));
    yc_record r = {
        .record_id = yc_codec_get_le(val + YC_CODEC_REC_OFF_RECORD_ID, 8),
        .version = (uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_VERSION, 4),
        .subject_type = (yc_subject_type)val[YC_CODEC_REC_OFF_SUBJECT_TYPE],
        .doc_type = YC_DOC_NONE,
        .code = (yc_code)val[YC_CODEC_REC_OFF_CODE],
        .decision_date = as_i32((uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_DECISION_DATE, 4)),
        .has_amount = (val[YC_CODEC_REC_OFF_FLAGS] & FLAG_HAS_AMOUNT) != 0,
        .amount = as_i64(yc_codec_get_le(val + YC_CODEC_REC_OFF_AMOUNT, 8)),
        .pub_start = as_i32((uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_PUB_START, 4)),
        .pub_min_end = as_i32((uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_PUB_MIN_END, 4)),
        .pub_max_end = as_i32((uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_PUB_MAX_END, 4)),
        .status = (yc_status)val[YC_CODEC_REC_OFF_STATUS],
        .ingest_ms = as_i64(yc_codec_get_le(val + YC_CODEC_REC_OFF_INGEST_MS, 8)),
    };
    /* Destinations in codec order; record_fields() gives the same order for encoding. */
    struct {
        char *dst;
        size_t cap;
    } dst[YC_CODEC_REC_STRINGS] = {
        {r.authority_name, sizeof r.authority_name},
        {r.authority_uscc, sizeof r.authority_uscc},
        {r.decision_no, sizeof r.decision_no},
        {r.source_name, sizeof r.source_name},
        {r.source_uscc, sizeof r.source_uscc},
        {r.legal_basis, sizeof r.legal_basis},
        {r.region, sizeof r.region},
        {r.subject_name, sizeof r.subject_name},
    };
    size_t pos = YC_CODEC_REC_HEADER_LEN;
    for (size_t i = 0; i < YC_CODEC_REC_STRINGS; i++) {
        const uint8_t *s = NULL;
        size_t n = 0;
        YC_TRY(take_str(val, len, &pos, dst[i].cap - 1, &s, &n));
        YC_ENSURE(utf8_ok(s, n), YC_ERR_STORE);
        memcpy(dst[i].dst, s, n);
        dst[i].dst[n] = '\0';
    }
    YC_ENSURE(pos == len, YC_ERR_STORE); /* no trailing bytes */
    origin_decode((uint32_t)yc_codec_get_le(val + YC_CODEC_REC_OFF_ORIGIN, 4), r.origin);
    YC_ENSURE(r.subject_type != YC_SUBJECT_NATURAL_PERSON || r.subject_name[0] == '\0',
              YC_ERR_STORE);
    *ret = r;
    return YC_OK;
}

/* ---- keys ---- */

size_t yc_codec_record_key(const char *sid, size_t sid_len, uint64_t record_id,
                           uint8_t out[static YC_CODEC_RECORD_KEY_MAX])
{
    memcpy(out, sid, sid_len);
    out[sid_len] = 0x00;
    yc_codec_put_u64be(out + sid_len + 1, record_id);
    return sid_len + 9;
}

yc_err yc_codec_record_key_parse(const uint8_t *key, size_t len, size_t *ret_sid_len,
                                 uint64_t *ret_record_id)
{
    YC_ENSURE(len >= 10 && len <= YC_CODEC_RECORD_KEY_MAX, YC_ERR_STORE);
    size_t sid_len = len - 9;
    YC_ENSURE(key[sid_len] == 0x00, YC_ERR_STORE);
    for (size_t i = 0; i < sid_len; i++)
        YC_ENSURE(key[i] >= 0x21 && key[i] <= 0x7e, YC_ERR_STORE);
    *ret_sid_len = sid_len;
    *ret_record_id = yc_codec_get_u64be(key + sid_len + 1);
    return YC_OK;
}

size_t yc_codec_source_key(const char *authority, const char *decision_no, const char *subject_id,
                           uint8_t out[static YC_CODEC_SOURCE_KEY_MAX])
{
    uint8_t buf[YC_NAME_MAX + 1 + YC_DECISION_NO_MAX];
    const size_t alen = strnlen(authority, YC_NAME_MAX);
    const size_t dlen = strnlen(decision_no, YC_DECISION_NO_MAX);
    memcpy(buf, authority, alen);
    buf[alen] = 0x00;
    memcpy(buf + alen + 1, decision_no, dlen);
    const size_t slen = strnlen(subject_id, YC_SUBJECT_ID_MAX);
    memcpy(out, subject_id, slen);
    out[slen] = 0x00;
    yc_crypto_sha256(buf, alen + 1 + dlen, out + slen + 1);
    return slen + 1 + 32;
}

size_t yc_codec_source_val(uint64_t record_id, const char *sid, size_t sid_len,
                           uint8_t out[static YC_CODEC_SOURCE_VAL_MAX])
{
    out[0] = YC_CODEC_VERSION;
    yc_codec_put_le(out + 1, record_id, 8);
    out[9] = (uint8_t)sid_len;
    memcpy(out + 10, sid, sid_len);
    return 10 + sid_len;
}

yc_err yc_codec_source_val_decode(const uint8_t *val, size_t len, uint64_t *ret_record_id,
                                  char ret_sid[static YC_SUBJECT_ID_MAX + 1])
{
    YC_ENSURE(len >= 10 && val[0] == YC_CODEC_VERSION, YC_ERR_STORE);
    size_t sid_len = val[9];
    YC_ENSURE(sid_len >= 1 && sid_len <= YC_SUBJECT_ID_MAX && len == 10 + sid_len, YC_ERR_STORE);
    for (size_t i = 0; i < sid_len; i++)
        YC_ENSURE(val[10 + i] >= 0x21 && val[10 + i] <= 0x7e, YC_ERR_STORE);
    uint64_t rid = yc_codec_get_le(val + 1, 8);
    YC_ENSURE(rid != 0, YC_ERR_STORE);
    memcpy(ret_sid, val + 10, sid_len);
    ret_sid[sid_len] = '\0';
    *ret_record_id = rid;
    return YC_OK;
}

void yc_codec_history_key(uint64_t record_id, uint32_t version,
                          uint8_t out[static YC_CODEC_HISTORY_KEY_LEN])
{
    yc_codec_put_u64be(out, record_id);
    for (int i = 0; i < 4; i++)
        out[8 + i] = (uint8_t)(version >> (24 - 8 * i));
}

size_t yc_codec_history_val(const char *sid, size_t sid_len, const uint8_t *val, size_t val_len,
                            uint8_t out[static YC_CODEC_HISTORY_VAL_MAX])
{
    out[0] = (uint8_t)sid_len;
    memcpy(out + 1, sid, sid_len);
    memcpy(out + 1 + sid_len, val, val_len);
    return 1 + sid_len + val_len;
}

yc_err yc_codec_history_val_decode(const uint8_t *val, size_t len, yc_record *ret)
{
    YC_ENSURE(len >= 1, YC_ERR_STORE);
    size_t sid_len = val[0];
    YC_ENSURE(sid_len >= 1 && sid_len <= YC_SUBJECT_ID_MAX && len > 1 + sid_len, YC_ERR_STORE);
    for (size_t i = 0; i < sid_len; i++)
        YC_ENSURE(val[1 + i] >= 0x21 && val[1 + i] <= 0x7e, YC_ERR_STORE);
    YC_TRY(yc_codec_record_decode(val + 1 + sid_len, len - 1 - sid_len, ret));
    memcpy(ret->subject_id, val + 1, sid_len);
    ret->subject_id[sid_len] = '\0';
    return YC_OK;
}

/* ---- subjects ---- */

yc_err yc_codec_subject_encode(yc_subject_type type, const uint8_t *payload, size_t payload_len,
                               uint8_t *buf, size_t cap, size_t *ret_len)
{
    YC_ENSURE(subject_type_ok((uint32_t)type), YC_ERR_INVALID);
    YC_ENSURE(payload_len <= YC_CODEC_SUBJECT_VAL_MAX - 4, YC_ERR_INVALID);
    YC_ENSURE(cap >= 4 + payload_len, YC_ERR_TOO_LARGE);
    buf[0] = YC_CODEC_VERSION;
    buf[1] = (uint8_t)type;
    yc_codec_put_le(buf + 2, (uint16_t)payload_len, 2);
    if (payload_len > 0)
        memcpy(buf + 4, payload, payload_len);
    *ret_len = 4 + payload_len;
    return YC_OK;
}

yc_err yc_codec_subject_decode(const uint8_t *val, size_t len, yc_subject_type *ret_type,
                               const uint8_t **ret_payload, size_t *ret_payload_len)
{
    YC_ENSURE(len >= 4 && val[0] == YC_CODEC_VERSION, YC_ERR_STORE);
    YC_ENSURE(subject_type_ok(val[1]), YC_ERR_STORE);
    size_t n = (uint16_t)yc_codec_get_le(val + 2, 2);
    YC_ENSURE(len == 4 + n && n <= YC_CODEC_SUBJECT_VAL_MAX - 4, YC_ERR_STORE);
    if (val[1] == YC_SUBJECT_NATURAL_PERSON)
        YC_ENSURE(n >= 40, YC_ERR_STORE); /* a sealed box is never shorter than its overhead */
    else
        YC_ENSURE(n <= YC_NAME_MAX && (n == 0 || memchr(val + 4, 0, n) == NULL) &&
                      utf8_ok(val + 4, n),
                  YC_ERR_STORE);
    *ret_type = (yc_subject_type)val[1];
    *ret_payload = val + 4;
    *ret_payload_len = n;
    return YC_OK;
}

/* ---- natural persons' identity (plaintext of the sealed box) ---- */

yc_err yc_codec_identity_encode(const yc_store_person *p, uint8_t out[static YC_CODEC_IDENTITY_MAX],
                                size_t *ret_len)
{
    YC_ENSURE((uint32_t)p->doc_type >= YC_DOC_RESIDENT_ID && (uint32_t)p->doc_type < YC_DOC_COUNT,
              YC_ERR_INVALID);
    size_t nc = strnlen(p->doc_country, sizeof p->doc_country);
    size_t nn = strnlen(p->doc_number, sizeof p->doc_number);
    size_t nm = strnlen(p->name, sizeof p->name);
    YC_ENSURE(nc < sizeof p->doc_country && nn < sizeof p->doc_number && nm < sizeof p->name,
              YC_ERR_INVALID);
    YC_ENSURE(nn > 0, YC_ERR_INVALID);
    size_t pos = 0;
    out[pos++] = YC_CODEC_VERSION;
    out[pos++] = (uint8_t)p->doc_type;
    out[pos++] = (uint8_t)nc;
    memcpy(out + pos, p->doc_country, nc);
    pos += nc;
    out[pos++] = (uint8_t)nn;
    memcpy(out + pos, p->doc_number, nn);
    pos += nn;
    yc_codec_put_le(out + pos, (uint16_t)nm, 2);
    pos += 2;
    memcpy(out + pos, p->name, nm);
    pos += nm;
    *ret_len = pos;
    return YC_OK;
}

/* Read a NUL-free string of @p n bytes into a NUL-terminated array of @p cap bytes. */
static yc_err take_into(const uint8_t *buf, size_t len, size_t *pos, size_t n, char *dst,
                        size_t cap)
{
    YC_ENSURE(n < cap && len - *pos >= n, YC_ERR_STORE);
    YC_ENSURE(n == 0 || memchr(buf + *pos, 0, n) == NULL, YC_ERR_STORE);
    memcpy(dst, buf + *pos, n);
    dst[n] = '\0';
    *pos += n;
    return YC_OK;
}

yc_err yc_codec_identity_decode(const uint8_t *buf, size_t len, yc_store_person *ret)
{
    yc_store_person p = {.doc_type = YC_DOC_NONE};
    YC_ENSURE(len >= 3 && buf[0] == YC_CODEC_VERSION, YC_ERR_STORE);
    YC_ENSURE(buf[1] >= YC_DOC_RESIDENT_ID && buf[1] < YC_DOC_COUNT, YC_ERR_STORE);
    p.doc_type = (yc_doc_type)buf[1];
    size_t pos = 2;
    size_t nc = buf[pos++];
    YC_TRY(take_into(buf, len, &pos, nc, p.doc_country, sizeof p.doc_country));
    YC_ENSURE(len - pos >= 1, YC_ERR_STORE);
    size_t nn = buf[pos++];
    YC_ENSURE(nn > 0, YC_ERR_STORE);
    YC_TRY(take_into(buf, len, &pos, nn, p.doc_number, sizeof p.doc_number));
    YC_ENSURE(len - pos >= 2, YC_ERR_STORE);
    size_t nm = (uint16_t)yc_codec_get_le(buf + pos, 2);
    pos += 2;
    YC_TRY(take_into(buf, len, &pos, nm, p.name, sizeof p.name));
    YC_ENSURE(pos == len, YC_ERR_STORE);
    *ret = p;
    return YC_OK;
}

/* ---- shared batches ---- */

yc_err yc_codec_shared_batch_encode(const yc_store_shared_batch *b,
                                    uint8_t out[static YC_CODEC_SHARED_BATCH_LEN])
{
    uint32_t from = 0;
    YC_ENSURE(origin_encode(b->from, sizeof b->from, &from) && from != 0, YC_ERR_INVALID);
    out[0] = YC_CODEC_VERSION;
    yc_codec_put_le(out + 1, from, 4);
    yc_codec_put_le(out + 5, as_u64(b->iat), 8);
    yc_codec_put_le(out + 13, b->count, 4);
    yc_codec_put_le(out + 17, as_u64(b->received_ms), 8);
    return YC_OK;
}

yc_err yc_codec_shared_batch_decode(const uint8_t *val, size_t len, yc_store_shared_batch *ret)
{
    YC_ENSURE(len == YC_CODEC_SHARED_BATCH_LEN && val[0] == YC_CODEC_VERSION, YC_ERR_STORE);
    uint32_t from = (uint32_t)yc_codec_get_le(val + 1, 4);
    YC_ENSURE(from != 0 && origin_ok(from), YC_ERR_STORE);
    origin_decode(from, ret->from);
    ret->iat = as_i64(yc_codec_get_le(val + 5, 8));
    ret->count = (uint32_t)yc_codec_get_le(val + 13, 4);
    ret->received_ms = as_i64(yc_codec_get_le(val + 17, 8));
    return YC_OK;
}
