/* test-rules.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Connection rules, actions, the field mapping (formats, value maps,
 * validation, the automatic mapping) and the versioned document a
 * connection stores them in. Whole runs with rules are in test-sync.c.
 */

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-fields.h"
#include "concord-rules.h"
#include "concord-test-utils.h"

/* ------------------------------------------------------------------------- */
/* Actions                                                                   */
/* ------------------------------------------------------------------------- */

static char *
apply_text (const ConcordAction *action,
            const ConcordValue  *current)
{
  ConcordValue out;
  char *text;

  if (!concord_action_apply (action, current, &out))
    return NULL;
  text = concord_value_to_string (&out);
  concord_value_clear (&out);
  return text;
}

static void
test_actions (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAction) status = NULL;
  g_autoptr(ConcordAction) custom = NULL;
  g_autoptr(ConcordAction) number = NULL;
  g_autoptr(ConcordAction) clear = NULL;
  g_autoptr(ConcordAction) add = NULL;
  g_autoptr(ConcordAction) remove = NULL;
  g_autoptr(ConcordRecord) record = concord_record_new (NULL);
  const char *members[] = { "news", "vip", NULL };
  g_autofree char *text = NULL;
  g_autofree char *described = NULL;

  concord_record_set_text (record, "status", CONCORD_FIELD_TYPE_ENUM, "inactive");
  concord_record_set_set (record, "lists", members);

  /* Set status, a default field's value, a custom field (of any type). */
  status = concord_action_new (CONCORD_ACTION_SET, "status", CONCORD_FIELD_TYPE_ENUM, "active", TRUE, &error);
  g_assert_no_error (error);
  text = apply_text (status, concord_record_get (record, "status"));
  g_assert_cmpstr (text, ==, "active");
  g_clear_pointer (&text, g_free);

  custom = concord_action_new (CONCORD_ACTION_SET, "custom:Type", CONCORD_FIELD_TYPE_STRING, " customer ",
                               FALSE, &error);
  g_assert_no_error (error);
  text = apply_text (custom, NULL);
  g_assert_cmpstr (text, ==, "customer");
  g_clear_pointer (&text, g_free);
  described = concord_action_describe (custom);
  g_assert_cmpstr (described, ==, "set custom:Type to “ customer ” (new contacts only)");
  g_clear_pointer (&described, g_free);

  number = concord_action_new (CONCORD_ACTION_SET, "custom:Score", CONCORD_FIELD_TYPE_NUMBER, "42", TRUE, &error);
  g_assert_no_error (error);
  text = apply_text (number, NULL);
  g_assert_cmpstr (text, ==, "42");
  g_clear_pointer (&text, g_free);

  /* An empty value clears the field. */
  clear = concord_action_new (CONCORD_ACTION_SET, "company", CONCORD_FIELD_TYPE_STRING, "", TRUE, &error);
  g_assert_no_error (error);
  g_assert_null (apply_text (clear, NULL));
  described = concord_action_describe (clear);
  g_assert_cmpstr (described, ==, "clear company");
  g_clear_pointer (&described, g_free);

  /* Lists and tags: add and remove members, keeping the others. */
  add = concord_action_new (CONCORD_ACTION_ADD, "lists", CONCORD_FIELD_TYPE_STRING_SET, "Customers", TRUE, &error);
  g_assert_no_error (error);
  text = apply_text (add, concord_record_get (record, "lists"));
  g_assert_cmpstr (text, ==, "[\"Customers\",\"news\",\"vip\"]");
  g_clear_pointer (&text, g_free);
  text = apply_text (add, NULL);
  g_assert_cmpstr (text, ==, "[\"Customers\"]");
  g_clear_pointer (&text, g_free);

  remove = concord_action_new (CONCORD_ACTION_REMOVE, "tags", CONCORD_FIELD_TYPE_STRING_SET, "vip", TRUE, &error);
  g_assert_no_error (error);
  text = apply_text (remove, concord_record_get (record, "lists"));
  g_assert_cmpstr (text, ==, "[\"news\"]");
  g_clear_pointer (&text, g_free);
  {
    const char *only[] = { "vip", NULL };
    g_autoptr(ConcordRecord) alone = concord_record_new (NULL);

    concord_record_set_set (alone, "tags", only);
    g_assert_null (apply_text (remove, concord_record_get (alone, "tags")));
  }

  /* What cannot be done is refused with the reason. */
  {
    const struct { ConcordActionKind kind; const char *field; ConcordFieldType type; const char *value; const char *why; } bad[] = {
      { CONCORD_ACTION_SET, "email", CONCORD_FIELD_TYPE_EMAIL, "x@example.com", "identifies a contact" },
      { CONCORD_ACTION_SET, "created_at", CONCORD_FIELD_TYPE_DATETIME, "2024-01-01T00:00:00Z", "read-only" },
      { CONCORD_ACTION_SET, "source", CONCORD_FIELD_TYPE_ENUM, "api", "read-only" },
      { CONCORD_ACTION_SET, "lists", CONCORD_FIELD_TYPE_STRING_SET, "a", "add to it or remove" },
      { CONCORD_ACTION_ADD, "company", CONCORD_FIELD_TYPE_STRING, "a", "not a list" },
      { CONCORD_ACTION_ADD, "tags", CONCORD_FIELD_TYPE_STRING_SET, "  ", "empty" },
      { CONCORD_ACTION_SET, "status", CONCORD_FIELD_TYPE_ENUM, "happy", "not a value of" },
      { CONCORD_ACTION_SET, "status", CONCORD_FIELD_TYPE_STRING, "active", "is a enum" },
      { CONCORD_ACTION_SET, "custom:Score", CONCORD_FIELD_TYPE_NUMBER, "lots", "not a number" },
      { CONCORD_ACTION_SET, "custom:Since", CONCORD_FIELD_TYPE_DATE, "31/12/2024", "not a date" },
      { CONCORD_ACTION_SET, "custom:Opt_in", CONCORD_FIELD_TYPE_BOOLEAN, "maybe", "not yes or no" },
      { CONCORD_ACTION_SET, "custom:", CONCORD_FIELD_TYPE_STRING, "a", "not a field name" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) local_error = NULL;
        g_autoptr(ConcordAction) action = concord_action_new (bad[i].kind, bad[i].field, bad[i].type,
                                                              bad[i].value, FALSE, &local_error);

        g_assert_null (action);
        g_assert_error (local_error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
        if (strstr (local_error->message, bad[i].why) == NULL)
          g_error ("case %u: “%s” does not say “%s”", i, local_error->message, bad[i].why);
      }
  }
}

/* ------------------------------------------------------------------------- */
/* Rules and the connection document                                         */
/* ------------------------------------------------------------------------- */

static const char rich_document[] =
  "{\"version\": 1,"
  " \"rules\": {"
  "  \"a_to_b\": {\"enabled\": true, \"create\": false,"
  "    \"filter\": {\"match\": \"any\", \"conditions\": ["
  "       {\"field\": \"tags\", \"op\": \"contains\", \"values\": [\"customer\"]},"
  "       {\"field\": \"custom:Score\", \"type\": \"number\", \"op\": \"greater-than\", \"values\": [\"10\"]}]},"
  "    \"actions\": ["
  "       {\"action\": \"set\", \"field\": \"custom:Type\", \"type\": \"string\", \"value\": \"customer\"},"
  "       {\"action\": \"add\", \"field\": \"lists\", \"value\": \"From CRM\", \"on_update\": true},"
  "       {\"action\": \"set\", \"field\": \"status\", \"value\": \"active\"}]},"
  "  \"b_to_a\": {\"enabled\": false}},"
  " \"mapping\": {\"pairs\": ["
  "   {\"a\": \"email\", \"b\": \"email\"},"
  "   {\"a\": \"custom:Stage\", \"type_a\": \"enum\", \"b\": \"status\", \"flow\": \"both\","
  "    \"values\": [{\"a\": \"Customer\", \"b\": \"active\"}, {\"a\": \"Churned\", \"b\": \"inactive\"}],"
  "    \"default_b\": \"not_confirmed\"},"
  "   {\"a\": \"custom:Birthday\", \"type_a\": \"string\", \"b\": \"birthday\", \"format\": \"DD/MM/YYYY\", \"flow\": \"a-to-b\"},"
  "   {\"a\": \"tags\", \"b\": \"custom:Tags\", \"type_b\": \"string\", \"format\": \";\", \"flow\": \"off\"}]}}";

static void
test_document_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionConfig) config = NULL;
  g_autoptr(ConcordConnectionConfig) again = NULL;
  g_autoptr(ConcordConnectionConfig) defaults = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  g_autofree char *default_json = NULL;
  g_autoptr(ConcordRecord) lead = concord_record_new (NULL);
  g_autoptr(ConcordRecord) scorer = concord_record_new (NULL);
  g_autofree char *why = NULL;
  const ConcordMappingPair *pair;
  const char *lead_tags[] = { "lead", NULL };

  config = concord_connection_config_new_from_json (rich_document, &error);
  g_assert_no_error (error);

  /* A version 1 document: its one rule per direction becomes the
   * direction's switches and its one rule, syncing what it matches. */
  g_assert_true (concord_rule_list_get_enabled (config->rules[CONCORD_SIDE_A]));
  g_assert_false (concord_rule_list_get_create (config->rules[CONCORD_SIDE_A]));
  g_assert_cmpint (concord_rule_list_get_unmatched (config->rules[CONCORD_SIDE_A]), ==, CONCORD_UNMATCHED_STOP);
  g_assert_cmpuint (concord_rule_list_get_n_rules (config->rules[CONCORD_SIDE_A]), ==, 1);
  g_assert_cmpuint (concord_rule_get_n_actions (concord_rule_list_get_rule (config->rules[CONCORD_SIDE_A], 0)), ==, 3);
  g_assert_true (concord_rule_get_sync (concord_rule_list_get_rule (config->rules[CONCORD_SIDE_A], 0)));
  g_assert_true (concord_rule_get_enabled (concord_rule_list_get_rule (config->rules[CONCORD_SIDE_A], 0)));
  g_assert_null (concord_rule_get_name (concord_rule_list_get_rule (config->rules[CONCORD_SIDE_A], 0)));
  g_assert_false (concord_rule_list_get_enabled (config->rules[CONCORD_SIDE_B]));
  g_assert_true (concord_rule_list_get_create (config->rules[CONCORD_SIDE_B]));
  g_assert_cmpuint (concord_rule_list_get_n_rules (config->rules[CONCORD_SIDE_B]), ==, 1);
  g_assert_nonnull (config->mapping);
  g_assert_cmpuint (concord_mapping_get_n_pairs (config->mapping), ==, 4);
  pair = concord_mapping_get_pair (config->mapping, 1);
  g_assert_cmpint (pair->type_a, ==, CONCORD_FIELD_TYPE_ENUM);
  g_assert_cmpuint (concord_mapping_pair_get_n_values (pair), ==, 2);
  g_assert_false (pair->identity);
  g_assert_true (concord_mapping_get_pair (config->mapping, 0)->identity);
  g_assert_cmpint (concord_mapping_get_pair (config->mapping, 3)->flow, ==, CONCORD_PAIR_FLOW_OFF);

  /* The scope, and why a record is out of it; a rule switched off holds
   * nothing back. */
  concord_record_set_set (lead, "tags", lead_tags);
  concord_record_set_number (scorer, "custom:Score", 11);
  g_assert_false (concord_rule_list_in_scope (config->rules[CONCORD_SIDE_A], lead));
  g_assert_true (concord_rule_list_in_scope (config->rules[CONCORD_SIDE_A], scorer));
  why = concord_rule_list_explain (config->rules[CONCORD_SIDE_A], lead);
  g_assert_cmpstr (why, ==, "no rule matched; Rule 1 needs: tags contains “customer”; "
                            "custom:Score greater-than “10”");
  g_assert_true (concord_rule_list_in_scope (config->rules[CONCORD_SIDE_B], lead));
  g_assert_null (concord_rule_list_explain (config->rules[CONCORD_SIDE_B], lead));

  /* Written, it is version 2; read again, the document is the same. */
  json = concord_connection_config_to_json (config, NULL);
  g_assert_nonnull (strstr (json, "\"version\" : 2"));
  g_assert_nonnull (strstr (json, "\"unmatched\" : \"stop\""));
  again = concord_connection_config_new_from_json (json, &error);
  g_assert_no_error (error);
  json_again = concord_connection_config_to_json (again, NULL);
  g_assert_cmpstr (json, ==, json_again);
  g_assert_nonnull (strstr (json, "\"default_b\" : \"not_confirmed\""));
  g_assert_nonnull (strstr (json, "\"format\" : \"DD/MM/YYYY\""));

  /* No document, or one with only the version: the default rules (both
   * ways, everyone, creating) and the automatic mapping. */
  defaults = concord_connection_config_new_from_json (NULL, &error);
  g_assert_no_error (error);
  g_assert_true (concord_rule_list_is_default (defaults->rules[0]));
  g_assert_true (concord_rule_list_is_default (defaults->rules[1]));
  g_assert_cmpuint (concord_rule_list_get_n_rules (defaults->rules[0]), ==, 1);
  g_assert_null (defaults->mapping);
  default_json = concord_connection_config_to_json (defaults, NULL);
  g_assert_nonnull (strstr (default_json, "\"automatic\" : true"));
  concord_connection_config_free (defaults);
  defaults = concord_connection_config_new_from_json (default_json, &error);
  g_assert_no_error (error);
  g_assert_null (defaults->mapping);
  concord_connection_config_free (defaults);
  defaults = concord_connection_config_new_from_json ("{\"version\": 1}", &error);
  g_assert_no_error (error);
  g_assert_true (concord_rule_list_is_default (defaults->rules[0]));

  /* Copies are deep and equal. */
  {
    g_autoptr(ConcordRuleList) copy = concord_rule_list_copy (config->rules[CONCORD_SIDE_A]);
    g_autoptr(JsonNode) n1 = concord_rule_list_to_json (copy);
    g_autoptr(JsonNode) n2 = concord_rule_list_to_json (config->rules[CONCORD_SIDE_A]);

    g_assert_true (json_node_equal (n1, n2));
    concord_rule_remove_action (concord_rule_list_get_rule (copy, 0), 0);
    g_assert_cmpuint (concord_rule_get_n_actions (concord_rule_list_get_rule (config->rules[CONCORD_SIDE_A], 0)),
                      ==, 3);
  }
}

/* "Everyone syncs; active Pro customers also go to the VIP list", and a
 * later rule that wins on the same field. */
static const char two_rules_document[] =
  "{\"version\": 2, \"rules\": {\"a_to_b\": {\"rules\": ["
  "  {\"actions\": [{\"action\": \"set\", \"field\": \"custom:Tier\", \"type\": \"string\", \"value\": \"basic\"}]},"
  "  {\"name\": \"VIP\", \"sync\": false, \"filter\": {\"match\": \"all\", \"conditions\": ["
  "     {\"field\": \"status\", \"op\": \"is\", \"values\": [\"active\"]},"
  "     {\"field\": \"custom:Plan\", \"type\": \"string\", \"op\": \"is\", \"values\": [\"Pro\"]}]},"
  "   \"actions\": [{\"action\": \"add\", \"field\": \"lists\", \"value\": \"VIP\"},"
  "                 {\"action\": \"set\", \"field\": \"custom:Tier\", \"type\": \"string\", \"value\": \"gold\"}]}]},"
  " \"b_to_a\": {\"unmatched\": \"keep\", \"create\": false, \"rules\": ["
  "  {\"name\": \"Customers\", \"filter\": {\"match\": \"all\", \"conditions\": ["
  "     {\"field\": \"tags\", \"op\": \"contains\", \"values\": [\"customer\"]}]}},"
  "  {\"enabled\": false}]}}}";

static void
test_rule_list_any_match (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionConfig) config = concord_connection_config_new_from_json (two_rules_document, &error);
  g_autoptr(ConcordRecord) lead = concord_record_new (NULL);
  g_autoptr(ConcordRecord) customer = concord_record_new (NULL);
  g_autofree char *why = NULL;
  g_autofree char *label = NULL;
  const char *customer_tags[] = { "customer", NULL };
  ConcordRuleList *ab, *ba;

  g_assert_no_error (error);
  ab = config->rules[CONCORD_SIDE_A];
  ba = config->rules[CONCORD_SIDE_B];
  g_assert_cmpuint (concord_rule_list_get_n_rules (ab), ==, 2);
  g_assert_cmpstr (concord_rule_get_name (concord_rule_list_get_rule (ab, 1)), ==, "VIP");
  g_assert_false (concord_rule_get_sync (concord_rule_list_get_rule (ab, 1)));
  label = concord_rule_get_label (concord_rule_list_get_rule (ab, 0), 0);
  g_assert_cmpstr (label, ==, "Rule 1");
  g_assert_cmpint (concord_rule_list_get_unmatched (ba), ==, CONCORD_UNMATCHED_KEEP);
  g_assert_false (concord_rule_list_get_create (ba));

  /* Rule 1 syncs everyone: nobody is held back A→B, whatever rule 2. */
  g_assert_false (concord_rule_list_holds_back (ab));
  g_assert_true (concord_rule_list_in_scope (ab, lead));
  g_assert_cmpint (concord_rule_list_first_match (ab, lead, 0), ==, 0);

  /* B→A: only "Customers" syncs (the other rule is off). */
  g_assert_true (concord_rule_list_holds_back (ba));
  g_assert_false (concord_rule_list_in_scope (ba, lead));
  why = concord_rule_list_explain (ba, lead);
  g_assert_cmpstr (why, ==, "no rule matched; “Customers” needs: tags contains “customer”");
  concord_record_set_set (customer, "tags", customer_tags);
  g_assert_true (concord_rule_list_in_scope (ba, customer));
  g_assert_null (concord_rule_list_explain (ba, customer));

  /* A rule that does not sync lets nobody across on its own. */
  concord_rule_set_enabled (concord_rule_list_get_rule (ab, 0), FALSE);
  g_assert_true (concord_rule_list_holds_back (ab));
  concord_record_set_text (lead, "status", CONCORD_FIELD_TYPE_ENUM, "active");
  concord_record_set_text (lead, "custom:Plan", CONCORD_FIELD_TYPE_STRING, "pro");
  g_assert_false (concord_rule_list_in_scope (ab, lead));
  g_clear_pointer (&why, g_free);
  why = concord_rule_list_explain (ab, lead);
  g_assert_cmpstr (why, ==, "no rule matched; no rule of this direction syncs contacts");
  /* Any matching rule that syncs lets the contact across. */
  concord_rule_set_sync (concord_rule_list_get_rule (ab, 1), TRUE);
  g_assert_true (concord_rule_list_in_scope (ab, lead));
  g_assert_cmpint (concord_rule_list_first_match (ab, lead, 0), ==, 1);

  /* A direction switched off holds nothing back. */
  concord_rule_list_set_enabled (ba, FALSE);
  g_assert_true (concord_rule_list_in_scope (ba, lead));
}

static void
test_rule_list_edit (void)
{
  g_autoptr(ConcordRuleList) list = concord_rule_list_new ();
  g_autoptr(ConcordRuleList) again = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) node_again = NULL;
  g_autoptr(GError) error = NULL;
  ConcordRule *vip = concord_rule_new ();

  /* The default: one rule, everyone → sync. */
  g_assert_true (concord_rule_list_is_default (list));
  g_assert_cmpuint (concord_rule_list_get_n_rules (list), ==, 1);
  g_assert_true (concord_rule_is_default (concord_rule_list_get_rule (list, 0)));

  concord_rule_set_name (vip, "  VIP  ");
  g_assert_cmpstr (concord_rule_get_name (vip), ==, "VIP");
  concord_rule_list_insert (list, -1, vip);
  concord_rule_list_insert (list, 0, concord_rule_new ());
  concord_rule_set_name (concord_rule_list_get_rule (list, 0), "First");
  g_assert_cmpuint (concord_rule_list_get_n_rules (list), ==, 3);
  g_assert_false (concord_rule_list_is_default (list));

  /* Move down, up, remove. */
  concord_rule_list_move (list, 0, 2);
  g_assert_cmpstr (concord_rule_get_name (concord_rule_list_get_rule (list, 1)), ==, "VIP");
  g_assert_cmpstr (concord_rule_get_name (concord_rule_list_get_rule (list, 2)), ==, "First");
  concord_rule_list_move (list, 2, 1);
  g_assert_cmpstr (concord_rule_get_name (concord_rule_list_get_rule (list, 1)), ==, "First");
  concord_rule_list_remove (list, 1);
  g_assert_cmpstr (concord_rule_get_name (concord_rule_list_get_rule (list, 1)), ==, "VIP");
  concord_rule_set_name (vip, " ");
  g_assert_null (concord_rule_get_name (vip));

  /* An empty list is kept as such: nobody goes across. */
  concord_rule_list_remove (list, 0);
  concord_rule_list_remove (list, 0);
  concord_rule_list_set_unmatched (list, CONCORD_UNMATCHED_KEEP);
  node = concord_rule_list_to_json (list);
  again = concord_rule_list_new_from_json (node, "rules.a_to_b", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (concord_rule_list_get_n_rules (again), ==, 0);
  g_assert_true (concord_rule_list_holds_back (again));
  g_assert_cmpint (concord_rule_list_get_unmatched (again), ==, CONCORD_UNMATCHED_KEEP);
  node_again = concord_rule_list_to_json (again);
  g_assert_true (json_node_equal (node, node_again));
}

static void
test_document_refusals (void)
{
  /* Each refused document names the exact place and the reason. */
  const struct { const char *json; const char *message; } cases[] = {
    { "{\"version\": 1, \"rules\": {", "not valid JSON" },
    { "[1, 2]", "the document: must be an object" },
    { "{\"rules\": {}}", "version: missing" },
    { "{\"version\": 3}", "written by a newer Concord" },
    { "{\"version\": 0}", "not a version this Concord reads" },
    /* Version 2: the places name the rule in its direction's list. */
    { "{\"version\": 2, \"rules\": {\"a_to_b\": {\"rules\": [{}, {\"filter\": {\"conditions\": ["
      "{\"field\": \"first_name\", \"op\": \"greater-than\", \"values\": [\"3\"]}]}}]}}}",
      "rules.a_to_b.rules[1].filter.conditions[0]" },
    { "{\"version\": 2, \"rules\": {\"b_to_a\": {\"rules\": [{\"actions\": [{\"action\": \"paint\", "
      "\"field\": \"status\"}]}]}}}", "rules.b_to_a.rules[0].actions[0].action: “paint”" },
    { "{\"version\": 2, \"rules\": {\"a_to_b\": {\"rules\": [{\"sync\": \"yes\"}]}}}",
      "rules.a_to_b.rules[0].sync: must be true or false" },
    { "{\"version\": 2, \"rules\": {\"a_to_b\": {\"rules\": [{\"name\": 7}]}}}",
      "rules.a_to_b.rules[0].name: must be a string" },
    { "{\"version\": 2, \"rules\": {\"a_to_b\": {\"rules\": {}}}}", "rules.a_to_b.rules: must be an array" },
    { "{\"version\": 2, \"rules\": {\"a_to_b\": {\"unmatched\": \"forget\"}}}",
      "rules.a_to_b.unmatched: “forget” is neither stop nor keep" },
    /* A version 1 rule in a version 2 document, and the other way round. */
    { "{\"version\": 2, \"rules\": {\"a_to_b\": {\"filter\": null}}}", "rules.a_to_b: unknown member “filter”" },
    { "{\"version\": 1, \"rules\": {\"a_to_b\": {\"rules\": []}}}", "rules.a_to_b: unknown member “rules”" },
    { "{\"version\": 1, \"colour\": \"red\"}", "the document: unknown member “colour”" },
    { "{\"version\": 1, \"rules\": {\"a_to_c\": {}}}", "rules: unknown member “a_to_c”" },
    { "{\"version\": 1, \"rules\": {\"a_to_b\": {\"enabled\": \"yes\"}}}",
      "rules.a_to_b.enabled: must be true or false" },
    { "{\"version\": 1, \"rules\": {\"b_to_a\": {\"filter\": {\"conditions\": ["
      "{\"field\": \"first_name\", \"op\": \"greater-than\", \"values\": [\"3\"]}]}}}}",
      "rules.b_to_a.filter.conditions[0]" },
    { "{\"version\": 1, \"rules\": {\"a_to_b\": {\"filter\": {\"conditions\": ["
      "{\"field\": \"custom:Age\", \"type\": \"number\", \"op\": \"is\", \"values\": [\"old\"]}]}}}}",
      "rules.a_to_b.filter.conditions[0]" },
    { "{\"version\": 1, \"rules\": {\"a_to_b\": {\"actions\": [{\"action\": \"paint\", \"field\": \"status\"}]}}}",
      "rules.a_to_b.actions[0].action: “paint” is none of set, add, remove" },
    { "{\"version\": 1, \"rules\": {\"a_to_b\": {\"actions\": [{\"action\": \"set\", \"field\": \"custom:X\", \"value\": \"1\"}]}}}",
      "rules.a_to_b.actions[0].type: missing" },
    { "{\"version\": 1, \"rules\": {\"a_to_b\": {\"actions\": [{}, {\"action\": \"set\", \"field\": \"status\", \"value\": 3}]}}}",
      "rules.a_to_b.actions[0].action: missing" },
    { "{\"version\": 1, \"rules\": {\"a_to_b\": {\"actions\": [{\"action\": \"set\", \"field\": \"status\", \"value\": 3}]}}}",
      "rules.a_to_b.actions[0].value: must be a string" },
    { "{\"version\": 1, \"rules\": {\"a_to_b\": {\"actions\": [{\"action\": \"add\", \"field\": \"first_name\", \"value\": \"x\"}]}}}",
      "rules.a_to_b.actions[0]: “first_name” is not a list" },
    { "{\"version\": 1, \"mapping\": {\"pairs\": [{\"a\": \"email\"}]}}", "mapping.pairs[0].b: missing" },
    { "{\"version\": 1, \"mapping\": {\"pairs\": [{\"a\": \"email\", \"b\": \"custom:Mail\"}]}}",
      "mapping.pairs[0].type_b: missing" },
    { "{\"version\": 1, \"mapping\": {\"pairs\": [{\"a\": \"email\", \"b\": \"email\", \"flow\": \"sideways\"}]}}",
      "mapping.pairs[0].flow: “sideways”" },
    { "{\"version\": 1, \"mapping\": {\"pairs\": [{\"a\": \"email\", \"b\": \"email\"}, "
      "{\"a\": \"custom:Score\", \"type_a\": \"number\", \"b\": \"custom:Level\", \"type_b\": \"number\"}, "
      "{\"a\": \"birthday\", \"b\": \"custom:Level\", \"type_b\": \"number\"}]}}",
      "mapping.pairs[2]: a date (birthday) cannot be written to a number (custom:Level)" },
    { "{\"version\": 1, \"mapping\": {\"pairs\": [{\"a\": \"first_name\", \"b\": \"first_name\"}, "
      "{\"a\": \"last_name\", \"b\": \"first_name\"}]}}",
      "mapping.pairs[1]: “first_name” on side b is already written by pairs[0]" },
    { "{\"version\": 1, \"mapping\": {\"pairs\": [{\"a\": \"birthday\", \"b\": \"custom:Born\", \"type_b\": \"string\", "
      "\"format\": \"YY\"}]}}", "mapping.pairs[0].format: “YY” is not a date format" },
    { "{\"version\": 1, \"mapping\": {\"pairs\": [{\"a\": \"first_name\", \"b\": \"first_name\", \"format\": \";\"}]}}",
      "mapping.pairs[0].format: a format only applies" },
    { "{\"version\": 1, \"mapping\": {\"pairs\": [{\"a\": \"tags\", \"b\": \"lists\", \"values\": [{\"a\": \"x\", \"b\": \"y\"}]}]}}",
      "mapping.pairs[0].values: value maps apply to single values" },
    { "{\"version\": 1, \"mapping\": {\"pairs\": [{\"a\": \"status\", \"b\": \"status\", \"values\": [{\"a\": \"x\"}]}]}}",
      "mapping.pairs[0].values[0].b: missing" },
    { "{\"version\": 1, \"mapping\": {\"automatic\": 1}}", "mapping.automatic: must be true or false" },
    { "{\"version\": 1, \"rules\": {\"a_to_b\": {\"filter\": {\"conditions\": ["
      "{\"field\": \"status\", \"op\": \"is\", \"values\": [\"\\u00e9t\\u00e9\"], \"x\": 1}]}}}}",
      "rules.a_to_b.filter.conditions[0]: unknown member “x”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcordConnectionConfig) config = concord_connection_config_new_from_json (cases[i].json, &error);

      g_assert_null (config);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: “%s” does not say “%s”", i, error->message, cases[i].message);
    }

  /* Invalid UTF-8 is refused before parsing. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConcordConnectionConfig) config =
      concord_connection_config_new_from_json ("{\"version\": 1, \"x\": \"\xff\"}", &error);

    g_assert_null (config);
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  }
}

/* ------------------------------------------------------------------------- */
/* Mapping                                                                   */
/* ------------------------------------------------------------------------- */

static char *
convert_text (const ConcordMappingPair *pair,
              ConcordSide               from,
              const ConcordValue       *in,
              GError                  **error)
{
  ConcordValue out;
  char *text;

  if (!concord_mapping_pair_convert (pair, from, in, &out, error))
    return NULL;
  text = concord_value_to_string (&out);
  concord_value_clear (&out);
  return text;
}

static void
test_mapping_convert (void)
{
  g_autoptr(ConcordMapping) mapping = concord_mapping_new ();
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  ConcordValue customer = { .type = CONCORD_FIELD_TYPE_ENUM, .v.text = (char *) "customer" };
  ConcordValue lead = { .type = CONCORD_FIELD_TYPE_ENUM, .v.text = (char *) "Lead" };
  ConcordValue odd = { .type = CONCORD_FIELD_TYPE_ENUM, .v.text = (char *) "Evangelist" };
  ConcordValue active = { .type = CONCORD_FIELD_TYPE_ENUM, .v.text = (char *) "active" };
  ConcordValue bounced = { .type = CONCORD_FIELD_TYPE_ENUM, .v.text = (char *) "bounced" };
  ConcordValue yes = { .type = CONCORD_FIELD_TYPE_STRING, .v.text = (char *) "Yes" };
  ConcordValue truth = { .type = CONCORD_FIELD_TYPE_BOOLEAN, .v.boolean = TRUE };
  ConcordValue day = { .type = CONCORD_FIELD_TYPE_DATE, .v.text = (char *) "1990-12-31" };
  ConcordValue day_text = { .type = CONCORD_FIELD_TYPE_STRING, .v.text = (char *) "31/12/1990" };
  ConcordValue bad_day = { .type = CONCORD_FIELD_TYPE_STRING, .v.text = (char *) "soon" };
  ConcordValue number_text = { .type = CONCORD_FIELD_TYPE_STRING, .v.text = (char *) " 12.5 " };
  const char *set_items[] = { "b", "a", NULL };
  g_autoptr(ConcordRecord) holder = concord_record_new (NULL);
  char *text;
  guint stage, optin, born, topics, score;

  /* CRM lifecycle stage ↔ email tool status, two stages on "active". */
  stage = concord_mapping_add (mapping, "custom:Stage", CONCORD_FIELD_TYPE_ENUM, "status",
                               CONCORD_FIELD_TYPE_ENUM, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add_value (mapping, stage, "Customer", "active");
  concord_mapping_add_value (mapping, stage, "Lead", "active");
  concord_mapping_set_fallback (mapping, stage, CONCORD_SIDE_B, "not_confirmed");
  optin = concord_mapping_add (mapping, "custom:Newsletter", CONCORD_FIELD_TYPE_STRING, "custom:opt_in",
                               CONCORD_FIELD_TYPE_BOOLEAN, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_add_value (mapping, optin, "Yes", "true");
  concord_mapping_add_value (mapping, optin, "No", "false");
  born = concord_mapping_add (mapping, "custom:Born", CONCORD_FIELD_TYPE_STRING, "birthday",
                              CONCORD_FIELD_TYPE_DATE, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_set_format (mapping, born, "DD/MM/YYYY");
  topics = concord_mapping_add (mapping, "tags", CONCORD_FIELD_TYPE_STRING_SET, "custom:Topics",
                                CONCORD_FIELD_TYPE_STRING, CONCORD_PAIR_FLOW_BOTH);
  concord_mapping_set_format (mapping, topics, ";");
  score = concord_mapping_add (mapping, "custom:Score", CONCORD_FIELD_TYPE_STRING, "custom:Score",
                               CONCORD_FIELD_TYPE_NUMBER, CONCORD_PAIR_FLOW_A_TO_B);

  g_assert_true (concord_mapping_validate (mapping, "mapping", warnings, &error));
  g_assert_no_error (error);
  /* Two-way and not one-to-one: allowed, and said. */
  g_assert_cmpuint (warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), "mapping.pairs[0].values"));

  /* Value maps, case-insensitive, with the default for the rest. */
  text = convert_text (concord_mapping_get_pair (mapping, stage), CONCORD_SIDE_A, &customer, &error);
  g_assert_cmpstr (text, ==, "active");
  g_free (text);
  text = convert_text (concord_mapping_get_pair (mapping, stage), CONCORD_SIDE_A, &lead, &error);
  g_assert_cmpstr (text, ==, "active");
  g_free (text);
  text = convert_text (concord_mapping_get_pair (mapping, stage), CONCORD_SIDE_A, &odd, &error);
  g_assert_cmpstr (text, ==, "not_confirmed");
  g_free (text);
  /* The way back takes the first pairing; no default that way keeps the value. */
  text = convert_text (concord_mapping_get_pair (mapping, stage), CONCORD_SIDE_B, &active, &error);
  g_assert_cmpstr (text, ==, "Customer");
  g_free (text);
  text = convert_text (concord_mapping_get_pair (mapping, stage), CONCORD_SIDE_B, &bounced, &error);
  g_assert_cmpstr (text, ==, "bounced");
  g_free (text);

  /* "Yes"/"No" ↔ true/false. */
  {
    ConcordValue out;

    g_assert_true (concord_mapping_pair_convert (concord_mapping_get_pair (mapping, optin), CONCORD_SIDE_A,
                                                 &yes, &out, &error));
    g_assert_cmpint (out.type, ==, CONCORD_FIELD_TYPE_BOOLEAN);
    g_assert_true (out.v.boolean);
  }
  text = convert_text (concord_mapping_get_pair (mapping, optin), CONCORD_SIDE_B, &truth, &error);
  g_assert_cmpstr (text, ==, "Yes");
  g_free (text);

  /* Dates with a format, both ways; a value held as text in a date field
   * is read as a date. */
  text = convert_text (concord_mapping_get_pair (mapping, born), CONCORD_SIDE_A, &day_text, &error);
  g_assert_cmpstr (text, ==, "1990-12-31");
  g_free (text);
  text = convert_text (concord_mapping_get_pair (mapping, born), CONCORD_SIDE_B, &day, &error);
  g_assert_cmpstr (text, ==, "31/12/1990");
  g_free (text);
  {
    ConcordValue iso_text = { .type = CONCORD_FIELD_TYPE_STRING, .v.text = (char *) "1990-12-31" };

    text = convert_text (concord_mapping_get_pair (mapping, born), CONCORD_SIDE_B, &iso_text, &error);
    g_assert_cmpstr (text, ==, "31/12/1990");
    g_free (text);
  }
  g_assert_null (convert_text (concord_mapping_get_pair (mapping, born), CONCORD_SIDE_A, &bad_day, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "date"));
  g_clear_error (&error);

  /* Sets ↔ delimited text. */
  concord_record_set_set (holder, "tags", set_items);
  text = convert_text (concord_mapping_get_pair (mapping, topics), CONCORD_SIDE_A,
                       concord_record_get (holder, "tags"), &error);
  g_assert_cmpstr (text, ==, "a;b");
  g_free (text);

  /* Text → number. */
  text = convert_text (concord_mapping_get_pair (mapping, score), CONCORD_SIDE_A, &number_text, &error);
  g_assert_cmpstr (text, ==, "12.5");
  g_free (text);

  /* Copies carry everything; removing and editing pairs. */
  {
    g_autoptr(ConcordMapping) copy = concord_mapping_copy (mapping);
    g_autoptr(JsonNode) j1 = concord_mapping_to_json (copy);
    g_autoptr(JsonNode) j2 = concord_mapping_to_json (mapping);

    g_assert_true (json_node_equal (j1, j2));
    g_assert_cmpint (concord_mapping_find (copy, CONCORD_SIDE_B, "birthday"), ==, (gint) born);
    concord_mapping_remove (copy, stage);
    g_assert_cmpint (concord_mapping_find (copy, CONCORD_SIDE_B, "birthday"), ==, (gint) born - 1);
    g_assert_cmpint (concord_mapping_find (copy, CONCORD_SIDE_A, "custom:Stage"), ==, -1);
    concord_mapping_clear_values (copy, 0);
    g_assert_cmpuint (concord_mapping_pair_get_n_values (concord_mapping_get_pair (copy, 0)), ==, 0);
    concord_mapping_set_flow (copy, 0, CONCORD_PAIR_FLOW_OFF);
    g_assert_false (concord_mapping_pair_flows (concord_mapping_get_pair (copy, 0), CONCORD_SIDE_A));
    g_assert_cmpuint (concord_mapping_get_n_pairs (mapping), ==, 5);
  }

  /* Types that cannot be converted at all. */
  g_assert_false (concord_field_types_convertible (CONCORD_FIELD_TYPE_NUMBER, CONCORD_FIELD_TYPE_DATE));
  g_assert_false (concord_field_types_convertible (CONCORD_FIELD_TYPE_BOOLEAN, CONCORD_FIELD_TYPE_EMAIL));
  g_assert_false (concord_field_types_convertible (CONCORD_FIELD_TYPE_STRING_SET, CONCORD_FIELD_TYPE_NUMBER));
  g_assert_true (concord_field_types_convertible (CONCORD_FIELD_TYPE_NUMBER, CONCORD_FIELD_TYPE_STRING));
  g_assert_true (concord_field_types_convertible (CONCORD_FIELD_TYPE_DATETIME, CONCORD_FIELD_TYPE_DATE));
}

/* ------------------------------------------------------------------------- */
/* Automatic mapping                                                         */
/* ------------------------------------------------------------------------- */

static GPtrArray *
schema_of (const char * const *spec)
{
  GPtrArray *schema = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  /* "key|label|type|ro" */
  for (guint i = 0; spec[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (spec[i], "|", -1);
      ConcordFieldType type;

      g_assert_true (concord_field_type_from_string (parts[2], &type));
      g_ptr_array_add (schema, concord_field_spec_new (parts[0], parts[1], type, g_str_equal (parts[3], "ro")));
    }

  return schema;
}

static char *
pairs_text (const ConcordMapping *mapping)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < concord_mapping_get_n_pairs (mapping); i++)
    {
      const ConcordMappingPair *pair = concord_mapping_get_pair (mapping, i);

      g_string_append_printf (out, "%s%s=%s(%s)", i > 0 ? " " : "", g_quark_to_string (pair->key_a),
                              g_quark_to_string (pair->key_b), concord_pair_flow_to_string (pair->flow));
    }

  return g_string_free (out, FALSE);
}

static const char *
unmapped_reason (GPtrArray   *unmapped,
                 ConcordSide  side,
                 const char  *key)
{
  for (guint i = 0; i < unmapped->len; i++)
    {
      const ConcordUnmappedField *field = g_ptr_array_index (unmapped, i);

      if (field->side == side && g_str_equal (field->key, key))
        return field->reason;
    }

  return NULL;
}

static void
test_auto_mapping (void)
{
  const char * const a_spec[] = {
    "email|Email|email|rw", "first_name|First name|string|rw", "last_name|Last name|string|rw",
    "phone|Phone|phone|rw", "custom:Mobile|Mobile|string|rw", "custom:Organization|Organization|string|rw",
    "custom:Customer_Type|Customer_Type|string|rw", "custom:Points|Points|string|rw",
    "created_at|Created|datetime|ro", "custom:Signup|Signup|date|rw", "custom:Fax|Fax|string|rw", NULL
  };
  const char * const b_spec[] = {
    "email|Email|email|rw", "custom:FirstName|First Name|string|rw", "custom:SURNAME|Surname|string|rw",
    "custom:phone_number|Phone Number|string|rw", "custom:cell|Cell|string|rw", "company|Company|string|rw",
    "custom:customer type|Customer type|enum|rw", "custom:points|Points|number|rw",
    "custom:createdate|Created|datetime|ro", "custom:signup_at|Signup|datetime|ro", NULL
  };
  g_autoptr(GPtrArray) a = schema_of (a_spec);
  g_autoptr(GPtrArray) b = schema_of (b_spec);
  g_autoptr(GPtrArray) unmapped = NULL;
  g_autoptr(ConcordMapping) mapping = concord_mapping_new_auto (a, b, &unmapped);
  g_autofree char *text = pairs_text (mapping);

  g_test_message ("%s", text);
  /* Same key; same name whatever the case, spaces and underscores;
   * synonyms (Surname, Organization/Company, Mobile/Cell); a read-only
   * side flows from there only. */
  g_assert_cmpstr (text, ==,
                   "email=email(both) first_name=custom:FirstName(both) "
                   "custom:Customer_Type=custom:customer type(both) custom:Signup=custom:signup_at(b-to-a) "
                   "last_name=custom:SURNAME(both) phone=custom:phone_number(both) "
                   "custom:Mobile=custom:cell(both) custom:Organization=company(both)");
  g_assert_null (concord_mapping_validate (mapping, "mapping", NULL, NULL) ? NULL : "invalid");

  /* What was left, and why. */
  g_assert_nonnull (strstr (unmapped_reason (unmapped, CONCORD_SIDE_A, "custom:Points"),
                            "“Points” on the other side is a number, this is a string"));
  g_assert_nonnull (strstr (unmapped_reason (unmapped, CONCORD_SIDE_B, "custom:points"), "map it by hand"));
  g_assert_nonnull (strstr (unmapped_reason (unmapped, CONCORD_SIDE_A, "created_at"), "read-only on both sides"));
  g_assert_cmpstr (unmapped_reason (unmapped, CONCORD_SIDE_A, "custom:Fax"), ==,
                   "no field of that name on the other side");
  g_assert_null (unmapped_reason (unmapped, CONCORD_SIDE_A, "email"));
  g_assert_cmpuint (unmapped->len, ==, 5);

  /* Both ways the same pairs (mirrored). */
  {
    g_autoptr(ConcordMapping) back = concord_mapping_new_auto (b, a, NULL);

    g_assert_cmpuint (concord_mapping_get_n_pairs (back), ==, concord_mapping_get_n_pairs (mapping));
  }
}

/* Issue 13: json-glib recursed into a nesting bomb until the stack
 * overflowed, and a 100 MB document took 21 s and 2.3 GB. */
static void
test_document_bounds (void)
{
  g_autoptr(GString) bomb = g_string_new ("{\"version\": 1, \"rules\": ");
  g_autoptr(GString) large = g_string_new ("{\"version\": 1, \"mapping\": {\"pairs\": [");
  g_autoptr(GString) filler = g_string_new ("{\"version\": 1, \"rules\": {}}");
  g_autoptr(ConcordConnectionConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (bomb, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (bomb, ']');
  g_string_append_c (bomb, '}');
  config = concord_connection_config_new_from_json (bomb->str, &error);
  g_assert_null (config);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nested too deeply"));
  g_clear_error (&error);

  while (large->len <= CONCORD_CONNECTION_CONFIG_MAX_BYTES)
    g_string_append (large, "{\"a\": \"email\", \"b\": \"email\"},");
  g_string_append (large, "{\"a\": \"email\", \"b\": \"email\"}]}}");
  config = concord_connection_config_new_from_json (large->str, &error);
  g_assert_null (config);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "too large"));
  g_clear_error (&error);

  /* Up to the limit, what counts is the content: blanks pass. */
  while (filler->len < CONCORD_CONNECTION_CONFIG_MAX_BYTES)
    g_string_append_c (filler, ' ');
  g_string_truncate (filler, CONCORD_CONNECTION_CONFIG_MAX_BYTES);
  config = concord_connection_config_new_from_json (filler->str, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add_func ("/concord/rules/actions", test_actions);
  g_test_add_func ("/concord/rules/document-round-trip", test_document_round_trip);
  g_test_add_func ("/concord/rules/document-refusals", test_document_refusals);
  g_test_add_func ("/concord/rules/list-any-match", test_rule_list_any_match);
  g_test_add_func ("/concord/rules/list-edit", test_rule_list_edit);
  g_test_add_func ("/concord/rules/document-bounds", test_document_bounds);
  g_test_add_func ("/concord/mapping/convert", test_mapping_convert);
  g_test_add_func ("/concord/mapping/auto", test_auto_mapping);

  return g_test_run ();
}
