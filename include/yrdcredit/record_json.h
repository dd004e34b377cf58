/**
 * @file record_json.h
 * @brief JSON view of a stored record (the shape `yrdcredit records` prints and the HTTP
 *        API will serve).
 */
#ifndef YRDCREDIT_RECORD_JSON_H
#define YRDCREDIT_RECORD_JSON_H

#include <jansson.h>

#include "yrdcredit/record.h"

/**
 * @brief Build the JSON object of one record.
 *
 * Keys: record_id (decimal string), version, subject_type, subject_id, name (omitted for
 * natural persons: never shown), code, decision_no, decision_date, authority_name,
 * authority_uscc, source_name, source_uscc, legal_basis, amount (decimal string in 万元, or
 * null), pub_start, pub_min_end, pub_max_end (null for 长期), region, status, ingest_time
 * (RFC 3339 UTC, milliseconds), origin (null for a record ingested here; for a record shared
 * by a partner instance, that instance's 6-digit region: docs/sharing.md).  Empty strings
 * become null.  Dates are "YYYY-MM-DD".
 *
 * @param[in] rec  A record as read from the store.
 * @return A new reference (caller releases with json_decref), or NULL on allocation failure.
 * @par Source: issue 2 item 3 (record model); amounts as decimal strings (ARCHITECTURE.md);
 *      origin: issue 5 item 5.
 */
json_t *yc_record_to_json(const yc_record *rec);

#endif
