/* test-activity-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Activity and Health pages of a connection synced over memory
 * connectors, in a 1280×800 window: a contact's change found by typing
 * its email or name in the search entry, with the field's before → after;
 * "Use the Other Value" from its button, end to end; the health counts of
 * a known set-up; rows of bad stored data; and a long activity that is
 * never loaded whole. With CONCORD_SCREENSHOT_DIR set, both pages are
 * saved as PNGs (dark with CONCORD_COLOR_SCHEME=dark).
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "concord-activity-line.h"
#include "concord-activity-text.h"
#include "concord-activity-view.h"
#include "concord-health-view.h"
#include "concord-resources.h"
#include "concord-store.h"
#include "concord-test-ui.h"

#include "concord-activity-world.h"

typedef struct
{
  World     *world;
  GtkWidget *window;
  GtkWidget *view;
} Fixture;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static GtkWidget *
line_of (GtkWidget *widget)
{
  while (widget != NULL && !CONCORD_IS_ACTIVITY_LINE (widget))
    widget = gtk_widget_get_parent (widget);
  return widget;
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
label_shown (gpointer data)
{
  LabelWait *wait = data;

  return concord_test_find_text (wait->root, wait->text) != NULL;
}

static gboolean
label_gone (gpointer data)
{
  LabelWait *wait = data;

  return concord_test_find_text (wait->root, wait->text) == NULL;
}

static void
wait_for_no_label (GtkWidget  *root,
                   const char *text)
{
  LabelWait wait = { root, text };

  if (!concord_test_wait_until (label_gone, &wait, 20))
    g_error ("a label still shows “%s”", text);
}

static GtkWidget *
wait_for_label (GtkWidget  *root,
                const char *text)
{
  LabelWait wait = { root, text };

  if (!concord_test_wait_until (label_shown, &wait, 20))
    g_error ("no label shows “%s”", text);
  return concord_test_find_text (root, text);
}

static void
check_accessible_label (GtkWidget *widget)
{
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                                   GTK_ACCESSIBLE_PROPERTY_LABEL));
}

static void
screenshot (GtkWidget  *window,
            const char *base)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  g_autofree char *file = g_strdup_printf ("%s%s.png", base, dark ? "-dark" : "");

  concord_test_save_window (window, file, 700);
}

static GtkWidget *
page_window (GtkWidget  *page,
             const char *title)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                   adw_window_title_new ("Elastic Email ↔ Shop CRM", title));
  gtk_box_append (GTK_BOX (box), header);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

typedef struct
{
  GListModel *model;
  guint       at_least;
} ModelWait;

static gboolean
model_ready (gpointer data)
{
  ModelWait *wait = data;

  return !concord_activity_model_is_loading (CONCORD_ACTIVITY_MODEL (wait->model)) &&
         g_list_model_get_n_items (wait->model) >= wait->at_least;
}

static void
wait_model (GtkWidget *view,
            guint      at_least)
{
  ModelWait wait = { concord_activity_view_get_model (CONCORD_ACTIVITY_VIEW (view)), at_least };

  g_assert_true (concord_test_wait_until (model_ready, &wait, 20));
}

/* What the screenshots show besides the synced contacts: a run that failed
 * on a revoked key, and a contact the CRM refused for its email address. */
static void
add_realistic_failures (World *world)
{
  g_autofree char *path = world_db_path ();
  g_autoptr(ConcordStore) store = concord_store_new (path, NULL);
  gint64 run;
  ConcordJournalRow refused = {
    .direction = (char *) "a-to-b", .op = (char *) "create", .outcome = (char *) "failed",
    .error = (char *) "Creating contacts failed: HTTP 400 Bad Request: invalid email address",
    .email = (char *) "jon.appleseed@exmaple,com", .name = (char *) "Jon Appleseed",
    .code = (char *) "invalid-data", .code_side = (char *) "b", .code_field = (char *) "email",
  };
  g_autoptr(GError) revoked = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                                                   "Reading side b failed: Listing contacts failed: "
                                                   "HTTP 401 Unauthorized");

  g_assert_nonnull (store);
  run = concord_store_begin_run (store, world->connection_id, FALSE, NULL);
  refused.run_id = run;
  g_assert_true (concord_store_add_journal (store, world->connection_id, &refused, NULL));
  g_assert_true (concord_store_finish_run (store, run, "partial", "{\"a\":{\"failed\":0},\"b\":{\"failed\":1}}",
                                           NULL));

  run = concord_store_begin_run (store, world->connection_id, FALSE, NULL);
  g_assert_true (concord_store_finish_run (store, run, "failed", NULL, NULL));
  concord_error_set_side (revoked, CONCORD_SIDE_B);
  g_assert_true (concord_store_set_run_error (store, run, revoked, NULL));
}

/* ------------------------------------------------------------------------- */
/* Fixture                                                                   */
/* ------------------------------------------------------------------------- */

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* A fresh database per test, away from the user's own. */
  world_data_dir = g_dir_make_tmp ("concord-activity-XXXXXX", &error);
  g_assert_no_error (error);
  f->world = world_new ();
}

static gboolean
window_gone (gpointer data)
{
  return *(GtkWidget **) data == NULL;
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  if (f->window != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);
      gtk_window_destroy (GTK_WINDOW (f->window));
      g_assert_true (concord_test_wait_until (window_gone, &f->window, 10));
    }
  world_free (f->world);

  concord_test_remove_dir (world_data_dir);
  g_clear_pointer (&world_data_dir, g_free);
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

static void
test_search_and_flip (Fixture       *f,
                      gconstpointer  data)
{
  GtkWidget *entry, *label, *line, *button, *list;
  g_autoptr(ConcordRecord) a = NULL;
  g_autoptr(ConcordRecord) b = NULL;
  guint finished;

  world_populate (f->world);
  add_realistic_failures (f->world);

  f->view = concord_activity_view_new (f->world->engine);
  f->window = page_window (f->view, "Activity");
  concord_activity_view_set_connection (CONCORD_ACTIVITY_VIEW (f->view), f->world->connection_id);
  wait_model (f->view, 5);

  list = concord_test_named (f->view, "activity-list");
  entry = concord_test_named (f->view, "activity-search");
  check_accessible_label (entry);
  check_accessible_label (list);
  g_assert_true (gtk_widget_grab_focus (entry));

  /* The run that failed on a revoked key, explained, with its fix. */
  wait_for_label (list, "Sync failed");
  wait_for_label (list, "Shop CRM refused Concord’s API key");
  wait_for_label (list, "replace it in Preferences → Accounts → Replace Key");
  wait_for_label (list, "The contact’s “Email” is not valid");
  screenshot (f->window, "activity");

  /* Bob's email finds his new phone, before → after, and only Bob. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "BOB@example");
  wait_for_no_label (list, "Lovelace");
  wait_model (f->view, 1);
  label = wait_for_label (list, "Phone: (empty) → +442079460018");
  line = line_of (label);
  g_assert_nonnull (line);
  g_assert_nonnull (concord_test_find_text (line, "Bob Builder"));
  g_assert_nonnull (concord_test_find_text (line, "Updated in Elastic Email"));
  g_assert_null (concord_test_find_text (list, "Sync failed"));

  /* Ada's name finds her conflict; its button uses the other value. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "lovelace");
  wait_for_no_label (list, "Bob Builder");
  wait_model (f->view, 1);
  label = wait_for_label (list, "Company changed in both apps");
  line = line_of (label);
  g_assert_nonnull (concord_test_find_text (line, "Kept the value of Elastic Email"));
  wait_for_label (list, "Company: Difference Ltd → Babbage & Co");
  button = NULL;
  for (GtkWidget *w = gtk_widget_get_first_child (gtk_widget_get_first_child (line)); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_BUTTON (w))
      button = w;
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_true (gtk_widget_get_focusable (button));
  check_accessible_label (button);

  finished = f->world->finished;
  gtk_widget_activate (button);
  {
    gpointer wait[2] = { f->world, GUINT_TO_POINTER (finished + 1) };

    g_assert_true (concord_test_wait_until (world_finished_at_least, wait, 30));
  }

  /* Both apps now hold the value that lost, and the activity says so. */
  a = world_find (f->world, CONCORD_SIDE_A, "ada@example.com");
  b = world_find (f->world, CONCORD_SIDE_B, "ada@example.com");
  g_assert_cmpstr (concord_record_get_text (a, CONCORD_FIELD_COMPANY), ==, "Difference Ltd");
  g_assert_cmpstr (concord_record_get_text (b, CONCORD_FIELD_COMPANY), ==, "Difference Ltd");
  wait_for_label (list, "You chose the value of Shop CRM");
  wait_for_label (list, "Changed in Shop CRM at your request");
  wait_for_label (list, "Company: Babbage & Co → Difference Ltd");

  /* Nothing found: said so. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "nobody-at-all");
  wait_for_label (f->view, "No Results");
}

static void
test_health (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *failing;

  world_populate (f->world);

  f->view = concord_health_view_new (f->world->engine);
  f->window = page_window (f->view, "Overview");
  concord_health_view_set_connection (CONCORD_HEALTH_VIEW (f->view), f->world->connection_id);
  CONCORD_TEST_WAIT_FOR (!concord_health_view_is_loading (CONCORD_HEALTH_VIEW (f->view)));

  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (concord_test_named (f->view, "health-in-sync-count"))), ==, "3");
  /* The two without an email cannot sync; no rule left anyone out. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (concord_test_named (f->view, "health-excluded-count"))), ==, "0");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (concord_test_named (f->view, "health-cannot-sync-count"))), ==, "2");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (concord_test_named (f->view, "health-unmatched-count"))), ==, "0");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (concord_test_named (f->view, "health-failing-count"))), ==, "2");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (concord_test_named (f->view, "health-waiting-count"))), ==, "1");

  /* Failing, grouped: one reason for both, with what to do. */
  failing = concord_test_named (f->view, "health-failing");
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (failing)));
  wait_for_label (failing, "Shop CRM had a problem of its own");
  wait_for_label (failing, "injected failure");

  /* A newer run whose writes failed for two reasons: two groups. */
  {
    g_autofree char *path = world_db_path ();
    g_autoptr(ConcordStore) store = concord_store_new (path, NULL);
    const struct { const char *text; const char *code; const char *field; } errors[] = {
      { "Creating contacts failed: HTTP 400 Bad Request: invalid email address", "invalid-data", "email" },
      { "Creating contacts failed: HTTP 400 Bad Request: invalid email address", "invalid-data", "email" },
      { "Updating contacts failed: HTTP 429 Too Many Requests", "rate-limited", NULL },
    };
    gint64 run = concord_store_begin_run (store, f->world->connection_id, FALSE, NULL);

    for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
      {
        ConcordJournalRow row = {
          .run_id = run, .direction = (char *) "a-to-b", .op = (char *) "create",
          .outcome = (char *) "failed", .error = (char *) errors[i].text,
          .code = (char *) errors[i].code, .code_side = (char *) "b", .code_field = (char *) errors[i].field,
        };

        g_assert_true (concord_store_add_journal (store, f->world->connection_id, &row, NULL));
      }
    g_assert_true (concord_store_finish_run (store, run, "partial", NULL, NULL));
  }
  concord_health_view_refresh (CONCORD_HEALTH_VIEW (f->view));
  CONCORD_TEST_WAIT_FOR (!concord_health_view_is_loading (CONCORD_HEALTH_VIEW (f->view)));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (concord_test_named (f->view, "health-failing-count"))), ==, "3");
  wait_for_label (failing, "The contact’s “Email” is not valid");
  wait_for_label (failing, "Shop CRM asked Concord to slow down");
  screenshot (f->window, "health");

  /* After B takes them: nothing fails, five in sync. */
  concord_memory_connector_set_fail_func (f->world->sides[CONCORD_SIDE_B], NULL, NULL);
  g_assert_true (world_sync (f->world));
  /* The run's end makes the view read the counts again. */
  CONCORD_TEST_WAIT_FOR (!concord_health_view_is_loading (CONCORD_HEALTH_VIEW (f->view)) &&
                         g_str_equal (gtk_label_get_text (GTK_LABEL (concord_test_named (
                                        f->view, "health-in-sync-count"))), "5"));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (concord_test_named (f->view, "health-failing-count"))), ==, "0");
  g_assert_false (adw_expander_row_get_enable_expansion (ADW_EXPANDER_ROW (failing)));
}

static void
on_search_changed (gboolean *searched)
{
  *searched = TRUE;
}

/* Bad stored data (NULLs, huge values, invalid UTF-8) shows without a crash. */
static void
test_odd_data (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = world_db_path ();
  g_autoptr(ConcordStore) store = concord_store_new (path, NULL);
  g_autofree char *huge = g_strnfill (100000, 'y');
  ConcordJournalRow rows[] = {
    { .direction = (char *) "a-to-b", .op = (char *) "update", .outcome = (char *) "ok" },
    { .direction = (char *) "b-to-a", .op = (char *) "update", .outcome = (char *) "ok",
      .field = (char *) "custom:Notes", .before = huge, .after = huge, .email = huge, .name = huge },
    { .direction = (char *) "a-to-b", .op = (char *) "create", .outcome = (char *) "failed",
      .field = (char *) "\xc3\x28", .before = (char *) "\xff\xfe", .after = (char *) "x\x80",
      .email = (char *) "odd\xe2\x82@example.com", .name = (char *) "Odd\xc3", .error = (char *) "\xf0\x90" },
    { .direction = (char *) "??", .op = (char *) "??", .outcome = (char *) "??",
      .before = (char *) "two\nlines\t\x01", .error = (char *) "" },
  };
  ConcordConflictRow conflict = { .kind = (char *) "field", .winner = (char *) "?",
                                  .value_a = (char *) "\xff", .link_id = 99 };
  GtkWidget *list;
  gboolean searched = FALSE;

  g_assert_nonnull (store);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_assert_true (concord_store_add_journal (store, f->world->connection_id, &rows[i], NULL));
  g_assert_true (concord_store_add_conflict (store, f->world->connection_id, &conflict, NULL));

  f->view = concord_activity_view_new (f->world->engine);
  f->window = page_window (f->view, "Activity");
  concord_activity_view_set_connection (CONCORD_ACTIVITY_VIEW (f->view), f->world->connection_id);
  wait_model (f->view, 5);
  list = concord_test_named (f->view, "activity-list");

  wait_for_label (list, "Odd\xef\xbf\xbd");
  wait_for_label (list, "Notes: yyyy");
  wait_for_label (list, "(empty) → (empty)");
  /* A conflict whose winner cannot be read offers no button. */
  wait_for_label (list, "changed in both apps");

  /* The entry's own delay, then the new query: wait for both. */
  g_signal_connect_swapped (concord_test_named (f->view, "activity-search"), "search-changed",
                            G_CALLBACK (on_search_changed), &searched);
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (f->view, "activity-search")), "odd\xe2");
  CONCORD_TEST_WAIT_FOR (searched);
  wait_model (f->view, 0);
  g_assert_true (gtk_widget_get_mapped (list));
}

/* Values as people write them: a list as "VIP, Pro", never JSON; a
 * contact without a name by its email; a custom field by its own name. */
static void
test_values_as_written (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = world_db_path ();
  g_autoptr(ConcordStore) store = concord_store_new (path, NULL);
  ConcordJournalRow rows[] = {
    { .direction = (char *) "a-to-b", .op = (char *) "update", .outcome = (char *) "ok",
      .field = (char *) "lists", .before = (char *) "[\"VIP\"]", .after = (char *) "[\"Pro\",\"VIP\"]",
      .email = (char *) "nameless@example.com" },
    { .direction = (char *) "b-to-a", .op = (char *) "update", .outcome = (char *) "ok",
      .field = (char *) "custom:Tier", .before = (char *) "Gold", .after = (char *) "Platinum",
      .email = (char *) "tier@example.com", .name = (char *) "" },
    { .direction = (char *) "b-to-a", .op = (char *) "update", .outcome = (char *) "ok",
      .field = (char *) "consent", .before = (char *) "false", .after = (char *) "true",
      .email = (char *) "consent@example.com", .name = (char *) "Cora" },
    { .direction = (char *) "a-to-b", .op = (char *) "update", .outcome = (char *) "ok",
      .field = (char *) "emails", .before = (char *) "[\"work\\tann@example.com\"]",
      .after = (char *) "[\"home\\tann@home.example\",\"work\\tann@example.com\"]",
      .email = (char *) "ann@example.com", .name = (char *) "Ann" },
  };
  ConcordConflictRow conflict = { .kind = (char *) "field", .winner = (char *) "a",
                                  .field = (char *) "tags", .value_a = (char *) "[\"a\",\"b\"]",
                                  .value_b = (char *) "[\"c\"]", .email = (char *) "tags@example.com",
                                  .link_id = 99 };
  const char *expected[] = {
    "Lists: VIP → Pro, VIP", "Tier: Gold → Platinum", "Consent: No → Yes",
    "Email addresses: work: ann@example.com → home: ann@home.example, work: ann@example.com",
  };
  GtkWidget *list, *text;

  /* A synced world first, as a user has it; these rows are the newest. */
  world_populate (f->world);
  g_assert_nonnull (store);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_assert_true (concord_store_add_journal (store, f->world->connection_id, &rows[i], NULL));
  g_assert_true (concord_store_add_conflict (store, f->world->connection_id, &conflict, NULL));

  f->view = concord_activity_view_new (f->world->engine);
  f->window = page_window (f->view, "Activity");
  concord_activity_view_set_connection (CONCORD_ACTIVITY_VIEW (f->view), f->world->connection_id);
  wait_model (f->view, 5);
  list = concord_test_named (f->view, "activity-list");

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const char *change;

      text = wait_for_label (list, expected[i]);
      g_assert_true (CONCORD_IS_ACTIVITY_TEXT (text));
      change = concord_activity_text_get_part (CONCORD_ACTIVITY_TEXT (text), CONCORD_ACTIVITY_TEXT_CHANGE);
      g_assert_null (strchr (change, '['));
      g_assert_null (strchr (change, '"'));
      g_assert_null (strstr (change, "custom:"));
      g_assert_null (strchr (change, '\t'));
    }

  /* Nameless: the email is the title. */
  text = wait_for_label (list, "Lists: VIP → Pro, VIP");
  g_assert_cmpstr (concord_activity_text_get_part (CONCORD_ACTIVITY_TEXT (text), CONCORD_ACTIVITY_TEXT_TITLE),
                   ==, "nameless@example.com");
  text = wait_for_label (list, "Tier: Gold → Platinum");
  g_assert_cmpstr (concord_activity_text_get_part (CONCORD_ACTIVITY_TEXT (text), CONCORD_ACTIVITY_TEXT_TITLE),
                   ==, "tier@example.com");

  /* A conflict of lists: both values as lists. */
  text = wait_for_label (list, "changed in both apps");
  {
    const char *change = concord_activity_text_get_part (CONCORD_ACTIVITY_TEXT (text),
                                                         CONCORD_ACTIVITY_TEXT_CHANGE);

    g_assert_nonnull (strstr (change, "“a, b”"));
    g_assert_null (strchr (change, '['));
  }
  g_assert_null (concord_test_find_text (list, "A contact"));
  screenshot (f->window, "activity-labelled-emails");
}

typedef struct
{
  GtkAdjustment *adjustment;
  GtkWidget     *root;
  const char    *text;
} EndWait;

/* Scrolls to the end (which grows as pages arrive) until @text shows. */
static gboolean
scrolled_to (gpointer data)
{
  EndWait *wait = data;

  if (concord_test_find_text (wait->root, wait->text) != NULL)
    return TRUE;
  gtk_adjustment_set_value (wait->adjustment, gtk_adjustment_get_upper (wait->adjustment));
  return FALSE;
}

/* A long activity is read a page at a time, never whole. */
static void
test_long_activity (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = world_db_path ();
  g_autoptr(ConcordStore) store = concord_store_new (path, NULL);
  GtkScrolledWindow *scroller;
  GtkAdjustment *adjustment;
  GListModel *model;

  g_assert_nonnull (store);
  g_assert_true (concord_store_begin (store, NULL));
  for (guint i = 0; i < 20000; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%05u@example.com", i);
      g_autofree char *after = g_strdup_printf ("Company %u", i);
      ConcordJournalRow row = {
        .run_id = 1, .time = 1700000000 + i, .direction = (char *) "a-to-b",
        .op = (char *) "update", .field = (char *) "company", .after = after,
        .outcome = (char *) "ok", .email = email,
      };

      g_assert_true (concord_store_add_journal (store, f->world->connection_id, &row, NULL));
    }
  g_assert_true (concord_store_commit (store, NULL));

  f->view = concord_activity_view_new (f->world->engine);
  f->window = page_window (f->view, "Activity");
  concord_activity_view_set_connection (CONCORD_ACTIVITY_VIEW (f->view), f->world->connection_id);
  wait_model (f->view, 20000);
  model = concord_activity_view_get_model (CONCORD_ACTIVITY_VIEW (f->view));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 20000);
  wait_for_label (f->view, "Company 19999");

  /* To the end: the oldest row arrives, and only a few pages are held. */
  scroller = GTK_SCROLLED_WINDOW (concord_test_named (f->view, "activity-scroller"));
  adjustment = gtk_scrolled_window_get_vadjustment (scroller);
  {
    EndWait wait = { adjustment, f->view, "Company: (empty) → Company 0" };

    if (!concord_test_wait_until (scrolled_to, &wait, 60))
      g_error ("scrolled to the end, no label shows “%s”", wait.text);
  }
  g_assert_cmpuint (concord_activity_model_get_n_loaded (CONCORD_ACTIVITY_MODEL (model)), <, 20000);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  concord_test_init_ui (&argc, &argv);
  adw_init ();
  concord_test_register_resources ();
  if (g_strcmp0 (g_getenv ("CONCORD_COLOR_SCHEME"), "dark") == 0)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  else
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);

  g_test_add ("/concord/ui/activity/search-and-flip", Fixture, NULL, setup, test_search_and_flip, teardown);
  g_test_add ("/concord/ui/activity/health", Fixture, NULL, setup, test_health, teardown);
  g_test_add ("/concord/ui/activity/odd-data", Fixture, NULL, setup, test_odd_data, teardown);
  g_test_add ("/concord/ui/activity/long", Fixture, NULL, setup, test_long_activity, teardown);
  g_test_add ("/concord/ui/activity/values-as-written", Fixture, NULL, setup, test_values_as_written,
              teardown);

  status = g_test_run ();
  return status;
}
