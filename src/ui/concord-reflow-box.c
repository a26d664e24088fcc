/* concord-reflow-box.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A box that lays its children out in a row when the row fits, and one
 * under the other when it does not: a condition's field, operator and
 * value, or a mapping pair's two sides, stay readable in a window 360 px
 * wide without making the window wider (libadwaita 1.2 has no breakpoints).
 *
 * Its minimum width is that of the column (the widest child's minimum);
 * its natural width that of the row. For a given width it measures and
 * allocates as the row when the row's minimum fits, else as the column:
 * both arrangements are plain GtkBoxLayouts that this widget's own layout
 * manager hands the work to, so the flip happens in one allocation, with
 * no resize queued from inside it.
 */

#define G_LOG_DOMAIN "concord-reflow-box"

#include "config.h"

#include "concord-reflow-box.h"

/* ------------------------------------------------------------------------- */
/* The layout                                                                */
/* ------------------------------------------------------------------------- */

#define CONCORD_TYPE_REFLOW_LAYOUT (concord_reflow_layout_get_type ())
G_DECLARE_FINAL_TYPE (ConcordReflowLayout, concord_reflow_layout, CONCORD, REFLOW_LAYOUT, GtkLayoutManager)

struct _ConcordReflowLayout
{
  GtkLayoutManager  parent_instance;

  GtkLayoutManager *row;        /* (owned) */
  GtkLayoutManager *column;     /* (owned) */
  gboolean          vertical;   /* the last allocation's arrangement */
};

G_DEFINE_FINAL_TYPE (ConcordReflowLayout, concord_reflow_layout, GTK_TYPE_LAYOUT_MANAGER)

static int
row_minimum (ConcordReflowLayout *self,
             GtkWidget           *widget)
{
  int minimum = 0;

  gtk_layout_manager_measure (self->row, widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  return minimum;
}

static void
concord_reflow_layout_measure (GtkLayoutManager *manager,
                               GtkWidget        *widget,
                               GtkOrientation    orientation,
                               int               for_size,
                               int              *minimum,
                               int              *natural,
                               int              *minimum_baseline,
                               int              *natural_baseline)
{
  ConcordReflowLayout *self = CONCORD_REFLOW_LAYOUT (manager);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int column_minimum = 0, row_natural = 0;

      gtk_layout_manager_measure (self->column, widget, orientation, -1, &column_minimum, NULL, NULL, NULL);
      gtk_layout_manager_measure (self->row, widget, orientation, -1, NULL, &row_natural, NULL, NULL);
      *minimum = column_minimum;
      *natural = MAX (column_minimum, row_natural);
      return;
    }

  /* The height for a width: that of the arrangement the width gets. */
  if (for_size >= 0 && for_size >= row_minimum (self, widget))
    gtk_layout_manager_measure (self->row, widget, orientation, for_size, minimum, natural,
                                minimum_baseline, natural_baseline);
  else
    gtk_layout_manager_measure (self->column, widget, orientation, for_size, minimum, natural,
                                minimum_baseline, natural_baseline);
}

static void
concord_reflow_layout_allocate (GtkLayoutManager *manager,
                                GtkWidget        *widget,
                                int               width,
                                int               height,
                                int               baseline)
{
  ConcordReflowLayout *self = CONCORD_REFLOW_LAYOUT (manager);

  self->vertical = width < row_minimum (self, widget);
  gtk_layout_manager_allocate (self->vertical ? self->column : self->row, widget, width, height, baseline);
}

static GtkSizeRequestMode
concord_reflow_layout_get_request_mode (GtkLayoutManager *manager,
                                        GtkWidget        *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
concord_reflow_layout_finalize (GObject *object)
{
  ConcordReflowLayout *self = CONCORD_REFLOW_LAYOUT (object);

  g_clear_object (&self->row);
  g_clear_object (&self->column);

  G_OBJECT_CLASS (concord_reflow_layout_parent_class)->finalize (object);
}

static void
concord_reflow_layout_class_init (ConcordReflowLayoutClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkLayoutManagerClass *manager_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  object_class->finalize = concord_reflow_layout_finalize;
  manager_class->measure = concord_reflow_layout_measure;
  manager_class->allocate = concord_reflow_layout_allocate;
  manager_class->get_request_mode = concord_reflow_layout_get_request_mode;
}

static void
concord_reflow_layout_init (ConcordReflowLayout *self)
{
  self->row = gtk_box_layout_new (GTK_ORIENTATION_HORIZONTAL);
  self->column = gtk_box_layout_new (GTK_ORIENTATION_VERTICAL);
}

/* ------------------------------------------------------------------------- */
/* The widget                                                                */
/* ------------------------------------------------------------------------- */

struct _ConcordReflowBox
{
  GtkWidget parent_instance;
};

static void concord_reflow_box_buildable_init (GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ConcordReflowBox, concord_reflow_box, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE, concord_reflow_box_buildable_init))

enum {
  PROP_0,
  PROP_SPACING,
  PROP_HOMOGENEOUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static GtkBuildableIface *parent_buildable_iface;

static ConcordReflowLayout *
get_layout (ConcordReflowBox *self)
{
  return CONCORD_REFLOW_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self)));
}

static void
concord_reflow_box_buildable_add_child (GtkBuildable *buildable,
                                        GtkBuilder   *builder,
                                        GObject      *child,
                                        const char   *type)
{
  if (GTK_IS_WIDGET (child))
    concord_reflow_box_append (CONCORD_REFLOW_BOX (buildable), GTK_WIDGET (child));
  else
    parent_buildable_iface->add_child (buildable, builder, child, type);
}

static void
concord_reflow_box_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->add_child = concord_reflow_box_buildable_add_child;
}

static void
concord_reflow_box_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (concord_reflow_box_parent_class)->dispose (object);
}

static void
concord_reflow_box_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ConcordReflowBox *self = CONCORD_REFLOW_BOX (object);

  switch (prop_id)
    {
    case PROP_SPACING:
      g_value_set_int (value, gtk_box_layout_get_spacing (GTK_BOX_LAYOUT (get_layout (self)->row)));
      break;

    case PROP_HOMOGENEOUS:
      g_value_set_boolean (value, gtk_box_layout_get_homogeneous (GTK_BOX_LAYOUT (get_layout (self)->row)));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_reflow_box_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ConcordReflowBox *self = CONCORD_REFLOW_BOX (object);
  ConcordReflowLayout *layout = get_layout (self);

  switch (prop_id)
    {
    case PROP_SPACING:
      gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout->row), g_value_get_int (value));
      gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout->column), g_value_get_int (value));
      gtk_widget_queue_resize (GTK_WIDGET (self));
      break;

    case PROP_HOMOGENEOUS:
      /* Only the row: in the column each child has the whole width. */
      gtk_box_layout_set_homogeneous (GTK_BOX_LAYOUT (layout->row), g_value_get_boolean (value));
      gtk_widget_queue_resize (GTK_WIDGET (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_reflow_box_class_init (ConcordReflowBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_reflow_box_dispose;
  object_class->get_property = concord_reflow_box_get_property;
  object_class->set_property = concord_reflow_box_set_property;

  properties[PROP_SPACING] =
    g_param_spec_int ("spacing", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HOMOGENEOUS] =
    g_param_spec_boolean ("homogeneous", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, CONCORD_TYPE_REFLOW_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "box");
}

static void
concord_reflow_box_init (ConcordReflowBox *self)
{
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

GtkWidget *
concord_reflow_box_new (int spacing)
{
  return g_object_new (CONCORD_TYPE_REFLOW_BOX, "spacing", spacing, NULL);
}

void
concord_reflow_box_append (ConcordReflowBox *self,
                           GtkWidget        *child)
{
  g_return_if_fail (CONCORD_IS_REFLOW_BOX (self));
  g_return_if_fail (GTK_IS_WIDGET (child));
  g_return_if_fail (gtk_widget_get_parent (child) == NULL);

  gtk_widget_insert_before (child, GTK_WIDGET (self), NULL);
}

/**
 * concord_reflow_box_is_vertical:
 *
 * Returns: whether the last allocation put the children one under the other
 */
gboolean
concord_reflow_box_is_vertical (ConcordReflowBox *self)
{
  g_return_val_if_fail (CONCORD_IS_REFLOW_BOX (self), FALSE);

  return get_layout (self)->vertical;
}
