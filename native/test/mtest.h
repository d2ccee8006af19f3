/* mtest: a tiny assertion header for the muxlab C tests (no framework).
 *
 *   CHECK(cond)           cond must be true
 *   CHECK_EQ(a, b)        integers equal (compared as long long, both printed)
 *   CHECK_NE / CHECK_GE / CHECK_LE / CHECK_GT / CHECK_LT
 *   CHECK_STR(a, b)       C strings equal (NULL-safe)
 *   RUN(call)             runs one test case: RUN(case_x()) or RUN(case_y(&arg));
 *                         the call's text names the case in messages
 *   return mtest_summary("name");   at the end of main: prints the summary
 *                                   line, exit status 1 on any failure
 *
 * A failed check prints file:line, the current case and the values, counts
 * the failure and goes on. */
#ifndef MTEST_H
#define MTEST_H

#include <stdio.h>
#include <string.h>

static int mtest_checks;
static int mtest_failures;
static int mtest_cases;
static int mtest_failed_cases;
static const char *mtest_case = "-";

#define MTEST_FAIL_HEAD() \
    (mtest_failures++, fprintf(stderr, "%s:%d: [%s] FAILED: ", __FILE__, __LINE__, mtest_case))

#define CHECK(cond)                                   \
    do {                                              \
        mtest_checks++;                               \
        if (!(cond)) {                                \
            MTEST_FAIL_HEAD();                        \
            fprintf(stderr, "CHECK(%s)\n", #cond);    \
        }                                             \
    } while (0)

#define MTEST_CMP(a, op, b)                                                          \
    do {                                                                             \
        long long mtest_a_ = (long long)(a);                                         \
        long long mtest_b_ = (long long)(b);                                         \
        mtest_checks++;                                                              \
        if (!(mtest_a_ op mtest_b_)) {                                               \
            MTEST_FAIL_HEAD();                                                       \
            fprintf(stderr, "%s %s %s: %lld (0x%llx) vs %lld (0x%llx)\n", #a, #op, #b, \
                    mtest_a_, (unsigned long long)mtest_a_, mtest_b_,                \
                    (unsigned long long)mtest_b_);                                   \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b) MTEST_CMP(a, ==, b)
#define CHECK_NE(a, b) MTEST_CMP(a, !=, b)
#define CHECK_GE(a, b) MTEST_CMP(a, >=, b)
#define CHECK_LE(a, b) MTEST_CMP(a, <=, b)
#define CHECK_GT(a, b) MTEST_CMP(a, >, b)
#define CHECK_LT(a, b) MTEST_CMP(a, <, b)

#define CHECK_STR(a, b)                                                              \
    do {                                                                             \
        const char *mtest_s_ = (a);                                                  \
        const char *mtest_t_ = (b);                                                  \
        mtest_checks++;                                                              \
        if (!((mtest_s_ == NULL && mtest_t_ == NULL) ||                              \
              (mtest_s_ != NULL && mtest_t_ != NULL && strcmp(mtest_s_, mtest_t_) == 0))) { \
            MTEST_FAIL_HEAD();                                                       \
            fprintf(stderr, "%s == %s: \"%s\" vs \"%s\"\n", #a, #b,                  \
                    mtest_s_ ? mtest_s_ : "(null)", mtest_t_ ? mtest_t_ : "(null)"); \
        }                                                                            \
    } while (0)

#define RUN(call)                                                \
    do {                                                         \
        int mtest_before_ = mtest_failures;                      \
        mtest_case = #call;                                      \
        mtest_cases++;                                           \
        call;                                                    \
        if (mtest_failures != mtest_before_) {                   \
            mtest_failed_cases++;                                \
            fprintf(stderr, "case %s: FAILED\n", #call);         \
        } else {                                                 \
            printf("case %s: ok\n", #call);                      \
        }                                                        \
        fflush(stdout);                                          \
        mtest_case = "-";                                        \
    } while (0)

static inline int mtest_summary(const char *suite)
{
    printf("%s: %d cases, %d checks, %d failed checks in %d cases: %s\n", suite, mtest_cases,
           mtest_checks, mtest_failures, mtest_failed_cases, mtest_failures ? "FAIL" : "PASS");
    fflush(stdout);
    return mtest_failures ? 1 : 0;
}

#endif
