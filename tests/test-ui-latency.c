/* test-ui-latency.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The window stays responsive during a sync because the sync never runs
 * on the UI thread. This checks that without a clock: the real
 * application and its main window, a 20,000-contact connection between
 * two Elastic Email mock servers in processes of their own; once the run
 * has started, the test stops running the UI main loop altogether and
 * asks the second server, with blocking calls of its own, until every
 * contact has arrived there. Had any step of the run (reading, planning,
 * writing, storing) needed the UI thread, nothing more would arrive. Then
 * the loop runs again and the run ends well, its progress shown.
 *
 * How long the loop stalls while the window draws a sync depends on the
 * machine and its load: bench/concord-bench-ui-latency measures it. The
 * figures of this run are printed to the log, not held to a limit.
 *
 * Suites 'ui' and 'keyring': the accounts' keys go to the session keyring.
 */

#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <string.h>

#include "concord-application.h"
#include "concord-engine.h"
#include "concord-test-connector.h"
#include "concord-test-crossing.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

/* Under AddressSanitizer every allocation is many times slower: fewer
 * contacts there, the same checks. */
#ifdef __SANITIZE_ADDRESS__
#define N_CONTACTS 2000
#else
#define N_CONTACTS 20000
#endif

#define KEY_A "key-shop-latency"
#define KEY_B "key-news-latency"

/* Generous: a loaded machine and the sanitizers make a run much slower. */
#define BLOCKED_TIMEOUT_S 400

static ConcordApplication *app;

typedef struct
{
  gint64   id;
  gboolean finished;
  gboolean ok;
  double   max_fraction;
} Run;

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

static void
on_fraction (ConcordConnectionState *state,
             GParamSpec             *pspec,
             Run                    *run)
{
  run->max_fraction = MAX (run->max_fraction, concord_connection_state_get_fraction (state));
}

static gboolean
on_loop_tick (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* Whether the mock server at @base_url holds at least @n contacts: one
 * HTTP request on a blocking socket, which never touches a main context. */
static gboolean
mock_holds_at_least (const char *base_url,
                     const char *key,
                     guint       n)
{
  g_autofree char *path = g_strdup_printf ("/contacts?limit=1&offset=%u", n - 1);
  g_autofree char *body = concord_test_mock_request (base_url, key, "GET", path, NULL);

  /* A page of one contact, or an empty one past the end. */
  return strstr (body, "\"Email\"") != NULL;
}

static gboolean
run_done (gpointer data)
{
  return ((Run *) data)->finished;
}

typedef struct
{
  ConcordConnectionState *state;
  Run                    *run;
} Started;

static gboolean
run_started (gpointer data)
{
  Started *started = data;

  return concord_connection_state_get_status (started->state) == CONCORD_CONNECTION_RUNNING ||
         started->run->finished;
}

static void
test_sync_off_ui_thread (void)
{
  ConcordEngine *engine = concord_application_get_engine (app);
  g_autoptr(GSubprocess) mock_a = NULL;
  g_autoptr(GSubprocess) mock_b = NULL;
  g_autofree char *url_a = NULL;
  g_autofree char *url_b = NULL;
  g_autofree char *options_a = NULL;
  g_autofree char *options_b = NULL;
  g_autofree char *account_a = NULL;
  g_autofree char *account_b = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ConcordConnectionRow row = { 0 };
  ConcordConnectionState *state;
  GAsyncResult *slot = NULL;
  Run run = { 0 };
  GtkWindow *window;
  guint loop_ticks = 0, ticks_before, timer_id;
  gboolean arrived = FALSE;
  gint64 blocked_at, deadline;

  mock_a = concord_test_spawn_mock (KEY_A, N_CONTACTS, &url_a);
  mock_b = concord_test_spawn_mock (KEY_B, 0, &url_b);

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  gtk_window_set_default_size (window, 1280, 800);
  g_assert_true (concord_test_wait_until (concord_test_is_mapped, window, 60));

  options_a = g_strdup_printf ("{\"base_url\": \"%s\"}", url_a);
  options_b = g_strdup_printf ("{\"base_url\": \"%s\"}", url_b);
  account_a = concord_test_add_account (engine, "elasticemail", "Shop", options_a, KEY_A);
  account_b = concord_test_add_account (engine, "elasticemail", "Newsletter", options_b, KEY_B);

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
  g_assert_no_error (error);
  g_assert_cmpint (run.id, >, 0);

  state = concord_engine_lookup (engine, run.id);
  g_assert_nonnull (state);
  g_signal_connect (engine, "run-finished", G_CALLBACK (on_run_finished), &run);
  g_signal_connect (state, "notify::fraction", G_CALLBACK (on_fraction), &run);
  timer_id = g_timeout_add (10, on_loop_tick, &loop_ticks);

  /* The connection on: its first run starts at once, on the engine thread. */
  g_clear_object (&result);
  concord_engine_set_enabled_async (engine, run.id, TRUE, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_set_enabled_finish (engine, result, &error));
  g_assert_no_error (error);
  {
    Started started = { state, &run };

    g_assert_true (concord_test_wait_until (run_started, &started, 300));
  }
  g_assert_false (mock_holds_at_least (url_b, KEY_B, N_CONTACTS));

  /* From here the UI main loop does not run at all: every contact must
   * still reach the newsletter. */
  ticks_before = loop_ticks;
  blocked_at = g_get_monotonic_time ();
  deadline = blocked_at + BLOCKED_TIMEOUT_S * G_USEC_PER_SEC;
  while (!(arrived = mock_holds_at_least (url_b, KEY_B, N_CONTACTS)) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_cmpuint (loop_ticks, ==, ticks_before);
  if (!arrived)
    g_error ("with the UI main loop stopped, the run did not bring all %d contacts in %d s: "
             "it needs the UI thread", N_CONTACTS, BLOCKED_TIMEOUT_S);
  g_test_message ("all %d contacts arrived in %.1f s with the UI main loop stopped",
                  N_CONTACTS, (g_get_monotonic_time () - blocked_at) / 1e6);

  /* The loop runs again: the run ends well, and the row showed it. */
  g_assert_true (concord_test_wait_until (run_done, &run, 300));
  g_source_remove (timer_id);
  g_assert_true (run.ok);
  g_assert_cmpint (concord_connection_state_get_n_linked (state), ==, N_CONTACTS);
  g_assert_cmpfloat (run.max_fraction, >, 0.0);

  /* Leave no keys in the session keyring. */
  concord_test_remove_connection_and_accounts (engine, run.id, account_a, account_b);

  g_subprocess_send_signal (mock_a, SIGTERM);
  g_subprocess_send_signal (mock_b, SIGTERM);
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  app = CONCORD_APPLICATION (concord_test_app_start (&argc, &argv, "Latency"));
  if (app == NULL)
    return 77;

  g_test_add_func ("/concord/ui/sync-off-ui-thread", test_sync_off_ui_thread);
  ret = g_test_run ();

  concord_test_app_stop (G_APPLICATION (g_steal_pointer (&app)));
  return ret;
}
