/* concord-bench-latency.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * How long an edit in one app takes to reach the other with the app's own
 * automatic schedule and the real clock: the real application, a two-way
 * connection of N contacts (default 1,000) between two Elastic Email mock
 * servers in processes of their own. Each round waits a random time
 * (0 to 60 s: an edit comes at any moment of the schedule), changes a
 * contact's first name through the first server's API, and times until
 * the end of the run that carried it to the second (seen by asking it).
 * tests/test-sync-latency.c checks the same with a faster clock.
 *
 * It needs a display and an unlocked keyring on the session bus (the
 * accounts' keys go there, and are removed at the end), as in CI:
 *
 *   xvfb-run -a dbus-run-session -- sh -c 'printf pw | gnome-keyring-daemon \
 *     --unlock --components=secrets >/dev/null; ./_build/bench/concord-bench-latency'
 *
 * One line per edit and a summary, machine-readable:
 *
 *   bench-latency phase=edit n=1000 edit=1 wait_s=23.0 latency_s=38.4 runs=1
 *   bench-latency phase=summary n=1000 edits=5 cadence_s=60 mean_s=33.0 max_s=58.1
 *
 * --n sets the number of contacts, --edits the rounds, --seed the random
 * waits. Exits 1 when an edit did not cross in 10 minutes, 77 with no
 * unlocked keyring.
 */

#include "config.h"

#include <adwaita.h>
#include <stdlib.h>

#include "concord-application.h"
#include "concord-test-crossing.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

static gboolean
on_waited (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the application run, as it would while nobody edits. */
static void
idle_for (double seconds)
{
  gboolean done = FALSE;

  g_timeout_add ((guint) (seconds * 1000), on_waited, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  int n = 1000, edits = 5, seed = 14;
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Contacts", "N" },
    { "edits", 0, 0, G_OPTION_ARG_INT, &edits, "Edits to time", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the random waits", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GRand) rand = NULL;
  g_autoptr(GError) error = NULL;
  ConcordApplication *app;
  ConcordCrossing *crossing;
  double total = 0, max = 0;
  guint cadence;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  rand = g_rand_new_with_seed ((guint32) seed);

  /* The real clock: whatever the caller's environment says. */
  g_unsetenv ("CONCORD_SYNC_CLOCK_SCALE");
  g_unsetenv ("CONCORD_SYNC_INTERVAL_SECONDS");
  app = CONCORD_APPLICATION (concord_test_app_start (&argc, &argv, "BenchLatency"));
  if (app == NULL)
    return 77;
  g_application_activate (G_APPLICATION (app));

  crossing = concord_crossing_new (app, (guint) n);
  cadence = concord_connection_state_get_cadence (concord_crossing_get_state (crossing));

  for (int i = 1; i <= edits; i++)
    {
      double wait = g_rand_double_range (rand, 0, 60);
      double latency;
      guint runs = 0;

      idle_for (wait);
      concord_crossing_edit (crossing);
      latency = concord_crossing_wait (crossing, 600, &runs);
      if (latency < 0)
        {
          g_printerr ("edit %d did not cross in 10 minutes\n", i);
          status = 1;
          break;
        }
      g_print ("bench-latency phase=edit n=%d edit=%d wait_s=%.1f latency_s=%.1f runs=%u\n",
               n, i, wait, latency, runs);
      total += latency;
      max = MAX (max, latency);
    }

  if (status == 0)
    g_print ("bench-latency phase=summary n=%d edits=%d cadence_s=%u mean_s=%.1f max_s=%.1f\n",
             n, edits, cadence, total / edits, max);

  concord_crossing_free (crossing);
  concord_test_app_stop (G_APPLICATION (app));
  return status;
}
