/* concord-mapping-field-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A field of one side that no pair maps, in the mapping editor's lists of
 * unmapped fields: its name, its kind, and a “Map to…” button whose
 * popover the editor makes (concord-mapping-editor-map-to.c). The row is
 * a drag source and a drop target (concord-mapping-editor-dnd.c).
 */

#define G_LOG_DOMAIN "concord-mapping-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-mapping-common.h"
#include "concord-mapping-editor-private.h"
#include "concord-mapping-field-row.h"

struct _ConcordMappingFieldRow
{
  AdwActionRow   parent_instance;

  ConcordSide    side;
  char          *key;

  /* Template widgets */
  GtkImage      *icon;
  GtkMenuButton *map_button;
};

G_DEFINE_FINAL_TYPE (ConcordMappingFieldRow, concord_mapping_field_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_SIDE,
  PROP_KEY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
concord_mapping_field_row_finalize (GObject *object)
{
  ConcordMappingFieldRow *self = CONCORD_MAPPING_FIELD_ROW (object);

  g_free (self->key);

  G_OBJECT_CLASS (concord_mapping_field_row_parent_class)->finalize (object);
}

static void
concord_mapping_field_row_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  ConcordMappingFieldRow *self = CONCORD_MAPPING_FIELD_ROW (object);

  switch (prop_id)
    {
    case PROP_SIDE:
      g_value_set_int (value, self->side);
      break;
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_mapping_field_row_class_init (ConcordMappingFieldRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = concord_mapping_field_row_finalize;
  object_class->get_property = concord_mapping_field_row_get_property;

  /* A ConcordSide, 0 for side A and 1 for side B: an int, as the engine
   * registers no enum type for it. */
  properties[PROP_SIDE] =
    g_param_spec_int ("side", NULL, NULL, CONCORD_SIDE_A, CONCORD_SIDE_B, CONCORD_SIDE_A,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEY] =
    g_param_spec_string ("key", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-mapping-field-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingFieldRow, icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingFieldRow, map_button);
}

static void
concord_mapping_field_row_init (ConcordMappingFieldRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * concord_mapping_field_row_new:
 * @editor: the editor the row is of
 * @side: the side @spec is a field of
 * @spec: the field
 */
GtkWidget *
concord_mapping_field_row_new (ConcordMappingEditor   *editor,
                               ConcordSide             side,
                               const ConcordFieldSpec *spec)
{
  ConcordMappingFieldRow *self = g_object_new (CONCORD_TYPE_MAPPING_FIELD_ROW, NULL);
  g_autofree char *subtitle = NULL;
  /* Translators: the first %s is a field ("Phone"), the second the name of an account */
  g_autofree char *a11y = g_strdup_printf (_("Map %s of %s to…"),
                                           concord_mapping_field_label (spec),
                                           editor->name[side]);

  self->side = side;
  self->key = g_strdup (spec->key);

  subtitle = spec->read_only ? g_strdup_printf (_("%s · read-only"), concord_mapping_type_name (spec->type))
                             : g_strdup (concord_mapping_type_name (spec->type));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), concord_mapping_field_label (spec));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  gtk_image_set_from_icon_name (self->icon, concord_mapping_type_icon (spec->type));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->icon), concord_mapping_type_name (spec->type));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  concord_mapping_type_name (spec->type), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  concord_mapping_field_label (spec),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle, -1);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->map_button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  gtk_menu_button_set_create_popup_func (self->map_button, concord_mapping_editor_create_map_to, editor, NULL);

  concord_mapping_editor_add_drag_source (editor, GTK_WIDGET (self));
  concord_mapping_editor_add_drop_target (editor, GTK_WIDGET (self));

  return GTK_WIDGET (self);
}

ConcordSide
concord_mapping_field_row_get_side (ConcordMappingFieldRow *self)
{
  g_return_val_if_fail (CONCORD_IS_MAPPING_FIELD_ROW (self), CONCORD_SIDE_A);

  return self->side;
}

const char *
concord_mapping_field_row_get_key (ConcordMappingFieldRow *self)
{
  g_return_val_if_fail (CONCORD_IS_MAPPING_FIELD_ROW (self), NULL);

  return self->key;
}

/**
 * concord_mapping_field_row_get_control:
 * @focus_id: "map:<side>:<key>"
 *
 * Returns: (transfer none) (nullable): the row's “Map to…” button, if
 *   @focus_id names it
 */
GtkWidget *
concord_mapping_field_row_get_control (ConcordMappingFieldRow *self,
                                       const char             *focus_id)
{
  g_autofree char *own = NULL;

  g_return_val_if_fail (CONCORD_IS_MAPPING_FIELD_ROW (self), NULL);

  own = g_strdup_printf ("map:%d:%s", self->side, self->key);
  return g_strcmp0 (own, focus_id) == 0 ? GTK_WIDGET (self->map_button) : NULL;
}
