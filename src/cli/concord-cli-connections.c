/* concord-cli-connections.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * concord-cli's `connection` commands: add, list and show, remove,
 * enable and disable (export and import are in concord-cli-sync.c, with
 * the sides they open).
 */

#define G_LOG_DOMAIN "concord-cli"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-cli-private.h"

/* ------------------------------------------------------------------------- */
/* connection                                                                */
/* ------------------------------------------------------------------------- */

/* The contact types of @account, as its app lists them (a mailing tool's
 * audiences come from its API), each a ConcordContactType; @connector_out
 * (nullable) gets the connector that listed them. */
static GPtrArray *
list_contact_types (ConcordAccountRow  *account,
                    ConcordConnector  **connector_out,
                    GError            **error)
{
  g_autoptr(ConcordConnector) connector = concord_cli_connector_for (account, error);
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *types;

  if (connector == NULL)
    return NULL;
  concord_connector_list_contact_types_async (connector, NULL, concord_cli_result_cb, &slot);
  result = concord_cli_wait_for (&slot);
  types = concord_connector_list_contact_types_finish (connector, result, error);
  if (types != NULL && connector_out != NULL)
    *connector_out = g_steal_pointer (&connector);
  return types;
}

static char *
join_type_ids (GPtrArray *types)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < types->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? ", " : "",
                            ((ConcordContactType *) g_ptr_array_index (types, i))->id);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* "people, leads", or with names where they are not the ids:
 * "/alice/work/ “Work”, /alice/home/ “Home”". */
static char *
join_type_names (GPtrArray *types)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < types->len; i++)
    {
      ConcordContactType *type = g_ptr_array_index (types, i);

      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", type->id);
      if (type->label != NULL && g_ascii_strcasecmp (type->label, type->id) != 0)
        g_string_append_printf (names, " “%s”", type->label);
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* "ACCOUNT[:TYPE]": the account's id and the contact type. A TYPE is what
 * the app's connector takes to name one (concord_connector_type_matches():
 * the type's id, its name in any case, an address book's path); when the
 * app cannot list its types, it is taken as an id. Without a TYPE, the one
 * the app lists when it lists one, else "contacts" when it is among them
 * (Elastic Email's); an app with several and no "contacts" (the Sample
 * CRM's people and leads, Mailchimp's audiences) needs the TYPE, and the
 * error lists them. */
static gboolean
split_side (ConcordStore  *store,
            const char    *text,
            char         **account_id,
            char         **type,
            GError       **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", 2);
  g_autoptr(ConcordAccountRow) account = concord_store_get_account (store, parts[0], error);
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  g_autofree char *ids = NULL;

  if (account == NULL)
    return FALSE;

  *account_id = g_strdup (account->id);
  if (parts[1] != NULL && *parts[1] != '\0')
    {
      g_autoptr(GError) local_error = NULL;

      if ((types = list_contact_types (account, &connector, &local_error)) == NULL)
        {
          g_debug ("Could not list the contact types of %s: %s", account->name,
                   local_error->message);
          *type = g_strdup (parts[1]);
          return TRUE;
        }
      for (guint i = 0; i < types->len; i++)
        if (concord_connector_type_matches (connector, g_ptr_array_index (types, i), parts[1]))
          {
            *type = g_strdup (((ConcordContactType *) g_ptr_array_index (types, i))->id);
            return TRUE;
          }
      ids = join_type_names (types);
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   /* Translators: a contact type's name as typed, an account's name,
                    * then the ids (and names) of its contact types */
                   _("“%s” is not a contact type of %s (it has: %s)"), parts[1], account->name,
                   ids);
      return FALSE;
    }

  if ((types = list_contact_types (account, NULL, error)) == NULL)
    {
      /* Translators: an account's name twice */
      g_prefix_error (error, _("Could not list the contact types of %s (give one as %s:TYPE): "),
                      account->name, account->name);
      return FALSE;
    }
  for (guint i = 0; i < types->len; i++)
    {
      ConcordContactType *listed = g_ptr_array_index (types, i);

      if (types->len == 1 || g_str_equal (listed->id, "contacts"))
        {
          *type = g_strdup (listed->id);
          return TRUE;
        }
    }

  if (types->len == 0)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   /* Translators: an account's name */
                   _("%s lists no contact type to sync"), account->name);
      return FALSE;
    }
  ids = join_type_ids (types);
  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
               /* Translators: an account's name twice, then the ids of its contact types */
               _("%s has several contact types: give one as %s:TYPE (%s)"), account->name,
               account->name, ids);
  return FALSE;
}

int
concord_cli_connection_add (ConcordCli  *cli,
                            int          argc,
                            char       **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("NAME"));
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL, *direction = NULL, *prefer = NULL;
  g_autofree char *account_a = NULL, *type_a = NULL, *account_b = NULL, *type_b = NULL;
  ConcordConnectionRow row = { 0 };
  GOptionEntry entries[] = {
    { "a", 0, 0, G_OPTION_ARG_STRING, &a,
      /* Translators: concord-cli connection add --help: --a's description */
      N_("The account of side A"),
      /* Translators: concord-cli connection add --help: the placeholder of
       * --a's and --b's value: an account's name, then optionally a colon
       * and a contact type; keep "[:" and "]" */
      N_("ACCOUNT[:TYPE]") },
    { "b", 0, 0, G_OPTION_ARG_STRING, &b,
      /* Translators: concord-cli connection add --help: --b's description */
      N_("The account of side B"), N_("ACCOUNT[:TYPE]") },
    { "direction", 0, 0, G_OPTION_ARG_STRING, &direction,
      /* Translators: concord-cli connection add --help: --direction's
       * description; keep the values (both, a-to-b, b-to-a) as they are */
      N_("Which way contacts go: both, a-to-b or b-to-a"),
      /* Translators: concord-cli connection add --help: the placeholder of
       * --direction's value */
      N_("DIRECTION") },
    { "prefer", 0, 0, G_OPTION_ARG_STRING, &prefer,
      /* Translators: concord-cli connection add --help: --prefer's
       * description; keep the values (a, b, newest) as they are */
      N_("Whose change wins when both sides changed a field: a, b or newest"),
      /* Translators: concord-cli connection add --help: the placeholder of
       * --prefer's value, a side */
      N_("SIDE") },
    { NULL }
  };

  /* What its --help calls it. */
  g_set_prgname ("concord-cli connection add");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Its parameter string (N_() above) in the same domain. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return concord_cli_usage (error->message);
  if (argc != 2 || a == NULL || b == NULL)
    return concord_cli_usage (_("connection add needs a NAME, --a and --b"));

  row.direction = CONCORD_DIRECTION_BOTH;
  row.prefer = CONCORD_PREFER_NEWEST;
  if (direction != NULL && !concord_direction_from_string (direction, &row.direction))
    /* Translators: concord-cli: a usage error; keep the option and its values */
    return concord_cli_usage (_("--direction is both, a-to-b or b-to-a"));
  if (prefer != NULL && !concord_prefer_from_string (prefer, &row.prefer))
    /* Translators: concord-cli: a usage error; keep the option and its values */
    return concord_cli_usage (_("--prefer is a, b or newest"));

  if (!concord_cli_open_store (cli, &error) ||
      !split_side (cli->store, a, &account_a, &type_a, &error) ||
      !split_side (cli->store, b, &account_b, &type_b, &error))
    return concord_cli_fail (error);

  row.name = argv[1];
  row.account_a = account_a;
  row.type_a = type_a;
  row.account_b = account_b;
  row.type_b = type_b;
  row.enabled = TRUE;
  if (concord_store_add_connection (cli->store, &row, &error) == 0)
    return concord_cli_fail (error);

  g_print ("Added connection %s\n", argv[1]);
  return EXIT_SUCCESS;
}

/* An account's name for people, from its id; the id if it is gone. */
static const char *
account_name (ConcordStore *store,
              const char   *account_id)
{
  static GHashTable *names;
  ConcordAccountRow *row;

  if (names == NULL)
    names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!g_hash_table_contains (names, account_id))
    {
      row = concord_store_get_account (store, account_id, NULL);
      g_hash_table_insert (names, g_strdup (account_id),
                           g_strdup (row != NULL ? row->name : account_id));
      concord_account_row_free (row);
    }

  return g_hash_table_lookup (names, account_id);
}

static void
build_connection (JsonBuilder          *builder,
                  ConcordConnectionRow *row,
                  ConcordStore         *store)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, row->name);
  json_builder_set_member_name (builder, "a");
  json_builder_add_string_value (builder, account_name (store, row->account_a));
  json_builder_set_member_name (builder, "type_a");
  json_builder_add_string_value (builder, row->type_a);
  json_builder_set_member_name (builder, "b");
  json_builder_add_string_value (builder, account_name (store, row->account_b));
  json_builder_set_member_name (builder, "type_b");
  json_builder_add_string_value (builder, row->type_b);
  json_builder_set_member_name (builder, "direction");
  json_builder_add_string_value (builder, concord_direction_to_string (row->direction));
  json_builder_set_member_name (builder, "prefer");
  json_builder_add_string_value (builder, concord_prefer_to_string (row->prefer));
  json_builder_set_member_name (builder, "enabled");
  json_builder_add_boolean_value (builder, row->enabled);
  json_builder_set_member_name (builder, "links");
  json_builder_add_int_value (builder, concord_store_count_links (store, row->id, NULL));
  json_builder_end_object (builder);
}

int
concord_cli_connection_list (ConcordCli *cli,
                             const char *only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint shown = 0;

  if (!concord_cli_open_store (cli, &error) ||
      (connections = concord_store_list_connections (cli->store, &error)) == NULL)
    return concord_cli_fail (error);

  if (only == NULL)
    json_builder_begin_array (builder);

  for (guint i = 0; i < connections->len; i++)
    {
      ConcordConnectionRow *row = g_ptr_array_index (connections, i);

      if (only != NULL && g_strcmp0 (row->name, only) != 0)
        continue;
      shown++;

      if (cli->json)
        build_connection (builder, row, cli->store);
      else
        g_print ("%s\t%s\t%s ↔ %s\t%s\t%" G_GINT64_FORMAT " linked\n", row->name,
                 row->enabled ? "on" : "off", account_name (cli->store, row->account_a),
                 account_name (cli->store, row->account_b),
                 concord_direction_to_string (row->direction),
                 concord_store_count_links (cli->store, row->id, NULL));
    }

  if (only != NULL && shown == 0)
    {
      /* Translators: %s is the name given on the command line */
      g_printerr (_("concord-cli: no connection named “%s”\n"), only);
      return EXIT_FAILURE;
    }

  if (only == NULL)
    json_builder_end_array (builder);
  if (cli->json)
    concord_cli_print_json (builder);

  return EXIT_SUCCESS;
}

int
concord_cli_connection_simple (ConcordCli *cli,
                               const char *verb,
                               const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  gboolean ok;

  if (!concord_cli_open_store (cli, &error) ||
      (row = concord_store_get_connection (cli->store, name, &error)) == NULL)
    return concord_cli_fail (error);

  if (g_str_equal (verb, "remove"))
    {
      /* Never under a run: the store waits for it to end. */
      if (concord_store_is_run_going (cli->store, row->id))
        /* Translators: %s is a connection name */
        g_printerr (_("concord-cli: waiting for the sync of “%s” to finish…\n"), name);
      ok = concord_store_remove_connection (cli->store, row->id, &error);
    }
  else
    ok = concord_store_set_connection_enabled (cli->store, row->id, g_str_equal (verb, "enable"), &error);

  if (!ok)
    return concord_cli_fail (error);

  g_print ("%s: %s\n", name, g_str_equal (verb, "remove") ? "removed" :
                             g_str_equal (verb, "enable") ? "on" : "off");
  return EXIT_SUCCESS;
}
