/* concord-rules-list.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The rules of a direction (ConcordRuleList: its switches and its ordered
 * rules, the first that matches a contact applying) and the document a
 * connection stores them in with its mapping (ConcordConnectionConfig).
 * See concord-rules.c.
 */

#define G_LOG_DOMAIN "concord-rules"

#include "config.h"

#include "concord-convert.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-json-private.h"
#include "concord-rules-private.h"

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
      !concord_rule_read_filter_and_actions (rule, object, path, error))
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
