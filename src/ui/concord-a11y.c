/* concord-a11y.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What GTK 4.8 makes screen readers say twice, said once.
 *
 * A GtkButton (or a check or toggle button) with a mnemonic label sets its
 * accessible label to the raw text ("_Cancel") *and* is labelled by its
 * label widget ("Cancel"); GTK 4.8 joins both, so over AT-SPI the button
 * reads "_Cancel Cancel" (GTK 4.10 no longer sets the first). Here the raw
 * label is dropped from every such button when it is realized, and again
 * whenever its label changes, so the name is the label widget's text alone.
 * An accessible label set on purpose (any other text) is kept.
 */

#include "config.h"

#include <string.h>

#include "concord-a11y.h"

#define FIXED_KEY "concord-a11y-mnemonic-fixed"

static const char *
mnemonic_label (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && gtk_button_get_use_underline (GTK_BUTTON (widget)))
    return gtk_button_get_label (GTK_BUTTON (widget));
  if (GTK_IS_CHECK_BUTTON (widget) && gtk_check_button_get_use_underline (GTK_CHECK_BUTTON (widget)))
    return gtk_check_button_get_label (GTK_CHECK_BUTTON (widget));
  return NULL;
}

static void
drop_raw_label (GtkWidget *widget)
{
  const char *label = mnemonic_label (widget);
  g_autofree char *differs = NULL;

  if (label == NULL || strchr (label, '_') == NULL)
    return;
  /* Only the label GTK set itself: the raw text, underscore and all. */
  differs = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  if (differs == NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static void
on_label_changed (GtkWidget  *widget,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  drop_raw_label (widget);
}

static gboolean
on_realize (GSignalInvocationHint *hint,
            guint                  n_params,
            const GValue          *params,
            gpointer               user_data)
{
  GtkWidget *widget = g_value_get_object (&params[0]);

  if ((GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget)) &&
      g_object_get_data (G_OBJECT (widget), FIXED_KEY) == NULL)
    {
      g_object_set_data (G_OBJECT (widget), FIXED_KEY, GINT_TO_POINTER (TRUE));
      g_signal_connect_after (widget, "notify::label", G_CALLBACK (on_label_changed), NULL);
      g_signal_connect_after (widget, "notify::use-underline", G_CALLBACK (on_label_changed), NULL);
      drop_raw_label (widget);
    }

  return TRUE;  /* stay */
}

/**
 * concord_a11y_init:
 *
 * Fixes the accessible names of every button realized from now on (see
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
