/* concord-cli-helpers.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What concord-cli's commands share: errors and exit codes, waiting for
 * results, the store, JSON output, API keys and connectors, and an
 * account's options from the command line.
 */

#define G_LOG_DOMAIN "concord-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "concord-cli-private.h"

int
concord_cli_exit_code_for (const GError *error)
{
  return g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_BUSY) ? CONCORD_CLI_EXIT_BUSY : EXIT_FAILURE;
}

int
concord_cli_fail (const GError *error)
{
  g_printerr ("concord-cli: %s\n", error->message);
  return concord_cli_exit_code_for (error);
}

/* The code of an error, for scripts reading JSON: the nick the store
 * keeps too (concord_error_to_nick()). */
const char *
concord_cli_error_code_name (const GError *error)
{
  return concord_error_to_nick (concord_error_code_of (error));
}

void
concord_cli_result_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The CLI is a process of its own: waiting here blocks no window. */
GAsyncResult *
concord_cli_wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (slot);
}

gboolean
concord_cli_open_store (ConcordCli  *cli,
                        GError     **error)
{
  g_autofree char *path = NULL;

  if (cli->data_dir == NULL)
    cli->data_dir = g_strdup (g_getenv ("CONCORD_DATA_DIR"));
  if (cli->data_dir == NULL)
    cli->data_dir = g_build_filename (g_get_user_data_dir (), "concord", NULL);

  path = g_build_filename (cli->data_dir, "state.sqlite", NULL);
  cli->store = concord_store_new (path, error);
  return cli->store != NULL;
}

void
concord_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* The API key, from standard input: a line, trimmed. */
char *
concord_cli_read_secret (GError **error)
{
  GString *secret = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (secret, (char) c);
  g_strstrip (secret->str);
  secret->len = strlen (secret->str);

  if (secret->len == 0)
    {
      g_string_free (secret, TRUE);
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                           "No API key on standard input");
      return NULL;
    }

  return g_string_free (secret, FALSE);
}

char *
concord_cli_lookup_secret (const char  *account_id,
                           GError     **error)
{
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_secret_store_lookup_async (secrets, account_id, NULL, concord_cli_result_cb, &slot);
  result = concord_cli_wait_for (&slot);
  return concord_secret_store_lookup_finish (secrets, result, error);
}

ConcordConnector *
concord_cli_connector_for (ConcordAccountRow  *account,
                           GError            **error)
{
  g_auto(ConcordSecretString) secret = concord_cli_lookup_secret (account->id, error);

  if (secret == NULL)
    {
      g_prefix_error (error, "Account %s: ", account->name);
      return NULL;
    }

  return concord_app_registry_create_connector (account->app_id, account->options_json, secret, error);
}

GPtrArray *
concord_cli_load_schema (ConcordConnector  *connector,
                         const char        *type,
                         GError           **error)
{
  return concord_connector_load_schema_sync (connector, type, NULL, error);
}

/* @text as one word of a command to copy: as it is when the shell leaves
 * it so, quoted otherwise. */
char *
concord_cli_shell_word (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.,@+:/", *p) == NULL)
      return g_shell_quote (text);

  return g_strdup (text);
}

gboolean
concord_cli_option_given_twice (const char  *key,
                                GError     **error)
{
  g_autofree char *long_name = g_strdelimit (g_strdup (key), "_", '-');

  g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
               /* Translators: the option's key twice ("base_url"), then as a command-line
                * option ("base-url") */
               _("The option “%s” is given twice (as --option %s=… or --%s): give it once"),
               key, key, long_name);
  return FALSE;
}

/* Every field @app requires (but its secret, read from standard input) is
 * in @options: a missing one is named by its key, as it is typed. Options
 * that are not the app's are left to concord_app_info_check_entry(), which
 * names them (and says where keys go) first. */
gboolean
concord_cli_check_required_options (const ConcordAppInfo  *app,
                                    JsonObject            *options,
                                    GError               **error)
{
  g_autoptr(GList) members = json_object_get_members (options);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      const ConcordAppField *field = concord_app_info_find_field (app, l->data);

      if (field == NULL || field->kind == CONCORD_APP_FIELD_SECRET)
        return TRUE;
    }

  for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
    {
      g_autofree char *long_name = NULL;
      const char *value;

      if (!field->required || field->kind == CONCORD_APP_FIELD_SECRET)
        continue;
      value = json_object_get_string_member_with_default (options, field->key, NULL);
      if (value != NULL && *value != '\0')
        continue;

      long_name = g_strdelimit (g_strdup (field->key), "_", '-');
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                   /* Translators: an app's name, a field's name ("Pod"), its option's key
                    * twice ("pod"), then as a command-line option */
                   _("%s needs the option “%s” (%s): give --option %s=VALUE or --%s VALUE"),
                   concord_app_info_get_name (app), field->key, concord_app_field_get_label (field),
                   field->key, long_name);
      return FALSE;
    }

  return TRUE;
}

/* The account's options JSON: the --option KEY=VALUE pairs, then the
 * app's fields given as --KEY VALUE (@values, one per key of @keys), each
 * value cleaned up as the app keeps it; a key given twice, or a required
 * one missing, is refused naming the key. */
char *
concord_cli_options_to_json (const ConcordAppInfo  *app,
                             char                 **options,
                             GPtrArray             *keys,
                             char                 **values,
                             GError               **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object;

  json_node_take_object (root, json_object_new ());
  object = json_node_get_object (root);

  for (guint i = 0; options != NULL && options[i] != NULL; i++)
    {
      const char *eq = strchr (options[i], '=');
      g_autofree char *key = NULL;

      if (eq == NULL || eq == options[i])
        {
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_INVALID,
                       "--option takes KEY=VALUE, not “%s”", options[i]);
          return NULL;
        }
      key = g_strndup (options[i], eq - options[i]);
      if (json_object_has_member (object, key))
        return (concord_cli_option_given_twice (key, error), NULL);
      json_object_set_string_member (object, key, eq + 1);
    }
  for (guint i = 0; i < keys->len; i++)
    if (values[i] != NULL)
      {
        const char *key = g_ptr_array_index (keys, i);

        if (json_object_has_member (object, key))
          return (concord_cli_option_given_twice (key, error), NULL);
        json_object_set_string_member (object, key, values[i]);
      }

  /* As the app keeps them: "Tier, ,Shoe size" is "Tier,Shoe size". */
  for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
    {
      const char *value = json_object_get_string_member_with_default (object, field->key, NULL);
      g_autofree char *kept = NULL;

      if (value == NULL || field->kind == CONCORD_APP_FIELD_SECRET ||
          json_node_get_value_type (json_object_get_member (object, field->key)) != G_TYPE_STRING)
        continue;
      kept = concord_app_field_normalize (field, value);
      json_object_set_string_member (object, field->key, kept);
    }
  if (!concord_cli_check_required_options (app, object, error))
    return NULL;

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* The keys of every app's fields but secrets, once each, in the order of
 * the registry: each is an option --KEY of `account add` (with '-' for
 * '_'), checked against the app's own fields afterwards. */
GPtrArray *
concord_cli_field_keys (void)
{
  GPtrArray *keys = g_ptr_array_new ();
  const ConcordAppInfo **apps;
  guint n_apps;

  apps = concord_app_registry_list (&n_apps);
  for (guint i = 0; i < n_apps; i++)
    for (const ConcordAppField *field = apps[i]->fields; field->key != NULL; field++)
      if (field->kind != CONCORD_APP_FIELD_SECRET &&
          !g_ptr_array_find_with_equal_func (keys, field->key, g_str_equal, NULL))
        g_ptr_array_add (keys, (gpointer) field->key);

  return keys;
}
