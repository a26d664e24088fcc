/* concord-activity-values.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Values and fields as people write them, for the activity lines: a list
 * as "VIP, Pro", yes or no for a boolean, a field by its label.
 */

#define G_LOG_DOMAIN "concord-activity-text"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "concord-activity-text.h"
#include "concord-fields.h"
#include "concord-json-private.h"

/* ------------------------------------------------------------------------- */
/* Values as people write them                                               */
/* ------------------------------------------------------------------------- */

/* Values are kept as the engine writes them (concord_value_to_string()):
 * text as it is, and lists, yes/no and numbers as JSON. */
#define MAX_VALUE_BYTES 65536

/**
 * concord_activity_format_value:
 * @value: (nullable): a value as stored
 *
 * Returns: (transfer full) (nullable): @value as a person writes it: a
 *   list as "VIP, Pro" (never `["VIP","Pro"]`), a labelled member as
 *   "work: ann@example.com" (never with a tab), yes or no for a boolean;
 *   %NULL for %NULL
 */
char *
concord_activity_format_value (const char *value)
{
  g_autoptr(JsonNode) root = NULL;

  if (value == NULL)
    return NULL;

  if (g_str_equal (value, "true"))
    return g_strdup (_("Yes"));
  if (g_str_equal (value, "false"))
    return g_strdup (_("No"));
  if (value[0] != '[')
    return g_strdup (value);

  root = concord_json_parse (value, -1, MAX_VALUE_BYTES, NULL);
  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);
      GString *out = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          g_autofree char *item = NULL;

          /* A labelled email, phone or address as "work: ann@example.com". */
          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
              strchr (json_node_get_string (node), '\t') != NULL)
            item = concord_labelled_display (json_node_get_string (node));
          else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            item = g_strdup (json_node_get_string (node));
          else if (JSON_NODE_HOLDS_VALUE (node))
            item = json_to_string (node, FALSE);
          else
            continue;
          if (out->len > 0)
            /* Translators: between the items of a list, as in "VIP, Pro" (with its spaces) */
            g_string_append (out, C_("list separator", ", "));
          g_string_append (out, item);
        }
      return g_string_free (out, FALSE);
    }

  /* Cut short in storage, or not a list after all: the brackets and quotes
   * still go. */
  {
    GString *out = g_string_new (NULL);

    for (const char *p = value; *p != '\0'; p++)
      if (*p == '[' || *p == ']' || *p == '"')
        continue;
      else if (*p == ',')
        /* Translators: between the items of a list, as in "VIP, Pro" (with its spaces) */
        g_string_append (out, C_("list separator", ", "));
      else
        g_string_append_c (out, *p);
    return g_string_free (out, FALSE);
  }
}

/**
 * concord_activity_field_label:
 * @key: (nullable): a field's key, canonical or "custom:<Name>"
 *
 * Returns: its name for people: the label of a canonical field, a custom
 *   field's own name without the prefix
 */
const char *
concord_activity_field_label (const char *key)
{
  const ConcordFieldSpec *spec;

  if (key == NULL)
    return _("Contact");
  if (g_str_has_prefix (key, CONCORD_FIELD_CUSTOM_PREFIX))
    return key + strlen (CONCORD_FIELD_CUSTOM_PREFIX);
  spec = concord_fields_lookup (key);
  return spec != NULL ? spec->label : key;
}
