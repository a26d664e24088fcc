/* concord-schedule.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An automatic schedule syncs at most this often, */
#define CONCORD_CADENCE_MIN_SECONDS     60
/* while a full read of both sides takes at most this many requests; */
#define CONCORD_CADENCE_SMALL_REQUESTS  50
/* and never uses more than this share of an app's budget (per cent). */
#define CONCORD_CADENCE_BUDGET_PERCENT  1
/* The slowest automatic schedule: once a day. */
#define CONCORD_CADENCE_MAX_SECONDS     (24 * 3600)

/**
 * ConcordSideCost:
 * @n_records: how many records a full listing of the side reads, as far as
 *   Concord knows
 * @page_size: the most records a page of the listing holds
 * @budget_per_hour: the requests an hour the app allows; 0 for none
 *
 * What reading one side of a connection costs.
 */
typedef struct
{
  gint64 n_records;
  guint  page_size;
  guint  budget_per_hour;
} ConcordSideCost;

guint concord_side_cost_requests (const ConcordSideCost *cost);
guint concord_sync_cadence       (const ConcordSideCost *a,
                                  const ConcordSideCost *b);

G_END_DECLS
