/* The purpose vocabulary of issue 6 item 2 (include/yrdcredit/purpose.h).  A code is stated by
 * an fi client; 征信业管理条例 Art.18/20 tie every query of a person to a consented purpose
 * (docs/design/domain.md §8), so the list is closed and each entry says for whom it may be
 * stated.  README.md "Who may call what (issue 6)" lists the same codes. */
#include "yrdcredit/purpose.h"

#include <string.h>

static const yc_purpose purposes[] = {
    /* The five that issue 6 names. */
    {"loan_approval", "贷款审批", "loan approval", true, true},
    {"post_loan_management", "贷后管理", "post-loan management", true, true},
    {"guarantee_review", "担保资格审查", "guarantee eligibility review", true, true},
    /* A card is issued to a person (a 商务卡 too: its holder is a person). */
    {"credit_card_approval", "信用卡审批", "credit card approval", true, false},
    {"insurance", "保险", "insurance underwriting", true, true},
    /* What a YRD bank, lessor or platform also states (信易贷, 信易租, supply-chain finance). */
    {"credit_line_review", "授信审查", "credit line review", true, true},
    {"financial_leasing", "融资租赁审查", "financial leasing review", true, true},
    {"lease_deposit_waiver", "租赁免押", "deposit waiver for a lease", true, true},
    /* Only for organisations: a supplier or a buyer on credit is a USCC subject (个体工商户
     * included), and checking a person for either is not a purpose Art.18 lets a bank agree. */
    {"supplier_qualification", "供应商资格审查", "supplier qualification", false, true},
    {"trade_credit", "赊销信用审查", "trade credit review", false, true},
};

#define N_PURPOSES (sizeof purposes / sizeof purposes[0])

const yc_purpose *yc_purpose_find(const char *code, size_t code_len)
{
    if (code_len == 0 || code_len > YC_PURPOSE_CODE_MAX)
        return NULL;
    for (size_t i = 0; i < N_PURPOSES; i++)
        if (strlen(purposes[i].code) == code_len && memcmp(purposes[i].code, code, code_len) == 0)
            return &purposes[i];
    return NULL;
}

bool yc_purpose_is_valid(const char *code, size_t code_len)
{
    return yc_purpose_find(code, code_len) != NULL;
}

bool yc_purpose_is_valid_for(const char *code, size_t code_len, bool is_individual)
{
    const yc_purpose *p = yc_purpose_find(code, code_len);
    return p != NULL && (is_individual ? p->for_individuals : p->for_organisations);
}

const char *yc_purpose_label(const char *code, size_t code_len)
{
    const yc_purpose *p = yc_purpose_find(code, code_len);
    return p != NULL ? p->label_zh : NULL;
}

size_t yc_purpose_count(void)
{
    return N_PURPOSES;
}

const yc_purpose *yc_purpose_at(size_t i)
{
    return i < N_PURPOSES ? &purposes[i] : NULL;
}
