/* concord-test-ui.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "concord-activity-text.h"
#include "concord-test-ui.h"

/**
 * concord_test_find_named:
 *
 * Returns: (transfer none) (nullable): the first widget under @root, or
 *   @root itself, named @name
 */
GtkWidget *
concord_test_find_named (GtkWidget  *root,
                         const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = concord_test_find_named (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/**
 * concord_test_named:
 *
 * Like concord_test_find_named(), and the test fails when there is none.
 *
 * Returns: (transfer none): the widget
 */
GtkWidget *
concord_test_named (GtkWidget  *root,
                    const char *name)
{
  GtkWidget *widget = concord_test_find_named (root, name);

  if (widget == NULL)
    g_error ("no widget named “%s”", name);
  return widget;
}

static gboolean
holds (const char *shown,
       const char *text)
{
  return shown != NULL && strstr (shown, text) != NULL;
}

/**
 * concord_test_find_text:
 *
 * Returns: (transfer none) (nullable): the first mapped widget under
 *   @root, or @root itself, showing @text
 */
GtkWidget *
concord_test_find_text (GtkWidget  *root,
                        const char *text)
{
  if (!gtk_widget_get_mapped (root))
    return NULL;

  if (GTK_IS_LABEL (root) && holds (gtk_label_get_label (GTK_LABEL (root)), text))
    return root;
  if (GTK_IS_INSCRIPTION (root) && holds (gtk_inscription_get_text (GTK_INSCRIPTION (root)), text))
    return root;
  if (CONCORD_IS_ACTIVITY_TEXT (root))
    for (guint part = 0; part < CONCORD_ACTIVITY_TEXT_N_PARTS; part++)
      if (holds (concord_activity_text_get_part (CONCORD_ACTIVITY_TEXT (root), part), text))
        return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = concord_test_find_text (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}
