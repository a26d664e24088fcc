/* concord-mock.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The mock web APIs as a program, for the sandbox demo and manual testing:
 *
 *   concord-mock elasticemail --port N [--seed FILE | --generate N] [--api-key KEY]
 *
 * It prints the base URL and serves until SIGINT or SIGTERM.
 */

#define G_LOG_DOMAIN "concord-mock"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>

#include "concord-mock-elasticemail.h"

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

  g_print ("listening on %s\n", concord_mock_elasticemail_get_base_url (mock));
  fflush (stdout);

  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  return EXIT_SUCCESS;
}
