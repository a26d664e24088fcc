/* concord-mapping-pair-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One mapped pair of the mapping editor: its two fields, the direction
 * button with its choices, what values the pair loses on the way, the
 * “Automatic” tag, the format drop-down (dates and lists), the value-map
 * button (pick lists) and the Unmap button. The row only shows the pair
 * and says what was asked: ::flow-chosen, ::format-chosen,
 * ::values-clicked, ::unmap-clicked; the editor makes the edits and
 * builds new rows.
 */

#define G_LOG_DOMAIN "concord-mapping-editor"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "concord-convert.h"
#include "concord-mapping-common.h"
#include "concord-mapping-editor-private.h"
#include "concord-mapping-pair-row.h"
#include "concord-reflow-box.h"

struct _ConcordMappingPairRow
{
  GtkListBoxRow        parent_instance;

  guint                index;
  char                *key[2];
  ConcordPairFlow      flow;
  char                *format;     /* (nullable): the pair's stored format */
  const char * const  *formats;    /* (nullable): those the drop-down lists */

  /* Template widgets */
  GtkWidget           *fields;
  GtkWidget           *field_a;
  GtkImage            *icon_a;
  GtkLabel            *title_a;
  GtkLabel            *caption_a;
  GtkWidget           *field_b;
  GtkImage            *icon_b;
  GtkLabel            *title_b;
  GtkLabel            *caption_b;
  GtkMenuButton       *direction_button;
  GtkCheckButton      *check_both;
  GtkCheckButton      *check_a_to_b;
  GtkCheckButton      *check_b_to_a;
  GtkCheckButton      *check_off;
  GtkWidget           *extras;
  GtkWidget           *loss_icon;
  GtkWidget           *automatic_tag;
  GtkDropDown         *format_drop_down;
  GtkButton           *values_button;
  GtkWidget           *unmap_button;
  GtkLabel            *loss_label;
};

G_DEFINE_FINAL_TYPE (ConcordMappingPairRow, concord_mapping_pair_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  PROP_0,
  PROP_INDEX,
  PROP_KEY_A,
  PROP_KEY_B,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  FLOW_CHOSEN,
  FORMAT_CHOSEN,
  VALUES_CLICKED,
  UNMAP_CLICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char * const date_formats[] = {
  "YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY", NULL
};
static const char * const delimiters[] = { ", ", "; ", " | ", NULL };

/* ------------------------------------------------------------------------- */
/* The two fields                                                            */
/* ------------------------------------------------------------------------- */

static void
show_field (ConcordMappingPairRow *self,
            ConcordMappingEditor  *editor,
            ConcordSide            side,
            ConcordFieldType       type)
{
  const char *key = self->key[side];
  const ConcordFieldSpec *spec = concord_mapping_editor_lookup_spec (editor, side, key);
  GtkImage *icon = side == CONCORD_SIDE_A ? self->icon_a : self->icon_b;
  g_autofree char *caption_text = NULL;

  if (spec == NULL)
    /* Translators: the first %s is a kind of field ("Text"), the second the name of an account. "·"
     * separates the two parts */
    caption_text = g_strdup_printf (_("%s · not in %s any more"), concord_mapping_type_name (type),
                                    editor->name[side]);
  else if (spec->read_only)
    /* Translators: %s is a kind of field ("Text"). "·" separates the two parts */
    caption_text = g_strdup_printf (_("%s · read-only"), concord_mapping_type_name (type));
  else
    caption_text = g_strdup (concord_mapping_type_name (type));

  gtk_size_group_add_widget (editor->field_sizes, side == CONCORD_SIDE_A ? self->field_a : self->field_b);
  gtk_image_set_from_icon_name (icon, concord_mapping_type_icon (type));
  gtk_widget_set_tooltip_text (GTK_WIDGET (icon), concord_mapping_type_name (type));
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  concord_mapping_type_name (type), -1);
  gtk_label_set_label (side == CONCORD_SIDE_A ? self->title_a : self->title_b,
                       concord_mapping_editor_field_label (editor, side, key));
  gtk_label_set_label (side == CONCORD_SIDE_A ? self->caption_a : self->caption_b, caption_text);
}

/* ------------------------------------------------------------------------- */
/* Direction                                                                 */
/* ------------------------------------------------------------------------- */

static const char *
flow_icon (ConcordPairFlow flow)
{
  switch (flow)
    {
    case CONCORD_PAIR_FLOW_A_TO_B: return "go-next-symbolic";
    case CONCORD_PAIR_FLOW_B_TO_A: return "go-previous-symbolic";
    case CONCORD_PAIR_FLOW_OFF:    return "action-unavailable-symbolic";
    case CONCORD_PAIR_FLOW_BOTH:
    default:                       return "media-playlist-repeat-symbolic";
    }
}

static char *
flow_description (ConcordMappingEditor *editor,
                  ConcordPairFlow       flow)
{
  switch (flow)
    {
    case CONCORD_PAIR_FLOW_A_TO_B:
      /* Translators: the direction of a pair of fields; each %s is the name of an account */
      return g_strdup_printf (_("only from %s to %s"), editor->name[0], editor->name[1]);
    case CONCORD_PAIR_FLOW_B_TO_A:
      return g_strdup_printf (_("only from %s to %s"), editor->name[1], editor->name[0]);
    case CONCORD_PAIR_FLOW_OFF:
      return g_strdup (_("off"));
    case CONCORD_PAIR_FLOW_BOTH:
    default:
      return g_strdup (_("both ways"));
    }
}

static char *
flow_choice (ConcordMappingEditor *editor,
             ConcordPairFlow       flow)
{
  switch (flow)
    {
    case CONCORD_PAIR_FLOW_A_TO_B:
      /* Translators: a direction of a pair of fields; each %s is the name of an account */
      return g_strdup_printf (_("From %s to %s only"), editor->name[0], editor->name[1]);
    case CONCORD_PAIR_FLOW_B_TO_A:
      return g_strdup_printf (_("From %s to %s only"), editor->name[1], editor->name[0]);
    case CONCORD_PAIR_FLOW_OFF:
      return g_strdup (_("Off: keep the pair, sync nothing"));
    case CONCORD_PAIR_FLOW_BOTH:
    default:
      return g_strdup (_("Both ways"));
    }
}

GtkCheckButton *
concord_mapping_pair_row_get_flow_check (ConcordMappingPairRow *self,
                                         ConcordPairFlow        flow)
{
  g_return_val_if_fail (CONCORD_IS_MAPPING_PAIR_ROW (self), NULL);

  switch (flow)
    {
    case CONCORD_PAIR_FLOW_A_TO_B: return self->check_a_to_b;
    case CONCORD_PAIR_FLOW_B_TO_A: return self->check_b_to_a;
    case CONCORD_PAIR_FLOW_OFF:    return self->check_off;
    case CONCORD_PAIR_FLOW_BOTH:
    default:                       return self->check_both;
    }
}

static void
on_flow_toggled (GtkCheckButton        *check,
                 ConcordMappingPairRow *self)
{
  const ConcordPairFlow flows[] = {
    CONCORD_PAIR_FLOW_BOTH, CONCORD_PAIR_FLOW_A_TO_B, CONCORD_PAIR_FLOW_B_TO_A, CONCORD_PAIR_FLOW_OFF,
  };

  if (!gtk_check_button_get_active (check))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (flows); i++)
    if (concord_mapping_pair_row_get_flow_check (self, flows[i]) == check && flows[i] != self->flow)
      {
        gtk_menu_button_popdown (self->direction_button);
        g_signal_emit (self, signals[FLOW_CHOSEN], 0, flows[i]);
        return;
      }
}

static void
show_direction (ConcordMappingPairRow    *self,
                ConcordMappingEditor     *editor,
                const ConcordMappingPair *pair,
                const char               *title)
{
  g_autofree char *description = flow_description (editor, pair->flow);
  /* Translators: the name a screen reader gives a choice; the first %s names a pair of fields, the
   * second is a direction ("only from Elastic Email to HubSpot") */
  g_autofree char *a11y = g_strdup_printf (_("Direction of %s: %s"), title, description);
  const ConcordPairFlow flows[] = {
    CONCORD_PAIR_FLOW_BOTH, CONCORD_PAIR_FLOW_A_TO_B, CONCORD_PAIR_FLOW_B_TO_A, CONCORD_PAIR_FLOW_OFF,
  };

  gtk_menu_button_set_icon_name (self->direction_button, flow_icon (pair->flow));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->direction_button), a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->direction_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);

  for (guint i = 0; i < G_N_ELEMENTS (flows); i++)
    {
      GtkCheckButton *check = concord_mapping_pair_row_get_flow_check (self, flows[i]);
      g_autofree char *label = flow_choice (editor, flows[i]);
      g_autofree char *reason = NULL;

      gtk_check_button_set_label (check, label);
      gtk_check_button_set_active (check, flows[i] == pair->flow);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      if (!concord_mapping_editor_flow_allowed (editor, pair, flows[i], &reason))
        {
          gtk_widget_set_sensitive (GTK_WIDGET (check), flows[i] == pair->flow);
          gtk_widget_set_tooltip_text (GTK_WIDGET (check), reason);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Format                                                                    */
/* ------------------------------------------------------------------------- */

static gboolean
is_date (ConcordFieldType type)
{
  return type == CONCORD_FIELD_TYPE_DATE || type == CONCORD_FIELD_TYPE_DATETIME;
}

static void
on_format_selected (GtkDropDown           *drop_down,
                    GParamSpec            *pspec,
                    ConcordMappingPairRow *self)
{
  guint selected = gtk_drop_down_get_selected (drop_down);
  const char *format;

  if (self->formats == NULL || selected == GTK_INVALID_LIST_POSITION)
    return;

  if (selected < g_strv_length ((char **) self->formats))
    /* The first entry is what the engine does without a format. */
    format = selected == 0 ? NULL : self->formats[selected];
  else
    format = self->format;   /* the stored, unlisted one */
  if (g_strcmp0 (format, self->format) == 0)
    return;

  g_signal_emit (self, signals[FORMAT_CHOSEN], 0, format);
}

/* Dates to or from text, and lists to or from text, have a format to
 * choose; other pairs have none, and no drop-down. */
static void
show_format (ConcordMappingPairRow    *self,
             const ConcordMappingPair *pair,
             const char               *title)
{
  gboolean dates = is_date (pair->type_a) != is_date (pair->type_b);
  gboolean sets = (pair->type_a == CONCORD_FIELD_TYPE_STRING_SET) !=
                  (pair->type_b == CONCORD_FIELD_TYPE_STRING_SET);
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  g_autofree char *a11y = NULL;
  guint selected = 0;

  if (dates)
    {
      self->formats = date_formats;
      for (guint i = 0; self->formats[i] != NULL; i++)
        gtk_string_list_append (model, self->formats[i]);
      /* Translators: the name a screen reader gives a drop-down; %s names a pair of fields */
      a11y = g_strdup_printf (_("Date format of %s"), title);
    }
  else if (sets)
    {
      self->formats = delimiters;
      gtk_string_list_append (model, _("Comma"));
      gtk_string_list_append (model, _("Semicolon"));
      gtk_string_list_append (model, _("Vertical bar"));
      /* Translators: the name a screen reader gives a drop-down; %s names a pair of fields */
      a11y = g_strdup_printf (_("List separator of %s"), title);
    }
  else
    return;

  if (pair->format != NULL)
    {
      selected = G_MAXUINT;
      for (guint i = 0; self->formats[i] != NULL; i++)
        if (g_str_equal (self->formats[i], pair->format))
          selected = i;
      if (selected == G_MAXUINT)
        {
          g_autofree char *quoted = g_strdup_printf ("“%s”", pair->format);

          selected = g_strv_length ((char **) self->formats);
          gtk_string_list_append (model, quoted);
        }
    }

  gtk_drop_down_set_model (self->format_drop_down, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (self->format_drop_down, selected);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->format_drop_down), a11y);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->format_drop_down),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  gtk_widget_set_visible (GTK_WIDGET (self->format_drop_down), TRUE);
  g_signal_connect (self->format_drop_down, "notify::selected", G_CALLBACK (on_format_selected), self);
}

/* ------------------------------------------------------------------------- */
/* Values, loss, unmapping                                                   */
/* ------------------------------------------------------------------------- */

/* Pick lists (not to or from a list of tags) have a value map. */
static void
show_values (ConcordMappingPairRow    *self,
             const ConcordMappingPair *pair,
             const char               *title)
{
  guint n = concord_mapping_pair_get_n_values (pair);
  g_autofree char *label = NULL;
  g_autofree char *values_a11y = NULL;

  if ((pair->type_a != CONCORD_FIELD_TYPE_ENUM && pair->type_b != CONCORD_FIELD_TYPE_ENUM) ||
      pair->type_a == CONCORD_FIELD_TYPE_STRING_SET || pair->type_b == CONCORD_FIELD_TYPE_STRING_SET)
    return;

  /* Translators: a button that opens the value map; %u is a number of value pairs */
  label = n > 0 ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Value…", "%u Values…", n), n)
                : g_strdup (_("Values…"));
  /* Translators: the name a screen reader gives a button; %s names a pair of fields ("Phone ⇄ Mobile") */
  values_a11y = g_strdup_printf (_("Value map of %s"), title);
  gtk_button_set_label (self->values_button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->values_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, values_a11y, -1);
  gtk_widget_set_visible (GTK_WIDGET (self->values_button), TRUE);
}

/* Why values of @pair are lost on the way, in the direction that loses
 * the most ("From Shop to CRM: only text that is a number…"), or NULL
 * when every value arrives. */
static char *
pair_loss (ConcordMappingEditor     *editor,
           const ConcordMappingPair *pair)
{
  for (guint s = 0; s < 2; s++)
    {
      ConcordFieldType from = s == 0 ? pair->type_a : pair->type_b;
      ConcordFieldType to = s == 0 ? pair->type_b : pair->type_a;
      const char *reason = NULL;

      if (concord_mapping_pair_flows (pair, s) &&
          concord_conversion_loss (from, to, &reason) != CONCORD_CONVERSION_LOSSLESS)
        /* Translators: "From Shop to CRM: Only the day is written: …" */
        return g_strdup_printf (_("From %s to %s: %s"), editor->name[s], editor->name[1 - s], reason);
    }

  return NULL;
}

static void
show_loss (ConcordMappingPairRow    *self,
           ConcordMappingEditor     *editor,
           const ConcordMappingPair *pair)
{
  g_autofree char *loss = pair_loss (editor, pair);

  if (loss == NULL)
    return;

  gtk_widget_set_tooltip_text (self->loss_icon, loss);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->loss_icon),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, loss, -1);
  gtk_widget_set_visible (self->loss_icon, TRUE);
  gtk_label_set_label (self->loss_label, loss);
  gtk_widget_set_visible (GTK_WIDGET (self->loss_label), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, loss, -1);
}

static void
on_values_clicked (ConcordMappingPairRow *self)
{
  g_signal_emit (self, signals[VALUES_CLICKED], 0);
}

static void
on_unmap_clicked (ConcordMappingPairRow *self)
{
  g_signal_emit (self, signals[UNMAP_CLICKED], 0);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_mapping_pair_row_finalize (GObject *object)
{
  ConcordMappingPairRow *self = CONCORD_MAPPING_PAIR_ROW (object);

  g_free (self->key[0]);
  g_free (self->key[1]);
  g_free (self->format);

  G_OBJECT_CLASS (concord_mapping_pair_row_parent_class)->finalize (object);
}

static void
concord_mapping_pair_row_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  ConcordMappingPairRow *self = CONCORD_MAPPING_PAIR_ROW (object);

  switch (prop_id)
    {
    case PROP_INDEX:
      g_value_set_uint (value, self->index);
      break;
    case PROP_KEY_A:
      g_value_set_string (value, self->key[CONCORD_SIDE_A]);
      break;
    case PROP_KEY_B:
      g_value_set_string (value, self->key[CONCORD_SIDE_B]);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_mapping_pair_row_class_init (ConcordMappingPairRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (CONCORD_TYPE_REFLOW_BOX);
  object_class->finalize = concord_mapping_pair_row_finalize;
  object_class->get_property = concord_mapping_pair_row_get_property;

  properties[PROP_INDEX] =
    g_param_spec_uint ("index", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEY_A] =
    g_param_spec_string ("key-a", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEY_B] =
    g_param_spec_string ("key-b", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ConcordMappingPairRow::flow-chosen:
   * @flow: the ConcordPairFlow chosen in the direction popover
   */
  signals[FLOW_CHOSEN] = g_signal_new ("flow-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /**
   * ConcordMappingPairRow::format-chosen:
   * @format: (nullable): the format chosen, %NULL for the engine's own
   */
  signals[FORMAT_CHOSEN] = g_signal_new ("format-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                         G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[VALUES_CLICKED] = g_signal_new ("values-clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[UNMAP_CLICKED] = g_signal_new ("unmap-clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/concordsync/Concord/ui/concord-mapping-pair-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, fields);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, field_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, icon_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, title_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, caption_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, field_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, icon_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, title_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, caption_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, direction_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, check_both);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, check_a_to_b);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, check_b_to_a);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, check_off);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, extras);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, loss_icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, automatic_tag);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, format_drop_down);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, values_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, unmap_button);
  gtk_widget_class_bind_template_child (widget_class, ConcordMappingPairRow, loss_label);
  gtk_widget_class_bind_template_callback (widget_class, on_flow_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_values_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_unmap_clicked);
}

static void
concord_mapping_pair_row_init (ConcordMappingPairRow *self)
{
  self->flow = CONCORD_PAIR_FLOW_BOTH;
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * concord_mapping_pair_row_new:
 * @editor: the editor the row is of: its accounts' names and fields
 * @pair: the pair, at @index in the editor's mapping
 * @automatic: whether the automatic mapping makes the same pair
 */
GtkWidget *
concord_mapping_pair_row_new (ConcordMappingEditor     *editor,
                              const ConcordMappingPair *pair,
                              guint                     index,
                              gboolean                  automatic)
{
  ConcordMappingPairRow *self = g_object_new (CONCORD_TYPE_MAPPING_PAIR_ROW, NULL);
  g_autofree char *title = concord_mapping_editor_pair_title (editor, pair);
  g_autofree char *a11y = NULL;
  g_autofree char *unmap_a11y = NULL;

  self->index = index;
  self->key[CONCORD_SIDE_A] = g_strdup (concord_mapping_pair_key (pair, CONCORD_SIDE_A));
  self->key[CONCORD_SIDE_B] = g_strdup (concord_mapping_pair_key (pair, CONCORD_SIDE_B));
  self->flow = pair->flow;
  self->format = g_strdup (pair->format);

  if (pair->flow == CONCORD_PAIR_FLOW_OFF)
    gtk_widget_add_css_class (GTK_WIDGET (self), "mapping-flow-off");
  /* Translators: what a screen reader says of a pair of fields; %s names the pair ("Phone ⇄ Mobile") */
  a11y = automatic ? g_strdup_printf (_("%s, mapped automatically"), title) : g_strdup (title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);

  show_field (self, editor, CONCORD_SIDE_A, pair->type_a);
  show_direction (self, editor, pair, title);
  show_field (self, editor, CONCORD_SIDE_B, pair->type_b);
  show_loss (self, editor, pair);
  gtk_widget_set_visible (self->automatic_tag, automatic);
  show_format (self, pair, title);
  show_values (self, pair, title);
  /* Translators: the name a screen reader gives a button; %s names a pair of fields ("Phone ⇄ Mobile") */
  unmap_a11y = g_strdup_printf (_("Unmap %s"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->unmap_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, unmap_a11y, -1);
  gtk_size_group_add_widget (editor->extra_sizes, self->extras);
  concord_mapping_editor_add_drop_target (editor, GTK_WIDGET (self));

  return GTK_WIDGET (self);
}

guint
concord_mapping_pair_row_get_index (ConcordMappingPairRow *self)
{
  g_return_val_if_fail (CONCORD_IS_MAPPING_PAIR_ROW (self), 0);

  return self->index;
}

const char *
concord_mapping_pair_row_get_key_a (ConcordMappingPairRow *self)
{
  g_return_val_if_fail (CONCORD_IS_MAPPING_PAIR_ROW (self), NULL);

  return self->key[CONCORD_SIDE_A];
}

/**
 * concord_mapping_pair_row_get_control:
 * @focus_id: "direction:<key a>", "format:<key a>" or "values:<key a>"
 *
 * Returns: (transfer none) (nullable): the row's control @focus_id names,
 *   if the row has it
 */
GtkWidget *
concord_mapping_pair_row_get_control (ConcordMappingPairRow *self,
                                      const char            *focus_id)
{
  const char *colon;

  g_return_val_if_fail (CONCORD_IS_MAPPING_PAIR_ROW (self), NULL);

  colon = focus_id != NULL ? strchr (focus_id, ':') : NULL;
  if (colon == NULL || g_strcmp0 (colon + 1, self->key[CONCORD_SIDE_A]) != 0)
    return NULL;

  if (g_str_has_prefix (focus_id, "direction:"))
    return GTK_WIDGET (self->direction_button);
  if (g_str_has_prefix (focus_id, "format:") && gtk_widget_get_visible (GTK_WIDGET (self->format_drop_down)))
    return GTK_WIDGET (self->format_drop_down);
  if (g_str_has_prefix (focus_id, "values:") && gtk_widget_get_visible (GTK_WIDGET (self->values_button)))
    return GTK_WIDGET (self->values_button);

  return NULL;
}
