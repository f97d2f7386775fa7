/* trust policy helpers */
typedef int sgn_trustpolicy_placeholder_;
