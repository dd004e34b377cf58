/* Fuzz target: JSON Lines import (失信被执行人, 信用承诺, generic records) through
 * yc_import_buffer with a no-op sink.
 * Target Functions: yc_import_buffer → encoding detection / GB18030 iconv, line assembly,
 * Jansson parsing, per-kind key checks, publication windows.
 * The first input byte selects the options (encoding, atomic, batch size); the rest is the
 * file.  Corpus: tests/fuzz/corpus/jsonl/ (real sample rows). */
#define FUZZ_IMPORT_NAME "fuzz.jsonl"
#include "import_target.h"
