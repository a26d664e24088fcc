/* concord-add-connection-side-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the parts of one side of Add Connection's first step share: the
 * side itself (concord-add-connection-side.c: its callbacks, GObject and
 * API), its status and sensitivity (concord-add-connection-side-status.c),
 * the check of its account (concord-add-connection-side-check.c) and the
 * app's list and form (concord-add-connection-side-form.c). */

#pragma once

#include <adwaita.h>

#include "concord-add-connection-side.h"
#include "concord-keyring-probe.h"

G_BEGIN_DECLS

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
  ConcordAddConnectionSide *other;        /* (weak) (nullable): the dialog's other side */

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

/* How long a check waits for the app before saying to check the
 * connection. */
#define CHECK_TIMEOUT_SECONDS 10

typedef enum
{
  CONCORD_SIDE_STATUS_NONE,
  CONCORD_SIDE_STATUS_BUSY,
  CONCORD_SIDE_STATUS_OK,
  CONCORD_SIDE_STATUS_ERROR,
} ConcordSideStatus;

/* concord-add-connection-side.c */
void        concord_add_connection_side_on_input_changed          (ConcordAddConnectionSide *self);
void        concord_add_connection_side_on_entry_activated        (ConcordAddConnectionSide *self);
void        concord_add_connection_side_notify_verified           (ConcordAddConnectionSide *self);

/* concord-add-connection-side-status.c */
const char *concord_add_connection_side_text_of                   (gpointer editable);
char       *concord_add_connection_side_stripped_text             (gpointer editable);
void        concord_add_connection_side_set_status                (ConcordAddConnectionSide *self,
                                                                   ConcordSideStatus         status,
                                                                   const char               *text);
void        concord_add_connection_side_set_name_problem          (ConcordAddConnectionSide *self,
                                                                   const char               *text);
char       *concord_add_connection_side_row_value                 (GtkWidget *row);
const char *concord_add_connection_side_accepted_text             (ConcordAddConnectionSide *self);
gboolean    concord_add_connection_side_asks_key                  (ConcordAddConnectionSide *self);
char       *concord_add_connection_side_keyring_text              (ConcordAddConnectionSide *self,
                                                                   gboolean                  failed);
void        concord_add_connection_side_update_keyring            (ConcordAddConnectionSide *self);
void        concord_add_connection_side_update_sensitivity        (ConcordAddConnectionSide *self);

/* concord-add-connection-side-check.c */
void        concord_add_connection_side_forget_account            (ConcordAddConnectionSide *self);
char       *concord_add_connection_side_options_json              (ConcordAddConnectionSide *self);
void        concord_add_connection_side_stop_check_timeout        (ConcordAddConnectionSide *self);
void        concord_add_connection_side_check                     (ConcordAddConnectionSide *self);
void        concord_add_connection_side_clear_existing            (ConcordAddConnectionSide *self);
void        concord_add_connection_side_on_accounts_listed_cb     (GObject      *object,
                                                                   GAsyncResult *result,
                                                                   gpointer      user_data);
void        concord_add_connection_side_on_existing_row_activated (ConcordAddConnectionSide *self,
                                                                   GtkListBoxRow            *row);
void        concord_add_connection_side_on_cancel_check_clicked   (ConcordAddConnectionSide *self);

/* concord-add-connection-side-form.c */
void        concord_add_connection_side_update_field_labels       (ConcordAddConnectionSide *self);
char       *concord_add_connection_side_row_name                  (const ConcordAppField *field,
                                                                   const char            *suffix);
void        concord_add_connection_side_build_form                (ConcordAddConnectionSide *self);
void        concord_add_connection_side_set_app                   (ConcordAddConnectionSide *self,
                                                                   const ConcordAppInfo     *app);
void        concord_add_connection_side_add_app_rows              (ConcordAddConnectionSide *self);

G_END_DECLS
