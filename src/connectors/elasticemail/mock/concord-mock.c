/* concord-mock.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The mock web APIs as a program, for the sandbox demo and manual testing:
 *
 *   concord-mock elasticemail --port N [--seed FILE | --generate N] [--api-key KEY]
 *                             [--control] [--stall PATTERN... [--stall-nth N]]
 *
 * It prints the base URL and serves until SIGINT or SIGTERM.
 *
 * With --stall (for kill -9 tests, see tests/crash/), the Nth request whose
 * "METHOD /v4/path" matches one of the glob patterns is held, unanswered
 * and not applied; the program prints "stalled METHOD /v4/path?query" when
 * it is. A line "release" on standard input then applies and answers it,
 * "drop" closes its connection with nothing applied. With --control
 * (implied by --stall) standard input is read for those commands, and
 * "stall N PATTERN[|PATTERN…]" arms a stall while running (answered with
 * a line "armed"), and "key NEWKEY" revokes the API key and issues NEWKEY
 * (answered with a line "key changed"), as a person does in the app's
 * settings.
 */

#define G_LOG_DOMAIN "concord-mock"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>

#include "concord-mock-elasticemail.h"

static void
on_stalled_cb (ConcordMockElasticEmail *mock,
               const char              *request,
               gpointer                 user_data)
{
  g_print ("stalled %s\n", request);
  fflush (stdout);
}

static gboolean
on_stdin_cb (GIOChannel   *channel,
             GIOCondition  condition,
             gpointer      user_data)
{
  ConcordMockElasticEmail *mock = user_data;
  g_autofree char *line = NULL;
  GIOStatus status;

  status = g_io_channel_read_line (channel, &line, NULL, NULL, NULL);
  if (status != G_IO_STATUS_NORMAL)
    return G_SOURCE_REMOVE;

  g_strstrip (line);
  if (g_str_has_prefix (line, "stall "))
    {
      char *rest = NULL;
      guint64 nth = g_ascii_strtoull (line + strlen ("stall "), &rest, 10);
      g_auto(GStrv) patterns = NULL;

      if (nth == 0 || nth > G_MAXUINT || rest == NULL || *rest != ' ')
        {
          g_printerr ("stall N PATTERN[|PATTERN…]\n");
          return G_SOURCE_CONTINUE;
        }
      patterns = g_strsplit (rest + 1, "|", -1);
      concord_mock_elasticemail_stall_request (mock, (const char * const *) patterns, (guint) nth,
                                               on_stalled_cb, NULL);
      g_print ("armed\n");
      fflush (stdout);
    }
  else if (g_str_has_prefix (line, "key ") && line[strlen ("key ")] != '\0')
    {
      concord_mock_elasticemail_set_api_key (mock, line + strlen ("key "));
      g_print ("key changed\n");
      fflush (stdout);
    }
  else if (g_str_equal (line, "release"))
    concord_mock_elasticemail_release_stalled (mock, TRUE);
  else if (g_str_equal (line, "drop"))
    concord_mock_elasticemail_release_stalled (mock, FALSE);
  else if (*line != '\0')
    g_printerr ("Unknown command “%s” (stall, release, drop or key)\n", line);

  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(ConcordMockElasticEmail) mock = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *seed_file = NULL;
  g_autofree char *api_key = NULL;
  g_auto(GStrv) stall = NULL;
  g_autoptr(GIOChannel) input = NULL;
  int stall_nth = 1;
  gboolean control = FALSE;
  int port = 0;
  int generate = -1;
  guint sigint_id;
  guint sigterm_id;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0: any free one)", "N" },
    { "seed", 's', 0, G_OPTION_ARG_FILENAME, &seed_file, "Load this seed file", "FILE" },
    { "generate", 'g', 0, G_OPTION_ARG_INT, &generate, "Generate N contacts", "N" },
    { "api-key", 'k', 0, G_OPTION_ARG_STRING, &api_key, "The API key clients must send (sandbox)",
      "KEY" },
    { "stall", 0, 0, G_OPTION_ARG_STRING_ARRAY, &stall,
      "Hold a request matching this glob over “METHOD /v4/path” (repeatable)", "PATTERN" },
    { "stall-nth", 0, 0, G_OPTION_ARG_INT, &stall_nth, "Hold the Nth matching request (1)", "N" },
    { "control", 0, 0, G_OPTION_ARG_NONE, &control,
      "Read stall, release, drop and key commands on standard input", NULL },
    { NULL },
  };

  context = g_option_context_new ("elasticemail - serve a mock web API");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  if (argc != 2 || g_strcmp0 (argv[1], "elasticemail") != 0)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return EXIT_FAILURE;
    }

  if (port < 0 || port > G_MAXUINT16 || (seed_file != NULL && generate >= 0))
    {
      g_printerr ("Give a port in 0–65535, and --seed or --generate, not both\n");
      return EXIT_FAILURE;
    }
  if (stall_nth < 1)
    {
      g_printerr ("--stall-nth counts from 1\n");
      return EXIT_FAILURE;
    }

  /* Before the server exists, so a signal never finds the default action. */
  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, on_signal_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal_cb, loop);

  mock = concord_mock_elasticemail_new (api_key != NULL ? api_key : "sandbox", port, &error);
  if (mock == NULL)
    {
      g_printerr ("Could not listen: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (seed_file != NULL &&
      !concord_mock_elasticemail_load_seed_file (mock, seed_file, &error))
    {
      g_printerr ("Could not load %s: %s\n", seed_file, error->message);
      return EXIT_FAILURE;
    }
  if (generate >= 0)
    concord_mock_elasticemail_generate (mock, generate, 1);

  if (stall != NULL && stall[0] != NULL)
    {
      concord_mock_elasticemail_stall_request (mock, (const char * const *) stall, stall_nth,
                                               on_stalled_cb, NULL);
      control = TRUE;
    }
  if (control)
    {
      input = g_io_channel_unix_new (0);
      g_io_add_watch (input, G_IO_IN | G_IO_HUP, on_stdin_cb, mock);
    }

  g_print ("listening on %s\n", concord_mock_elasticemail_get_base_url (mock));
  fflush (stdout);

  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  return EXIT_SUCCESS;
}
