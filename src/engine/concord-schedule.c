/* concord-schedule.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * How often an automatic schedule syncs a connection: as often as reading
 * both apps costs little. A run reads each side whole (a listing of
 * ceil(records / page size) requests, at least one); while both together
 * take at most CONCORD_CADENCE_SMALL_REQUESTS requests it runs every
 * CONCORD_CADENCE_MIN_SECONDS. Beyond, the time between runs grows in
 * proportion to the requests (twice the requests, twice the time), so the
 * rate of requests stays that of a small connection. And whatever the
 * size, the requests one run makes to an app, repeated at that cadence,
 * stay within CONCORD_CADENCE_BUDGET_PERCENT of the app's rate budget.
 *
 * Pure and cheap: the engine calls it after every run with the record
 * counts of the store.
 */

#define G_LOG_DOMAIN "concord-schedule"

#include "config.h"

#include "concord-schedule.h"

/* ceil (a / b) for positive b, without overflow for any gint64 a ≥ 0. */
static guint64
div_ceil (guint64 a,
          guint64 b)
{
  return a / b + (a % b != 0);
}

/**
 * concord_side_cost_requests:
 *
 * Returns: the requests a full listing of the side takes, at least 1
 */
guint
concord_side_cost_requests (const ConcordSideCost *cost)
{
  guint64 pages;

  g_return_val_if_fail (cost != NULL, 1);

  pages = div_ceil ((guint64) MAX (cost->n_records, 0), MAX (cost->page_size, 1));
  return (guint) CLAMP (pages, 1, G_MAXUINT);
}

/* The shortest time between runs that keeps one side within its share
 * of its budget: requests × 3600 s / (budget × share). */
static guint64
budget_floor (const ConcordSideCost *cost)
{
  guint64 requests = concord_side_cost_requests (cost);

  if (cost->budget_per_hour == 0)
    return 0;
  return div_ceil (requests * 3600 * 100, (guint64) cost->budget_per_hour * CONCORD_CADENCE_BUDGET_PERCENT);
}

/**
 * concord_sync_cadence:
 * @a: what reading side A costs
 * @b: what reading side B costs
 *
 * Returns: the seconds between the end of a run and the start of the next
 *   for an automatic schedule, between %CONCORD_CADENCE_MIN_SECONDS and
 *   %CONCORD_CADENCE_MAX_SECONDS
 */
guint
concord_sync_cadence (const ConcordSideCost *a,
                      const ConcordSideCost *b)
{
  guint64 requests, seconds;

  g_return_val_if_fail (a != NULL && b != NULL, CONCORD_CADENCE_MIN_SECONDS);

  requests = (guint64) concord_side_cost_requests (a) + concord_side_cost_requests (b);
  if (requests <= CONCORD_CADENCE_SMALL_REQUESTS)
    seconds = CONCORD_CADENCE_MIN_SECONDS;
  else
    seconds = div_ceil (requests * CONCORD_CADENCE_MIN_SECONDS, CONCORD_CADENCE_SMALL_REQUESTS);

  seconds = MAX (seconds, budget_floor (a));
  seconds = MAX (seconds, budget_floor (b));

  return (guint) MIN (seconds, CONCORD_CADENCE_MAX_SECONDS);
}
