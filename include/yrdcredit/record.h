/**
 * @file record.h
 * @brief The public credit record model: taxonomy codes B01–B02, P01–P06, N01–N14
 *        (domain.md §(a)), subject types, statuses, document types.
 */
#ifndef YRDCREDIT_RECORD_H
#define YRDCREDIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yrdcredit/date.h"
#include "yrdcredit/err.h"

/** Subject types of 双公示 行政相对人类别. */
typedef enum yc_subject_type {
    YC_SUBJECT_NONE = 0,
    YC_SUBJECT_LEGAL_PERSON = 1,        /**< `legal_person` 法人及非法人组织 */
    YC_SUBJECT_INDIVIDUAL_BUSINESS = 2, /**< `individual_business` 个体工商户 */
    YC_SUBJECT_NATURAL_PERSON = 3,      /**< `natural_person` 自然人 */
} yc_subject_type;

/** Record taxonomy codes, domain.md §(a).  Order is stable (stored on disk). */
typedef enum yc_code {
    YC_CODE_B01 = 0, /**< 登记/基础信息 */
    YC_CODE_B02,     /**< 行政许可 active */
    YC_CODE_P01,     /**< 表彰奖励 */
    YC_CODE_P02,     /**< 志愿服务 / 献血 / 公益 */
    YC_CODE_P03,     /**< 纳税缴费信用 A */
    YC_CODE_P04,     /**< 海关高级认证 / 认证企业 */
    YC_CODE_P05,     /**< 信用承诺 全部履行 */
    YC_CODE_P06,     /**< on-time public fees / social insurance */
    YC_CODE_N01,     /**< 行政处罚 警告 / 简易程序 */
    YC_CODE_N02,     /**< 行政处罚 通报批评 / 较低数额罚款 */
    YC_CODE_N03,     /**< 行政处罚 一般 */
    YC_CODE_N04,     /**< 行政处罚 严重 */
    YC_CODE_N05,     /**< 安全生产 / 特种设备 / 消防 处罚 */
    YC_CODE_N06,     /**< 经营异常名录 */
    YC_CODE_N07,     /**< 欠缴税款/社保/行政事业性收费 */
    YC_CODE_N08,     /**< 虚假材料 / 欺骗取得许可 */
    YC_CODE_N09,     /**< 信用承诺违诺 */
    YC_CODE_N10,     /**< 拒不执行生效法律文书 */
    YC_CODE_N11,     /**< 失信被执行人 */
    YC_CODE_N12,     /**< 严重失信主体名单 */
    YC_CODE_N13,     /**< 刑事判决 */
    YC_CODE_N14,     /**< market-specific (Yiwu) complaint / counterfeit finding */
    YC_CODE_COUNT
} yc_code;

/** Record status. */
typedef enum yc_status {
    YC_STATUS_ACTIVE = 0,   /**< `active` */
    YC_STATUS_DISPUTED = 1, /**< `disputed` 异议 pending; still counts, flagged */
    YC_STATUS_REPAIRED = 2, /**< `repaired` 信用修复 approved; no longer counts */
    YC_STATUS_EXPIRED = 3,  /**< `expired`; no longer counts */
    YC_STATUS_REVOKED = 4,  /**< `revoked` (decision revoked); no longer counts */
    YC_STATUS_COUNT
} yc_status;

/** Identity document types of natural persons (ARCHITECTURE.md "Identifiers"). */
typedef enum yc_doc_type {
    YC_DOC_NONE = 0,
    YC_DOC_RESIDENT_ID = 1,        /**< `resident_id` 居民身份证 (GB 11643-1999) */
    YC_DOC_PASSPORT = 2,           /**< `passport` foreign passport + issuing country */
    YC_DOC_PERMANENT_RESIDENT = 3, /**< `foreign_permanent_resident_id` 外国人永久居留身份证 */
    YC_DOC_BUSINESS_CARD = 4,      /**< `business_friend_card` 义乌 外籍商友卡 */
    YC_DOC_COUNT
} yc_doc_type;

/** What yc_store_ingest() did with one record of a batch (valid only when it returned YC_OK). */
typedef enum yc_ingest_outcome {
    YC_INGEST_NONE = 0,       /**< not ingested (yet) */
    YC_INGEST_IMPORTED = 1,   /**< a new record (version 1) */
    YC_INGEST_DUPLICATE = 2,  /**< identical to the stored version: nothing written */
    YC_INGEST_SUPERSEDED = 3, /**< changed: stored as a new version */
} yc_ingest_outcome;

/**
 * Publication window of one taxonomy code, in calendar months from the decision date
 * (domain.md §4).  @c max_months 0 means 长期 (no end: YC_DATE_LONG_TERM);
 * @c min_months 0 means the minimum period ends on the decision date.
 */
typedef struct yc_window {
    int min_months; /**< 0..1200 */
    int max_months; /**< 0 (长期) or min_months..1200 */
} yc_window;

/* Field limits in bytes, excluding the NUL.  Longer input is rejected, never truncated. */
#define YC_SUBJECT_ID_MAX  33   /**< USCC (18) or 'P' + 32 base32 characters */
#define YC_USCC_LEN        18   /**< 统一社会信用代码 length */
#define YC_NAME_MAX        255  /**< names of subjects and authorities */
#define YC_DOC_NUMBER_MAX  32   /**< normalized document number */
#define YC_COUNTRY_LEN     3    /**< ISO 3166-1 alpha-3 */
#define YC_DECISION_NO_MAX 255  /**< 文书号 / 执行案号 / 承诺编码 */
#define YC_LEGAL_BASIS_MAX 2047 /**< 处罚依据 and similar */
#define YC_REGION_LEN      6    /**< 行政区划代码 GB/T 2260 */

/**
 * One public credit record in memory.  Fields are public (callers fill them).
 * Strings are NUL-terminated UTF-8; empty string = absent.
 * For natural persons, @c subject_name, @c doc_number and @c doc_country are
 * in clear only in memory: the store pseudonymises and seals them.
 */
typedef struct yc_record {
    uint64_t record_id; /**< assigned by the store (1..); 0 before ingest */
    uint32_t version;   /**< 1 for the first version; a correction increments it */
    yc_subject_type subject_type;
    char subject_id[YC_SUBJECT_ID_MAX + 1]; /**< USCC, or the 'P…' pseudonym (set by the store) */
    char subject_name[YC_NAME_MAX + 1];     /**< 行政相对人名称 */
    yc_doc_type doc_type;                   /**< natural persons only */
    char doc_country[YC_COUNTRY_LEN + 1];   /**< passports: issuing country, alpha-3 */
    char doc_number[YC_DOC_NUMBER_MAX + 1]; /**< normalized; natural persons only */
    yc_code code;
    char decision_no[YC_DECISION_NO_MAX + 1]; /**< 文书号 */
    yc_date decision_date;
    char authority_name[YC_NAME_MAX + 1];
    char authority_uscc[YC_USCC_LEN + 1];
    char source_name[YC_NAME_MAX + 1]; /**< 数据来源单位 */
    char source_uscc[YC_USCC_LEN + 1];
    char legal_basis[YC_LEGAL_BASIS_MAX + 1];
    bool has_amount;
    yc_amount amount;    /**< 罚款金额 in 万元 (exact) when has_amount */
    yc_date pub_start;   /**< publication starts (normally decision_date) */
    yc_date pub_min_end; /**< minimum publication period ends (repair possible from here) */
    yc_date pub_max_end; /**< maximum publication period ends; YC_DATE_LONG_TERM = 长期 */
    char region[YC_REGION_LEN + 1];
    /** "" for a record ingested here; else the 6-digit 行政区划代码 of the instance that shared
     *  it (the batch's `from`, issue 5 item 5; docs/sharing.md).  Set only by
     *  yc_store_ingest_shared(); yc_store_ingest() stores every record as local. */
    char origin[YC_REGION_LEN + 1];
    yc_status status;
    int64_t ingest_ms;                /**< Unix ms when first ingested (set by the store) */
    yc_ingest_outcome ingest_outcome; /**< set by yc_store_ingest(); not stored */
} yc_record;

/**
 * The fields the score engine needs, decoded without copying strings.
 * @c authority points into borrowed memory (an LMDB page or a yc_record) and is
 * valid as long as that memory; it is not NUL-terminated.
 */
typedef struct yc_fact {
    uint64_t record_id;
    yc_code code;
    yc_status status;
    yc_date decision_date;
    yc_date pub_min_end;
    yc_date pub_max_end;
    bool has_amount;
    yc_amount amount;
    const char *authority; /**< borrowed, not NUL-terminated */
    size_t authority_len;
} yc_fact;

/**
 * @brief Text of a code ("B01" … "N14").
 * @param[in] code  Any value; out of range gives "???".
 * @return Static NUL-terminated string; never NULL.
 */
const char *yc_code_str(yc_code code);

/**
 * @brief Parse "B01" … "N14" (exactly three ASCII characters, upper case).
 * @param[in]  s         NUL-terminated text; at most 4 bytes of it are read.
 * @param[out] ret_code  The code; written only on YC_OK.
 * @retval YC_OK           one of the 22 codes
 * @retval YC_ERR_INVALID  any other text (lower case, "N15", surrounding spaces, ...)
 * @par Source: domain.md §(a).
 */
YC_MUST_USE yc_err yc_code_parse(const char *s, yc_code *ret_code);

/**
 * @brief Is @p code negative (N01–N14)?
 * @param[in] code  Any value.
 * @return true for N codes; false for B and P codes and for values out of range.
 */
bool yc_code_is_negative(yc_code code);

/**
 * @brief API name of a subject type: "legal_person", "individual_business", "natural_person".
 * @param[in] t  Any value; YC_SUBJECT_NONE and out-of-range values give "unknown".
 * @return Static NUL-terminated string; never NULL; do not free.
 */
const char *yc_subject_type_str(yc_subject_type t);

/**
 * @brief Parse a subject type from its API name or its 双公示 Chinese label
 *        (法人及非法人组织 / 法人 / 个体工商户 / 自然人).
 * Matching is exact (byte for byte, UTF-8): no trimming, no case folding.
 * @param[in]  s       NUL-terminated text.
 * @param[out] ret_t   The type; written only on YC_OK.
 * @retval YC_OK           one of the seven spellings
 * @retval YC_ERR_INVALID  anything else
 * @par Source: domain.md §5 CF_XDR_LB.
 */
YC_MUST_USE yc_err yc_subject_type_parse(const char *s, yc_subject_type *ret_t);

/**
 * @brief API name of a status: "active", "disputed", "repaired", "expired", "revoked".
 * @param[in] s  Any value; out of range gives "unknown".
 * @return Static NUL-terminated string; never NULL; do not free.
 */
const char *yc_status_str(yc_status s);

/**
 * @brief Parse a status from its API name (exact, lower case).
 * @param[in]  s       NUL-terminated text.
 * @param[out] ret_s   The status; written only on YC_OK.
 * @retval YC_OK           one of the five names
 * @retval YC_ERR_INVALID  anything else
 */
YC_MUST_USE yc_err yc_status_parse(const char *s, yc_status *ret_s);

/**
 * @brief API name of a document type: "resident_id", "passport",
 *        "foreign_permanent_resident_id", "business_friend_card".
 * @param[in] t  Any value; YC_DOC_NONE and out-of-range values give "unknown".
 * @return Static NUL-terminated string; never NULL; do not free.
 */
const char *yc_doc_type_str(yc_doc_type t);

/**
 * @brief Parse a document type from its API name or Chinese label
 *        (居民身份证 / 身份证, 护照, 外国人永久居留身份证, 外籍商友卡).
 * Matching is exact (byte for byte, UTF-8): no trimming, no case folding.
 * @param[in]  s       NUL-terminated text.
 * @param[out] ret_t   The type; written only on YC_OK.
 * @retval YC_OK           one of the nine spellings
 * @retval YC_ERR_INVALID  anything else
 */
YC_MUST_USE yc_err yc_doc_type_parse(const char *s, yc_doc_type *ret_t);

/**
 * @brief Copy the score-relevant fields of @p rec into @p ret_fact; the authority
 *        pointer borrows @p rec->authority_name.
 * @param[in]  rec       Record; must outlive @p ret_fact.
 * @param[out] ret_fact  Fact view; @c authority_len is the length of @c authority_name up to
 *                       its NUL (at most YC_NAME_MAX bytes when the record is well formed).
 */
void yc_record_to_fact(const yc_record *rec, yc_fact *ret_fact);

#endif
