/* concord-arrow.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Arrows between two things ("Newsletter → Sales") that point the right
 * way in a right-to-left language too. Unicode does not mirror "→" (it is
 * not a bidi-mirrored character), so in Hebrew or Arabic, where the first
 * thing named is on the right, the glyph must be the other one; and the
 * two names are isolated (U+2068 … U+2069) so that a name in Latin script
 * does not pull the arrow into its own left-to-right run. Left to right,
 * the text is exactly "first → second".
 *
 * Where an arrow stands alone, an icon does it better: go-next-symbolic
 * has a -rtl variant that GTK picks by itself.
 */

#define G_LOG_DOMAIN "concord-arrow"

#include "config.h"

#include "concord-arrow.h"

#define FIRST_STRONG_ISOLATE "\u2068"
#define POP_DIRECTIONAL_ISOLATE "\u2069"

static gboolean
is_rtl (GtkWidget *widget)
{
  return (widget != NULL ? gtk_widget_get_direction (widget)
                         : gtk_widget_get_default_direction ()) == GTK_TEXT_DIR_RTL;
}

/**
 * concord_arrow_glyph:
 * @widget: (nullable): where the arrow is shown; %NULL for the locale's
 *   direction
 * @arrow: which way it points in reading order
 *
 * Returns: the arrow as it is drawn in @widget's direction
 */
const char *
concord_arrow_glyph (GtkWidget    *widget,
                     ConcordArrow  arrow)
{
  switch (arrow)
    {
    case CONCORD_ARROW_FORWARD:
      return is_rtl (widget) ? "←" : "→";
    case CONCORD_ARROW_BACK:
      return is_rtl (widget) ? "→" : "←";
    case CONCORD_ARROW_BOTH:
    default:
      return "⇄";
    }
}

/**
 * concord_arrow_icon_name:
 * @arrow: %CONCORD_ARROW_FORWARD or %CONCORD_ARROW_BACK
 *
 * Returns: the icon of the arrow; GTK draws its -rtl variant right to left
 */
const char *
concord_arrow_icon_name (ConcordArrow arrow)
{
  g_return_val_if_fail (arrow != CONCORD_ARROW_BOTH, "go-next-symbolic");

  return arrow == CONCORD_ARROW_FORWARD ? "go-next-symbolic" : "go-previous-symbolic";
}

/**
 * concord_arrow_join:
 * @widget: (nullable): where the text is shown; %NULL for the locale's
 *   direction
 * @first: what is named first
 * @arrow: which way the arrow points in reading order
 * @second: what is named second
 *
 * Returns: (transfer full): "@first → @second" as @widget shows it
 */
char *
concord_arrow_join (GtkWidget    *widget,
                    const char   *first,
                    ConcordArrow  arrow,
                    const char   *second)
{
  if (!is_rtl (widget))
    return g_strdup_printf ("%s %s %s", first, concord_arrow_glyph (widget, arrow), second);

  return g_strdup_printf (FIRST_STRONG_ISOLATE "%s" POP_DIRECTIONAL_ISOLATE " %s "
                          FIRST_STRONG_ISOLATE "%s" POP_DIRECTIONAL_ISOLATE,
                          first, concord_arrow_glyph (widget, arrow), second);
}
