/* concord-rules.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Connection rules (one per direction: on/off, filter, actions, create
 * switch) and the document a connection stores them in, with its field
 * mapping: versioned JSON that the CLI exports and imports and the UI
 * edits. Reading refuses anything it does not understand, naming the
 * exact place, so a stored document is always one the engine can run.
 */

#define G_LOG_DOMAIN "concord-rules"

#include "config.h"

#include <string.h>

#include "concord-convert.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-private.h"
#include "concord-rules.h"

/* ------------------------------------------------------------------------- */
/* Actions                                                                   */
/* ------------------------------------------------------------------------- */

static const char * const action_names[] = { "set", "add", "remove" };

const char *
concord_action_kind_to_string (ConcordActionKind kind)
{
  g_return_val_if_fail (kind <= CONCORD_ACTION_REMOVE, "set");

  return action_names[kind];
}

gboolean
concord_action_kind_from_string (const char        *name,
                                 ConcordActionKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (action_names); i++)
    if (g_strcmp0 (name, action_names[i]) == 0)
      {
        *kind = i;
        return TRUE;
      }

  return FALSE;
}

/**
 * concord_action_new:
 * @field: the target's field key (a standard field or "custom:Name")
 * @type: the field's type
 * @value: the value to set, add or remove, as text ("" clears, for SET)
 * @on_update: apply it on every update of a linked pair, not only when
 *   Concord creates the contact
 *
 * Returns: (transfer full) (nullable): the action, or %NULL with @error
 *   saying why it cannot be done (a read-only field, a list set as a
 *   whole, a value that is not of the field's type)
 */
ConcordAction *
concord_action_new (ConcordActionKind   kind,
                    const char         *field,
                    ConcordFieldType    type,
                    const char         *value,
                    gboolean            on_update,
                    GError            **error)
{
  g_autoptr(ConcordAction) action = NULL;
  const ConcordFieldSpec *canonical;

  g_return_val_if_fail (field != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  if (*field == '\0' || !g_utf8_validate (field, -1, NULL) ||
      (concord_field_is_custom (field) && field[strlen (CONCORD_FIELD_CUSTOM_PREFIX)] == '\0'))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "“%s” is not a field name", field);
      return NULL;
    }
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "the value is not valid UTF-8");
      return NULL;
    }

  canonical = concord_fields_lookup (field);
  if (canonical != NULL && g_str_equal (field, CONCORD_FIELD_EMAIL))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "the email address identifies a contact; an action cannot set it");
      return NULL;
    }
  if (canonical != NULL && canonical->read_only)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "“%s” is read-only", field);
      return NULL;
    }
  if (canonical != NULL && canonical->type != type)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "“%s” is a %s, not a %s", field,
                   concord_field_type_to_string (canonical->type), concord_field_type_to_string (type));
      return NULL;
    }

  if (kind == CONCORD_ACTION_SET && type == CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "“%s” is a list: add to it or remove from it", field);
      return NULL;
    }
  if (kind != CONCORD_ACTION_SET && type != CONCORD_FIELD_TYPE_STRING_SET)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "“%s” is not a list or tag field: set it instead", field);
      return NULL;
    }

  action = g_new0 (ConcordAction, 1);
  action->kind = kind;
  action->field = g_strdup (field);
  action->key = g_quark_from_string (field);
  action->type = type;
  action->value = g_strdup (value);
  action->on_update = on_update;

  if (kind == CONCORD_ACTION_SET && *value != '\0')
    {
      ConcordValue text = { .type = CONCORD_FIELD_TYPE_STRING, .v.text = (char *) value };
      g_autoptr(GError) local_error = NULL;

      if (!concord_value_convert (&text, type, NULL, &action->parsed, &local_error))
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "“%s” for “%s”: %s",
                       value, field, local_error->message);
          return NULL;
        }
      if (canonical != NULL && canonical->choices != NULL &&
          !g_strv_contains ((const char * const *) canonical->choices, action->parsed.v.text))
        {
          g_autofree char *choices = g_strjoinv (", ", canonical->choices);

          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "“%s” is not a value of “%s” (%s)", value, field, choices);
          return NULL;
        }
    }
  else if (kind != CONCORD_ACTION_SET && *g_strstrip (action->value) == '\0')
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "the list member is empty");
      return NULL;
    }

  return g_steal_pointer (&action);
}

ConcordAction *
concord_action_copy (const ConcordAction *action)
{
  return concord_action_new (action->kind, action->field, action->type, action->value,
                             action->on_update, NULL);
}

void
concord_action_free (ConcordAction *action)
{
  if (action == NULL)
    return;

  g_free (action->field);
  g_free (action->value);
  if (action->kind == CONCORD_ACTION_SET && action->value != NULL)
    concord_value_clear (&action->parsed);
  g_free (action);
}

/**
 * concord_action_apply:
 * @current: (nullable): the target's value now (or as planned)
 * @out: (out caller-allocates): the value after the action
 *
 * Returns: %TRUE with @out set, or %FALSE when the field ends up empty
 */
gboolean
concord_action_apply (const ConcordAction *action,
                      const ConcordValue  *current,
                      ConcordValue        *out)
{
  g_autoptr(ConcordRecord) scratch = NULL;
  g_autoptr(GPtrArray) members = NULL;
  const ConcordValue *made;

  if (action->kind == CONCORD_ACTION_SET)
    {
      if (action->value[0] == '\0')
        return FALSE;
      concord_value_copy (&action->parsed, out);
      return TRUE;
    }

  members = g_ptr_array_new ();
  if (current != NULL && current->type == CONCORD_FIELD_TYPE_STRING_SET)
    for (guint i = 0; current->v.set[i] != NULL; i++)
      if (action->kind == CONCORD_ACTION_ADD || g_strcmp0 (current->v.set[i], action->value) != 0)
        g_ptr_array_add (members, current->v.set[i]);
  if (action->kind == CONCORD_ACTION_ADD)
    g_ptr_array_add (members, action->value);
  g_ptr_array_add (members, NULL);

  /* The record sorts, deduplicates and drops an empty set. */
  scratch = concord_record_new (NULL);
  concord_record_set_set (scratch, "v", (const char * const *) members->pdata);
  made = concord_record_get (scratch, "v");
  if (made == NULL)
    return FALSE;

  concord_value_copy (made, out);
  return TRUE;
}

/**
 * concord_action_describe:
 *
 * Returns: (transfer full): the action for people ("set status to active")
 */
char *
concord_action_describe (const ConcordAction *action)
{
  const char *when = action->on_update ? "" : " (new contacts only)";

  switch (action->kind)
    {
    case CONCORD_ACTION_ADD:
      return g_strdup_printf ("add “%s” to %s%s", action->value, action->field, when);
    case CONCORD_ACTION_REMOVE:
      return g_strdup_printf ("remove “%s” from %s%s", action->value, action->field, when);
    case CONCORD_ACTION_SET:
    default:
      if (action->value[0] == '\0')
        return g_strdup_printf ("clear %s%s", action->field, when);
      return g_strdup_printf ("set %s to “%s”%s", action->field, action->value, when);
    }
}

/* ------------------------------------------------------------------------- */
/* Rules                                                                     */
/* ------------------------------------------------------------------------- */

struct _ConcordRule
{
  gatomicrefcount  ref_count;
  gboolean         enabled;
  gboolean         create;
  ConcordFilter   *filter;   /* (nullable) */
  GPtrArray       *actions;  /* of ConcordAction */
};

/**
 * concord_rule_new:
 *
 * Returns: (transfer full): the default rule: on, every contact, no
 *   actions, creating contacts
 */
ConcordRule *
concord_rule_new (void)
{
  ConcordRule *self = g_new0 (ConcordRule, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->enabled = TRUE;
  self->create = TRUE;
  self->actions = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_action_free);

  return self;
}

ConcordRule *
concord_rule_copy (const ConcordRule *self)
{
  ConcordRule *copy = concord_rule_new ();

  copy->enabled = self->enabled;
  copy->create = self->create;
  if (self->filter != NULL)
    {
      g_autoptr(JsonNode) node = concord_filter_to_json (self->filter);

      copy->filter = concord_filter_new_from_json (node, "filter", NULL);
    }
  for (guint i = 0; i < self->actions->len; i++)
    g_ptr_array_add (copy->actions, concord_action_copy (g_ptr_array_index (self->actions, i)));

  return copy;
}

ConcordRule *
concord_rule_ref (ConcordRule *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
concord_rule_unref (ConcordRule *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->filter, concord_filter_unref);
  g_ptr_array_unref (self->actions);
  g_free (self);
}

gboolean
concord_rule_get_enabled (const ConcordRule *self)
{
  return self->enabled;
}

void
concord_rule_set_enabled (ConcordRule *self,
                          gboolean     enabled)
{
  self->enabled = !!enabled;
}

gboolean
concord_rule_get_create (const ConcordRule *self)
{
  return self->create;
}

void
concord_rule_set_create (ConcordRule *self,
                         gboolean     create)
{
  self->create = !!create;
}

ConcordFilter *
concord_rule_get_filter (const ConcordRule *self)
{
  return self->filter;
}

/**
 * concord_rule_set_filter:
 * @filter: (nullable) (transfer none): the scope; %NULL: every contact
 */
void
concord_rule_set_filter (ConcordRule   *self,
                         ConcordFilter *filter)
{
  if (filter != NULL)
    concord_filter_ref (filter);
  g_clear_pointer (&self->filter, concord_filter_unref);
  self->filter = filter;
}

guint
concord_rule_get_n_actions (const ConcordRule *self)
{
  return self->actions->len;
}

const ConcordAction *
concord_rule_get_action (const ConcordRule *self,
                         guint              index)
{
  g_return_val_if_fail (index < self->actions->len, NULL);

  return g_ptr_array_index (self->actions, index);
}

/**
 * concord_rule_add_action:
 * @action: (transfer full): the action
 */
void
concord_rule_add_action (ConcordRule   *self,
                         ConcordAction *action)
{
  g_return_if_fail (action != NULL);

  g_ptr_array_add (self->actions, action);
}

void
concord_rule_remove_action (ConcordRule *self,
                            guint        index)
{
  g_return_if_fail (index < self->actions->len);

  g_ptr_array_remove_index (self->actions, index);
}

/**
 * concord_rule_is_default:
 *
 * Returns: whether the rule is the default one (on, everyone, no actions,
 *   creating contacts)
 */
gboolean
concord_rule_is_default (const ConcordRule *self)
{
  return self->enabled && self->create && self->filter == NULL && self->actions->len == 0;
}

/**
 * concord_rule_in_scope:
 *
 * Returns: whether @record of the source side is in the rule's scope; a
 *   rule switched off holds nothing back
 */
gboolean
concord_rule_in_scope (const ConcordRule   *self,
                       const ConcordRecord *record)
{
  if (!self->enabled || self->filter == NULL)
    return TRUE;

  return concord_filter_matches (self->filter, record, g_get_real_time () / G_USEC_PER_SEC);
}

/**
 * concord_rule_explain:
 *
 * Returns: (transfer full) (nullable): why @record is out of the rule's
 *   scope, or %NULL when it is in
 */
char *
concord_rule_explain (const ConcordRule   *self,
                      const ConcordRecord *record)
{
  if (!self->enabled || self->filter == NULL)
    return NULL;

  return concord_filter_explain (self->filter, record, g_get_real_time () / G_USEC_PER_SEC);
}

/* A #ConcordRecordFilter for the planner. */
gboolean
concord_rule_scope (const ConcordRecord *record,
                    gpointer             rule)
{
  return concord_rule_in_scope (rule, record);
}

JsonNode *
concord_rule_to_json (const ConcordRule *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "enabled");
  json_builder_add_boolean_value (builder, self->enabled);
  json_builder_set_member_name (builder, "create");
  json_builder_add_boolean_value (builder, self->create);
  json_builder_set_member_name (builder, "filter");
  if (self->filter != NULL)
    json_builder_add_value (builder, concord_filter_to_json (self->filter));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "actions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->actions->len; i++)
    {
      const ConcordAction *action = g_ptr_array_index (self->actions, i);
      const ConcordFieldSpec *canonical = concord_fields_lookup (action->field);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "action");
      json_builder_add_string_value (builder, concord_action_kind_to_string (action->kind));
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, action->field);
      if (canonical == NULL)
        {
          json_builder_set_member_name (builder, "type");
          json_builder_add_string_value (builder, concord_field_type_to_string (action->type));
        }
      json_builder_set_member_name (builder, "value");
      json_builder_add_string_value (builder, action->value);
      json_builder_set_member_name (builder, "on_update");
      json_builder_add_boolean_value (builder, action->on_update);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static ConcordAction *
action_from_json (JsonNode    *node,
                  const char  *path,
                  GError     **error)
{
  static const char * const members[] = { "action", "field", "type", "value", "on_update", NULL };
  JsonObject *object;
  const char *kind_name, *field, *value;
  ConcordActionKind kind;
  ConcordFieldType type;
  gboolean on_update;
  g_autoptr(GError) local_error = NULL;
  ConcordAction *action;

  if ((object = concord_json_get_object (node, path, error)) == NULL ||
      !concord_json_check_members (object, path, members, error) ||
      (kind_name = concord_json_get_string (object, "action", path, TRUE, error)) == NULL ||
      (field = concord_json_get_string (object, "field", path, TRUE, error)) == NULL ||
      !concord_json_get_boolean (object, "on_update", path, FALSE, &on_update, error))
    return NULL;

  if (!concord_action_kind_from_string (kind_name, &kind))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "%s.action: “%s” is none of set, add, remove", path, kind_name);
      return NULL;
    }

  value = concord_json_get_string (object, "value", path, kind != CONCORD_ACTION_SET, error);
  if (value == NULL && error != NULL && *error != NULL)
    return NULL;

  if (!concord_json_get_field_type (object, field, "type", path, &type, error))
    return NULL;

  action = concord_action_new (kind, field, type, value != NULL ? value : "", on_update, &local_error);
  if (action == NULL)
    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "%s: %s", path, local_error->message);

  return action;
}

/**
 * concord_rule_new_from_json:
 * @path: where @node is in its document ("rules.a_to_b")
 *
 * Returns: (transfer full) (nullable): the rule
 */
ConcordRule *
concord_rule_new_from_json (JsonNode    *node,
                            const char  *path,
                            GError     **error)
{
  static const char * const members[] = { "enabled", "create", "filter", "actions", NULL };
  g_autoptr(ConcordRule) self = concord_rule_new ();
  JsonObject *object;
  JsonNode *filter;
  JsonArray *actions;

  if ((object = concord_json_get_object (node, path, error)) == NULL ||
      !concord_json_check_members (object, path, members, error) ||
      !concord_json_get_boolean (object, "enabled", path, TRUE, &self->enabled, error) ||
      !concord_json_get_boolean (object, "create", path, TRUE, &self->create, error))
    return NULL;

  filter = json_object_get_member (object, "filter");
  if (filter != NULL && !JSON_NODE_HOLDS_NULL (filter))
    {
      g_autofree char *filter_path = g_strdup_printf ("%s.filter", path);

      if ((self->filter = concord_filter_new_from_json (filter, filter_path, error)) == NULL)
        return NULL;
    }

  actions = concord_json_get_array (object, "actions", path, error);
  if (actions == NULL && error != NULL && *error != NULL)
    return NULL;
  for (guint i = 0; actions != NULL && i < json_array_get_length (actions); i++)
    {
      g_autofree char *action_path = g_strdup_printf ("%s.actions[%u]", path, i);
      ConcordAction *action = action_from_json (json_array_get_element (actions, i), action_path, error);

      if (action == NULL)
        return NULL;
      g_ptr_array_add (self->actions, action);
    }

  return g_steal_pointer (&self);
}

/* ------------------------------------------------------------------------- */
/* The connection's document                                                 */
/* ------------------------------------------------------------------------- */

static const char * const rule_members[] = { "a_to_b", "b_to_a" };

/**
 * concord_connection_config_new:
 *
 * Returns: (transfer full): the default: both rules on, every contact,
 *   creating contacts, automatic mapping
 */
ConcordConnectionConfig *
concord_connection_config_new (void)
{
  ConcordConnectionConfig *config = g_new0 (ConcordConnectionConfig, 1);

  config->rules[0] = concord_rule_new ();
  config->rules[1] = concord_rule_new ();

  return config;
}

void
concord_connection_config_free (ConcordConnectionConfig *config)
{
  if (config == NULL)
    return;

  g_clear_pointer (&config->rules[0], concord_rule_unref);
  g_clear_pointer (&config->rules[1], concord_rule_unref);
  g_clear_pointer (&config->mapping, concord_mapping_unref);
  g_free (config);
}

/**
 * concord_connection_config_new_from_json:
 * @json: (nullable): the document; %NULL or empty: the default
 *
 * Reads and validates the whole document: invalid JSON, unknown members,
 * operators that do not fit a field's type and values of the wrong type
 * are refused with the exact place (rules.a_to_b.filter.conditions[0].op)
 * and the reason.
 *
 * Returns: (transfer full) (nullable): the configuration
 */
ConcordConnectionConfig *
concord_connection_config_new_from_json (const char  *json,
                                         GError     **error)
{
  static const char * const members[] = { "version", "rules", "mapping", NULL };
  static const char * const rules_members[] = { "a_to_b", "b_to_a", NULL };
  static const char * const mapping_members[] = { "automatic", "pairs", NULL };
  g_autoptr(ConcordConnectionConfig) config = concord_connection_config_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonObject *object;
  JsonNode *version, *rules, *mapping;

  if (json == NULL || *json == '\0')
    return g_steal_pointer (&config);

  if (!g_utf8_validate (json, -1, NULL))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "the document is not valid UTF-8");
      return NULL;
    }
  /* Bounded before it is parsed: a 100 MB document took 21 s and 2.3 GB,
   * and a nesting bomb overflowed the stack. */
  if ((root = concord_json_parse (json, -1, CONCORD_CONNECTION_CONFIG_MAX_BYTES,
                                  &parse_error)) == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, parse_error->message);
      return NULL;
    }

  if ((object = concord_json_get_object (root, "the document", error)) == NULL ||
      !concord_json_check_members (object, "the document", members, error))
    return NULL;

  version = json_object_get_member (object, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) || json_node_get_value_type (version) != G_TYPE_INT64)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID, "version: missing or not a number");
      return NULL;
    }
  if (json_node_get_int (version) != CONCORD_CONNECTION_CONFIG_VERSION)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "version: %" G_GINT64_FORMAT " is not a version this Concord reads (%d)%s",
                   json_node_get_int (version), CONCORD_CONNECTION_CONFIG_VERSION,
                   json_node_get_int (version) > CONCORD_CONNECTION_CONFIG_VERSION
                     ? "; it was written by a newer Concord" : "");
      return NULL;
    }

  rules = json_object_get_member (object, "rules");
  if (rules != NULL)
    {
      JsonObject *ro;

      if ((ro = concord_json_get_object (rules, "rules", error)) == NULL ||
          !concord_json_check_members (ro, "rules", rules_members, error))
        return NULL;

      for (guint s = 0; s < 2; s++)
        {
          JsonNode *rule = json_object_get_member (ro, rule_members[s]);
          g_autofree char *path = g_strdup_printf ("rules.%s", rule_members[s]);

          if (rule == NULL)
            continue;
          concord_rule_unref (config->rules[s]);
          if ((config->rules[s] = concord_rule_new_from_json (rule, path, error)) == NULL)
            return NULL;
        }
    }

  mapping = json_object_get_member (object, "mapping");
  if (mapping != NULL && !JSON_NODE_HOLDS_NULL (mapping))
    {
      JsonObject *mo;
      gboolean automatic;
      g_autoptr(JsonNode) pairs_only = NULL;
      g_autoptr(ConcordMapping) parsed = NULL;

      if ((mo = concord_json_get_object (mapping, "mapping", error)) == NULL ||
          !concord_json_check_members (mo, "mapping", mapping_members, error) ||
          !concord_json_get_boolean (mo, "automatic", "mapping", FALSE, &automatic, error))
        return NULL;

      /* The pairs of an automatic mapping show what the schemas gave when
       * it was written: checked, but made anew at each run. */
      pairs_only = json_node_copy (mapping);
      json_object_remove_member (json_node_get_object (pairs_only), "automatic");
      if ((parsed = concord_mapping_new_from_json (pairs_only, "mapping", error)) == NULL)
        return NULL;
      if (!automatic)
        config->mapping = g_steal_pointer (&parsed);
    }

  return g_steal_pointer (&config);
}

/**
 * concord_connection_config_to_json:
 * @resolved: (nullable): for an automatic mapping, the pairs it gives now,
 *   to show them
 *
 * Returns: (transfer full): the document, pretty-printed
 */
char *
concord_connection_config_to_json (const ConcordConnectionConfig *config,
                                   const ConcordMapping          *resolved)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonNode *mapping;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, CONCORD_CONNECTION_CONFIG_VERSION);
  json_builder_set_member_name (builder, "rules");
  json_builder_begin_object (builder);
  for (guint s = 0; s < 2; s++)
    {
      json_builder_set_member_name (builder, rule_members[s]);
      json_builder_add_value (builder, concord_rule_to_json (config->rules[s]));
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "mapping");
  if (config->mapping != NULL)
    mapping = concord_mapping_to_json (config->mapping);
  else
    {
      g_autoptr(ConcordMapping) empty = concord_mapping_new ();

      mapping = concord_mapping_to_json (resolved != NULL ? resolved : empty);
      json_object_set_boolean_member (json_node_get_object (mapping), "automatic", TRUE);
    }
  json_builder_add_value (builder, mapping);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);

  return json_generator_to_data (generator, NULL);
}
