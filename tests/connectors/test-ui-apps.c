/* test-ui-apps.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The apps in Add Connection, driven through the dialog's widgets with the
 * simulated Elastic Email on side A and the app on side B: one flow,
 * parameterised by a table of apps (what to type in the account form,
 * which mock or service plays the app, which contact type to pick, what
 * the mapping pairs, what the saved connection holds). For each app: it
 * is offered with its icon; its own form (its key page, its own entries;
 * GNOME Contacts asks for nothing but a name); a wrong key is refused
 * before Next (Mailchimp's key without its data centre already at the
 * form), the right one accepted; the contact types step (Pipedrive's
 * persons, HubSpot's contacts, Mailchimp's audiences from the API, the
 * address books of the session's Evolution Data Server); the automatic
 * mapping pairs the name and email (and the status) without help; the
 * account, and the contact type chosen, are saved.
 *
 * With CONCORD_SCREENSHOT_DIR it saves the steps
 * (add-connection-<app>-*.png). GNOME Contacts needs a private session bus
 * where EDS can be D-Bus-activated (.ci/run, tools/in-session.sh): its
 * case fails with a clear message without one.
 *
 * Paths: /concord/ui/<app>/flow.
 */

#define G_LOG_DOMAIN "concord-test-ui-apps"

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "concord-add-connection-dialog.h"
#include "concord-app-registry.h"
#include "concord-mock-elasticemail.h"
#include "concord-mock-hubspot.h"
#include "concord-mock-mailchimp.h"
#include "concord-mock-pipedrive.h"
#include "concord-resources.h"
#include "concord-secret-store.h"
#include "concord-store.h"
#include "concord-test-address-book.h"
#include "concord-test-ui.h"
#include "concord-test-utils.h"

#define PD_TOKEN "ui-pd-token-8e2a6d"
#define HS_TOKEN "ui-hs-token-pat-5c0d7e"
#define MC_KEY   "0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a-us6"

typedef struct _UiApp UiApp;

typedef struct
{
  const UiApp             *app;
  char                    *dir;
  char                    *db_path;
  ConcordMockElasticEmail *ee;
  GObject                 *app_mock;   /* (nullable): side B's mock */
  char                    *base_url;   /* (nullable): side B's server */
  ConcordTestAddressBook  *book;       /* (nullable): side B's address book */
  ConcordSecretStore      *secrets;
  ConcordEngine           *engine;
  GtkWidget               *parent;
  GtkWidget               *dialog;     /* (nullable): weak */
} Fixture;

/**
 * UiApp:
 * @id: the app's id (its row "app-<id>", the test's path)
 * @ee_key: the simulated Elastic Email's key
 * @start: makes side B's app: its mock (@app_mock, @base_url) or its
 *   address book (@book)
 * @sign_in: fills side B's form, checks what it shows and what it
 *   refuses, and ends with the accepted key (Next sensitive)
 * @types_step: whether a contact types step must show (else it may)
 * @types_shown: texts the types step shows (the first waited for)
 * @pick_type: (nullable): checks and picks on the types step
 * @shot_types, @shot_direction, @shot_mapping, @shot_review: (nullable)
 *   the screenshots of those steps
 * @mapped: what the automatic mapping pairs besides the email and the
 *   names
 * @account_name: the account's name typed in the form
 * @check_connection: (nullable): checks the saved connection
 */
struct _UiApp
{
  const char  *id;
  const char  *ee_key;
  void       (*start)            (Fixture   *f);
  void       (*sign_in)          (Fixture   *f,
                                  GtkWidget *area);
  gboolean     types_step;
  const char  *types_shown[3];
  void       (*pick_type)        (Fixture   *f);
  const char  *shot_types;
  const char  *shot_direction;
  const char  *shot_mapping;
  const char  *shot_review;
  const char  *mapped[2];
  const char  *account_name;
  void       (*check_connection) (Fixture      *f,
                                  ConcordStore *store);
};

static gboolean has_eds_session;

/* ------------------------------------------------------------------------- */
/* The dialog, driven                                                        */
/* ------------------------------------------------------------------------- */

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
screenshot (Fixture    *f,
            const char *step)
{
  const char *dir = g_getenv ("CONCORD_SCREENSHOT_DIR");
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (dir == NULL || step == NULL)
    return;

  /* Let the page's slide and the spinners settle. */
  concord_test_spin (800);
  file = g_strdup_printf ("add-connection-%s-%s.png", f->app->id, step);
  path = g_build_filename (dir, file, NULL);
  g_spawn_sync (NULL, (char *[]) { (char *) "import", (char *) "-window", (char *) "root", path, NULL },
                NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_test_message ("saved %s", path);
}

static GtkWidget *
side (Fixture    *f,
      ConcordSide s)
{
  return concord_test_named (f->dialog, s == CONCORD_SIDE_A ? "side-a" : "side-b");
}

/* Picks @app_id on side @s and types the form's name, and the server
 * address and the key when given. */
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
set_key (GtkWidget  *area,
         const char *key)
{
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

static void
assert_help_uri (GtkWidget  *area,
                 const char *uri)
{
  g_assert_cmpstr (gtk_link_button_get_uri (GTK_LINK_BUTTON (concord_test_named (area, "key-help-button"))),
                   ==, uri);
}

/* A wrong key refused (Next stays insensitive), then @key accepted. */
static void
refused_then_accepted (Fixture    *f,
                       GtkWidget  *area,
                       const char *refusal,
                       const char *key)
{
  GtkWidget *nextb = concord_test_named (f->dialog, "next-button");

  check_key (f, CONCORD_SIDE_B, refusal);
  g_assert_false (gtk_widget_is_sensitive (nextb));
  screenshot (f, "1-key-refused");

  set_key (area, key);
  check_key (f, CONCORD_SIDE_B, "Key accepted");
  g_assert_true (concord_test_wait_until (is_sensitive, nextb, 30));
  screenshot (f, "1-key");
}

/* ------------------------------------------------------------------------- */
/* The apps                                                                  */
/* ------------------------------------------------------------------------- */

/* Pipedrive: its API token, its company domain; one kind of contact, its
 * persons (a types step shows it when there is one). */
static void
pipedrive_start (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ConcordMockPipedrive *mock = concord_mock_pipedrive_new (PD_TOKEN, 0, &error);

  g_assert_no_error (error);
  concord_mock_pipedrive_generate (mock, 20, 5);
  f->app_mock = G_OBJECT (mock);
  f->base_url = g_strdup (concord_mock_pipedrive_get_base_url (mock));
}

static void
pipedrive_sign_in (Fixture   *f,
                   GtkWidget *area)
{
  choose (f, CONCORD_SIDE_B, "pipedrive", f->app->account_name, f->base_url, "not-the-token");
  /* Its own form: the token, the company domain; its key page. */
  g_assert_true (gtk_widget_get_visible (concord_test_named (area, "company-domain-entry")));
  assert_help_uri (area, "https://app.pipedrive.com/settings/api");
  refused_then_accepted (f, area, "Pipedrive refused this API key", PD_TOKEN);
}

/* HubSpot: its private app token; its contacts. */
static void
hubspot_start (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ConcordMockHubspot *mock = concord_mock_hubspot_new (HS_TOKEN, 0, &error);

  g_assert_no_error (error);
  concord_mock_hubspot_generate (mock, 20, 5);
  f->app_mock = G_OBJECT (mock);
  f->base_url = g_strdup (concord_mock_hubspot_get_base_url (mock));
}

static void
hubspot_sign_in (Fixture   *f,
                 GtkWidget *area)
{
  choose (f, CONCORD_SIDE_B, "hubspot", f->app->account_name, f->base_url, "pat-not-the-token");
  /* Its key page: the private apps. */
  assert_help_uri (area, "https://app.hubspot.com/private-apps/");
  refused_then_accepted (f, area, "HubSpot refused this", HS_TOKEN);
}

/* Mailchimp: the API key with its data centre; the audiences, listed from
 * the API, are the contact types (two, so the step has a choice). */
static void
mailchimp_start (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ConcordMockMailchimp *mock = concord_mock_mailchimp_new (MC_KEY, 0, &error);

  g_assert_no_error (error);
  concord_mock_mailchimp_generate (mock, 20, 5);
  g_free (concord_mock_mailchimp_add_list (mock, "Customers"));
  f->app_mock = G_OBJECT (mock);
  f->base_url = g_strdup (concord_mock_mailchimp_get_base_url (mock));
}

static void
mailchimp_sign_in (Fixture   *f,
                   GtkWidget *area)
{
  /* A key without its data centre: refused at the form, saying why. */
  choose (f, CONCORD_SIDE_B, "mailchimp", f->app->account_name, f->base_url,
          "0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a");
  assert_help_uri (area, "https://admin.mailchimp.com/account/api/");
  check_key (f, CONCORD_SIDE_B, "-us6");

  /* A wrong key: refused by Mailchimp. */
  set_key (area, "ffffffffffffffffffffffffffffffff-us6");
  refused_then_accepted (f, area, "Mailchimp refused this API key", MC_KEY);
}

/* GNOME Contacts: the session's Evolution Data Server, with a temporary
 * address book made for the test. */
static void
gnome_contacts_start (Fixture *f)
{
  f->book = concord_test_address_book_new ("ui");
}

static void
gnome_contacts_sign_in (Fixture   *f,
                        GtkWidget *area)
{
  /* Nothing to sign in with: no key, Check in a row of its own, the
   * country of phone numbers under Advanced; Check reaches the address
   * book service. */
  choose (f, CONCORD_SIDE_B, "gnome-contacts", f->app->account_name, NULL, NULL);
  g_assert_false (gtk_widget_get_visible (concord_test_named (area, "key-entry")));
  g_assert_true (gtk_widget_get_visible (concord_test_named (area, "check-row")));
  g_assert_true (gtk_widget_get_visible (concord_test_named (area, "advanced-expander")));
  g_assert_nonnull (concord_test_named (area, "region-entry"));
  check_key (f, CONCORD_SIDE_B, "Account checked");
  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (f->dialog, "next-button"),
                                          30));
  screenshot (f, "1-account");
}

/* The address books, by their names: the test's (picked) and "Personal". */
static void
gnome_contacts_pick_type (Fixture *f)
{
  g_autofree char *type_row = g_strdup_printf ("type-b-%s", f->book->uid);

  g_assert_nonnull (concord_test_find_text (f->dialog, f->book->name));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (concord_test_named (f->dialog, type_row)), TRUE);
}

/* The connection syncs the chosen address book. */
static void
gnome_contacts_check_connection (Fixture      *f,
                                 ConcordStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordConnectionRow) connection = concord_store_get_connection_by_id (store, 1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (connection->type_b, ==, f->book->uid);
}

static const UiApp apps[] = {
  {
    .id = "pipedrive", .ee_key = "ui-pd-ee-key-41c7",
    .start = pipedrive_start, .sign_in = pipedrive_sign_in,
    .types_step = FALSE, .types_shown = { "Persons" },
    .shot_types = "2-contact-type", .shot_direction = "3-direction",
    .shot_mapping = "5-mapping", .shot_review = "6-review",
    .mapped = { "Status" }, .account_name = "Sales",
  },
  {
    .id = "hubspot", .ee_key = "ui-hs-ee-key-93b1",
    .start = hubspot_start, .sign_in = hubspot_sign_in,
    .types_step = FALSE, .types_shown = { "Contacts" },
    .shot_types = "2-contact-type", .shot_direction = "3-direction",
    .shot_mapping = "5-mapping", .shot_review = "6-review",
    .mapped = { "Status" }, .account_name = "CRM",
  },
  {
    .id = "mailchimp", .ee_key = "ui-mc-ee-key-93b1",
    .start = mailchimp_start, .sign_in = mailchimp_sign_in,
    .types_step = TRUE, .types_shown = { "Customers", "Newsletter" },
    .shot_types = "2-types", .shot_mapping = "5-mapping", .shot_review = "6-review",
    .mapped = { "Status" }, .account_name = "Audience",
  },
  {
    .id = "gnome-contacts", .ee_key = "ui-gc-ee-key-62d9",
    .start = gnome_contacts_start, .sign_in = gnome_contacts_sign_in,
    .types_step = TRUE, .types_shown = { "Personal" }, .pick_type = gnome_contacts_pick_type,
    .shot_types = "2-address-book",
    .account_name = "Contacts", .check_connection = gnome_contacts_check_connection,
  },
};

/* ------------------------------------------------------------------------- */
/* Fixture                                                                   */
/* ------------------------------------------------------------------------- */

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *template = NULL;
  GAsyncResult *slot = NULL;

  f->app = data;
  template = g_strdup_printf ("concord-ui-%s-XXXXXX", f->app->id);
  f->dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, "state.sqlite", NULL);

  f->ee = concord_mock_elasticemail_new (f->app->ee_key, 0, &error);
  g_assert_no_error (error);
  concord_mock_elasticemail_generate (f->ee, 20, 5);
  if (f->app->start == gnome_contacts_start && !has_eds_session)
    return;
  f->app->start (f);

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
  if (f->parent != NULL)
    gtk_window_destroy (GTK_WINDOW (f->parent));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  if (f->engine != NULL)
    {
      concord_engine_stop (f->engine);
      g_clear_object (&f->engine);
      g_clear_object (&f->secrets);
      forget_keys (f);
    }
  g_clear_object (&f->ee);
  g_clear_object (&f->app_mock);
  g_clear_pointer (&f->book, concord_test_address_book_free);
  concord_test_remove_dir (f->dir);
  g_free (f->base_url);
  g_free (f->db_path);
  g_free (f->dir);
}

/* ------------------------------------------------------------------------- */
/* The flow                                                                  */
/* ------------------------------------------------------------------------- */

/* The whole of Add Connection with the app on side B. */
static void
test_flow (Fixture       *f,
           gconstpointer  data)
{
  const UiApp *ui = f->app;
  const ConcordAppInfo *app = concord_app_registry_lookup (ui->id);
  g_autofree char *row_name = g_strdup_printf ("app-%s", ui->id);
  GtkWidget *area;
  GtkWidget *row;

  if (f->engine == NULL)
    {
      g_test_fail_printf ("The %s case needs a private session bus with Evolution Data Server "
                          "(evolution-data-server installed): run it inside dbus-run-session, "
                          "as .ci/run and tools/in-session.sh do.", ui->id);
      return;
    }
  area = side (f, CONCORD_SIDE_B);

  /* Offered, found by its name, with its icon. */
  g_assert_nonnull (app);
  row = concord_test_named (concord_test_named (area, "app-list"), row_name);
  g_assert_true (gtk_widget_get_visible (row));
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                          app->icon_name));

  choose (f, CONCORD_SIDE_A, "elasticemail", "Newsletter",
          concord_mock_elasticemail_get_base_url (f->ee), ui->ee_key);
  check_key (f, CONCORD_SIDE_A, "Key accepted");

  /* Its own form, what it refuses, then the right key. */
  ui->sign_in (f, area);

  /* The contact types (a step that must show, or may). */
  next (f);
  if (ui->types_step)
    g_assert_cmpstr (visible_page (f), ==, "types");
  if (g_str_equal (visible_page (f), "types"))
    {
      TextWait wait = { f->dialog, ui->types_shown[0] };

      g_assert_true (concord_test_wait_until (text_shown, &wait, 30));
      for (guint i = 1; i < G_N_ELEMENTS (ui->types_shown) && ui->types_shown[i] != NULL; i++)
        g_assert_nonnull (concord_test_find_text (f->dialog, ui->types_shown[i]));
      if (ui->pick_type != NULL)
        ui->pick_type (f);
      screenshot (f, ui->shot_types);
      next (f);
    }
  g_assert_cmpstr (visible_page (f), ==, "direction");
  screenshot (f, ui->shot_direction);
  next (f);
  g_assert_cmpstr (visible_page (f), ==, "rules");
  next (f);
  g_assert_cmpstr (visible_page (f), ==, "mapping");

  /* The automatic mapping pairs the email and the names (and the
   * app's others) without help. */
  {
    TextWait wait = { concord_test_named (f->dialog, "pairs-group"), "Email" };

    g_assert_true (concord_test_wait_until (text_shown, &wait, 30));
    g_assert_nonnull (concord_test_find_text (wait.root, "First name"));
    g_assert_nonnull (concord_test_find_text (wait.root, "Last name"));
    for (guint i = 0; i < G_N_ELEMENTS (ui->mapped) && ui->mapped[i] != NULL; i++)
      g_assert_nonnull (concord_test_find_text (wait.root, ui->mapped[i]));
  }
  screenshot (f, ui->shot_mapping);
  next (f);
  g_assert_cmpstr (visible_page (f), ==, "review");
  g_assert_true (concord_test_wait_until (is_sensitive, concord_test_named (f->dialog, "turn-on-button"),
                                          60));
  screenshot (f, ui->shot_review);

  /* The account is the app's (its key in the keyring); the connection
   * syncs the contact type chosen. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConcordStore) store = concord_store_new (f->db_path, &error);
    g_autoptr(GPtrArray) accounts = concord_store_list_accounts (store, &error);
    gboolean found = FALSE;

    g_assert_no_error (error);
    for (guint i = 0; i < accounts->len; i++)
      {
        ConcordAccountRow *account = g_ptr_array_index (accounts, i);

        if (g_str_equal (account->name, ui->account_name))
          {
            g_assert_cmpstr (account->app_id, ==, ui->id);
            found = TRUE;
          }
      }
    g_assert_true (found);
    if (ui->check_connection != NULL)
      ui->check_connection (f, store);
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
  /* Says why when there is none; only GNOME Contacts' case needs it. */
  has_eds_session = concord_test_address_book_check_session ();

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

  for (guint i = 0; i < G_N_ELEMENTS (apps); i++)
    {
      g_autofree char *path = g_strdup_printf ("/concord/ui/%s/flow", apps[i].id);

      g_test_add (path, Fixture, &apps[i], setup, test_flow, teardown);
    }

  return g_test_run ();
}
