/* concord-add-connection-dialog-mapping.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Add Connection, pages 4 and 5: the rules in words, and the automatic
 * field mapping of both apps' schemas, with what each app has that the
 * other has not. See concord-add-connection-dialog.c for the flow.
 */

#define G_LOG_DOMAIN "concord-add-connection-dialog"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "concord-activity-text.h"
#include "concord-add-connection-dialog-private.h"
#include "concord-arrow.h"
#include "concord-error.h"
#include "concord-mapping.h"
#include "concord-rules.h"

/* ------------------------------------------------------------------------- */
/* Page 4: rules                                                             */
/* ------------------------------------------------------------------------- */

static char *
describe_rule (ConcordAddConnectionDialog *self,
               ConcordSide                 from)
{
  const char *source = account_name (self, from);
  const char *target = account_name (self, CONCORD_SIDE_OTHER (from));

  if (!concord_direction_flows (get_direction (self), from))
    /* Translators: %s are account names */
    return g_strdup_printf (_("Nothing syncs from %s to %s."), source, target);

  if (!gtk_switch_get_active (rule_switch (self, from)))
    /* Translators: %s are account names */
    return g_strdup_printf (_("Contacts are not sent from %s to %s: only contacts already in both "
                              "apps are updated, and nothing new is created in %s."), source, target,
                            target);

  if (self->edited != NULL && !concord_rule_list_is_default (self->edited->rules[from]))
    {
      const ConcordRuleList *rules = self->edited->rules[from];
      GString *text = g_string_new (NULL);

      if (concord_rule_list_holds_back (rules))
        /* Translators: %s are account names */
        g_string_append_printf (text, _("Contacts of %s that match the rule’s conditions sync to %s"),
                                source, target);
      else
        /* Translators: %s are account names */
        g_string_append_printf (text, _("All contacts of %s sync to %s"), source, target);
      g_string_append (text, gtk_switch_get_active (create_switch (self, from))
                             ? _("; new ones are created.") : _("; no new contacts are created there."));
      for (guint r = 0; r < concord_rule_list_get_n_rules (rules); r++)
        {
          const ConcordRule *rule = concord_rule_list_get_rule (rules, r);

          for (guint i = 0; concord_rule_get_enabled (rule) && i < concord_rule_get_n_actions (rule); i++)
            {
              g_autofree char *action = concord_action_describe (concord_rule_get_action (rule, i));

              g_string_append_printf (text, "\n%s", action);
            }
        }
      return g_string_free (text, FALSE);
    }

  if (gtk_switch_get_active (create_switch (self, from)))
    /* Translators: %s are account names */
    return g_strdup_printf (_("All contacts of %s sync to %s, new ones are created."), source, target);

  /* Translators: %s are account names */
  return g_strdup_printf (_("All contacts of %s update their match in %s; no new contacts are "
                            "created there."), source, target);
}

void
_concord_add_connection_dialog_build_rules_page (ConcordAddConnectionDialog *self)
{
  ConcordDirection direction = get_direction (self);
  /* A one-way connection names the way that flows first. */
  ConcordSide order[2] = { CONCORD_SIDE_A, CONCORD_SIDE_B };

  if (direction == CONCORD_DIRECTION_B_TO_A)
    {
      order[0] = CONCORD_SIDE_B;
      order[1] = CONCORD_SIDE_A;
    }

  remove_rows (self->rules_group, self->rule_rows);

  for (guint i = 0; i < 2; i++)
    {
      ConcordSide from = order[i];
      /* Translators: %s are account names */
      g_autofree char *title = g_strdup_printf (_("From %s to %s"), account_name (self, from),
                                                account_name (self, CONCORD_SIDE_OTHER (from)));
      g_autofree char *text = describe_rule (self, from);
      GtkWidget *row = add_row (self->rules_group, self->rule_rows, title, text);
      /* An icon, which GTK mirrors right to left (go-next-symbolic-rtl). */
      GtkWidget *arrow = gtk_image_new_from_icon_name (concord_arrow_icon_name (from == CONCORD_SIDE_A
                                                                                ? CONCORD_ARROW_FORWARD
                                                                                : CONCORD_ARROW_BACK));

      gtk_widget_set_name (row, from == CONCORD_SIDE_A ? "rule-a-to-b-row" : "rule-b-to-a-row");
      gtk_widget_add_css_class (arrow, "dim-label");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), arrow);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->conflict_row), direction == CONCORD_DIRECTION_BOTH);
}

/* ------------------------------------------------------------------------- */
/* Page 5: field mapping                                                     */
/* ------------------------------------------------------------------------- */

static char *
schemas_key (ConcordAddConnectionDialog *self)
{
  return g_strdup_printf ("%s\n%s\n%s\n%s",
                          concord_add_connection_side_get_account_id (self->side_a), self->type_ids[0],
                          concord_add_connection_side_get_account_id (self->side_b), self->type_ids[1]);
}

static GHashTable *
labels_of (GPtrArray *schema)
{
  GHashTable *labels = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < schema->len; i++)
    {
      const ConcordFieldSpec *spec = g_ptr_array_index (schema, i);

      g_hash_table_insert (labels, spec->key, spec->label);
    }

  return labels;
}

static char *
capitalized (const char *text)
{
  g_autofree char *first = g_utf8_strup (text, g_utf8_next_char (text) - text);

  return g_strconcat (first, g_utf8_next_char (text), NULL);
}

/* The fields an edited mapping leaves out, as the automatic one reports
 * them. */
static GPtrArray *
unmapped_of (ConcordAddConnectionDialog *self,
             ConcordMapping             *mapping)
{
  GPtrArray *unmapped = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_unmapped_field_free);

  for (guint s = 0; s < 2; s++)
    for (guint i = 0; i < self->schemas[s]->len; i++)
      {
        const ConcordFieldSpec *spec = g_ptr_array_index (self->schemas[s], i);
        ConcordUnmappedField *field;

        if (concord_mapping_find (mapping, s, spec->key) >= 0)
          continue;
        field = g_new0 (ConcordUnmappedField, 1);
        field->side = s;
        field->key = g_strdup (spec->key);
        field->label = g_strdup (spec->label);
        field->reason = g_strdup (_("left out of the mapping"));
        g_ptr_array_add (unmapped, field);
      }

  return unmapped;
}

static void
forget_automatic_mapping (ConcordAddConnectionDialog *self)
{
  g_clear_pointer (&self->automap, concord_mapping_unref);
  g_clear_pointer (&self->automap_unmapped, g_ptr_array_unref);
  self->automap_differs = FALSE;
}

/* The automatic mapping of both schemas, decided by the values of the
 * contacts read as samples when there are some; made once for what was
 * read, and whether the samples changed it from what the types alone
 * make. */
ConcordMapping *
_concord_add_connection_dialog_automatic_mapping (ConcordAddConnectionDialog  *self,
                                                  GPtrArray                  **unmapped)
{
  if (self->automap == NULL)
    {
      g_autoptr(ConcordMapping) typed = concord_mapping_new_auto (self->schemas[0], self->schemas[1], NULL);
      g_autoptr(JsonNode) typed_json = concord_mapping_to_json (typed);
      g_autoptr(JsonNode) sampled_json = NULL;

      self->automap = concord_mapping_new_auto_sampled (self->schemas[0], self->schemas[1], self->samples[0],
                                                        self->samples[1], &self->automap_unmapped);
      sampled_json = concord_mapping_to_json (self->automap);
      self->automap_differs = !json_node_equal (sampled_json, typed_json);
    }

  if (unmapped != NULL)
    *unmapped = g_ptr_array_ref (self->automap_unmapped);
  return concord_mapping_ref (self->automap);
}

void
_concord_add_connection_dialog_show_mapping (ConcordAddConnectionDialog *self)
{
  ConcordDirection direction = get_direction (self);
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autoptr(ConcordMapping) mapping = NULL;
  g_autoptr(GHashTable) labels_a = NULL;
  g_autoptr(GHashTable) labels_b = NULL;
  g_autofree char *title = NULL;
  guint n_pairs;

  remove_rows (self->pairs_group, self->pair_rows);
  remove_rows (self->unmapped_group, self->unmapped_rows);

  if (self->schemas[0] == NULL || self->schemas[1] == NULL)
    return;
  mapping = _concord_add_connection_dialog_automatic_mapping (self, &unmapped);
  if (self->edited != NULL && self->edited->mapping != NULL)
    {
      /* Edited here: its pairs, and every field it leaves out. */
      g_clear_pointer (&mapping, concord_mapping_unref);
      g_clear_pointer (&unmapped, g_ptr_array_unref);
      mapping = concord_mapping_ref (self->edited->mapping);
      unmapped = unmapped_of (self, mapping);
    }
  labels_a = labels_of (self->schemas[0]);
  labels_b = labels_of (self->schemas[1]);
  n_pairs = concord_mapping_get_n_pairs (mapping);

  /* Translators: %s are account names; the group lists pairs of their fields */
  title = g_strdup_printf (_("Fields of %s and %s"), account_name (self, CONCORD_SIDE_A),
                           account_name (self, CONCORD_SIDE_B));
  adw_preferences_group_set_title (self->pairs_group, title);

  for (guint i = 0; i < n_pairs; i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (mapping, i);
      const char *key_a = g_quark_to_string (pair->key_a);
      const char *key_b = g_quark_to_string (pair->key_b);
      const char *label_a = g_hash_table_lookup (labels_a, key_a);
      const char *label_b = g_hash_table_lookup (labels_b, key_b);
      gboolean a_to_b = concord_mapping_pair_flows (pair, CONCORD_SIDE_A) &&
                        concord_direction_flows (direction, CONCORD_SIDE_A);
      gboolean b_to_a = concord_mapping_pair_flows (pair, CONCORD_SIDE_B) &&
                        concord_direction_flows (direction, CONCORD_SIDE_B);
      ConcordArrow arrow = a_to_b && b_to_a ? CONCORD_ARROW_BOTH : a_to_b ? CONCORD_ARROW_FORWARD : CONCORD_ARROW_BACK;
      g_autofree char *text = NULL;
      g_autofree char *spoken = NULL;
      GtkWidget *row;

      label_a = label_a != NULL ? label_a : key_a;
      label_b = label_b != NULL ? label_b : key_b;
      text = a_to_b || b_to_a ? concord_arrow_join (GTK_WIDGET (self), label_a, arrow, label_b)
                              : g_strdup_printf ("%s · %s", label_a, label_b);
      row = add_row (self->pairs_group, self->pair_rows, text,
                     a_to_b || b_to_a ? NULL : _("Not synced in the direction chosen"));

      if (a_to_b && b_to_a)
        /* Translators: spoken for a pair of fields; %s are field labels */
        spoken = g_strdup_printf (_("%s syncs both ways with %s"), label_a, label_b);
      else if (a_to_b)
        /* Translators: spoken for a pair of fields; %s are field labels */
        spoken = g_strdup_printf (_("%s is copied to %s"), label_a, label_b);
      else if (b_to_a)
        /* Translators: spoken for a pair of fields; %s are field labels */
        spoken = g_strdup_printf (_("%s is copied to %s"), label_b, label_a);
      else
        /* Translators: spoken for a pair of fields; %s are field labels */
        spoken = g_strdup_printf (_("%s and %s are not synced"), label_a, label_b);
      set_accessible_label (row, spoken);
    }

  if (n_pairs == 0)
    add_row (self->pairs_group, self->pair_rows, _("No fields could be paired"),
             _("These apps have no field in common, so nothing would sync"));

  for (guint i = 0; unmapped != NULL && i < unmapped->len; i++)
    {
      const ConcordUnmappedField *field = g_ptr_array_index (unmapped, i);
      /* Translators: an account name and one of its fields: "Shop: Birthday" */
      g_autofree char *text = g_strdup_printf (_("%s: %s"), account_name (self, field->side),
                                               field->label != NULL ? field->label : field->key);
      g_autofree char *reason = capitalized (field->reason);

      add_row (self->unmapped_group, self->unmapped_rows, text, reason);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->mapping_loading_box), FALSE);
  gtk_spinner_set_spinning (self->mapping_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->pairs_group), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->unmapped_group), self->unmapped_rows->len > 0);
}

static void
show_mapping_status (ConcordAddConnectionDialog *self,
                     const char                 *text,
                     gboolean                    failed)
{
  gtk_widget_set_visible (GTK_WIDGET (self->mapping_loading_box), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->mapping_spinner), !failed);
  gtk_spinner_set_spinning (self->mapping_spinner, !failed);
  gtk_label_set_label (self->mapping_status_label, text);
  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->mapping_status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->mapping_status_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->mapping_retry_button), failed);
  gtk_widget_set_visible (GTK_WIDGET (self->pairs_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->unmapped_group), FALSE);
}

typedef struct
{
  ConcordAddConnectionDialog *self;  /* (owned) */
  ConcordSide                 side;
  char                       *key;
  gboolean                    sample;  /* loads contacts, not fields */
} SchemaLoad;

static void
schema_load_free (SchemaLoad *load)
{
  g_object_unref (load->self);
  g_free (load->key);
  g_free (load);
}

static void
on_schema_loaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SchemaLoad *load = user_data;
  ConcordAddConnectionDialog *self = load->self;
  g_autoptr(GError) error = NULL;
  GPtrArray *schema;

  if (load->sample)
    schema = concord_engine_load_sample_finish (CONCORD_ENGINE (object), result, &error);
  else
    schema = concord_engine_load_schema_finish (CONCORD_ENGINE (object), result, &error);

  /* Gone, or what it was for changed meanwhile. */
  if (self->closed || g_strcmp0 (load->key, self->schemas_loading) != 0)
    {
      g_clear_pointer (&schema, g_ptr_array_unref);
      schema_load_free (load);
      return;
    }

  /* Contacts that cannot be read leave the mapping to the fields alone;
   * the review says what reading them fails of. */
  forget_automatic_mapping (self);
  if (load->sample)
    self->samples[load->side] = schema;
  else if (schema != NULL)
    self->schemas[load->side] = schema;
  else if (self->schema_error == NULL)
    {
      const char *name = account_name (self, load->side);

      /* Translators: the first %s is an account name, the second why (English) */
      self->schema_error = g_error_new (error->domain, error->code, _("The fields of %s could not be "
                                                                      "read: %s"), name, error->message);
    }

  if (--self->schemas_pending == 0)
    {
      g_free (self->schemas_for);
      self->schemas_for = g_steal_pointer (&self->schemas_loading);

      if (self->schema_error != NULL)
        show_mapping_status (self, self->schema_error->message, TRUE);
      else if (self->page == PAGE_MAPPING)
        _concord_add_connection_dialog_show_mapping (self);
      _concord_add_connection_dialog_update_buttons (self);
    }

  schema_load_free (load);
}

void
_concord_add_connection_dialog_load_schemas (ConcordAddConnectionDialog *self)
{
  g_autofree char *key = schemas_key (self);

  if (g_strcmp0 (key, self->schemas_for) == 0 && self->schema_error == NULL)
    {
      _concord_add_connection_dialog_show_mapping (self);
      return;
    }
  if (g_strcmp0 (key, self->schemas_loading) == 0)
    return;

  g_clear_pointer (&self->schemas[0], g_ptr_array_unref);
  g_clear_pointer (&self->schemas[1], g_ptr_array_unref);
  g_clear_pointer (&self->samples[0], g_ptr_array_unref);
  g_clear_pointer (&self->samples[1], g_ptr_array_unref);
  forget_automatic_mapping (self);
  g_clear_pointer (&self->schemas_for, g_free);
  /* Other apps or contact types: edits of the fields they had go. */
  _concord_add_connection_dialog_forget_edits (self);
  g_clear_error (&self->schema_error);
  g_free (self->schemas_loading);
  self->schemas_loading = g_strdup (key);
  self->schemas_pending = 4;

  show_mapping_status (self, _("Reading the fields of both apps…"), FALSE);

  /* The fields of both sides, and a page of contacts of each, whose
   * values the automatic mapping decides by. */
  for (guint i = 0; i < 4; i++)
    {
      SchemaLoad *load = g_new0 (SchemaLoad, 1);
      const char *account_id;

      load->self = g_object_ref (self);
      load->side = i % 2;
      load->sample = i >= 2;
      load->key = g_strdup (key);
      account_id = concord_add_connection_side_get_account_id (side_widget (self, load->side));
      if (load->sample)
        concord_engine_load_sample_async (self->engine, account_id, self->type_ids[load->side],
                                          self->cancellable, on_schema_loaded_cb, load);
      else
        concord_engine_load_schema_async (self->engine, account_id, self->type_ids[load->side],
                                          self->cancellable, on_schema_loaded_cb, load);
    }
}

gboolean
_concord_add_connection_dialog_mapping_ready (ConcordAddConnectionDialog *self)
{
  g_autofree char *key = schemas_key (self);

  return self->schemas_loading == NULL && self->schema_error == NULL &&
         g_strcmp0 (key, self->schemas_for) == 0;
}
