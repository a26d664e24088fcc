/* concord-bench-activity.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The activity view benchmark: N journal rows (default 100,000, with a run
 * every 500 rows, a conflict every 700 and a failure every 300) written
 * through the store in one transaction, then the Activity page in a
 * 1280×800 window scrolled from top to bottom: a tick callback moves the
 * list's vertical adjustment one step each frame, and the frame clock's
 * frame times say how long each frame took. Needs a display (run it under
 * xvfb-run). One summary line and machine-readable lines:
 *
 *   activity scroll over 100000 rows: 721 frames, longest frame 33.3 ms, p95 16.7 ms
 *   bench-activity phase=fill n=100000 wall_s=0.81 rss_mb=86
 *   bench-activity phase=open n=100000 first_page_ms=95.0
 *   bench-activity phase=worst-frame interval_ms=33.3 tick_ms=2.9 layout_ms=16.7 … main_thread_cpu_ms=23.3
 *   bench-activity phase=scroll n=100000 frames=721 max_ms=33.3 p95_ms=16.7 stall_ms=… …
 *
 * stall_ms is the longest the main loop went without running a 1 ms
 * timeout (a probe independent of the frame clock); cpu_max_ms the most
 * CPU time the main thread used from one frame to the next; tick_max_ms the
 * longest move of the list (GtkListView builds and binds the lines that
 * come into view there), update_layout_max_ms and paint_max_ms the longest
 * layout and paint phases. The worst-frame line splits the longest frame
 * into those phases, the main loop's work between frames, and the CPU
 * time the main thread used (the rest it waited for the X server or for
 * a core). --frames sets how many frames the scroll takes
 * (600: jumps of about 170 rows a frame; 3000: about 33). Exits 1 when the
 * scroll did not reach the last row. The target is under 50 ms a frame.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "concord-activity-line.h"
#include "concord-activity-model.h"
#include "concord-activity-view.h"
#include "concord-fields.h"
#include "concord-memory-connector.h"
#include "concord-resources.h"
#include "concord-secret-store.h"
#include "concord-store.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

static ConcordMemoryConnector *sides[2];
static double scroll_frames = 600;

static ConcordConnector *
bench_create (const char  *app_id,
              const char  *options_json,
              const char  *secret,
              GError     **error)
{
  return g_object_ref (CONCORD_CONNECTOR (sides[strstr (options_json, "\"b\"") != NULL ? 1 : 0]));
}

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

static char *
add_account (ConcordEngine *engine,
             const char    *name,
             const char    *options)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  char *id;

  concord_engine_add_account_async (engine, "memory", name, options, "key", NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_account_finish (engine, result, &error);
  if (id == NULL)
    g_error ("%s", error->message);
  return id;
}

static gint64
add_connection (ConcordEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = add_account (engine, "Elastic Email", "{\"side\": \"a\"}");
  g_autofree char *b = add_account (engine, "Shop CRM", "{\"side\": \"b\"}");
  ConcordConnectionRow row = {
    .name = (char *) "Elastic Email ↔ Shop CRM", .account_a = a, .type_a = (char *) "contacts",
    .account_b = b, .type_b = (char *) "contacts", .direction = CONCORD_DIRECTION_BOTH,
    .prefer = CONCORD_PREFER_A, .enabled = FALSE,
  };
  GAsyncResult *slot = NULL;
  gint64 id;

  concord_engine_add_connection_async (engine, &row, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_connection_finish (engine, result, &error);
  if (id <= 0)
    g_error ("%s", error->message);
  return id;
}

/* N rows through the store API, in one transaction. */
static void
fill (const char *path,
      gint64      connection_id,
      guint       n)
{
  static const char * const names[] = { "Ann Smith", "Bob Jones", "Cyd Brown", "Dee Lee", "Eve Moss" };
  static const char * const fields[] = { "company", "phone", "first_name", "job_title", "address_city" };
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 run = 0;
  gint64 time0 = g_get_real_time () / G_USEC_PER_SEC - n;

  store = concord_store_new (path, &error);
  if (store == NULL || !concord_store_begin (store, &error))
    g_error ("%s", error->message);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *email = g_strdup_printf ("person%06u@example.com", i);
      g_autofree char *before = g_strdup_printf ("Value %u", i);
      g_autofree char *after = g_strdup_printf ("Value %u (new)", i);
      g_autofree char *remote_id = g_strdup_printf ("p%06u", i);
      gboolean failed = i % 300 == 299;
      gboolean excluded = i % 10 == 5;
      gboolean create = !excluded && i % 11 == 0;
      ConcordJournalRow row = {
        .time = time0 + i,
        .direction = (char *) (i % 2 ? "a-to-b" : "b-to-a"),
        .remote_id = remote_id,
        .op = (char *) (excluded ? "skip" : create ? "create" : "update"),
        .field = (char *) (excluded || create ? NULL : fields[i % G_N_ELEMENTS (fields)]),
        .before = excluded || create ? NULL : before,
        .after = excluded ? NULL : after,
        .outcome = (char *) (excluded ? "skipped" : failed ? "failed" : "ok"),
        .error = (char *) (excluded ? "out of the scope of the rule A→B"
                           : failed ? "Updating contacts failed: HTTP 429 Too Many Requests" : NULL),
        .email = email,
        .name = (char *) names[i % G_N_ELEMENTS (names)],
      };

      if (i % 500 == 0)
        {
          if (run != 0 && !concord_store_finish_run (store, run, "ok", "{\"a\":{\"updated\":250},\"b\":{\"updated\":250}}", &error))
            g_error ("%s", error->message);
          run = concord_store_begin_run (store, connection_id, FALSE, &error);
          if (run == 0)
            g_error ("%s", error->message);
        }
      row.run_id = run;
      if (!concord_store_add_journal (store, connection_id, &row, &error))
        g_error ("%s", error->message);

      /* A contact a rule left out, and not paired: the health counts it. */
      if (excluded)
        {
          ConcordIndexEntry entry = { .remote_id = remote_id, .email_norm = email };

          if (!concord_store_put_index (store, connection_id, i % 2 ? CONCORD_SIDE_A : CONCORD_SIDE_B,
                                        &entry, &error))
            g_error ("%s", error->message);
        }

      if (i % 700 == 0)
        {
          ConcordConflictRow conflict = {
            .run_id = run, .time = row.time, .link_id = i + 1, .kind = (char *) "field",
            .field = (char *) "company", .value_a = before, .value_b = after,
            .winner = (char *) "a", .resolved = TRUE, .email = email,
            .name = (char *) names[i % G_N_ELEMENTS (names)],
          };

          if (!concord_store_add_conflict (store, connection_id, &conflict, &error))
            g_error ("%s", error->message);
        }
    }
  if (run != 0 && !concord_store_finish_run (store, run, "ok", NULL, &error))
    g_error ("%s", error->message);
  if (!concord_store_commit (store, &error))
    g_error ("%s", error->message);

  g_print ("bench-activity phase=fill n=%u wall_s=%.2f rss_mb=%.0f\n", n,
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC, peak_rss_mb ());

  /* The health summary's "excluded by rules": one in ten rows left a
   * contact out. */
  {
    gint64 excluded;

    start = g_get_monotonic_time ();
    excluded = concord_store_count_excluded (store, connection_id, &error);
    if (excluded < 0)
      g_error ("%s", error->message);
    g_print ("bench-activity phase=health n=%u excluded=%" G_GINT64_FORMAT " ms=%.1f\n", n, excluded,
             (g_get_monotonic_time () - start) / 1000.0);
    if (excluded != (n + 4) / 10)
      g_error ("counted %" G_GINT64_FORMAT " excluded contacts, not %u", excluded, (n + 4) / 10);
  }
}

typedef struct
{
  gint64         phase_start;
  double         layout_ms;   /* the longest layout phase */
  double         paint_ms;    /* the longest paint phase */
  double         tick_ms;     /* the longest tick: moving the list (it builds the lines) */
  double         frame_tick, frame_layout, frame_paint;  /* this frame's phases */
  gint64         frame_end;   /* when the last frame's paint ended */
  gint64         last_cpu;    /* the main thread's CPU time at the last frame */
  double         cpu_ms;      /* the most CPU time the main thread used from one frame to the next */
  double         worst[6];    /* the longest frame: interval, tick, layout, paint, between, main thread CPU */
  GtkAdjustment *adjustment;
  GListModel    *model;
  GArray        *intervals;   /* of double, ms */
  gint64         last_frame;
  gint64         last_probe;
  gint64         max_stall;
  gboolean       done;
  gboolean       at_bottom;
  guint          settle;
  guint          n_frames;
  double         step;
} Scroll;

/* The main thread's CPU time, in µs. */
static gint64
thread_cpu_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Scroll *scroll = user_data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  gint64 cpu = thread_cpu_time ();
  double value, upper, page;

  if (scroll->last_frame != 0)
    {
      double interval = (now - scroll->last_frame) / 1000.0;

      g_array_append_val (scroll->intervals, interval);
      scroll->cpu_ms = MAX (scroll->cpu_ms, (cpu - scroll->last_cpu) / 1000.0);
      if (interval > scroll->worst[0])
        {
          scroll->worst[0] = interval;
          scroll->worst[1] = scroll->frame_tick;
          scroll->worst[2] = scroll->frame_layout;
          scroll->worst[3] = scroll->frame_paint;
          /* the main loop's own work between the last paint and this frame */
          scroll->worst[4] = scroll->frame_end != 0 ? (g_get_monotonic_time () - scroll->frame_end) / 1000.0 : 0;
          /* what the main thread computed in that time; the rest it waited
           * (for the X server, or for a core) */
          scroll->worst[5] = (cpu - scroll->last_cpu) / 1000.0;
        }
    }
  scroll->last_frame = now;
  scroll->last_cpu = cpu;
  scroll->n_frames++;

  value = gtk_adjustment_get_value (scroll->adjustment);
  upper = gtk_adjustment_get_upper (scroll->adjustment);
  page = gtk_adjustment_get_page_size (scroll->adjustment);

  if (value + page >= upper - 1)
    {
      /* At the end: a few more frames for the last pages to come in. */
      scroll->at_bottom = TRUE;
      if (++scroll->settle > 120)
        {
          scroll->done = TRUE;
          return G_SOURCE_REMOVE;
        }
      gtk_adjustment_set_value (scroll->adjustment, upper - page);
      return G_SOURCE_CONTINUE;
    }

  /* The list's height is an estimate that grows as rows are measured:
   * the step is recomputed so the scroll takes about --frames frames. */
  scroll->step = MAX (scroll->step, upper / scroll_frames);
  {
    gint64 t0 = g_get_monotonic_time ();

    gtk_adjustment_set_value (scroll->adjustment, MIN (value + scroll->step, upper - page));
    scroll->frame_tick = (g_get_monotonic_time () - t0) / 1000.0;
    scroll->tick_ms = MAX (scroll->tick_ms, scroll->frame_tick);
  }
  return G_SOURCE_CONTINUE;
}

static void
on_before_layout_cb (GdkFrameClock *clock,
                     Scroll        *scroll)
{
  scroll->phase_start = g_get_monotonic_time ();
}

static void
on_after_layout_cb (GdkFrameClock *clock,
                    Scroll        *scroll)
{
  gint64 now = g_get_monotonic_time ();

  scroll->frame_layout = (now - scroll->phase_start) / 1000.0;
  scroll->layout_ms = MAX (scroll->layout_ms, scroll->frame_layout);
  scroll->phase_start = now;
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   Scroll        *scroll)
{
  scroll->frame_end = g_get_monotonic_time ();
  scroll->frame_paint = (scroll->frame_end - scroll->phase_start) / 1000.0;
  scroll->paint_ms = MAX (scroll->paint_ms, scroll->frame_paint);
}

static gboolean
probe_cb (gpointer user_data)
{
  Scroll *scroll = user_data;
  gint64 now = g_get_monotonic_time ();

  if (scroll->last_probe != 0)
    scroll->max_stall = MAX (scroll->max_stall, now - scroll->last_probe);
  scroll->last_probe = now;
  return G_SOURCE_CONTINUE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(ConcordSecretStore) secrets = NULL;
  g_autoptr(ConcordEngine) engine = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GtkWidget *window, *box, *view, *scroller;
  Scroll scroll = { 0 };
  GOptionEntry entries[] = {
    { "n", 'n', 0, G_OPTION_ARG_INT, NULL, "Journal rows (default 100000)", "N" },
    { "frames", 'f', 0, G_OPTION_ARG_INT, NULL, "Frames from top to bottom (default 600)", "F" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  int n = 100000;
  int frames = 600;
  double p95, longest;
  gint64 start;
  guint probe;
  gboolean reached;

  entries[0].arg_data = &n;
  entries[1].arg_data = &frames;
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || n <= 0 || frames <= 0)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--n and --frames must be positive");
      return 2;
    }
  scroll_frames = frames;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  adw_init ();
  concord_test_register_resources ();

  dir = g_dir_make_tmp ("concord-bench-activity-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "state.sqlite", NULL);
  sides[0] = concord_memory_connector_new ("a", CONCORD_CONNECTOR_NONE);
  sides[1] = concord_memory_connector_new ("b", CONCORD_CONNECTOR_NONE);
  secrets = concord_secret_store_new_in_memory ();
  engine = concord_engine_new (path, secrets, bench_create);
  concord_engine_open_async (engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  if (!concord_engine_open_finish (engine, result, &error))
    g_error ("%s", error->message);

  {
    gint64 id = add_connection (engine);

    fill (path, id, (guint) n);

    window = adw_window_new ();
    box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
    gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
    view = concord_activity_view_new (engine);
    gtk_widget_set_vexpand (view, TRUE);
    gtk_box_append (GTK_BOX (box), view);
    adw_window_set_content (ADW_WINDOW (window), box);
    gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
    gtk_window_present (GTK_WINDOW (window));
    concord_activity_view_set_connection (CONCORD_ACTIVITY_VIEW (view), id);
  }

  /* The first page. */
  scroll.model = concord_activity_view_get_model (CONCORD_ACTIVITY_VIEW (view));
  start = g_get_monotonic_time ();
  while (concord_activity_model_is_loading (CONCORD_ACTIVITY_MODEL (scroll.model)) ||
         g_list_model_get_n_items (scroll.model) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_print ("bench-activity phase=open n=%d first_page_ms=%.1f\n", n,
           (g_get_monotonic_time () - start) / 1000.0);
  for (gint64 end = g_get_monotonic_time () + 500 * 1000; g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, FALSE);

  /* Top to bottom, one step a frame. */
  scroller = NULL;
    {
      /* The list's scrolled window. */
      GPtrArray *stack = g_ptr_array_new ();

      g_ptr_array_add (stack, view);
      while (stack->len > 0 && scroller == NULL)
        {
          GtkWidget *w = g_ptr_array_steal_index (stack, stack->len - 1);

          if (GTK_IS_SCROLLED_WINDOW (w) && g_strcmp0 (gtk_widget_get_name (w), "activity-scroller") == 0)
            scroller = w;
          for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
            g_ptr_array_add (stack, c);
        }
      g_ptr_array_unref (stack);
    }
  g_assert (scroller != NULL);

  scroll.adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  scroll.intervals = g_array_new (FALSE, FALSE, sizeof (double));
  probe = g_timeout_add (1, probe_cb, &scroll);
  start = g_get_monotonic_time ();
  gtk_widget_add_tick_callback (scroller, tick_cb, &scroll, NULL);
  {
    GdkFrameClock *clock = gtk_widget_get_frame_clock (scroller);

    g_signal_connect (clock, "update", G_CALLBACK (on_before_layout_cb), &scroll);
    g_signal_connect (clock, "layout", G_CALLBACK (on_after_layout_cb), &scroll);
    g_signal_connect_after (clock, "paint", G_CALLBACK (on_after_paint_cb), &scroll);
  }
  while (!scroll.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (probe);

  reached = concord_test_find_text (view, "person000000@example.com") != NULL;
  g_array_sort (scroll.intervals, compare_doubles);
  longest = scroll.intervals->len > 0 ? g_array_index (scroll.intervals, double, scroll.intervals->len - 1) : 0;
  p95 = scroll.intervals->len > 0
        ? g_array_index (scroll.intervals, double, (guint) (scroll.intervals->len * 0.95))
        : 0;

  g_print ("activity scroll over %d rows: %u frames, longest frame %.1f ms, p95 %.1f ms\n",
           n, scroll.n_frames, longest, p95);
  g_print ("bench-activity phase=worst-frame interval_ms=%.1f tick_ms=%.1f layout_ms=%.1f paint_ms=%.1f "
           "between_frames_ms=%.1f main_thread_cpu_ms=%.1f\n", scroll.worst[0], scroll.worst[1], scroll.worst[2],
           scroll.worst[3], scroll.worst[4], scroll.worst[5]);
  g_print ("bench-activity phase=scroll n=%d frames=%u max_ms=%.1f p95_ms=%.1f stall_ms=%.1f "
           "cpu_max_ms=%.1f tick_max_ms=%.1f update_layout_max_ms=%.1f paint_max_ms=%.1f wall_s=%.2f rows_held=%u reached_end=%s rss_mb=%.0f\n",
           n, scroll.n_frames, longest, p95, scroll.max_stall / 1000.0, scroll.cpu_ms, scroll.tick_ms, scroll.layout_ms, scroll.paint_ms,
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC,
           concord_activity_model_get_n_loaded (CONCORD_ACTIVITY_MODEL (scroll.model)),
           reached ? "yes" : "no", peak_rss_mb ());

  gtk_window_destroy (GTK_WINDOW (window));
  g_array_unref (scroll.intervals);
  for (gint64 end = g_get_monotonic_time () + 200 * 1000; g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, FALSE);

  if (g_getenv ("CONCORD_BENCH_KEEP") != NULL)
    g_print ("kept %s\n", path);
  else
  {
    const char *files[] = { "state.sqlite", "state.sqlite-wal", "state.sqlite-shm" };

    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *file = g_build_filename (dir, files[i], NULL);

        g_unlink (file);
      }
    g_rmdir (dir);
  }

  return reached ? 0 : 1;
}
