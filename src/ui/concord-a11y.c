/* concord-a11y.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What GTK 4.8 makes screen readers say twice, said once.
 *
 * GTK 4.8 names a widget by joining its accessible label *and* the names
 * of the widgets it is labelled by. So:
 *
 * - a button with a mnemonic sets its accessible label to the raw text
 *   ("_Cancel") and is labelled by its label widget ("Cancel"): it read
 *   "_Cancel Cancel". GTK's own copy of the text is dropped: the label
 *   widget names it (GTK 4.10 no longer sets that copy).
 * - a widget given an accessible label on purpose ("Add rule", "Sync
 *   schedule") that a row or its own label widget also labels ("Add Rule",
 *   "Sync Schedule") read both. The label given on purpose is the more
 *   precise one (it says which rule, which side): the relation goes.
 *
 * Done when each widget is realized, for a window or popover to the whole
 * of it, hidden parts too (screen readers see a page not shown yet), and
 * again when a button's label changes.
 */

#include "config.h"

#include "concord-a11y.h"

#define FIXED_KEY "concord-a11y-fixed"

static const char *
button_label (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    return gtk_button_get_label (GTK_BUTTON (widget));
  if (GTK_IS_CHECK_BUTTON (widget))
    return gtk_check_button_get_label (GTK_CHECK_BUTTON (widget));
  return NULL;
}

static void
name_once (GtkWidget *widget)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);
  const char *label;
  g_autofree char *differs = NULL;

  if (!gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL) ||
      !gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return;

  /* GTK's copy of a button's text: the label widget says it, without the
   * mnemonic's underscore. */
  label = button_label (widget);
  if (label != NULL)
    differs = gtk_test_accessible_check_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  if (label != NULL && differs == NULL)
    gtk_accessible_reset_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL);
  else
    gtk_accessible_reset_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

static void
on_label_changed (GtkWidget  *widget,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  name_once (widget);
}

static void
fix_widget (GtkWidget *widget)
{
  if (g_object_get_data (G_OBJECT (widget), FIXED_KEY) != NULL)
    return;
  g_object_set_data (G_OBJECT (widget), FIXED_KEY, GINT_TO_POINTER (TRUE));
  if (GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget))
    {
      g_signal_connect_after (widget, "notify::label", G_CALLBACK (on_label_changed), NULL);
      g_signal_connect_after (widget, "notify::use-underline", G_CALLBACK (on_label_changed), NULL);
    }
  name_once (widget);
}

static void
fix_tree (GtkWidget *widget)
{
  fix_widget (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    fix_tree (child);
}

static gboolean
on_realize (GSignalInvocationHint *hint,
            guint                  n_params,
            const GValue          *params,
            gpointer               user_data)
{
  GtkWidget *widget = g_value_get_object (&params[0]);

  if (GTK_IS_NATIVE (widget))
    fix_tree (widget);
  else
    fix_widget (widget);

  return TRUE;  /* stay */
}

/**
 * concord_a11y_init:
 *
 * Fixes the accessible names of every widget realized from now on (see
 * the top of this file). Once, at startup.
 */
void
concord_a11y_init (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  /* The signal exists once the class does. */
  g_type_class_unref (g_type_class_ref (GTK_TYPE_WIDGET));
  g_signal_add_emission_hook (g_signal_lookup ("realize", GTK_TYPE_WIDGET), 0, on_realize, NULL, NULL);
}
