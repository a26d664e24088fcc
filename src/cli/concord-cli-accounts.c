/* concord-cli-accounts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * concord-cli's `apps` and `account` commands.
 */

#define G_LOG_DOMAIN "concord-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-cli-private.h"

/* ------------------------------------------------------------------------- */
/* apps                                                                      */
/* ------------------------------------------------------------------------- */

static const char *
kind_name (ConcordAppFieldKind kind)
{
  switch (kind)
    {
    case CONCORD_APP_FIELD_SECRET: return "secret";
    case CONCORD_APP_FIELD_TEXT:   return "text";
    case CONCORD_APP_FIELD_URL:    return "URL";
    case CONCORD_APP_FIELD_FOLDER: return "folder";
    case CONCORD_APP_FIELD_FILE:   return "file";
    case CONCORD_APP_FIELD_CHOICE: return "choice";
    default:                       return "?";
    }
}

/* The apps Concord connects, and what `account add` takes for each: each
 * field of its account form by its key, as --KEY VALUE and --option
 * KEY=VALUE; with --json, the same as an array for scripts. */
int
concord_cli_list_apps (gboolean json)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const ConcordAppInfo **apps;
  guint n_apps;

  json_builder_begin_array (builder);
  apps = concord_app_registry_list (&n_apps);
  for (guint i = 0; i < n_apps; i++)
    {
      const ConcordAppInfo *app = apps[i];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, app->id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, concord_app_info_get_name (app));
      json_builder_set_member_name (builder, "demo");
      json_builder_add_boolean_value (builder, app->demo);
      json_builder_set_member_name (builder, "fields");
      json_builder_begin_array (builder);
      if (!json)
        g_print ("%s\t%s%s\n", app->id, concord_app_info_get_name (app),
                 app->demo ? " (sample data)" : "");
      for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
        {
          gboolean secret = field->kind == CONCORD_APP_FIELD_SECRET;

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "key");
          json_builder_add_string_value (builder, field->key);
          json_builder_set_member_name (builder, "label");
          json_builder_add_string_value (builder, concord_app_field_get_label (field));
          json_builder_set_member_name (builder, "kind");
          json_builder_add_string_value (builder, kind_name (field->kind));
          json_builder_set_member_name (builder, "required");
          json_builder_add_boolean_value (builder, field->required);
          json_builder_set_member_name (builder, "stdin");
          json_builder_add_boolean_value (builder, secret);
          json_builder_end_object (builder);

          if (json)
            continue;
          if (secret)
            g_print ("  %-20s %s, %s%s\n", "(standard input)", concord_app_field_get_label (field),
                     kind_name (field->kind), field->required ? ", required" : "");
          else
            {
              g_autofree char *option = g_strdelimit (g_strconcat ("--", field->key, NULL), "_", '-');

              g_print ("  %-20s %s, %s%s (--option %s=…)\n", option,
                       concord_app_field_get_label (field), kind_name (field->kind),
                       field->required ? ", required" : "", field->key);
            }
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      if (json)
        continue;
      if (app->key_help != NULL)
        g_print ("  %s\n", g_dgettext (GETTEXT_PACKAGE, app->key_help));
      if (app->key_url != NULL)
        g_print ("  %s\n", app->key_url);
    }
  json_builder_end_array (builder);

  if (json)
    concord_cli_print_json (builder);
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------- */
/* account                                                                   */
/* ------------------------------------------------------------------------- */

/* Checks @secret with @app_id's app, with the account's options, as the
 * app does before it keeps a key. */
static gboolean
check_key (const char  *app_id,
           const char  *options_json,
           const char  *secret,
           GError     **error)
{
  g_autoptr(ConcordConnector) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  connector = concord_app_registry_create_connector (app_id, options_json, secret, error);
  if (connector == NULL)
    return FALSE;
  concord_connector_verify_async (connector, NULL, concord_cli_result_cb, &slot);
  result = concord_cli_wait_for (&slot);
  return concord_connector_verify_finish (connector, result, error);
}

/* Puts @secret in the keyring as the key of account @id (replacing the
 * one it had). */
static gboolean
keep_key (ConcordSecretStore  *secrets,
          const char          *id,
          const char          *app_id,
          const char          *account_name,
          const char          *secret,
          GError             **error)
{
  g_autofree char *label = g_strdup_printf ("Concord: %s key for %s", concord_app_registry_get_name (app_id),
                                            account_name);
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_secret_store_store_async (secrets, id, app_id, label, secret, NULL, concord_cli_result_cb, &slot);
  result = concord_cli_wait_for (&slot);
  return concord_secret_store_store_finish (secrets, result, error);
}

/* account add's options: --name, --option, and one for each option any
 * app's accounts take (@keys), whose values go to @values. */
static void
fill_add_entries (GOptionEntry  *entries,
                  GPtrArray     *keys,
                  GPtrArray     *long_names,
                  char         **values,
                  char         **name,
                  char        ***options)
{
  entries[0] = (GOptionEntry) { "name", 0, 0, G_OPTION_ARG_STRING, name,
                                /* Translators: concord-cli account add --help: --name's description */
                                N_("Name of the account"),
                                /* Translators: concord-cli --help: the placeholder of a name
                                 * (an account's, a connection's) */
                                N_("NAME") };
  entries[1] = (GOptionEntry) { "option", 0, 0, G_OPTION_ARG_STRING_ARRAY, options,
                                /* Translators: concord-cli account add --help: --option's
                                 * description */
                                N_("An option of the app, as KEY=VALUE"),
                                /* Translators: concord-cli account add --help: the
                                 * placeholder of --option's value: keep the "=" */
                                N_("KEY=VALUE") };
  for (guint i = 0; i < keys->len; i++)
    {
      char *long_name = g_strdelimit (g_strdup (g_ptr_array_index (keys, i)), "_", '-');

      g_ptr_array_add (long_names, long_name);
      entries[2 + i] = (GOptionEntry) { long_name, 0, 0, G_OPTION_ARG_STRING, &values[i],
                                        /* Translators: concord-cli account add --help: the
                                         * description of each app's option; keep the command */
                                        N_("An option of the app (see `concord-cli apps`)"),
                                        /* Translators: concord-cli account add --help: the
                                         * placeholder of an option's value */
                                        N_("VALUE") };
    }
}

/* The key did not pass its app's check: what went wrong from the error's
 * code, as the app and `sync` word it ("HubSpot refused Concord’s API
 * key"), then the app's words. */
static void
say_key_refused (const char           *name,
                 const ConcordAppInfo *app,
                 const GError         *error)
{
  g_autofree char *title = NULL;
  g_autofree char *fix = NULL;

  concord_error_explain (concord_error_code_of (error), concord_app_info_get_name (app), NULL,
                         &title, &fix);
  /* Translators: an account name, what went wrong ("HubSpot refused Concord’s API
   * key"), then the app's own words */
  g_printerr (_("concord-cli: %s: the key did not pass the app's check, nothing was added: "
                "%s (%s)\n"), name, title, error->message);
}

/* Takes back the key of an account that could not be added. */
static void
forget_key (ConcordSecretStore *secrets,
            const char         *id)
{
  g_autoptr(GAsyncResult) cleared = NULL;
  GAsyncResult *slot = NULL;

  concord_secret_store_clear_async (secrets, id, NULL, concord_cli_result_cb, &slot);
  cleared = concord_cli_wait_for (&slot);
  concord_secret_store_clear_finish (secrets, cleared, NULL);
}

int
concord_cli_account_add (ConcordCli  *cli,
                         int          argc,
                         char       **argv)
{
  /* Translators: concord-cli account add --help: the placeholder of the
   * app's id (as `concord-cli apps` lists them) */
  g_autoptr(GOptionContext) context = g_option_context_new (N_("APP"));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) options = NULL;
  g_autofree char *options_json = NULL;
  g_autofree char *id = NULL;
  g_auto(ConcordSecretString) secret = NULL;
  g_autoptr(ConcordSecretStore) secrets = NULL;
  g_autoptr(GPtrArray) keys = concord_cli_field_keys ();
  g_autoptr(GPtrArray) long_names = g_ptr_array_new_with_free_func (g_free);
  g_autofree GOptionEntry *entries = g_new0 (GOptionEntry, keys->len + 3);
  g_autofree char **values = g_new0 (char *, keys->len + 1);
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  const ConcordAppInfo *app;

  fill_add_entries (entries, keys, long_names, values, &name, &options);

  /* What its --help calls it. */
  g_set_prgname ("concord-cli account add");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Its parameter string (N_() above) in the same domain. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return concord_cli_usage (error->message);
  /* Parsed (a failed parse sets none): the values are freed with @owned. */
  for (guint i = 0; i < keys->len; i++)
    g_ptr_array_add (owned, values[i]);
  if (argc != 2 || name == NULL || *name == '\0')
    return concord_cli_usage (_("account add needs an APP and --name"));

  app = concord_app_registry_lookup (argv[1]);
  if (app == NULL)
    {
      g_autofree char *known = concord_app_registry_list_ids ();
      /* Translators: concord-cli: a usage error; the first %s is what was
       * given as the app, the second the apps' ids, separated by commas */
      g_autofree char *problem = g_strdup_printf (_("unknown app “%s” (known: %s)"), argv[1], known);

      return concord_cli_usage (problem);
    }

  /* Before the key is read: a refused option (a key given as one would be
   * stored in clear) changes nothing. */
  options_json = concord_cli_options_to_json (app, options, keys, values, &error);
  if (options_json == NULL || !concord_app_info_check_entry (app, options_json, NULL, &error))
    return concord_cli_usage (error->message);

  /* Refused before the key is read, checked or kept: a name that cannot
   * be, or that another account has. */
  if (!concord_store_check_name (name, &error) || !concord_cli_open_store (cli, &error) ||
      !concord_store_check_account_name (cli->store, name, &error))
    return concord_cli_fail (error);

  /* An app without a secret (a local file) reads none. */
  if (concord_app_info_get_secret_field (app) == NULL)
    secret = g_strdup ("");
  else if ((secret = concord_cli_read_secret (&error)) == NULL ||
           !concord_app_field_validate (concord_app_info_get_secret_field (app), secret, &error))
    return concord_cli_fail (error);

  /* The key is checked with its app first, as the app does: a wrong key
   * (or an app that cannot be reached) stores nothing. */
  if (!check_key (app->id, options_json, secret, &error))
    {
      say_key_refused (name, app, error);
      return EXIT_FAILURE;
    }

  /* The key first: an account whose key could not be kept is no account. */
  id = g_uuid_string_random ();
  secrets = concord_secret_store_new ();
  if (!keep_key (secrets, id, app->id, name, secret, &error))
    return concord_cli_fail (error);

  if (!concord_store_add_account (cli->store, id, app->id, name, options_json, &error))
    {
      forget_key (secrets, id);
      return concord_cli_fail (error);
    }

  g_print ("Added account %s (%s)\n", name, concord_app_info_get_name (app));
  return EXIT_SUCCESS;
}

int
concord_cli_account_list (ConcordCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;

  g_autoptr(GPtrArray) users = NULL;

  if (!concord_cli_open_store (cli, &error) ||
      (accounts = concord_store_list_accounts (cli->store, &error)) == NULL)
    return concord_cli_fail (error);

  /* Each account's connections, in the order of the accounts. */
  users = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *row = g_ptr_array_index (accounts, i);
      GPtrArray *connections = concord_store_list_account_connections (cli->store, row->id, &error);

      if (connections == NULL)
        return concord_cli_fail (error);
      g_ptr_array_add (users, connections);
    }

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < accounts->len; i++)
        {
          ConcordAccountRow *row = g_ptr_array_index (accounts, i);
          GPtrArray *connections = g_ptr_array_index (users, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, row->name);
          json_builder_set_member_name (builder, "app");
          json_builder_add_string_value (builder, row->app_id);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, row->id);
          json_builder_set_member_name (builder, "connections");
          json_builder_begin_array (builder);
          for (guint j = 0; j < connections->len; j++)
            json_builder_add_string_value (builder,
                                           ((ConcordConnectionRow *) g_ptr_array_index (connections, j))->name);
          json_builder_end_array (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      concord_cli_print_json (builder);
      return EXIT_SUCCESS;
    }

  /* NAME, APP, then the connections that use it, comma-separated (names
   * cannot hold a tab or a line break; see concord_store_check_name()). */
  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *row = g_ptr_array_index (accounts, i);
      GPtrArray *connections = g_ptr_array_index (users, i);
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint j = 0; j < connections->len; j++)
        g_string_append_printf (names, "%s%s", j == 0 ? "" : ", ",
                                ((ConcordConnectionRow *) g_ptr_array_index (connections, j))->name);
      g_print ("%s\t%s\t%s\n", row->name, row->app_id, names->len > 0 ? names->str : "-");
    }
  return EXIT_SUCCESS;
}

/* Replaces an account's key with the one on standard input, once its app
 * accepts it with the account's options; a refused key changes nothing. */
int
concord_cli_account_set_key (ConcordCli *cli,
                             const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autoptr(ConcordSecretStore) secrets = NULL;
  g_auto(ConcordSecretString) secret = NULL;

  /* The account first: nothing is read for one that does not exist. */
  if (!concord_cli_open_store (cli, &error) ||
      (account = concord_store_get_account (cli->store, name, &error)) == NULL)
    return concord_cli_fail (error);

  secret = concord_cli_read_secret (&error);
  if (secret == NULL)
    return concord_cli_fail (error);

  if (!check_key (account->app_id, account->options_json, secret, &error))
    {
      /* Translators: the first %s is an account name, the second why the app refused the key */
      g_printerr (_("concord-cli: %s: the app did not accept the new key, the old one stays: %s\n"),
                  account->name, error->message);
      return CONCORD_CLI_EXIT_KEY_REFUSED;
    }

  /* Same id, same attributes: the keyring replaces the old key. */
  secrets = concord_secret_store_new ();
  if (!keep_key (secrets, account->id, account->app_id, account->name, secret, &error))
    return concord_cli_fail (error);

  /* Translators: %s is an account name */
  g_print (_("Replaced the key of %s; its connections use it from their next sync\n"), account->name);
  return EXIT_SUCCESS;
}

int
concord_cli_account_rename (ConcordCli *cli,
                            const char *old_name,
                            const char *new_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;

  if (!concord_cli_open_store (cli, &error) ||
      (account = concord_store_get_account (cli->store, old_name, &error)) == NULL ||
      !concord_store_rename_account (cli->store, account->id, new_name, &error))
    return concord_cli_fail (error);

  /* Translators: the first %s is the account's old name, the second its new one */
  g_print (_("Renamed account %s to %s\n"), account->name, new_name);
  return EXIT_SUCCESS;
}

int
concord_cli_account_remove (ConcordCli *cli,
                            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  if (!concord_cli_open_store (cli, &error) ||
      (account = concord_store_get_account (cli->store, name, &error)) == NULL ||
      !concord_store_remove_account (cli->store, account->id, &error))
    return concord_cli_fail (error);

  concord_secret_store_clear_async (secrets, account->id, NULL, concord_cli_result_cb, &slot);
  result = concord_cli_wait_for (&slot);
  if (!concord_secret_store_clear_finish (secrets, result, &error))
    /* Translators: %s says why (a keyring's error message) */
    g_printerr (_("concord-cli: the account is removed, but its key may still be in the keyring: %s\n"),
                error->message);

  g_print ("Removed account %s\n", name);
  return EXIT_SUCCESS;
}

/* An app without a secret (an address book on this computer) has no key
 * to check: verify checks the app itself, by listing its address books
 * (GNOME Contacts: Evolution Data Server answers; a vCard folder: the
 * folder can be read), and says so. */
int
concord_cli_account_verify (ConcordCli *cli,
                            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) types = NULL;
  const ConcordAppInfo *app;
  GAsyncResult *slot = NULL;

  if (!concord_cli_open_store (cli, &error) ||
      (account = concord_store_get_account (cli->store, name, &error)) == NULL)
    return concord_cli_fail (error);

  app = concord_app_registry_lookup (account->app_id);
  if (app != NULL && app->auth == CONCORD_APP_AUTH_NONE)
    connector = concord_app_registry_create_connector (account->app_id, account->options_json, "",
                                                       &error);
  else
    connector = concord_cli_connector_for (account, &error);
  if (connector == NULL)
    return concord_cli_fail (error);

  concord_connector_verify_async (connector, NULL, concord_cli_result_cb, &slot);
  result = concord_cli_wait_for (&slot);
  if (!concord_connector_verify_finish (connector, result, &error))
    return concord_cli_fail (error);

  if (app == NULL || app->auth != CONCORD_APP_AUTH_NONE)
    {
      g_print ("The key of %s works\n", name);
      return EXIT_SUCCESS;
    }

  types = concord_connector_list_contact_types_sync (connector, NULL, &error);
  if (types == NULL)
    {
      g_prefix_error (&error, "Account %s: ", account->name);
      return concord_cli_fail (error);
    }

  /* Translators: %s is an app's name, %u a number of address books */
  g_print (ngettext ("%s is reachable: %u address book.\n", "%s is reachable: %u address books.\n",
                     types->len),
           concord_app_info_get_name (app), types->len);
  return EXIT_SUCCESS;
}
