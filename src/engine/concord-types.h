/* concord-types.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The two ends of a connection. */
typedef enum
{
  CONCORD_SIDE_A = 0,
  CONCORD_SIDE_B = 1,
} ConcordSide;

#define CONCORD_SIDE_OTHER(s) ((s) == CONCORD_SIDE_A ? CONCORD_SIDE_B : CONCORD_SIDE_A)
#define CONCORD_SIDE_NAME(s)  ((s) == CONCORD_SIDE_A ? "a" : "b")

/* Which ways data flows. */
typedef enum
{
  CONCORD_DIRECTION_BOTH,
  CONCORD_DIRECTION_A_TO_B,
  CONCORD_DIRECTION_B_TO_A,
} ConcordDirection;

/* Who wins a conflict. NEWEST falls back to the connection's preferred side
 * when a side gives no modification time, and on equal times. */
typedef enum
{
  CONCORD_PREFER_A,
  CONCORD_PREFER_B,
  CONCORD_PREFER_NEWEST,
} ConcordPrefer;

const char *concord_direction_to_string   (ConcordDirection  direction);
gboolean    concord_direction_from_string (const char       *text,
                                           ConcordDirection *direction);
const char *concord_prefer_to_string      (ConcordPrefer     prefer);
gboolean    concord_prefer_from_string    (const char       *text,
                                           ConcordPrefer    *prefer);

/* Whether data flows from @from to the other side under @direction. */
gboolean    concord_direction_flows       (ConcordDirection  direction,
                                           ConcordSide       from);

G_END_DECLS
