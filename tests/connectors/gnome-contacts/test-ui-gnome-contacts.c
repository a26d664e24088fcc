/* test-ui-gnome-contacts.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * GNOME Contacts in Add Connection, driven through the dialog's widgets,
 * with the simulated Elastic Email on side A and the session's Evolution
 * Data Server on side B (a temporary address book made for the test): the
 * app is offered with its icon; its form asks for nothing but a name (the
 * phone numbers' country is under Advanced); Check reaches the address
 * book service; the contact types are the address books by their names,
 * the test's among them, and the one chosen is the connection's; the
 * automatic mapping pairs the email and the names. With
 * CONCORD_SCREENSHOT_DIR it saves the account step and the address-book
 * step (add-connection-gnome-contacts-*.png).
 *
 * Paths: /concord/ui/gnome-contacts/<case>.
 */

#define G_LOG_DOMAIN "concord-test-ui-gnome-contacts"

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "concord-add-connection-dialog.h"
#include "concord-app-registry.h"
#include "concord-mock-elasticemail.h"
#include "concord-resources.h"
#include "concord-secret-store.h"
#include "concord-store.h"
#include "concord-test-address-book.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

#define EE_KEY "ui-gc-ee-key-62d9"

typedef struct
{
  char                    *dir;
  char                    *db_path;
  ConcordMockElasticEmail *ee;
  ConcordTestAddressBook  *book;
  ConcordSecretStore      *secrets;
  ConcordEngine           *engine;
  GtkWidget               *parent;
  GtkWidget               *dialog;   /* (nullable): weak */
} Fixture;

static gboolean
is_sensitive (gpointer widget)
{
  return gtk_widget_is_sensitive (widget);
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

  return label != NULL && gtk_widget_is_visible (label) &&
         strstr (gtk_label_get_label (GTK_LABEL (label)), wait->text) != NULL;
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

typedef struct
{
  GtkWidget  *root;
  const char *text;
} TextWait;

static gboolean
text_shown (gpointer data)
{
  TextWait *wait = data;

  return concord_test_find_text (wait->root, wait->text) != NULL;
}

static const char *
visible_page (Fixture *f)
{
  GtkStack *stack = GTK_STACK (gtk_widget_get_template_child (f->dialog,
                                                              CONCORD_TYPE_ADD_CONNECTION_DIALOG,
                                                              "stack"));

  return gtk_stack_get_visible_child_name (stack);
}

static void
screenshot (const char *file)
{
  const char *dir = g_getenv ("CONCORD_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (dir == NULL)
    return;

  /* Let the page's slide and the spinners settle. */
  concord_test_spin (800);
  path = g_build_filename (dir, file, NULL);
  g_spawn_sync (NULL, (char *[]) { (char *) "import", (char *) "-window", (char *) "root", path, NULL },
                NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_test_message ("saved %s", path);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  f->dir = g_dir_make_tmp ("concord-ui-gnome-contacts-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "state.sqlite", NULL);

  f->ee = concord_mock_elasticemail_new (EE_KEY, 0, &error);
  g_assert_no_error (error);
  concord_mock_elasticemail_generate (f->ee, 20, 5);
  f->book = concord_test_address_book_new ("ui");

  f->secrets = concord_secret_store_new ();
  f->engine = concord_engine_new (f->db_path, f->secrets, concord_app_registry_create_connector);
  concord_engine_open_async (f->engine, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_open_finish (f->engine, result, &error));
  g_assert_no_error (error);

  f->parent = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (f->parent), "Concord");
  gtk_window_set_default_size (GTK_WINDOW (f->parent), 1280, 800);
  gtk_window_maximize (GTK_WINDOW (f->parent));
  gtk_window_present (GTK_WINDOW (f->parent));
  f->dialog = concord_add_connection_dialog_new (GTK_WINDOW (f->parent), f->engine);
  g_object_add_weak_pointer (G_OBJECT (f->dialog), (gpointer *) &f->dialog);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (concord_test_wait_until (concord_test_is_mapped, f->dialog, 10));
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
  gtk_window_destroy (GTK_WINDOW (f->parent));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  concord_engine_stop (f->engine);
  g_clear_object (&f->engine);
  g_clear_object (&f->secrets);
  forget_keys (f);
  g_clear_object (&f->ee);
  concord_test_address_book_free (f->book);
  concord_test_remove_dir (f->dir);
  g_free (f->db_path);
  g_free (f->dir);
}

static GtkWidget *
side (Fixture    *f,
      ConcordSide s)
{
  return concord_test_named (f->dialog, s == CONCORD_SIDE_A ? "side-a" : "side-b");
}

static void
choose (Fixture    *f,
        ConcordSide s,
        const char *app_id,
        const char *name,
        const char *base_url,
        const char *key)
{
  GtkWidget *area = side (f, s);
  GtkWidget *list = concord_test_named (area, "app-list");
  g_autofree char *row_name = g_strdup_printf ("app-%s", app_id);

  g_signal_emit_by_name (list, "row-activated", concord_test_named (list, row_name));
  gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "name-entry")), name);
  if (base_url != NULL)
    gtk_editable_set_text (GTK_EDITABLE (concord_test_named (area, "base-url-entry")), base_url);
  if (key != NULL)
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

static void
next (Fixture *f)
{
  GtkWidget *button = concord_test_named (f->dialog, "next-button");

  g_assert_true (concord_test_wait_until (is_sensitive, button, 30));
  concord_test_click (button);
}

/* The whole of Add Connection with GNOME Contacts on side B. */
static void
test_flow (Fixture       *f,
           gconstpointer  data)
{
  const ConcordAppInfo *app = concord_app_registry_lookup ("gnome-contacts");
  GtkWidget *area = side (f, CONCORD_SIDE_B);
  GtkWidget *nextb = concord_test_named (f->dialog, "next-button");
  g_autofree char *type_row = g_strdup_printf ("type-b-%s", f->book->uid);
  GtkWidget *row;

  /* Offered, with its icon. */
  g_assert_nonnull (app);
  row = concord_test_named (concord_test_named (area, "app-list"), "app-gnome-contacts");
  g_assert_true (gtk_widget_get_visible (row));
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                          app->icon_name));

  choose (f, CONCORD_SIDE_A, "elasticemail", "Newsletter",
          concord_mock_elasticemail_get_base_url (f->ee), EE_KEY);
  check_key (f, CONCORD_SIDE_A, "Key accepted");

  /* Nothing to sign in with: no key, Check in a row of its own, the
   * country of phone numbers under Advanced. */
  choose (f, CONCORD_SIDE_B, "gnome-contacts", "Contacts", NULL, NULL);
  g_assert_false (gtk_widget_get_visible (concord_test_named (area, "key-entry")));
  g_assert_true (gtk_widget_get_visible (concord_test_named (area, "check-row")));
  g_assert_true (gtk_widget_get_visible (concord_test_named (area, "advanced-expander")));
  g_assert_nonnull (concord_test_named (area, "region-entry"));
  check_key (f, CONCORD_SIDE_B, "Account checked");
  g_assert_true (concord_test_wait_until (is_sensitive, nextb, 30));
  screenshot ("add-connection-gnome-contacts-1-account.png");

  /* The address books, by their names: the test's and "Personal". */
  next (f);
  g_assert_cmpstr (visible_page (f), ==, "types");
  g_assert_nonnull (concord_test_find_text (f->dialog, f->book->name));
  g_assert_nonnull (concord_test_find_text (f->dialog, "Personal"));
  row = concord_test_named (f->dialog, type_row);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (row), TRUE);
  screenshot ("add-connection-gnome-contacts-2-address-book.png");
  next (f);
  g_assert_cmpstr (visible_page (f), ==, "direction");
  next (f);
  g_assert_cmpstr (visible_page (f), ==, "rules");
  next (f);
  g_assert_cmpstr (visible_page (f), ==, "mapping");

  /* The automatic mapping pairs the email and the names without help. */
  {
    TextWait wait = { concord_test_named (f->dialog, "pairs-group"), "Email" };

    g_assert_true (concord_test_wait_until (text_shown, &wait, 30));
    g_assert_nonnull (concord_test_find_text (wait.root, "First name"));
    g_assert_nonnull (concord_test_find_text (wait.root, "Last name"));
  }
  next (f);
  g_assert_cmpstr (visible_page (f), ==, "review");
  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (f->dialog, "turn-on-button"),
                                          60));

  /* The connection syncs the chosen address book. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConcordStore) store = concord_store_new (f->db_path, &error);
    g_autoptr(ConcordConnectionRow) connection = NULL;

    g_assert_no_error (error);
    connection = concord_store_get_connection_by_id (store, 1, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (connection->type_b, ==, f->book->uid);
  }
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init_ui (&argc, &argv);

  if (!concord_test_session_has_name ("org.freedesktop.secrets"))
    {
      g_printerr ("SKIP: no unlocked keyring owns org.freedesktop.secrets in this session\n");
      return 77;
    }
  if (!concord_test_address_book_check_session ())
    return 1;

  adw_init ();
  concord_test_register_resources ();
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, RESOURCE_BASE_PATH "/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      g_strcmp0 (g_getenv ("CONCORD_COLOR_SCHEME"), "dark") == 0
                                      ? ADW_COLOR_SCHEME_FORCE_DARK
                                      : ADW_COLOR_SCHEME_FORCE_LIGHT);

  g_test_add ("/concord/ui/gnome-contacts/flow", Fixture, NULL, setup, test_flow, teardown);

  return g_test_run ();
}
