/* concord-rule-test-data.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the rule tests share: an engine over two in-memory apps, "Shop"
 * (side A) and "Newsletter" (side B), with known schemas, and Shop's
 * twelve contacts as a table the tests count from themselves, so the
 * numbers they expect are never the engine's own answer.
 */

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-rule-test-data.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"


const RulePerson shop_people[RULE_N_SHOP_PEOPLE] = {
  { "ann@example.com", "Ann", "Lee", "active", 42, "vip", "Pro", "2024-03-01" },
  { "bob@example.com", "Bob", "Marsh", "active", 8, NULL, "Free", "2023-11-15" },
  { "cy@example.com", "Cy", NULL, "unsubscribed", 77, "vip,press", "Pro", "2022-01-20" },
  { "dee@example.com", "Dee", "Ng", "active", 15, "press", "Free", NULL },
  { "eve@example.com", "Eve", "Ortiz", "inactive", 3, NULL, "Free", "2024-06-30" },
  { "fay@example.com", "Fay", NULL, "active", 64, "vip", "Pro", "2021-09-09" },
  { "gus@example.com", "Gus", "Hale", "active", 12, NULL, NULL, "2024-01-02" },
  { "hal@example.com", "Hal", NULL, "bounced", 90, "vip", "Pro", NULL },
  { "ida@example.com", "Ida", "Park", "active", 25, "press", "Pro", "2020-05-05" },
  { "jon@example.com", "Jon", NULL, "active", 0, NULL, "Free", NULL },
  { "kim@example.com", "Kim", "Roe", "active", 31, "vip", "Free", "2024-02-29" },
  { "amy@example.com", "Amy", "Day", "not_confirmed", 55, "vip", "Pro", "2023-07-07" },
};

ConcordMemoryConnector *rule_sides[2];

ConcordConnector *
rule_test_create (const char  *app_id,
                  const char  *options_json,
                  const char  *secret,
                  GError     **error)
{
  if (g_strcmp0 (secret, "right") != 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED, "The app refused the key");
      return NULL;
    }
  return g_object_ref (CONCORD_CONNECTOR (rule_sides[strstr (options_json, "\"b\"") != NULL ? 1 : 0]));
}

gboolean
rule_person_has_tag (const RulePerson *p,
                     const char       *tag)
{
  g_auto(GStrv) tags = p->tags != NULL ? g_strsplit (p->tags, ",", -1) : NULL;

  return tags != NULL && g_strv_contains ((const char * const *) tags, tag);
}

void
rule_add_spec (GPtrArray          *schema,
               const char         *key,
               const char         *label,
               ConcordFieldType    type,
               const char * const *choices)
{
  ConcordFieldSpec *spec;

  if (concord_fields_lookup (key) != NULL)
    spec = concord_field_spec_copy (concord_fields_lookup (key));
  else
    spec = concord_field_spec_new (key, label, type, FALSE);
  if (choices != NULL)
    {
      g_strfreev (spec->choices);
      spec->choices = g_strdupv ((char **) choices);
    }
  g_ptr_array_add (schema, spec);
}

/* Both apps, their schemas and Shop's contacts (pages of 5). */
void
rule_make_sides (void)
{
  static const char * const plans[] = { "Free", "Pro", "Team", NULL };
  static const char * const tiers[] = { "Gold", "Silver", NULL };
  g_autoptr(GPtrArray) shop = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  g_autoptr(GPtrArray) news = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);

  rule_add_spec (shop, CONCORD_FIELD_EMAIL, NULL, 0, NULL);
  rule_add_spec (shop, CONCORD_FIELD_FIRST_NAME, NULL, 0, NULL);
  rule_add_spec (shop, CONCORD_FIELD_LAST_NAME, NULL, 0, NULL);
  rule_add_spec (shop, CONCORD_FIELD_STATUS, NULL, 0, NULL);
  rule_add_spec (shop, CONCORD_FIELD_TAGS, NULL, 0, NULL);
  rule_add_spec (shop, CONCORD_FIELD_CREATED_AT, NULL, 0, NULL);
  rule_add_spec (shop, "custom:Score", "Score", CONCORD_FIELD_TYPE_NUMBER, NULL);
  rule_add_spec (shop, "custom:Plan", "Plan", CONCORD_FIELD_TYPE_ENUM, plans);
  rule_add_spec (shop, "custom:Joined", "Joined", CONCORD_FIELD_TYPE_DATE, NULL);

  rule_add_spec (news, CONCORD_FIELD_EMAIL, NULL, 0, NULL);
  rule_add_spec (news, CONCORD_FIELD_FIRST_NAME, NULL, 0, NULL);
  rule_add_spec (news, CONCORD_FIELD_LAST_NAME, NULL, 0, NULL);
  rule_add_spec (news, CONCORD_FIELD_STATUS, NULL, 0, NULL);
  rule_add_spec (news, CONCORD_FIELD_LISTS, NULL, 0, NULL);
  rule_add_spec (news, "custom:Type", "Type", CONCORD_FIELD_TYPE_STRING, NULL);
  rule_add_spec (news, "custom:Tier", "Tier", CONCORD_FIELD_TYPE_ENUM, tiers);
  rule_add_spec (news, "custom:Since", "Since", CONCORD_FIELD_TYPE_DATE, NULL);
  rule_add_spec (news, "custom:Points", "Points", CONCORD_FIELD_TYPE_NUMBER, NULL);
  rule_add_spec (news, "custom:Opted in", "Opted in", CONCORD_FIELD_TYPE_BOOLEAN, NULL);
  rule_add_spec (news, "custom:Code", "Code", CONCORD_FIELD_TYPE_STRING, NULL);
  ((ConcordFieldSpec *) g_ptr_array_index (news, news->len - 1))->read_only = TRUE;

  for (guint s = 0; s < 2; s++)
    {
      rule_sides[s] = concord_memory_connector_new (s == 0 ? "a" : "b", CONCORD_CONNECTOR_NONE);
      concord_memory_connector_set_schema (rule_sides[s], s == 0 ? shop : news);
      concord_memory_connector_set_page_size (rule_sides[s], 5);
      concord_memory_connector_set_max_batch (rule_sides[s], 50);
    }

  for (guint i = 0; i < G_N_ELEMENTS (shop_people); i++)
    {
      const RulePerson *p = &shop_people[i];
      g_autoptr(ConcordRecord) record = concord_record_new (NULL);

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, p->email);
      concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, p->first);
      if (p->last != NULL)
        concord_record_set_text (record, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, p->last);
      concord_record_set_text (record, CONCORD_FIELD_STATUS, CONCORD_FIELD_TYPE_ENUM, p->status);
      concord_record_set_number (record, "custom:Score", p->score);
      if (p->tags != NULL)
        {
          g_auto(GStrv) tags = g_strsplit (p->tags, ",", -1);

          concord_record_set_set (record, CONCORD_FIELD_TAGS, (const char * const *) tags);
        }
      if (p->plan != NULL)
        concord_record_set_text (record, "custom:Plan", CONCORD_FIELD_TYPE_ENUM, p->plan);
      if (p->joined != NULL)
        concord_record_set_text (record, "custom:Joined", CONCORD_FIELD_TYPE_DATE, p->joined);
      concord_memory_connector_insert (rule_sides[0], record);
    }
}

ConcordEngine *
rule_open_engine (const char *db_path)
{
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new_in_memory ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ConcordEngine *engine = concord_engine_new (db_path, secrets, rule_test_create);
  GAsyncResult *slot = NULL;

  concord_engine_open_async (engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (engine, result, &error));
  g_assert_no_error (error);

  return engine;
}

char *
rule_add_account (ConcordEngine *engine,
                  const char    *name,
                  const char    *options)
{
  return concord_test_add_account (engine, "memory", name, options, "right");
}

/* "Shop ↔ Newsletter", off (runs only when asked); @suffix tells the
 * accounts of a second connection apart ("Shop 2"). */
gint64
rule_add_connection (ConcordEngine    *engine,
                     ConcordDirection  direction,
                     const char       *suffix)
{
  g_autofree char *shop = g_strconcat ("Shop", suffix, NULL);
  g_autofree char *news = g_strconcat ("Newsletter", suffix, NULL);
  g_autofree char *a = rule_add_account (engine, shop, "{\"side\": \"a\"}");
  g_autofree char *b = rule_add_account (engine, news, "{\"side\": \"b\"}");
  g_autofree char *name = g_strconcat ("Shop ↔ Newsletter", suffix, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ConcordConnectionRow row = { 0 };
  GAsyncResult *slot = NULL;
  gint64 id;

  row.name = name;
  row.account_a = a;
  row.type_a = (char *) "contacts";
  row.account_b = b;
  row.type_b = (char *) "contacts";
  row.direction = direction;
  row.prefer = CONCORD_PREFER_NEWEST;
  row.enabled = FALSE;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_connection_finish (engine, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gboolean
rule_engine_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Tasks hand their last reference back to this thread: wait for the
 * engine to go, then drop the apps. */
void
rule_close_engine (ConcordEngine **engine)
{
  g_object_add_weak_pointer (G_OBJECT (*engine), (gpointer *) engine);
  concord_engine_stop (*engine);
  g_object_unref (*engine);
  g_assert_true (concord_test_wait_until (rule_engine_gone, engine, 10000));
  g_clear_object (&rule_sides[0]);
  g_clear_object (&rule_sides[1]);
}
