/* test-schedule.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The cadence of automatic schedules (concord_sync_cadence()): a minute
 * while both sides read in at most 50 requests, longer in proportion
 * beyond, and never above 1 % of an app's rate budget.
 */

#include "config.h"

#include "concord-schedule.h"
#include "concord-test-utils.h"

static guint
cadence (gint64 n_a,
         guint  page_a,
         guint  budget_a,
         gint64 n_b,
         guint  page_b,
         guint  budget_b)
{
  ConcordSideCost a = { n_a, page_a, budget_a };
  ConcordSideCost b = { n_b, page_b, budget_b };

  return concord_sync_cadence (&a, &b);
}

static void
test_schedule_requests (void)
{
  ConcordSideCost empty = { 0, 100, 0 };
  ConcordSideCost one_page = { 100, 100, 0 };
  ConcordSideCost just_over = { 101, 100, 0 };
  ConcordSideCost no_page_size = { 5, 0, 0 };

  /* Even an empty side costs a request to list. */
  g_assert_cmpuint (concord_side_cost_requests (&empty), ==, 1);
  g_assert_cmpuint (concord_side_cost_requests (&one_page), ==, 1);
  g_assert_cmpuint (concord_side_cost_requests (&just_over), ==, 2);
  g_assert_cmpuint (concord_side_cost_requests (&no_page_size), ==, 5);
}

/* At most 50 requests for both sides: every minute. */
static void
test_schedule_small (void)
{
  g_assert_cmpuint (cadence (0, 100, 0, 0, 100, 0), ==, 60);
  g_assert_cmpuint (cadence (1000, 100, 0, 1000, 100, 0), ==, 60);
  /* 25 + 25 pages: exactly the threshold. */
  g_assert_cmpuint (cadence (2500, 100, 0, 2500, 100, 0), ==, 60);
  g_assert_cmpuint (cadence (4900, 100, 0, 1, 100, 0), ==, 60);
}

/* Beyond, in proportion to the requests. */
static void
test_schedule_growth (void)
{
  /* 51 requests: 61.2 s, rounded up. */
  g_assert_cmpuint (cadence (2501, 100, 0, 2500, 100, 0), ==, 62);
  /* Twice the threshold, twice the minute. */
  g_assert_cmpuint (cadence (5000, 100, 0, 5000, 100, 0), ==, 120);
  g_assert_cmpuint (cadence (50000, 100, 0, 0, 100, 0), ==, 602);
  /* 501 and 101 requests (an empty side costs one); smaller pages cost more. */
  g_assert_cmpuint (cadence (5000, 50, 0, 0, 100, 0), ==, 122);
  /* It only grows with the size. */
  for (gint64 n = 0, last = 0; n < 200000; n += 777)
    {
      guint seconds = cadence (n, 100, 0, n / 3, 100, 0);

      g_assert_cmpuint (seconds, >=, last);
      last = seconds;
    }
  /* And stops at once a day. */
  g_assert_cmpuint (cadence (G_MAXINT64, 1, 0, G_MAXINT64, 1, 0), ==, 24 * 3600);
}

/* Never more than 1 % of an app's budget. */
static void
test_schedule_budget (void)
{
  /* 3,600 requests an hour: 1 % is 36 an hour, one request every 100 s. */
  g_assert_cmpuint (cadence (10, 100, 3600, 10, 100, 0), ==, 100);
  /* Either side's budget counts. */
  g_assert_cmpuint (cadence (10, 100, 0, 10, 100, 3600), ==, 100);
  /* 10 requests against 72,000 an hour: 50 s, so the minute holds. */
  g_assert_cmpuint (cadence (1000, 100, 72000, 300, 100, 0), ==, 60);
  /* 50 requests against 72,000 an hour: 250 s, more than the 64 s the
   * size alone would give. */
  g_assert_cmpuint (cadence (5000, 100, 72000, 300, 100, 0), ==, 250);
  /* The cap holds at every size: requests × 3600 / cadence ≤ 1 % budget. */
  for (gint64 n = 0; n < 100000; n += 1234)
    for (guint budget = 100; budget < 1000000; budget *= 7)
      {
        ConcordSideCost a = { n, 100, budget };
        ConcordSideCost b = { n / 2, 100, 0 };
        guint seconds = concord_sync_cadence (&a, &b);
        double per_hour = (double) concord_side_cost_requests (&a) * 3600 / seconds;

        if (seconds < 24 * 3600)
          g_assert_cmpfloat (per_hour, <=, budget / 100.0 + 1e-9);
        g_assert_cmpuint (seconds, >=, 60);
      }
  /* A tiny budget: once a day at most. */
  g_assert_cmpuint (cadence (1000, 100, 1, 0, 100, 0), ==, 24 * 3600);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/schedule/requests", test_schedule_requests);
  g_test_add_func ("/concord/schedule/small", test_schedule_small);
  g_test_add_func ("/concord/schedule/growth", test_schedule_growth);
  g_test_add_func ("/concord/schedule/budget", test_schedule_budget);

  return g_test_run ();
}
