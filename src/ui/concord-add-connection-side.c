/* concord-add-connection-side.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One side of the Add Connection flow's first step: pick an app from a
 * searchable list, name the account, fill in its form, and Check.
 *
 * The app and its form come from the app registry: the secret is the
 * template's password row, every other field a row made when the app is
 * chosen (an entry for text and URLs, an entry with a chooser button for
 * files and folders, a combo row for a choice), the advanced ones in an
 * expander. Check first validates each field as the registry says and
 * shows what is wrong under the form, on the field's row. In the sandbox
 * the sandbox's own options are filled in; a demo app's rows are hidden.
 *
 * Check adds the account through the engine, which verifies the key with
 * the app on the engine thread and keeps it in the keyring; then the
 * account's contact types are read. Only then is the side "verified". The
 * form is insensitive while a check runs, so a result always belongs to
 * what is on screen. Editing anything after a successful check makes the
 * side unverified again: the next Check makes a new account (the engine
 * facade has no way to change or remove one).
 *
 * When the app already has accounts (from other connections), they are
 * offered first: choosing one skips the key (it is in the keyring) and
 * only reads the account's contact types; "Add Another Account" shows the
 * name and key. Such an account is never removed by this side.
 *
 * A check gives up after CHECK_TIMEOUT_SECONDS without an answer and says
 * to check the internet connection; the user can stop it sooner. Network
 * errors are said in words, never as the resolver's text.
 *
 * The key stays in the password row (libadwaita keeps it in non-pageable
 * memory and wipes it when freed) so that nothing is lost when the user
 * comes back to this step; it is wiped on dispose.
 *
 * Where the key would go is known before it is typed (the keyring probe):
 * with no keyring (or, in Flatpak, no Secret portal) the key's group says
 * so and what to do, and the message goes when one starts. A save that
 * fails anyway (no keyring, or a locked one whose prompt was dismissed)
 * looks again and says which; the key stays, and Check tries again.
 */

#define G_LOG_DOMAIN "concord-add-connection-side"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "concord-add-connection-side.h"
#include "concord-app-registry.h"
#include "concord-error.h"
#include "concord-keyring-probe.h"

struct _ConcordAddConnectionSide
{
  GtkBox                parent_instance;

  ConcordEngine        *engine;        /* (owned) (nullable) */
  GCancellable         *cancellable;   /* (owned) */
  const ConcordAppInfo *app;           /* (unowned) (nullable): the chosen app */
  char                 *account_id;    /* (owned) (nullable): made by the last check */
  char                 *account_name;  /* (owned) (nullable): its name */
  GPtrArray            *types;         /* (owned) (nullable) (element-type ConcordContactType) */
  gboolean              checking;
  gboolean              reused;        /* account_id is an existing account: never removed here */
  GCancellable         *check_cancellable;  /* (owned) (nullable): the check going */
  guint                 check_timeout_id;
  gboolean              timed_out;
  gboolean              adding_another;   /* "Add Another Account" chosen */
  guint                 n_existing;       /* existing accounts of the app offered */
  ConcordAddConnectionSide *other;        /* (unowned) (nullable): the dialog's other side */

  /* Template widgets */
  GtkLabel             *title_label;
  GtkBox               *chooser_box;
  GtkSearchEntry       *search_entry;
  GtkListBox           *app_list;
  GtkWidget            *account_group;
  AdwPreferencesGroup  *existing_group;
  GtkListBox           *existing_list;
  AdwActionRow         *another_row;
  GtkWidget            *another_check;
  AdwPreferencesGroup  *name_group;
  AdwPreferencesGroup  *key_group;
  GtkWidget            *name_status_box;
  GtkLabel             *name_status_label;
  GtkWidget            *cancel_check_button;
  AdwActionRow         *app_row;
  GtkImage             *app_icon;
  GtkButton            *change_app_button;
  AdwEntryRow          *name_row;
  AdwPasswordEntryRow  *key_row;
  GtkSpinner           *spinner;
  GtkImage             *checked_icon;
  GtkButton            *check_button;
  GtkLinkButton        *key_help_button;
  AdwPreferencesGroup  *fields_group;
  AdwExpanderRow       *advanced_expander;
  AdwActionRow         *check_row;    /* holds Check for an app without a secret */
  GPtrArray            *field_rows;   /* (owned) (element-type GtkWidget): the app's fields but its secret */
  GtkWidget            *problem_row;  /* (unowned) (nullable): the row the status is about */
  ConcordSandbox       *sandbox;      /* (owned) (nullable) */
  char                 *filled_key;   /* (owned) (nullable): the sandbox's key in the key row */
  char                 *suggested_name;  /* (owned) (nullable): the name filled in for the user */
  gboolean              show_demo;            /* offer the sandbox's apps */
  GtkBox               *status_box;
  GtkImage             *status_icon;
  GtkLabel             *status_label;
  GtkWidget            *keyring_box;
  GtkLabel             *keyring_label;
  ConcordKeyringProbe  *keyring;        /* (owned) */
  gboolean              keyring_failed; /* the status says the last save found no keyring */
};

G_DEFINE_FINAL_TYPE (ConcordAddConnectionSide, concord_add_connection_side, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_VERIFIED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* How long a check waits for the app before saying to check the
 * connection. */
#define CHECK_TIMEOUT_SECONDS 10

typedef enum
{
  STATUS_NONE,
  STATUS_BUSY,
  STATUS_OK,
  STATUS_ERROR,
} Status;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

/* Scrolling to what the user needs to see.
 *
 * What was just shown (the account's fields once an app is chosen, an
 * error) is laid out only in the next frame, so the scroll is made from a
 * tick callback, again each frame until the widget stayed in view for two
 * frames: a scroll made at once would use the old layout. The last request
 * for a scrolled window wins. */
#define SCROLL_MARGIN    12
#define SCROLL_MAX_TICKS 120

typedef struct
{
  guint ticks;
  guint settled;
} ScrollWait;

/* Returns whether @widget is inside its scrolled window's visible area,
 * and scrolls it there when not. */
static gboolean
scroll_into_view (GtkWidget *widget)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment;
  graphene_rect_t bounds;
  double value, page, top, bottom;

  if (scrolled == NULL || !gtk_widget_get_mapped (widget) ||
      !gtk_widget_compute_bounds (widget, scrolled, &bounds))
    return FALSE;

  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  value = gtk_adjustment_get_value (adjustment);
  page = gtk_widget_get_height (scrolled);
  top = bounds.origin.y;
  bottom = bounds.origin.y + bounds.size.height;

  if (top >= 0 && bottom <= page)
    return TRUE;

  /* Taller than the window: its top. */
  if (top < 0 || bottom - top + 2 * SCROLL_MARGIN > page)
    gtk_adjustment_set_value (adjustment, value + top - SCROLL_MARGIN);
  else
    gtk_adjustment_set_value (adjustment, value + bottom - page + SCROLL_MARGIN);
  return FALSE;
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  ScrollWait *wait = user_data;
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);

  if (scrolled == NULL || g_object_get_data (G_OBJECT (scrolled), "concord-scroll-target") != widget)
    return G_SOURCE_REMOVE;

  if (scroll_into_view (widget))
    wait->settled++;
  else
    wait->settled = 0;

  if (wait->settled >= 2 || ++wait->ticks >= SCROLL_MAX_TICKS)
    {
      g_object_set_data (G_OBJECT (scrolled), "concord-scroll-target", NULL);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/**
 * concord_add_connection_scroll_to:
 * @widget: a widget in a #GtkScrolledWindow
 *
 * Scrolls @widget into view once it is laid out (it may have just been
 * shown), and keeps it there while the layout settles.
 */
void
concord_add_connection_scroll_to (GtkWidget *widget)
{
  GtkWidget *scrolled;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  if (scrolled == NULL)
    return;

  g_object_set_data (G_OBJECT (scrolled), "concord-scroll-target", widget);
  gtk_widget_add_tick_callback (widget, scroll_tick_cb, g_new0 (ScrollWait, 1), g_free);
}

static const char *
text_of (gpointer editable)
{
  return gtk_editable_get_text (GTK_EDITABLE (editable));
}

static char *
stripped_text (gpointer editable)
{
  return g_strstrip (g_strdup (text_of (editable)));
}

/* Marks @row as refused, with @problem as its description, or clears it. */
static void
mark_row (GtkWidget  *row,
          const char *problem)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  problem != NULL ? problem : "", -1);
  if (problem != NULL)
    {
      gtk_widget_add_css_class (row, "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
    }
  else
    {
      gtk_widget_remove_css_class (row, "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID);
    }
}

static void
set_status (ConcordAddConnectionSide *self,
            Status                    status,
            const char               *text)
{
  GtkWidget *label = GTK_WIDGET (self->status_label);
  GtkWidget *icon = GTK_WIDGET (self->status_icon);

  gtk_widget_set_visible (GTK_WIDGET (self->status_box), status != STATUS_NONE);
  gtk_label_set_label (self->status_label, text != NULL ? text : "");
  gtk_widget_set_visible (self->cancel_check_button, status == STATUS_BUSY);

  gtk_widget_remove_css_class (label, "error");
  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "dim-label");
  gtk_widget_remove_css_class (icon, "error");
  gtk_widget_remove_css_class (icon, "success");

  switch (status)
    {
    case STATUS_BUSY:
      gtk_image_set_from_icon_name (self->status_icon, "content-loading-symbolic");
      gtk_widget_add_css_class (label, "dim-label");
      break;
    case STATUS_OK:
      gtk_image_set_from_icon_name (self->status_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (label, "success");
      gtk_widget_add_css_class (icon, "success");
      break;
    case STATUS_ERROR:
      gtk_image_set_from_icon_name (self->status_icon, "dialog-warning-symbolic");
      gtk_widget_add_css_class (label, "error");
      gtk_widget_add_css_class (icon, "error");
      break;
    case STATUS_NONE:
    default:
      break;
    }

  /* Screen readers find the outcome with the field it is about: a field
   * the form refused, otherwise the key. */
  if (status != STATUS_ERROR)
    self->problem_row = NULL;
  mark_row (GTK_WIDGET (self->key_row), NULL);
  for (guint i = 0; i < self->field_rows->len; i++)
    mark_row (g_ptr_array_index (self->field_rows, i), NULL);
  mark_row (self->problem_row != NULL ? self->problem_row : GTK_WIDGET (self->key_row),
            status == STATUS_ERROR ? text : NULL);
  if (status != STATUS_ERROR && text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->key_row),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

/* A problem with the account's name, shown under the name. */
static void
set_name_problem (ConcordAddConnectionSide *self,
                  const char               *text)
{
  gtk_widget_set_visible (self->name_status_box, text != NULL);
  gtk_label_set_label (self->name_status_label, text != NULL ? text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->name_row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text != NULL ? text : "", -1);
  if (text != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->name_row), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->name_row), GTK_ACCESSIBLE_STATE_INVALID);
    }
}

/* The value of a field's row, as the app keeps it; NULL when empty. */
static char *
row_value (GtkWidget *row)
{
  const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
  g_autofree char *value = NULL;

  if (ADW_IS_COMBO_ROW (row))
    {
      GPtrArray *choices = g_object_get_data (G_OBJECT (row), "concord-choices");
      guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (row));
      const ConcordAppChoice *choice;

      /* An optional choice's first item is "None". */
      if (!field->required)
        selected = selected == 0 ? GTK_INVALID_LIST_POSITION : selected - 1;
      choice = selected < choices->len ? g_ptr_array_index (choices, selected) : NULL;
      return choice != NULL ? g_strdup (choice->value) : NULL;
    }

  value = concord_app_field_normalize (field, gtk_editable_get_text (GTK_EDITABLE (row)));
  return value != NULL && *value != '\0' ? g_steal_pointer (&value) : NULL;
}

/* What a successful check says: an app without a secret has no key. */
static const char *
accepted_text (ConcordAddConnectionSide *self)
{
  if (self->app != NULL && concord_app_info_get_secret_field (self->app) == NULL)
    return _("Account checked.");
  if (self->app != NULL && self->app->auth == CONCORD_APP_AUTH_USER_PASSWORD)
    return _("Signed in. Concord keeps the password in your keyring.");
  return _("Key accepted. Concord keeps it in your keyring.");
}

/* Whether every required field has a value (whether each is right is
 * Check's to say). */
static gboolean
required_filled (ConcordAddConnectionSide *self)
{
  const ConcordAppField *secret;

  if (self->app == NULL)
    return FALSE;

  secret = concord_app_info_get_secret_field (self->app);
  if (secret != NULL && secret->required && *text_of (self->key_row) == '\0')
    return FALSE;

  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
      g_autofree char *value = row_value (row);

      if (field->required && value == NULL)
        return FALSE;
    }

  return TRUE;
}

/* Whether the name and key are asked: no existing account is offered, or
 * the user wants another one. */
static gboolean
asks_key (ConcordAddConnectionSide *self)
{
  return self->n_existing == 0 || self->adding_another;
}

/* What to do when keys cannot be kept: before a check (@failed FALSE), or
 * after one whose key the keyring refused (@failed TRUE), as the probe
 * sees it now. */
static char *
keyring_text (ConcordAddConnectionSide *self,
              gboolean                  failed)
{
  gboolean sandboxed = concord_keyring_probe_get_sandboxed (self->keyring);

  if (concord_keyring_probe_can_store (self->keyring))
    /* Translators: "Check" is the button beside the key */
    return g_strdup (_("The key was not saved: the keyring is locked, or unlocking it was "
                       "cancelled. Press Check again and unlock the keyring when asked; the key "
                       "you typed stays here."));
  if (sandboxed && failed)
    /* Translators: "Check" is the button beside the key; GNOME Keyring, KWallet and
     * xdg-desktop-portal are programs, the Secret portal is how Flatpak apps reach them */
    return g_strdup (_("The key was not saved: this desktop offers Flatpak apps no Secret portal. "
                       "Install and start GNOME Keyring or KWallet with xdg-desktop-portal, then "
                       "press Check again; the key you typed stays here."));
  if (sandboxed)
    /* Translators: "Check" is the button beside the key; GNOME Keyring, KWallet and
     * xdg-desktop-portal are programs, the Secret portal is how Flatpak apps reach them */
    return g_strdup (_("Concord cannot save keys on this computer: the desktop offers Flatpak apps "
                       "no Secret portal. Install and start GNOME Keyring or KWallet with "
                       "xdg-desktop-portal, then press Check again."));
  if (failed)
    /* Translators: "Check" is the button beside the key; GNOME Keyring and KeePassXC are
     * programs, "Secret Service integration" is KeePassXC's name for the setting */
    return g_strdup (_("The key was not saved: no keyring is running on this computer. Install and "
                       "start GNOME Keyring or KeePassXC with its Secret Service integration, then "
                       "press Check again; the key you typed stays here."));
  /* Translators: "Check" is the button beside the key; GNOME Keyring and KeePassXC are
   * programs, "Secret Service integration" is KeePassXC's name for the setting */
  return g_strdup (_("Concord cannot save keys on this computer: no keyring is running. Install "
                     "and start GNOME Keyring or KeePassXC with its Secret Service integration, "
                     "then press Check again."));
}

/* The "no keyring" note under the key: while a new account is asked for
 * and nothing can keep its key (a failed save says it in the status
 * instead). An app without a key too: the engine keeps an (empty) secret
 * for every account it adds. */
static void
update_keyring (ConcordAddConnectionSide *self)
{
  gboolean shown = self->keyring != NULL && self->app != NULL &&
                   asks_key (self) && !self->keyring_failed &&
                   !concord_keyring_probe_can_store (self->keyring);

  if (shown)
    {
      g_autofree char *text = keyring_text (self, FALSE);

      gtk_label_set_label (self->keyring_label, text);
    }
  gtk_widget_set_visible (self->keyring_box, shown);
}

static void
update_sensitivity (ConcordAddConnectionSide *self)
{
  g_autofree char *name = stripped_text (self->name_row);
  gboolean verified = concord_add_connection_side_get_verified (self);

  /* Read-only rather than insensitive while checking: a field that has the
   * focus keeps it (an insensitive one would drop it mid-typing). */
  gtk_editable_set_editable (GTK_EDITABLE (self->name_row), !self->checking);
  gtk_editable_set_editable (GTK_EDITABLE (self->key_row), !self->checking);
  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      GtkWidget *button = g_object_get_data (G_OBJECT (row), "concord-choose-button");

      if (GTK_IS_EDITABLE (row))
        gtk_editable_set_editable (GTK_EDITABLE (row), !self->checking);
      else
        gtk_widget_set_sensitive (row, !self->checking);
      if (button != NULL)
        gtk_widget_set_sensitive (button, !self->checking);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button),
                            !self->checking && !verified && self->app != NULL &&
                            *name != '\0' && required_filled (self));
  gtk_widget_set_visible (GTK_WIDGET (self->check_button), !verified);
  gtk_widget_set_visible (GTK_WIDGET (self->checked_icon), verified);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->checking);
  gtk_spinner_set_spinning (self->spinner, self->checking);
  gtk_widget_set_visible (GTK_WIDGET (self->name_group), asks_key (self));
  gtk_widget_set_visible (GTK_WIDGET (self->key_group), asks_key (self));
  gtk_widget_set_visible (GTK_WIDGET (self->existing_group), self->n_existing > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->existing_list), !self->checking);
  gtk_widget_set_visible (self->another_check, self->adding_another);
  update_keyring (self);
}

/* Anything edited after a check: that account is not the one on screen. */
static void
account_removed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!concord_engine_remove_account_finish (CONCORD_ENGINE (object), result, &error))
    g_message ("An account checked but not used could not be removed: %s", error->message);
}

/**
 * concord_add_connection_side_discard_account:
 *
 * Removes the account this side checked (and its key), when it is not
 * going to be used.
 */
void
concord_add_connection_side_discard_account (ConcordAddConnectionSide *self)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));

  if (self->engine != NULL && self->account_id != NULL && !self->reused)
    concord_engine_remove_account_async (self->engine, self->account_id, NULL, account_removed_cb, NULL);
}

static void
forget_account (ConcordAddConnectionSide *self)
{
  gboolean was_verified = concord_add_connection_side_get_verified (self);

  /* Not the account on screen any more: it goes, with its key. */
  concord_add_connection_side_discard_account (self);
  g_clear_pointer (&self->account_id, g_free);
  g_clear_pointer (&self->account_name, g_free);
  g_clear_pointer (&self->types, g_ptr_array_unref);
  self->reused = FALSE;

  if (was_verified)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFIED]);
}

/* The options of the form: one member per field with a value; NULL
 * when none has one. */
static char *
options_json (ConcordAddConnectionSide *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  guint n = 0;

  json_builder_begin_object (builder);
  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
      g_autofree char *value = row_value (row);

      if (value == NULL)
        continue;
      json_builder_set_member_name (builder, field->key);
      json_builder_add_string_value (builder, value);
      n++;
    }
  json_builder_end_object (builder);
  if (n == 0)
    return NULL;

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Checks every field as the app says; on the first refused, shows why on
 * its row (opening the advanced fields when it is one) and returns FALSE. */
static gboolean
validate_form (ConcordAddConnectionSide *self)
{
  const ConcordAppField *secret = concord_app_info_get_secret_field (self->app);
  g_autoptr(GError) error = NULL;
  GtkWidget *bad = NULL;

  if (secret != NULL && !concord_app_field_validate (secret, text_of (self->key_row), &error))
    bad = GTK_WIDGET (self->key_row);

  for (guint i = 0; bad == NULL && i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      g_autofree char *value = row_value (row);

      if (!concord_app_field_validate (g_object_get_data (G_OBJECT (row), "concord-field"), value, &error))
        bad = row;
    }

  if (bad == NULL)
    return TRUE;

  if (gtk_widget_get_ancestor (bad, ADW_TYPE_EXPANDER_ROW) != NULL)
    adw_expander_row_set_expanded (self->advanced_expander, TRUE);
  self->problem_row = bad;
  set_status (self, STATUS_ERROR, error->message);
  gtk_widget_grab_focus (bad);
  concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
  return FALSE;
}

/* What went wrong, in the user's language, from the error's code (never
 * from its English message, which stays in the debug log). */
static char *
error_detail (ConcordAddConnectionSide *self,
              const GError             *error)
{
  g_autofree char *fix = NULL;
  char *title = NULL;

  concord_error_explain (concord_error_code_of (error), concord_app_info_get_name (self->app),
                         NULL, &title, &fix);
  return title;
}

static gboolean
is_network_error (const GError *error)
{
  return g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_NETWORK) ||
         error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR ||
         error->domain == G_TLS_ERROR;
}

/* One human sentence for what went wrong while checking. The engine's
 * messages are English for logs; only the transport detail is shown. */
static char *
describe_error (ConcordAddConnectionSide *self,
                const char               *name,
                const GError             *error)
{
  const char *app = concord_app_info_get_name (self->app);

  if (self->timed_out)
    /* Translators: %s is an app ("Elastic Email") */
    return g_strdup_printf (_("%s did not answer. Check your internet connection, then try again."),
                            app);

  /* The resolver's or the socket's own words say nothing to a person. */
  if (is_network_error (error))
    /* Translators: %s is an app ("Elastic Email") */
    return g_strdup_printf (_("Could not reach %s. Check your internet connection, then try again."),
                            app);

  if (error->domain != CONCORD_ERROR)
    /* Translators: %s is why (English) */
    return g_strdup_printf (_("The key could not be checked: %s"), error->message);

  switch ((ConcordError) error->code)
    {
    case CONCORD_ERROR_AUTH_FAILED:
    case CONCORD_ERROR_AUTH_REQUIRED:
      if (self->app->auth == CONCORD_APP_AUTH_USER_PASSWORD)
        /* Translators: %s is an app ("CardDAV Address Book") */
        return g_strdup_printf (_("%s refused this user name or password. Check both; some "
                                  "servers want an app password rather than your own."), app);
      /* Translators: %s is an app ("Elastic Email") */
      return g_strdup_printf (_("%s refused this API key. Copy it again from the app; it may "
                                "lack access to contacts."), app);
    case CONCORD_ERROR_RATE_LIMITED:
      /* Translators: %s is an app */
      return g_strdup_printf (_("%s asks Concord to slow down. Try again in a minute."), app);
    case CONCORD_ERROR_SERVER:
      /* Translators: %s is an app */
      return g_strdup_printf (_("%s had a problem on its side. Try again later."), app);
    case CONCORD_ERROR_PARSE:
      /* Translators: %s is an app */
      return g_strdup_printf (_("%s answered with something Concord cannot read. Check the "
                                "server address."), app);
    case CONCORD_ERROR_INVALID:
      return g_strdup (_("This server address cannot be used: it must start with https://"));
    case CONCORD_ERROR_CONFLICT:
      /* Translators: %s is the account name the user typed */
      return g_strdup_printf (_("An account named “%s” already exists. Choose another name."),
                              name);
    case CONCORD_ERROR_KEYRING:
      return g_strdup (_("The key could not be saved: the system keyring is missing or locked."));
    case CONCORD_ERROR_NETWORK:
    case CONCORD_ERROR_FAILED:
    case CONCORD_ERROR_NOT_FOUND:
    default:
      /* Translators: %s is why (English) */
      return g_strdup_printf (_("The key could not be checked: %s"), error->message);
    }
}

static void
stop_check_timeout (ConcordAddConnectionSide *self)
{
  g_clear_handle_id (&self->check_timeout_id, g_source_remove);
}

static void
finish_check (ConcordAddConnectionSide *self,
              Status                    status,
              const char               *text)
{
  self->checking = FALSE;
  stop_check_timeout (self);
  g_clear_object (&self->check_cancellable);
  set_status (self, status, text);
  update_sensitivity (self);
  if (status == STATUS_OK)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFIED]);
  else if (status == STATUS_ERROR)
    concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
}

static void update_existing_checks (ConcordAddConnectionSide *self);

/* No answer in time: the check stops and says so now; whatever it still
 * returns is dropped (an account made late is removed). */
static gboolean
on_check_timeout_cb (gpointer user_data)
{
  ConcordAddConnectionSide *self = user_data;
  g_autofree char *text = NULL;

  self->check_timeout_id = 0;
  self->timed_out = TRUE;
  g_cancellable_cancel (self->check_cancellable);
  if (self->reused)
    forget_account (self);
  text = describe_error (self, NULL, NULL);
  finish_check (self, STATUS_ERROR, text);
  update_existing_checks (self);
  return G_SOURCE_REMOVE;
}

/* A check's result, unless it was stopped by the user (nothing to say) or
 * by the timeout (then it says so). Returns whether to go on. */
static gboolean
check_result_wanted (ConcordAddConnectionSide *self,
                     GCancellable             *cancellable,
                     const GError             *error)
{
  if (g_cancellable_is_cancelled (self->cancellable))
    return FALSE;  /* the side is going */
  if (cancellable != self->check_cancellable)
    return FALSE;  /* an older, stopped or timed out check */
  return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef struct
{
  ConcordAddConnectionSide *self;          /* (owned) */
  GCancellable             *cancellable;   /* (owned) the check's */
} CheckCall;

static CheckCall *
check_call_new (ConcordAddConnectionSide *self)
{
  CheckCall *call = g_new0 (CheckCall, 1);

  call->self = g_object_ref (self);
  call->cancellable = g_object_ref (self->check_cancellable);
  return call;
}

static void
check_call_free (CheckCall *call)
{
  g_object_unref (call->self);
  g_object_unref (call->cancellable);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CheckCall, check_call_free)

/* The account's contact types are known (or could not be read): the
 * check ends. */
static void
show_types (ConcordAddConnectionSide *self,
            GPtrArray                *types,
            const GError             *error)
{
  if (types == NULL || types->len == 0)
    {
      g_autofree char *text = NULL;

      if (error != NULL && is_network_error (error))
        text = describe_error (self, NULL, error);
      else if (error != NULL)
        {
          g_autofree char *detail = error_detail (self, error);

          /* Translators: the first %s is an app, the second why */
          text = g_strdup_printf (_("The kinds of contacts in %s could not be read: %s"),
                                  concord_app_info_get_name (self->app), detail);
        }
      else if (self->app->no_types != NULL)
        text = g_strdup (g_dgettext (GETTEXT_PACKAGE, self->app->no_types));
      else
        /* Translators: %s is an app */
        text = g_strdup_printf (_("%s has no contacts Concord can sync."),
                                concord_app_info_get_name (self->app));
      g_debug ("Reading the contact types failed: %s", error != NULL ? error->message : "none");
      finish_check (self, STATUS_ERROR, text);
      return;
    }

  self->types = g_ptr_array_ref (types);
  if (self->reused)
    {
      /* Translators: %s is an account name */
      g_autofree char *text = g_strdup_printf (_("Concord uses “%s” with the key it already has."),
                                               self->account_name);

      finish_check (self, STATUS_OK, text);
    }
  else
    finish_check (self, STATUS_OK, accepted_text (self));
}

static void
on_types_listed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CheckCall) call = user_data;
  ConcordAddConnectionSide *self = call->self;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;

  types = concord_engine_list_types_finish (CONCORD_ENGINE (object), result, &error);
  if (!check_result_wanted (self, call->cancellable, error))
    return;

  show_types (self, types, error);
}

static void
start_check (ConcordAddConnectionSide *self,
             const char               *text)
{
  self->checking = TRUE;
  self->timed_out = FALSE;
  self->keyring_failed = FALSE;
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  self->check_cancellable = g_cancellable_new ();
  stop_check_timeout (self);
  self->check_timeout_id = g_timeout_add_seconds (CHECK_TIMEOUT_SECONDS, on_check_timeout_cb, self);
  update_sensitivity (self);
  set_status (self, STATUS_BUSY, text);
  concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
}

static void
list_types (ConcordAddConnectionSide *self)
{
  /* The app says which types its accounts have: nothing to ask. */
  if (self->app->contact_types != NULL)
    {
      g_autoptr(GPtrArray) types = NULL;

      types = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_contact_type_free);
      for (const ConcordAppChoice *type = self->app->contact_types; type->value != NULL; type++)
        g_ptr_array_add (types, concord_contact_type_new (type->value,
                                                          g_dgettext (GETTEXT_PACKAGE, type->label)));
      show_types (self, types, NULL);
      return;
    }

  concord_engine_list_types_async (self->engine, self->account_id, self->check_cancellable,
                                   on_types_listed_cb, check_call_new (self));
}

static void
on_late_account_removed_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  concord_engine_remove_account_finish (CONCORD_ENGINE (object), result, NULL);
}

/* The keyring refused the key: look again, then say what to do. */
static void
on_keyring_rechecked_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(CheckCall) call = user_data;
  ConcordAddConnectionSide *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  concord_keyring_probe_check_finish (CONCORD_KEYRING_PROBE (object), result, &error);
  if (!check_result_wanted (self, call->cancellable, error))
    return;

  self->keyring_failed = !concord_keyring_probe_can_store (self->keyring);
  text = keyring_text (self, TRUE);
  finish_check (self, STATUS_ERROR, text);
  gtk_widget_grab_focus (GTK_WIDGET (self->key_row));
}

static void
on_account_added_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CheckCall) call = user_data;
  ConcordAddConnectionSide *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *name = stripped_text (self->name_row);

  id = concord_engine_add_account_finish (CONCORD_ENGINE (object), result, &error);

  /* Made although nobody waits for it any more: it goes. */
  if (id != NULL && (g_cancellable_is_cancelled (call->cancellable) ||
                     call->cancellable != self->check_cancellable))
    {
      concord_engine_remove_account_async (CONCORD_ENGINE (object), id, NULL,
                                           on_late_account_removed_cb, NULL);
      return;
    }
  if (!check_result_wanted (self, call->cancellable, error))
    return;

  if (id == NULL)
    {
      g_autofree char *text = describe_error (self, name, error);

      g_debug ("Checking the key failed: %s", error->message);
      /* The error goes where the problem is: a name that is taken under
       * the name, anything else under the key. */
      if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT))
        {
          finish_check (self, STATUS_NONE, NULL);
          set_name_problem (self, text);
          gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
          /* The error under the name, which brings the name row just
           * above it into view too; scrolling to the whole group instead
           * could leave the error below the fold when the viewport's own
           * scroll to the focused row wins the race. */
          concord_add_connection_scroll_to (self->name_status_box);
          return;
        }
      if (g_error_matches (error, CONCORD_ERROR, CONCORD_ERROR_KEYRING))
        {
          concord_keyring_probe_check_async (self->keyring, call->cancellable, on_keyring_rechecked_cb,
                                             check_call_new (self));
          return;
        }
      finish_check (self, STATUS_ERROR, text);
      gtk_widget_grab_focus (GTK_WIDGET (self->key_row));
      return;
    }

  self->account_id = g_steal_pointer (&id);
  self->account_name = g_steal_pointer (&name);
  list_types (self);
}

static void
check (ConcordAddConnectionSide *self)
{
  g_autofree char *name = stripped_text (self->name_row);
  g_autofree char *options = NULL;
  g_autofree char *text = NULL;

  if (self->engine == NULL || self->app == NULL || self->checking ||
      !gtk_widget_get_sensitive (GTK_WIDGET (self->check_button)))
    return;

  set_name_problem (self, NULL);
  if (self->account_id == NULL && !validate_form (self))
    return;
  if (self->app->auth == CONCORD_APP_AUTH_USER_PASSWORD)
    /* Translators: %s is an app ("CardDAV Address Book") */
    text = g_strdup_printf (_("Signing in to %s…"), concord_app_info_get_name (self->app));
  else if (concord_app_info_get_secret_field (self->app) != NULL)
    /* Translators: %s is an app ("Elastic Email") */
    text = g_strdup_printf (_("Checking the key with %s…"), concord_app_info_get_name (self->app));
  else
    /* Translators: %s is an app */
    text = g_strdup_printf (_("Checking the account with %s…"), concord_app_info_get_name (self->app));
  start_check (self, text);

  /* The account exists but its types could not be read: only retry that. */
  if (self->account_id != NULL)
    {
      list_types (self);
      return;
    }

  options = options_json (self);
  concord_engine_add_account_async (self->engine, self->app->id, name, options,
                                    text_of (self->key_row), self->check_cancellable,
                                    on_account_added_cb, check_call_new (self));
}

/* An existing account: no key to check, only its contact types to read. */
static void
use_existing (ConcordAddConnectionSide *self,
              const char               *account_id,
              const char               *name)
{
  g_autofree char *text = NULL;

  if (self->checking || g_strcmp0 (self->account_id, account_id) == 0)
    return;

  forget_account (self);
  self->adding_another = FALSE;
  self->account_id = g_strdup (account_id);
  self->account_name = g_strdup (name);
  self->reused = TRUE;

  /* Translators: %s is an account name */
  text = g_strdup_printf (_("Reading the contacts of “%s”…"), name);
  start_check (self, text);
  list_types (self);
}

/* ------------------------------------------------------------------------- */
/* Existing accounts                                                         */
/* ------------------------------------------------------------------------- */

static void
clear_existing (ConcordAddConnectionSide *self)
{
  GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->existing_list));

  while (row != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (row);

      if (row != GTK_WIDGET (self->another_row))
        gtk_list_box_remove (self->existing_list, row);
      row = next;
    }
  self->n_existing = 0;
  self->adding_another = FALSE;
}

/* What tells an existing account apart in its row: its first address,
 * file or folder (a server, a file), or NULL. */
static char *
summary_of (const ConcordAppInfo *app,
            const char           *options_json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (options_json == NULL || !json_parser_load_from_data (parser, options_json, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  for (const ConcordAppField *field = app->fields; field->key != NULL; field++)
    if (field->kind == CONCORD_APP_FIELD_URL || field->kind == CONCORD_APP_FIELD_FILE ||
        field->kind == CONCORD_APP_FIELD_FOLDER)
      {
        const char *value = json_object_get_string_member_with_default (json_node_get_object (root),
                                                                        field->key, NULL);
        if (value != NULL)
          return g_strdup (value);
      }
  return NULL;
}

static void
update_existing_checks (ConcordAddConnectionSide *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->existing_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = g_object_get_data (G_OBJECT (row), "concord-check");
      const char *id = g_object_get_data (G_OBJECT (row), "concord-account-id");

      if (check != NULL)
        gtk_widget_set_visible (check, self->reused && g_strcmp0 (id, self->account_id) == 0);
    }
  gtk_widget_set_visible (self->another_check, self->adding_another);
}

static void
on_accounts_listed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(ConcordAddConnectionSide) self = user_data;
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *first = NULL;
  gboolean typed;

  accounts = concord_engine_list_accounts_finish (CONCORD_ENGINE (object), result, &error);
  if (accounts == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("The existing accounts could not be listed: %s", error->message);
      return;
    }
  if (self->app == NULL || self->n_existing > 0)
    return;

  for (guint i = 0; i < accounts->len; i++)
    {
      const ConcordAccountRow *account = g_ptr_array_index (accounts, i);
      g_autofree char *server = NULL;
      g_autofree char *row_name = NULL;
      GtkWidget *row, *check;

      /* Not the one this side just made, nor the other side's. */
      if (g_strcmp0 (account->app_id, self->app->id) != 0 ||
          g_strcmp0 (account->id, self->account_id) == 0 ||
          (self->other != NULL && g_strcmp0 (account->id, self->other->account_id) == 0))
        continue;

      row = adw_action_row_new ();
      row_name = g_strdup_printf ("existing-%s", account->name);
      gtk_widget_set_name (row, row_name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), account->name);
      server = summary_of (self->app, account->options_json);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   server != NULL ? server : concord_app_info_get_name (self->app));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      check = gtk_image_new_from_icon_name ("object-select-symbolic");
      gtk_widget_set_visible (check, FALSE);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), check);
      g_object_set_data (G_OBJECT (row), "concord-check", check);
      g_object_set_data_full (G_OBJECT (row), "concord-account-id", g_strdup (account->id), g_free);
      g_object_set_data_full (G_OBJECT (row), "concord-account-name", g_strdup (account->name), g_free);
      gtk_list_box_insert (self->existing_list, row, (int) self->n_existing);
      self->n_existing++;
      if (first == NULL)
        first = row;
    }

  if (self->n_existing == 0)
    return;

  /* What was typed meanwhile stays on screen (not what was filled in for
   * the user: the sandbox's key, a suggested name). */
  typed = (*text_of (self->name_row) != '\0' && g_strcmp0 (text_of (self->name_row), self->suggested_name) != 0) ||
          (*text_of (self->key_row) != '\0' && g_strcmp0 (text_of (self->key_row), self->filled_key) != 0) ||
          self->account_id != NULL;
  self->adding_another = typed;
  update_sensitivity (self);
  update_existing_checks (self);
  if (!typed)
    {
      gtk_widget_grab_focus (first);
      concord_add_connection_scroll_to (GTK_WIDGET (self->existing_group));
    }
}

static void
on_existing_row_activated (ConcordAddConnectionSide *self,
                           GtkListBoxRow            *row)
{
  if (self->checking)
    return;

  if (row == GTK_LIST_BOX_ROW (self->another_row))
    {
      if (self->reused)
        {
          forget_account (self);
          set_status (self, STATUS_NONE, NULL);
        }
      self->adding_another = TRUE;
      update_sensitivity (self);
      update_existing_checks (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      concord_add_connection_scroll_to (GTK_WIDGET (self->name_row));
      return;
    }

  /* Another account made here before is not wanted any more. */
  if (self->account_id != NULL && !self->reused)
    forget_account (self);
  use_existing (self, g_object_get_data (G_OBJECT (row), "concord-account-id"),
                g_object_get_data (G_OBJECT (row), "concord-account-name"));
  update_sensitivity (self);
  update_existing_checks (self);
}

static void
on_cancel_check_clicked (ConcordAddConnectionSide *self)
{
  if (!self->checking)
    return;

  g_cancellable_cancel (self->check_cancellable);
  /* An existing account whose contacts were not read is not chosen. */
  if (self->reused)
    forget_account (self);
  finish_check (self, STATUS_NONE, NULL);
  update_existing_checks (self);
}

/* ------------------------------------------------------------------------- */
/* The app's form                                                            */
/* ------------------------------------------------------------------------- */

static void on_input_changed   (ConcordAddConnectionSide *self);
static void on_entry_activated (ConcordAddConnectionSide *self);

/* The accessible names say which side a field is on: both have the same. */
static void
update_field_labels (ConcordAddConnectionSide *self)
{
  const char *title = gtk_label_get_label (self->title_label);
  const ConcordAppField *secret = self->app != NULL ? concord_app_info_get_secret_field (self->app) : NULL;
  g_autofree char *key = NULL;

  if (secret != NULL)
    /* Translators: the first %s is a field ("API Key"), the second "First App" or "Second App" */
    key = g_strdup_printf (_("%s of the %s"), concord_app_field_get_label (secret), title);
  else
    /* Translators: %s is "First App" or "Second App" */
    key = g_strdup_printf (_("API key of the %s"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->key_row), GTK_ACCESSIBLE_PROPERTY_LABEL, key, -1);

  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);
      const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
      GtkWidget *button = g_object_get_data (G_OBJECT (row), "concord-choose-button");
      /* Translators: the first %s is a field ("Server Address"), the second "First App" or
       * "Second App" */
      g_autofree char *label = g_strdup_printf (_("%s of the %s"), concord_app_field_get_label (field),
                                                title);

      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      if (button != NULL)
        {
          /* Translators: %s is a field and the side, "File of the First App" */
          g_autofree char *choose = g_strdup_printf (_("Choose the %s"), label);

          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          choose, -1);
        }
    }
}

static void
on_file_chooser_response_cb (GtkNativeDialog *dialog,
                             int              response,
                             gpointer         user_data)
{
  g_autoptr(GtkWidget) row = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (row), path);
    }
  g_object_unref (dialog);
}

/* The button of a file or folder row: the desktop's chooser (GTK 4.8 has
 * no GtkFileDialog), which fills in the row. */
static void
on_choose_clicked_cb (GtkButton *button,
                      GtkWidget *row)
{
  const ConcordAppField *field = g_object_get_data (G_OBJECT (row), "concord-field");
  gboolean folder = field->kind == CONCORD_APP_FIELD_FOLDER;
  GtkRoot *root = gtk_widget_get_root (row);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (concord_app_field_get_label (field),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                : GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_file_chooser_response_cb), g_object_ref (row));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* "base_url" → "base-url-entry" */
static char *
row_name (const ConcordAppField *field,
          const char            *suffix)
{
  return g_strdelimit (g_strconcat (field->key, suffix, NULL), "_", '-');
}

static GtkWidget *
make_field_row (ConcordAddConnectionSide *self,
                const ConcordAppField    *field)
{
  g_autofree char *title = NULL;
  g_autofree char *name = NULL;
  GtkWidget *row;

  if (field->help != NULL)
    /* Translators: a field and a hint, "Server Address (empty: the app’s own)" */
    title = g_strdup_printf (_("%s (%s)"), concord_app_field_get_label (field),
                             g_dgettext (GETTEXT_PACKAGE, field->help));
  else
    title = g_strdup (concord_app_field_get_label (field));

  if (field->kind == CONCORD_APP_FIELD_CHOICE)
    {
      g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
      GPtrArray *choices = concord_app_field_get_choices (field);

      /* An optional choice starts with "None": item i is choice i - 1. */
      if (!field->required)
        gtk_string_list_append (labels, _("None"));
      for (guint i = 0; i < choices->len; i++)
        {
          const ConcordAppChoice *choice = g_ptr_array_index (choices, i);

          gtk_string_list_append (labels, g_dgettext (GETTEXT_PACKAGE, choice->label));
        }

      row = adw_combo_row_new ();
      name = row_name (field, "-choice");
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (labels));
      g_object_set_data_full (G_OBJECT (row), "concord-choices", choices, (GDestroyNotify) g_ptr_array_unref);
      g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (on_input_changed), self);
    }
  else
    {
      row = adw_entry_row_new ();
      name = row_name (field, "-entry");
      if (field->kind == CONCORD_APP_FIELD_URL)
        g_object_set (row, "input-purpose", GTK_INPUT_PURPOSE_URL, NULL);
      g_signal_connect_swapped (row, "changed", G_CALLBACK (on_input_changed), self);
      g_signal_connect_swapped (row, "entry-activated", G_CALLBACK (on_entry_activated), self);

      if (field->kind == CONCORD_APP_FIELD_FILE || field->kind == CONCORD_APP_FIELD_FOLDER)
        {
          GtkWidget *button = gtk_button_new_from_icon_name (field->kind == CONCORD_APP_FIELD_FOLDER
                                                               ? "folder-open-symbolic"
                                                               : "document-open-symbolic");
          g_autofree char *button_name = row_name (field, "-choose-button");

          gtk_widget_set_name (button, button_name);
          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (button, "flat");
          gtk_widget_set_tooltip_text (button, field->kind == CONCORD_APP_FIELD_FOLDER
                                                 ? _("Choose a Folder…") : _("Choose a File…"));
          g_signal_connect (button, "clicked", G_CALLBACK (on_choose_clicked_cb), row);
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), button);
          g_object_set_data (G_OBJECT (row), "concord-choose-button", button);
        }
    }

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  g_object_set_data (G_OBJECT (row), "concord-field", (gpointer) field);
  return row;
}

static void
clear_form (ConcordAddConnectionSide *self)
{
  for (guint i = 0; i < self->field_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->field_rows, i);

      if (gtk_widget_get_ancestor (row, ADW_TYPE_EXPANDER_ROW) != NULL)
        adw_expander_row_remove (self->advanced_expander, row);
      else
        adw_preferences_group_remove (self->fields_group, row);
    }
  g_ptr_array_set_size (self->field_rows, 0);
  self->problem_row = NULL;
}

/* Check sits in the secret's row; an app without a secret (a local file,
 * an address book) has it in a row of its own. */
static void
place_check (ConcordAddConnectionSide *self,
             gboolean                  in_key_row)
{
  GtkWidget *widgets[] = {
    GTK_WIDGET (self->spinner), GTK_WIDGET (self->checked_icon), GTK_WIDGET (self->check_button),
  };
  GtkWidget *row = in_key_row ? GTK_WIDGET (self->key_row) : GTK_WIDGET (self->check_row);

  if (gtk_widget_is_ancestor (widgets[0], row))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    {
      g_object_ref (widgets[i]);
      if (in_key_row)
        {
          adw_action_row_remove (self->check_row, widgets[i]);
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (self->key_row), widgets[i]);
        }
      else
        {
          adw_entry_row_remove (ADW_ENTRY_ROW (self->key_row), widgets[i]);
          adw_action_row_add_suffix (self->check_row, widgets[i]);
        }
      g_object_unref (widgets[i]);
    }
}

/* The sandbox's options for an account of @app, when it runs one
 * (Elastic Email, the Sample CRM, a sample app). */
static JsonObject *
sandbox_options (ConcordAddConnectionSide *self,
                 JsonParser               *parser)
{
  const char *options;

  if (self->sandbox == NULL)
    return NULL;

  options = concord_sandbox_get_app_options_json (self->sandbox, self->app->id);
  if (options != NULL &&
      concord_sandbox_owns_account (self->sandbox, self->app->id, options) &&
      json_parser_load_from_data (parser, options, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return json_node_get_object (json_parser_get_root (parser));

  return NULL;
}

/* The sandbox's key for its account of the app on screen, filled in (the
 * sample apps' keys are made up, long and random); a key filled in for
 * another app goes. A key the user typed stays. */
static void
fill_sandbox_key (ConcordAddConnectionSide *self,
                  gboolean                  sandbox_account)
{
  const char *key = sandbox_account ? concord_sandbox_get_app_key (self->sandbox, self->app->id) : NULL;
  const char *text = text_of (self->key_row);

  if (*text != '\0' && (self->filled_key == NULL || !g_str_equal (text, self->filled_key)))
    key = NULL;
  else if (key == NULL && self->filled_key != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");

  g_clear_pointer (&self->filled_key, g_free);
  if (key != NULL)
    {
      self->filled_key = g_strdup (key);
      gtk_editable_set_text (GTK_EDITABLE (self->key_row), key);
    }
}

/* The rows of the chosen app's form. */
static void
build_form (ConcordAddConnectionSide *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) advanced = g_string_new (NULL);
  const ConcordAppField *secret;
  JsonObject *preset;
  gboolean any_shown = FALSE;

  clear_form (self);
  preset = sandbox_options (self, parser);
  fill_sandbox_key (self, preset != NULL && concord_app_info_get_secret_field (self->app) != NULL);

  secret = concord_app_info_get_secret_field (self->app);
  gtk_widget_set_visible (GTK_WIDGET (self->key_row), secret != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->check_row), secret == NULL);
  place_check (self, secret != NULL);
  if (secret != NULL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->key_row), concord_app_field_get_label (secret));

  for (const ConcordAppField *field = self->app->fields; field->key != NULL; field++)
    {
      GtkWidget *row;
      const char *value;

      if (field->kind == CONCORD_APP_FIELD_SECRET)
        continue;

      row = make_field_row (self, field);
      g_ptr_array_add (self->field_rows, row);
      value = preset != NULL ? json_object_get_string_member_with_default (preset, field->key, NULL) : NULL;
      if (value != NULL && GTK_IS_EDITABLE (row))
        gtk_editable_set_text (GTK_EDITABLE (row), value);
      /* A demo app's fields are the sandbox's business. */
      gtk_widget_set_visible (row, !self->app->demo || value == NULL);

      if (field->advanced)
        {
          adw_expander_row_add_row (self->advanced_expander, row);
          if (gtk_widget_get_visible (row))
            g_string_append_printf (advanced, "%s%s",
                                    advanced->len > 0
                                    /* Translators: between the items of a list, as in "VIP, Pro" (with its spaces) */
                                    ? C_("list separator", ", ") : "",
                                    concord_app_field_get_short_label (field));
        }
      else
        {
          adw_preferences_group_add (self->fields_group, row);
          any_shown |= gtk_widget_get_visible (row);
        }
    }

  gtk_widget_set_visible (GTK_WIDGET (self->fields_group), any_shown);
  gtk_widget_set_visible (GTK_WIDGET (self->advanced_expander), advanced->len > 0);
  if (advanced->len > 0)
    {
      /* Translators: %s is a list of fields, "Server Address, Custom Fields" */
      g_autofree char *title = g_strdup_printf (_("Advanced: %s"), advanced->str);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->advanced_expander), title);
    }
  update_field_labels (self);
}

/* ------------------------------------------------------------------------- */
/* Choosing the app                                                          */
/* ------------------------------------------------------------------------- */

static void
choose_app (ConcordAddConnectionSide *self,
            const ConcordAppInfo     *app)
{
  if (self->checking)
    return;

  if (app != self->app)
    {
      forget_account (self);
      self->app = app;
      set_status (self, STATUS_NONE, NULL);
      build_form (self);
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->app_row), concord_app_info_get_name (app));
  gtk_image_set_from_icon_name (self->app_icon, concord_app_info_get_icon_name (app));
  gtk_widget_set_visible (GTK_WIDGET (self->key_help_button), app->key_url != NULL);
  if (app->key_url != NULL)
    gtk_link_button_set_uri (self->key_help_button, app->key_url);
  if (concord_app_info_get_secret_field (app) != NULL)
    {
      /* Translators: a link to the app's page; %s is the name of the key's
       * field ("API Key", "API Token", "Private App Access Token") */
      g_autofree char *help = g_strdup_printf (_("Where do I find my %s?"),
                                               concord_app_field_get_label (concord_app_info_get_secret_field (app)));

      gtk_button_set_label (GTK_BUTTON (self->key_help_button), help);
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->key_help_button),
                               app->key_help != NULL ? g_dgettext (GETTEXT_PACKAGE, app->key_help) : NULL);
  {
    /* Translators: %s is an app, in the tooltip of a button */
    g_autofree char *change = g_strdup_printf (_("Choose another app instead of %s"),
                                               concord_app_info_get_name (app));

    gtk_widget_set_tooltip_text (GTK_WIDGET (self->change_app_button), change);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->change_app_button),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, change, -1);
  }

  /* Focus moves on before the list it was in goes; the field it moves to
   * is scrolled into view once laid out. */
  clear_existing (self);
  gtk_widget_set_visible (GTK_WIDGET (self->account_group), TRUE);
  update_sensitivity (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
  gtk_widget_set_visible (GTK_WIDGET (self->chooser_box), FALSE);
  concord_add_connection_scroll_to (GTK_WIDGET (self->name_row));

  if (self->engine != NULL)
    concord_engine_list_accounts_async (self->engine, self->cancellable, on_accounts_listed_cb,
                                        g_object_ref (self));
}

static gboolean
filter_app_row (GtkListBoxRow *row,
                gpointer       user_data)
{
  ConcordAddConnectionSide *self = user_data;
  const ConcordAppInfo *app = g_object_get_data (G_OBJECT (row), "concord-app");
  g_autofree char *query = g_utf8_casefold (text_of (self->search_entry), -1);
  g_autofree char *name = g_utf8_casefold (concord_app_info_get_name (app), -1);

  return strstr (name, g_strstrip (query)) != NULL;
}

static void
add_app_rows (ConcordAddConnectionSide *self)
{
  const ConcordAppInfo **apps;
  guint n_apps;
  GtkWidget *placeholder;

  apps = concord_app_registry_list (&n_apps);
  for (guint i = 0; i < n_apps; i++)
    {
      GtkWidget *row, *icon;
      g_autofree char *name = NULL;

      /* The sandbox's apps are offered in the sandbox only. */
      if (apps[i]->demo && !self->show_demo)
        continue;

      row = adw_action_row_new ();
      name = g_strdup_printf ("app-%s", apps[i]->id);
      gtk_widget_set_name (row, name);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), concord_app_info_get_name (apps[i]));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "concord-app", (gpointer) apps[i]);

      icon = gtk_image_new_from_icon_name (concord_app_info_get_icon_name (apps[i]));
      gtk_image_set_pixel_size (GTK_IMAGE (icon), 32);
      gtk_widget_add_css_class (icon, "app-icon");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));

      gtk_list_box_append (self->app_list, row);
    }

  placeholder = gtk_label_new (_("No app matches your search"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->app_list, placeholder);
  gtk_list_box_set_filter_func (self->app_list, filter_app_row, self, NULL);
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_search_changed (ConcordAddConnectionSide *self)
{
  gtk_list_box_invalidate_filter (self->app_list);
  /* The results are where the user looks next. */
  concord_add_connection_scroll_to (GTK_WIDGET (self->chooser_box));
}

/* Enter in the search chooses the first app that matches. */
static void
on_search_activate (ConcordAddConnectionSide *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->app_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && gtk_widget_get_child_visible (row) &&
        g_object_get_data (G_OBJECT (row), "concord-app") != NULL)
      {
        choose_app (self, g_object_get_data (G_OBJECT (row), "concord-app"));
        return;
      }
}

/* Escape clears the search, and on an empty search closes the window, as
 * Escape does everywhere else in it. */
static void
on_search_stop (ConcordAddConnectionSide *self)
{
  if (*text_of (self->search_entry) != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "window.close", NULL);
}

static void
on_app_row_activated (ConcordAddConnectionSide *self,
                      GtkListBoxRow            *row)
{
  const ConcordAppInfo *app = g_object_get_data (G_OBJECT (row), "concord-app");

  if (app != NULL)
    choose_app (self, app);
}

static void
on_change_app_clicked (ConcordAddConnectionSide *self)
{
  if (self->checking)
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->chooser_box), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
on_input_changed (ConcordAddConnectionSide *self)
{
  if (self->checking)
    return;

  if (self->account_id != NULL)
    {
      forget_account (self);
      set_status (self, STATUS_NONE, NULL);
    }
  else if (gtk_widget_get_visible (GTK_WIDGET (self->status_box)))
    set_status (self, STATUS_NONE, NULL);
  set_name_problem (self, NULL);

  update_sensitivity (self);
}

/* Enter in a field checks once everything is filled in. */
static void
on_entry_activated (ConcordAddConnectionSide *self)
{
  check (self);
}

static void
on_check_clicked (ConcordAddConnectionSide *self)
{
  check (self);
}

/* The app's page where it shows API keys, in the browser. */
static gboolean
on_key_help_activate_link (ConcordAddConnectionSide *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->app != NULL && self->app->key_url != NULL)
    gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->app->key_url,
                  GDK_CURRENT_TIME);

  return TRUE;
}

/* A keyring started (or stopped): the note follows, and a failed save's
 * "no keyring" is not true any more. */
static void
on_keyring_kind_cb (ConcordAddConnectionSide *self)
{
  if (self->keyring_failed && concord_keyring_probe_can_store (self->keyring))
    {
      self->keyring_failed = FALSE;
      set_status (self, STATUS_NONE, NULL);
    }
  update_keyring (self);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_add_connection_side_dispose (GObject *object)
{
  ConcordAddConnectionSide *self = CONCORD_ADD_CONNECTION_SIDE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->check_cancellable != NULL)
    g_cancellable_cancel (self->check_cancellable);
  stop_check_timeout (self);

  /* Wipes the key (the row's buffer is non-pageable and erased), without
   * telling this side: an edited key forgets the account it checked, and
   * the dialog closing (a connection turned on with it) is no edit. */
  if (self->key_row != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->key_row, self);
      gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_ADD_CONNECTION_SIDE);
  g_clear_object (&self->engine);
  g_clear_object (&self->sandbox);
  if (self->keyring != NULL)
    g_signal_handlers_disconnect_by_data (self->keyring, self);
  g_clear_object (&self->keyring);
  g_clear_pointer (&self->filled_key, g_free);
  g_clear_pointer (&self->suggested_name, g_free);

  G_OBJECT_CLASS (concord_add_connection_side_parent_class)->dispose (object);
}

static void
concord_add_connection_side_finalize (GObject *object)
{
  ConcordAddConnectionSide *self = CONCORD_ADD_CONNECTION_SIDE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->check_cancellable);
  g_free (self->account_id);
  g_free (self->account_name);
  g_clear_pointer (&self->field_rows, g_ptr_array_unref);
  g_clear_pointer (&self->types, g_ptr_array_unref);

  G_OBJECT_CLASS (concord_add_connection_side_parent_class)->finalize (object);
}

static void
concord_add_connection_side_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  ConcordAddConnectionSide *self = CONCORD_ADD_CONNECTION_SIDE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, gtk_label_get_label (self->title_label));
      break;

    case PROP_VERIFIED:
      g_value_set_boolean (value, concord_add_connection_side_get_verified (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_title (ConcordAddConnectionSide *self,
           const char               *title)
{
  g_autofree char *search = NULL;
  g_autofree char *name = NULL;

  gtk_label_set_label (self->title_label, title);

  /* Both sides have the same fields: their accessible names say which. */
  /* Translators: %s is "First App" or "Second App" */
  search = g_strdup_printf (_("Search apps for the %s"), title);
  /* Translators: %s is "First App" or "Second App" */
  name = g_strdup_printf (_("Account name of the %s"), title);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, search, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->app_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->name_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  update_field_labels (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

static void
concord_add_connection_side_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  ConcordAddConnectionSide *self = CONCORD_ADD_CONNECTION_SIDE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      set_title (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_add_connection_side_class_init (ConcordAddConnectionSideClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_add_connection_side_dispose;
  object_class->finalize = concord_add_connection_side_finalize;
  object_class->get_property = concord_add_connection_side_get_property;
  object_class->set_property = concord_add_connection_side_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERIFIED] =
    g_param_spec_boolean ("verified", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-add-connection-side.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, title_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, chooser_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, app_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, account_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, existing_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, existing_list);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, another_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, another_check);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, name_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, key_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, name_status_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, name_status_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, cancel_check_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, app_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, app_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, change_app_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, name_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, key_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, spinner);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, checked_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, check_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, key_help_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, fields_group);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, advanced_expander);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, check_row);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, status_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, status_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, status_label);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, keyring_box);
  gtk_widget_class_bind_template_child (widget_class, ConcordAddConnectionSide, keyring_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_search_stop);
  gtk_widget_class_bind_template_callback (widget_class, on_app_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_change_app_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_input_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_check_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_key_help_activate_link);
  gtk_widget_class_bind_template_callback (widget_class, on_existing_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_check_clicked);
}

static void
concord_add_connection_side_init (ConcordAddConnectionSide *self)
{
  self->field_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->keyring = g_object_ref (concord_keyring_probe_get_default ());
  g_signal_connect_object (self->keyring, "notify::kind", G_CALLBACK (on_keyring_kind_cb), self,
                           G_CONNECT_SWAPPED);
  add_app_rows (self);
  update_sensitivity (self);
}

/* ------------------------------------------------------------------------- */
/* API (for ConcordAddConnectionDialog)                                      */
/* ------------------------------------------------------------------------- */

void
concord_add_connection_side_set_engine (ConcordAddConnectionSide *self,
                                        ConcordEngine            *engine)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));
  g_return_if_fail (CONCORD_IS_ENGINE (engine));

  g_set_object (&self->engine, engine);
}

/**
 * concord_add_connection_side_get_verified:
 *
 * Returns: whether the key on screen was checked, the account made and its
 *   contact types read
 */
gboolean
concord_add_connection_side_get_verified (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), FALSE);

  return self->account_id != NULL && self->types != NULL;
}

const ConcordAppInfo *
concord_add_connection_side_get_app (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), NULL);

  return self->app;
}

const char *
concord_add_connection_side_get_account_id (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), NULL);

  return concord_add_connection_side_get_verified (self) ? self->account_id : NULL;
}

/**
 * concord_add_connection_side_get_name:
 *
 * Returns: (nullable): the name of the verified account
 */
const char *
concord_add_connection_side_get_name (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), NULL);

  return concord_add_connection_side_get_verified (self) ? self->account_name : NULL;
}

/**
 * concord_add_connection_side_get_types:
 *
 * Returns: (transfer none) (nullable) (element-type ConcordContactType): the
 *   verified account's contact types
 */
GPtrArray *
concord_add_connection_side_get_types (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), NULL);

  return concord_add_connection_side_get_verified (self) ? self->types : NULL;
}

/**
 * concord_add_connection_side_same_account:
 *
 * Returns: whether both sides hold the same key of the same app at the
 *   same server: syncing an account with itself does nothing useful
 */
gboolean
concord_add_connection_side_same_account (ConcordAddConnectionSide *self,
                                          ConcordAddConnectionSide *other)
{
  g_autofree char *options = NULL;
  g_autofree char *other_options = NULL;

  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), FALSE);
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (other), FALSE);

  if (self->app == NULL || self->app != other->app)
    return FALSE;

  /* The same existing account chosen twice, or one chosen and one made. */
  if (self->account_id != NULL && g_strcmp0 (self->account_id, other->account_id) == 0)
    return TRUE;
  if (self->reused || other->reused)
    return FALSE;

  options = options_json (self);
  other_options = options_json (other);
  return g_strcmp0 (options, other_options) == 0 &&
         g_str_equal (text_of (self->key_row), text_of (other->key_row));
}

/* Focus where the user most likely goes next on this side. */
void
concord_add_connection_side_focus (ConcordAddConnectionSide *self)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));

  GtkWidget *focus;

  if (self->app == NULL)
    focus = GTK_WIDGET (self->search_entry);
  else if (!asks_key (self))
    focus = gtk_widget_get_first_child (GTK_WIDGET (self->existing_list));
  else if (*text_of (self->name_row) == '\0')
    focus = GTK_WIDGET (self->name_row);
  else if (gtk_widget_get_visible (GTK_WIDGET (self->key_row)))
    focus = GTK_WIDGET (self->key_row);
  else
    focus = GTK_WIDGET (self->check_button);

  gtk_widget_grab_focus (focus);
  /* An error under the fields is what to read first; it is just below. */
  if (gtk_widget_get_visible (GTK_WIDGET (self->status_box)) &&
      gtk_widget_has_css_class (GTK_WIDGET (self->status_label), "error"))
    concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
  else
    concord_add_connection_scroll_to (focus);
}

/**
 * concord_add_connection_side_set_sandbox:
 *
 * Offers the sandbox's apps too, and fills in the sandbox's options (its
 * server's address, its files) for accounts of its apps.
 */
void
concord_add_connection_side_set_sandbox (ConcordAddConnectionSide *self,
                                         ConcordSandbox           *sandbox)
{
  GtkWidget *child;

  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));
  g_return_if_fail (CONCORD_IS_SANDBOX (sandbox));

  g_set_object (&self->sandbox, sandbox);
  self->show_demo = TRUE;
  if (self->app != NULL)
    build_form (self);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->app_list))) != NULL)
    gtk_list_box_remove (self->app_list, child);
  add_app_rows (self);
}

/**
 * concord_add_connection_side_choose_app:
 * @app_id: an app of the registry (a demo app only with a sandbox set)
 *
 * Chooses @app_id for the user, as a click on its row does: the sandbox
 * demo starts with its apps chosen.
 */
void
concord_add_connection_side_choose_app (ConcordAddConnectionSide *self,
                                        const char               *app_id)
{
  const ConcordAppInfo *app;

  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));

  app = concord_app_registry_lookup (app_id);
  g_return_if_fail (app != NULL);
  g_return_if_fail (!app->demo || self->show_demo);

  choose_app (self, app);
}

/**
 * concord_add_connection_side_suggest_name:
 * @name: a name for the new account
 *
 * Fills in @name as the new account's name when none is typed (the
 * sandbox demo's "Sample Pipedrive"). When the app's existing accounts
 * are offered, they still come first.
 */
void
concord_add_connection_side_suggest_name (ConcordAddConnectionSide *self,
                                          const char               *name)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));
  g_return_if_fail (name != NULL);

  if (*text_of (self->name_row) != '\0')
    return;

  g_free (self->suggested_name);
  self->suggested_name = g_strdup (name);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
}

/**
 * concord_add_connection_side_get_reused:
 *
 * Returns: whether the side's account is one that existed before: it is
 *   never removed by the dialog
 */
gboolean
concord_add_connection_side_get_reused (ConcordAddConnectionSide *self)
{
  g_return_val_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self), FALSE);

  return self->reused;
}

/**
 * concord_add_connection_side_show_problem:
 * @text: (nullable): what is wrong with the account on this side, or
 *   %NULL to show what the last check said
 *
 * Shows a problem found by the dialog (the same account on both sides)
 * where the user looks: under this side's key, scrolled into view.
 */
void
concord_add_connection_side_show_problem (ConcordAddConnectionSide *self,
                                          const char               *text)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));

  if (self->checking)
    return;

  if (text != NULL)
    {
      if (g_strcmp0 (gtk_label_get_label (self->status_label), text) == 0 &&
          gtk_widget_get_visible (GTK_WIDGET (self->status_box)))
        return;
      set_status (self, STATUS_ERROR, text);
      concord_add_connection_scroll_to (GTK_WIDGET (self->status_box));
    }
  else if (gtk_widget_has_css_class (GTK_WIDGET (self->status_label), "error") &&
           concord_add_connection_side_get_verified (self))
    {
      /* Translators: %s is an account name */
      g_autofree char *reused = g_strdup_printf (_("Concord uses “%s” with the key it already has."),
                                                 self->account_name);

      set_status (self, STATUS_OK, self->reused ? reused : accepted_text (self));
    }
}

/**
 * concord_add_connection_side_set_other:
 * @other: the dialog's other side
 *
 * The other side's account is not offered on this one: syncing an account
 * with itself does nothing.
 */
void
concord_add_connection_side_set_other (ConcordAddConnectionSide *self,
                                       ConcordAddConnectionSide *other)
{
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (self));
  g_return_if_fail (CONCORD_IS_ADD_CONNECTION_SIDE (other));

  self->other = other;
}
