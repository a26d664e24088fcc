/* concord-types.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "concord-types"

#include "config.h"

#include "concord-types.h"

static const char * const direction_names[] = { "both", "a-to-b", "b-to-a" };
static const char * const prefer_names[] = { "a", "b", "newest" };

const char *
concord_direction_to_string (ConcordDirection direction)
{
  g_return_val_if_fail ((guint) direction < G_N_ELEMENTS (direction_names), NULL);

  return direction_names[direction];
}

gboolean
concord_direction_from_string (const char       *text,
                               ConcordDirection *direction)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (direction_names); i++)
    if (g_strcmp0 (text, direction_names[i]) == 0)
      {
        *direction = (ConcordDirection) i;
        return TRUE;
      }

  return FALSE;
}

const char *
concord_prefer_to_string (ConcordPrefer prefer)
{
  g_return_val_if_fail ((guint) prefer < G_N_ELEMENTS (prefer_names), NULL);

  return prefer_names[prefer];
}

gboolean
concord_prefer_from_string (const char    *text,
                            ConcordPrefer *prefer)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (prefer_names); i++)
    if (g_strcmp0 (text, prefer_names[i]) == 0)
      {
        *prefer = (ConcordPrefer) i;
        return TRUE;
      }

  return FALSE;
}

gboolean
concord_direction_flows (ConcordDirection direction,
                         ConcordSide      from)
{
  switch (direction)
    {
    case CONCORD_DIRECTION_BOTH:
      return TRUE;
    case CONCORD_DIRECTION_A_TO_B:
      return from == CONCORD_SIDE_A;
    case CONCORD_DIRECTION_B_TO_A:
      return from == CONCORD_SIDE_B;
    default:
      g_return_val_if_reached (FALSE);
    }
}
