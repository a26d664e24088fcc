/* concord-rule-panel-count.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A rule panel's counting: how many contacts of the source the rule being
 * edited matches (and a few of their names), and the live counts of the
 * rows of the list, each asked of the engine a moment after the last
 * change; and the values each field has in use, which the value editors
 * offer. Also the small helpers the other parts share.
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
#include "concord-rule-panel-private.h"
#include "concord-rule-row.h"

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

void
concord_rule_panel_set_accessible_label (gpointer    widget,
                                         const char *text)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

char *
concord_rule_panel_rule_json (ConcordRuleList *list)
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

void
concord_rule_panel_clear_actions (ConcordRulePanel *self)
{
  GtkListBoxRow *row;

  while ((row = gtk_list_box_get_row_at_index (self->actions_list, 0)) != NULL)
    gtk_list_box_remove (self->actions_list, GTK_WIDGET (row));
}

void
concord_rule_panel_renumber_actions (ConcordRulePanel *self)
{
  GtkListBoxRow *row;

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->actions_list, i)) != NULL; i++)
    concord_rule_action_row_set_number (CONCORD_RULE_ACTION_ROW (row), i + 1);
}

void
concord_rule_panel_update_sensitivity (ConcordRulePanel *self)
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

void
concord_rule_panel_show_count_busy (ConcordRulePanel *self,
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

      concord_rule_panel_show_count_busy (self, FALSE);
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

  concord_rule_panel_show_count_busy (self, FALSE);
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
  if (self->rule != NULL && concord_rule_panel_row_of_rule (self, self->rule) != NULL)
    {
      g_autofree char *row_text =
        concord_rule_panel_count_text (n_matching, n_total, g_strcmp0 (self->counted, "null") == 0);

      concord_rule_row_set_count (concord_rule_panel_row_of_rule (self, self->rule), row_text);
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
void
concord_rule_panel_count_source (ConcordRulePanel    *self,
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

void
concord_rule_panel_start_count (ConcordRulePanel *self)
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

  concord_rule_panel_show_count_busy (self, TRUE);
  if (*gtk_label_get_label (self->count_label) == '\0')
    gtk_label_set_label (self->count_label, _("Counting contacts…"));
  concord_rule_panel_count_source (self, filter, self->count_cancellable, on_count_ready_cb, g_object_ref (self));
}

static void
count_timeout_cb (gpointer data)
{
  ConcordRulePanel *self = data;

  self->count_id = 0;
  concord_rule_panel_start_count (self);
}

/* Counts again in a moment when what would be counted changed. */
void
concord_rule_panel_queue_count (ConcordRulePanel *self)
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
  self->count_id = g_timeout_add_once (CONCORD_RULE_PANEL_COUNT_DELAY_MS, count_timeout_cb, self);
  concord_rule_panel_show_count_busy (self, TRUE);
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
void
concord_rule_panel_request_values (ConcordRulePanel *self)
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
