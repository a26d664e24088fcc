/* concord-mock.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Every app's simulated web API as a program, for people trying Concord
 * without an account, the sandbox demo, and tests that drive a mock from
 * another process:
 *
 *   concord-mock APP --port N [--seed FILE | --generate N] [--save FILE]
 *                    [--api-key KEY] [--control] [--stall PATTERN... [--stall-nth N]]
 *   concord-mock --list
 *
 * APP is an app's id in the registry; the apps it serves are those whose
 * line in src/connectors/concord-apps.list names a ConcordMockAppInfo
 * (concord-mock-app.h), and those served from connector descriptions
 * (src/connectors/described/mock/, CONCORD_MOCK_DESCRIBED_APPS), so this
 * file names no app. It prints "listening
 * on BASE_URL" (the account's base_url option) and serves until SIGINT or
 * SIGTERM. --seed loads the app's own state file (for the apps that keep
 * one); --generate adds N made-up contacts (seed 1); --save writes the
 * account to a file after every change, so that a person trying Concord
 * keeps their sample account across restarts (`--seed F --save F`).
 *
 * With --stall (for kill -9 tests, see tests/crash/), the Nth request whose
 * "METHOD /path" matches one of the glob patterns is held, unanswered and
 * not applied; the program prints "stalled METHOD /path?query" when it
 * is. A line "release" on standard input then applies and answers it,
 * "drop" closes its connection with nothing applied.
 *
 * With --control (implied by --stall) standard input is read for
 * commands; all but release and drop are answered with one line, so a
 * test reads one line after each:
 *
 *   stall N PATTERN[|PATTERN…]  arm a stall while running       → armed
 *   key NEWKEY                  revoke the secret, accept NEWKEY → key changed
 *   count                       requests since the last reset   → requests R writes W
 *                               (writes: POST, PUT, PATCH, DELETE)
 *   reset                       empty the request log           → reset
 *   storm N                     the next N requests answer 429,
 *                               Retry-After: 1                   → armed
 *   malformed GLOB              the next request matching GLOB
 *                               ("METHOD /path") gets a body cut
 *                               in the middle                    → armed
 *
 * Everything but the secret goes through the app's ConcordMockServer, so
 * every command works for every app.
 */

#define G_LOG_DOMAIN "concord-mock"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib-unix.h>

#include "concord-app-registry.h"
#include "concord-mock-app.h"
#include "concord-mock-server.h"
#include "concord-sandbox.h"

#include "concord-mock-described-apps.h"

#define CONCORD_MOCK_APP(info) extern const ConcordMockAppInfo info;
#include "concord-mock-app-list.h"
#undef CONCORD_MOCK_APP

/* The default secret of a mock started without --api-key (the sandbox's). */
#define DEFAULT_SECRET "sandbox"

static const ConcordMockAppInfo * const mock_apps[] = {
#define CONCORD_MOCK_APP(info) &info,
#include "concord-mock-app-list.h"
#undef CONCORD_MOCK_APP
  /* The apps served from their connector descriptions (described/mock/) */
  CONCORD_MOCK_DESCRIBED_APPS
  NULL,
};

typedef struct
{
  const ConcordMockAppInfo *info;
  GObject                  *mock;      /* (owned) */
  ConcordMockServer        *server;    /* (unowned): the mock's */
} Mock;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static const ConcordMockAppInfo *
lookup_app (const char *id)
{
  for (guint i = 0; mock_apps[i] != NULL; i++)
    if (g_ascii_strcasecmp (mock_apps[i]->id, id) == 0)
      return mock_apps[i];
  return NULL;
}

static char *
list_ids (const char *separator)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;

  for (guint i = 0; mock_apps[i] != NULL; i++)
    g_strv_builder_add (builder, mock_apps[i]->id);
  ids = g_strv_builder_end (builder);

  return g_strjoinv (separator, ids);
}

static void
answer (const char *line)
{
  g_print ("%s\n", line);
  fflush (stdout);
}

/* Whether @line ("METHOD /path?query") is one of the app's reads by a
 * write's method (ConcordMockAppInfo.read_requests). */
static gboolean
is_read_request (const ConcordMockAppInfo *info,
                 const char               *line)
{
  g_autofree char *path = g_strndup (line, strcspn (line, "?"));

  for (guint i = 0; info->read_requests != NULL && info->read_requests[i] != NULL; i++)
    if (g_pattern_match_simple (info->read_requests[i], path))
      return TRUE;
  return FALSE;
}

/* "requests R writes W": the requests since the last reset, and those of
 * them that write. */
static char *
count_requests (ConcordMockServer        *server,
                const ConcordMockAppInfo *info)
{
  g_autoptr(GPtrArray) lines = concord_mock_server_get_requests (server);
  static const char * const writes[] = { "POST ", "PUT ", "PATCH ", "DELETE " };
  guint n_writes = 0;

  for (guint i = 0; i < lines->len; i++)
    for (guint j = 0; j < G_N_ELEMENTS (writes); j++)
      if (g_str_has_prefix (g_ptr_array_index (lines, i), writes[j]))
        {
          n_writes += !is_read_request (info, g_ptr_array_index (lines, i));
          break;
        }

  return g_strdup_printf ("requests %u writes %u", concord_mock_server_get_n_requests (server),
                          n_writes);
}

/* A count N of a command, 1 or more. */
static gboolean
parse_count (const char  *text,
             guint       *count,
             const char **rest)
{
  char *end = NULL;
  guint64 value;

  if (!g_ascii_isdigit (*text))
    return FALSE;
  value = g_ascii_strtoull (text, &end, 10);
  if (value == 0 || value > G_MAXUINT)
    return FALSE;
  *count = (guint) value;
  *rest = end;
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_stalled_cb (ConcordMockServer *server,
               const char        *line,
               gpointer           user_data)
{
  g_autofree char *text = g_strdup_printf ("stalled %s", line);

  answer (text);
}

static void
run_command (Mock       *mock,
             const char *line)
{
  const char *rest = NULL;
  guint n = 0;

  if (g_str_has_prefix (line, "stall "))
    {
      g_auto(GStrv) patterns = NULL;

      if (!parse_count (line + strlen ("stall "), &n, &rest) || *rest != ' ' || rest[1] == '\0')
        {
          g_printerr ("stall N PATTERN[|PATTERN…]\n");
          return;
        }
      patterns = g_strsplit (rest + 1, "|", -1);
      concord_mock_server_stall_request (mock->server, (const char * const *) patterns, n,
                                         on_stalled_cb, NULL);
      answer ("armed");
    }
  else if (g_str_has_prefix (line, "key ") && line[strlen ("key ")] != '\0')
    {
      mock->info->set_secret (mock->mock, line + strlen ("key "));
      answer ("key changed");
    }
  else if (g_str_equal (line, "release"))
    concord_mock_server_release_stalled (mock->server, TRUE);
  else if (g_str_equal (line, "drop"))
    concord_mock_server_release_stalled (mock->server, FALSE);
  else if (g_str_equal (line, "count"))
    {
      g_autofree char *counts = count_requests (mock->server, mock->info);

      answer (counts);
    }
  else if (g_str_equal (line, "reset"))
    {
      concord_mock_server_reset_log (mock->server);
      answer ("reset");
    }
  else if (g_str_has_prefix (line, "storm "))
    {
      if (!parse_count (line + strlen ("storm "), &n, &rest) || *rest != '\0')
        {
          g_printerr ("storm N\n");
          return;
        }
      concord_mock_server_fail_route (mock->server, NULL, "/", 1, n, CONCORD_MOCK_FAULT_429, 1);
      answer ("armed");
    }
  else if (g_str_has_prefix (line, "malformed ") && line[strlen ("malformed ")] != '\0')
    {
      concord_mock_server_fail_matching (mock->server, line + strlen ("malformed "), 1, 1,
                                         CONCORD_MOCK_FAULT_TRUNCATE, 0);
      answer ("armed");
    }
  else if (*line != '\0')
    g_printerr ("Unknown command “%s” (stall, release, drop, key, count, reset, storm or "
                "malformed)\n", line);
}

static gboolean
on_stdin_cb (GIOChannel   *channel,
             GIOCondition  condition,
             gpointer      user_data)
{
  g_autofree char *line = NULL;
  GIOStatus status;

  status = g_io_channel_read_line (channel, &line, NULL, NULL, NULL);
  if (status != G_IO_STATUS_NORMAL)
    return G_SOURCE_REMOVE;

  g_strstrip (line);
  run_command (user_data, line);

  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------- */
/* Main                                                                      */
/* ------------------------------------------------------------------------- */

/* Whether the options go together, and with what @info's mock can do;
 * FALSE (said on standard error) when not. */
static gboolean
check_options (const ConcordMockAppInfo *info,
               int                       port,
               const char               *seed_file,
               const char               *save_file,
               int                       generate,
               int                       stall_nth)
{
  if (port < 0 || port > G_MAXUINT16 || (seed_file != NULL && generate >= 0))
    {
      g_printerr ("Give a port in 0–65535, and --seed or --generate, not both\n");
      return FALSE;
    }
  if (stall_nth < 1)
    {
      g_printerr ("--stall-nth counts from 1\n");
      return FALSE;
    }
  if ((seed_file != NULL && info->load_file == NULL) ||
      (save_file != NULL && info->set_save_path == NULL))
    {
      g_printerr ("The simulated %s keeps no file: use --generate\n", info->id);
      return FALSE;
    }

  return TRUE;
}

/* The key of @id's mock without --api-key: "sandbox" where the app's
 * form takes it, else a made-up key of the app's own shape (Mailchimp's
 * names a data centre), so the key printed is one Concord's account form
 * accepts. */
static char *
make_default_key (const char *id)
{
  const ConcordAppInfo *app = concord_app_registry_lookup (id);
  const ConcordAppField *field = app != NULL ? concord_app_info_get_secret_field (app) : NULL;

  if (field == NULL || concord_app_field_validate (field, DEFAULT_SECRET, NULL))
    return g_strdup (DEFAULT_SECRET);
  return concord_sandbox_make_key (app);
}

/* Starts @mock's server with its key (@api_key, else @default_key), and
 * its account: loaded, generated, saved as asked. FALSE (said on standard
 * error) when it cannot. */
static gboolean
start_mock (Mock       *mock,
            const char *api_key,
            const char *default_key,
            int         port,
            const char *seed_file,
            int         generate,
            const char *save_file)
{
  g_autoptr(GError) error = NULL;

  mock->mock = mock->info->create (api_key != NULL ? api_key : default_key, port, &error);
  if (mock->mock == NULL)
    {
      g_printerr ("Could not start the simulated %s: %s%s\n", mock->info->id, error->message,
                  api_key == NULL ? " (give a key in the app's own format with --api-key)" : "");
      return FALSE;
    }
  mock->server = mock->info->get_server (mock->mock);
  /* On standard error: standard output is for the control answers. */
  if (api_key == NULL)
    g_printerr ("The simulated %s accepts the key “%s”\n", mock->info->id, default_key);

  if (seed_file != NULL && !mock->info->load_file (mock->mock, seed_file, &error))
    {
      g_printerr ("Could not load %s: %s\n", seed_file, error->message);
      g_object_unref (mock->mock);
      return FALSE;
    }
  if (generate >= 0)
    mock->info->generate (mock->mock, generate, 1);
  if (save_file != NULL)
    mock->info->set_save_path (mock->mock, save_file);

  return TRUE;
}

/* The stalls asked for, and the control commands on standard input
 * (which they imply): the channel read, or NULL. */
static GIOChannel *
start_control (Mock     *mock,
               GStrv     stall,
               int       stall_nth,
               gboolean  control)
{
  GIOChannel *input = NULL;

  if (stall != NULL && stall[0] != NULL)
    {
      concord_mock_server_stall_request (mock->server, (const char * const *) stall, stall_nth,
                                         on_stalled_cb, NULL);
      control = TRUE;
    }
  if (control)
    {
      input = g_io_channel_unix_new (0);
      g_io_add_watch (input, G_IO_IN | G_IO_HUP, on_stdin_cb, mock);
    }

  return input;
}

/* --list: the apps served, one a line. */
static int
print_ids (void)
{
  g_autofree char *lines = list_ids ("\n");

  g_print ("%s\n", lines);
  return EXIT_SUCCESS;
}

/* The usage, when the app is not given (or more than one). */
static int
print_usage (GOptionContext *context)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("%s", help);
  return EXIT_FAILURE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *seed_file = NULL;
  g_autofree char *save_file = NULL;
  g_autofree char *api_key = NULL;
  g_autofree char *default_key = NULL;
  g_autofree char *ids = list_ids (", ");
  g_autofree char *summary = NULL;
  g_auto(GStrv) stall = NULL;
  g_autoptr(GIOChannel) input = NULL;
  Mock mock = { 0 };
  int stall_nth = 1;
  gboolean control = FALSE;
  gboolean list = FALSE;
  int port = 0;
  int generate = -1;
  guint sigint_id;
  guint sigterm_id;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0: any free one)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_FILENAME, &seed_file, "Load this file of the app's mock", "FILE" },
    { "save", 0, 0, G_OPTION_ARG_FILENAME, &save_file,
      "Save the account to this file after every change (load it with --seed)", "FILE" },
    { "generate", 'g', 0, G_OPTION_ARG_INT, &generate, "Generate N contacts", "N" },
    { "api-key", 'k', 0, G_OPTION_ARG_STRING, &api_key,
      "The API key or token clients must send (" DEFAULT_SECRET ")", "KEY" },
    { "stall", 0, 0, G_OPTION_ARG_STRING_ARRAY, &stall,
      "Hold a request matching this glob over “METHOD /path” (repeatable)", "PATTERN" },
    { "stall-nth", 0, 0, G_OPTION_ARG_INT, &stall_nth, "Hold the Nth matching request (1)", "N" },
    { "control", 0, 0, G_OPTION_ARG_NONE, &control,
      "Read stall, release, drop, key, count, reset, storm and malformed commands on standard "
      "input", NULL },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list, "Print the apps it serves, one a line", NULL },
    { NULL },
  };

  /* Messages in the terminal's character set; numbers in answers stay
   * in the C locale, as the apps' APIs write them. */
  setlocale (LC_CTYPE, "");

  context = g_option_context_new ("APP - serve an app's simulated web API");
  summary = g_strdup_printf ("APP is one of: %s", ids);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  if (list)
    return print_ids ();

  if (argc != 2)
    return print_usage (context);

  mock.info = lookup_app (argv[1]);
  if (mock.info == NULL)
    {
      g_printerr ("No simulated server for the app “%s” (there is one for: %s)\n", argv[1], ids);
      return EXIT_FAILURE;
    }

  if (!check_options (mock.info, port, seed_file, save_file, generate, stall_nth))
    return EXIT_FAILURE;

  /* Before the server exists, so a signal never finds the default action. */
  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_signal_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal_cb, loop);

  /* Without --api-key: see make_default_key(). */
  if (api_key == NULL)
    default_key = make_default_key (mock.info->id);

  if (!start_mock (&mock, api_key, default_key, port, seed_file, generate, save_file))
    return EXIT_FAILURE;

  input = start_control (&mock, stall, stall_nth, control);

  g_print ("listening on %s\n", mock.info->get_base_url (mock.mock));
  fflush (stdout);

  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_pointer (&input, g_io_channel_unref);
  g_object_unref (mock.mock);

  return EXIT_SUCCESS;
}
