/**
 * @file status_list.h
 * @brief IETF Token Status List codec (svc/attest/): a packed array of 1-, 2-, 4- or 8-bit
 *        statuses, compressed with ZLIB/DEFLATE for the `lst` member of a status list token.
 *
 * Works on raw bytes only: the caller base64url-encodes the output of
 * yc_status_list_encode() into `lst` and base64url-decodes `lst` before
 * yc_status_list_parse().  No zlib type appears here.
 *
 * Layout (draft-ietf-oauth-status-list-21, "Status List"): the status of index i lives in byte i *
 * bits / 8, least significant bits first; the array has ceil(count * bits / 8) bytes and any unused
 * high bits of the last byte are zero in lists this module builds.
 *
 * Limits: a list holds at most YC_STATUS_LIST_MAX_BYTES bytes (16 MiB), so at most
 * YC_STATUS_LIST_MAX_BYTES * 8 / bits entries (134,217,728 at 1 bit, 16,777,216 at 8 bits).
 *
 * Error codes used by this module, each with one meaning:
 * - YC_ERR_INVALID    the caller's arguments are wrong (bits not 1/2/4/8, count 0, a cap of 0
 *                     or above YC_STATUS_LIST_MAX_BYTES, a status that does not fit in bits);
 * - YC_ERR_NOT_FOUND  index >= count (the draft's "index out of range": reject the token);
 * - YC_ERR_TOO_LARGE  the list would exceed a limit: count above the maximum, or decompressed
 *                     output above the caller's cap (decompression-bomb defence);
 * - YC_ERR_PROTO      the bytes are not exactly one complete ZLIB stream (bad header,
 *                     corrupt DEFLATE data, bad Adler-32, truncated, trailing bytes after the
 *                     stream, or an empty list), or the decompressed byte count contradicts
 *                     the declared entry count;
 * - YC_ERR_NOMEM      an allocation failed (zlib allocates through yc_alloc too);
 * - YC_ERR_INTERNAL   zlib reported an error that valid use cannot cause.
 */
#ifndef YRDCREDIT_STATUS_LIST_H
#define YRDCREDIT_STATUS_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/err.h"

/** Status value: the token is valid (draft "Status Types", 0x00). */
#define YC_STATUS_VALID 0x00u
/** Status value: the token is revoked, permanently (draft "Status Types", 0x01). */
#define YC_STATUS_INVALID 0x01u
/** Status value: the token is suspended, temporarily (draft "Status Types", 0x02; needs bits >= 2).
 */
#define YC_STATUS_SUSPENDED 0x02u

/** Largest raw (decompressed) status list in bytes: 16 MiB; also the largest parse cap. */
#define YC_STATUS_LIST_MAX_BYTES ((size_t)16 * 1024 * 1024)

/** A status list.  Opaque; create with yc_status_list_new() or yc_status_list_parse(),
 *  release with yc_status_list_free().  Not thread-safe: one writer, no concurrent readers. */
typedef struct yc_status_list yc_status_list;

/**
 * @brief Create a list of @p count entries of @p bits bits each, all YC_STATUS_VALID.
 *
 * @param[in]  bits      Bits per entry: 1, 2, 4 or 8.
 * @param[in]  count     Number of entries, 1..YC_STATUS_LIST_MAX_BYTES * 8 / @p bits.
 * @param[out] ret_list  On YC_OK: the new list, owned by the caller (yc_status_list_free()).
 *
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p bits is not 1, 2, 4 or 8, or @p count is 0
 * @retval YC_ERR_TOO_LARGE  @p count needs more than YC_STATUS_LIST_MAX_BYTES bytes
 * @retval YC_ERR_NOMEM      allocation failed
 * @par Source: draft-ietf-oauth-status-list-21 "Status List"; attestations.md §3.1; issue 4 item 1.
 */
YC_MUST_USE yc_err yc_status_list_new(unsigned bits, size_t count, yc_status_list **ret_list);

/**
 * @brief Release a list.
 * @param[in] list  A list from yc_status_list_new() or yc_status_list_parse(), or NULL
 *                  (then nothing happens).
 * @par Source: STYLE.md §4.2 (`_free(NULL)` is a no-op).
 */
void yc_status_list_free(yc_status_list *list);

/**
 * @brief Bits per entry of a list.
 * @param[in] list  The list; borrowed.
 * @return 1, 2, 4 or 8.
 * @par Source: draft-ietf-oauth-status-list-21 "Status List in JSON Format" (`bits`).
 */
unsigned yc_status_list_bits(const yc_status_list *list);

/**
 * @brief Number of entries of a list (valid indexes are 0..count-1).
 * @param[in] list  The list; borrowed.
 * @return The count, >= 1.
 * @par Source: draft-ietf-oauth-status-list-21 "Status List".
 */
size_t yc_status_list_count(const yc_status_list *list);

/**
 * @brief The raw (uncompressed) byte array of a list, in the draft's layout.
 * @param[in]  list     The list; borrowed.
 * @param[out] ret_len  Length of the returned array in bytes, ceil(count * bits / 8) for a
 *                      list from yc_status_list_new(), the decompressed length for a parsed one.
 * @return A view into @p list, valid until the list is changed or freed.  Do not free.
 * @par Source: draft-ietf-oauth-status-list-21 "Status List".
 */
const uint8_t *yc_status_list_bytes(const yc_status_list *list, size_t *ret_len);

/**
 * @brief Set the status of one entry.
 *
 * @param[in,out] list    The list; borrowed.
 * @param[in]     index   Entry index, 0..count-1.
 * @param[in]     status  New value, 0..2^bits - 1 (YC_STATUS_VALID, YC_STATUS_INVALID,
 *                        YC_STATUS_SUSPENDED or an application-specific value).
 *
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  @p index >= count; the list is unchanged
 * @retval YC_ERR_INVALID    @p status does not fit in the list's bits; the list is unchanged
 * @par Source: draft-ietf-oauth-status-list-21 "Status List", "Status Types".
 */
YC_MUST_USE yc_err yc_status_list_set(yc_status_list *list, size_t index, unsigned status);

/**
 * @brief Read the status of one entry.
 *
 * @param[in]  list        The list; borrowed.
 * @param[in]  index       Entry index (from the token's `status_list.idx`).
 * @param[out] ret_status  On YC_OK: the value, 0..2^bits - 1.
 *
 * @retval YC_OK
 * @retval YC_ERR_NOT_FOUND  @p index >= count (a verifier must reject the token)
 * @par Source: draft-ietf-oauth-status-list-21 "Status List", "Validation Rules" (index out of
 * range).
 */
YC_MUST_USE yc_err yc_status_list_get(const yc_status_list *list, size_t index,
                                      unsigned *ret_status);

/**
 * @brief Compress the list's byte array as one ZLIB stream (RFC 1950, DEFLATE, best
 *        compression): the bytes that base64url-encode to `lst`.
 *
 * The exact output depends on the zlib version; it always inflates back to
 * yc_status_list_bytes().
 *
 * @param[in]  list     The list; borrowed.
 * @param[out] ret_buf  On YC_OK: the compressed bytes (not NUL-terminated), owned by the caller
 *                      (yc_free()).
 * @param[out] ret_len  On YC_OK: length of @p ret_buf in bytes, >= 1.
 *
 * @retval YC_OK
 * @retval YC_ERR_NOMEM     allocation failed
 * @retval YC_ERR_INTERNAL  zlib failed unexpectedly
 * @par Source: draft-ietf-oauth-status-list-21 "Status List" (ZLIB, DEFLATE, highest compression
 *      recommended); RFC 1950; RFC 1951.
 */
YC_MUST_USE yc_err yc_status_list_encode(const yc_status_list *list, uint8_t **ret_buf,
                                         size_t *ret_len);

/**
 * @brief Inflate untrusted `lst` bytes (already base64url-decoded) into a list.
 *
 * Decompression stops as soon as the output would pass @p max_bytes (or the length @p count
 * implies), so a small input can never make this allocate more than that plus one byte.
 *
 * @param[in]  lst        Compressed bytes, not NUL-terminated; may be NULL when @p lst_len is 0.
 * @param[in]  lst_len    Length of @p lst in bytes.
 * @param[in]  bits       The token's `bits`: 1, 2, 4 or 8.
 * @param[in]  count      Declared number of entries, or 0 when none is declared.  When given,
 *                        the output must be exactly ceil(@p count * @p bits / 8) bytes and the
 *                        list has @p count entries (unused high bits of the last byte are not
 *                        checked); when 0, the list has (output bytes) * 8 / @p bits entries.
 * @param[in]  max_bytes  Cap on the decompressed output in bytes, 1..YC_STATUS_LIST_MAX_BYTES;
 *                        output of exactly @p max_bytes is accepted.
 * @param[out] ret_list   On YC_OK: the list, owned by the caller (yc_status_list_free()).
 *
 * @retval YC_OK
 * @retval YC_ERR_INVALID    @p bits is not 1, 2, 4 or 8, @p max_bytes is 0 or above
 *                           YC_STATUS_LIST_MAX_BYTES, or @p lst is NULL with @p lst_len > 0
 * @retval YC_ERR_TOO_LARGE  @p count is 0 and the output exceeds @p max_bytes (decompression
 *                           bomb), @p count implies more than @p max_bytes bytes, or
 *                           @p lst_len > 4 GiB - 1
 * @retval YC_ERR_PROTO      @p lst is not exactly one complete ZLIB stream (empty, bad header
 *                           or preset dictionary, corrupt data, bad Adler-32, truncated,
 *                           trailing bytes), or it inflates to zero bytes; or @p count is
 *                           given and the output is not ceil(@p count * @p bits / 8) bytes long
 *                           (inflating stops one byte past that length)
 * @retval YC_ERR_NOMEM      allocation failed
 * @retval YC_ERR_INTERNAL   zlib failed unexpectedly
 * @par Source: draft-ietf-oauth-status-list-21 "Status List", "Validation Rules", "Security
 * Considerations"; attestations.md §3.1; RFC 1950; issue 4 items 4 and 6.
 */
YC_MUST_USE yc_err yc_status_list_parse(const uint8_t *lst, size_t lst_len, unsigned bits,
                                        size_t count, size_t max_bytes, yc_status_list **ret_list);

#endif
