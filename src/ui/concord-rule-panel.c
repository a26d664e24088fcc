/* concord-rule-panel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The rules of one direction of a connection: the direction's on/off,
 * whether it creates contacts and what happens to paired contacts that
 * stop matching; the list of its rules (a ConcordRuleRow each: name, "If …
 * then …", a live count, its sync and on/off switches, move and remove);
 * and, below the list, the rule being edited: its name, IF (a group of
 * conditions on the source side's fields, with nested groups) and THEN
 * (actions on the target side's fields), with a live count of the source
 * contacts the conditions take in.
 *
 * The widgets are what the user edits; the ConcordRuleList (borrowed from
 * the connection's setup, and referenced) is written from them after
 * every edit, with only what the engine validated: an incomplete condition
 * or action is explained under its row and left out, so the rules are at
 * every moment ones the engine would read back from JSON. ::changed is
 * emitted when their JSON actually changed.
 *
 * The count is asked of the engine (concord_engine_count_matching_async(),
 * on its thread) 300 ms after the last change of the filter, cancelling
 * the count before it; each rule of the list is counted the same way when
 * the list is shown or changes (the engine reuses the side's listing, so
 * this asks the app nothing more). The lists and tags in use on each side
 * are asked once per direction shown, and offered beside the rows' values
 * as they come.
 */

#define G_LOG_DOMAIN "concord-rule-panel"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-engine-rules.h"
#include "concord-fields.h"
#include "concord-rule-action-row.h"
#include "concord-rule-condition-row.h"
#include "concord-rule-group.h"
#include "concord-rule-panel.h"
#include "concord-rule-row.h"

#define COUNT_DELAY_MS 300

struct _ConcordRulePanel
{
  GtkBox            parent_instance;

  ConcordEngine    *engine;         /* (owned) */
  ConcordRuleList  *list;           /* (owned) (nullable) borrowed from the setup, referenced */
  ConcordRule      *rule;           /* (owned) (nullable) the rule of @list being edited */
  GCancellable     *rows_cancellable; /* (owned) (nullable) the counts of the rows */
  gint64            connection_id;
  char             *account_id;   /* (owned) (nullable): counted when connection_id is 0 */
  char             *type;         /* (owned) (nullable) */
  ConcordSide       source;
  GPtrArray        *source_fields;  /* (owned) (nullable) */
  GPtrArray        *target_fields;  /* (owned) (nullable) */
  char             *source_name;    /* (owned) */
  char             *target_name;    /* (owned) */
  ConcordRuleGroup *root;           /* (unowned) (nullable) */
  char             *counted;        /* (owned) (nullable) the filter last counted, as JSON */
  GCancellable     *count_cancellable; /* (owned) (nullable) */
  GHashTable       *values[2];      /* (owned) (nullable) per side: field key → GStrv in use */
  GCancellable     *values_cancellable; /* (owned) (nullable) */
  guint             count_id;
  gboolean          loading;

  /* Template widgets */
  GtkLabel         *title_label;
  GtkLabel         *subtitle_label;
  GtkStack         *stack;
  GtkSwitch        *enabled_switch;
  GtkWidget        *create_box;
  GtkSwitch        *create_switch;
  AdwPreferencesGroup *settings_group;
  AdwComboRow      *unmatched_row;
  AdwPreferencesGroup *rules_group;
  GtkListBox       *rules_list;
  GtkButton        *add_rule_button;
  AdwPreferencesGroup *name_group;
  AdwEntryRow      *name_row;
  AdwPreferencesGroup *if_group;
  GtkBox           *filter_box;
  GtkWidget        *count_box;
  GtkWidget        *count_box_ref;  /* (owned) it moves into the rule's group */
  GtkStack         *count_icon_stack;
  GtkSpinner       *count_spinner;
  GtkLabel         *count_label;
  GtkLabel         *sample_label;
  AdwPreferencesGroup *then_group;
  GtkListBox       *actions_list;
  GtkButton        *add_action_button;
  GtkLabel         *not_applicable_label;
};

G_DEFINE_FINAL_TYPE (ConcordRulePanel, concord_rule_panel, GTK_TYPE_BOX)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void load_rule (ConcordRulePanel *self,
                       int               index);
static void commit    (ConcordRulePanel *self);
static ConcordRuleRow *row_of_rule (ConcordRulePanel *self,
                                    ConcordRule      *rule);
static char *count_text (guint    n_matching,
                         guint    n_total,
                         gboolean everyone);
static void count_rows (ConcordRulePanel *self);

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void
set_accessible_label (gpointer    widget,
                      const char *text)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static char *
rule_json (ConcordRuleList *list)
{
  g_autoptr(JsonNode) node = concord_rule_list_to_json (list);

  return json_to_string (node, FALSE);
}

static char *
filter_json (ConcordFilter *filter)
{
  g_autoptr(JsonNode) node = NULL;

  if (filter == NULL)
    return g_strdup ("null");
  node = concord_filter_to_json (filter);
  return json_to_string (node, FALSE);
}

static void
clear_actions (ConcordRulePanel *self)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (self->actions_list, 0)) != NULL)
    gtk_list_box_remove (self->actions_list, GTK_WIDGET (row));
}

static void
renumber_actions (ConcordRulePanel *self)
{
  GtkListBoxRow *row;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->actions_list, i)) != NULL; i++)
    concord_rule_action_row_set_number (CONCORD_RULE_ACTION_ROW (row), i + 1);
}

static void
update_sensitivity (ConcordRulePanel *self)
{
  gboolean on = gtk_switch_get_active (self->enabled_switch);
  g_autofree char *subtitle = NULL;

  if (on)
    /* Translators: the names of both sides of a connection */
    subtitle = g_strdup_printf (_("Which contacts of %s go to %s, and what Concord does to them there."),
                                self->source_name, self->target_name);
  else
    /* Translators: the name of the connection's other side */
    subtitle = g_strdup_printf (_("The rules are off: no contact is held back, none is created in %s and "
                                  "no action runs. Linked contacts still update."), self->target_name);
  gtk_label_set_label (self->subtitle_label, subtitle);

  /* A direction switched off creates nothing, filters nothing and acts on
   * nothing. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->settings_group), on);
  gtk_widget_set_sensitive (GTK_WIDGET (self->rules_group), on);
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_group), on);
  gtk_widget_set_sensitive (GTK_WIDGET (self->if_group), on);
  gtk_widget_set_sensitive (GTK_WIDGET (self->then_group), on);
  gtk_widget_set_visible (GTK_WIDGET (self->name_group), self->rule != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->if_group), self->rule != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->then_group), self->rule != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_action_button),
                            on && concord_rule_action_row_can_act (self->target_fields));
  if (!concord_rule_action_row_can_act (self->target_fields))
    {
      /* Translators: %s is an account's name */
      g_autofree char *why = g_strdup_printf (_("%s has no field Concord can write"), self->target_name);

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->add_action_button), why);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->add_action_button), NULL);
}

/* ------------------------------------------------------------------------- */
/* Counting                                                                  */
/* ------------------------------------------------------------------------- */

static void
show_count_busy (ConcordRulePanel *self,
                 gboolean          busy)
{
  gtk_stack_set_visible_child_name (self->count_icon_stack, busy ? "spinner" : "icon");
  gtk_spinner_set_spinning (self->count_spinner, busy);
}

static void
on_count_ready_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ConcordRulePanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) sample = NULL;
  g_autofree char *text = NULL;
  guint n_matching = 0, n_total = 0;

  if (!concord_engine_count_matching_finish (CONCORD_ENGINE (object), result, &n_matching, &n_total,
                                             &sample, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      show_count_busy (self, FALSE);
      g_clear_pointer (&self->counted, g_free);
  g_clear_pointer (&self->account_id, g_free);
  g_clear_pointer (&self->type, g_free);
      /* Translators: %s is the reason, e.g. a network error */
      text = g_strdup_printf (_("Could not count: %s"), error->message);
      gtk_label_set_label (self->count_label, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->count_label), "error");
      gtk_widget_set_visible (GTK_WIDGET (self->sample_label), FALSE);
      return;
    }

  show_count_busy (self, FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->count_label), "error");

  if (g_strcmp0 (self->counted, "null") == 0)
    /* Translators: %u is a number of contacts, %s the app's account name */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The %u contact of %s takes part",
                                         "All %u contacts of %s take part", n_total),
                            n_total, self->source_name);
  else
    /* Translators: "124 of 300 contacts match" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u contact matches",
                                         "%u of %u contacts match", n_total),
                            n_matching, n_total);
  gtk_label_set_label (self->count_label, text);

  /* The rule's row counts the same. */
  if (self->rule != NULL && row_of_rule (self, self->rule) != NULL)
    {
      g_autofree char *row_text = count_text (n_matching, n_total, g_strcmp0 (self->counted, "null") == 0);

      concord_rule_row_set_count (row_of_rule (self, self->rule), row_text);
    }

  if (sample != NULL && sample[0] != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", sample);
      g_autofree char *more = NULL;

      if (n_matching > g_strv_length (sample))
        /* Translators: a list of contacts, then how many more there are */
        more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "For example %s, and %u more",
                                             "For example %s, and %u more",
                                             n_matching - g_strv_length (sample)),
                                joined, n_matching - g_strv_length (sample));
      else
        /* Translators: %s is one contact, or a list of them */
        more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "It is %s", "They are %s", n_matching), joined);
      gtk_label_set_label (self->sample_label, more);
      gtk_widget_set_visible (GTK_WIDGET (self->sample_label), TRUE);
    }
  else
    {
      gtk_label_set_label (self->sample_label,
                           n_total > 0 ? _("No contact matches these conditions now.") : "");
      gtk_widget_set_visible (GTK_WIDGET (self->sample_label), n_total > 0);
    }
}

/* Counts on the engine thread the contacts of the source side @filter
 * takes in: the connection's, or for a connection being made, the source
 * account's. */
static void
count_source (ConcordRulePanel    *self,
              ConcordFilter       *filter,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             data)
{
  if (self->connection_id != 0)
    concord_engine_count_matching_async (self->engine, self->connection_id, self->source, filter,
                                         cancellable, callback, data);
  else
    concord_engine_count_matching_in_async (self->engine, self->account_id, self->type, filter,
                                            cancellable, callback, data);
}

static void
start_count (ConcordRulePanel *self)
{
  ConcordFilter *filter;

  if (self->rule == NULL || self->engine == NULL ||
      (self->connection_id == 0 && (self->account_id == NULL || self->type == NULL)))
    return;

  filter = concord_rule_list_get_enabled (self->list) ? concord_rule_get_filter (self->rule) : NULL;
  g_free (self->counted);
  self->counted = filter_json (filter);

  g_cancellable_cancel (self->count_cancellable);
  g_clear_object (&self->count_cancellable);
  self->count_cancellable = g_cancellable_new ();

  show_count_busy (self, TRUE);
  if (*gtk_label_get_label (self->count_label) == '\0')
    gtk_label_set_label (self->count_label, _("Counting contacts…"));
  count_source (self, filter, self->count_cancellable, on_count_ready_cb, g_object_ref (self));
}

static void
count_timeout_cb (gpointer data)
{
  ConcordRulePanel *self = data;

  self->count_id = 0;
  start_count (self);
}

/* Counts again in a moment when what would be counted changed. */
static void
queue_count (ConcordRulePanel *self)
{
  ConcordFilter *filter;
  g_autofree char *json = NULL;

  if (self->rule == NULL)
    return;

  filter = concord_rule_list_get_enabled (self->list) ? concord_rule_get_filter (self->rule) : NULL;
  json = filter_json (filter);
  if (self->count_id == 0 && g_strcmp0 (json, self->counted) == 0)
    return;

  g_clear_handle_id (&self->count_id, g_source_remove);
  self->count_id = g_timeout_add_once (COUNT_DELAY_MS, count_timeout_cb, self);
  show_count_busy (self, TRUE);
}

/* ------------------------------------------------------------------------- */
/* Values in use                                                             */
/* ------------------------------------------------------------------------- */

typedef struct
{
  ConcordRulePanel *panel;  /* (owned) */
  ConcordSide       side;
  char             *field;  /* (owned) */
  GCancellable     *cancellable; /* (owned) */
} ValuesRequest;

static void
values_request_free (ValuesRequest *request)
{
  g_object_unref (request->panel);
  g_free (request->field);
  g_object_unref (request->cancellable);
  g_free (request);
}

static void
on_values_ready_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ValuesRequest *request = user_data;
  ConcordRulePanel *self = request->panel;
  g_autoptr(GError) error = NULL;
  GStrv values;
  GtkListBoxRow *row;

  values = concord_engine_list_values_finish (CONCORD_ENGINE (object), result, &error);

  /* Offering values is a help: without them the entries still work. */
  if (values == NULL || g_cancellable_is_cancelled (request->cancellable) || self->values[request->side] == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No values in use for %s: %s", request->field, error->message);
      g_strfreev (values);
      values_request_free (request);
      return;
    }

  g_hash_table_replace (self->values[request->side], g_strdup (request->field), values);
  if (request->side == self->source && self->root != NULL)
    concord_rule_group_refresh_suggestions (self->root);
  if (request->side != self->source)
    for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->actions_list, i)) != NULL; i++)
      concord_rule_action_row_refresh_suggestions (CONCORD_RULE_ACTION_ROW (row));

  values_request_free (request);
}

/* Asks for the members in use of each side's list and tag fields. */
static void
request_values (ConcordRulePanel *self)
{
  /* Only a connection's listings are kept to ask. */
  if (self->connection_id == 0)
    return;

  for (ConcordSide side = CONCORD_SIDE_A; side <= CONCORD_SIDE_B; side++)
    {
      GPtrArray *fields = side == self->source ? self->source_fields : self->target_fields;

      for (guint i = 0; fields != NULL && i < fields->len; i++)
        {
          ConcordFieldSpec *spec = g_ptr_array_index (fields, i);
          ValuesRequest *request;

          if (spec->type != CONCORD_FIELD_TYPE_STRING_SET &&
              (side != self->source || spec->type != CONCORD_FIELD_TYPE_ENUM ||
               (spec->choices != NULL && spec->choices[0] != NULL)))
            continue;

          request = g_new0 (ValuesRequest, 1);
          request->panel = g_object_ref (self);
          request->side = side;
          request->field = g_strdup (spec->key);
          request->cancellable = g_object_ref (self->values_cancellable);
          concord_engine_list_values_async (self->engine, self->connection_id, side, spec->key,
                                            self->values_cancellable, on_values_ready_cb, request);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* The list of rules                                                         */
/* ------------------------------------------------------------------------- */

static const ConcordFieldSpec *
find_field (GPtrArray  *fields,
            const char *key)
{
  for (guint i = 0; fields != NULL && i < fields->len; i++)
    if (g_strcmp0 (((ConcordFieldSpec *) g_ptr_array_index (fields, i))->key, key) == 0)
      return g_ptr_array_index (fields, i);

  return concord_fields_lookup (key);
}

static const char *
field_label (GPtrArray  *fields,
             const char *key)
{
  const ConcordFieldSpec *spec = find_field (fields, key);

  if (spec != NULL)
    return concord_rule_field_label (spec);
  return concord_field_is_custom (key) ? key + strlen (CONCORD_FIELD_CUSTOM_PREFIX) : key;
}

/* A filter (as JSON) for people: "Status is “active” and Plan is “Pro”". */
static void
describe_filter (ConcordRulePanel *self,
                 JsonObject       *node,
                 gboolean          nested,
                 GString          *out)
{
  gboolean negate = json_object_get_boolean_member_with_default (node, "negate", FALSE);

  if (negate)
    /* Translators: before a condition or a group of them, in a rule's summary */
    g_string_append_printf (out, "%s ", C_("rule summary", "not"));

  if (json_object_has_member (node, "conditions"))
    {
      JsonArray *conditions = json_object_get_array_member (node, "conditions");
      gboolean any = g_strcmp0 (json_object_get_string_member_with_default (node, "match", "all"), "any") == 0;
      guint n = json_array_get_length (conditions);
      gboolean paren = (nested || negate) && n > 1;

      if (paren)
        g_string_append_c (out, '(');
      for (guint i = 0; i < n; i++)
        {
          if (i > 0)
            g_string_append_printf (out, " %s ", any ? C_("rule summary", "or") : C_("rule summary", "and"));
          describe_filter (self, json_array_get_object_element (conditions, i), TRUE, out);
        }
      if (paren)
        g_string_append_c (out, ')');
      return;
    }

  {
    const char *key = json_object_get_string_member_with_default (node, "field", "");
    const ConcordFieldSpec *spec = find_field (self->source_fields, key);
    ConcordFieldType type = spec != NULL ? spec->type : CONCORD_FIELD_TYPE_STRING;
    ConcordFilterOp op = CONCORD_FILTER_IS;
    JsonArray *values = json_object_has_member (node, "values") ? json_object_get_array_member (node, "values")
                                                               : NULL;

    concord_filter_op_from_string (json_object_get_string_member_with_default (node, "op", "is"), &op);
    g_string_append_printf (out, "%s %s", field_label (self->source_fields, key), concord_rule_op_label (op, type));
    for (guint i = 0; values != NULL && i < json_array_get_length (values); i++)
      g_string_append_printf (out, "%s“%s”", i == 0 ? " " : ", ", json_array_get_string_element (values, i));
  }
}

static char *
describe_action (ConcordRulePanel    *self,
                 const ConcordAction *action)
{
  const char *label = field_label (self->target_fields, action->field);

  switch (action->kind)
    {
    case CONCORD_ACTION_ADD:
      /* Translators: an action in a rule's summary: add “VIP” to Lists */
      return g_strdup_printf (_("add “%s” to %s"), action->value, label);
    case CONCORD_ACTION_REMOVE:
      /* Translators: an action in a rule's summary: remove “VIP” from Lists */
      return g_strdup_printf (_("remove “%s” from %s"), action->value, label);
    case CONCORD_ACTION_SET:
    default:
      if (action->value[0] == '\0')
        /* Translators: an action in a rule's summary: clear Company */
        return g_strdup_printf (_("clear %s"), label);
      /* Translators: an action in a rule's summary: set Status to “active” */
      return g_strdup_printf (_("set %s to “%s”"), label, action->value);
    }
}

/* The rule in one line: "If Status is “active”, then sync and add “VIP”
 * to Lists". */
static char *
rule_summary (ConcordRulePanel *self,
              ConcordRule      *rule)
{
  ConcordFilter *filter = concord_rule_get_filter (rule);
  g_autoptr(GString) then = g_string_new (NULL);
  g_autoptr(GString) conditions = g_string_new (NULL);

  if (concord_rule_get_sync (rule))
    g_string_append (then, C_("rule summary", "sync"));
  for (guint i = 0; i < concord_rule_get_n_actions (rule); i++)
    {
      g_autofree char *action = describe_action (self, concord_rule_get_action (rule, i));

      if (then->len > 0)
        g_string_append (then, i + 1 == concord_rule_get_n_actions (rule) ? _(" and ") : ", ");
      g_string_append (then, action);
    }
  if (then->len == 0)
    g_string_append (then, _("nothing: turn on Sync or add an action"));

  if (filter == NULL)
    /* Translators: a rule's summary without conditions; %s is what it does */
    return g_strdup_printf (_("Every contact: %s"), then->str);

  {
    g_autoptr(JsonNode) node = concord_filter_to_json (filter);

    describe_filter (self, json_node_get_object (node), FALSE, conditions);
  }
  /* Translators: a rule's summary: "If Status is “active”, then sync" */
  return g_strdup_printf (_("If %s, then %s"), conditions->str, then->str);
}

static int
rule_index (ConcordRulePanel *self,
            ConcordRule      *rule)
{
  for (guint i = 0; self->list != NULL && i < concord_rule_list_get_n_rules (self->list); i++)
    if (concord_rule_list_get_rule (self->list, i) == rule)
      return i;

  return -1;
}

static ConcordRuleRow *
row_of_rule (ConcordRulePanel *self,
             ConcordRule      *rule)
{
  GtkListBoxRow *row;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->rules_list, i)) != NULL; i++)
    if (concord_rule_row_get_rule (CONCORD_RULE_ROW (row)) == rule)
      return CONCORD_RULE_ROW (row);

  return NULL;
}

static char *
count_text (guint    n_matching,
            guint    n_total,
            gboolean everyone)
{
  if (everyone)
    /* Translators: a rule's live count, when it has no conditions */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Matches the %u contact", "Matches all %u contacts",
                                         n_total), n_total);

  /* Translators: a rule's live count: "Matches 120 of 300 contacts" */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Matches %u of %u contact", "Matches %u of %u contacts",
                                       n_total), n_matching, n_total);
}

typedef struct
{
  ConcordRulePanel *panel;        /* (owned) */
  ConcordRule      *rule;         /* (owned) */
  gboolean          everyone;
  GCancellable     *cancellable;  /* (owned) */
} RowCount;

static void
row_count_free (RowCount *count)
{
  g_object_unref (count->panel);
  concord_rule_unref (count->rule);
  g_object_unref (count->cancellable);
  g_free (count);
}

static void
on_row_count_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  RowCount *count = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint n_matching = 0, n_total = 0;
  ConcordRuleRow *row;

  if (!concord_engine_count_matching_finish (CONCORD_ENGINE (object), result, &n_matching, &n_total, NULL,
                                             &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      row_count_free (count);
      return;
    }

  row = g_cancellable_is_cancelled (count->cancellable) ? NULL : row_of_rule (count->panel, count->rule);
  if (row != NULL)
    {
      if (error != NULL)
        /* Translators: %s is the reason, e.g. a network error */
        text = g_strdup_printf (_("Could not count: %s"), error->message);
      else
        text = count_text (n_matching, n_total, count->everyone);
      concord_rule_row_set_count (row, text);
    }
  row_count_free (count);
}

/* Counts the contacts of the source each rule matches, off the UI thread. */
static void
count_rows (ConcordRulePanel *self)
{
  GtkListBoxRow *row;

  if (self->engine == NULL || self->rows_cancellable == NULL ||
      (self->connection_id == 0 && (self->account_id == NULL || self->type == NULL)))
    return;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->rules_list, i)) != NULL; i++)
    {
      RowCount *count = g_new0 (RowCount, 1);
      ConcordRule *rule = concord_rule_row_get_rule (CONCORD_RULE_ROW (row));
      ConcordFilter *filter = concord_rule_get_filter (rule);

      count->panel = g_object_ref (self);
      count->rule = concord_rule_ref (rule);
      count->everyone = filter == NULL;
      count->cancellable = g_object_ref (self->rows_cancellable);
      concord_rule_row_set_count (CONCORD_RULE_ROW (row), _("Counting contacts…"));
      count_source (self, filter, self->rows_cancellable, on_row_count_cb, count);
    }
}

static void
clear_rows (ConcordRulePanel *self)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (self->rules_list, 0)) != NULL)
    gtk_list_box_remove (self->rules_list, GTK_WIDGET (row));
}

/* Shows every rule as it is now, in order. */
static void
refresh_rows (ConcordRulePanel *self)
{
  guint n = self->list != NULL ? concord_rule_list_get_n_rules (self->list) : 0;
  GtkListBoxRow *row;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->rules_list, i)) != NULL; i++)
    {
      ConcordRule *rule = concord_rule_row_get_rule (CONCORD_RULE_ROW (row));
      g_autofree char *summary = rule_summary (self, rule);

      concord_rule_row_update (CONCORD_RULE_ROW (row), i, n, summary);
    }

  if (self->rule != NULL)
    {
      int index = rule_index (self, self->rule);
      const char *name = concord_rule_get_name (self->rule);
      g_autofree char *label = name != NULL ? g_strdup (name) : g_strdup_printf (_("Rule %u"), index + 1);
      g_autofree char *heading = g_strdup_printf (_("Editing %s"), label);

      adw_preferences_group_set_title (self->name_group, heading);
    }
}

static void
emit_changed (ConcordRulePanel *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void rebuild_rows (ConcordRulePanel *self);

static void
on_rule_edit_cb (ConcordRuleRow   *row,
                 ConcordRulePanel *self)
{
  load_rule (self, rule_index (self, concord_rule_row_get_rule (row)));
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}

static void
on_rule_changed_cb (ConcordRuleRow   *row,
                    ConcordRulePanel *self)
{
  refresh_rows (self);
  emit_changed (self);
}

static void
on_rule_move_cb (ConcordRuleRow   *row,
                 int               delta,
                 ConcordRulePanel *self)
{
  ConcordRule *rule = concord_rule_row_get_rule (row);
  int from = rule_index (self, rule);
  int to = from + delta;
  ConcordRuleRow *moved;

  if (from < 0 || to < 0 || (guint) to >= concord_rule_list_get_n_rules (self->list))
    return;

  concord_rule_ref (rule);
  concord_rule_list_move (self->list, from, to);
  rebuild_rows (self);
  moved = row_of_rule (self, rule);
  if (moved != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (moved));
  concord_rule_unref (rule);
  emit_changed (self);
}

static void
on_rule_remove_cb (ConcordRuleRow   *row,
                   ConcordRulePanel *self)
{
  int index = rule_index (self, concord_rule_row_get_rule (row));
  gboolean editing = concord_rule_row_get_rule (row) == self->rule;
  guint n;

  if (index < 0)
    return;

  concord_rule_list_remove (self->list, index);
  n = concord_rule_list_get_n_rules (self->list);
  rebuild_rows (self);
  if (editing)
    load_rule (self, n > 0 ? (int) MIN ((guint) index, n - 1) : -1);
  gtk_widget_grab_focus (GTK_WIDGET (self->add_rule_button));
  emit_changed (self);
}

static void
rebuild_rows (ConcordRulePanel *self)
{
  guint n = concord_rule_list_get_n_rules (self->list);

  g_cancellable_cancel (self->rows_cancellable);
  g_clear_object (&self->rows_cancellable);
  self->rows_cancellable = g_cancellable_new ();
  clear_rows (self);

  for (guint i = 0; i < n; i++)
    {
      ConcordRule *rule = concord_rule_list_get_rule (self->list, i);
      GtkWidget *row = concord_rule_row_new (rule);

      g_signal_connect (row, "edit", G_CALLBACK (on_rule_edit_cb), self);
      g_signal_connect (row, "changed", G_CALLBACK (on_rule_changed_cb), self);
      g_signal_connect (row, "move", G_CALLBACK (on_rule_move_cb), self);
      g_signal_connect (row, "remove", G_CALLBACK (on_rule_remove_cb), self);
      gtk_list_box_append (self->rules_list, row);
      concord_rule_row_set_editing (CONCORD_RULE_ROW (row), rule == self->rule);
    }
  refresh_rows (self);
  count_rows (self);
}

static void
on_add_rule_clicked (ConcordRulePanel *self)
{
  if (self->list == NULL)
    return;

  concord_rule_list_insert (self->list, -1, concord_rule_new ());
  rebuild_rows (self);
  load_rule (self, concord_rule_list_get_n_rules (self->list) - 1);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  emit_changed (self);
}

static void
on_unmatched_changed (ConcordRulePanel *self)
{
  commit (self);
}

static void
on_name_changed (ConcordRulePanel *self)
{
  commit (self);
}

/* ------------------------------------------------------------------------- */
/* Writing the rule                                                          */
/* ------------------------------------------------------------------------- */

/* Writes the rules from the widgets: what the engine validated only. */
static void
commit (ConcordRulePanel *self)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(ConcordFilter) filter = NULL;
  g_autoptr(GPtrArray) actions = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_action_free);
  GtkListBoxRow *row;
  guint n_problems = 0;

  if (self->list == NULL || self->loading)
    return;

  before = rule_json (self->list);

  if (self->rule != NULL)
    {
      filter = concord_rule_group_build (self->root, &n_problems);
      if (filter != NULL && !concord_filter_validate (filter, NULL))
        {
          /* Every condition was validated: this cannot happen, but the
           * rule stays as it was rather than hold what the engine refuses. */
          g_warning ("The rule editor built a filter the engine refuses");
          return;
        }

      for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->actions_list, i)) != NULL; i++)
        {
          ConcordAction *action = concord_rule_action_row_build (CONCORD_RULE_ACTION_ROW (row));

          if (action != NULL)
            g_ptr_array_add (actions, action);
        }

      concord_rule_set_name (self->rule, gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
      concord_rule_set_filter (self->rule, filter);
      while (concord_rule_get_n_actions (self->rule) > 0)
        concord_rule_remove_action (self->rule, 0);
      for (guint i = 0; i < actions->len; i++)
        concord_rule_add_action (self->rule, concord_action_copy (g_ptr_array_index (actions, i)));
    }

  concord_rule_list_set_enabled (self->list, gtk_switch_get_active (self->enabled_switch));
  concord_rule_list_set_create (self->list, gtk_switch_get_active (self->create_switch));
  concord_rule_list_set_unmatched (self->list, adw_combo_row_get_selected (self->unmatched_row) == 1
                                                 ? CONCORD_UNMATCHED_KEEP : CONCORD_UNMATCHED_STOP);

  after = rule_json (self->list);
  if (g_strcmp0 (before, after) != 0)
    {
      refresh_rows (self);
      g_signal_emit (self, signals[CHANGED], 0);
    }

  queue_count (self);
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_filter_changed_cb (ConcordRulePanel *self)
{
  commit (self);
}

static void
on_enabled_changed (ConcordRulePanel *self)
{
  update_sensitivity (self);
  commit (self);
}

static void
on_create_changed (ConcordRulePanel *self)
{
  commit (self);
}

static void
on_action_changed_cb (ConcordRulePanel *self)
{
  commit (self);
}

static void
on_action_remove_cb (GtkWidget        *row,
                     ConcordRulePanel *self)
{
  gtk_list_box_remove (self->actions_list, row);
  renumber_actions (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->add_action_button));
  commit (self);
}

static GtkWidget *
append_action (ConcordRulePanel *self)
{
  GtkWidget *row = concord_rule_action_row_new (self->target_fields,
                                                self->values[CONCORD_SIDE_OTHER (self->source)]);

  g_signal_connect_swapped (row, "changed", G_CALLBACK (on_action_changed_cb), self);
  g_signal_connect (row, "remove", G_CALLBACK (on_action_remove_cb), self);
  gtk_list_box_append (self->actions_list, row);
  renumber_actions (self);
  return row;
}

static void
on_add_action_clicked (ConcordRulePanel *self)
{
  GtkWidget *row = append_action (self);

  gtk_widget_child_focus (row, GTK_DIR_TAB_FORWARD);
  commit (self);
}

/* ------------------------------------------------------------------------- */
/* Fields                                                                    */
/* ------------------------------------------------------------------------- */

static gboolean
has_field (GPtrArray  *fields,
           const char *key)
{
  for (guint i = 0; i < fields->len; i++)
    if (g_strcmp0 (((ConcordFieldSpec *) g_ptr_array_index (fields, i))->key, key) == 0)
      return TRUE;

  return FALSE;
}

/* A field the rule uses that the app no longer lists: kept, and said so. */
static void
add_missing_field (GPtrArray        *fields,
                   const char       *key,
                   ConcordFieldType  type)
{
  const ConcordFieldSpec *canonical;
  g_autofree char *label = NULL;
  ConcordFieldSpec *spec;

  if (key == NULL || has_field (fields, key))
    return;

  canonical = concord_fields_lookup (key);
  /* Translators: %s is a field's name */
  label = g_strdup_printf (_("%s (not in this app)"),
                           canonical != NULL ? _(canonical->label)
                           : concord_field_is_custom (key) ? key + strlen (CONCORD_FIELD_CUSTOM_PREFIX) : key);
  spec = concord_field_spec_new (key, label, type, FALSE);
  spec->custom = TRUE;  /* its label is already what to show */
  g_ptr_array_add (fields, spec);
}

static void
add_filter_fields (GPtrArray  *fields,
                   JsonObject *node)
{
  JsonArray *conditions;

  if (node == NULL)
    return;

  if (json_object_has_member (node, "field"))
    {
      ConcordFieldType type = CONCORD_FIELD_TYPE_STRING;

      concord_field_type_from_string (json_object_get_string_member_with_default (node, "type", "string"),
                                      &type);
      add_missing_field (fields, json_object_get_string_member (node, "field"), type);
      return;
    }

  conditions = json_object_has_member (node, "conditions")
               ? json_object_get_array_member (node, "conditions") : NULL;
  for (guint i = 0; conditions != NULL && i < json_array_get_length (conditions); i++)
    add_filter_fields (fields, json_array_get_object_element (conditions, i));
}

static GPtrArray *
copy_fields (GPtrArray *fields)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  for (guint i = 0; fields != NULL && i < fields->len; i++)
    g_ptr_array_add (copy, concord_field_spec_copy (g_ptr_array_index (fields, i)));

  return copy;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_rule_panel_dispose (GObject *object)
{
  ConcordRulePanel *self = CONCORD_RULE_PANEL (object);

  g_clear_handle_id (&self->count_id, g_source_remove);
  g_cancellable_cancel (self->count_cancellable);
  g_clear_object (&self->count_cancellable);
  g_cancellable_cancel (self->values_cancellable);
  g_clear_object (&self->values_cancellable);
  g_clear_pointer (&self->values[0], g_hash_table_unref);
  g_clear_pointer (&self->values[1], g_hash_table_unref);
  if (self->count_box_ref != NULL && gtk_widget_get_parent (self->count_box_ref) != NULL)
    gtk_box_remove (GTK_BOX (gtk_widget_get_parent (self->count_box_ref)), self->count_box_ref);
  gtk_widget_dispose_template (GTK_WIDGET (object), CONCORD_TYPE_RULE_PANEL);
  g_clear_object (&self->count_box_ref);
  g_cancellable_cancel (self->rows_cancellable);
  g_clear_object (&self->rows_cancellable);
  g_clear_pointer (&self->rule, concord_rule_unref);
  g_clear_pointer (&self->list, concord_rule_list_unref);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (concord_rule_panel_parent_class)->dispose (object);
}

static void
concord_rule_panel_finalize (GObject *object)
{
  ConcordRulePanel *self = CONCORD_RULE_PANEL (object);

  g_clear_pointer (&self->source_fields, g_ptr_array_unref);
  g_clear_pointer (&self->target_fields, g_ptr_array_unref);
  g_free (self->source_name);
  g_free (self->target_name);
  g_free (self->counted);
  g_free (self->account_id);
  g_free (self->type);

  G_OBJECT_CLASS (concord_rule_panel_parent_class)->finalize (object);
}

static void
concord_rule_panel_class_init (ConcordRulePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_rule_panel_dispose;
  object_class->finalize = concord_rule_panel_finalize;

  /**
   * ConcordRulePanel::changed:
   *
   * The rule changed by the user's hand.
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-rule-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, title_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, create_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, create_switch);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, settings_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, unmatched_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, rules_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, rules_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, add_rule_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, name_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, name_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, if_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, filter_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, count_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, count_icon_stack);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, count_spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, count_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, sample_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, then_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, actions_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, add_action_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordRulePanel, not_applicable_label);
  gtk_widget_class_bind_template_callback (widget_class, on_enabled_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_create_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_add_action_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_add_rule_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_unmatched_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed);
}

static void
concord_rule_panel_init (ConcordRulePanel *self)
{
  self->source_name = g_strdup ("");
  self->target_name = g_strdup ("");
  gtk_widget_init_template (GTK_WIDGET (self));
  self->count_box_ref = g_object_ref_sink (self->count_box);
  /* Homogeneous in width only, a stack measures its hidden page's width
   * for that page's height at its narrowest: wrapped text asked to fit
   * in so few lines wants the width of one line (over 2000 px in a long
   * language), and the whole page could not be narrower. */
  gtk_stack_set_hhomogeneous (self->stack, FALSE);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

GtkWidget *
concord_rule_panel_new (ConcordEngine *engine)
{
  ConcordRulePanel *self;

  g_return_val_if_fail (CONCORD_IS_ENGINE (engine), NULL);

  self = g_object_new (CONCORD_TYPE_RULE_PANEL, NULL);
  self->engine = g_object_ref (engine);
  return GTK_WIDGET (self);
}

/**
 * concord_rule_panel_set_engine:
 *
 * Sets the engine that counts (for a panel made from a template).
 */
void
concord_rule_panel_set_engine (ConcordRulePanel *self,
                               ConcordEngine    *engine)
{
  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));
  g_return_if_fail (CONCORD_IS_ENGINE (engine));

  g_set_object (&self->engine, engine);
}

static void
set_names (ConcordRulePanel *self,
           const char       *source_name,
           const char       *target_name)
{
  /* Translators: a direction of a connection, "Shop → Newsletter"; the arrow
   * points from the first account to the second: in a right-to-left
   * language, use "←". */
  g_autofree char *title = g_strdup_printf (_("%s → %s"), source_name, target_name);

  g_free (self->source_name);
  self->source_name = g_strdup (source_name);
  g_free (self->target_name);
  self->target_name = g_strdup (target_name);
  gtk_label_set_label (self->title_label, title);
  set_accessible_label (self, title);
}

void
concord_rule_panel_clear (ConcordRulePanel *self)
{
  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));

  g_clear_handle_id (&self->count_id, g_source_remove);
  g_cancellable_cancel (self->count_cancellable);
  g_clear_object (&self->count_cancellable);
  g_clear_pointer (&self->counted, g_free);
  g_cancellable_cancel (self->values_cancellable);
  g_clear_object (&self->values_cancellable);
  g_clear_pointer (&self->values[0], g_hash_table_unref);
  g_clear_pointer (&self->values[1], g_hash_table_unref);
  g_clear_pointer (&self->rule, concord_rule_unref);
  g_clear_pointer (&self->list, concord_rule_list_unref);
  g_cancellable_cancel (self->rows_cancellable);
  g_clear_object (&self->rows_cancellable);
  clear_rows (self);
  if (gtk_widget_get_parent (self->count_box) != NULL)
    gtk_box_remove (GTK_BOX (gtk_widget_get_parent (self->count_box)), self->count_box);
  if (self->root != NULL)
    gtk_box_remove (self->filter_box, GTK_WIDGET (self->root));
  self->root = NULL;
  clear_actions (self);
  gtk_label_set_label (self->count_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->sample_label), FALSE);
  show_count_busy (self, FALSE);
}

/**
 * concord_rule_panel_set_not_applicable:
 *
 * Shows that contacts do not flow from @source_name to @target_name (a
 * one-way connection), with nothing to edit.
 */
void
concord_rule_panel_set_not_applicable (ConcordRulePanel *self,
                                       const char       *source_name,
                                       const char       *target_name)
{
  g_autofree char *text = NULL;

  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));

  concord_rule_panel_clear (self);
  set_names (self, source_name, target_name);
  /* Translators: the names of both sides of a connection */
  text = g_strdup_printf (_("Contacts do not go from %s to %s: the connection is one-way. "
                            "Make it two-way to give this direction a rule."),
                          source_name, target_name);
  gtk_label_set_label (self->not_applicable_label, text);
  gtk_label_set_label (self->subtitle_label, _("Not applicable"));
  gtk_widget_set_visible (GTK_WIDGET (self->enabled_switch), FALSE);
  gtk_stack_set_visible_child_name (self->stack, "not-applicable");
}

/* Shows the rule at @index of the list below it, to edit; -1: none. */
static void
load_rule (ConcordRulePanel *self,
           int               index)
{
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;
  ConcordFilter *filter;
  ConcordRule *rule;
  GtkListBoxRow *row;

  self->loading = TRUE;
  g_clear_handle_id (&self->count_id, g_source_remove);
  g_cancellable_cancel (self->count_cancellable);
  g_clear_pointer (&self->counted, g_free);
  if (gtk_widget_get_parent (self->count_box) != NULL)
    gtk_box_remove (GTK_BOX (gtk_widget_get_parent (self->count_box)), self->count_box);
  if (self->root != NULL)
    gtk_box_remove (self->filter_box, GTK_WIDGET (self->root));
  self->root = NULL;
  clear_actions (self);
  gtk_label_set_label (self->count_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->sample_label), FALSE);
  show_count_busy (self, FALSE);
  g_clear_pointer (&self->rule, concord_rule_unref);

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->rules_list, i)) != NULL; i++)
    concord_rule_row_set_editing (CONCORD_RULE_ROW (row), (int) i == index);

  if (index < 0 || (guint) index >= concord_rule_list_get_n_rules (self->list))
    {
      self->loading = FALSE;
      update_sensitivity (self);
      return;
    }

  rule = concord_rule_list_get_rule (self->list, index);
  self->rule = concord_rule_ref (rule);
  filter = concord_rule_get_filter (rule);

  label = concord_rule_get_name (rule) != NULL ? g_strdup (concord_rule_get_name (rule))
          /* Translators: a rule without a name; %u is its place in the list */
          : g_strdup_printf (_("Rule %u"), index + 1);
  /* Translators: the heading of the rule being edited; %s is its name or "Rule 2" */
  text = g_strdup_printf (_("Editing %s"), label);
  adw_preferences_group_set_title (self->name_group, text);
  g_clear_pointer (&text, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row),
                         concord_rule_get_name (rule) != NULL ? concord_rule_get_name (rule) : "");

  self->root = CONCORD_RULE_GROUP (concord_rule_group_new (self->source_fields, self->values[self->source], 0));
  /* Translators: followed by "all", "any"… and "of these conditions"; %s is an account's name */
  text = g_strdup_printf (_("If a contact of %s matches"), self->source_name);
  concord_rule_group_set_title (self->root, text);
  g_clear_pointer (&text, g_free);
  g_signal_connect_swapped (self->root, "changed", G_CALLBACK (on_filter_changed_cb), self);
  gtk_box_append (self->filter_box, GTK_WIDGET (self->root));
  gtk_box_append (concord_rule_group_get_footer (self->root), self->count_box);
  if (filter != NULL)
    {
      g_autoptr(JsonNode) node = concord_filter_to_json (filter);
      JsonObject *object = json_node_get_object (node);

      if (json_object_has_member (object, "conditions"))
        concord_rule_group_load (self->root, object);
      else
        {
          /* A lone condition: shown in the rule's "all" group. */
          g_autoptr(JsonNode) wrapper = json_node_new (JSON_NODE_OBJECT);
          JsonObject *group = json_object_new ();
          JsonArray *conditions = json_array_new ();

          json_array_add_element (conditions, json_node_copy (node));
          json_object_set_string_member (group, "match", "all");
          json_object_set_array_member (group, "conditions", conditions);
          json_node_take_object (wrapper, group);
          concord_rule_group_load (self->root, group);
        }
    }

  for (guint i = 0; i < concord_rule_get_n_actions (rule); i++)
    {
      GtkWidget *action_row = append_action (self);

      if (!concord_rule_action_row_load (CONCORD_RULE_ACTION_ROW (action_row), concord_rule_get_action (rule, i)))
        gtk_list_box_remove (self->actions_list, action_row);
    }
  renumber_actions (self);

  self->loading = FALSE;
  update_sensitivity (self);
  start_count (self);
}

/* The fields of @list's rules that the apps no longer list: kept, and
 * said so. */
static void
add_rule_fields (ConcordRulePanel *self,
                 ConcordRuleList  *list)
{
  for (guint r = 0; r < concord_rule_list_get_n_rules (list); r++)
    {
      ConcordRule *rule = concord_rule_list_get_rule (list, r);
      ConcordFilter *filter = concord_rule_get_filter (rule);

      if (filter != NULL)
        {
          g_autoptr(JsonNode) node = concord_filter_to_json (filter);

          add_filter_fields (self->source_fields, json_node_get_object (node));
        }
      for (guint i = 0; i < concord_rule_get_n_actions (rule); i++)
        {
          const ConcordAction *action = concord_rule_get_action (rule, i);

          add_missing_field (self->target_fields, action->field, action->type);
        }
    }
}

/**
 * concord_rule_panel_set_rules:
 * @list: (transfer none): the direction's rules to edit in place (referenced)
 * @source_fields: (transfer none): the source side's schema (copied)
 * @target_fields: (transfer none): the target side's schema (copied)
 *
 * Shows @list, its first rule open; edits are written to it.
 */
void
concord_rule_panel_set_rules (ConcordRulePanel *self,
                              gint64            connection_id,
                              ConcordSide       source,
                              ConcordRuleList  *list,
                              GPtrArray        *source_fields,
                              GPtrArray        *target_fields,
                              const char       *source_name,
                              const char       *target_name)
{
  g_autofree char *create = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));
  g_return_if_fail (list != NULL);

  concord_rule_panel_clear (self);
  self->loading = TRUE;

  set_names (self, source_name, target_name);
  self->connection_id = connection_id;
  self->source = source;
  self->list = concord_rule_list_ref (list);
  for (guint s = 0; s < 2; s++)
    self->values[s] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  self->values_cancellable = g_cancellable_new ();

  /* The source's fields, status among them, and any field a rule uses. */
  g_clear_pointer (&self->source_fields, g_ptr_array_unref);
  self->source_fields = copy_fields (source_fields);
  if (!has_field (self->source_fields, CONCORD_FIELD_STATUS))
    g_ptr_array_add (self->source_fields,
                     concord_field_spec_copy (concord_fields_lookup (CONCORD_FIELD_STATUS)));
  g_clear_pointer (&self->target_fields, g_ptr_array_unref);
  self->target_fields = copy_fields (target_fields);
  add_rule_fields (self, list);

  /* Translators: the names of both sides of a connection */
  text = g_strdup_printf (_("Contacts of %s without a match in %s are created there."), source_name, target_name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->create_box), text);
  g_clear_pointer (&text, g_free);
  /* Translators: an accessible name; %s is "Shop → Newsletter" */
  text = g_strdup_printf (_("Use the rules %s"), gtk_label_get_label (self->title_label));
  set_accessible_label (self->enabled_switch, text);
  g_clear_pointer (&text, g_free);
  /* Translators: an accessible name; %s is an account's name */
  create = g_strdup_printf (_("Create new contacts in %s"), target_name);
  set_accessible_label (self->create_switch, create);
  /* Translators: a heading; %s is an account's name */
  text = g_strdup_printf (_("Then in %s…"), target_name);
  adw_preferences_group_set_title (self->then_group, text);
  g_clear_pointer (&text, g_free);

  gtk_switch_set_active (self->enabled_switch, concord_rule_list_get_enabled (list));
  gtk_switch_set_active (self->create_switch, concord_rule_list_get_create (list));
  adw_combo_row_set_selected (self->unmatched_row,
                              concord_rule_list_get_unmatched (list) == CONCORD_UNMATCHED_KEEP ? 1 : 0);

  gtk_widget_set_visible (GTK_WIDGET (self->enabled_switch), TRUE);
  gtk_stack_set_visible_child_name (self->stack, "rule");
  self->loading = FALSE;

  /* The open rule is counted first, then each rule of the list. */
  load_rule (self, concord_rule_list_get_n_rules (list) > 0 ? 0 : -1);
  rebuild_rows (self);
  if (self->engine != NULL)
    request_values (self);
}

/**
 * concord_rule_panel_set_source_account:
 *
 * For a rule of a connection not made yet (connection id 0): the account
 * and contact type whose contacts the live count counts. Call after
 * concord_rule_panel_set_rule().
 */
void
concord_rule_panel_set_source_account (ConcordRulePanel *self,
                                       const char       *account_id,
                                       const char       *type)
{
  g_return_if_fail (CONCORD_IS_RULE_PANEL (self));

  g_free (self->account_id);
  self->account_id = g_strdup (account_id);
  g_free (self->type);
  self->type = g_strdup (type);
  g_clear_pointer (&self->counted, g_free);
  queue_count (self);
  count_rows (self);
}
