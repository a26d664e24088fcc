/* concord-mapping-common.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the mapping editor, its value-map dialog and the rule rows share:
 * how a field type is shown (icon, name, and the noun used in
 * explanations), and type-to-search in a drop-down of field names. */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-mapping-common.h"

const char *
concord_mapping_type_icon (ConcordFieldType type)
{
  switch (type)
    {
    case CONCORD_FIELD_TYPE_EMAIL:      return "mail-unread-symbolic";
    case CONCORD_FIELD_TYPE_PHONE:      return "phone-symbolic";
    case CONCORD_FIELD_TYPE_DATE:       return "x-office-calendar-symbolic";
    case CONCORD_FIELD_TYPE_DATETIME:   return "preferences-system-time-symbolic";
    case CONCORD_FIELD_TYPE_NUMBER:     return "accessories-calculator-symbolic";
    case CONCORD_FIELD_TYPE_BOOLEAN:    return "checkbox-checked-symbolic";
    case CONCORD_FIELD_TYPE_ENUM:       return "view-list-bullet-symbolic";
    case CONCORD_FIELD_TYPE_STRING_SET: return "view-grid-symbolic";
    case CONCORD_FIELD_TYPE_STRING:
    default:                            return "format-text-plaintext-symbolic";
    }
}

const char *
concord_mapping_type_name (ConcordFieldType type)
{
  switch (type)
    {
    case CONCORD_FIELD_TYPE_EMAIL:      return _("Email address");
    case CONCORD_FIELD_TYPE_PHONE:      return _("Phone number");
    case CONCORD_FIELD_TYPE_DATE:       return _("Date");
    case CONCORD_FIELD_TYPE_DATETIME:   return _("Date and time");
    case CONCORD_FIELD_TYPE_NUMBER:     return _("Number");
    case CONCORD_FIELD_TYPE_BOOLEAN:    return _("Yes/no");
    case CONCORD_FIELD_TYPE_ENUM:       return _("Pick list");
    case CONCORD_FIELD_TYPE_STRING_SET: return _("List or tags");
    case CONCORD_FIELD_TYPE_STRING:
    default:                            return _("Text");
    }
}

/* Used in "a date cannot be written to a number". */
const char *
concord_mapping_type_noun (ConcordFieldType type)
{
  switch (type)
    {
    case CONCORD_FIELD_TYPE_EMAIL:      return _("an email address");
    case CONCORD_FIELD_TYPE_PHONE:      return _("a phone number");
    case CONCORD_FIELD_TYPE_DATE:       return _("a date");
    case CONCORD_FIELD_TYPE_DATETIME:   return _("a date and time");
    case CONCORD_FIELD_TYPE_NUMBER:     return _("a number");
    case CONCORD_FIELD_TYPE_BOOLEAN:    return _("a yes/no value");
    case CONCORD_FIELD_TYPE_ENUM:       return _("a pick list value");
    case CONCORD_FIELD_TYPE_STRING_SET: return _("a list");
    case CONCORD_FIELD_TYPE_STRING:
    default:                            return _("text");
    }
}

/* ------------------------------------------------------------------------- */
/* Type-to-search in a drop-down                                             */
/* ------------------------------------------------------------------------- */

static GtkWidget *
find_search_entry (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_SEARCH_ENTRY (child))
        return child;
      found = find_search_entry (child);
      if (found != NULL)
        return found;
    }

  return NULL;
}

/* What the drop-down's filter compares with what is typed. GTK 4.8's
 * drop-down only keeps items whose string *starts* with the search, so
 * typing "name" would never find "First name": an item that holds the
 * search anywhere in its name answers with the search in front. */
static char *
search_key (GtkStringObject *item,
            GtkEditable     *entry)
{
  const char *name = item != NULL ? gtk_string_object_get_string (item) : NULL;
  const char *text = entry != NULL ? gtk_editable_get_text (entry) : NULL;
  g_autofree char *folded_name = NULL;
  g_autofree char *folded_text = NULL;

  if (name == NULL)
    return NULL;
  if (text == NULL || *text == '\0')
    return g_strdup (name);

  folded_name = g_utf8_casefold (name, -1);
  folded_text = g_utf8_casefold (text, -1);
  if (strstr (folded_name, folded_text) != NULL)
    return g_strconcat (text, name, NULL);
  return g_strdup (name);
}

static void
on_item_setup (GtkSignalListItemFactory *factory,
               GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  /* Whole names: a row too narrow for them puts its parts one under the
   * other instead (ConcordReflowBox). */
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

static void
on_item_bind (GtkSignalListItemFactory *factory,
              GtkListItem              *item)
{
  GtkStringObject *string = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  const char *text = string != NULL ? gtk_string_object_get_string (string) : "";

  gtk_label_set_label (GTK_LABEL (label), text);
  /* The row the arrows go through is what a screen reader reads: named
   * here, as the popup's rows are shown before they are bound, and bound
   * again to other names as the search filters them. */
  if (gtk_widget_get_parent (label) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (label)),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

/**
 * concord_drop_down_set_searchable:
 * @dropdown: a drop-down over a #GtkStringList of names
 *
 * Typing in the open drop-down keeps the names that hold what is typed,
 * anywhere and whatever the case. The items are shown by a factory of
 * their own, as the search expression is for the filter only.
 */
void
concord_drop_down_set_searchable (GtkDropDown *dropdown)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkExpression) expression = NULL;
  GtkWidget *entry;

  g_return_if_fail (GTK_IS_DROP_DOWN (dropdown));

  gtk_drop_down_set_enable_search (dropdown, TRUE);
  entry = find_search_entry (GTK_WIDGET (dropdown));
  g_signal_connect (factory, "setup", G_CALLBACK (on_item_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (on_item_bind), NULL);
  gtk_drop_down_set_factory (dropdown, factory);

  if (entry == NULL)
    {
      /* Not the drop-down this was written for: the plain prefix search. */
      expression = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
    }
  else
    expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL, G_CALLBACK (search_key),
                                              g_object_ref (entry), (GClosureNotify) (void (*) (void)) g_object_unref);
  gtk_drop_down_set_expression (dropdown, expression);
}

/**
 * concord_mapping_field_label:
 * @spec: a field
 *
 * Returns: the field's name to show: a canonical field's label is a
 *   message (N_() in concord-fields.c), translated here; an app's own
 *   field's is its name in the app, which gettext leaves as it is
 */
const char *
concord_mapping_field_label (const ConcordFieldSpec *spec)
{
  g_return_val_if_fail (spec != NULL && spec->label != NULL, "");

  return g_dgettext (GETTEXT_PACKAGE, spec->label);
}
