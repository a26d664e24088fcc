/* concord-cli-sync.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * concord-cli's commands that open both sides of a connection (`sync`,
 * `connection export` and `connection import`) and `log`.
 */

#define G_LOG_DOMAIN "concord-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>

#include "concord-cli-private.h"

/* ------------------------------------------------------------------------- */
/* sync and log                                                              */
/* ------------------------------------------------------------------------- */

/* "ok" says whether the run completed, "exit_code" what the process
 * returns; an error comes with its "code" (see concord_cli_error_code_name()). */
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
      json_builder_add_string_value (builder, concord_cli_error_code_name (error));
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
open_sides (ConcordCli            *cli,
            ConcordConnectionRow  *row,
            Sides                 *sides,
            GError               **error)
{
  const char *accounts[2] = { row->account_a, row->account_b };
  const char *types[2] = { row->type_a, row->type_b };

  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(ConcordAccountRow) account = concord_store_get_account (cli->store, accounts[s], error);

      if (account == NULL)
        return FALSE;
      if ((sides->connector[s] = concord_cli_connector_for (account, error)) == NULL ||
          (sides->schema[s] = concord_cli_load_schema (sides->connector[s], types[s], error)) == NULL)
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
int
concord_cli_connection_export (ConcordCli *cli,
                               const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  g_autoptr(ConcordConnectionConfig) config = NULL;
  g_autoptr(ConcordMapping) resolved = NULL;
  g_autofree char *json = NULL;

  if (!concord_cli_open_store (cli, &error) ||
      (row = concord_store_get_connection (cli->store, name, &error)) == NULL ||
      (config = concord_connection_config_new_from_json (row->config_json, &error)) == NULL)
    return concord_cli_fail (error);

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
int
concord_cli_connection_import (ConcordCli *cli,
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
        return concord_cli_fail (error);
      g_output_stream_write (out, "", 1, NULL, NULL);
      contents = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
      length = strlen (contents);
    }
  else if (!g_file_get_contents (file, &contents, &length, &error))
    return concord_cli_fail (error);

  if (memchr (contents, '\0', length) != NULL)
    {
      /* Translators: %s is a file's name */
      g_printerr (_("concord-cli: %s: not a text document\n"), file);
      return EXIT_FAILURE;
    }

  if (!concord_cli_open_store (cli, &error) ||
      (row = concord_store_get_connection (cli->store, name, &error)) == NULL)
    return concord_cli_fail (error);

  config = concord_connection_config_new_from_json (contents, &error);
  if (config == NULL)
    {
      /* Translators: the first %s is a file's name, the second says what is wrong in it */
      g_printerr (_("concord-cli: %s: %s; nothing was changed\n"), file, error->message);
      return EXIT_FAILURE;
    }

  json = concord_connection_config_to_json (config, NULL);
  if (!concord_store_set_connection_config (cli->store, row->id, json, &error))
    return concord_cli_fail (error);

  g_print ("Imported the rules and mapping of %s\n", name);
  return EXIT_SUCCESS;
}

/* What went wrong in a sync, for people: made from the error's code and
 * side (concord_error_explain(), as the app shows it), then the app's own
 * words; a refused key names the command that replaces it. An error that
 * names no app (the store, the connection's settings) is its message. */
static char *
describe_failure (ConcordCli                 *cli,
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
      g_autofree char *quoted = concord_cli_shell_word (account->name);

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
sync_failed (ConcordCli                 *cli,
             const ConcordConnectionRow *row,
             gboolean                    json,
             const GError               *error)
{
  g_autofree char *described = NULL;

  int exit_code = concord_cli_exit_code_for (error);

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
      json_builder_add_string_value (builder, concord_cli_error_code_name (error));
      json_builder_end_object (builder);
      concord_cli_print_json (builder);
    }

  described = describe_failure (cli, row, error);
  g_printerr ("concord-cli: %s\n", described);
  return concord_cli_exit_code_for (error);
}

int
concord_cli_sync_connection (ConcordCli  *cli,
                             int          argc,
                             char       **argv)
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
    return concord_cli_usage (error->message);
  if (argc != 2)
    return concord_cli_usage (_("sync needs a connection NAME"));

  if (!concord_cli_open_store (cli, &error) ||
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
  exit_code = !ok ? concord_cli_exit_code_for (error) : n_failed > 0 ? CONCORD_CLI_EXIT_PARTIAL : EXIT_SUCCESS;

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      build_summary (builder, &summary, ok, error, exit_code);
      concord_cli_print_json (builder);
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

/* The journal's entries as a JSON array, with each code explained. */
static void
print_log_json (GPtrArray  *journal,
                char      **names)
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
  concord_cli_print_json (builder);
}

/* The journal's entries, one line each. */
static void
print_log_text (GPtrArray  *journal,
                char      **names)
{
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
}

int
concord_cli_show_log (ConcordCli  *cli,
                      int          argc,
                      char       **argv)
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
    return concord_cli_usage (error->message);
  if (argc != 2 || limit < 0)
    return concord_cli_usage (_("log needs a connection NAME (and --limit N ≥ 0)"));

  if (!concord_cli_open_store (cli, &error) ||
      (row = concord_store_get_connection (cli->store, argv[1], &error)) == NULL ||
      (journal = concord_store_list_journal (cli->store, row->id, 0, limit, &error)) == NULL)
    return concord_cli_fail (error);

  for (guint s = 0; s < 2; s++)
    {
      g_autoptr(ConcordAccountRow) account =
        concord_store_get_account (cli->store, s == 0 ? row->account_a : row->account_b, NULL);

      names[s] = account != NULL ? g_strdup (account->name) : NULL;
    }

  if (json)
    print_log_json (journal, names);
  else
    print_log_text (journal, names);

  return EXIT_SUCCESS;
}
