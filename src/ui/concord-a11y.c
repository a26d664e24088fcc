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
 * How: GTK 4.8 has no way to read an accessible attribute back but
 * gtk_test_accessible_has_property() and friends (public, in every
 * build of GTK, despite the name), and no per-widget hook shared by the
 * widgets libadwaita makes inside its rows and dialogs: so emission hooks
 * on "realize", "map" and GtkATContext::state-change, for every widget.
 * Each fix is cheap and done once per change.
 *
 * Done when each widget is realized and each time it is mapped (the
 * labels set in code are set by then), for a window or popover to the
 * whole of it, hidden parts too (screen readers see a page not shown yet),
 * and again when a button's label changes.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

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

  /* GTK 4.10 and later name a widget by what labels it, else by its
   * label, never both: nothing to undo there (the Flatpak runtime). */
  if (gtk_get_major_version () > 4 || gtk_get_minor_version () >= 10)
    return;

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

static gboolean
has_name (GtkWidget *widget)
{
  return gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL) ||
         gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

static void
set_name (GtkWidget  *widget,
          const char *text)
{
  if (text != NULL && *text != '\0')
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/* A row's title, without a mnemonic's underscore. */
static char *
row_title (AdwPreferencesRow *row)
{
  const char *title = adw_preferences_row_get_title (row);
  g_autoptr(GString) text = g_string_new (NULL);

  for (const char *p = title; p != NULL && *p != '\0'; p++)
    {
      if (*p == '_' && adw_preferences_row_get_use_underline (row))
        {
          if (p[1] == '_')
            p++;
          else
            continue;
        }
      g_string_append_c (text, *p);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* What a list without a title holds: its rows' titles, a few. */
static char *
rows_text (GtkWidget *list)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_autofree char *title = NULL;

      if (!ADW_IS_PREFERENCES_ROW (child) || !gtk_widget_get_visible (child))
        continue;
      title = row_title (ADW_PREFERENCES_ROW (child));
      if (title == NULL || *title == '\0')
        continue;
      if (n++ == 3)
        {
          g_string_append (text, "…");
          break;
        }
      if (text->len > 0)
        /* Translators: between the items of a list, as in "VIP, Pro" (with its spaces) */
        g_string_append (text, C_("list separator", ", "));
      g_string_append (text, title);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Whether @button was given a name of its own: an accessible label that
 * is not GTK's copy of the text it shows ("_Try with Sample Data"). */
static gboolean
named_in_code (GtkMenuButton *button)
{
  const char *label = gtk_menu_button_get_label (button);
  g_autofree char *differs = NULL;

  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return FALSE;
  if (label == NULL)
    return TRUE;
  differs = gtk_test_accessible_check_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  return differs != NULL;
}

/* Whether @list is a preferences group's own list (not one inside one
 * of its rows), labelled by the group's title. */
static gboolean
is_group_list (GtkWidget  *list,
               GtkWidget **group)
{
  GtkWidget *row;

  *group = gtk_widget_get_ancestor (list, ADW_TYPE_PREFERENCES_GROUP);
  if (*group == NULL ||
      !gtk_test_accessible_has_relation (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return FALSE;
  row = gtk_widget_get_ancestor (list, GTK_TYPE_LIST_BOX_ROW);
  return row == NULL || gtk_widget_is_ancestor (*group, row);
}

/* A group with a title names its list (libadwaita's relation); one
 * without, by its page's title, else by what the list holds. */
static void
name_group_list (GtkWidget           *list,
                 AdwPreferencesGroup *group)
{
  const char *title = adw_preferences_group_get_title (group);
  GtkWidget *page = gtk_widget_get_ancestor (list, ADW_TYPE_PREFERENCES_PAGE);
  g_autofree char *rows = NULL;

  if (title != NULL && *title != '\0')
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL);
      return;
    }
  if (page != NULL && adw_preferences_page_get_title (ADW_PREFERENCES_PAGE (page)) != NULL &&
      *adw_preferences_page_get_title (ADW_PREFERENCES_PAGE (page)) != '\0')
    rows = g_strdup (adw_preferences_page_get_title (ADW_PREFERENCES_PAGE (page)));
  else
    rows = rows_text (list);
  set_name (list, rows);
}

static void
on_group_title_changed (AdwPreferencesGroup *group,
                        GParamSpec          *pspec,
                        GtkWidget           *list)
{
  name_group_list (list, group);
}

/* The text of the labels in @widget, for a row GTK 4.8 leaves unnamed. */
static void
collect_text (GtkWidget *widget,
              GString   *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget))
    {
      const char *label = gtk_label_get_text (GTK_LABEL (widget));

      if (label != NULL && *label != '\0')
        g_string_append_printf (text, "%s%s", text->len > 0 ? " " : "", label);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_text (child, text);
}

static void
on_tooltip_changed (GtkWidget  *widget,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  set_name (widget, gtk_widget_get_tooltip_text (widget));
}

static void
on_title_changed (GtkWidget  *widget,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  g_autofree char *title = row_title (ADW_PREFERENCES_ROW (widget));

  set_name (widget, title);
}

/* An expander row: by its title, followed as it changes. */
static void
name_expander_row (GtkWidget *widget)
{
  g_autofree char *title = row_title (ADW_PREFERENCES_ROW (widget));

  /* Its title may come later (“Advanced: …” once the app is known). */
  if (g_object_get_data (G_OBJECT (widget), FIXED_KEY "-title") == NULL)
    {
      g_object_set_data (G_OBJECT (widget), FIXED_KEY "-title", GINT_TO_POINTER (TRUE));
      g_signal_connect (widget, "notify::title", G_CALLBACK (on_title_changed), NULL);
    }
  set_name (widget, title);
}

/* A preferences group's own list (not one added to the group):
 * libadwaita labels it by the group's title, even an empty one
 * (GTK 4.8 then says "GtkListBox"). */
static void
name_own_list (GtkWidget *widget,
               GtkWidget *ancestor)
{
  if (g_object_get_data (G_OBJECT (ancestor), FIXED_KEY "-group") == NULL)
    {
      g_object_set_data (G_OBJECT (ancestor), FIXED_KEY "-group", widget);
      g_signal_connect_object (ancestor, "notify::title", G_CALLBACK (on_group_title_changed), widget, 0);
    }
  name_group_list (widget, ADW_PREFERENCES_GROUP (ancestor));
}

/* The inner list of an expander row (named by the row), or a list
 * of its own (a boxed list in a dialog): by what it holds. */
static void
name_other_list (GtkWidget *widget)
{
  GtkWidget *ancestor;

  if ((ancestor = gtk_widget_get_ancestor (widget, ADW_TYPE_EXPANDER_ROW)) != NULL)
    gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                    ancestor, NULL, -1);
  else
    {
      g_autofree char *rows = rows_text (widget);

      set_name (widget, rows);
    }
}

/* A menu button shows its label or its icon; the shortcuts window's
 * own one (its title, a menu of sections) neither, to GTK 4.8. */
static void
name_menu_button (GtkWidget *widget)
{
  const char *label = gtk_menu_button_get_label (GTK_MENU_BUTTON (widget));

  if (label == NULL)
    label = gtk_widget_get_tooltip_text (widget);
  if (label == NULL && gtk_widget_get_ancestor (widget, GTK_TYPE_SHORTCUTS_WINDOW) != NULL)
    /* Translators: the menu of the keyboard shortcuts window that
     * chooses which shortcuts it shows */
    label = _("Shortcut Sections");
  set_name (widget, label);
}

/* An icon button (named by its unnamed icon): by its tooltip, or
 * what a password row's eye does. */
static void
name_icon_button (GtkWidget *widget)
{
  if (gtk_widget_get_tooltip_text (widget) != NULL)
    {
      set_name (widget, gtk_widget_get_tooltip_text (widget));
      g_signal_connect (widget, "notify::tooltip-text", G_CALLBACK (on_tooltip_changed), NULL);
    }
  else if (gtk_widget_get_ancestor (widget, ADW_TYPE_PASSWORD_ENTRY_ROW) != NULL)
    set_name (widget, _("Show or Hide the Text"));
  else
    {
      /* GTK's own icon buttons without a tooltip (the shortcuts
       * window's search): what the icon means. */
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (widget));
      const char *icon = GTK_IS_IMAGE (child) ? gtk_image_get_icon_name (GTK_IMAGE (child)) : NULL;

      if (g_strcmp0 (icon, "edit-find-symbolic") == 0)
        /* Translators: a search button that shows only a magnifier */
        set_name (widget, _("Search"));
      else if (g_strcmp0 (icon, "window-close-symbolic") == 0)
        /* Translators: a button that closes a window, shown as an × */
        set_name (widget, _("Close"));
    }
}

/* The list a combo row or a drop-down pops up. */
static void
name_popup_list (GtkWidget *widget)
{
  GtkWidget *ancestor;

  if ((ancestor = gtk_widget_get_ancestor (widget, ADW_TYPE_COMBO_ROW)) != NULL)
    {
      g_autofree char *title = row_title (ADW_PREFERENCES_ROW (ancestor));

      set_name (widget, title);
    }
  else if ((ancestor = gtk_widget_get_ancestor (widget, GTK_TYPE_DROP_DOWN)) != NULL)
    gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                    ancestor, NULL, -1);
}

/* A list view's item: its child's name, else the text it shows
 * (again at each map: the item is reused for others). */
static void
name_list_item (GtkWidget *widget)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  g_autoptr(GString) text = g_string_new (NULL);

  if (child != NULL && has_name (child))
    return;
  collect_text (widget, text);
  set_name (widget, text->str);
}

/* What libadwaita 1.2 and GTK 4.8 leave without a name: named from what
 * a sighted person reads there. */
static void
name_unnamed (GtkWidget *widget)
{
  GtkWidget *ancestor;

  if (ADW_IS_EXPANDER_ROW (widget))
    name_expander_row (widget);
  else if (GTK_IS_LIST_BOX (widget) && is_group_list (widget, &ancestor))
    name_own_list (widget, ancestor);
  else if (GTK_IS_LIST_BOX (widget) && !has_name (widget))
    name_other_list (widget);
  else if (GTK_IS_MENU_BUTTON (widget) && !has_name (widget))
    name_menu_button (widget);
  else if (GTK_IS_TOGGLE_BUTTON (widget) && GTK_IS_MENU_BUTTON (gtk_widget_get_parent (widget)) &&
           named_in_code (GTK_MENU_BUTTON (gtk_widget_get_parent (widget))))
    {
      /* A menu button named in code ("Map Source of Newsletter to…"):
       * its inner button, the one that takes the focus, read only what
       * it shows ("Map to…", the same for every field). */
      gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                      gtk_widget_get_parent (widget), NULL, -1);
    }
  else if (GTK_IS_TOGGLE_BUTTON (widget) && GTK_IS_DROP_DOWN (gtk_widget_get_parent (widget)) &&
           !has_name (widget))
    {
      /* A drop-down's button: named by the drop-down. */
      gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                      gtk_widget_get_parent (widget), NULL, -1);
    }
  else if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) == NULL &&
           !gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    name_icon_button (widget);
  else if (GTK_IS_SEARCH_ENTRY (widget) && !has_name (widget))
    {
      g_autofree char *placeholder = NULL;

      g_object_get (widget, "placeholder-text", &placeholder, NULL);
      set_name (widget, placeholder != NULL && *placeholder != '\0' ? placeholder : _("Search"));
    }
  else if (GTK_IS_LIST_VIEW (widget) && !has_name (widget))
    name_popup_list (widget);
  else if (GTK_IS_TEXT (widget) && (ancestor = gtk_widget_get_ancestor (widget, ADW_TYPE_ENTRY_ROW)) != NULL &&
           gtk_test_accessible_has_property (GTK_ACCESSIBLE (ancestor), GTK_ACCESSIBLE_PROPERTY_LABEL))
    {
      /* An entry row named in code: the row's name alone, not the row's
       * and its title's too. */
      gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                      ancestor, NULL, -1);
    }
  else if (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget)) == GTK_ACCESSIBLE_ROLE_LIST_ITEM &&
           !GTK_IS_LIST_BOX_ROW (widget))
    name_list_item (widget);
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
  if (g_object_get_data (G_OBJECT (widget), FIXED_KEY) == NULL)
    {
      g_object_set_data (G_OBJECT (widget), FIXED_KEY, GINT_TO_POINTER (TRUE));
      if (GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget))
        {
          g_signal_connect_after (widget, "notify::label", G_CALLBACK (on_label_changed), NULL);
          g_signal_connect_after (widget, "notify::use-underline", G_CALLBACK (on_label_changed), NULL);
        }
    }
  name_unnamed (widget);
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
on_realize_or_map (GSignalInvocationHint *hint,
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

/* Any change of a widget's accessible attributes, labels set in code
 * included, whether the widget is shown or not. */
static gboolean
on_state_change (GSignalInvocationHint *hint,
                 guint                  n_params,
                 const GValue          *params,
                 gpointer               user_data)
{
  GtkATContext *context = g_value_get_object (&params[0]);
  GtkAccessible *accessible = gtk_at_context_get_accessible (context);
  static gboolean busy;

  /* Fixing changes the attributes again: once is enough. */
  if (!busy && GTK_IS_WIDGET (accessible))
    {
      busy = TRUE;
      fix_widget (GTK_WIDGET (accessible));
      busy = FALSE;
    }

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
  g_signal_add_emission_hook (g_signal_lookup ("realize", GTK_TYPE_WIDGET), 0, on_realize_or_map, NULL, NULL);
  g_signal_add_emission_hook (g_signal_lookup ("map", GTK_TYPE_WIDGET), 0, on_realize_or_map, NULL, NULL);
  g_type_class_unref (g_type_class_ref (GTK_TYPE_AT_CONTEXT));
  g_signal_add_emission_hook (g_signal_lookup ("state-change", GTK_TYPE_AT_CONTEXT), 0, on_state_change, NULL, NULL);
}
