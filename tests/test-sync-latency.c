/* test-sync-latency.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * An edit crosses by itself: the real application and its main window, a
 * 1,000-contact two-way connection between two Elastic Email mock servers
 * in processes of their own, on its automatic schedule (a minute for two
 * sides of ten pages each). The row says when the next sync is; a first
 * name changed on the first server through its API, as another program
 * would, reaches the second one with no action in the app, within 90 s.
 * The clock runs ten times faster (CONCORD_SYNC_CLOCK_SCALE), so the
 * schedule's minute passes in 6 s; bench/concord-bench-latency measures
 * the same with the real clock.
 *
 * Suites 'ui' and 'keyring': the accounts' keys go to the session keyring.
 */

#include "config.h"

#include <adwaita.h>

#include "concord-application.h"
#include "concord-test-crossing.h"
#include "concord-window.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

#ifdef __SANITIZE_ADDRESS__
#define N_CONTACTS 300
#else
#define N_CONTACTS 1000
#endif

static ConcordApplication *app;

static void
test_edit_crosses (void)
{
  ConcordCrossing *crossing;
  ConcordConnectionState *state;
  GtkWindow *window;
  guint n_runs = 0;
  double seconds;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  gtk_window_set_default_size (window, 900, 640);

  crossing = concord_crossing_new (app, N_CONTACTS);
  state = concord_crossing_get_state (crossing);
  g_assert_cmpuint (concord_connection_state_get_schedule (state), ==, 0);
  g_assert_cmpuint (concord_connection_state_get_cadence (state), ==, 60);

  /* The row says when, by itself. */
  CONCORD_TEST_WAIT_FOR (concord_test_find_text (GTK_WIDGET (window), "Next sync in") != NULL);
  concord_test_save_window (GTK_WIDGET (window), "connections-next-sync.png", 300);

  /* No action in the app: the schedule carries it. */
  concord_crossing_edit (crossing);
  seconds = concord_crossing_wait (crossing, 90, &n_runs);
  g_assert_cmpfloat (seconds, >=, 0);
  g_assert_cmpuint (n_runs, >=, 1);
  g_test_message ("the edit crossed in %.1f s (clock ×10), in %u run(s)", seconds, n_runs);

  /* And again, from the next schedule. */
  CONCORD_TEST_WAIT_FOR (concord_test_find_text (GTK_WIDGET (window), "Next sync in") != NULL);
  concord_crossing_edit (crossing);
  g_assert_cmpfloat (concord_crossing_wait (crossing, 90, NULL), >=, 0);

  /* With CONCORD_SCREENSHOT_DIR: the list and the connection's schedule,
   * wide and at 360 px. */
  if (g_getenv ("CONCORD_SCREENSHOT_DIR") != NULL)
    {
      gtk_window_set_default_size (window, 360, 640);
      concord_test_save_window (GTK_WIDGET (window), "connections-next-sync-360.png", 1000);
      concord_window_show_connection (CONCORD_WINDOW (window), concord_connection_state_get_id (state), NULL);
      CONCORD_TEST_WAIT_FOR (concord_test_find_text (GTK_WIDGET (window), "Automatic (every 1 min)") != NULL);
      concord_test_save_window (GTK_WIDGET (window), "connection-schedule-360.png", 1000);
      gtk_window_set_default_size (window, 900, 640);
      concord_test_save_window (GTK_WIDGET (window), "connection-schedule.png", 1000);
    }

  concord_crossing_free (crossing);
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_setenv ("CONCORD_SYNC_CLOCK_SCALE", "10", TRUE);
  app = CONCORD_APPLICATION (concord_test_app_start (&argc, &argv, "SyncLatency"));
  if (app == NULL)
    return 77;

  g_test_add_func ("/concord/ui/edit-crosses-by-itself", test_edit_crosses);
  ret = g_test_run ();

  concord_test_app_stop (G_APPLICATION (g_steal_pointer (&app)));
  return ret;
}
