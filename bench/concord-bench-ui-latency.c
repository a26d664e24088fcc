/* concord-bench-ui-latency.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The UI main loop during a sync of N contacts (default 20,000), measured
 * where a person would feel it: the real application and its main window,
 * drawing the connection's row and its progress, while the engine syncs
 * two Elastic Email mock servers that run as separate processes (so that
 * serving HTTP never counts against the window). Two probes run on the UI
 * main loop: the window's frame clock (the longest time between two
 * frames) and a 10 ms timeout (the longest time the loop could not run
 * it). The target is under 100 ms for both, on an idle machine: other
 * load on the machine counts against it, which is why this is a
 * benchmark and not a test (tests/test-ui-latency.c checks what does not
 * depend on the machine: that the sync does not need the UI thread).
 *
 * It needs a display and an unlocked keyring on the session bus (the
 * accounts' keys go there, and are removed at the end), as in CI:
 *
 *   xvfb-run -a dbus-run-session -- sh -c 'printf pw | gnome-keyring-daemon \
 *     --unlock --components=secrets >/dev/null; ./_build/bench/concord-bench-ui-latency'
 *
 * One summary line and a machine-readable one:
 *
 *   UI main loop during a 20000-contact sync: longest frame interval 50.1 ms over 355 frames, longest stall 33.2 ms
 *   bench-ui-latency phase=sync n=20000 wall_s=27.2 frames=355 max_frame_ms=50.1 probes=458 stall_ms=33.2
 *
 * --n sets the number of contacts. Exits 1 when the sync failed, 77 with
 * no unlocked keyring.
 */

#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <stdlib.h>

#include "concord-application.h"
#include "concord-engine.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

typedef struct
{
  gint64 last;
  gint64 max_gap;
  guint  count;
} Probe;

typedef struct
{
  gint64   id;
  gboolean finished;
  gboolean ok;
} Run;

static void
probe_note (Probe *probe)
{
  gint64 now = g_get_monotonic_time ();

  if (probe->last != 0)
    probe->max_gap = MAX (probe->max_gap, now - probe->last);
  probe->last = now;
  probe->count++;
}

static gboolean
frame_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       data)
{
  probe_note (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
timer_tick (gpointer data)
{
  probe_note (data);
  return G_SOURCE_CONTINUE;
}

static void
on_run_finished (ConcordEngine          *engine,
                 ConcordConnectionState *state,
                 gboolean                ok,
                 Run                    *run)
{
  if (concord_connection_state_get_id (state) != run->id)
    return;
  run->finished = TRUE;
  run->ok = ok;
}

static gboolean
run_done (gpointer data)
{
  return ((Run *) data)->finished;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
task_done (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ConcordApplication) app = NULL;
  g_autoptr(GSubprocess) mock_a = NULL;
  g_autoptr(GSubprocess) mock_b = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url_a = NULL;
  g_autofree char *url_b = NULL;
  g_autofree char *options_a = NULL;
  g_autofree char *options_b = NULL;
  g_autofree char *account_a = NULL;
  g_autofree char *account_b = NULL;
  ConcordConnectionRow row = { 0 };
  ConcordEngine *engine;
  GAsyncResult *slot = NULL;
  Probe frames = { 0 }, loop = { 0 };
  Run run = { 0 };
  GtkWindow *window;
  guint tick_id, timer_id;
  gint64 started;
  int n = 20000;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--n") && i + 1 < argc)
      n = atoi (argv[++i]);
  if (n <= 0)
    {
      g_printerr ("Usage: %s [--n N]\n", argv[0]);
      return 2;
    }

  app = CONCORD_APPLICATION (concord_test_app_start (&argc, &argv, "LatencyBench"));
  if (app == NULL)
    return 77;
  engine = concord_application_get_engine (app);

  mock_a = concord_test_spawn_mock ("key-shop-latency", n, &url_a);
  mock_b = concord_test_spawn_mock ("key-news-latency", 0, &url_b);

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  gtk_window_set_default_size (window, 1280, 800);
  if (!concord_test_wait_until (is_mapped, window, 60))
    g_error ("the window was never shown");

  options_a = g_strdup_printf ("{\"base_url\": \"%s\"}", url_a);
  options_b = g_strdup_printf ("{\"base_url\": \"%s\"}", url_b);
  account_a = concord_test_add_account (engine, "elasticemail", "Shop", options_a, "key-shop-latency");
  account_b = concord_test_add_account (engine, "elasticemail", "Newsletter", options_b, "key-news-latency");

  row.name = (char *) "Shop and Newsletter";
  row.account_a = account_a;
  row.type_a = (char *) "contacts";
  row.account_b = account_b;
  row.type_b = (char *) "contacts";
  row.direction = CONCORD_DIRECTION_BOTH;
  row.enabled = FALSE;
  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  run.id = concord_engine_add_connection_finish (engine, result, &error);
  if (run.id <= 0)
    g_error ("%s", error->message);
  g_signal_connect (engine, "run-finished", G_CALLBACK (on_run_finished), &run);

  /* Probes on, then the connection: its first run starts at once. */
  tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (window), frame_tick, &frames, NULL);
  timer_id = g_timeout_add (10, timer_tick, &loop);
  started = g_get_monotonic_time ();
  g_clear_object (&result);
  concord_engine_set_enabled_async (engine, run.id, TRUE, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  if (!concord_engine_set_enabled_finish (engine, result, &error))
    g_error ("%s", error->message);
  if (!concord_test_wait_until (run_done, &run, 3600))
    g_error ("the sync did not end within an hour");
  gtk_widget_remove_tick_callback (GTK_WIDGET (window), tick_id);
  g_source_remove (timer_id);

  g_print ("UI main loop during a %d-contact sync: longest frame interval %.1f ms over %u frames, "
           "longest stall %.1f ms\n", n, frames.max_gap / 1000.0, frames.count, loop.max_gap / 1000.0);
  g_print ("bench-ui-latency phase=sync n=%d wall_s=%.1f frames=%u max_frame_ms=%.1f probes=%u "
           "stall_ms=%.1f ok=%d\n", n, (g_get_monotonic_time () - started) / 1e6, frames.count,
           frames.max_gap / 1000.0, loop.count, loop.max_gap / 1000.0, run.ok);

  /* Leave no keys in the session keyring. */
  g_clear_object (&result);
  concord_engine_remove_connection_async (engine, run.id, NULL, concord_test_store_result_cb, &slot);
  concord_test_wait_until (task_done, &slot, 60);
  g_clear_object (&slot);
  concord_engine_remove_account_async (engine, account_a, NULL, concord_test_store_result_cb, &slot);
  concord_test_wait_until (task_done, &slot, 60);
  g_clear_object (&slot);
  concord_engine_remove_account_async (engine, account_b, NULL, concord_test_store_result_cb, &slot);
  concord_test_wait_until (task_done, &slot, 60);
  g_clear_object (&slot);

  g_subprocess_send_signal (mock_a, SIGTERM);
  g_subprocess_send_signal (mock_b, SIGTERM);
  gtk_window_destroy (window);
  concord_test_app_stop (G_APPLICATION (g_steal_pointer (&app)));

  return run.ok ? 0 : 1;
}
