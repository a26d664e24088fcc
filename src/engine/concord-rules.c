/* concord-rules.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Connection rules (per direction: on/off, create and "stopped
 * matching" switches, and an ordered list of rules, each with conditions,
 * actions and a "sync these contacts" switch) and the document a connection stores them in, with its field
 * mapping: versioned JSON that the CLI exports and imports and the UI
 * edits. Reading refuses anything it does not understand, naming the
 * exact place, so a stored document is always one the engine can run.
 *
 * This file holds the actions and the rules; a direction's list of rules
 * and the connection's document are in concord-rules-list.c.
 */

#define G_LOG_DOMAIN "concord-rules"

#include "config.h"

#include <string.h>

#include "concord-convert.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-private.h"
#include "concord-rules-private.h"

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

/**
 * concord_rule_new:
 *
 * Returns: (transfer full): the default rule: on, every contact, syncing
 *   them, no actions, no name
 */
ConcordRule *
concord_rule_new (void)
{
  ConcordRule *self = g_new0 (ConcordRule, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->enabled = TRUE;
  self->sync = TRUE;
  self->actions = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_action_free);

  return self;
}

ConcordRule *
concord_rule_copy (const ConcordRule *self)
{
  ConcordRule *copy = concord_rule_new ();

  copy->name = g_strdup (self->name);
  copy->enabled = self->enabled;
  copy->sync = self->sync;
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

  g_free (self->name);
  g_clear_pointer (&self->filter, concord_filter_unref);
  g_ptr_array_unref (self->actions);
  g_free (self);
}

/**
 * concord_rule_get_name:
 *
 * Returns: (nullable): the name the user gave the rule
 */
const char *
concord_rule_get_name (const ConcordRule *self)
{
  return self->name;
}

/**
 * concord_rule_set_name:
 * @name: (nullable): the name; %NULL or blank: none
 */
void
concord_rule_set_name (ConcordRule *self,
                       const char  *name)
{
  g_autofree char *stripped = name != NULL ? g_strstrip (g_strdup (name)) : NULL;

  g_free (self->name);
  self->name = stripped != NULL && *stripped != '\0' ? g_steal_pointer (&stripped) : NULL;
}

/**
 * concord_rule_get_label:
 * @index: the rule's place in its list, from 0
 *
 * Returns: (transfer full): the rule for the journal: its name, else
 *   "Rule N" (N from 1)
 */
char *
concord_rule_get_label (const ConcordRule *self,
                        guint              index)
{
  if (self->name != NULL)
    return g_strdup_printf ("“%s”", self->name);

  return g_strdup_printf ("Rule %u", index + 1);
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

/**
 * concord_rule_get_sync:
 *
 * Returns: whether a contact the rule matches goes across
 */
gboolean
concord_rule_get_sync (const ConcordRule *self)
{
  return self->sync;
}

void
concord_rule_set_sync (ConcordRule *self,
                       gboolean     sync)
{
  self->sync = !!sync;
}

ConcordFilter *
concord_rule_get_filter (const ConcordRule *self)
{
  return self->filter;
}

/**
 * concord_rule_set_filter:
 * @filter: (nullable) (transfer none): the conditions; %NULL: every contact
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
 * Returns: whether the rule is the default one (on, everyone, syncing,
 *   no actions, no name)
 */
gboolean
concord_rule_is_default (const ConcordRule *self)
{
  return self->enabled && self->sync && self->filter == NULL && self->actions->len == 0 &&
         self->name == NULL;
}

/**
 * concord_rule_matches:
 * @now: the time, in seconds since the epoch, for conditions on dates
 *
 * Returns: whether the rule is on and its conditions take @record in
 */
gboolean
concord_rule_matches (const ConcordRule   *self,
                      const ConcordRecord *record,
                      gint64               now)
{
  if (!self->enabled)
    return FALSE;

  return self->filter == NULL || concord_filter_matches (self->filter, record, now);
}

/**
 * concord_rule_explain:
 *
 * Returns: (transfer full) (nullable): the conditions @record fails, or
 *   %NULL when the rule's conditions take it in
 */
char *
concord_rule_explain (const ConcordRule   *self,
                      const ConcordRecord *record,
                      gint64               now)
{
  if (self->filter == NULL)
    return NULL;

  return concord_filter_explain (self->filter, record, now);
}

/**
 * concord_rule_describe:
 *
 * Returns: (transfer full): the rule in one line, for people and the
 *   journal: "if tags contains “customer” → sync, add “VIP” to lists"
 */
char *
concord_rule_describe (const ConcordRule *self)
{
  GString *out = g_string_new (NULL);

  if (self->filter == NULL)
    g_string_append (out, "every contact");
  else
    {
      g_autofree char *conditions = concord_filter_describe (self->filter);

      g_string_append_printf (out, "if %s", conditions);
    }

  if (self->sync)
    g_string_append (out, " → sync");
  for (guint i = 0; i < self->actions->len; i++)
    {
      g_autofree char *action = concord_action_describe (g_ptr_array_index (self->actions, i));

      g_string_append (out, i == 0 ? (self->sync ? ", " : " → ") : ", ");
      g_string_append (out, action);
    }

  return g_string_free (out, FALSE);
}

static JsonNode *
actions_to_json (GPtrArray *actions)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < actions->len; i++)
    {
      const ConcordAction *action = g_ptr_array_index (actions, i);
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

  return json_builder_get_root (builder);
}

JsonNode *
concord_rule_to_json (const ConcordRule *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  if (self->name != NULL)
    {
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, self->name);
    }
  json_builder_set_member_name (builder, "enabled");
  json_builder_add_boolean_value (builder, self->enabled);
  json_builder_set_member_name (builder, "sync");
  json_builder_add_boolean_value (builder, self->sync);
  json_builder_set_member_name (builder, "filter");
  if (self->filter != NULL)
    json_builder_add_value (builder, concord_filter_to_json (self->filter));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "actions");
  json_builder_add_value (builder, actions_to_json (self->actions));
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

/* The filter and the actions of a rule (of either version) at @path. */
gboolean
concord_rule_read_filter_and_actions (ConcordRule  *self,
                                      JsonObject   *object,
                                      const char   *path,
                                      GError      **error)
{
  JsonNode *filter;
  JsonArray *actions;

  filter = json_object_get_member (object, "filter");
  if (filter != NULL && !JSON_NODE_HOLDS_NULL (filter))
    {
      g_autofree char *filter_path = g_strdup_printf ("%s.filter", path);

      if ((self->filter = concord_filter_new_from_json (filter, filter_path, error)) == NULL)
        return FALSE;
    }

  actions = concord_json_get_array (object, "actions", path, error);
  if (actions == NULL && error != NULL && *error != NULL)
    return FALSE;
  for (guint i = 0; actions != NULL && i < json_array_get_length (actions); i++)
    {
      g_autofree char *action_path = g_strdup_printf ("%s.actions[%u]", path, i);
      ConcordAction *action = action_from_json (json_array_get_element (actions, i), action_path, error);

      if (action == NULL)
        return FALSE;
      g_ptr_array_add (self->actions, action);
    }

  return TRUE;
}

/**
 * concord_rule_new_from_json:
 * @path: where @node is in its document ("rules.a_to_b.rules[0]")
 *
 * Returns: (transfer full) (nullable): the rule
 */
ConcordRule *
concord_rule_new_from_json (JsonNode    *node,
                            const char  *path,
                            GError     **error)
{
  static const char * const members[] = { "name", "enabled", "sync", "filter", "actions", NULL };
  g_autoptr(ConcordRule) self = concord_rule_new ();
  JsonObject *object;
  JsonNode *name;

  if ((object = concord_json_get_object (node, path, error)) == NULL ||
      !concord_json_check_members (object, path, members, error) ||
      !concord_json_get_boolean (object, "enabled", path, TRUE, &self->enabled, error) ||
      !concord_json_get_boolean (object, "sync", path, TRUE, &self->sync, error))
    return NULL;

  name = json_object_get_member (object, "name");
  if (name != NULL && !JSON_NODE_HOLDS_NULL (name))
    {
      const char *text = concord_json_get_string (object, "name", path, TRUE, error);

      if (text == NULL)
        return NULL;
      concord_rule_set_name (self, text);
    }

  if (!concord_rule_read_filter_and_actions (self, object, path, error))
    return NULL;

  return g_steal_pointer (&self);
}
