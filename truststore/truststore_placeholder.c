/* trust store helpers */
typedef int sgn_truststore_placeholder_;
