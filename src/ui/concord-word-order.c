/* concord-word-order.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A sentence built of widgets ("[Country] [is] [Germany]", "[Set]
 * [Status] [to] [Active]") in the order the translation gives. The order
 * is a translatable message of placeholders only, "%1$s %2$s %3$s", with a
 * comment naming each part: a language that puts the verb last writes
 * "%1$s %3$s %2$s". The widgets are moved in their parent, so the reading
 * order, the layout (mirrored right to left by GTK) and the Tab order all
 * follow it. A message that is not such an order (each part once, nothing
 * else but text) leaves the widgets as they are.
 */

#define G_LOG_DOMAIN "concord-word-order"

#include "config.h"

#include "concord-word-order.h"

#define MAX_PARTS 8

/**
 * concord_word_order_parse:
 * @pattern: "%2$s %1$s %3$s": each part once, numbered from 1
 * @n_parts: how many parts there are
 * @order: (out caller-allocates) (array fixed-size=n_parts): the parts'
 *   indices (from 0) in the order of @pattern
 *
 * Returns: whether @pattern names each of the @n_parts parts exactly once
 */
gboolean
concord_word_order_parse (const char *pattern,
                          guint       n_parts,
                          guint      *order)
{
  gboolean seen[MAX_PARTS] = { FALSE };
  guint n = 0;

  g_return_val_if_fail (pattern != NULL, FALSE);
  g_return_val_if_fail (n_parts > 0 && n_parts <= MAX_PARTS, FALSE);

  for (const char *p = pattern; *p != '\0'; p++)
    {
      guint index;

      if (*p != '%')
        continue;
      if (!g_ascii_isdigit (p[1]) || p[2] != '$' || p[3] != 's')
        return FALSE;
      index = (guint) (p[1] - '1');
      if (p[1] == '0' || index >= n_parts || seen[index] || n >= n_parts)
        return FALSE;
      seen[index] = TRUE;
      order[n++] = index;
      p += 3;
    }
  return n == n_parts;
}

/**
 * concord_word_order_apply:
 * @pattern: the translated order, see concord_word_order_parse()
 * @after: (nullable): the sibling that stays before the parts; %NULL for
 *   the first place of their parent
 * @parts: (array length=n_parts): the widgets, children of one parent, in
 *   the order of their numbers (the first is %1$s)
 * @n_parts: how many
 *
 * Moves @parts in their parent to the order of @pattern, after @after.
 */
void
concord_word_order_apply (const char *pattern,
                          GtkWidget  *after,
                          GtkWidget **parts,
                          guint       n_parts)
{
  guint order[MAX_PARTS];
  GtkWidget *parent;
  GtkWidget *previous = after;

  g_return_if_fail (n_parts > 0 && n_parts <= MAX_PARTS);
  parent = gtk_widget_get_parent (parts[0]);
  g_return_if_fail (parent != NULL);

  if (!concord_word_order_parse (pattern, n_parts, order))
    {
      g_debug ("“%s” is not an order of %u parts: left as it is", pattern, n_parts);
      return;
    }

  for (guint i = 0; i < n_parts; i++)
    {
      GtkWidget *part = parts[order[i]];

      g_return_if_fail (gtk_widget_get_parent (part) == parent);
      gtk_widget_insert_after (part, parent, previous);
      previous = part;
    }
}
