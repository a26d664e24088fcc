/* concord-arrow.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * ConcordArrow:
 * @CONCORD_ARROW_FORWARD: from the first thing named to the second (A → B
 *   left to right)
 * @CONCORD_ARROW_BACK: from the second to the first (A ← B)
 * @CONCORD_ARROW_BOTH: both ways (A ⇄ B)
 *
 * Which way an arrow between two things points, in reading order: the
 * glyph drawn is mirrored where the reading order runs right to left.
 */
typedef enum {
  CONCORD_ARROW_FORWARD,
  CONCORD_ARROW_BACK,
  CONCORD_ARROW_BOTH,
} ConcordArrow;

const char *concord_arrow_glyph     (GtkWidget    *widget,
                                     ConcordArrow  arrow);
const char *concord_arrow_icon_name (ConcordArrow  arrow);
char       *concord_arrow_join      (GtkWidget    *widget,
                                     const char   *first,
                                     ConcordArrow  arrow,
                                     const char   *second);

G_END_DECLS
