/* concord-mapping-candidate-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A field of the other side in the mapping editor's “Map to…” popover:
 * activating it maps the field the popover is of (side and key) to it
 * (other-key). One that cannot be mapped is shown insensitive, with why.
 */

#define G_LOG_DOMAIN "concord-mapping-editor"

#include "config.h"

#include "concord-mapping-candidate-row.h"
#include "concord-mapping-common.h"

struct _ConcordMappingCandidateRow
{
  AdwActionRow  parent_instance;

  ConcordSide   side;
  char         *key;
  char         *other_key;
  char         *haystack;   /* what a search looks in */

  /* Template widgets */
  GtkImage     *icon;
};

G_DEFINE_FINAL_TYPE (ConcordMappingCandidateRow, concord_mapping_candidate_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_SIDE,
  PROP_KEY,
  PROP_OTHER_KEY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
concord_mapping_candidate_row_finalize (GObject *object)
{
  ConcordMappingCandidateRow *self = CONCORD_MAPPING_CANDIDATE_ROW (object);

  g_free (self->key);
  g_free (self->other_key);
  g_free (self->haystack);

  G_OBJECT_CLASS (concord_mapping_candidate_row_parent_class)->finalize (object);
}

static void
concord_mapping_candidate_row_get_property (GObject    *object,
                                            guint       prop_id,
                                            GValue     *value,
                                            GParamSpec *pspec)
{
  ConcordMappingCandidateRow *self = CONCORD_MAPPING_CANDIDATE_ROW (object);

  switch (prop_id)
    {
    case PROP_SIDE:
      g_value_set_int (value, self->side);
      break;
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_OTHER_KEY:
      g_value_set_string (value, self->other_key);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_mapping_candidate_row_class_init (ConcordMappingCandidateRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = concord_mapping_candidate_row_finalize;
  object_class->get_property = concord_mapping_candidate_row_get_property;

  /* The ConcordSide of the field the popover is of: an int, as the engine
   * registers no enum type for it. */
  properties[PROP_SIDE] =
    g_param_spec_int ("side", NULL, NULL, CONCORD_SIDE_A, CONCORD_SIDE_B, CONCORD_SIDE_A,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_OTHER_KEY] =
    g_param_spec_string ("other-key", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-mapping-candidate-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingCandidateRow, icon);
}

static void
concord_mapping_candidate_row_init (ConcordMappingCandidateRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * concord_mapping_candidate_row_new:
 * @side: the side of the field the popover is of
 * @key: that field
 * @candidate: a field of the other side
 * @subtitle: what the row says under the name: the kind, or why not
 * @ok: whether @key can be mapped to @candidate
 */
GtkWidget *
concord_mapping_candidate_row_new (ConcordSide             side,
                                   const char             *key,
                                   const ConcordFieldSpec *candidate,
                                   const char             *subtitle,
                                   gboolean                ok)
{
  ConcordMappingCandidateRow *self = g_object_new (CONCORD_TYPE_MAPPING_CANDIDATE_ROW, NULL);

  self->side = side;
  self->key = g_strdup (key);
  self->other_key = g_strdup (candidate->key);
  self->haystack = g_strdup_printf ("%s %s", concord_mapping_field_label (candidate), candidate->key);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), concord_mapping_field_label (candidate));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  gtk_image_set_from_icon_name (self->icon, concord_mapping_type_icon (candidate->type));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self), ok);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  concord_mapping_field_label (candidate),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);

  return GTK_WIDGET (self);
}

ConcordSide
concord_mapping_candidate_row_get_side (ConcordMappingCandidateRow *self)
{
  g_return_val_if_fail (CONCORD_IS_MAPPING_CANDIDATE_ROW (self), CONCORD_SIDE_A);

  return self->side;
}

const char *
concord_mapping_candidate_row_get_key (ConcordMappingCandidateRow *self)
{
  g_return_val_if_fail (CONCORD_IS_MAPPING_CANDIDATE_ROW (self), NULL);

  return self->key;
}

const char *
concord_mapping_candidate_row_get_other_key (ConcordMappingCandidateRow *self)
{
  g_return_val_if_fail (CONCORD_IS_MAPPING_CANDIDATE_ROW (self), NULL);

  return self->other_key;
}

const char *
concord_mapping_candidate_row_get_haystack (ConcordMappingCandidateRow *self)
{
  g_return_val_if_fail (CONCORD_IS_MAPPING_CANDIDATE_ROW (self), NULL);

  return self->haystack;
}
