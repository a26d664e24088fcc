/* concord-add-connection-dialog-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-add-connection-dialog.h"
#include "concord-add-connection-side.h"

G_BEGIN_DECLS

typedef enum
{
  PAGE_AUTHORIZE,
  PAGE_TYPES,
  PAGE_DIRECTION,
  PAGE_RULES,
  PAGE_MAPPING,
  PAGE_REVIEW,
  N_PAGES
} Page;

struct _ConcordAddConnectionDialog
{
  AdwWindow            parent_instance;

  ConcordEngine       *engine;               /* (owned) */
  GCancellable        *cancellable;          /* (owned): cancelled when the dialog goes */
  Page                 page;
  gboolean             closed;
  gboolean             create_wanted[2];     /* creating was on when its direction stopped sending */

  /* Contact types */
  char                *type_ids[2];          /* (owned) (nullable) */
  char                *types_for[2];         /* (owned) (nullable): accounts the type rows are of */
  GPtrArray           *type_rows[2];         /* (owned) */

  /* Fields */
  GPtrArray           *schemas[2];           /* (owned) (nullable) (element-type ConcordFieldSpec) */
  char                *schemas_for;          /* (owned) (nullable): accounts and types of @schemas */
  char                *schemas_loading;      /* (owned) (nullable): what is being loaded */
  GError              *schema_error;         /* (owned) (nullable) */
  guint                schemas_pending;
  GPtrArray           *pair_rows;            /* (owned) */
  GPtrArray           *unmapped_rows;        /* (owned) */
  GPtrArray           *samples[2];           /* (owned) (nullable) (element-type ConcordRecord) */
  AdwPreferencesGroup *automap_group;        /* (nullable): the review's automatic mapping */
  AdwPreferencesGroup *automap_left_group;   /* (nullable): and the fields it left alone */
  GPtrArray           *automap_rows;         /* (owned) (nullable) */
  GPtrArray           *automap_left_rows;    /* (owned) (nullable) */
  ConcordMapping      *automap;              /* (owned) (nullable): of @schemas and @samples */
  GPtrArray           *automap_unmapped;     /* (owned) (nullable): what it left alone */
  gboolean             automap_differs;      /* @samples changed it from the types' mapping */

  /* Rules */
  GPtrArray           *rule_rows;            /* (owned) */
  GPtrArray           *change_rows;          /* (owned): the review's rows per contact */
  ConcordConnectionConfig *edited;           /* (owned) (nullable): rules and mapping edited here */

  /* Review */
  gint64               connection_id;        /* the disabled connection made to preview; 0: none */
  char                *connection_key;       /* (owned) (nullable): what it was made of */
  char                *adding_key;           /* (owned) (nullable): the one being made */
  guint                name_attempt;
  GCancellable        *preview_cancellable;  /* (owned) (nullable) */
  char                *preview_key;          /* (owned) (nullable): what the shown preview is of */
  gboolean             turning_on;
  gboolean             turned_on;

  /* Template widgets */
  AdwWindowTitle      *window_title;
  GtkButton           *next_button;
  GtkButton           *turn_on_button;
  GtkButton           *back_button;
  GtkStack            *stack;
  GtkLabel                 *sandbox_label;
  GtkLabel                 *types_title;
  GtkLabel                 *types_description;
  ConcordAddConnectionSide *side_a;
  ConcordAddConnectionSide *side_b;
  GtkLabel            *next_hint_label;
  AdwPreferencesGroup *types_group_a;
  AdwPreferencesGroup *types_group_b;
  GtkImage            *direction_icon_a;
  GtkImage            *direction_icon_b;
  GtkLabel            *direction_name_a;
  GtkLabel            *direction_name_b;
  GtkToggleButton     *a_to_b_button;
  GtkToggleButton     *both_button;
  GtkToggleButton     *b_to_a_button;
  GtkLabel            *direction_caption;
  AdwPreferencesGroup *a_to_b_group;
  AdwActionRow        *create_a_to_b_row;
  GtkSwitch           *create_a_to_b_switch;
  AdwActionRow        *rule_a_to_b_row;
  GtkSwitch           *rule_a_to_b_switch;
  AdwPreferencesGroup *b_to_a_group;
  AdwActionRow        *create_b_to_a_row;
  GtkSwitch           *create_b_to_a_switch;
  AdwActionRow        *rule_b_to_a_row;
  GtkSwitch           *rule_b_to_a_switch;
  AdwPreferencesGroup *rules_group;
  GtkButton           *rules_edit_button;
  GtkButton           *mapping_edit_button;
  AdwActionRow        *conflict_row;
  GtkBox              *mapping_loading_box;
  GtkSpinner          *mapping_spinner;
  GtkLabel            *mapping_status_label;
  GtkButton           *mapping_retry_button;
  AdwPreferencesGroup *pairs_group;
  AdwPreferencesGroup *unmapped_group;
  GtkBox              *review_loading_box;
  GtkSpinner          *review_spinner;
  GtkLabel            *review_status_label;
  GtkButton           *review_retry_button;
  GtkBox              *review_box;
  GtkLabel            *tripped_label;
  AdwActionRow        *listed_a_row;
  GtkLabel            *listed_a_label;
  AdwActionRow        *listed_b_row;
  GtkLabel            *listed_b_label;
  GtkLabel            *matched_label;
  AdwActionRow        *create_a_row;
  GtkLabel            *create_a_label;
  AdwActionRow        *create_b_row;
  GtkLabel            *create_b_label;
  AdwActionRow        *update_a_row;
  GtkLabel            *update_a_label;
  AdwActionRow        *update_b_row;
  GtkLabel            *update_b_label;
  GtkLabel            *conflicts_label;
  GtkLabel            *skipped_label;
  GtkLabel            *excluded_label;
  AdwPreferencesGroup *changes_group;
};

/* Shared by the dialog's files */

static inline ConcordAddConnectionSide *
side_widget (ConcordAddConnectionDialog *self,
             ConcordSide                 side)
{
  return side == CONCORD_SIDE_A ? self->side_a : self->side_b;
}

static inline const char *
account_name (ConcordAddConnectionDialog *self,
              ConcordSide                 side)
{
  const char *name = concord_add_connection_side_get_name (side_widget (self, side));

  return name != NULL ? name : "";
}

static inline ConcordDirection
get_direction (ConcordAddConnectionDialog *self)
{
  if (gtk_toggle_button_get_active (self->a_to_b_button))
    return CONCORD_DIRECTION_A_TO_B;
  if (gtk_toggle_button_get_active (self->b_to_a_button))
    return CONCORD_DIRECTION_B_TO_A;
  return CONCORD_DIRECTION_BOTH;
}

static inline GtkSwitch *
create_switch (ConcordAddConnectionDialog *self,
               ConcordSide                 from)
{
  return from == CONCORD_SIDE_A ? self->create_a_to_b_switch : self->create_b_to_a_switch;
}

static inline GtkSwitch *
rule_switch (ConcordAddConnectionDialog *self,
             ConcordSide                 from)
{
  return from == CONCORD_SIDE_A ? self->rule_a_to_b_switch : self->rule_b_to_a_switch;
}

static inline void
remove_rows (AdwPreferencesGroup *group,
             GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static inline GtkWidget *
add_row (AdwPreferencesGroup *group,
         GPtrArray           *rows,
         const char          *title,
         const char          *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  /* Text from the user and the apps: never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (rows, row);
  return row;
}

/* The name said on purpose ("Phone is copied to Phone") is the only one:
 * a row's or switch's labelled-by relation (its title) goes, or GTK 4.8
 * reads both and GTK 4.10 and later only the relation. */
static inline void
set_accessible_label (gpointer    widget,
                      const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
}

/* concord-add-connection-dialog.c */
void     _concord_add_connection_dialog_update_buttons    (ConcordAddConnectionDialog *self);

/* concord-add-connection-dialog-mapping.c: the rules and the fields */
void     _concord_add_connection_dialog_build_rules_page  (ConcordAddConnectionDialog *self);
void     _concord_add_connection_dialog_load_schemas      (ConcordAddConnectionDialog *self);
gboolean _concord_add_connection_dialog_mapping_ready     (ConcordAddConnectionDialog *self);
void     _concord_add_connection_dialog_show_mapping      (ConcordAddConnectionDialog *self);
ConcordMapping *_concord_add_connection_dialog_automatic_mapping (ConcordAddConnectionDialog  *self,
                                                                  GPtrArray                  **unmapped);

/* concord-add-connection-dialog-review.c: the connection and the review */
void     _concord_add_connection_dialog_reload_schemas    (ConcordAddConnectionDialog *self);
void     _concord_add_connection_dialog_ensure_preview    (ConcordAddConnectionDialog *self);
void     _concord_add_connection_dialog_retry_preview     (ConcordAddConnectionDialog *self);
gboolean _concord_add_connection_dialog_preview_ready     (ConcordAddConnectionDialog *self);
void     _concord_add_connection_dialog_turn_on           (ConcordAddConnectionDialog *self);
void     _concord_add_connection_dialog_forget_connection (ConcordAddConnectionDialog *self);

/* concord-add-connection-dialog-edit.c: the editors over the dialog */
ConcordConnectionConfig *_concord_add_connection_dialog_current_config (ConcordAddConnectionDialog *self);
void     _concord_add_connection_dialog_forget_edits      (ConcordAddConnectionDialog *self);
void     _concord_add_connection_dialog_edit              (ConcordAddConnectionDialog *self,
                                                           gboolean                    mapping);

/* concord-add-connection-dialog.c */
const char *_concord_add_connection_dialog_app_icon              (ConcordAddConnectionDialog *self,
                                                                  ConcordSide                 side);
gboolean    _concord_add_connection_dialog_both_verified         (ConcordAddConnectionDialog *self);
gboolean    _concord_add_connection_dialog_several_types         (ConcordAddConnectionDialog *self);
gboolean    _concord_add_connection_dialog_page_needed           (ConcordAddConnectionDialog *self,
                                                                  Page                        page);
void        _concord_add_connection_dialog_ensure_type_ids       (ConcordAddConnectionDialog *self);

/* concord-add-connection-dialog-choices.c */
void        _concord_add_connection_dialog_update_direction_page (ConcordAddConnectionDialog *self);
void        _concord_add_connection_dialog_build_types_page      (ConcordAddConnectionDialog *self);

/* concord-add-connection-dialog-navigation.c */
void        _concord_add_connection_dialog_focus_page            (ConcordAddConnectionDialog *self);
void        _concord_add_connection_dialog_enter_page            (ConcordAddConnectionDialog *self);
void        concord_add_connection_dialog_next_action            (GtkWidget  *widget,
                                                                  const char *action_name,
                                                                  GVariant   *parameter);
void        concord_add_connection_dialog_back_action            (GtkWidget  *widget,
                                                                  const char *action_name,
                                                                  GVariant   *parameter);
void        concord_add_connection_dialog_turn_on_action         (GtkWidget  *widget,
                                                                  const char *action_name,
                                                                  GVariant   *parameter);

G_END_DECLS
