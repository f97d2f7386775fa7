/* Shared helpers for the Check unit tests. */
#ifndef SGN_CHECK_H
#define SGN_CHECK_H

#include <check.h>
#include <stdlib.h>
#include "sgn/error.h"

#define ck_assert_sgn_ok(expr, err)                                                            \
    ck_assert_msg((expr) == SGN_OK, "%s failed: %s", #expr, (err)->msg)

/* Run one suite and return the process exit status. */
static inline int sgn_check_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
