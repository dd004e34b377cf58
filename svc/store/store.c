/* placeholder: replaced by the module implementation */
typedef int yc_placeholder_t;
