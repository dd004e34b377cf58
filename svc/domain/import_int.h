/* Internal interface between the importer's files (import.c: encodings, batches,
 * shared field checks; import_csv.c: 双公示 CSV; import_json.c: JSON Lines).
 * Not a public header. */
#ifndef YC_DOMAIN_IMPORT_INT_H
#define YC_DOMAIN_IMPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "yrdcredit/import.h"

/* A borrowed UTF-8 slice, not NUL-terminated. */
typedef struct yc_sv {
    const char *p;
    size_t n;
} yc_sv;

typedef struct yc_csv_state yc_csv_state;

/* One import pass over one input. */
typedef struct yc_imp {
    const yc_import_opts *opts;
    const char *name;
    bool deliver;     /* false: validation pass of an atomic import (no on_batch) */
    bool report;      /* call on_reject */
    yc_record *batch; /* batch_alloc slots, grown up to batch_cap */
    size_t batch_n, batch_cap, batch_alloc;
    yc_import_stats stats;
    yc_err fatal; /* first error that stops the import */
    bool is_json;
    bool text_valid; /* the whole decoded text is known to be valid UTF-8 */
    bool gb18030;    /* decoded from GB18030: an invalid sequence became byte 0xFF */
    yc_csv_state *csv;
    /* JSON Lines line assembly */
    char *line;
    size_t line_len;
    bool line_overflow;
    long line_no; /* physical line of the next line to complete */
    char reason[512];
} yc_imp;

/* Sentinel field names (docs/formats.md §5). */
#define YC_FIELD_ROW  "(row)"
#define YC_FIELD_FILE "(file)"

/* Reports a rejected row (reason printf-style) and counts it.  Never pass a cell value
 * in the format: use yc_imp_reject_value(), which applies the echo rule. */
void yc_imp_reject(yc_imp *imp, long row, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Rejects with "<what> 'value'" when echo is true and the value passes the echo rule of
 * docs/formats.md §5 (short, no run of 6 digits, no control character), else "<what>".
 * echo: the field is a code list and the row's subject is known not to be a natural person. */
void yc_imp_reject_value(yc_imp *imp, long row, const char *field, const char *what, yc_sv v,
                         bool echo);
/* True when a JSON key may be named in a reject: 1..32 bytes of [A-Za-z0-9_] without a run
 * of 6 digits. */
bool yc_imp_key_is_safe(const char *key);
/* Checks the bytes of one value: NUL, encoding, then control characters (C0, DEL, C1) and
 * invisible or direction control characters (docs/formats.md §1); free_text allows TAB, CR,
 * LF and the invisible characters other than the bidi overrides and isolates.  The one check
 * of both CSV and JSON Lines.  Reports the reject itself and returns false. */
bool yc_imp_cell(yc_imp *imp, long row, const char *field, yc_sv v, bool free_text);
/* Checks only the encoding of one value (invalid UTF-8 / invalid GB18030 byte sequence). */
bool yc_imp_cell_encoding(yc_imp *imp, long row, const char *field, yc_sv v);

/* Next free record slot, zeroed with defaults (version 1, dates NONE, status active). */
yc_record *yc_imp_slot(yc_imp *imp);
/* Accepts the record in the current slot; flushes a full batch. */
YC_MUST_USE yc_err yc_imp_commit(yc_imp *imp);

/* Trim ASCII spaces and tabs. */
yc_sv yc_sv_trim(yc_sv s);
bool yc_sv_eq(yc_sv s, const char *lit);
bool yc_utf8_valid(const char *p, size_t n);

/* Shared field checks.  Each returns false after reporting the reject itself. */
bool yc_imp_text(yc_imp *imp, long row, const char *field, yc_sv v, bool required, char *dst,
                 size_t dst_max);
bool yc_imp_present(yc_imp *imp, long row, const char *field, yc_sv v);
/* cjk: also accept YYYY年MM月DD日 (only the 失信被执行人 feed's dates). */
bool yc_imp_date(yc_imp *imp, long row, const char *field, yc_sv v, bool required, bool not_future,
                 bool cjk, yc_date *ret);
bool yc_imp_amount(yc_imp *imp, long row, const char *field, yc_sv v, bool *ret_has,
                   yc_amount *ret);
bool yc_imp_uscc(yc_imp *imp, long row, const char *field, yc_sv v, bool required,
                 char dst[static YC_USCC_LEN + 1]);
bool yc_imp_region(yc_imp *imp, long row, const char *field, yc_sv v, yc_record *rec);
bool yc_imp_doc(yc_imp *imp, long row, const char *type_field, yc_sv type_text,
                const char *number_field, yc_sv number, const char *country_field, yc_sv country,
                yc_doc_type fixed_type, yc_record *rec);
/* Fills region when still empty: subject USCC, then authority USCC (positions 3–8). */
void yc_imp_default_region(yc_record *rec);
/* Computes the publication window from opts->windows; explicit_end may be YC_DATE_NONE.
 * An explicit end is capped at decision_date + max_months when the code's window has a
 * maximum (max_months > 0); an earlier explicit end wins.
 * Returns false (after rejecting with end_field) when the end precedes pub_start. */
bool yc_imp_window(yc_imp *imp, long row, yc_record *rec, yc_date explicit_end,
                   const char *end_field, const char *end_reason);

/* Kind-specific consumers of decoded UTF-8 text. */
YC_MUST_USE yc_err yc_csv_begin(yc_imp *imp);
YC_MUST_USE yc_err yc_csv_feed(yc_imp *imp, const char *p, size_t n);
YC_MUST_USE yc_err yc_csv_finish(yc_imp *imp);
void yc_csv_end(yc_imp *imp);
/* One 双公示 row given as field codes and values (yc_import_rows()), after yc_csv_begin():
 * validated and mapped as a CSV data row whose header holds the codes.  Rejects only the row;
 * returns an error only when the import must stop (allocation, on_batch). */
YC_MUST_USE yc_err yc_csv_row(yc_imp *imp, long row, const yc_import_field *fields, size_t n);

YC_MUST_USE yc_err yc_jsonl_feed(yc_imp *imp, const char *p, size_t n);
YC_MUST_USE yc_err yc_jsonl_finish(yc_imp *imp);

#endif
