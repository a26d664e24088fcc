/* test-add-connection.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The Add Connection flow end to end, driven through its widgets like a
 * user would: two Elastic Email mock servers in-process, a real engine with
 * the session keyring, and the dialog. A wrong key shows an inline error
 * and keeps Next off; a right key is kept in the keyring; the review's
 * dry-run counts are what the mocks then get; Back keeps what was typed;
 * Turn On syncs both apps and emits ::connection-added; Cancel removes the
 * connection made for the preview.
 *
 * Suites 'ui' and 'keyring': it needs a display and an unlocked keyring,
 * and exits 77 (skipped) without the keyring. The keyboard-only flow
 * presses real keys through the X server with xdotool. With
 * CONCORD_SCREENSHOT_DIR set it saves a PNG of every step there.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif
#include <json-glib/json-glib.h>

#include "concord-add-connection-dialog.h"
#include "concord-add-connection-side.h"
#include "concord-application.h"
#include "concord-app-registry.h"
#include "concord-error.h"
#include "concord-mapping-pair-row.h"
#include "concord-memory-connector.h"
#include "concord-mock-app.h"
#include "concord-mock-described-apps.h"
#include "concord-mock-elasticemail.h"
#include "concord-resources.h"
#include "concord-sandbox.h"
#include "concord-test-ui.h"
#include "concord-secret-store.h"
#include "concord-store.h"
#include "concord-test-utils.h"

static const char * const keys[] = { "key-shop-7f3e21", "key-news-9c1d84" };
static const char * const names[] = { "Shop", "Newsletter" };

typedef struct
{
  char                    *dir;
  char                    *db_path;
  ConcordMockElasticEmail *mock[2];
  ConcordSecretStore      *secrets;
  ConcordEngine           *engine;
  GtkWidget               *parent;
  GtkWidget               *dialog;      /* (nullable): weak */
  gint64                   added_id;
  guint                    n_added;
  guint                    n_runs_ok;
  GPtrArray               *steps;       /* (owned): every "Step N of M" shown, in order */
} Fixture;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static gboolean
label_in (GtkWidget  *root,
          const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_is_visible (root) &&
      strstr (gtk_label_get_label (GTK_LABEL (root)), text) != NULL)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (label_in (child, text))
      return TRUE;

  return FALSE;
}

static void
assert_accessible_label (GtkWidget  *widget,
                         const char *expected)
{
  g_autofree char *problem = NULL;

  problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
  if (problem != NULL)
    g_error ("accessible label of %s: %s", gtk_widget_get_name (widget), problem);
}

static gboolean
is_sensitive (gpointer widget)
{
  return gtk_widget_is_sensitive (widget);
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
is_filtered_out (gpointer widget)
{
  return !gtk_widget_get_child_visible (widget);
}

static gboolean
is_shown (gpointer widget)
{
  return gtk_widget_get_child_visible (widget);
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

typedef struct
{
  GtkWidget  *root;
  const char *name;
  const char *text;
} LabelWait;

static gboolean
named_label_has (gpointer data)
{
  LabelWait *wait = data;
  GtkWidget *label = concord_test_find_named (wait->root, wait->name);

  if (label == NULL || !gtk_widget_is_visible (label))
    return FALSE;

  /* Counts are compared whole, sentences by a part. */
  if (g_str_has_prefix (wait->name, "count-"))
    return g_str_equal (gtk_label_get_label (GTK_LABEL (label)), wait->text);
  return strstr (gtk_label_get_label (GTK_LABEL (label)), wait->text) != NULL;
}

static void
wait_label (GtkWidget  *root,
            const char *name,
            const char *text)
{
  LabelWait wait = { root, name, text };

  if (!concord_test_wait_until (named_label_has, &wait, 30))
    {
      GtkWidget *label = concord_test_find_named (root, name);

      g_error ("“%s” never said “%s” (it says “%s”)", name, text,
               label != NULL ? gtk_label_get_label (GTK_LABEL (label)) : "(no such label)");
    }
}

static const char *
visible_page (Fixture *f)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (f->dialog,
                                                              CONCORD_TYPE_ADD_CONNECTION_DIALOG,
                                                              "stack"));

  return gtk_stack_get_visible_child_name (stack);
}

/* With CONCORD_SCREENSHOT_DIR, the dialog is shown over the real main
 * window (its empty state, as when a person clicks Add Connection), and
 * each screenshot is the whole screen: tools/take-screenshots.sh runs this
 * on a 1280×800 Xvfb screen with a window manager. */
static ConcordApplication *backdrop_app;

static GtkWidget *
backdrop_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (backdrop_app));
  window = gtk_application_get_active_window (GTK_APPLICATION (backdrop_app));
  g_assert_nonnull (window);
  gtk_window_maximize (window);
  /* Its store opens and its page settles before the dialog comes. */
  concord_test_spin (1500);
  return g_object_ref (GTK_WIDGET (window));
}

static void
screenshot (Fixture    *f,
            const char *file)
{
  const char *dir = g_getenv ("CONCORD_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (dir == NULL)
    return;

  /* Let the page's slide and the spinners settle. */
  concord_test_spin (800);

  /* CONCORD_SCREENSHOT_NARROW: the dialog alone, as narrow as it goes (asked for 360 px). */
  if (g_getenv ("CONCORD_SCREENSHOT_NARROW") != NULL)
    {
      g_autofree char *base = g_strndup (file, strlen (file) - strlen (".png"));
      g_autofree char *narrow = g_strdup_printf ("%s-narrow.png", base);
      g_autofree char *xid = NULL;

#ifdef GDK_WINDOWING_X11
      xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (f->dialog))));
#endif
      g_assert_nonnull (xid);
      path = g_build_filename (dir, narrow, NULL);
      g_spawn_sync (NULL, (char *[]) { (char *) "import", (char *) "-window", xid, path, NULL },
                    NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
    }
  else
    {
      path = g_build_filename (dir, file, NULL);
      g_spawn_sync (NULL, (char *[]) { (char *) "import", (char *) "-window", (char *) "root", path, NULL },
                    NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
    }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_test_message ("saved %s", path);
}

/* Scrolls the page (the outermost scrolled window) to @widget. */
static void
scroll_to (GtkWidget *widget)
{
  GtkWidget *page = NULL;
  GtkWidget *content;
  graphene_point_t point;

  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_SCROLLED_WINDOW (w))
      page = w;
  g_assert_nonnull (page);

  content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (page));
  content = gtk_viewport_get_child (GTK_VIEWPORT (content));
  if (gtk_widget_compute_point (widget, content, &GRAPHENE_POINT_INIT (0, 0), &point))
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (page)),
                              point.y - 60);
}

static void
put (ConcordMockElasticEmail *mock,
     const char              *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_mock_elasticemail_put_contact_json (mock, json, &error));
  g_assert_no_error (error);
}

static char *
member (ConcordMockElasticEmail *mock,
        const char              *email,
        const char              *name)
{
  g_autofree char *json = concord_mock_elasticemail_get_contact_json (mock, email);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;
  object = json_node_get_object (json_parser_get_root (parser));
  return json_object_has_member (object, name) && !json_object_get_null_member (object, name)
         ? g_strdup (json_object_get_string_member (object, name)) : NULL;
}

/* ------------------------------------------------------------------------- */
/* Fixture                                                                   */
/* ------------------------------------------------------------------------- */

static void
on_connection_added (GtkWidget *dialog,
                     gint64     id,
                     Fixture   *f)
{
  f->added_id = id;
  f->n_added++;
}

static void
on_run_finished (ConcordEngine          *engine,
                 ConcordConnectionState *state,
                 gboolean                ok,
                 Fixture                *f)
{
  if (ok)
    f->n_runs_ok++;
}

static gboolean
ran_once (gpointer data)
{
  return ((Fixture *) data)->n_runs_ok > 0;
}

/* Every subtitle the window shows, to see its step count over a flow. */
static void
on_subtitle_changed (AdwWindowTitle *title,
                     GParamSpec     *pspec,
                     Fixture        *f)
{
  const char *subtitle = adw_window_title_get_subtitle (title);

  if (f->steps->len == 0 || g_strcmp0 (g_ptr_array_index (f->steps, f->steps->len - 1), subtitle) != 0)
    g_ptr_array_add (f->steps, g_strdup (subtitle));
}

/* The total of "Step N of M" never changes, whichever steps the flow took. */
static void
assert_steps_stable (Fixture *f,
                     guint    expect_total)
{
  g_assert_cmpuint (f->steps->len, >, 1);
  for (guint i = 0; i < f->steps->len; i++)
    {
      const char *subtitle = g_ptr_array_index (f->steps, i);
      guint step = 0, total = 0;

      g_test_message ("step %u: %s", i, subtitle);
      g_assert_cmpint (sscanf (subtitle, "Step %u of %u:", &step, &total), ==, 2);
      g_assert_cmpuint (total, ==, expect_total);
      g_assert_cmpuint (step, >=, 1);
      g_assert_cmpuint (step, <=, total);
    }
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  f->dir = g_dir_make_tmp ("concord-add-connection-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "state.sqlite", NULL);

  for (guint s = 0; s < 2; s++)
    {
      f->mock[s] = concord_mock_elasticemail_new (keys[s], 0, &error);
      g_assert_no_error (error);
      concord_mock_elasticemail_add_list (f->mock[s], "Newsletter");
    }

  /* Shop has Ann, Bob and Cy; the newsletter has Bob (with his last name
   * only) and Dee. */
  put (f->mock[0], "{\"Email\":\"ann@example.com\",\"FirstName\":\"Ann\",\"Status\":\"Active\"}");
  put (f->mock[0], "{\"Email\":\"bob@example.com\",\"FirstName\":\"Bob\",\"Status\":\"Active\"}");
  put (f->mock[0], "{\"Email\":\"cy@example.com\",\"FirstName\":\"Cy\",\"Status\":\"Active\"}");
  put (f->mock[1], "{\"Email\":\"BOB@example.com\",\"LastName\":\"Builder\",\"Status\":\"Active\"}");
  put (f->mock[1], "{\"Email\":\"dee@example.com\",\"FirstName\":\"Dee\",\"Status\":\"Active\"}");

  f->secrets = concord_secret_store_new ();
  f->engine = concord_engine_new (f->db_path, f->secrets, concord_app_registry_create_connector);
  g_signal_connect (f->engine, "run-finished", G_CALLBACK (on_run_finished), f);
  concord_engine_open_async (f->engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (f->engine, result, &error));
  g_assert_no_error (error);

  if (backdrop_app != NULL)
    f->parent = backdrop_window ();
  else
    {
      f->parent = gtk_window_new ();
      gtk_window_set_default_size (GTK_WINDOW (f->parent), 900, 700);
      gtk_window_present (GTK_WINDOW (f->parent));
    }

  f->dialog = concord_add_connection_dialog_new (GTK_WINDOW (f->parent), f->engine);
  g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &f->dialog);
  if (g_getenv ("CONCORD_SCREENSHOT_NARROW") != NULL)
    gtk_window_set_default_size (GTK_WINDOW (f->dialog), 360, 640);
  f->steps = g_ptr_array_new_with_free_func (g_free);
  {
    GObject *title = gtk_widget_get_template_child (f->dialog, CONCORD_TYPE_ADD_CONNECTION_DIALOG,
                                                    "window_title");

    on_subtitle_changed (ADW_WINDOW_TITLE (title), NULL, f);
    g_signal_connect (title, "notify::subtitle", G_CALLBACK (on_subtitle_changed), f);
  }
  g_signal_connect (f->dialog, "connection-added", G_CALLBACK (on_connection_added), f);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (concord_test_wait_until (is_mapped, f->dialog, 10));
}

/* The session keyring outlives the test: take out the keys it stored. */
static void
forget_keys (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = concord_store_new (f->db_path, &error);
  g_autoptr(GPtrArray) accounts = NULL;

  g_assert_no_error (error);
  accounts = concord_store_list_accounts (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *row = g_ptr_array_index (accounts, i);

      secret_password_clear_sync (concord_secret_store_get_schema (), NULL, &error,
                                  "account-id", row->id, NULL);
      g_assert_no_error (error);
    }
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  if (f->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (f->dialog));
  if (backdrop_app != NULL)
    g_object_unref (f->parent);  /* the app's window stays for the next case */
  else
    gtk_window_destroy (GTK_WINDOW (f->parent));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  concord_engine_stop (f->engine);
  g_clear_object (&f->engine);
  g_clear_object (&f->secrets);
  forget_keys (f);
  for (guint s = 0; s < 2; s++)
    g_clear_object (&f->mock[s]);

  /* The database and its journal files. */
  concord_test_remove_dir (f->dir);

  g_free (f->db_path);
  g_free (f->dir);
  g_clear_pointer (&f->steps, g_ptr_array_unref);
}

/* ------------------------------------------------------------------------- */
/* Driving the steps                                                         */
/* ------------------------------------------------------------------------- */

static GtkWidget *
side (Fixture    *f,
      ConcordSide s)
{
  return concord_test_named (f->dialog, s == CONCORD_SIDE_A ? "side-a" : "side-b");
}

static void
choose_app (Fixture    *f,
            ConcordSide s)
{
  GtkWidget *area = side (f, s);
  GtkWidget *list = concord_test_named (area, "app-list");
  GtkWidget *row;

  /* Searching narrows the list; a search for nothing offered is empty. */
  row = concord_test_named (list, "app-elasticemail");
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "search-entry")), "hubspot");
  g_assert_true (concord_test_wait_until (is_filtered_out, row, 10));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "search-entry")), "elastic");
  g_assert_true (concord_test_wait_until (is_shown, row, 10));

  g_signal_emit_by_name (list, "row-activated", row);
  g_assert_true (gtk_widget_get_visible (concord_test_named (area, "name-entry")));
  g_assert_true (gtk_widget_get_visible (concord_test_named (area, "key-help-button")));
  g_assert_cmpstr (gtk_link_button_get_uri (GTK_LINK_BUTTON (concord_test_named (area, "key-help-button"))), ==,
                   concord_app_registry_lookup ("elasticemail")->key_url);
}

static void
fill_side (Fixture    *f,
           ConcordSide s,
           const char *key)
{
  GtkWidget *area = side (f, s);

  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "name-entry")), names[s]);
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "base-url-entry")),
                         concord_mock_elasticemail_get_base_url (f->mock[s]));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "key-entry")), key);
}

static void
check_key (Fixture    *f,
           ConcordSide s,
           const char *expect)
{
  GtkWidget *area = side (f, s);

  concord_test_click (concord_test_named (area, "check-button"));
  wait_label (area, "status-label", expect);
}

static char *
account_id_named (Fixture    *f,
                  const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = concord_store_new (f->db_path, &error);
  g_autoptr(GPtrArray) accounts = NULL;

  g_assert_no_error (error);
  accounts = concord_store_list_accounts (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *row = g_ptr_array_index (accounts, i);

      if (g_strcmp0 (row->name, name) == 0)
        return g_strdup (row->id);
    }

  return NULL;
}

static void
assert_key_in_keyring (const char *account_id,
                       const char *key)
{
  g_autoptr(GError) error = NULL;
  char *stored;

  stored = secret_password_lookup_sync (concord_secret_store_get_schema (), NULL, &error,
                                        "account-id", account_id, NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, key);
  secret_password_free (stored);
}

/* Both accounts, through a wrong key first. */
static void
authorize (Fixture *f)
{
  GtkWidget *next = concord_test_named (f->dialog, "next-button");

  g_assert_cmpstr (visible_page (f), ==, "authorize");
  g_assert_false (gtk_widget_is_sensitive (next));
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (f->dialog)) == next);

  choose_app (f, CONCORD_SIDE_A);
  fill_side (f, CONCORD_SIDE_A, "not-the-key");
  check_key (f, CONCORD_SIDE_A, "Elastic Email refused this API key");
  screenshot (f, "add-connection-1-authorize-error.png");
  g_assert_true (gtk_widget_has_css_class (concord_test_named (side (f, CONCORD_SIDE_A), "status-label"), "error"));
  g_assert_false (gtk_widget_is_sensitive (next));
  /* A refused key makes no account. */
  g_assert_null (account_id_named (f, names[0]));

  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (side (f, CONCORD_SIDE_A), "key-entry")), keys[0]);
  g_assert_false (gtk_widget_is_visible (concord_test_named (side (f, CONCORD_SIDE_A), "status-label")));
  check_key (f, CONCORD_SIDE_A, "Key accepted");
  g_assert_false (gtk_widget_is_sensitive (next));  /* the second app is still missing */

  choose_app (f, CONCORD_SIDE_B);
  fill_side (f, CONCORD_SIDE_B, keys[1]);
  check_key (f, CONCORD_SIDE_B, "Key accepted");
  g_assert_true (concord_test_wait_until (is_sensitive, next, 10));

  /* The keys are in the keyring, under the new accounts. */
  for (guint s = 0; s < 2; s++)
    {
      g_autofree char *id = account_id_named (f, names[s]);

      g_assert_nonnull (id);
      assert_key_in_keyring (id, keys[s]);
    }
}

static void
next (Fixture    *f,
      const char *page)
{
  GtkWidget *button = concord_test_named (f->dialog, "next-button");

  g_assert_true (concord_test_wait_until (is_sensitive, button, 30));
  concord_test_click (button);
  g_assert_cmpstr (visible_page (f), ==, page);
}

static void
back (Fixture    *f,
      const char *page)
{
  concord_test_click (concord_test_named (f->dialog, "back-button"));
  g_assert_cmpstr (visible_page (f), ==, page);
}

static void
check_direction_page (Fixture *f)
{
  GtkWidget *both = concord_test_named (f->dialog, "direction-both");
  GtkWidget *a_to_b = concord_test_named (f->dialog, "direction-a-to-b");
  GtkWidget *b_to_a = concord_test_named (f->dialog, "direction-b-to-a");

  /* The arrows say in words which way they sync. */
  assert_accessible_label (a_to_b, "Only from Shop to Newsletter");
  assert_accessible_label (b_to_a, "Only from Newsletter to Shop");
  assert_accessible_label (both, "Both ways between Shop and Newsletter");
  assert_accessible_label (concord_test_named (f->dialog, "create-a-to-b"), "Create New Contacts in Newsletter");

  /* One way hides the other way's switches; both ways shows both. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (a_to_b), TRUE);
  g_assert_false (gtk_widget_is_visible (concord_test_named (f->dialog, "create-b-to-a")));
  g_assert_true (label_in (f->dialog, "Contacts flow only from Shop to Newsletter"));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (both), TRUE);
  g_assert_true (gtk_widget_is_visible (concord_test_named (f->dialog, "create-b-to-a")));
  g_assert_true (gtk_widget_is_visible (concord_test_named (f->dialog, "create-a-to-b")));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (concord_test_named (f->dialog, "create-a-to-b"))));

  /* Plain words, before the rules step introduces rules. */
  {
    GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (f->dialog, CONCORD_TYPE_ADD_CONNECTION_DIALOG,
                                                                "stack"));
    GtkWidget *page = gtk_stack_get_child_by_name (stack, "direction");

    g_assert_false (label_in (page, "Rule"));
    g_assert_false (label_in (page, "rule"));
  }
  assert_accessible_label (concord_test_named (f->dialog, "rule-a-to-b"), "Send contacts from Shop to Newsletter");

  /* Not sending: creating cannot be used, and its switch says Off. */
  {
    GtkWidget *send = concord_test_named (f->dialog, "rule-a-to-b");
    GtkWidget *create = concord_test_named (f->dialog, "create-a-to-b");

    gtk_switch_set_active (GTK_SWITCH (send), FALSE);
    g_assert_false (gtk_widget_is_sensitive (create));
    g_assert_false (gtk_switch_get_active (GTK_SWITCH (create)));
    g_assert_true (label_in (f->dialog, "Nothing new is created in Newsletter"));
    /* The caption says what still flows (changes both ways). */
    g_assert_true (label_in (f->dialog, "Changes to contacts in both apps flow both ways; other contacts go "
                                        "only from Newsletter to Shop."));
    g_assert_false (label_in (f->dialog, "Contacts and their changes flow both ways."));
    screenshot (f, "add-connection-3-direction-not-sending.png");
    /* … and sending again brings back what it was. */
    gtk_switch_set_active (GTK_SWITCH (send), TRUE);
    g_assert_true (gtk_widget_is_sensitive (create));
    g_assert_true (gtk_switch_get_active (GTK_SWITCH (create)));
  }
}

static void
check_rules_page (Fixture *f)
{
  GtkWidget *edit = concord_test_named (f->dialog, "rules-edit-button");

  g_assert_true (label_in (f->dialog, "All contacts of Shop sync to Newsletter, new ones are created"));
  g_assert_true (label_in (f->dialog, "All contacts of Newsletter sync to Shop, new ones are created"));
  /* Edit opens once both apps' fields are read. */
  g_assert_true (concord_test_wait_until (is_sensitive, edit, 30));
  assert_accessible_label (edit, "Edit rules");
}

typedef struct
{
  GtkWidget  *group;
  const char *text;
} PairsWait;

static gboolean
pairs_shown (gpointer data)
{
  PairsWait *wait = data;

  return gtk_widget_get_visible (wait->group) && label_in (wait->group, wait->text);
}

/* The automatic mapping, with the arrows of the direction chosen. */
static void
check_mapping_page (Fixture    *f,
                    const char *arrow)
{
  g_autofree char *first_name = g_strdup_printf ("First name %s First name", arrow);
  g_autofree char *email = g_strdup_printf ("Email %s Email", arrow);
  PairsWait wait = { concord_test_named (f->dialog, "pairs-group"), first_name };

  g_assert_true (concord_test_wait_until (pairs_shown, &wait, 30));
  g_assert_true (label_in (wait.group, email));
  g_assert_true (gtk_widget_get_sensitive (concord_test_named (f->dialog, "mapping-edit-button")));
}

/* The group's rows are in its list box. */
static GtkWidget *
list_box_in (GtkWidget *root)
{
  if (GTK_IS_LIST_BOX (root))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = list_box_in (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Every row of the review's changes, title and subtitle, one per line. */
static char *
review_rows (Fixture *f)
{
  GtkWidget *group = concord_test_named (f->dialog, "changes-group");
  GString *out = g_string_new (NULL);
  GtkWidget *list = list_box_in (group);

  g_assert_nonnull (list);

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      const char *subtitle;

      if (!ADW_IS_ACTION_ROW (row))
        continue;
      subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
      g_string_append_printf (out, "%s\n%s\n\n", adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                              subtitle != NULL ? subtitle : "");
    }
  return g_string_free (out, FALSE);
}

/* Text a user reads: no JSON, no sides as letters, no internal prefixes. */
static void
assert_plain (const char *text)
{
  g_test_message ("%s", text);
  g_assert_null (strchr (text, '['));
  g_assert_null (strchr (text, '{'));
  g_assert_null (strchr (text, '"'));
  g_assert_null (strstr (text, "custom:"));
  g_assert_null (strstr (text, "a/b"));
  g_assert_null (strstr (text, " on a"));
  g_assert_null (strstr (text, " on b"));
  g_assert_null (strstr (text, "a→b"));
  g_assert_null (strstr (text, "b→a"));
}

static void
check_review_counts (Fixture *f)
{
  /* Shop: Ann, Bob, Cy; Newsletter: Bob, Dee. Bob pairs up; Ann and Cy are
   * new to the newsletter, Dee to the shop; Bob's first name goes to the
   * newsletter and his last name to the shop. */
  wait_label (f->dialog, "count-create-b", "2");
  wait_label (f->dialog, "count-listed-a", "3");
  wait_label (f->dialog, "count-listed-b", "2");
  wait_label (f->dialog, "count-matched", "1");
  wait_label (f->dialog, "count-create-a", "1");
  wait_label (f->dialog, "count-update-a", "1");
  wait_label (f->dialog, "count-update-b", "1");
  wait_label (f->dialog, "count-conflicts", "0");
  g_assert_true (label_in (f->dialog, "Create New Contacts in Newsletter"));

  {
    g_autofree char *rows = review_rows (f);

    /* Contact by contact, in words: who, what happens where, the fields. */
    g_assert_nonnull (strstr (rows, "Ann\nann@example.com\nAdded to Newsletter\nFirst name: Ann"));
    g_assert_nonnull (strstr (rows, "Dee\ndee@example.com\nAdded to Shop"));
    g_assert_nonnull (strstr (rows, "Updated in Shop\nLast name: Builder"));
    g_assert_nonnull (strstr (rows, "Updated in Newsletter\nFirst name: Bob"));
    assert_plain (rows);
  }

  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (f->dialog, "turn-on-button"), 10));
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (f->dialog)) ==
                 concord_test_named (f->dialog, "turn-on-button"));
  /* Nothing was written yet. */
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[0]), ==, 3);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[1]), ==, 2);
}

static gboolean
converged (gpointer data)
{
  Fixture *f = data;
  static const char * const emails[] = {
    "ann@example.com", "bob@example.com", "cy@example.com", "dee@example.com",
  };

  for (guint s = 0; s < 2; s++)
    {
      if (concord_mock_elasticemail_get_n_contacts (f->mock[s]) != G_N_ELEMENTS (emails))
        return FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (emails); i++)
        {
          g_autofree char *json = concord_mock_elasticemail_get_contact_json (f->mock[s], emails[i]);

          if (json == NULL)
            return FALSE;
        }
    }

  return TRUE;
}

static guint
n_connections (Fixture *f)
{
  return g_list_model_get_n_items (concord_engine_get_connections (f->engine));
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

/* Custom fields no contact uses yet cannot be learnt from the contacts:
 * typed on the side, they reach the account's options. */
static void
test_custom_fields (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autofree char *id = NULL;
  GtkWidget *entry;

  choose_app (f, CONCORD_SIDE_A);
  fill_side (f, CONCORD_SIDE_A, keys[0]);
  entry = concord_test_named (side (f, CONCORD_SIDE_A), "custom-fields-entry");
  g_assert_true (gtk_widget_is_visible (concord_test_named (side (f, CONCORD_SIDE_A), "advanced-expander")));
  gtk_editable_set_text (GTK_EDITABLE (entry), " Tier, ,Shoe size ,");
  check_key (f, CONCORD_SIDE_A, "Key accepted");

  id = account_id_named (f, names[0]);
  g_assert_nonnull (id);
  store = concord_store_new (f->db_path, &error);
  g_assert_no_error (error);
  accounts = concord_store_list_accounts (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < accounts->len; i++)
    {
      ConcordAccountRow *row = g_ptr_array_index (accounts, i);
      g_autoptr(JsonNode) options = NULL;

      if (g_strcmp0 (row->id, id) != 0)
        continue;
      options = json_from_string (row->options_json, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (options), "custom_fields"),
                       ==, "Tier,Shoe size");
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (options), "base_url"),
                       ==, concord_mock_elasticemail_get_base_url (f->mock[0]));
    }
}

static void
test_flow (Fixture       *f,
           gconstpointer  data)
{
  ConcordConnectionState *state;
  g_autofree char *account_a = NULL;

  authorize (f);
  screenshot (f, "add-connection-1-authorize.png");

  /* Elastic Email has one kind of contacts: no step to choose it. */
  next (f, "direction");
  check_direction_page (f);
  screenshot (f, "add-connection-3-direction.png");

  next (f, "rules");
  check_rules_page (f);
  screenshot (f, "add-connection-4-rules.png");

  next (f, "mapping");
  check_mapping_page (f, "⇄");
  screenshot (f, "add-connection-5-mapping.png");
  if (g_getenv ("CONCORD_SCREENSHOT_DIR") != NULL)
    {
      scroll_to (concord_test_named (f->dialog, "unmapped-group"));
      screenshot (f, "add-connection-5-mapping-unmapped.png");
    }

  next (f, "review");
  check_review_counts (f);
  g_assert_cmpuint (n_connections (f), ==, 1);  /* made for the preview, still off */
  screenshot (f, "add-connection-6-review.png");
  if (g_getenv ("CONCORD_SCREENSHOT_DIR") != NULL)
    {
      scroll_to (concord_test_named (f->dialog, "changes-group"));
      screenshot (f, "add-connection-6-review-changes.png");
    }

  /* Back to the start: everything typed is still there. */
  back (f, "mapping");
  back (f, "rules");
  back (f, "direction");
  back (f, "authorize");
  g_assert_false (gtk_widget_get_visible (concord_test_named (f->dialog, "back-button")));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (side (f, CONCORD_SIDE_A), "name-entry"))),
                   ==, "Shop");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (side (f, CONCORD_SIDE_B), "name-entry"))),
                   ==, "Newsletter");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (side (f, CONCORD_SIDE_A), "key-entry"))),
                   ==, keys[0]);
  g_assert_true (gtk_widget_is_sensitive (concord_test_named (f->dialog, "next-button")));

  /* … and forward again: the same connection, the same preview. */
  next (f, "direction");
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (concord_test_named (f->dialog, "direction-both"))));
  next (f, "rules");
  next (f, "mapping");
  next (f, "review");
  check_review_counts (f);
  g_assert_cmpuint (n_connections (f), ==, 1);
  assert_steps_stable (f, 5);

  concord_test_click (concord_test_named (f->dialog, "turn-on-button"));
  g_assert_true (concord_test_wait_until (is_gone, &f->dialog, 30));
  g_assert_cmpuint (f->n_added, ==, 1);
  g_assert_cmpint (f->added_id, >, 0);

  /* The first sync runs: both apps end up with the same four people. */
  g_assert_true (concord_test_wait_until (ran_once, f, 60));
  g_assert_true (converged (f));
  {
    g_autofree char *last = member (f->mock[0], "bob@example.com", "LastName");
    g_autofree char *first = member (f->mock[1], "bob@example.com", "FirstName");

    g_assert_cmpstr (last, ==, "Builder");
    g_assert_cmpstr (first, ==, "Bob");
  }

  state = concord_engine_lookup (f->engine, f->added_id);
  g_assert_nonnull (state);
  g_assert_true (concord_connection_state_get_enabled (state));
  g_assert_cmpstr (concord_connection_state_get_name (state), ==, "Shop and Newsletter");
  g_assert_cmpint (concord_connection_state_get_direction (state), ==, CONCORD_DIRECTION_BOTH);
  account_a = account_id_named (f, "Shop");
  g_assert_cmpstr (concord_connection_state_get_account_a (state), ==, "Shop");
  assert_key_in_keyring (account_a, keys[0]);
}

/* Leaving at the review removes the connection made for the preview. */
static gboolean
key_gone (gpointer account_id)
{
  char *stored = secret_password_lookup_sync (concord_secret_store_get_schema (), NULL, NULL,
                                              "account-id", (const char *) account_id, NULL);
  gboolean gone = stored == NULL;

  secret_password_free (stored);
  return gone;
}

static void
test_cancel_removes_preview (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *account_a = NULL;
  g_autofree char *account_b = NULL;

  authorize (f);
  next (f, "direction");

  /* Only from the shop, updating only: the rules say so in words. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (concord_test_named (f->dialog, "direction-a-to-b")), TRUE);
  gtk_switch_set_active (GTK_SWITCH (concord_test_named (f->dialog, "create-a-to-b")), FALSE);
  next (f, "rules");
  g_assert_true (label_in (f->dialog, "All contacts of Shop update their match in Newsletter"));
  g_assert_true (label_in (f->dialog, "Nothing syncs from Newsletter to Shop"));
  next (f, "mapping");
  check_mapping_page (f, "→");
  next (f, "review");

  /* Only Bob's first name goes to the newsletter; nobody is created. */
  wait_label (f->dialog, "count-update-b", "1");
  wait_label (f->dialog, "count-create-b", "0");
  wait_label (f->dialog, "count-matched", "1");
  /* Ann and Cy (creating is off) and Dee (the other way) are left out on
   * purpose: excluded, not "cannot sync". */
  wait_label (f->dialog, "count-excluded", "3");
  wait_label (f->dialog, "count-skipped", "0");
  {
    g_autofree char *rows = review_rows (f);

    g_assert_nonnull (strstr (rows, "Ann\nann@example.com\nExcluded by your rules: not sent to Newsletter"));
    g_assert_nonnull (strstr (rows, "Dee\ndee@example.com\nExcluded by your rules: not sent to Shop"));
    g_assert_null (strstr (rows, "Cannot sync"));
    assert_plain (rows);
  }
  screenshot (f, "add-connection-6-review-excluded.png");
  g_assert_false (gtk_widget_is_visible (concord_test_named (f->dialog, "count-create-a")));
  g_assert_cmpuint (n_connections (f), ==, 1);

  /* Other choices make another connection for the preview, in its place. */
  back (f, "mapping");
  back (f, "rules");
  back (f, "direction");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (concord_test_named (f->dialog, "direction-both")), TRUE);
  next (f, "rules");
  next (f, "mapping");
  next (f, "review");
  wait_label (f->dialog, "count-create-a", "1");
  wait_label (f->dialog, "count-create-b", "0");  /* still off from the shop */
  wait_label (f->dialog, "count-update-a", "1");
  g_assert_cmpuint (n_connections (f), ==, 1);

  /* The accounts checked for it, to see them go with it. */
  account_a = g_strdup (concord_add_connection_side_get_account_id (
                          CONCORD_ADD_CONNECTION_SIDE (concord_test_named (f->dialog, "side-a"))));
  account_b = g_strdup (concord_add_connection_side_get_account_id (
                          CONCORD_ADD_CONNECTION_SIDE (concord_test_named (f->dialog, "side-b"))));
  g_assert_nonnull (account_a);
  g_assert_nonnull (account_b);

  /* Escape closes the dialog (the binding activates window.close). */
  g_assert_true (gtk_widget_activate_action (f->dialog, "window.close", NULL));
  g_assert_true (concord_test_wait_until (is_gone, &f->dialog, 10));
  g_assert_cmpuint (f->n_added, ==, 0);

  while (n_connections (f) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[0]), ==, 3);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[1]), ==, 2);

  /* Nothing checked for a connection that was not made is kept: the
   * accounts and their keys are gone too. */
  g_assert_true (concord_test_wait_until (key_gone, account_a, 10));
  g_assert_true (concord_test_wait_until (key_gone, account_b, 10));
}

/* ------------------------------------------------------------------------- */
/* Step 1: what the user needs is in view                                    */
/* ------------------------------------------------------------------------- */

/* Whether @widget lies wholly inside the visible area of the page's
 * scrolled window. */
static gboolean
in_view (gpointer data)
{
  GtkWidget *widget = data;
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;

  if (scrolled == NULL || !gtk_widget_get_mapped (widget) ||
      !gtk_widget_compute_bounds (widget, scrolled, &bounds))
    return FALSE;
  return bounds.size.height > 0 && bounds.origin.y >= 0 &&
         bounds.origin.y + bounds.size.height <= gtk_widget_get_height (scrolled);
}

static void
assert_in_view (GtkWidget *widget)
{
  if (!concord_test_wait_until (in_view, widget, 10))
    {
      GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
      graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, 0, 0);

      if (scrolled == NULL || !gtk_widget_compute_bounds (widget, scrolled, &bounds))
        bounds = GRAPHENE_RECT_INIT (-1, -1, -1, -1);
      g_error ("%s is not inside the visible part of the page: y %g, height %g, page height %d, mapped %d",
               gtk_widget_get_name (widget), bounds.origin.y, bounds.size.height,
               scrolled != NULL ? gtk_widget_get_height (scrolled) : -1, gtk_widget_get_mapped (widget));
    }
}

static GtkWidget *
focus_of (Fixture *f)
{
  return gtk_root_get_focus (GTK_ROOT (f->dialog));
}

static gboolean
focus_in (gpointer data)
{
  GtkWidget *widget = data;
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (widget));

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

/* A window shorter than the page, as on a laptop: it scrolls. */
static void
make_short (Fixture *f)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (f->dialog), &width, &height);
  gtk_window_set_default_size (GTK_WINDOW (f->dialog), width, 420);
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_height (f->dialog) <= 460);
}

/* After choosing an app the focused field is in view, and so are the
 * search results while typing. */
static void
test_focus_in_view (Fixture       *f,
                    gconstpointer  data)
{
  GtkWidget *area_b = side (f, CONCORD_SIDE_B);
  GtkWidget *list_b = concord_test_named (area_b, "app-list");
  GtkWidget *name_b = concord_test_named (area_b, "name-entry");

  make_short (f);
  choose_app (f, CONCORD_SIDE_A);
  fill_side (f, CONCORD_SIDE_A, keys[0]);
  check_key (f, CONCORD_SIDE_A, "Key accepted");

  /* The second app's search is below the first app's fields: typing in
   * it brings its results into view. */
  gtk_widget_grab_focus (concord_test_named (area_b, "search-entry"));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area_b, "search-entry")), "elastic");
  assert_in_view (concord_test_named (list_b, "app-elasticemail"));
  screenshot (f, "add-connection-1-search-in-view.png");

  g_signal_emit_by_name (list_b, "row-activated", concord_test_named (list_b, "app-elasticemail"));
  g_assert_true (concord_test_wait_until (focus_in, name_b, 10));
  g_assert_true (focus_of (f) == name_b || gtk_widget_is_ancestor (focus_of (f), name_b));
  assert_in_view (name_b);
  screenshot (f, "add-connection-1-focus-in-view.png");
}

/* A name that is taken is said under the name, in view, with the focus
 * there; the same account twice is said under the second key; Next says
 * why it is off. */
static void
test_errors_on_field (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *options = g_strdup_printf ("{\"base_url\":\"%s\"}",
                                              concord_mock_elasticemail_get_base_url (f->mock[1]));
  g_autofree char *taken = concord_test_add_account (f->engine, "elasticemail", "Newsletter", options,
                                                     keys[1]);
  GtkWidget *area_a = side (f, CONCORD_SIDE_A);
  GtkWidget *area_b = side (f, CONCORD_SIDE_B);
  GtkWidget *hint = concord_test_named (f->dialog, "next-hint");
  GtkWidget *next_button = concord_test_named (f->dialog, "next-button");
  GtkWidget *name_status, *status_b;

  make_short (f);
  /* Next is off and says why. */
  g_assert_true (gtk_widget_get_visible (hint));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (hint)), "To go on"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (next_button), ==, gtk_label_get_label (GTK_LABEL (hint)));

  choose_app (f, CONCORD_SIDE_A);
  fill_side (f, CONCORD_SIDE_A, keys[0]);
  check_key (f, CONCORD_SIDE_A, "Key accepted");

  /* The second app: the existing account is offered; another one is
   * wanted, under a name that is taken. */
  choose_app (f, CONCORD_SIDE_B);
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_visible (concord_test_named (area_b, "existing-accounts")));
  g_signal_emit_by_name (concord_test_named (area_b, "existing-list"), "row-activated",
                         concord_test_named (area_b, "another-account-row"));
  g_assert_true (gtk_widget_get_visible (concord_test_named (area_b, "name-entry")));
  fill_side (f, CONCORD_SIDE_B, keys[1]);
  concord_test_click (concord_test_named (area_b, "check-button"));
  wait_label (area_b, "name-status-label", "already exists");
  name_status = concord_test_named (area_b, "name-status-label");
  assert_in_view (name_status);
  /* Under the name, in view, with the focus on the name. */
  {
    graphene_rect_t name_bounds, status_bounds;

    g_assert_true (gtk_widget_compute_bounds (concord_test_named (area_b, "name-entry"), area_b, &name_bounds));
    g_assert_true (gtk_widget_compute_bounds (name_status, area_b, &status_bounds));
    g_assert_cmpfloat (status_bounds.origin.y, >=, name_bounds.origin.y + name_bounds.size.height);
    g_assert_cmpfloat (status_bounds.origin.y, <, name_bounds.origin.y + name_bounds.size.height + 40);
  }
  assert_in_view (name_status);
  g_assert_true (concord_test_wait_until (focus_in, concord_test_named (area_b, "name-entry"), 10));
  g_assert_true (gtk_widget_has_css_class (concord_test_named (area_b, "name-entry"), "error"));
  g_assert_false (gtk_widget_is_visible (concord_test_named (area_b, "status-label")));
  g_assert_false (gtk_widget_is_sensitive (next_button));
  g_assert_true (gtk_widget_get_visible (hint));
  screenshot (f, "add-connection-1-name-taken.png");

  /* Another name, and the first app's key: the same account twice. */
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area_b, "name-entry")), "Shop again");
  g_assert_false (gtk_widget_is_visible (name_status));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area_b, "base-url-entry")),
                         concord_mock_elasticemail_get_base_url (f->mock[0]));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area_b, "key-entry")), keys[0]);
  concord_test_click (concord_test_named (area_b, "check-button"));
  wait_label (area_b, "status-label", "same account");
  status_b = concord_test_named (area_b, "status-label");
  g_assert_true (gtk_widget_has_css_class (status_b, "error"));
  assert_in_view (status_b);
  g_assert_false (gtk_widget_is_sensitive (next_button));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (hint)), "same account"));
  g_assert_true (gtk_widget_get_visible (hint));
  screenshot (f, "add-connection-1-same-account.png");
  g_assert_nonnull (area_a);
}

/* An account of the app made before is offered first; choosing it skips
 * the key, and the connection uses it. */
static void
test_existing_account (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *options = g_strdup_printf ("{\"base_url\":\"%s\"}",
                                              concord_mock_elasticemail_get_base_url (f->mock[1]));
  g_autofree char *newsletter = concord_test_add_account (f->engine, "elasticemail", "Newsletter", options,
                                                          keys[1]);
  GtkWidget *area_b = side (f, CONCORD_SIDE_B);
  GtkWidget *existing;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;

  choose_app (f, CONCORD_SIDE_A);
  fill_side (f, CONCORD_SIDE_A, keys[0]);
  check_key (f, CONCORD_SIDE_A, "Key accepted");

  choose_app (f, CONCORD_SIDE_B);
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_visible (concord_test_named (area_b, "existing-accounts")));
  /* The accounts first, the name and key only for another account. */
  g_assert_false (gtk_widget_is_visible (concord_test_named (area_b, "key-entry")));
  g_assert_false (gtk_widget_is_visible (concord_test_named (area_b, "name-entry")));
  existing = concord_test_named (area_b, "existing-Newsletter");
  g_assert_true (gtk_widget_is_visible (concord_test_named (area_b, "another-account-row")));
  /* The first app's account is not offered for the second. */
  g_assert_null (concord_test_find_named (area_b, "existing-Shop"));
  g_assert_true (concord_test_wait_until (focus_in, existing, 10));
  screenshot (f, "add-connection-1-existing-account.png");

  g_signal_emit_by_name (concord_test_named (area_b, "existing-list"), "row-activated", existing);
  wait_label (area_b, "status-label", "with the key it already has");
  g_assert_true (concord_add_connection_side_get_verified (CONCORD_ADD_CONNECTION_SIDE (area_b)));
  g_assert_cmpstr (concord_add_connection_side_get_account_id (CONCORD_ADD_CONNECTION_SIDE (area_b)), ==,
                   newsletter);
  /* No key was typed. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (area_b, "key-entry"))), ==, "");

  next (f, "direction");
  next (f, "rules");
  next (f, "mapping");
  next (f, "review");
  check_review_counts (f);
  concord_test_click (concord_test_named (f->dialog, "turn-on-button"));
  g_assert_true (concord_test_wait_until (is_gone, &f->dialog, 30));
  g_assert_true (concord_test_wait_until (ran_once, f, 60));
  g_assert_true (converged (f));

  store = concord_store_new (f->db_path, &error);
  g_assert_no_error (error);
  row = concord_store_get_connection_by_id (store, f->added_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row->account_b, ==, newsletter);
  /* The key is still the one kept before. */
  assert_key_in_keyring (newsletter, keys[1]);
}

/* Leaving the dialog never removes an account that existed before. */
static void
test_existing_account_kept (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *options = g_strdup_printf ("{\"base_url\":\"%s\"}",
                                              concord_mock_elasticemail_get_base_url (f->mock[0]));
  g_autofree char *shop = concord_test_add_account (f->engine, "elasticemail", "Shop", options, keys[0]);
  GtkWidget *area_a = side (f, CONCORD_SIDE_A);

  choose_app (f, CONCORD_SIDE_A);
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_visible (concord_test_named (area_a, "existing-accounts")));
  g_signal_emit_by_name (concord_test_named (area_a, "existing-list"), "row-activated",
                         concord_test_named (area_a, "existing-Shop"));
  wait_label (area_a, "status-label", "with the key it already has");

  g_assert_true (gtk_widget_activate_action (f->dialog, "window.close", NULL));
  g_assert_true (concord_test_wait_until (is_gone, &f->dialog, 10));
  /* Time for a removal to happen, had one been asked. */
  {
    g_autofree char *still = NULL;

    for (guint i = 0; i < 5; i++)
      {
        g_autofree char *id = account_id_named (f, "Shop");

        g_assert_cmpstr (id, ==, shop);
        concord_test_spin (100);
      }
    still = account_id_named (f, "Shop");
    g_assert_cmpstr (still, ==, shop);
  }
  assert_key_in_keyring (shop, keys[0]);
}

/* A server that takes the connection and never answers (as when offline
 * behind a captive network): within the time limit the check says to check
 * the internet connection, never the resolver's words; a check can be
 * stopped. */
typedef struct
{
  GSocketListener *listener;
  GPtrArray       *held;   /* connections accepted and left unanswered */
} Blackhole;

static void
on_blackhole_accepted (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Blackhole *hole = user_data;
  GSocketConnection *connection;

  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (object), result, NULL, NULL);
  if (connection == NULL)
    return;
  g_ptr_array_add (hole->held, connection);
  g_socket_listener_accept_async (hole->listener, NULL, on_blackhole_accepted, hole);
}

static void
test_offline_check (Fixture       *f,
                    gconstpointer  data)
{
  Blackhole hole = { g_socket_listener_new (), g_ptr_array_new_with_free_func (g_object_unref) };
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  GtkWidget *area = side (f, CONCORD_SIDE_A);
  GtkWidget *status;
  const char *text;

  g_assert_true (g_socket_listener_add_address (hole.listener, any, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  g_assert_no_error (error);
  g_socket_listener_accept_async (hole.listener, NULL, on_blackhole_accepted, &hole);
  url = g_strdup_printf ("http://127.0.0.1:%u/v4",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  choose_app (f, CONCORD_SIDE_A);
  fill_side (f, CONCORD_SIDE_A, keys[0]);
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "base-url-entry")), url);

  /* Stopped by the user: nothing is said, the form is usable again. */
  concord_test_click (concord_test_named (area, "check-button"));
  wait_label (area, "status-label", "Checking the key");
  g_assert_true (gtk_widget_is_visible (concord_test_named (area, "cancel-check-button")));
  screenshot (f, "add-connection-1-checking.png");
  concord_test_click (concord_test_named (area, "cancel-check-button"));
  g_assert_false (gtk_widget_is_visible (concord_test_named (area, "status-label")));
  g_assert_true (gtk_widget_is_sensitive (concord_test_named (area, "check-button")));
  g_assert_true (gtk_editable_get_editable (GTK_EDITABLE (concord_test_named (area, "key-entry"))));
  g_assert_false (concord_add_connection_side_get_verified (CONCORD_ADD_CONNECTION_SIDE (area)));

  /* Left to wait: it gives up and says what to do. */
  concord_test_click (concord_test_named (area, "check-button"));
  wait_label (area, "status-label", "Check your internet connection");
  status = concord_test_named (area, "status-label");
  text = gtk_label_get_label (GTK_LABEL (status));
  g_assert_null (strstr (text, "resolv"));
  g_assert_null (strstr (text, "127.0.0.1"));
  g_assert_null (strstr (text, "Error"));
  g_assert_true (gtk_widget_has_css_class (status, "error"));
  g_assert_false (gtk_widget_is_visible (concord_test_named (area, "cancel-check-button")));
  g_assert_true (gtk_widget_is_sensitive (concord_test_named (area, "check-button")));
  assert_in_view (status);
  screenshot (f, "add-connection-1-offline.png");
  /* No account was kept for a key that was never checked. */
  g_assert_null (account_id_named (f, names[0]));

  g_socket_listener_close (hole.listener);
  g_object_unref (hole.listener);
  g_ptr_array_unref (hole.held);
}

/* The widgets Tab reaches from where the focus is, in order, once round. */
static GPtrArray *
focus_chain (GtkWidget *window)
{
  GPtrArray *chain = g_ptr_array_new ();

  for (guint i = 0; i < 400; i++)
    {
      GtkWidget *focus;

      /* At the end of the chain the window says so; the next Tab wraps. */
      if (!gtk_widget_child_focus (window, GTK_DIR_TAB_FORWARD) &&
          !gtk_widget_child_focus (window, GTK_DIR_TAB_FORWARD))
        break;
      focus = gtk_root_get_focus (GTK_ROOT (window));
      if (focus == NULL || g_ptr_array_find (chain, focus, NULL))
        break;
      g_ptr_array_add (chain, focus);
    }

  return chain;
}

static gboolean
chain_reaches (GPtrArray *chain,
               GtkWidget *target)
{
  for (guint i = 0; i < chain->len; i++)
    {
      GtkWidget *focus = g_ptr_array_index (chain, i);

      if (focus == target || gtk_widget_is_ancestor (focus, target))
        return TRUE;
    }

  return FALSE;
}

/* With the keyboard alone: Tab reaches every control of the first step,
 * Enter on an app's row picks it (a row is activatable), and then the name,
 * the key, Check and the key's help are reachable too; the buttons of the
 * header are in the chain, and Next is the default widget. */
static void
test_keyboard (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) chain = NULL;

  gtk_widget_grab_focus (f->dialog);
  chain = focus_chain (f->dialog);
  for (guint s = 0; s < 2; s++)
    {
      GtkWidget *area = side (f, s);
      GtkWidget *row = concord_test_named (concord_test_named (area, "app-list"), "app-elasticemail");

      g_assert_true (chain_reaches (chain, concord_test_named (area, "search-entry")));
      g_assert_true (chain_reaches (chain, row));
      g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
      /* Enter on the focused row. */
      gtk_widget_grab_focus (row);
      g_assert_true (gtk_widget_activate (row));
      g_assert_true (gtk_widget_get_visible (concord_test_named (area, "name-entry")));
    }
  g_assert_true (chain_reaches (chain, concord_test_named (f->dialog, "cancel-button")));

  g_clear_pointer (&chain, g_ptr_array_unref);
  gtk_widget_grab_focus (f->dialog);
  chain = focus_chain (f->dialog);
  for (guint s = 0; s < 2; s++)
    {
      GtkWidget *area = side (f, s);

      g_assert_true (chain_reaches (chain, concord_test_named (area, "name-entry")));
      g_assert_true (chain_reaches (chain, concord_test_named (area, "key-entry")));
      g_assert_true (chain_reaches (chain, concord_test_named (area, "key-help-button")));
      g_assert_true (chain_reaches (chain, concord_test_named (area, "change-app-button")));
    }
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (f->dialog)) == concord_test_named (f->dialog, "next-button"));
}

/* ------------------------------------------------------------------------- */
/* The keyboard alone, with real key presses                                 */
/* ------------------------------------------------------------------------- */

/* Key presses go through the X server (xdotool under Xvfb), so they take
 * the path a person's do: GTK's key handling, focus, bindings, mnemonics
 * and default widgets, none of it called directly. */
static void
xdotool (const char *const *args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_strv_builder_add (builder, "xdotool");
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* xdotool's events are in the X server when it ends (it closes its
   * display, which syncs); a round trip of ours then has them in our
   * queue, and GTK takes in all that is ready. No fixed wait: the
   * callers wait for what the keys should do. */
  gdk_display_sync (gdk_display_get_default ());
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
press (const char *combo)
{
  xdotool ((const char *[]) { "key", "--clearmodifiers", combo, NULL });
}

static void
type_text (const char *text)
{
  xdotool ((const char *[]) { "type", "--delay", "15", text, NULL });
}

static gboolean
is_switched_off (gpointer widget)
{
  return !gtk_switch_get_active (GTK_SWITCH (widget));
}

static GtkWidget *
focused (Fixture *f)
{
  return gtk_root_get_focus (GTK_ROOT (f->dialog));
}

typedef struct
{
  Fixture   *f;
  GtkWidget *from;
} FocusMove;

static gboolean
focus_moved (gpointer data)
{
  FocusMove *move = data;

  return focused (move->f) != move->from;
}

typedef struct
{
  Fixture    *f;
  const char *page;
} PageWait;

static gboolean
page_is (gpointer data)
{
  PageWait *wait = data;

  return g_strcmp0 (visible_page (wait->f), wait->page) == 0;
}

/* After a key press that changes the step. */
static void
wait_page (Fixture    *f,
           const char *page)
{
  PageWait wait = { f, page };

  if (!concord_test_wait_until (page_is, &wait, 10))
    g_error ("the flow is on “%s”, not “%s”", visible_page (f), page);
}

static gboolean
is_toggled (gpointer widget)
{
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (widget));
}

/* Presses Tab until the focus is in @target: it must be in the chain. */
static void
tab_to (Fixture   *f,
        GtkWidget *target)
{
  for (guint i = 0; i < 80; i++)
    {
      GtkWidget *focus = focused (f);

      if (focus != NULL && (focus == target || gtk_widget_is_ancestor (focus, target)))
        return;
      press ("Tab");
      /* The key goes through the X server: wait for it to move the focus
       * (slow builds, such as the sanitized one, take longer). */
      {
        FocusMove move = { f, focus };

        concord_test_wait_until (focus_moved, &move, 5);
      }
    }

  g_error ("Tab never reaches “%s” (the focus is on a %s named “%s”)",
           gtk_widget_get_name (target),
           focused (f) != NULL ? G_OBJECT_TYPE_NAME (focused (f)) : "nothing",
           focused (f) != NULL ? gtk_widget_get_name (focused (f)) : "");
}

static void
focus_dialog (Fixture *f)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (f->dialog));
  g_autofree char *xid = NULL;

  g_assert_true (GDK_IS_X11_SURFACE (surface));
  xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));
  xdotool ((const char *[]) { "windowfocus", "--sync", xid, NULL });
  g_assert_true (concord_test_wait_until ((GSourceFunc) gtk_window_is_active, f->dialog, 10));
#endif
}

static void
keyboard_side (Fixture    *f,
               ConcordSide s)
{
  GtkWidget *area = side (f, s);
  GtkWidget *row = concord_test_named (concord_test_named (area, "app-list"), "app-elasticemail");

  /* Search, then Enter on the app's row. */
  tab_to (f, concord_test_named (area, "search-entry"));
  type_text ("elas");
  g_assert_true (concord_test_wait_until (is_shown, row, 10));
  tab_to (f, row);
  press ("Return");
  g_assert_true (concord_test_wait_until (is_mapped, concord_test_named (area, "name-entry"), 10));

  tab_to (f, concord_test_named (area, "name-entry"));
  press ("ctrl+a");
  type_text (names[s]);
  /* The server's address is behind an expander: Space opens it. */
  tab_to (f, concord_test_named (area, "advanced-expander"));
  press ("space");
  tab_to (f, concord_test_named (area, "base-url-entry"));
  press ("ctrl+a");
  type_text (concord_mock_elasticemail_get_base_url (f->mock[s]));
  tab_to (f, concord_test_named (area, "key-entry"));
  type_text (keys[s]);
  tab_to (f, concord_test_named (area, "check-button"));
  press ("space");
  wait_label (area, "status-label", "Key accepted");
}

/* The whole flow with the keyboard alone: Tab, Space, Enter, Alt+←, typing.
 * Two-way, with "create new contacts" switched off from the newsletter to
 * the shop: Dee stays in the newsletter only, while Bob's last name still
 * reaches the shop. */
static void
test_keyboard_flow (Fixture       *f,
                    gconstpointer  data)
{
  GtkWidget *next_button = concord_test_named (f->dialog, "next-button");
  GtkWidget *create_b_to_a;
  g_autofree char *xdotool_path = g_find_program_in_path ("xdotool");

  if (xdotool_path == NULL)
    {
      g_test_skip ("xdotool is needed to press keys");
      return;
    }
  if (!GDK_IS_X11_DISPLAY (gtk_widget_get_display (f->dialog)))
    {
      g_test_skip ("the key presses go through an X server");
      return;
    }

  focus_dialog (f);
  keyboard_side (f, CONCORD_SIDE_A);
  keyboard_side (f, CONCORD_SIDE_B);
  g_assert_true (concord_test_wait_until (is_sensitive, next_button, 10));
  tab_to (f, next_button);
  press ("Return");
  wait_page (f, "direction");

  /* Space on "only from Shop" and back on "both ways"; Space on the
   * newsletter's create switch turns creating in the shop off. */
  tab_to (f, concord_test_named (f->dialog, "direction-a-to-b"));
  press ("space");
  g_assert_true (concord_test_wait_until (is_toggled, concord_test_named (f->dialog, "direction-a-to-b"), 10));
  tab_to (f, concord_test_named (f->dialog, "direction-both"));
  press ("space");
  g_assert_true (concord_test_wait_until (is_toggled, concord_test_named (f->dialog, "direction-both"), 10));
  create_b_to_a = concord_test_named (f->dialog, "create-b-to-a");
  tab_to (f, create_b_to_a);
  press ("space");
  /* The switch turns at the end of its animation. */
  g_assert_true (concord_test_wait_until (is_switched_off, create_b_to_a, 10));

  /* Alt+→ and Alt+← move between the steps. */
  press ("alt+Right");
  wait_page (f, "rules");
  press ("alt+Left");
  wait_page (f, "direction");
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (create_b_to_a)));
  press ("alt+Right");
  wait_page (f, "rules");
  tab_to (f, next_button);
  press ("Return");
  wait_page (f, "mapping");
  g_assert_true (concord_test_wait_until (is_sensitive, next_button, 30));
  tab_to (f, next_button);
  press ("Return");
  wait_page (f, "review");

  /* The review counts without the creates in the shop; Turn On is the
   * default widget, so Enter turns the connection on. */
  wait_label (f->dialog, "count-create-b", "2");
  wait_label (f->dialog, "count-matched", "1");
  wait_label (f->dialog, "count-create-a", "0");
  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (f->dialog, "turn-on-button"), 10));
  tab_to (f, concord_test_named (f->dialog, "turn-on-button"));
  press ("Return");
  g_assert_true (concord_test_wait_until (is_gone, &f->dialog, 30));
  g_assert_cmpuint (f->n_added, ==, 1);

  g_assert_true (concord_test_wait_until (ran_once, f, 60));
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[0]), ==, 3);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->mock[1]), ==, 4);
  {
    g_autofree char *dee = concord_mock_elasticemail_get_contact_json (f->mock[0], "dee@example.com");
    g_autofree char *last = member (f->mock[0], "bob@example.com", "LastName");

    g_assert_null (dee);
    g_assert_cmpstr (last, ==, "Builder");
  }
}

/* ------------------------------------------------------------------------- */
/* Contact types, with the sandbox's Sample CRM                              */
/* ------------------------------------------------------------------------- */

static void
sandbox_started_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_sandbox_start_finish (CONCORD_SANDBOX (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
sandbox_side (Fixture    *f,
              ConcordSide s,
              const char *app_id,
              const char *key)
{
  GtkWidget *area = side (f, s);
  g_autofree char *row_name = g_strdup_printf ("app-%s", app_id);

  g_signal_emit_by_name (concord_test_named (area, "app-list"), "row-activated", concord_test_named (concord_test_named (area, "app-list"), row_name));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "name-entry")),
                         s == CONCORD_SIDE_A ? "Newsletter" : "Sales leads");
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "key-entry")), key);
  check_key (f, s, "Key accepted");
}

/* An app with two kinds of contacts adds the step that picks one: the
 * choice is what the connection syncs, and going back keeps it. */
static void
test_contact_type (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *sandbox_dir = g_build_filename (f->dir, "sandbox", NULL);
  g_autoptr(ConcordSandbox) sandbox = concord_sandbox_new (sandbox_dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordConnectionRow) row = NULL;
  gboolean started = FALSE;
  GtkWidget *people, *leads;

  concord_sandbox_start_async (sandbox, NULL, sandbox_started_cb, &started);
  g_assert_true (concord_test_wait_until (flag_set, &started, 30));
  concord_add_connection_dialog_set_sandbox (CONCORD_ADD_CONNECTION_DIALOG (f->dialog), sandbox);

  sandbox_side (f, CONCORD_SIDE_A, "elasticemail", concord_sandbox_get_elasticemail_key (sandbox));
  sandbox_side (f, CONCORD_SIDE_B, "sample-crm", concord_sandbox_get_crm_key (sandbox));
  /* The sandbox fills in its own options: Elastic Email's server (shown,
   * under Advanced) and the Sample CRM's file (a demo app's: hidden). */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (side (f, CONCORD_SIDE_A),
                                                                            "base-url-entry"))),
                   ==, concord_sandbox_get_elasticemail_url (sandbox));
  g_assert_false (gtk_widget_get_visible (concord_test_named (side (f, CONCORD_SIDE_B), "path-entry")));
  g_assert_false (gtk_widget_get_visible (concord_test_named (side (f, CONCORD_SIDE_B), "advanced-expander")));
  g_assert_false (gtk_widget_get_visible (concord_test_named (side (f, CONCORD_SIDE_B), "fields-group")));
  next (f, "types");
  {
    AdwWindowTitle *title = ADW_WINDOW_TITLE (gtk_widget_get_template_child (f->dialog,
                                                                           CONCORD_TYPE_ADD_CONNECTION_DIALOG,
                                                                           "window_title"));

    /* The types are part of the first step: the count does not grow. */
    g_assert_true (g_str_has_prefix (adw_window_title_get_subtitle (title), "Step 1 of 5: "));
  }

  /* Elastic Email has one kind: nothing to choose on its side. */
  g_assert_false (gtk_widget_get_visible (concord_test_named (f->dialog, "types-a")));
  people = concord_test_named (f->dialog, "type-b-people");
  leads = concord_test_named (f->dialog, "type-b-leads");
  assert_accessible_label (people, "People");
  assert_accessible_label (leads, "Leads");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (people)));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (leads), TRUE);
  screenshot (f, "add-connection-2-contact-type.png");

  next (f, "direction");
  back (f, "types");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (leads)));
  next (f, "direction");
  next (f, "rules");
  next (f, "mapping");
  next (f, "review");
  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (f->dialog, "turn-on-button"), 30));
  assert_steps_stable (f, 5);

  store = concord_store_new (f->db_path, &error);
  g_assert_no_error (error);
  row = concord_store_get_connection_by_id (store, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row->type_a, ==, "contacts");
  g_assert_cmpstr (row->type_b, ==, "leads");

  gtk_window_destroy (GTK_WINDOW (f->dialog));
  concord_sandbox_stop (sandbox);
}

/* ------------------------------------------------------------------------- */
/* The editors over the dialog                                               */
/* ------------------------------------------------------------------------- */

static GtkWidget *
editor_window (const char *name)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_widget_get_name (window), name) == 0 && gtk_widget_get_visible (window))
        return window;
    }

  return NULL;
}

static gboolean
editor_window_shown (gpointer name)
{
  GtkWidget *window = editor_window (name);

  return window != NULL && gtk_widget_get_mapped (window);
}

static gboolean
editor_window_gone (gpointer name)
{
  return editor_window (name) == NULL;
}

static GtkWidget *
pair_row_of (GtkWidget  *root,
             const char *key_a)
{
  if (CONCORD_IS_MAPPING_PAIR_ROW (root) &&
      g_strcmp0 (concord_mapping_pair_row_get_key_a (CONCORD_MAPPING_PAIR_ROW (root)), key_a) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = pair_row_of (child, key_a);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
unmap_button (GtkWidget *root)
{
  g_assert_nonnull (root);
  if (GTK_IS_BUTTON (root) &&
      g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (root)), "list-remove-symbolic") == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = GTK_IS_WIDGET (child) ? unmap_button (child) : NULL;

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
switch_off (gpointer widget)
{
  return !gtk_switch_get_active (GTK_SWITCH (widget));
}

/* Edit on the Rules step opens the rule editor on what the dialog would
 * store; Done keeps the edit (the direction step's switch follows it, and
 * the review counts with it); Cancel on the mapping's editor keeps the
 * automatic mapping. */
static void
test_edit_in_dialog (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *window, *create;

  authorize (f);
  next (f, "direction");
  next (f, "rules");
  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (f->dialog, "rules-edit-button"), 30));
  concord_test_click (concord_test_named (f->dialog, "rules-edit-button"));
  g_assert_true (concord_test_wait_until (editor_window_shown, (gpointer) "rules-editor-window", 10));
  window = editor_window ("rules-editor-window");
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (window)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (window)) == GTK_WINDOW (f->dialog));

  /* From the newsletter to the shop: no more creating. */
  create = concord_test_named (concord_test_named (window, "rule-panel-b"), "rule-create");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (create)));
  gtk_widget_activate (create);
  g_assert_true (concord_test_wait_until (switch_off, create, 10));
  concord_test_click (concord_test_named (window, "editor-done-button"));
  g_assert_true (concord_test_wait_until (editor_window_gone, (gpointer) "rules-editor-window", 10));

  g_assert_false (gtk_switch_get_active (GTK_SWITCH (concord_test_named (f->dialog, "create-b-to-a"))));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (concord_test_named (f->dialog, "create-a-to-b"))));
  g_assert_true (label_in (f->dialog, "All contacts of Newsletter sync to Shop; no new contacts are created there."));

  next (f, "mapping");
  check_mapping_page (f, "⇄");

  /* Cancel changes nothing. */
  concord_test_click (concord_test_named (f->dialog, "mapping-edit-button"));
  g_assert_true (concord_test_wait_until (editor_window_shown, (gpointer) "mapping-editor-window", 10));
  concord_test_click (concord_test_named (editor_window ("mapping-editor-window"), "editor-cancel-button"));
  g_assert_true (concord_test_wait_until (editor_window_gone, (gpointer) "mapping-editor-window", 10));
  check_mapping_page (f, "⇄");

  /* Unmapping the first names in the editor, then Done: they are left out. */
  concord_test_click (concord_test_named (f->dialog, "mapping-edit-button"));
  g_assert_true (concord_test_wait_until (editor_window_shown, (gpointer) "mapping-editor-window", 10));
  window = editor_window ("mapping-editor-window");
  concord_test_click (unmap_button (pair_row_of (window, "first_name")));
  concord_test_click (concord_test_named (window, "editor-done-button"));
  g_assert_true (concord_test_wait_until (editor_window_gone, (gpointer) "mapping-editor-window", 10));
  g_assert_false (label_in (concord_test_named (f->dialog, "pairs-group"), "First name ⇄ First name"));
  g_assert_true (label_in (concord_test_named (f->dialog, "pairs-group"), "Email ⇄ Email"));
  g_assert_true (label_in (concord_test_named (f->dialog, "unmapped-group"), "Shop: First name"));

  /* Dee is no longer created in the shop, and Bob's first name no longer
   * reaches the newsletter; his last name still reaches the shop. */
  next (f, "review");
  wait_label (f->dialog, "count-create-b", "2");
  wait_label (f->dialog, "count-create-a", "0");
  wait_label (f->dialog, "count-update-a", "1");
  wait_label (f->dialog, "count-update-b", "0");
}

/* ------------------------------------------------------------------------- */
/* A form made from an app's description                                     */
/* ------------------------------------------------------------------------- */

static const ConcordAppChoice every_kind_regions[] = {
  { "eu", "Europe" },
  { "us", "United States" },
  { NULL, NULL },
};

/* Choices from a callback (an address-book picker), owned by the array. */
static void
choice_free (gpointer data)
{
  ConcordAppChoice *choice = data;

  g_free ((char *) choice->value);
  g_free ((char *) choice->label);
  g_free (choice);
}

static GPtrArray *
list_books (const ConcordAppField *field)
{
  GPtrArray *books = g_ptr_array_new_with_free_func (choice_free);
  ConcordAppChoice *personal = g_new0 (ConcordAppChoice, 1);
  ConcordAppChoice *work = g_new0 (ConcordAppChoice, 1);

  personal->value = g_strdup ("personal");
  personal->label = g_strdup ("Personal");
  work->value = g_strdup ("work");
  work->label = g_strdup ("Work");
  g_ptr_array_add (books, personal);
  g_ptr_array_add (books, work);
  return books;
}

/* A CRM for the review's automatic mapping: a memory connector with
 * HubSpot-like fields, pick lists with values and labels, and contacts. */
static const ConcordAppField crm_fields[] = {
  { .key = "key", .kind = CONCORD_APP_FIELD_SECRET, .label = "API Key", .required = TRUE },
  { NULL }
};

static ConcordFieldSpec *
crm_pick_list (const char *key,
               const char *label,
               const char *values,
               const char *labels)
{
  ConcordFieldSpec *spec = concord_field_spec_new (key, label, CONCORD_FIELD_TYPE_ENUM, FALSE);

  spec->choices = g_strsplit (values, ",", -1);
  spec->choice_labels = g_strsplit (labels, ",", -1);
  return spec;
}

static ConcordConnector *
crm_create (const ConcordAppInfo  *app,
            JsonObject            *options,
            const char            *secret,
            GError               **error)
{
  ConcordMemoryConnector *crm = concord_memory_connector_new (app->id, 0);
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_field_spec_free);
  g_autoptr(ConcordRecord) dee = concord_record_new (NULL);

  g_ptr_array_add (specs, concord_field_spec_new ("email", "Email", CONCORD_FIELD_TYPE_EMAIL, FALSE));
  g_ptr_array_add (specs, concord_field_spec_new ("first_name", "First name", CONCORD_FIELD_TYPE_STRING, FALSE));
  g_ptr_array_add (specs, concord_field_spec_new ("last_name", "Last name", CONCORD_FIELD_TYPE_STRING, FALSE));
  g_ptr_array_add (specs, crm_pick_list ("custom:lifecyclestage", "Lifecycle stage", "lead,customer",
                                         "Lead,Customer"));
  g_ptr_array_add (specs, crm_pick_list ("custom:hs_lead_status", "Lead status", "NEW,OPEN", "New,Open"));
  g_ptr_array_add (specs, concord_field_spec_new ("custom:hs_email_optout", "Unsubscribed from all email",
                                                  CONCORD_FIELD_TYPE_BOOLEAN, FALSE));
  concord_memory_connector_set_schema (crm, specs);

  concord_record_set_text (dee, "email", CONCORD_FIELD_TYPE_EMAIL, "dee@example.com");
  concord_record_set_text (dee, "first_name", CONCORD_FIELD_TYPE_STRING, "Dee");
  concord_record_set_text (dee, "custom:lifecyclestage", CONCORD_FIELD_TYPE_ENUM, "lead");
  concord_memory_connector_insert (crm, dee);
  return CONCORD_CONNECTOR (crm);
}

static const ConcordAppInfo crm_app = {
  .id = "test-crm",
  .name = "Test CRM",
  .icon_name = "applications-science-symbolic",
  .auth = CONCORD_APP_AUTH_KEY,
  .fields = crm_fields,
  .create = crm_create,
};

static GtkWidget *
automap_row (Fixture    *f,
             const char *group,
             const char *title)
{
  GtkWidget *list = list_box_in (concord_test_named (f->dialog, group));

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ACTION_ROW (row) &&
        g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
      return row;

  g_error ("no row “%s” in the automatic mapping", title);
  return NULL;
}

/* The review says what the automatic mapping did: the custom fields it
 * paired by name, a text field onto a pick list whose options hold its
 * values, and each field it left alone with why, all read out. */
static void
test_review_automap (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *area, *list, *row;

  put (f->mock[0], "{\"Email\":\"ann@example.com\",\"FirstName\":\"Ann\",\"Status\":\"Active\","
                   "\"CustomFields\":{\"Lifecycle Stage\":\"Customer\",\"Lead_Status\":\"Nurture\"}}");
  g_assert_true (concord_app_registry_register (&crm_app, &error));
  g_assert_no_error (error);
  gtk_window_destroy (GTK_WINDOW (f->dialog));
  f->dialog = concord_add_connection_dialog_new (GTK_WINDOW (f->parent), f->engine);
  g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &f->dialog);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (concord_test_wait_until (is_mapped, f->dialog, 10));

  choose_app (f, CONCORD_SIDE_A);
  fill_side (f, CONCORD_SIDE_A, keys[0]);
  check_key (f, CONCORD_SIDE_A, "Key accepted");

  area = side (f, CONCORD_SIDE_B);
  list = concord_test_named (area, "app-list");
  row = concord_test_named (list, "app-test-crm");
  g_signal_emit_by_name (list, "row-activated", row);
  g_assert_true (concord_test_wait_until (is_mapped, concord_test_named (area, "name-entry"), 10));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "name-entry")), "CRM");
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "key-entry")), "crm-key");
  check_key (f, CONCORD_SIDE_B, "Key accepted");

  /* Two apps: the step says what each syncs, then the direction. */
  next (f, "types");
  next (f, "direction");
  next (f, "rules");
  next (f, "mapping");
  next (f, "review");
  wait_label (f->dialog, "count-listed-b", "1");

  /* Paired by name, the labels written as the options' values. */
  row = automap_row (f, "automap-group", "Lifecycle Stage ⇄ Lifecycle stage");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                            "values are written as the options of the pick list"));
  assert_accessible_label (row, "Lifecycle Stage syncs both ways with Lifecycle stage. Custom fields of the "
                                "same name; values are written as the options of the pick list");
  row = automap_row (f, "automap-group", "Email ⇄ Email");
  assert_accessible_label (row, "Email syncs both ways with Email");

  /* Left alone, and why. */
  row = automap_row (f, "automap-left-group", "Shop: Lead_Status");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "Values like “Nurture” are not among the options of “Lead status”");
  assert_accessible_label (row, "Shop: Lead_Status. Values like “Nurture” are not among the "
                                "options of “Lead status”");
  row = automap_row (f, "automap-left-group", "CRM: Unsubscribed from all email");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "A yes or no cannot say"));
  row = automap_row (f, "automap-left-group", "Shop: Status");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "is a yes or no, not a status"));
  assert_plain (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));

  /* The connection made for the preview keeps the mapping shown: a run
   * has no sample to decide the pick list by. */
  {
    g_autoptr(ConcordStore) store = concord_store_new (f->db_path, &error);
    g_autoptr(GPtrArray) connections = NULL;
    const ConcordConnectionRow *connection;

    g_assert_no_error (error);
    connections = concord_store_list_connections (store, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (connections->len, ==, 1);
    connection = g_ptr_array_index (connections, 0);
    g_test_message ("%s", connection->config_json);
    g_assert_nonnull (strstr (connection->config_json, "\"custom:lifecyclestage\""));
    g_assert_nonnull (strstr (connection->config_json, "\"customer\""));
  }

  if (g_getenv ("CONCORD_SCREENSHOT_DIR") != NULL)
    {
      /* The group is laid out before it can be scrolled to. */
      concord_test_spin (500);
      scroll_to (concord_test_named (f->dialog, "automap-group"));
      screenshot (f, "add-connection-review-automap.png");
    }

  concord_app_registry_unregister (&crm_app);
}

/* ------------------------------------------------------------------------- */
/* The sandbox demo with a sample of a real app                              */
/* ------------------------------------------------------------------------- */

static guint
count_all (ConcordConnector *connector,
           const char       *type,
           GHashTable       *emails)
{
  g_autofree char *token = NULL;
  guint n = 0;

  do
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(ConcordPage) page = NULL;
      g_autoptr(GError) error = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_list_async (connector, type, NULL, token, NULL, concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      page = concord_connector_list_finish (connector, result, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < page->records->len; i++)
        {
          const char *email = concord_record_get_email (g_ptr_array_index (page->records, i));

          if (emails != NULL && email != NULL)
            g_hash_table_add (emails, g_ascii_strdown (email, -1));
        }
      n += page->records->len;
      g_free (token);
      token = g_steal_pointer (&page->next_page);
    }
  while (token != NULL);

  return n;
}

/* "Try with Sample Data" → a sample Pipedrive: the dialog opens with
 * Elastic Email and Pipedrive chosen, the sandbox's servers and keys
 * filled in; the user names the accounts and goes through the real flow;
 * the first sync brings each side's contacts to the other. */
static void
test_sandbox_app (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *sandbox_dir = g_build_filename (f->dir, "sandbox", NULL);
  g_autoptr(ConcordSandbox) sandbox = concord_sandbox_new (sandbox_dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnector) ee = NULL;
  g_autoptr(ConcordConnector) app = NULL;
  g_autoptr(GHashTable) emails_a = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) emails_b = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *account_b = NULL;
  gboolean started = FALSE;
  GtkWidget *area_a, *area_b, *label;
  GHashTableIter iter;
  gpointer email;

  g_assert_true (concord_sandbox_add_app (sandbox, "pipedrive", &error));
  g_assert_no_error (error);
  concord_sandbox_start_async (sandbox, NULL, sandbox_started_cb, &started);
  g_assert_true (concord_test_wait_until (flag_set, &started, 30));
  concord_add_connection_dialog_set_sandbox_app (CONCORD_ADD_CONNECTION_DIALOG (f->dialog), sandbox, "pipedrive");

  /* Both apps chosen, their keys and servers filled in, and the page
   * says so. */
  area_a = side (f, CONCORD_SIDE_A);
  area_b = side (f, CONCORD_SIDE_B);
  g_assert_true (concord_test_wait_until (is_mapped, concord_test_named (area_b, "name-entry"), 10));
  g_assert_cmpstr (concord_add_connection_side_get_app (CONCORD_ADD_CONNECTION_SIDE (area_a))->id, ==,
                   "elasticemail");
  g_assert_cmpstr (concord_add_connection_side_get_app (CONCORD_ADD_CONNECTION_SIDE (area_b))->id, ==,
                   "pipedrive");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (area_a, "key-entry"))), ==,
                   concord_sandbox_get_app_key (sandbox, "elasticemail"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (area_b, "key-entry"))), ==,
                   concord_sandbox_get_app_key (sandbox, "pipedrive"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (area_b, "base-url-entry"))), ==,
                   concord_sandbox_get_app_url (sandbox, "pipedrive"));
  g_assert_false (gtk_widget_is_visible (concord_test_named (area_b, "app-list")));
  label = GTK_WIDGET (gtk_widget_get_template_child (f->dialog, CONCORD_TYPE_ADD_CONNECTION_DIALOG, "sandbox_label"));
  g_assert_true (gtk_widget_get_visible (label));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (label)), "Pipedrive"));

  /* Choosing another app drops the sandbox's key; back again fills it. */
  g_signal_emit_by_name (concord_test_named (area_b, "change-app-button"), "clicked");
  g_signal_emit_by_name (concord_test_named (area_b, "app-list"), "row-activated",
                         concord_test_named (concord_test_named (area_b, "app-list"), "app-sample-crm"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (area_b, "key-entry"))), ==,
                   concord_sandbox_get_app_key (sandbox, "sample-crm"));
  g_signal_emit_by_name (concord_test_named (area_b, "change-app-button"), "clicked");
  g_signal_emit_by_name (concord_test_named (area_b, "app-list"), "row-activated",
                         concord_test_named (concord_test_named (area_b, "app-list"), "app-pipedrive"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (area_b, "key-entry"))), ==,
                   concord_sandbox_get_app_key (sandbox, "pipedrive"));

  /* Named for the user, who may rename them. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (area_a, "name-entry"))), ==,
                   "Sample Elastic Email");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (concord_test_named (area_b, "name-entry"))), ==,
                   "Sample Pipedrive");
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area_a, "name-entry")), "Sample Newsletter");
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area_b, "name-entry")), "Sample Sales");
  check_key (f, CONCORD_SIDE_A, "Key accepted");
  check_key (f, CONCORD_SIDE_B, "Key accepted");
  screenshot (f, "add-connection-sandbox-pipedrive.png");

  /* The sample account is an account like any other: its key in the
   * keyring, its options the sandbox's. */
  account_b = account_id_named (f, "Sample Sales");
  g_assert_nonnull (account_b);
  assert_key_in_keyring (account_b, concord_sandbox_get_app_key (sandbox, "pipedrive"));

  /* Two apps, one kind of contact each: the step shows what each syncs. */
  next (f, "types");
  g_assert_true (gtk_widget_get_visible (concord_test_named (f->dialog, "types-a")));
  g_assert_true (gtk_widget_get_visible (concord_test_named (f->dialog, "types-b")));
  /* One kind each: said, nothing to choose. */
  assert_accessible_label (concord_test_named (f->dialog, "type-a-contacts"),
                           "Contacts. The only kind of contact in this Elastic Email account");
  assert_accessible_label (concord_test_named (f->dialog, "type-b-persons"),
                           "Persons. The only kind of contact in this Pipedrive account");
  g_assert_true (ADW_IS_ACTION_ROW (concord_test_named (f->dialog, "type-b-persons")));
  g_assert_null (concord_test_find_type (concord_test_named (f->dialog, "type-b-persons"), GTK_TYPE_CHECK_BUTTON));
  next (f, "direction");
  next (f, "rules");
  next (f, "mapping");
  next (f, "review");
  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (f->dialog, "turn-on-button"), 60));
  concord_test_click (concord_test_named (f->dialog, "turn-on-button"));
  g_assert_true (concord_test_wait_until (is_gone, &f->dialog, 30));
  g_assert_true (concord_test_wait_until (ran_once, f, 120));

  /* Contacts of each side are on the other. */
  ee = concord_app_registry_create_connector ("elasticemail", concord_sandbox_get_app_options_json (sandbox,
                                                                                                   "elasticemail"),
                                              concord_sandbox_get_app_key (sandbox, "elasticemail"), &error);
  g_assert_no_error (error);
  app = concord_app_registry_create_connector ("pipedrive", concord_sandbox_get_app_options_json (sandbox, "pipedrive"),
                                               concord_sandbox_get_app_key (sandbox, "pipedrive"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_all (ee, "contacts", emails_a), >, 300);
  g_assert_cmpuint (count_all (app, "persons", emails_b), >, 250);
  g_hash_table_iter_init (&iter, emails_b);
  while (g_hash_table_iter_next (&iter, &email, NULL))
    g_assert_true (g_hash_table_contains (emails_a, email));
  g_hash_table_iter_init (&iter, emails_a);
  while (g_hash_table_iter_next (&iter, &email, NULL))
    g_assert_true (g_hash_table_contains (emails_b, email));

  /* Trying again: the sample accounts made the first time are offered
   * first, not a second account of the same server. */
  f->dialog = concord_add_connection_dialog_new (GTK_WINDOW (f->parent), f->engine);
  g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &f->dialog);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (concord_test_wait_until (is_mapped, f->dialog, 10));
  concord_add_connection_dialog_set_sandbox_app (CONCORD_ADD_CONNECTION_DIALOG (f->dialog), sandbox, "pipedrive");
  area_b = side (f, CONCORD_SIDE_B);
  CONCORD_TEST_WAIT_FOR (gtk_widget_get_visible (concord_test_named (area_b, "existing-accounts")));
  g_assert_nonnull (concord_test_named (area_b, "existing-Sample Sales"));
  g_assert_false (gtk_widget_is_visible (concord_test_named (area_b, "name-entry")));
  g_assert_false (gtk_widget_is_visible (concord_test_named (area_b, "key-entry")));
}

/* ------------------------------------------------------------------------- */
/* An app whose contact types come from its API (a mailing tool's audiences) */
/* ------------------------------------------------------------------------- */

typedef enum
{
  LISTED_FAIL,
  LISTED_NONE,
  LISTED_TWO,
} ListedMode;

static ListedMode listed_mode;
static guint listed_calls;

#define TEST_TYPE_LISTED_CONNECTOR (test_listed_connector_get_type ())
G_DECLARE_FINAL_TYPE (TestListedConnector, test_listed_connector, TEST, LISTED_CONNECTOR, ConcordConnector)

struct _TestListedConnector
{
  ConcordConnector parent_instance;
};

G_DEFINE_FINAL_TYPE (TestListedConnector, test_listed_connector, CONCORD_TYPE_CONNECTOR)

static const char *
test_listed_connector_get_app_id (ConcordConnector *self)
{
  return "test-audiences";
}

/* The app answers after a while: long enough to see the spinner. */
static gboolean
listed_answer_cb (gpointer data)
{
  g_autoptr(GTask) task = data;
  GPtrArray *types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);

  switch (listed_mode)
    {
    case LISTED_FAIL:
      g_ptr_array_unref (types);
      g_task_return_new_error (task, CONCORD_ERROR, CONCORD_ERROR_SERVER, "GET /lists failed: HTTP 503");
      return G_SOURCE_REMOVE;
    case LISTED_TWO:
      g_ptr_array_add (types, concord_contact_type_new ("aud-7f1", "Newsletter"));
      g_ptr_array_add (types, concord_contact_type_new ("aud-2c9", "Customers"));
      break;
    case LISTED_NONE:
    default:
      break;
    }
  g_task_return_pointer (task, types, (GDestroyNotify) g_ptr_array_unref);
  return G_SOURCE_REMOVE;
}

static void
test_listed_connector_list_contact_types_async (ConcordConnector    *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data)
{
  GTask *task = concord_connector_task_new (self, test_listed_connector_list_contact_types_async, cancellable,
                                            callback, user_data);
  g_autoptr(GSource) source = g_timeout_source_new (600);

  listed_calls++;
  g_source_set_callback (source, listed_answer_cb, task, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
}

static void
test_listed_connector_class_init (TestListedConnectorClass *klass)
{
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);

  connector_class->get_app_id = test_listed_connector_get_app_id;
  connector_class->list_contact_types_async = test_listed_connector_list_contact_types_async;
}

static void
test_listed_connector_init (TestListedConnector *self)
{
}

static ConcordConnector *
listed_create (const ConcordAppInfo  *app,
               JsonObject            *options,
               const char            *secret,
               GError               **error)
{
  return g_object_new (TEST_TYPE_LISTED_CONNECTOR, NULL);
}

static const ConcordAppField listed_fields[] = {
  { .key = "api_key", .kind = CONCORD_APP_FIELD_SECRET, .label = "API Key", .required = TRUE },
  { NULL }
};

static const ConcordAppInfo listed_app = {
  .id = "test-audiences",
  .name = "Audiences",
  .icon_name = "mail-send-symbolic",
  .key_url = "https://example.com/account/api-keys",
  .key_help = "Copy your key from Account → API keys.",
  .auth = CONCORD_APP_AUTH_KEY,
  .fields = listed_fields,
  .create = listed_create,
  .no_types = "This account has no audiences. Create one in Audiences, then check again.",
};

static gboolean
spinner_spins (gpointer widget)
{
  return gtk_widget_get_visible (widget) && gtk_spinner_get_spinning (GTK_SPINNER (widget));
}

/* The types are read from the app while the key is checked: a spinner
 * meanwhile, the app's failure said with a way to try again (which reads
 * only the types: the account stays the one made), the app's own words
 * for an account with none, and then a step listing them, each named for
 * a screen reader. The app's row has its icon, its key link its page. */
static void
test_listed_types (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *area, *list, *row, *status, *check_button;
  g_autofree char *account = NULL;

  g_assert_true (concord_app_registry_register (&listed_app, &error));
  g_assert_no_error (error);
  listed_calls = 0;

  gtk_window_destroy (GTK_WINDOW (f->dialog));
  f->dialog = concord_add_connection_dialog_new (GTK_WINDOW (f->parent), f->engine);
  g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &f->dialog);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (concord_test_wait_until (is_mapped, f->dialog, 10));

  choose_app (f, CONCORD_SIDE_A);
  fill_side (f, CONCORD_SIDE_A, keys[0]);
  check_key (f, CONCORD_SIDE_A, "Key accepted");

  area = side (f, CONCORD_SIDE_B);
  list = concord_test_named (area, "app-list");
  row = concord_test_named (list, "app-test-audiences");
  /* Its row: its name and its icon. */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Audiences");
  {
    GtkWidget *icon = concord_test_find_type (row, GTK_TYPE_IMAGE);

    g_assert_nonnull (icon);
    g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, "mail-send-symbolic");
  }
  g_signal_emit_by_name (list, "row-activated", row);
  g_assert_cmpstr (gtk_link_button_get_uri (GTK_LINK_BUTTON (concord_test_named (area, "key-help-button"))), ==,
                   listed_app.key_url);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (concord_test_named (area, "key-entry"))),
                   ==, "API Key");
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "name-entry")), "Mailing");
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "key-entry")), "aud-key-51e0");

  /* The app fails to list them: said, and Check tries again. */
  listed_mode = LISTED_FAIL;
  status = concord_test_named (area, "status-label");
  check_button = concord_test_named (area, "check-button");
  concord_test_click (check_button);
  g_assert_true (concord_test_wait_until (spinner_spins, concord_test_find_type (concord_test_named (area, "key-entry"),
                                                                                 GTK_TYPE_SPINNER), 10));
  wait_label (area, "status-label", "Checking the key with Audiences");
  screenshot (f, "add-connection-1-types-reading.png");
  wait_label (area, "status-label", "The kinds of contacts in Audiences could not be read");
  g_assert_true (gtk_widget_has_css_class (status, "error"));
  g_assert_true (concord_test_wait_until (is_sensitive, check_button, 10));
  g_assert_false (gtk_widget_is_sensitive (concord_test_named (f->dialog, "next-button")));
  account = account_id_named (f, "Mailing");
  g_assert_nonnull (account);

  /* None: the app's own words. */
  listed_mode = LISTED_NONE;
  concord_test_click (check_button);
  wait_label (area, "status-label", "This account has no audiences");
  g_assert_true (gtk_widget_has_css_class (status, "error"));
  screenshot (f, "add-connection-1-types-none.png");
  g_assert_false (gtk_widget_is_sensitive (concord_test_named (f->dialog, "next-button")));

  /* Two: accepted, and a step to choose one. */
  listed_mode = LISTED_TWO;
  concord_test_click (check_button);
  wait_label (area, "status-label", "Key accepted");
  g_assert_cmpuint (listed_calls, ==, 3);
  {
    g_autofree char *again = account_id_named (f, "Mailing");

    g_assert_cmpstr (again, ==, account);  /* the one account, its types read again */
  }

  next (f, "types");
  g_assert_false (gtk_widget_get_visible (concord_test_named (f->dialog, "types-a")));
  g_assert_true (gtk_widget_get_visible (concord_test_named (f->dialog, "types-b")));
  assert_accessible_label (concord_test_named (f->dialog, "type-b-aud-7f1"), "Newsletter");
  assert_accessible_label (concord_test_named (f->dialog, "type-b-aud-2c9"), "Customers");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (concord_test_named (f->dialog, "type-b-aud-7f1"))));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (concord_test_named (f->dialog, "type-b-aud-2c9")), TRUE);
  screenshot (f, "add-connection-2-types-listed.png");

  gtk_window_destroy (GTK_WINDOW (f->dialog));
  concord_app_registry_unregister (&listed_app);
}

/* ------------------------------------------------------------------------- */
/* Every app with a mock: its key step and its contact-type step             */
/* ------------------------------------------------------------------------- */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wredundant-decls"
#define CONCORD_MOCK_APP(info) extern const ConcordMockAppInfo info;
#include "concord-mock-app-list.h"
#undef CONCORD_MOCK_APP
#pragma GCC diagnostic pop

static const ConcordMockAppInfo * const mock_apps[] = {
#define CONCORD_MOCK_APP(info) &info,
#include "concord-mock-app-list.h"
#undef CONCORD_MOCK_APP
  /* The apps served from their connector descriptions */
  CONCORD_MOCK_DESCRIBED_APPS
  NULL,
};

/* Side B on @app against its simulated server at @base_url: chosen from
 * the list (with its icon), its form filled (the server address under
 * Advanced, a made-up address for any other required text), the key
 * checked, the contact types listed. Saves
 * add-connection-APP-1-key.png and add-connection-APP-2-types.png. */
static void
app_steps (Fixture              *f,
           const ConcordAppInfo *app,
           const char           *base_url,
           const char           *key)
{
  GtkWidget *area = side (f, CONCORD_SIDE_B);
  GtkWidget *list = concord_test_named (area, "app-list");
  g_autofree char *row_name = g_strdup_printf ("app-%s", app->id);
  g_autofree char *key_shot = g_strdup_printf ("add-connection-%s-1-key.png", app->id);
  g_autofree char *types_shot = g_strdup_printf ("add-connection-%s-2-types.png", app->id);
  g_autofree char *name = g_strdup_printf ("Sample %s", concord_app_info_get_name (app));
  GtkWidget *row = concord_test_named (list, row_name);
  GtkWidget *icon = concord_test_find_type (row, GTK_TYPE_IMAGE);
  GPtrArray *types;

  g_test_message ("%s at %s", app->id, base_url);
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, concord_app_info_get_icon_name (app));
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                          concord_app_info_get_icon_name (app)));
  g_signal_emit_by_name (list, "row-activated", row);
  g_assert_true (concord_test_wait_until (is_mapped, concord_test_named (area, "name-entry"), 10));

  /* Its key page, where the app has one. */
  g_assert_cmpint (gtk_widget_get_visible (concord_test_named (area, "key-help-button")), ==, app->key_url != NULL);
  if (app->key_url != NULL)
    {
      g_assert_true (g_str_has_prefix (app->key_url, "https://"));
      g_assert_cmpstr (gtk_link_button_get_uri (GTK_LINK_BUTTON (concord_test_named (area, "key-help-button"))),
                       ==, app->key_url);
      /* Named as the app names its key. */
      g_assert_nonnull (strstr (gtk_button_get_label (GTK_BUTTON (concord_test_named (area, "key-help-button"))),
                                concord_app_field_get_label (concord_app_info_get_secret_field (app))));
    }

  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "name-entry")), name);
  for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
    {
      g_autofree char *widget = NULL;
      g_autofree char *dashed = g_strdelimit (g_strdup (field->key), "_", '-');

      if (field->kind == CONCORD_APP_FIELD_SECRET)
        continue;
      widget = g_strdup_printf ("%s-entry", dashed);
      if (g_str_equal (field->key, "base_url") ||
          (field->required && field->kind == CONCORD_APP_FIELD_URL))
        gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, widget)), base_url);
      else if (field->required && field->kind == CONCORD_APP_FIELD_TEXT)
        /* A server with user names has one user in its simulation (alice). */
        gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, widget)),
                               app->auth == CONCORD_APP_AUTH_USER_PASSWORD ? "alice" : "owner@example.com");
    }
  /* A wrong key (of the right shape): refused before Next, in words that
   * name the app (and the password, for an app with user names). */
  {
    g_autofree char *refused = g_strdup_printf (app->auth == CONCORD_APP_AUTH_USER_PASSWORD
                                                ? "%s refused this user name or password"
                                                : "%s refused this API key",
                                                concord_app_info_get_name (app));
    g_autofree char *wrong = concord_sandbox_make_key (app);

    gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "key-entry")), wrong);
    check_key (f, CONCORD_SIDE_B, refused);
    g_assert_true (gtk_widget_has_css_class (concord_test_named (area, "status-label"), "error"));
    g_assert_false (gtk_widget_is_sensitive (concord_test_named (f->dialog, "next-button")));
  }

  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "key-entry")), key);
  check_key (f, CONCORD_SIDE_B, app->auth == CONCORD_APP_AUTH_USER_PASSWORD ? "Signed in" : "Key accepted");
  scroll_to (concord_test_named (area, "status-label"));
  screenshot (f, key_shot);

  /* The step that says what syncs: the app's own kinds of contact. */
  types = concord_add_connection_side_get_types (CONCORD_ADD_CONNECTION_SIDE (area));
  g_assert_nonnull (types);
  g_assert_cmpuint (types->len, >, 0);
  next (f, "types");
  g_assert_true (gtk_widget_get_visible (concord_test_named (f->dialog, "types-b")));
  for (guint i = 0; i < types->len; i++)
    {
      const ConcordContactType *type = g_ptr_array_index (types, i);
      g_autofree char *check = g_strdup_printf ("type-b-%s", type->id);
      g_autofree char *only = g_strdup_printf ("%s. The only kind of contact in this %s account", type->label,
                                               concord_app_info_get_name (app));

      assert_accessible_label (concord_test_named (f->dialog, check), types->len == 1 ? only : type->label);
    }
  screenshot (f, types_shot);
}

/* For each app whose simulated server is in the mock list (or only
 * CONCORD_SHOOT_APP; against CONCORD_SHOOT_BASE_URL with
 * CONCORD_SHOOT_KEY, a `concord-mock APP` of tools/shoot-app.sh, when
 * given), side A being Elastic Email. */
static void
test_app_steps (Fixture       *f,
                gconstpointer  data)
{
  const char *only = g_getenv ("CONCORD_SHOOT_APP");
  const char *external_url = g_getenv ("CONCORD_SHOOT_BASE_URL");
  const char *external_key = g_getenv ("CONCORD_SHOOT_KEY");
  guint n_apps = 0;

  for (guint i = 0; mock_apps[i] != NULL; i++)
    {
      const ConcordAppInfo *app = concord_app_registry_lookup (mock_apps[i]->id);
      g_autoptr(GObject) mock = NULL;
      g_autoptr(GError) error = NULL;

      if (app == NULL || app == &concord_elasticemail_app || (only != NULL && !g_str_equal (only, app->id)))
        continue;

      /* A new dialog for each app, the first side Elastic Email. */
      if (n_apps > 0)
        {
          gtk_window_destroy (GTK_WINDOW (f->dialog));
          f->dialog = concord_add_connection_dialog_new (GTK_WINDOW (f->parent), f->engine);
          g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &f->dialog);
          gtk_window_present (GTK_WINDOW (f->dialog));
          g_assert_true (concord_test_wait_until (is_mapped, f->dialog, 10));
        }
      choose_app (f, CONCORD_SIDE_A);
      fill_side (f, CONCORD_SIDE_A, keys[0]);
      check_key (f, CONCORD_SIDE_A, "Key accepted");

      if (only != NULL && external_url != NULL && external_key != NULL)
        app_steps (f, app, external_url, external_key);
      else
        {
          /* A key in the app's own shape (Mailchimp's names its data centre). */
          g_autofree char *key = concord_sandbox_make_key (app);

          mock = mock_apps[i]->create (key, 0, &error);
          g_assert_no_error (error);
          mock_apps[i]->generate (mock, 20, 1);
          app_steps (f, app, mock_apps[i]->get_base_url (mock), key);
        }
      n_apps++;
    }

  g_assert_cmpuint (n_apps, >, 0);
}

static const ConcordAppField every_kind_fields[] = {
  { .key = "password", .kind = CONCORD_APP_FIELD_SECRET, .label = "Password", .required = TRUE },
  { .key = "user", .kind = CONCORD_APP_FIELD_TEXT, .label = "User Name", .required = TRUE },
  { .key = "server", .kind = CONCORD_APP_FIELD_URL, .label = "Server", .required = TRUE },
  { .key = "folder", .kind = CONCORD_APP_FIELD_FOLDER, .label = "Folder" },
  { .key = "file", .kind = CONCORD_APP_FIELD_FILE, .label = "File", .advanced = TRUE },
  { .key = "region", .kind = CONCORD_APP_FIELD_CHOICE, .label = "Region", .required = TRUE,
    .choices = every_kind_regions },
  { .key = "book", .kind = CONCORD_APP_FIELD_CHOICE, .label = "Address Book", .list_choices = list_books },
  { NULL }
};

static char *every_kind_options;  /* what the factory was given last */

static ConcordConnector *
every_kind_create (const ConcordAppInfo  *app,
                   JsonObject            *options,
                   const char            *secret,
                   GError               **error)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), options);

  g_free (every_kind_options);
  every_kind_options = json_to_string (node, FALSE);
  return CONCORD_CONNECTOR (concord_memory_connector_new (app->id, 0));
}

static const ConcordAppInfo every_kind_app = {
  .id = "test-every-kind",
  .name = "Every Kind",
  .icon_name = "applications-science-symbolic",
  .auth = CONCORD_APP_AUTH_USER_PASSWORD,
  .fields = every_kind_fields,
  .create = every_kind_create,
};

static gboolean
has_error_class (gpointer widget)
{
  return gtk_widget_has_css_class (widget, "error");
}

static gboolean
lacks_error_class (gpointer widget)
{
  return !gtk_widget_has_css_class (widget, "error");
}

/* A test-only app with a field of every kind: its form has a row of the
 * right sort for each, accessible names that say which side, the
 * advanced field behind the expander, a refusal shown on the field's
 * row, and the values reach the app's factory as its options. */
static void
test_every_field_kind (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *expect = NULL;
  GtkWidget *area, *list, *row, *user, *server, *folder, *file_row, *region, *key, *expander;
  const char *title = "First App";

  g_assert_true (concord_app_registry_register (&every_kind_app, &error));
  g_assert_no_error (error);
  dir = g_dir_make_tmp ("concord-every-kind-XXXXXX", &error);
  g_assert_no_error (error);
  file = g_build_filename (dir, "contacts.vcf", NULL);
  g_assert_true (g_file_set_contents (file, "BEGIN:VCARD\n", -1, &error));
  g_assert_no_error (error);

  /* The app list is made with the dialog: a new one offers the app. */
  gtk_window_destroy (GTK_WINDOW (f->dialog));
  f->dialog = concord_add_connection_dialog_new (GTK_WINDOW (f->parent), f->engine);
  g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &f->dialog);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (concord_test_wait_until (is_mapped, f->dialog, 10));

  area = side (f, CONCORD_SIDE_A);
  list = concord_test_named (area, "app-list");
  row = concord_test_named (list, "app-test-every-kind");
  g_signal_emit_by_name (list, "row-activated", row);
  g_assert_true (concord_test_wait_until (is_mapped, concord_test_named (area, "name-entry"), 10));

  key = concord_test_named (area, "key-entry");
  user = concord_test_named (area, "user-entry");
  server = concord_test_named (area, "server-entry");
  folder = concord_test_named (area, "folder-entry");
  file_row = concord_test_named (area, "file-entry");
  region = concord_test_named (area, "region-choice");
  expander = concord_test_named (area, "advanced-expander");

  /* The right row for each kind, the advanced one in the expander. */
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (key));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (key)), ==, "Password");
  g_assert_true (ADW_IS_ENTRY_ROW (user));
  g_assert_true (ADW_IS_ENTRY_ROW (server));
  g_assert_true (ADW_IS_ENTRY_ROW (folder));
  g_assert_true (GTK_IS_BUTTON (concord_test_named (folder, "folder-choose-button")));
  g_assert_true (GTK_IS_BUTTON (concord_test_named (file_row, "file-choose-button")));
  g_assert_true (ADW_IS_COMBO_ROW (region));
  g_assert_true (gtk_widget_is_visible (user));
  g_assert_true (gtk_widget_is_visible (expander));
  g_assert_true (gtk_widget_is_ancestor (file_row, expander));
  g_assert_false (gtk_widget_is_ancestor (user, expander));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (expander)), ==, "Advanced: File");
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (region))), ==, 2);
  /* An optional choice offers "None" first, and the callback's books. */
  {
    GListModel *books = adw_combo_row_get_model (ADW_COMBO_ROW (concord_test_named (area, "book-choice")));

    g_assert_cmpuint (g_list_model_get_n_items (books), ==, 3);
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (books), 0), ==, "None");
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (books), 2), ==, "Work");
  }

  /* Labels a screen reader reads, naming the side. */
  {
    g_autofree char *user_label = g_strdup_printf ("User Name of the %s", title);
    g_autofree char *key_label = g_strdup_printf ("Password of the %s", title);
    g_autofree char *region_label = g_strdup_printf ("Region of the %s", title);
    g_autofree char *choose_label = g_strdup_printf ("Choose the Folder of the %s", title);

    assert_accessible_label (user, user_label);
    assert_accessible_label (key, key_label);
    assert_accessible_label (region, region_label);
    assert_accessible_label (concord_test_named (folder, "folder-choose-button"), choose_label);
  }

  /* Check waits for every required field. */
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "name-entry")), "Every");
  gtk_editable_set_text (GTK_EDITABLE (key), "pw-3f1");
  gtk_editable_set_text (GTK_EDITABLE (user), " ann ");
  g_assert_false (gtk_widget_get_sensitive (concord_test_named (area, "check-button")));
  gtk_editable_set_text (GTK_EDITABLE (server), "http://dav.example.com/");
  gtk_editable_set_text (GTK_EDITABLE (folder), dir);
  gtk_editable_set_text (GTK_EDITABLE (file_row), "contacts.vcf");
  adw_combo_row_set_selected (ADW_COMBO_ROW (region), 1);
  g_assert_true (gtk_widget_get_sensitive (concord_test_named (area, "check-button")));

  /* Refused on the field's row, before the app is asked. */
  concord_test_click (concord_test_named (area, "check-button"));
  wait_label (area, "status-label", "https");
  g_assert_true (has_error_class (server));
  g_assert_false (has_error_class (key));
  g_assert_null (every_kind_options);

  /* Typing clears it; the advanced field's problem opens the expander. */
  gtk_editable_set_text (GTK_EDITABLE (server), "https://dav.example.com/");
  g_assert_true (concord_test_wait_until (lacks_error_class, server, 10));
  concord_test_click (concord_test_named (area, "check-button"));
  wait_label (area, "status-label", "absolute path of a file");
  g_assert_true (has_error_class (file_row));
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (expander)));
  g_assert_null (every_kind_options);

  gtk_editable_set_text (GTK_EDITABLE (file_row), file);
  adw_combo_row_set_selected (ADW_COMBO_ROW (concord_test_named (area, "book-choice")), 2);
  check_key (f, CONCORD_SIDE_A, "Signed in");
  screenshot (f, "add-connection-1-every-field-kind.png");

  /* What reached the factory: each field by its key, trimmed; never the secret. */
  g_assert_nonnull (every_kind_options);
  g_test_message ("options: %s", every_kind_options);
  g_assert_nonnull (strstr (every_kind_options, "\"user\":\"ann\""));
  g_assert_nonnull (strstr (every_kind_options, "\"server\":\"https://dav.example.com/\""));
  g_assert_nonnull (strstr (every_kind_options, "\"region\":\"us\""));
  g_assert_nonnull (strstr (every_kind_options, "\"book\":\"work\""));
  expect = g_strdup_printf ("\"folder\":\"%s\"", dir);
  g_assert_nonnull (strstr (every_kind_options, expect));
  g_clear_pointer (&expect, g_free);
  expect = g_strdup_printf ("\"file\":\"%s\"", file);
  g_assert_nonnull (strstr (every_kind_options, expect));
  g_assert_null (strstr (every_kind_options, "pw-3f1"));
  g_assert_null (strstr (every_kind_options, "password"));

  gtk_window_destroy (GTK_WINDOW (f->dialog));
  concord_app_registry_unregister (&every_kind_app);
  g_clear_pointer (&every_kind_options, g_free);
  g_assert_cmpint (g_remove (file), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* An app without a secret (a folder of vCards): no password row, Check in
 * a row of its own, and the account is made with the folder alone. */
static const ConcordAppField folder_only_fields[] = {
  { .key = "folder", .kind = CONCORD_APP_FIELD_FOLDER, .label = "Folder", .required = TRUE },
  { NULL }
};

static const ConcordAppChoice folder_only_types[] = {
  { "cards", "Cards" },
  { NULL, NULL },
};

static const ConcordAppInfo folder_only_app = {
  .id = "test-folder-only",
  .name = "Folder Only",
  .auth = CONCORD_APP_AUTH_NONE,
  .fields = folder_only_fields,
  .create = every_kind_create,
  .contact_types = folder_only_types,
};

static void
test_no_secret (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *expect = NULL;
  GtkWidget *area, *list, *check_row, *check_button;

  g_assert_true (concord_app_registry_register (&folder_only_app, &error));
  g_assert_no_error (error);
  dir = g_dir_make_tmp ("concord-folder-only-XXXXXX", &error);
  g_assert_no_error (error);

  gtk_window_destroy (GTK_WINDOW (f->dialog));
  f->dialog = concord_add_connection_dialog_new (GTK_WINDOW (f->parent), f->engine);
  g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &f->dialog);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (concord_test_wait_until (is_mapped, f->dialog, 10));

  area = side (f, CONCORD_SIDE_A);
  list = concord_test_named (area, "app-list");
  g_signal_emit_by_name (list, "row-activated", concord_test_named (list, "app-test-folder-only"));
  g_assert_true (concord_test_wait_until (is_mapped, concord_test_named (area, "name-entry"), 10));

  check_row = concord_test_named (area, "check-row");
  check_button = concord_test_named (area, "check-button");
  g_assert_false (gtk_widget_get_visible (concord_test_named (area, "key-entry")));
  g_assert_true (gtk_widget_get_visible (check_row));
  g_assert_true (gtk_widget_is_ancestor (check_button, check_row));
  g_assert_false (gtk_widget_get_visible (concord_test_named (area, "advanced-expander")));

  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "name-entry")), "Cards");
  g_assert_false (gtk_widget_get_sensitive (check_button));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "folder-entry")), dir);
  g_assert_true (gtk_widget_get_sensitive (check_button));
  check_key (f, CONCORD_SIDE_A, "Account checked");
  expect = g_strdup_printf ("{\"folder\":\"%s\"}", dir);
  g_assert_cmpstr (every_kind_options, ==, expect);
  /* Its contact types are the ones it declares (the memory connector
   * would have said "contacts"). */
  {
    ConcordAddConnectionSide *side_a = CONCORD_ADD_CONNECTION_SIDE (area);
    GPtrArray *types = concord_add_connection_side_get_types (side_a);

    g_assert_nonnull (types);
    g_assert_cmpuint (types->len, ==, 1);
    g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 0))->id, ==, "cards");
    g_assert_cmpstr (((ConcordContactType *) g_ptr_array_index (types, 0))->label, ==, "Cards");
  }

  /* Back to an app with a key: Check goes back into its row. */
  g_signal_emit_by_name (concord_test_named (area, "change-app-button"), "clicked");
  g_signal_emit_by_name (list, "row-activated", concord_test_named (list, "app-elasticemail"));
  g_assert_true (gtk_widget_get_visible (concord_test_named (area, "key-entry")));
  g_assert_false (gtk_widget_get_visible (check_row));
  g_assert_true (gtk_widget_is_ancestor (check_button, concord_test_named (area, "key-entry")));

  gtk_window_destroy (GTK_WINDOW (f->dialog));
  concord_app_registry_unregister (&folder_only_app);
  g_clear_pointer (&every_kind_options, g_free);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
fail_on_removal (const char     *domain,
                 GLogLevelFlags  level,
                 const char     *message,
                 gpointer        user_data)
{
  if (strstr (message, "could not be removed") != NULL)
    g_error ("%s: %s", domain, message);
  g_log_default_handler (domain, level, message, user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init_ui (&argc, &argv);

  /* Talking to an inactive keyring would start one that prompts and hangs. */
  if (!concord_test_session_has_name ("org.freedesktop.secrets"))
    {
      g_printerr ("SKIP: no unlocked keyring owns org.freedesktop.secrets in this session\n");
      return 77;
    }

  adw_init ();
  concord_test_register_resources ();
  /* An account the dialog used must never be removed behind it (closing
   * the dialog once wiped the key field, which read as an edit). */
  g_log_set_handler ("concord-add-connection-side", G_LOG_LEVEL_MESSAGE, fail_on_removal, NULL);

  if (g_strcmp0 (g_getenv ("CONCORD_COLOR_SCHEME"), "dark") == 0)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  else
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);

  if (g_getenv ("CONCORD_SCREENSHOT_DIR") != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *data_dir = g_dir_make_tmp ("concord-backdrop-XXXXXX", &error);

      g_assert_no_error (error);
      g_setenv ("CONCORD_DATA_DIR", data_dir, TRUE);
      backdrop_app = concord_application_new (APP_ID ".Screenshots", G_APPLICATION_NON_UNIQUE);
      g_application_register (G_APPLICATION (backdrop_app), NULL, &error);
      g_assert_no_error (error);
      g_application_hold (G_APPLICATION (backdrop_app));
    }

  g_test_add ("/concord/ui/add-connection/flow", Fixture, NULL, setup, test_flow, teardown);
  g_test_add ("/concord/ui/add-connection/custom-fields", Fixture, NULL, setup, test_custom_fields,
              teardown);
  g_test_add ("/concord/ui/add-connection/keyboard", Fixture, NULL, setup, test_keyboard, teardown);
  g_test_add ("/concord/ui/add-connection/edit-in-dialog", Fixture, NULL, setup, test_edit_in_dialog, teardown);
  g_test_add ("/concord/ui/add-connection/contact-type", Fixture, NULL, setup, test_contact_type, teardown);
  g_test_add ("/concord/ui/add-connection/sandbox-app", Fixture, NULL, setup, test_sandbox_app, teardown);
  g_test_add ("/concord/ui/add-connection/listed-types", Fixture, NULL, setup, test_listed_types, teardown);
  g_test_add ("/concord/ui/add-connection/app-steps", Fixture, NULL, setup, test_app_steps, teardown);
  g_test_add ("/concord/ui/add-connection/keyboard-flow", Fixture, NULL, setup, test_keyboard_flow, teardown);
  g_test_add ("/concord/ui/add-connection/cancel-removes-preview", Fixture, NULL,
              setup, test_cancel_removes_preview, teardown);
  g_test_add ("/concord/ui/add-connection/focus-in-view", Fixture, NULL, setup, test_focus_in_view, teardown);
  g_test_add ("/concord/ui/add-connection/errors-on-field", Fixture, NULL, setup, test_errors_on_field,
              teardown);
  g_test_add ("/concord/ui/add-connection/existing-account", Fixture, NULL, setup, test_existing_account,
              teardown);
  g_test_add ("/concord/ui/add-connection/existing-account-kept", Fixture, NULL, setup,
              test_existing_account_kept, teardown);
  g_test_add ("/concord/ui/add-connection/offline-check", Fixture, NULL, setup, test_offline_check, teardown);
  g_test_add ("/concord/ui/add-connection/every-field-kind", Fixture, NULL, setup, test_every_field_kind,
              teardown);
  g_test_add ("/concord/ui/add-connection/no-secret", Fixture, NULL, setup, test_no_secret, teardown);
  g_test_add ("/concord/ui/add-connection/review-automap", Fixture, NULL, setup, test_review_automap, teardown);

  return g_test_run ();
}
