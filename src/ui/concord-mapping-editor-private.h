/* concord-mapping-editor-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* What the parts of the mapping editor share: the editor itself
 * (concord-mapping-editor.c), its edits (concord-mapping-editor-edits.c),
 * its drag and drop
 * (concord-mapping-editor-dnd.c), its “Map to…” popover
 * (concord-mapping-editor-map-to.c) and its rows
 * (concord-mapping-pair-row.c, concord-mapping-field-row.c,
 * concord-mapping-candidate-row.c). */

#pragma once

#include "concord-mapping-editor.h"

G_BEGIN_DECLS

struct _ConcordMappingEditor
{
  AdwBin                   parent_instance;

  AdwToastOverlay         *toasts;
  GtkRevealer             *notice_revealer;
  GtkLabel                *notice_label;
  guint                    notice_timeout;
  GtkLabel                *mode_label;
  GtkButton               *reset_button;
  GtkLabel                *problem_label;
  AdwPreferencesGroup     *pairs_group;
  GtkListBox              *pairs_list;
  AdwPreferencesGroup     *group_a;
  AdwPreferencesGroup     *group_b;
  GtkListBox              *fields_a;
  GtkListBox              *fields_b;

  ConcordConnectionSetup  *setup;      /* borrowed */
  char                    *name[2];
  ConcordMapping          *automatic;  /* what the schemas map to by themselves */
  ConcordMapping          *undo;
  GtkWidget               *values_dialog;
  guint                    undo_serial;    /* which edit self->undo undoes */
  GtkSizeGroup            *field_sizes;    /* lines up the pairs' two columns */
  GtkSizeGroup            *extra_sizes;

  /* The field being dragged, for the hover feedback. */
  int                      drag_side;
  char                    *drag_key;
  GtkWidget               *drag_row;   /* kept alive until the drag ends */

  /* Rows are rebuilt after the signal that edited them has returned. */
  guint                    rebuild_source;
  char                    *rebuild_focus;
};

/* concord-mapping-editor.c */
ConcordMapping         *concord_mapping_editor_get_mapping  (ConcordMappingEditor     *self);
const ConcordFieldSpec *concord_mapping_editor_lookup_spec  (ConcordMappingEditor     *self,
                                                             ConcordSide               side,
                                                             const char               *key);
const char             *concord_mapping_editor_field_label  (ConcordMappingEditor     *self,
                                                             ConcordSide               side,
                                                             const char               *key);
char                   *concord_mapping_editor_pair_title   (ConcordMappingEditor     *self,
                                                             const ConcordMappingPair *pair);
gboolean                concord_mapping_editor_flow_allowed (ConcordMappingEditor     *self,
                                                             const ConcordMappingPair *pair,
                                                             ConcordPairFlow           flow,
                                                             char                    **reason);
gboolean                concord_mapping_editor_map_fields   (ConcordMappingEditor     *self,
                                                             const char               *key_a,
                                                             const char               *key_b);
void                    concord_mapping_editor_show_problem (ConcordMappingEditor     *self,
                                                             const char               *message);
GtkWidget              *concord_mapping_editor_find_control (ConcordMappingEditor     *self,
                                                             const char               *focus_id);
const char             *concord_mapping_pair_key            (const ConcordMappingPair *pair,
                                                             ConcordSide               side);
gboolean                concord_mapping_initial_flow        (const ConcordFieldSpec   *spec_a,
                                                             const ConcordFieldSpec   *spec_b,
                                                             ConcordPairFlow          *flow,
                                                             char                    **reason);

/* concord-mapping-editor-dnd.c */
void                    concord_mapping_editor_add_drag_source (ConcordMappingEditor  *self,
                                                                GtkWidget             *row);
void                    concord_mapping_editor_add_drop_target (ConcordMappingEditor  *self,
                                                                GtkWidget             *row);

/* concord-mapping-editor-map-to.c */
void                    concord_mapping_editor_create_map_to   (GtkMenuButton         *button,
                                                                gpointer               data);

/* concord-mapping-editor.c */
void       concord_mapping_editor_schedule_rebuild (ConcordMappingEditor *self,
                                                    const char           *focus_id);
void       concord_mapping_editor_emit_changed     (ConcordMappingEditor *self);

/* concord-mapping-editor-edits.c */
void       concord_mapping_editor_hide_notice      (ConcordMappingEditor *self);
void       concord_mapping_editor_undo_activated   (GtkWidget  *widget,
                                                    const char *action_name,
                                                    GVariant   *parameter);
void       concord_mapping_editor_on_reset_clicked (ConcordMappingEditor *self);
GtkWidget *concord_mapping_editor_pair_row         (ConcordMappingEditor     *self,
                                                    const ConcordMappingPair *pair,
                                                    guint                     index,
                                                    gboolean                  automatic);

G_END_DECLS
