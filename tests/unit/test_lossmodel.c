/* Unit tests for the seeded impairment model (sim/lossmodel.h).
 *
 * Statistical checks use fixed seeds, so they are deterministic: a pass stays
 * a pass. Each bound is 4 standard deviations of the estimator under the
 * model's own definition (a correct model falls outside with probability
 * about 6e-5 per check, for a new seed), wide enough not to be flaky when a
 * seed changes, narrow enough to catch a wrong formula (e.g. swapping p_gb
 * and p_bg moves GE 10%/3 to a 75% loss rate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/lossmodel.h"

#define N_STAT 100000u

static struct lossmodel make(const struct lossmodel_config *cfg)
{
    struct lossmodel m;
    assert_int_equal(lossmodel_init(&m, cfg), LOSSMODEL_OK);
    return m;
}

static struct lossmodel_config bernoulli(double rate, uint64_t seed)
{
    struct lossmodel_config c;
    lossmodel_config_default(&c);
    c.loss = LOSSMODEL_LOSS_BERNOULLI;
    c.loss_rate = rate;
    c.seed = seed;
    return c;
}

static struct lossmodel_config gilbert(double rate, double burst, uint64_t seed)
{
    struct lossmodel_config c;
    lossmodel_config_default(&c);
    c.loss = LOSSMODEL_LOSS_GE;
    c.loss_rate = rate;
    c.burst_len = burst;
    c.seed = seed;
    return c;
}

/* Every knob on, so equality checks cover every decision stream. */
static struct lossmodel_config everything(uint64_t seed)
{
    struct lossmodel_config c = gilbert(0.1, 3.0, seed);
    c.delay_ms = 40.0;
    c.jitter_ms = 15.0;
    c.jitter_dist = LOSSMODEL_JITTER_NORMAL;
    c.reorder_p = 0.05;
    c.duplicate_p = 0.05;
    return c;
}

static void assert_same_fate(struct lossmodel_fate a, struct lossmodel_fate b)
{
    assert_int_equal(a.drop, b.drop);
    assert_int_equal(a.copies, b.copies);
    assert_int_equal(a.reordered, b.reordered);
    /* Bit-identical: the same arithmetic on the same inputs. */
    assert_memory_equal(&a.delay_ms, &b.delay_ms, sizeof a.delay_ms);
}

static void assert_within(double value, double expected, double bound, const char *what)
{
    if (fabs(value - expected) > bound)
        fail_msg("%s: %.6g is outside %.6g +/- %.6g", what, value, expected, bound);
}

/* ---- determinism ---------------------------------------------------------- */

static void test_same_seed_same_sequence(void **state)
{
    (void)state;
    struct lossmodel_config c = everything(42);
    struct lossmodel a = make(&c), b = make(&c);
    for (int k = 0; k < 20000; k++)
        assert_same_fate(lossmodel_next(&a), lossmodel_next(&b));
    assert_memory_equal(&a.count, &b.count, sizeof a.count);
}

static void test_different_seeds_differ(void **state)
{
    (void)state;
    struct lossmodel_config c1 = bernoulli(0.2, 1), c2 = bernoulli(0.2, 2);
    struct lossmodel a = make(&c1), b = make(&c2);
    unsigned mismatches = 0, n = 10000;
    for (unsigned k = 0; k < n; k++)
        mismatches += lossmodel_next(&a).drop != lossmodel_next(&b).drop;
    /* Independent patterns disagree on 2 p (1 - p) = 32% of packets; 25% is
     * 15 sigma below that, and identical patterns would give 0. */
    assert_true(mismatches > n / 4);
}

/* fate(k) must not depend on what was asked before: backwards, skipping, the
 * same k twice, all against a fresh sequential run. */
static void test_fate_is_function_of_seed_and_k(void **state)
{
    (void)state;
    struct lossmodel_config c = everything(7);
    struct lossmodel seq = make(&c), rnd = make(&c);
    enum { N = 3000 };
    struct lossmodel_fate *ref = malloc(N * sizeof *ref);
    assert_non_null(ref);
    for (int k = 0; k < N; k++)
        ref[k] = lossmodel_next(&seq);

    for (int k = N - 1; k >= 0; k -= 7)
        assert_same_fate(lossmodel_fate(&rnd, (uint64_t)k), ref[k]);
    for (int k = 0; k < N; k += 13) {
        assert_same_fate(lossmodel_fate(&rnd, (uint64_t)k), ref[k]);
        assert_same_fate(lossmodel_fate(&rnd, (uint64_t)k), ref[k]);
    }
    /* Random access leaves next() on its own index. */
    assert_int_equal(rnd.next_k, 0);
    assert_same_fate(lossmodel_next(&rnd), ref[0]);
    free(ref);
}

/* Comparing two systems, or two settings, on the same loss pattern needs the
 * loss decisions to ignore the other knobs. */
static void test_other_knobs_do_not_move_losses(void **state)
{
    (void)state;
    struct lossmodel_config plain = gilbert(0.1, 3.0, 99), full = everything(99);
    struct lossmodel a = make(&plain), b = make(&full);
    for (int k = 0; k < 20000; k++)
        assert_int_equal(lossmodel_next(&a).drop, lossmodel_next(&b).drop);
}

/* Pins the hash: changing it silently would change every recorded pattern
 * (benchmarks, baselines, drop logs). Update deliberately if ever needed. */
static void test_pattern_is_pinned(void **state)
{
    (void)state;
    struct lossmodel_config c = bernoulli(0.2, 1);
    struct lossmodel m = make(&c);
    uint64_t first[8], n = 0, sum = 0;
    for (uint64_t k = 0; k < 1000; k++) {
        if (lossmodel_next(&m).drop) {
            if (n < 8)
                first[n] = k;
            n++;
            sum += k;
        }
    }
    static const uint64_t expected_first[8] = {2, 4, 6, 7, 10, 15, 21, 22};
    assert_memory_equal(first, expected_first, sizeof first);
    assert_int_equal(n, 201);
    assert_int_equal(sum, 101932);
    assert_true(lossmodel_uniform(1, 0, 0) >= 0.0 && lossmodel_uniform(1, 0, 0) < 1.0);
}

/* ---- loss statistics ------------------------------------------------------ */

static void test_none_is_clean(void **state)
{
    (void)state;
    struct lossmodel_config c;
    lossmodel_config_default(&c);
    c.delay_ms = 12.5;
    struct lossmodel m = make(&c);
    for (int k = 0; k < 10000; k++) {
        struct lossmodel_fate f = lossmodel_next(&m);
        assert_false(f.drop);
        assert_int_equal(f.copies, 1);
        assert_true(f.delay_ms == 12.5);
        assert_false(f.reordered);
    }
    assert_int_equal(m.count.dropped, 0);
    assert_int_equal(m.count.out, 10000);
    assert_int_equal(m.count.delayed, 10000);
}

static void test_bernoulli_rate(void **state)
{
    (void)state;
    static const double rates[] = {0.01, 0.05, 0.2, 0.5};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        double p = rates[i];
        struct lossmodel_config c = bernoulli(p, 1000 + i);
        struct lossmodel m = make(&c);
        for (unsigned k = 0; k < N_STAT; k++)
            lossmodel_next(&m);
        /* Binomial(n, p): sd = sqrt(n p (1-p)). */
        double sd = sqrt(N_STAT * p * (1 - p));
        assert_within((double)m.count.dropped, N_STAT * p, 4 * sd, "bernoulli drops");
        /* Independent losses: runs are geometric with mean 1 / (1 - p). */
        double mean_burst = (double)m.count.dropped / (double)m.count.bursts;
        assert_true(mean_burst < 1.0 / (1.0 - p) + 0.1);
    }
    struct lossmodel_config all = bernoulli(1.0, 3), none = bernoulli(0.0, 3);
    struct lossmodel ma = make(&all), mn = make(&none);
    for (int k = 0; k < 1000; k++) {
        assert_true(lossmodel_next(&ma).drop);
        assert_false(lossmodel_next(&mn).drop);
    }
}

/* Mean loss rate and mean burst length of the Gilbert-Elliott model. The
 * loss indicator is a two-state Markov chain whose lag-1 correlation is
 * lambda = 1 - p_gb - p_bg, so the variance of the loss count is the binomial
 * one times (1 + lambda) / (1 - lambda). Bursts are geometric with parameter
 * p_bg: variance (1 - p_bg) / p_bg^2 per burst. */
static void test_ge_rate_and_burst(void **state)
{
    (void)state;
    static const struct {
        double rate, burst;
    } cases[] = {{0.05, 1.0}, {0.1, 2.0}, {0.1, 3.0}, {0.2, 3.0}, {0.3, 8.0}};
    const unsigned n = 4 * N_STAT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double r = cases[i].rate, b = cases[i].burst;
        struct lossmodel_config c = gilbert(r, b, 500 + i);
        struct lossmodel m = make(&c);
        uint64_t runs = 0, longest = 0, run = 0;
        for (unsigned k = 0; k < n; k++) {
            if (lossmodel_next(&m).drop) {
                runs += run == 0;
                run++;
                longest = run > longest ? run : longest;
            } else {
                run = 0;
            }
        }
        assert_int_equal(m.count.bursts, runs); /* the counter counts runs */

        double p_bg = 1.0 / b, p_gb = r * p_bg / (1.0 - r);
        double lambda = 1.0 - p_gb - p_bg;
        double sd_loss = sqrt(n * r * (1 - r) * (1 + lambda) / (1 - lambda));
        assert_within((double)m.count.dropped, n * r, 4 * sd_loss, "GE drops");

        double mean_burst = (double)m.count.dropped / (double)m.count.bursts;
        double sd_burst = sqrt((1 - p_bg) / (p_bg * p_bg) / (double)m.count.bursts);
        assert_within(mean_burst, b, 4 * sd_burst + 1e-9, "GE mean burst");
        if (b == 1.0)
            assert_int_equal(longest, 1);
    }
}

/* ---- per-packet delay, reorder, duplicate --------------------------------- */

static void test_duplicate_and_reorder_rates(void **state)
{
    (void)state;
    struct lossmodel_config c = bernoulli(0.1, 77);
    c.duplicate_p = 0.05;
    c.reorder_p = 0.02;
    c.reorder_ms = 30.0;
    c.delay_ms = 10.0;
    struct lossmodel m = make(&c);
    for (unsigned k = 0; k < N_STAT; k++) {
        struct lossmodel_fate f = lossmodel_next(&m);
        if (f.drop)
            assert_int_equal(f.copies, 0);
        else
            assert_true(f.delay_ms == (f.reordered ? 40.0 : 10.0));
    }
    /* Rates apply to delivered packets: Binomial(delivered, p). */
    double delivered = (double)(m.count.in - m.count.dropped);
    assert_within((double)m.count.duplicated, delivered * 0.05, 4 * sqrt(delivered * 0.05 * 0.95),
                  "duplicates");
    assert_within((double)m.count.reordered, delivered * 0.02, 4 * sqrt(delivered * 0.02 * 0.98),
                  "reorders");
    assert_int_equal(m.count.out, m.count.in - m.count.dropped + m.count.duplicated);
    assert_int_equal(m.count.delayed, m.count.in - m.count.dropped);
}

static void test_jitter_uniform(void **state)
{
    (void)state;
    struct lossmodel_config c;
    lossmodel_config_default(&c);
    c.delay_ms = 40.0;
    c.jitter_ms = 10.0;
    struct lossmodel m = make(&c);
    double sum = 0, lo = 1e9, hi = -1e9;
    for (unsigned k = 0; k < N_STAT; k++) {
        double d = lossmodel_next(&m).delay_ms;
        sum += d;
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_true(lo >= 30.0 && lo < 30.1);
    assert_true(hi <= 50.0 && hi > 49.9);
    /* Uniform on [-J, J]: sd J / sqrt(3). */
    assert_within(sum / N_STAT, 40.0, 4 * 10.0 / sqrt(3.0) / sqrt(N_STAT), "uniform mean");
}

static void test_jitter_normal(void **state)
{
    (void)state;
    struct lossmodel_config c;
    lossmodel_config_default(&c);
    c.delay_ms = 100.0;
    c.jitter_ms = 10.0;
    c.jitter_dist = LOSSMODEL_JITTER_NORMAL;
    struct lossmodel m = make(&c);
    double sum = 0, sum2 = 0;
    for (unsigned k = 0; k < N_STAT; k++) {
        double d = lossmodel_next(&m).delay_ms - 100.0;
        sum += d;
        sum2 += d * d;
    }
    double mean = sum / N_STAT, var = sum2 / N_STAT - mean * mean;
    assert_within(mean, 0.0, 4 * 10.0 / sqrt(N_STAT), "normal mean");
    /* Var of the sample variance of a normal: 2 sigma^4 / n. */
    assert_within(var, 100.0, 4 * sqrt(2.0 * 1e4 / N_STAT), "normal variance");

    /* Clamped at 0: never a negative delay. */
    c.delay_ms = 0.0;
    struct lossmodel z = make(&c);
    unsigned zeros = 0;
    for (unsigned k = 0; k < 10000; k++) {
        double d = lossmodel_next(&z).delay_ms;
        assert_true(d >= 0.0);
        zeros += d == 0.0;
    }
    assert_true(zeros > 4000 && zeros < 6000);
}

/* Packets arrive every 20 ms; jitter of +/-15 ms would reorder some. */
static void test_spike(void **state)
{
    (void)state;
    struct lossmodel_config c;
    lossmodel_config_default(&c);
    c.delay_ms = 5.0;
    c.spike_at_ms = 1000.0;
    c.spike_len_ms = 500.0;
    c.spike_ms = 300.0;
    char text[256];
    lossmodel_describe(&c, text, sizeof text);
    assert_non_null(strstr(text, "spike +300 ms for 500 ms at 1000 ms"));
    struct lossmodel m = make(&c);
    /* the first packet arrives at 100 ms: the spike is 1100-1600 ms */
    for (int k = 0; k < 200; k++) {
        double arrival = 100.0 + 20.0 * k;
        struct lossmodel_fate f = lossmodel_next(&m);
        double t = lossmodel_release_ms(&m, &f, arrival);
        if (arrival < 1100.0)
            assert_true(t == arrival + 5.0);
        else if (arrival < 1600.0)
            assert_true(t == arrival + 305.0);
        else if (arrival < 1880.0) /* queued behind the last held packet (1880 + 25) */
            assert_true(t == 1580.0 + 305.0);
        else
            assert_true(t == arrival + 5.0);
    }
    c.spike_ms = -1.0;
    struct lossmodel bad;
    assert_int_equal(lossmodel_init(&bad, &c), LOSSMODEL_EINVAL);
}

static void test_release_order(void **state)
{
    (void)state;
    struct lossmodel_config c;
    lossmodel_config_default(&c);
    c.delay_ms = 20.0;
    c.jitter_ms = 15.0;
    c.seed = 5;

    struct lossmodel kept = make(&c);
    double last = -1.0;
    for (int k = 0; k < 10000; k++) {
        struct lossmodel_fate f = lossmodel_next(&kept);
        double t = lossmodel_release_ms(&kept, &f, 20.0 * k);
        assert_true(t >= last);
        assert_true(t >= 20.0 * k + f.delay_ms);
        last = t;
    }

    c.jitter_reorders = true;
    struct lossmodel real = make(&c);
    unsigned inversions = 0;
    last = -1.0;
    for (int k = 0; k < 10000; k++) {
        struct lossmodel_fate f = lossmodel_next(&real);
        double t = lossmodel_release_ms(&real, &f, 20.0 * k);
        assert_true(t == 20.0 * k + f.delay_ms);
        inversions += t < last;
        last = t;
    }
    /* Two uniform(+/-15) jitters differ by more than 20 ms with probability
     * (10/30)^2 / 2 = 5.6%. */
    assert_within(inversions, 556, 4 * sqrt(556), "jitter inversions");
}

/* A held packet is overtaken, and does not hold back the ones behind it. */
static void test_reorder_is_overtaken(void **state)
{
    (void)state;
    struct lossmodel_config c;
    lossmodel_config_default(&c);
    c.reorder_p = 0.1;
    c.reorder_ms = 30.0;
    struct lossmodel m = make(&c);
    double held_until = -1.0;
    unsigned overtaken = 0;
    for (int k = 0; k < 10000; k++) {
        struct lossmodel_fate f = lossmodel_next(&m);
        double t = lossmodel_release_ms(&m, &f, 20.0 * k);
        if (f.reordered) {
            assert_true(t == 20.0 * k + 30.0);
            held_until = t;
        } else {
            assert_true(t == 20.0 * k); /* never waits for a held packet */
            overtaken += t < held_until;
        }
    }
    /* Each held packet is overtaken by the next one unless that one is held
     * too (probability 0.1). */
    assert_true(overtaken >= m.count.reordered * 8 / 10);
}

/* ---- parameters ----------------------------------------------------------- */

static void test_invalid_configs(void **state)
{
    (void)state;
    struct lossmodel m;
    struct lossmodel_config c = bernoulli(1.5, 1);
    assert_int_equal(lossmodel_init(&m, &c), LOSSMODEL_EINVAL);
    c = bernoulli(NAN, 1);
    assert_int_equal(lossmodel_init(&m, &c), LOSSMODEL_EINVAL);
    c = gilbert(1.0, 3.0, 1);
    assert_int_equal(lossmodel_init(&m, &c), LOSSMODEL_EINVAL);
    c = gilbert(0.6, 1.0, 1); /* p_gb = 1.5 */
    assert_int_equal(lossmodel_init(&m, &c), LOSSMODEL_EINVAL);
    c = gilbert(0.1, 0.5, 1);
    assert_int_equal(lossmodel_init(&m, &c), LOSSMODEL_EINVAL);
    c = gilbert(0.5, 1.0, 1); /* p_gb = 1: alternating, still valid */
    assert_int_equal(lossmodel_init(&m, &c), LOSSMODEL_OK);
    c = bernoulli(0.1, 1);
    c.delay_ms = -1.0;
    assert_int_equal(lossmodel_init(&m, &c), LOSSMODEL_EINVAL);
    c = bernoulli(0.1, 1);
    c.duplicate_p = 2.0;
    assert_int_equal(lossmodel_init(&m, &c), LOSSMODEL_EINVAL);
    c = bernoulli(0.1, 1);
    c.jitter_ms = INFINITY;
    assert_int_equal(lossmodel_init(&m, &c), LOSSMODEL_EINVAL);
    assert_int_equal(lossmodel_init(NULL, &c), LOSSMODEL_EINVAL);
}

static void test_parse_prob(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double p;
    } good[] = {{"0.2", 0.2}, {"20%", 0.2}, {"0", 0.0}, {"1", 1.0}, {"100%", 1.0}, {"2.5%", 0.025}};
    static const char *const bad[] = {"", "abc", "1.5", "-0.1", "20%%", "0.2x", "nan", "101%", "%"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double p = -1;
        assert_int_equal(lossmodel_parse_prob(good[i].s, &p), LOSSMODEL_OK);
        assert_within(p, good[i].p, 1e-12, good[i].s);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double p = -1;
        if (lossmodel_parse_prob(bad[i], &p) != LOSSMODEL_EINVAL)
            fail_msg("'%s' accepted as %g", bad[i], p);
        assert_true(p == -1);
    }
}

static void test_describe(void **state)
{
    (void)state;
    struct lossmodel_config c = everything(3);
    char buf[256];
    int n = lossmodel_describe(&c, buf, sizeof buf);
    assert_int_equal(n, (int)strlen(buf));
    assert_non_null(strstr(buf, "gilbert-elliott 10% burst 3"));
    assert_non_null(strstr(buf, "seed 3"));
    char small[8];
    assert_int_equal(lossmodel_describe(&c, small, sizeof small), n);
    assert_int_equal(strlen(small), sizeof small - 1);
}

/* The hash itself: uniform, and streams uncorrelated for the same k. */
static void test_uniform_hash(void **state)
{
    (void)state;
    double sum = 0, cross = 0;
    for (uint64_t k = 0; k < N_STAT; k++) {
        double u = lossmodel_uniform(9, 0, k), v = lossmodel_uniform(9, 1, k);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
        cross += (u - 0.5) * (v - 0.5);
    }
    /* Uniform: sd 1/sqrt(12); product of two independent centred ones: 1/12. */
    assert_within(sum / N_STAT, 0.5, 4 / sqrt(12.0 * N_STAT), "uniform mean");
    assert_within(cross / N_STAT, 0.0, 4 / (12.0 * sqrt(N_STAT)), "stream correlation");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_sequence),
        cmocka_unit_test(test_different_seeds_differ),
        cmocka_unit_test(test_fate_is_function_of_seed_and_k),
        cmocka_unit_test(test_other_knobs_do_not_move_losses),
        cmocka_unit_test(test_pattern_is_pinned),
        cmocka_unit_test(test_none_is_clean),
        cmocka_unit_test(test_bernoulli_rate),
        cmocka_unit_test(test_ge_rate_and_burst),
        cmocka_unit_test(test_duplicate_and_reorder_rates),
        cmocka_unit_test(test_jitter_uniform),
        cmocka_unit_test(test_jitter_normal),
        cmocka_unit_test(test_release_order),
        cmocka_unit_test(test_spike),
        cmocka_unit_test(test_reorder_is_overtaken),
        cmocka_unit_test(test_invalid_configs),
        cmocka_unit_test(test_parse_prob),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_uniform_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
