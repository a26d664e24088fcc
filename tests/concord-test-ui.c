/* concord-test-ui.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

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
