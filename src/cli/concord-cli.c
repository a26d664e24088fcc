/* concord-cli.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * concord-cli: Concord's engine and store without a window, for scripting,
 * cron, tests and benchmarks. It uses the same database and the same
 * keyring entries as the app.
 *
 * Exit codes (also in the usage text and the README): 0 success, 1 failure
 * (with a message on stderr), 2 usage, 3 a sync of the connection is
 * already running (in the app or another concord-cli: one run per
 * connection at a time), 4 the sync ran but some contacts could not be
 * written (the journal says why; the next sync retries them), 5 the app
 * refused the API key given to `account set-key` (the old key stays).
 * `sync --json` prints a JSON object on standard output whatever happens.
 * API keys are read from standard input, checked with their app, and go
 * to the keyring only.
 */

#define G_LOG_DOMAIN "concord-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>

#include "concord-app-registry.h"
#include "concord-engine-activity.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-mapping.h"
#include "concord-rules.h"
#include "concord-secret-store.h"
#include "concord-store.h"
#include "concord-sync-run.h"

#define EXIT_USAGE 2
#define EXIT_BUSY 3
#define EXIT_PARTIAL 4
#define EXIT_KEY_REFUSED 5

typedef struct
{
  char         *data_dir;
  ConcordStore *store;
  gboolean      json;
} Cli;

/* The commands, as --help and a usage error list them: each one's syntax
 * (whose words in capitals are placeholders) and what it does, translated
 * at run time. */
static const struct
{
  const char *syntax;
  const char *help;
} commands[] = {
  { "apps [--json]",
    /* Translators: concord-cli --help: what `concord-cli apps` prints */
    N_("The apps, and the options of their accounts") },
  /* Translators: concord-cli --help: the syntax of a command. Keep the
   * command, the options (--name, --option) and the punctuation as they
   * are; APP, NAME, OPTION, VALUE and KEY are placeholders you may
   * translate (in capitals, one word each) */
  { N_("account add APP --name NAME [--OPTION VALUE]… [--option KEY=VALUE]…"),
    /* Translators: concord-cli --help: what `account add` does */
    N_("Adds an account; its API key is read from standard input (`apps` lists each app's options)") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "account set-key"; NAME is a placeholder (an account's name) */
  { N_("account set-key NAME"),
    /* Translators: concord-cli --help: what `account set-key` does */
    N_("Replaces an account's API key with one read from standard input, once the app accepts it") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "account rename"; OLD and NEW are placeholders (an account's names) */
  { N_("account rename OLD NEW"),
    /* Translators: concord-cli --help: what `account rename` does */
    N_("Renames an account") },
  { "account list [--json]",
    /* Translators: concord-cli --help: what `account list` prints */
    N_("The accounts, with the connections that use each one") },
  /* Translators: concord-cli --help: the syntax of two commands. Keep
   * "account remove", "verify" and "|"; NAME is a placeholder (an
   * account's name) */
  { N_("account remove NAME | verify NAME"),
    /* Translators: concord-cli --help: what `account remove` and
     * `account verify` do */
    N_("Removes an account no connection uses, or checks its key with its app") },
  /* Translators: concord-cli --help: the syntax of a command. Keep the
   * command, the options and their values (both, a-to-b, b-to-a, a, b,
   * newest) as they are; NAME, ACCOUNT and TYPE are placeholders */
  { N_("connection add NAME --a ACCOUNT[:TYPE] --b ACCOUNT[:TYPE] [--direction both|a-to-b|b-to-a] "
       "[--prefer a|b|newest]"),
    /* Translators: concord-cli --help: what `connection add` does */
    N_("Connects two accounts (of a contact type each, when their app has several)") },
  /* Translators: concord-cli --help: the syntax of several commands.
   * Keep the commands, the options and "|"; NAME is a placeholder (a
   * connection's name) */
  { N_("connection list [--json] | show NAME [--json] | remove NAME | enable NAME | disable NAME"),
    /* Translators: concord-cli --help: what the `connection` commands
     * above do */
    N_("Lists the connections, shows, removes, turns on or turns off one") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "connection export"; NAME is a placeholder (a connection's name) */
  { N_("connection export NAME"),
    /* Translators: concord-cli --help: what `connection export` does */
    N_("Prints a connection's rules and field mapping as JSON") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "connection import", "|" and "-"; NAME and FILE are placeholders */
  { N_("connection import NAME FILE|-"),
    /* Translators: concord-cli --help: what `connection import` does */
    N_("Replaces a connection's rules and field mapping with a file's (or standard input's); "
       "a refused document changes nothing") },
  /* Translators: concord-cli --help: the syntax of a command. Keep
   * "sync" and the options; NAME is a placeholder (a connection's name) */
  { N_("sync NAME [--dry-run] [--json]"),
    /* Translators: concord-cli --help: what `sync` does */
    N_("Syncs a connection once") },
  /* Translators: concord-cli --help: the syntax of a command. Keep "log"
   * and the options; NAME and N are placeholders (a connection's name, a
   * number) */
  { N_("log NAME [--json] [--limit N]"),
    /* Translators: concord-cli --help: what `log` prints */
    N_("A connection's journal: what its syncs did, newest first") },
  { "version",
    /* Translators: concord-cli --help: what `version` prints */
    N_("Concord's version") },
};

/* What each exit code says, in --help: also in the README. */
static const char * const exit_codes[] = {
  /* Translators: concord-cli --help: what exit code 0 means */
  N_("success"),
  /* Translators: concord-cli --help: what exit code 1 means */
  N_("failure (the message is on standard error)"),
  /* Translators: concord-cli --help: what exit code 2 means */
  N_("usage: a command, an option or an argument was wrong"),
  /* Translators: concord-cli --help: what exit code 3 means. Concord is the
   * app's name */
  N_("a sync of the connection is already running (in Concord or another concord-cli)"),
  /* Translators: concord-cli --help: what exit code 4 means. Keep
   * `log NAME`, a command (NAME a placeholder) */
  N_("the sync ran, but some contacts could not be written (see `log NAME`; the next sync retries them)"),
  /* Translators: concord-cli --help: what exit code 5 means. Keep
   * `account set-key`, a command */
  N_("the app refused the key given to `account set-key` (the old key stays)"),
};

/* Appends @paragraph to @text in lines of at most 79 characters, broken
 * at spaces (a translation need not be broken into lines by hand): the
 * first after @indent spaces, the others after @more. */
static void
append_wrapped (GString    *text,
                const char *paragraph,
                guint       indent,
                guint       more)
{
  g_auto(GStrv) words = g_strsplit (paragraph, " ", -1);
  glong column = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      glong length = g_utf8_strlen (words[i], -1);

      if (*words[i] == '\0')
        continue;
      if (column > 0 && column + 1 + length > 79)
        {
          g_string_append_c (text, '\n');
          column = 0;
          indent = more;
        }
      if (column == 0)
        {
          g_string_append_printf (text, "%*s%s", indent, "", words[i]);
          column = indent + length;
        }
      else
        {
          g_string_append_printf (text, " %s", words[i]);
          column += 1 + length;
        }
    }
  g_string_append_c (text, '\n');
}

/* The usage text, translated: to standard output for --help, to standard
 * error after a usage error. */
static void
print_usage (gboolean to_stderr)
{
  g_autoptr(GString) text = g_string_new (NULL);

  /* Translators: concord-cli --help: its first line, how to call it. Keep
   * "concord-cli" and "--data-dir"; DIR, COMMAND and ARGUMENTS are
   * placeholders */
  append_wrapped (text, _("Usage: concord-cli [--data-dir DIR] COMMAND [ARGUMENTS…]"), 0, 4);
  g_string_append_c (text, '\n');
  /* Translators: concord-cli --help: the heading of its list of commands */
  append_wrapped (text, _("Commands:"), 0, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      append_wrapped (text, _(commands[i].syntax), 2, 4);
      append_wrapped (text, _(commands[i].help), 6, 6);
    }
  g_string_append_c (text, '\n');
  /* Translators: concord-cli --help: the heading of the list of its exit
   * codes (numbers that scripts read) */
  append_wrapped (text, _("Exit codes:"), 0, 0);
  for (guint i = 0; i < G_N_ELEMENTS (exit_codes); i++)
    {
      g_autofree char *line = g_strdup_printf ("%u %s", i, _(exit_codes[i]));

      append_wrapped (text, line, 2, 4);
    }
  if (to_stderr)
    g_printerr ("%s", text->str);
  else
    g_print ("%s", text->str);
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static int
usage (const char *problem)
{
  if (problem != NULL)
    g_printerr ("concord-cli: %s\n", problem);
  print_usage (TRUE);
  return EXIT_USAGE;
}

static int
exit_code_for (const GError *error)
{
  return g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_BUSY) ? EXIT_BUSY : EXIT_FAILURE;
}

static int
fail (const GError *error)
{
  g_printerr ("concord-cli: %s\n", error->message);
  return exit_code_for (error);
}

/* The code of an error, for scripts reading JSON: the nick the store
 * keeps too (concord_error_to_nick()). */
static const char *
error_code_name (const GError *error)
{
  return concord_error_to_nick (concord_error_code_of (error));
}

static void
on_result_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The CLI is a process of its own: waiting here blocks no window. */
static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (slot);
}

static gboolean
open_store (Cli     *cli,
            GError **error)
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

static void
print_json (JsonBuilder *builder)
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
static char *
read_secret (GError **error)
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

static char *
lookup_secret (const char  *account_id,
               GError     **error)
{
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  concord_secret_store_lookup_async (secrets, account_id, NULL, on_result_cb, &slot);
  result = wait_for (&slot);
  return concord_secret_store_lookup_finish (secrets, result, error);
}

static ConcordConnector *
connector_for (ConcordAccountRow  *account,
               GError            **error)
{
  g_auto(ConcordSecretString) secret = lookup_secret (account->id, error);

  if (secret == NULL)
    {
      g_prefix_error (error, "Account %s: ", account->name);
      return NULL;
    }

  return concord_app_registry_create_connector (account->app_id, account->options_json, secret, error);
}

static GPtrArray *
load_schema (ConcordConnector  *connector,
             const char        *type,
             GError           **error)
{
  return concord_connector_load_schema_sync (connector, type, NULL, error);
}

/* @text as one word of a command to copy: as it is when the shell leaves
 * it so, quoted otherwise. */
static char *
shell_word (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.,@+:/", *p) == NULL)
      return g_shell_quote (text);

  return g_strdup (text);
}

static gboolean
option_given_twice (const char  *key,
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
static gboolean
check_required_options (const ConcordAppInfo  *app,
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
static char *
options_to_json (const ConcordAppInfo  *app,
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
        return (option_given_twice (key, error), NULL);
      json_object_set_string_member (object, key, eq + 1);
    }
  for (guint i = 0; i < keys->len; i++)
    if (values[i] != NULL)
      {
        const char *key = g_ptr_array_index (keys, i);

        if (json_object_has_member (object, key))
          return (option_given_twice (key, error), NULL);
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
  if (!check_required_options (app, object, error))
    return NULL;

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* The keys of every app's fields but secrets, once each, in the order of
 * the registry: each is an option --KEY of `account add` (with '-' for
 * '_'), checked against the app's own fields afterwards. */
static GPtrArray *
field_keys (void)
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
static int
list_apps (gboolean json)
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
    print_json (builder);
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
  concord_connector_verify_async (connector, NULL, on_result_cb, &slot);
  result = wait_for (&slot);
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

  concord_secret_store_store_async (secrets, id, app_id, label, secret, NULL, on_result_cb, &slot);
  result = wait_for (&slot);
  return concord_secret_store_store_finish (secrets, result, error);
}


static int
account_add (Cli   *cli,
             int    argc,
             char **argv)
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
  g_autoptr(GPtrArray) keys = field_keys ();
  g_autoptr(GPtrArray) long_names = g_ptr_array_new_with_free_func (g_free);
  g_autofree GOptionEntry *entries = g_new0 (GOptionEntry, keys->len + 3);
  g_autofree char **values = g_new0 (char *, keys->len + 1);
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  GAsyncResult *slot = NULL;
  const ConcordAppInfo *app;

  entries[0] = (GOptionEntry) { "name", 0, 0, G_OPTION_ARG_STRING, &name,
                                /* Translators: concord-cli account add --help: --name's description */
                                N_("Name of the account"),
                                /* Translators: concord-cli --help: the placeholder of a name
                                 * (an account's, a connection's) */
                                N_("NAME") };
  entries[1] = (GOptionEntry) { "option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options,
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

  /* What its --help calls it. */
  g_set_prgname ("concord-cli account add");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Its parameter string (N_() above) in the same domain. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage (error->message);
  /* Parsed (a failed parse sets none): the values are freed with @owned. */
  for (guint i = 0; i < keys->len; i++)
    g_ptr_array_add (owned, values[i]);
  if (argc != 2 || name == NULL || *name == '\0')
    return usage (_("account add needs an APP and --name"));

  app = concord_app_registry_lookup (argv[1]);
  if (app == NULL)
    {
      g_autofree char *known = concord_app_registry_list_ids ();
      /* Translators: concord-cli: a usage error; the first %s is what was
       * given as the app, the second the apps' ids, separated by commas */
      g_autofree char *problem = g_strdup_printf (_("unknown app “%s” (known: %s)"), argv[1], known);

      return usage (problem);
    }

  /* Before the key is read: a refused option (a key given as one would be
   * stored in clear) changes nothing. */
  options_json = options_to_json (app, options, keys, values, &error);
  if (options_json == NULL || !concord_app_info_check_entry (app, options_json, NULL, &error))
    return usage (error->message);

  /* Refused before the key is read, checked or kept: a name that cannot
   * be, or that another account has. */
  if (!concord_store_check_name (name, &error) || !open_store (cli, &error) ||
      !concord_store_check_account_name (cli->store, name, &error))
    return fail (error);

  /* An app without a secret (a local file) reads none. */
  if (concord_app_info_get_secret_field (app) == NULL)
    secret = g_strdup ("");
  else if ((secret = read_secret (&error)) == NULL ||
           !concord_app_field_validate (concord_app_info_get_secret_field (app), secret, &error))
    return fail (error);

  /* The key is checked with its app first, as the app does: a wrong key
   * (or an app that cannot be reached) stores nothing. */
  if (!check_key (app->id, options_json, secret, &error))
    {
      g_autofree char *title = NULL;
      g_autofree char *fix = NULL;

      /* What went wrong from the error's code, as the app and `sync` word
       * it ("HubSpot refused Concord’s API key"), then the app's words. */
      concord_error_explain (concord_error_code_of (error), concord_app_info_get_name (app), NULL,
                             &title, &fix);
      /* Translators: an account name, what went wrong ("HubSpot refused Concord’s API
       * key"), then the app's own words */
      g_printerr (_("concord-cli: %s: the key did not pass the app's check, nothing was added: "
                    "%s (%s)\n"), name, title, error->message);
      return EXIT_FAILURE;
    }

  /* The key first: an account whose key could not be kept is no account. */
  id = g_uuid_string_random ();
  secrets = concord_secret_store_new ();
  if (!keep_key (secrets, id, app->id, name, secret, &error))
    return fail (error);

  if (!concord_store_add_account (cli->store, id, app->id, name, options_json, &error))
    {
      g_autoptr(GAsyncResult) cleared = NULL;

      slot = NULL;
      concord_secret_store_clear_async (secrets, id, NULL, on_result_cb, &slot);
      cleared = wait_for (&slot);
      concord_secret_store_clear_finish (secrets, cleared, NULL);
      return fail (error);
    }

  g_print ("Added account %s (%s)\n", name, concord_app_info_get_name (app));
  return EXIT_SUCCESS;
}

static int
account_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;

  g_autoptr(GPtrArray) users = NULL;

  if (!open_store (cli, &error) ||
      (accounts = concord_store_list_accounts (cli->store, &error)) == NULL)
    return fail (error);

  /* Each account's connections, in the order of the accounts. */
  users = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *row = g_ptr_array_index (accounts, i);
      GPtrArray *connections = concord_store_list_account_connections (cli->store, row->id, &error);

      if (connections == NULL)
        return fail (error);
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
      print_json (builder);
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
static int
account_set_key (Cli        *cli,
                 const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autoptr(ConcordSecretStore) secrets = NULL;
  g_auto(ConcordSecretString) secret = NULL;

  /* The account first: nothing is read for one that does not exist. */
  if (!open_store (cli, &error) ||
      (account = concord_store_get_account (cli->store, name, &error)) == NULL)
    return fail (error);

  secret = read_secret (&error);
  if (secret == NULL)
    return fail (error);

  if (!check_key (account->app_id, account->options_json, secret, &error))
    {
      /* Translators: the first %s is an account name, the second why the app refused the key */
      g_printerr (_("concord-cli: %s: the app did not accept the new key, the old one stays: %s\n"),
                  account->name, error->message);
      return EXIT_KEY_REFUSED;
    }

  /* Same id, same attributes: the keyring replaces the old key. */
  secrets = concord_secret_store_new ();
  if (!keep_key (secrets, account->id, account->app_id, account->name, secret, &error))
    return fail (error);

  /* Translators: %s is an account name */
  g_print (_("Replaced the key of %s; its connections use it from their next sync\n"), account->name);
  return EXIT_SUCCESS;
}

static int
account_rename (Cli        *cli,
                const char *old_name,
                const char *new_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;

  if (!open_store (cli, &error) ||
      (account = concord_store_get_account (cli->store, old_name, &error)) == NULL ||
      !concord_store_rename_account (cli->store, account->id, new_name, &error))
    return fail (error);

  /* Translators: the first %s is the account's old name, the second its new one */
  g_print (_("Renamed account %s to %s\n"), account->name, new_name);
  return EXIT_SUCCESS;
}

static int
account_remove (Cli        *cli,
                const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autoptr(ConcordSecretStore) secrets = concord_secret_store_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  if (!open_store (cli, &error) ||
      (account = concord_store_get_account (cli->store, name, &error)) == NULL ||
      !concord_store_remove_account (cli->store, account->id, &error))
    return fail (error);

  concord_secret_store_clear_async (secrets, account->id, NULL, on_result_cb, &slot);
  result = wait_for (&slot);
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
static int
account_verify (Cli        *cli,
                const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autoptr(ConcordConnector) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) types = NULL;
  const ConcordAppInfo *app;
  GAsyncResult *slot = NULL;

  if (!open_store (cli, &error) ||
      (account = concord_store_get_account (cli->store, name, &error)) == NULL)
    return fail (error);

  app = concord_app_registry_lookup (account->app_id);
  if (app != NULL && app->auth == CONCORD_APP_AUTH_NONE)
    connector = concord_app_registry_create_connector (account->app_id, account->options_json, "",
                                                       &error);
  else
    connector = connector_for (account, &error);
  if (connector == NULL)
    return fail (error);

  concord_connector_verify_async (connector, NULL, on_result_cb, &slot);
  result = wait_for (&slot);
  if (!concord_connector_verify_finish (connector, result, &error))
    return fail (error);

  if (app == NULL || app->auth != CONCORD_APP_AUTH_NONE)
    {
      g_print ("The key of %s works\n", name);
      return EXIT_SUCCESS;
    }

  types = concord_connector_list_contact_types_sync (connector, NULL, &error);
  if (types == NULL)
    {
      g_prefix_error (&error, "Account %s: ", account->name);
      return fail (error);
    }

  /* Translators: %s is an app's name, %u a number of address books */
  g_print (ngettext ("%s is reachable: %u address book.\n", "%s is reachable: %u address books.\n",
                     types->len),
           concord_app_info_get_name (app), types->len);
  return EXIT_SUCCESS;
}

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
  g_autoptr(ConcordConnector) connector = connector_for (account, error);
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *types;

  if (connector == NULL)
    return NULL;
  concord_connector_list_contact_types_async (connector, NULL, on_result_cb, &slot);
  result = wait_for (&slot);
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

static int
connection_add (Cli   *cli,
                int    argc,
                char **argv)
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
    return usage (error->message);
  if (argc != 2 || a == NULL || b == NULL)
    return usage (_("connection add needs a NAME, --a and --b"));

  row.direction = CONCORD_DIRECTION_BOTH;
  row.prefer = CONCORD_PREFER_NEWEST;
  if (direction != NULL && !concord_direction_from_string (direction, &row.direction))
    /* Translators: concord-cli: a usage error; keep the option and its values */
    return usage (_("--direction is both, a-to-b or b-to-a"));
  if (prefer != NULL && !concord_prefer_from_string (prefer, &row.prefer))
    /* Translators: concord-cli: a usage error; keep the option and its values */
    return usage (_("--prefer is a, b or newest"));

  if (!open_store (cli, &error) ||
      !split_side (cli->store, a, &account_a, &type_a, &error) ||
      !split_side (cli->store, b, &account_b, &type_b, &error))
    return fail (error);

  row.name = argv[1];
  row.account_a = account_a;
  row.type_a = type_a;
  row.account_b = account_b;
  row.type_b = type_b;
  row.enabled = TRUE;
  if (concord_store_add_connection (cli->store, &row, &error) == 0)
    return fail (error);

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

static int
connection_list (Cli        *cli,
                 const char *only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint shown = 0;

  if (!open_store (cli, &error) ||
      (connections = concord_store_list_connections (cli->store, &error)) == NULL)
    return fail (error);

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
    print_json (builder);

  return EXIT_SUCCESS;
}

static int
connection_simple (Cli        *cli,
                   const char *verb,
                   const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  gboolean ok;

  if (!open_store (cli, &error) ||
      (row = concord_store_get_connection (cli->store, name, &error)) == NULL)
    return fail (error);

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
    return fail (error);

  g_print ("%s: %s\n", name, g_str_equal (verb, "remove") ? "removed" :
                             g_str_equal (verb, "enable") ? "on" : "off");
  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------- */
/* sync and log                                                              */
/* ------------------------------------------------------------------------- */

/* "ok" says whether the run completed, "exit_code" what the process
 * returns; an error comes with its "code" (see error_code_name()). */
static void
build_summary (JsonBuilder             *builder,
               const ConcordRunSummary *summary,
               gboolean                 ok,
               const GError            *error,
               int                      exit_code)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, ok);
  json_builder_set_member_name (builder, "exit_code");
  json_builder_add_int_value (builder, exit_code);
  for (guint s = 0; s < 2; s++)
    {
      json_builder_set_member_name (builder, CONCORD_SIDE_NAME (s));
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "listed");
      json_builder_add_int_value (builder, summary->listed[s]);
      json_builder_set_member_name (builder, "created");
      json_builder_add_int_value (builder, summary->created[s]);
      json_builder_set_member_name (builder, "updated");
      json_builder_add_int_value (builder, summary->updated[s]);
      json_builder_set_member_name (builder, "errors");
      json_builder_add_int_value (builder, summary->failed[s]);
      json_builder_end_object (builder);
    }
  json_builder_set_member_name (builder, "skipped");
  json_builder_add_int_value (builder, summary->skipped);
  json_builder_set_member_name (builder, "conflicts");
  json_builder_add_int_value (builder, summary->conflicts);
  json_builder_set_member_name (builder, "ambiguous");
  json_builder_add_int_value (builder, summary->ambiguous);
  json_builder_set_member_name (builder, "linked");
  json_builder_add_int_value (builder, summary->linked);
  if (error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error->message);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, error_code_name (error));
    }
  if (summary->plan_text != NULL)
    {
      json_builder_set_member_name (builder, "plan");
      json_builder_add_string_value (builder, summary->plan_text);
    }
  json_builder_end_object (builder);
}

/* Both sides of a connection: their connectors (keys from the keyring)
 * and their fields. */
typedef struct
{
  ConcordConnector *connector[2];
  GPtrArray        *schema[2];
} Sides;

static void
sides_clear (Sides *sides)
{
  for (guint s = 0; s < 2; s++)
    {
      g_clear_object (&sides->connector[s]);
      g_clear_pointer (&sides->schema[s], g_ptr_array_unref);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sides, sides_clear)

static gboolean
open_sides (Cli                  *cli,
            ConcordConnectionRow *row,
            Sides                *sides,
            GError              **error)
{
  const char *accounts[2] = { row->account_a, row->account_b };
  const char *types[2] = { row->type_a, row->type_b };

  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(ConcordAccountRow) account = concord_store_get_account (cli->store, accounts[s], error);

      if (account == NULL)
        return FALSE;
      if ((sides->connector[s] = connector_for (account, error)) == NULL ||
          (sides->schema[s] = load_schema (sides->connector[s], types[s], error)) == NULL)
        {
          /* Its side says whom to name (describe_failure()). */
          concord_error_tag_side (error, s);
          return FALSE;
        }
    }

  return TRUE;
}

/* Writes the connection's rules and mapping as one JSON document. An
 * automatic mapping is shown with the pairs it gives today when both apps
 * answer (it stays automatic when imported back). */
static int
connection_export (Cli        *cli,
                   const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_autoptr(ConcordConnectionConfig) config = NULL;
  g_autoptr(ConcordMapping) resolved = NULL;
  g_autofree char *json = NULL;

  if (!open_store (cli, &error) ||
      (row = concord_store_get_connection (cli->store, name, &error)) == NULL ||
      (config = concord_connection_config_new_from_json (row->config_json, &error)) == NULL)
    return fail (error);

  if (config->mapping == NULL)
    {
      g_auto(Sides) sides = { 0 };

      if (open_sides (cli, row, &sides, &error))
        resolved = concord_mapping_new_auto (sides.schema[0], sides.schema[1], NULL);
      else
        /* Translators: %s says why the pairs could not be listed (an error message) */
        g_printerr (_("concord-cli: the mapping is automatic; its pairs are not shown: %s\n"),
                    error->message);
    }

  json = concord_connection_config_to_json (config, resolved);
  g_print ("%s\n", json);
  return EXIT_SUCCESS;
}

/* Replaces the connection's rules and mapping with a document, all or
 * nothing: a refused document leaves what is stored as it was. */
static int
connection_import (Cli        *cli,
                   const char *name,
                   const char *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_autoptr(ConcordConnectionConfig) config = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *json = NULL;
  gsize length;

  if (g_str_equal (file, "-"))
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

      if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
        return fail (error);
      g_output_stream_write (out, "", 1, NULL, NULL);
      contents = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
      length = strlen (contents);
    }
  else if (!g_file_get_contents (file, &contents, &length, &error))
    return fail (error);

  if (memchr (contents, '\0', length) != NULL)
    {
      /* Translators: %s is a file's name */
      g_printerr (_("concord-cli: %s: not a text document\n"), file);
      return EXIT_FAILURE;
    }

  if (!open_store (cli, &error) ||
      (row = concord_store_get_connection (cli->store, name, &error)) == NULL)
    return fail (error);

  config = concord_connection_config_new_from_json (contents, &error);
  if (config == NULL)
    {
      /* Translators: the first %s is a file's name, the second says what is wrong in it */
      g_printerr (_("concord-cli: %s: %s; nothing was changed\n"), file, error->message);
      return EXIT_FAILURE;
    }

  json = concord_connection_config_to_json (config, NULL);
  if (!concord_store_set_connection_config (cli->store, row->id, json, &error))
    return fail (error);

  g_print ("Imported the rules and mapping of %s\n", name);
  return EXIT_SUCCESS;
}

/* What went wrong in a sync, for people: made from the error's code and
 * side (concord_error_explain(), as the app shows it), then the app's own
 * words; a refused key names the command that replaces it. An error that
 * names no app (the store, the connection's settings) is its message. */
static char *
describe_failure (Cli                        *cli,
                  const ConcordConnectionRow *row,
                  const GError               *error)
{
  int side = concord_error_get_side (error);
  ConcordError code = concord_error_code_of (error);
  g_autoptr(ConcordAccountRow) account = NULL;
  g_autofree char *title = NULL;
  g_autofree char *fix = NULL;

  if (side == CONCORD_ERROR_NO_SIDE || row == NULL)
    return g_strdup (error->message);

  account = concord_store_get_account (cli->store, side == CONCORD_SIDE_A ? row->account_a : row->account_b,
                                       NULL);
  concord_error_explain (code, account != NULL ? account->name : NULL, NULL, &title, &fix);
  if (concord_error_is_key_problem (code) && account != NULL)
    {
      g_autofree char *quoted = shell_word (account->name);

      g_free (fix);
      /* Translators: %s is an account name (a command to run) */
      fix = g_strdup_printf (_("If its key was changed or revoked, replace it with "
                               "`concord-cli account set-key %s`."), quoted);
    }

  /* Translators: what went wrong, what the app said, then what to do */
  return g_strdup_printf (_("%s (%s). %s"), title, error->message, fix);
}

/* A sync that could not run: with --json, the error as JSON on standard
 * output too, for scripts. */
static int
sync_failed (Cli                        *cli,
             const ConcordConnectionRow *row,
             gboolean                    json,
             const GError               *error)
{
  g_autofree char *described = NULL;

  int exit_code = exit_code_for (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "ok");
      json_builder_add_boolean_value (builder, FALSE);
      json_builder_set_member_name (builder, "exit_code");
      json_builder_add_int_value (builder, exit_code);
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error->message);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, error_code_name (error));
      json_builder_end_object (builder);
      print_json (builder);
    }

  described = describe_failure (cli, row, error);
  g_printerr ("concord-cli: %s\n", described);
  return exit_code_for (error);
}

static int
sync_connection (Cli   *cli,
                 int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (N_("NAME"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_auto(Sides) sides = { 0 };
  ConcordSyncConfig config;
  ConcordRunOptions options = { 0 };
  ConcordRunSummary summary = { 0 };
  gboolean dry_run = FALSE, json = FALSE, ok;
  guint n_failed;
  int exit_code;
  GOptionEntry entries[] = {
    /* Translators: concord-cli sync --help: --dry-run's description */
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, N_("Plan only; write nothing"), NULL },
    /* Translators: concord-cli sync --help: --json's description */
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { NULL }
  };

  /* What its --help calls it. */
  g_set_prgname ("concord-cli sync");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Its parameter string (N_() above) in the same domain. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage (error->message);
  if (argc != 2)
    return usage (_("sync needs a connection NAME"));

  if (!open_store (cli, &error) ||
      (row = concord_store_get_connection (cli->store, argv[1], &error)) == NULL)
    return sync_failed (cli, row, json, error);

  /* One run per connection: said before asking the apps for anything
   * (concord_sync_run() refuses it too, under the lock). */
  if (!dry_run && concord_store_is_run_going (cli->store, row->id))
    {
      error = g_error_new (CONCORD_ERROR, CONCORD_ERROR_BUSY,
                           /* Translators: %s is a connection name */
                           _("A sync of “%s” is already running (in Concord or another "
                             "concord-cli); try again when it is over"), row->name);
      return sync_failed (cli, row, json, error);
    }

  if (!open_sides (cli, row, &sides, &error) ||
      !concord_sync_config_init_for_connection (&config, row, sides.schema[0], sides.schema[1], &error))
    return sync_failed (cli, row, json, error);
  options.dry_run = dry_run;

  ok = concord_sync_run_connection (cli->store, row, &config, sides.connector[0], sides.connector[1],
                                    &options, NULL, &summary, &error);
  n_failed = summary.failed[0] + summary.failed[1];
  exit_code = !ok ? exit_code_for (error) : n_failed > 0 ? EXIT_PARTIAL : EXIT_SUCCESS;

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      build_summary (builder, &summary, ok, error, exit_code);
      print_json (builder);
    }
  else if (ok)
    {
      if (summary.plan_text != NULL)
        g_print ("%s", summary.plan_text);
      else
        g_print ("A: %u created, %u updated, %u failed; B: %u created, %u updated, %u failed; "
                 "%u conflicts, %u skipped\n",
                 summary.created[0], summary.updated[0], summary.failed[0],
                 summary.created[1], summary.updated[1], summary.failed[1],
                 summary.conflicts, summary.skipped);
    }

  if (ok && n_failed > 0)
    /* Translators: %u is a number of contacts, %s a connection name */
    g_printerr (ngettext ("concord-cli: %u contact could not be written; `concord-cli log %s` says "
                          "why, and the next sync tries again\n",
                          "concord-cli: %u contacts could not be written; `concord-cli log %s` says "
                          "why, and the next sync tries again\n", n_failed),
                n_failed, row->name);

  concord_run_summary_clear (&summary);
  concord_sync_config_clear (&config);

  if (!ok)
    {
      g_autofree char *described = describe_failure (cli, row, error);

      g_printerr ("concord-cli: %s\n", described);
    }
  return exit_code;
}

/* A journal row's code in people's words (concord_activity_explain(),
 * as the activity view shows it); FALSE for a row without a code (an
 * older Concord's, or a change that went well). */
static gboolean
explain_entry (const ConcordJournalRow  *entry,
               char                    **names,
               char                    **explanation,
               char                    **fix)
{
  const char *app = g_strcmp0 (entry->code_side, "a") == 0 ? names[0]
                  : g_strcmp0 (entry->code_side, "b") == 0 ? names[1] : NULL;

  if (entry->code == NULL)
    return FALSE;

  concord_activity_explain (entry->code, app, entry->code_field, explanation, fix);
  return TRUE;
}

static int
show_log (Cli   *cli,
          int    argc,
          char **argv)
{
  g_auto(GStrv) names = g_new0 (char *, 3);
  g_autoptr(GOptionContext) context = g_option_context_new (N_("NAME"));
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  gboolean json = FALSE;
  int limit = 50;
  GOptionEntry entries[] = {
    /* Translators: concord-cli log --help: --json's description */
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit,
      /* Translators: concord-cli log --help: --limit's description */
      N_("How many entries (0: all)"),
      /* Translators: concord-cli log --help: the placeholder of --limit's
       * value, a number */
      N_("N") },
    { NULL }
  };

  /* What its --help calls it. */
  g_set_prgname ("concord-cli log");
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* Its parameter string (N_() above) in the same domain. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage (error->message);
  if (argc != 2 || limit < 0)
    return usage (_("log needs a connection NAME (and --limit N ≥ 0)"));

  if (!open_store (cli, &error) ||
      (row = concord_store_get_connection (cli->store, argv[1], &error)) == NULL ||
      (journal = concord_store_list_journal (cli->store, row->id, 0, limit, &error)) == NULL)
    return fail (error);

  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(ConcordAccountRow) account =
        concord_store_get_account (cli->store, s == 0 ? row->account_a : row->account_b, NULL);

      names[s] = account != NULL ? g_strdup (account->name) : NULL;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < journal->len; i++)
        {
          ConcordJournalRow *entry = g_ptr_array_index (journal, i);
          g_autofree char *explanation = NULL;
          g_autofree char *fix = NULL;
          gboolean explained = explain_entry (entry, names, &explanation, &fix);
          const struct { const char *key; const char *value; } texts[] = {
            { "direction", entry->direction }, { "remote_id", entry->remote_id },
            { "op", entry->op }, { "field", entry->field }, { "before", entry->before },
            { "after", entry->after }, { "outcome", entry->outcome }, { "error", entry->error },
            { "code", entry->code }, { "code_side", entry->code_side },
            { "code_field", entry->code_field },
            { "explanation", explained ? explanation : NULL },
            { "fix", fix },
          };

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "run");
          json_builder_add_int_value (builder, entry->run_id);
          json_builder_set_member_name (builder, "time");
          json_builder_add_int_value (builder, entry->time);
          json_builder_set_member_name (builder, "link");
          json_builder_add_int_value (builder, entry->link_id);
          for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
            if (texts[t].value != NULL)
              {
                json_builder_set_member_name (builder, texts[t].key);
                json_builder_add_string_value (builder, texts[t].value);
              }
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      print_json (builder);
      return EXIT_SUCCESS;
    }

  for (guint i = 0; i < journal->len; i++)
    {
      ConcordJournalRow *entry = g_ptr_array_index (journal, i);
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (entry->time);
      g_autofree char *stamp = when != NULL ? g_date_time_format (when, "%F %T") : g_strdup ("?");
      g_autofree char *explanation = NULL;
      g_autofree char *fix = NULL;
      g_autofree char *why = NULL;

      /* A row with a code: people's words first, the app's in brackets. */
      if (explain_entry (entry, names, &explanation, &fix))
        why = entry->error != NULL ? g_strdup_printf ("%s. %s [%s]", explanation, fix, entry->error)
                                   : g_strdup_printf ("%s. %s", explanation, fix);

      g_print ("%s  run %" G_GINT64_FORMAT "  %s %s %s%s%s  %s%s%s%s%s\n", stamp, entry->run_id,
               entry->direction, entry->op, entry->remote_id ? entry->remote_id : "",
               entry->field ? " " : "", entry->field ? entry->field : "",
               entry->outcome,
               entry->after ? ": " : "", entry->after ? entry->after : "",
               why != NULL || entry->error != NULL ? "  " : "",
               why != NULL ? why : entry->error != NULL ? entry->error : "");
    }

  return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------------- */
/* main                                                                      */
/* ------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  Cli cli = { 0 };
  int first = 1;
  int ret;

  /* Standard output is for data (JSON); every log message goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  setlocale (LC_ALL, "");
  /* CONCORD_LOCALE_DIR: the message catalogs somewhere else than where
   * they are installed (the tests' pseudo-locales, which are not). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CONCORD_LOCALE_DIR") != NULL ? g_getenv ("CONCORD_LOCALE_DIR")
                                                                           : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Global options come before the command. */
  while (first < argc && g_str_has_prefix (argv[first], "--"))
    {
      if (g_str_equal (argv[first], "--data-dir") && first + 1 < argc)
        {
          cli.data_dir = g_strdup (argv[first + 1]);
          first += 2;
        }
      else if (g_str_has_prefix (argv[first], "--data-dir="))
        cli.data_dir = g_strdup (argv[first++] + strlen ("--data-dir="));
      else if (g_str_equal (argv[first], "--version"))
        {
          g_print ("concord-cli %s\n", PACKAGE_VERSION);
          return EXIT_SUCCESS;
        }
      else if (g_str_equal (argv[first], "--help") || g_str_equal (argv[first], "-h"))
        {
          print_usage (FALSE);
          return EXIT_SUCCESS;
        }
      else
        return usage (_("unknown option"));
    }

  if (first >= argc)
    return usage (NULL);

  {
    const char *command = argv[first];
    const char *sub = first + 1 < argc ? argv[first + 1] : NULL;
    int rest = argc - first;
    char **args = argv + first;
    gboolean has_json = FALSE;

    for (int i = first; i < argc; i++)
      if (g_str_equal (argv[i], "--json"))
        has_json = TRUE;
    cli.json = has_json;

    if (g_str_equal (command, "version"))
      ret = (g_print ("concord-cli %s\n", PACKAGE_VERSION), EXIT_SUCCESS);
    else if (g_str_equal (command, "apps") && (rest == 1 || (rest == 2 && has_json)))
      ret = list_apps (has_json);
    else if (g_str_equal (command, "account") && g_strcmp0 (sub, "add") == 0)
      ret = account_add (&cli, rest - 1, args + 1);
    else if (g_str_equal (command, "account") && g_strcmp0 (sub, "list") == 0 && rest <= 3)
      ret = account_list (&cli);
    else if (g_str_equal (command, "account") && g_strcmp0 (sub, "remove") == 0 && rest == 3)
      ret = account_remove (&cli, args[2]);
    else if (g_str_equal (command, "account") && g_strcmp0 (sub, "verify") == 0 && rest == 3)
      ret = account_verify (&cli, args[2]);
    else if (g_str_equal (command, "account") && g_strcmp0 (sub, "set-key") == 0 && rest == 3)
      ret = account_set_key (&cli, args[2]);
    else if (g_str_equal (command, "account") && g_strcmp0 (sub, "rename") == 0 && rest == 4)
      ret = account_rename (&cli, args[2], args[3]);
    else if (g_str_equal (command, "account") && g_strcmp0 (sub, "set-key") == 0)
      ret = usage (_("account set-key takes the account's NAME only: the key is read from standard "
                     "input, never from the command line"));
    else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "add") == 0)
      ret = connection_add (&cli, rest - 1, args + 1);
    else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "list") == 0 && rest <= 3)
      ret = connection_list (&cli, NULL);
    else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "show") == 0 &&
             rest >= 3 && rest <= 4 && !g_str_has_prefix (args[2], "--"))
      ret = connection_list (&cli, args[2]);
    else if (g_str_equal (command, "connection") && rest == 3 &&
             (g_strcmp0 (sub, "remove") == 0 || g_strcmp0 (sub, "enable") == 0 ||
              g_strcmp0 (sub, "disable") == 0))
      ret = connection_simple (&cli, sub, args[2]);
    else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "export") == 0 && rest == 3)
      ret = connection_export (&cli, args[2]);
    else if (g_str_equal (command, "connection") && g_strcmp0 (sub, "import") == 0 && rest == 4)
      ret = connection_import (&cli, args[2], args[3]);
    else if (g_str_equal (command, "sync"))
      ret = sync_connection (&cli, rest, args);
    else if (g_str_equal (command, "log"))
      ret = show_log (&cli, rest, args);
    else
      ret = usage (_("unknown command"));
  }

  g_clear_object (&cli.store);
  g_free (cli.data_dir);
  return ret;
}
