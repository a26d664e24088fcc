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
  char            *name;     /* (nullable) */
  gboolean         enabled;
  gboolean         sync;
  ConcordFilter   *filter;   /* (nullable) */
  GPtrArray       *actions;  /* of ConcordAction */
};

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
static gboolean
read_filter_and_actions (ConcordRule  *self,
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

  if (!read_filter_and_actions (self, object, path, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* ------------------------------------------------------------------------- */
/* The rules of a direction                                                  */
/* ------------------------------------------------------------------------- */

static const char * const unmatched_names[] = { "stop", "keep" };

const char *
concord_unmatched_to_string (ConcordUnmatched unmatched)
{
  g_return_val_if_fail (unmatched <= CONCORD_UNMATCHED_KEEP, "stop");

  return unmatched_names[unmatched];
}

gboolean
concord_unmatched_from_string (const char       *name,
                               ConcordUnmatched *unmatched)
{
  for (guint i = 0; i < G_N_ELEMENTS (unmatched_names); i++)
    if (g_strcmp0 (name, unmatched_names[i]) == 0)
      {
        *unmatched = i;
        return TRUE;
      }

  return FALSE;
}

struct _ConcordRuleList
{
  gatomicrefcount   ref_count;
  gboolean          enabled;
  gboolean          create;
  ConcordUnmatched  unmatched;
  GPtrArray        *rules;  /* of ConcordRule (owned) */
};

static ConcordRuleList *
rule_list_new_empty (void)
{
  ConcordRuleList *self = g_new0 (ConcordRuleList, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->enabled = TRUE;
  self->create = TRUE;
  self->unmatched = CONCORD_UNMATCHED_STOP;
  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_rule_unref);

  return self;
}

/**
 * concord_rule_list_new:
 *
 * Returns: (transfer full): the default: on, creating contacts, stopping
 *   to update contacts that stop matching, one rule "everyone → sync"
 */
ConcordRuleList *
concord_rule_list_new (void)
{
  ConcordRuleList *self = rule_list_new_empty ();

  g_ptr_array_add (self->rules, concord_rule_new ());

  return self;
}

ConcordRuleList *
concord_rule_list_copy (const ConcordRuleList *self)
{
  ConcordRuleList *copy = rule_list_new_empty ();

  copy->enabled = self->enabled;
  copy->create = self->create;
  copy->unmatched = self->unmatched;
  for (guint i = 0; i < self->rules->len; i++)
    g_ptr_array_add (copy->rules, concord_rule_copy (g_ptr_array_index (self->rules, i)));

  return copy;
}

ConcordRuleList *
concord_rule_list_ref (ConcordRuleList *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
concord_rule_list_unref (ConcordRuleList *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_ptr_array_unref (self->rules);
  g_free (self);
}

gboolean
concord_rule_list_get_enabled (const ConcordRuleList *self)
{
  return self->enabled;
}

void
concord_rule_list_set_enabled (ConcordRuleList *self,
                               gboolean         enabled)
{
  self->enabled = !!enabled;
}

gboolean
concord_rule_list_get_create (const ConcordRuleList *self)
{
  return self->create;
}

void
concord_rule_list_set_create (ConcordRuleList *self,
                              gboolean         create)
{
  self->create = !!create;
}

ConcordUnmatched
concord_rule_list_get_unmatched (const ConcordRuleList *self)
{
  return self->unmatched;
}

void
concord_rule_list_set_unmatched (ConcordRuleList  *self,
                                 ConcordUnmatched  unmatched)
{
  g_return_if_fail (unmatched <= CONCORD_UNMATCHED_KEEP);

  self->unmatched = unmatched;
}

guint
concord_rule_list_get_n_rules (const ConcordRuleList *self)
{
  return self->rules->len;
}

/**
 * concord_rule_list_get_rule:
 *
 * Returns: (transfer none): the rule at @index, which callers may change
 *   in place
 */
ConcordRule *
concord_rule_list_get_rule (const ConcordRuleList *self,
                            guint                  index)
{
  g_return_val_if_fail (index < self->rules->len, NULL);

  return g_ptr_array_index (self->rules, index);
}

/**
 * concord_rule_list_insert:
 * @position: where; -1 (or past the end): last
 * @rule: (transfer full): the rule
 */
void
concord_rule_list_insert (ConcordRuleList *self,
                          int              position,
                          ConcordRule     *rule)
{
  g_return_if_fail (rule != NULL);

  if (position < 0 || (guint) position > self->rules->len)
    position = self->rules->len;
  g_ptr_array_insert (self->rules, position, rule);
}

void
concord_rule_list_remove (ConcordRuleList *self,
                          guint            index)
{
  g_return_if_fail (index < self->rules->len);

  g_ptr_array_remove_index (self->rules, index);
}

/**
 * concord_rule_list_move:
 *
 * Moves the rule at @from so that it is at @to.
 */
void
concord_rule_list_move (ConcordRuleList *self,
                        guint            from,
                        guint            to)
{
  ConcordRule *rule;

  g_return_if_fail (from < self->rules->len);
  g_return_if_fail (to < self->rules->len);

  if (from == to)
    return;
  rule = g_ptr_array_steal_index (self->rules, from);
  g_ptr_array_insert (self->rules, to, rule);
}

/**
 * concord_rule_list_is_default:
 *
 * Returns: whether the direction has its default rules and switches
 */
gboolean
concord_rule_list_is_default (const ConcordRuleList *self)
{
  return self->enabled && self->create && self->unmatched == CONCORD_UNMATCHED_STOP &&
         self->rules->len == 1 && concord_rule_is_default (g_ptr_array_index (self->rules, 0));
}

/**
 * concord_rule_list_holds_back:
 *
 * Returns: whether the rules may keep some contact from going across (no
 *   enabled rule syncs everyone); a direction switched off holds nothing
 *   back
 */
gboolean
concord_rule_list_holds_back (const ConcordRuleList *self)
{
  if (!self->enabled)
    return FALSE;

  for (guint i = 0; i < self->rules->len; i++)
    {
      const ConcordRule *rule = g_ptr_array_index (self->rules, i);

      if (rule->enabled && rule->sync && rule->filter == NULL)
        return FALSE;
    }

  return TRUE;
}

/**
 * concord_rule_list_first_match:
 *
 * Returns: the index of the first enabled rule with its sync switch on
 *   that matches @record, or -1 when none does
 */
int
concord_rule_list_first_match (const ConcordRuleList *self,
                               const ConcordRecord   *record,
                               gint64                 now)
{
  for (guint i = 0; i < self->rules->len; i++)
    {
      const ConcordRule *rule = g_ptr_array_index (self->rules, i);

      if (rule->sync && concord_rule_matches (rule, record, now))
        return i;
    }

  return -1;
}

/**
 * concord_rule_list_in_scope:
 *
 * Returns: whether @record of the source side goes across: a rule that
 *   syncs matches it, or the direction is switched off (which holds
 *   nothing back)
 */
gboolean
concord_rule_list_in_scope (const ConcordRuleList *self,
                            const ConcordRecord   *record)
{
  if (!concord_rule_list_holds_back (self))
    return TRUE;

  return concord_rule_list_first_match (self, record, g_get_real_time () / G_USEC_PER_SEC) >= 0;
}

/**
 * concord_rule_list_explain:
 *
 * Returns: (transfer full) (nullable): why @record does not go across
 *   ("no rule matched; Rule 1 needs: status is “active”"), or %NULL when
 *   it does
 */
char *
concord_rule_list_explain (const ConcordRuleList *self,
                           const ConcordRecord   *record)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GString *out;
  gboolean any = FALSE;

  if (!concord_rule_list_holds_back (self) || concord_rule_list_first_match (self, record, now) >= 0)
    return NULL;

  out = g_string_new ("no rule matched");
  for (guint i = 0; i < self->rules->len; i++)
    {
      const ConcordRule *rule = g_ptr_array_index (self->rules, i);
      g_autofree char *label = NULL;
      g_autofree char *why = NULL;

      if (!rule->enabled || !rule->sync)
        continue;
      label = concord_rule_get_label (rule, i);
      why = concord_rule_explain (rule, record, now);
      g_string_append_printf (out, "; %s needs: %s", label, why != NULL ? why : "?");
      any = TRUE;
    }
  if (!any)
    g_string_append (out, "; no rule of this direction syncs contacts");

  return g_string_free (out, FALSE);
}

/* A #ConcordRecordFilter for the planner. */
gboolean
concord_rule_list_scope (const ConcordRecord *record,
                         gpointer             list)
{
  return concord_rule_list_in_scope (list, record);
}

JsonNode *
concord_rule_list_to_json (const ConcordRuleList *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "enabled");
  json_builder_add_boolean_value (builder, self->enabled);
  json_builder_set_member_name (builder, "create");
  json_builder_add_boolean_value (builder, self->create);
  json_builder_set_member_name (builder, "unmatched");
  json_builder_add_string_value (builder, concord_unmatched_to_string (self->unmatched));
  json_builder_set_member_name (builder, "rules");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->rules->len; i++)
    json_builder_add_value (builder, concord_rule_to_json (g_ptr_array_index (self->rules, i)));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * concord_rule_list_new_from_json:
 * @path: where @node is in its document ("rules.a_to_b")
 *
 * Reads the rules of a direction as version 2 writes them. A missing
 * "rules" member is the default rule; an empty array is no rule (nobody
 * goes across).
 *
 * Returns: (transfer full) (nullable): the rules
 */
ConcordRuleList *
concord_rule_list_new_from_json (JsonNode    *node,
                                 const char  *path,
                                 GError     **error)
{
  static const char * const members[] = { "enabled", "create", "unmatched", "rules", NULL };
  g_autoptr(ConcordRuleList) self = rule_list_new_empty ();
  JsonObject *object;
  JsonArray *rules;
  const char *unmatched;

  if ((object = concord_json_get_object (node, path, error)) == NULL ||
      !concord_json_check_members (object, path, members, error) ||
      !concord_json_get_boolean (object, "enabled", path, TRUE, &self->enabled, error) ||
      !concord_json_get_boolean (object, "create", path, TRUE, &self->create, error))
    return NULL;

  unmatched = concord_json_get_string (object, "unmatched", path, FALSE, error);
  if (unmatched == NULL && error != NULL && *error != NULL)
    return NULL;
  if (unmatched != NULL && !concord_unmatched_from_string (unmatched, &self->unmatched))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "%s.unmatched: “%s” is neither stop nor keep", path, unmatched);
      return NULL;
    }

  if (!json_object_has_member (object, "rules"))
    {
      g_ptr_array_add (self->rules, concord_rule_new ());
      return g_steal_pointer (&self);
    }

  rules = concord_json_get_array (object, "rules", path, error);
  if (rules == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      g_autofree char *rule_path = g_strdup_printf ("%s.rules[%u]", path, i);
      ConcordRule *rule = concord_rule_new_from_json (json_array_get_element (rules, i), rule_path, error);

      if (rule == NULL)
        return NULL;
      g_ptr_array_add (self->rules, rule);
    }

  return g_steal_pointer (&self);
}

/* Version 1: one rule per direction, whose switches are the direction's
 * and whose filter and actions become its one rule (syncing what it
 * matches, as the filter used to decide). */
static ConcordRuleList *
rule_list_new_from_v1_json (JsonNode    *node,
                            const char  *path,
                            GError     **error)
{
  static const char * const members[] = { "enabled", "create", "filter", "actions", NULL };
  g_autoptr(ConcordRuleList) self = rule_list_new_empty ();
  g_autoptr(ConcordRule) rule = concord_rule_new ();
  JsonObject *object;

  if ((object = concord_json_get_object (node, path, error)) == NULL ||
      !concord_json_check_members (object, path, members, error) ||
      !concord_json_get_boolean (object, "enabled", path, TRUE, &self->enabled, error) ||
      !concord_json_get_boolean (object, "create", path, TRUE, &self->create, error) ||
      !read_filter_and_actions (rule, object, path, error))
    return NULL;

  g_ptr_array_add (self->rules, g_steal_pointer (&rule));

  return g_steal_pointer (&self);
}

/* ------------------------------------------------------------------------- */
/* The connection's document                                                 */
/* ------------------------------------------------------------------------- */

static const char * const rule_members[] = { "a_to_b", "b_to_a" };

/**
 * concord_connection_config_new:
 *
 * Returns: (transfer full): the default: both directions on, one rule
 *   "everyone → sync" each, creating contacts, automatic mapping
 */
ConcordConnectionConfig *
concord_connection_config_new (void)
{
  ConcordConnectionConfig *config = g_new0 (ConcordConnectionConfig, 1);

  config->rules[0] = concord_rule_list_new ();
  config->rules[1] = concord_rule_list_new ();

  return config;
}

void
concord_connection_config_free (ConcordConnectionConfig *config)
{
  if (config == NULL)
    return;

  g_clear_pointer (&config->rules[0], concord_rule_list_unref);
  g_clear_pointer (&config->rules[1], concord_rule_list_unref);
  g_clear_pointer (&config->mapping, concord_mapping_unref);
  g_free (config);
}

/**
 * concord_connection_config_new_from_json:
 * @json: (nullable): the document; %NULL or empty: the default
 *
 * Reads and validates the whole document: invalid JSON, unknown members,
 * operators that do not fit a field's type and values of the wrong type
 * are refused with the exact place
 * (rules.a_to_b.rules[1].filter.conditions[0].op) and the reason.
 *
 * A version 1 document (one rule per direction) reads as version 2: its
 * rule's enabled and create switches become the direction's, and its
 * filter and actions the direction's one rule, so it runs exactly as it
 * did. concord_connection_config_to_json() then writes version 2.
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
  gint64 number;

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
  number = json_node_get_int (version);
  if (number != 1 && number != CONCORD_CONNECTION_CONFIG_VERSION)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   "version: %" G_GINT64_FORMAT " is not a version this Concord reads (1 or %d)%s",
                   number, CONCORD_CONNECTION_CONFIG_VERSION,
                   number > CONCORD_CONNECTION_CONFIG_VERSION
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
          concord_rule_list_unref (config->rules[s]);
          config->rules[s] = number == 1 ? rule_list_new_from_v1_json (rule, path, error)
                                         : concord_rule_list_new_from_json (rule, path, error);
          if (config->rules[s] == NULL)
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
      json_builder_add_value (builder, concord_rule_list_to_json (config->rules[s]));
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
