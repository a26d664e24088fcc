/* concord-mapping-common.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the mapping editor and its value-map dialog share: how a field type
 * is shown (icon, name, and the noun used in explanations) and their
 * stylesheet. */

#include "config.h"

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

/* The editors' own styles, once per process: they also work where no
 * AdwApplication loads style.css (tests, another host). */
void
concord_mapping_load_css (void)
{
  static gboolean loaded;
  GtkCssProvider *provider;
  GdkDisplay *display = gdk_display_get_default ();

  if (loaded || display == NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/concordsync/Concord/ui/concord-mapping-editor.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (provider);
  loaded = TRUE;
}
