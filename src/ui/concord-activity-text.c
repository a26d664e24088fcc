/* concord-activity-text.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The text of one activity line, drawn directly: the title (who) with a
 * quieter email beside it and the time at the end of the line; then what
 * happened; then how it ended, smaller. Errors and left-out contacts add
 * notes that wrap: why, what to do, and what the app said.
 *
 * An activity list binds far more lines than it shows (GtkListView keeps
 * a couple of hundred rows around the visible ones), and scrolling fast
 * rebinds dozens of them every frame. So setting the text costs little
 * more than the copies. Without notes the height depends only on which
 * lines are shown and on the font, never on the words: a new row is not
 * measured, and its words are laid out only when it is drawn. The notes
 * are laid out once for the width they are measured at, which costs far
 * less than a wrapping GtkLabel each. Single lines are cut short with an
 * ellipsis, and a tooltip shows a line that was cut.
 *
 * The widget is presentation only: its line (ConcordActivityLine) carries
 * the whole text as its accessible label.
 */

#define G_LOG_DOMAIN "concord-activity-text"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "concord-activity-text.h"
#include "concord-fields.h"
#include "concord-json-private.h"

/* What the text looks like: libadwaita's .heading (bold 11pt), the body
 * font, .caption (9pt), .dim-label's opacity and @error_color. */
#define HEADING_SIZE   (11 * PANGO_SCALE)
#define CAPTION_SIZE   (9 * PANGO_SCALE)
#define DIM_ALPHA      0.55
#define LINE_SPACING   3
#define TIME_SPACING   8
#define TITLE_GAP      "  "
#define MIN_CHARS      12
#define NAT_CHARS      60

/* The styles of text. */
typedef enum {
  STYLE_HEADING,
  STYLE_BODY,
  STYLE_CAPTION,
  N_STYLES
} Style;

/* The single lines. */
enum {
  LINE_TITLE,
  LINE_CHANGE,
  LINE_OUTCOME,
  N_LINES
};

static const Style line_style[N_LINES] = { STYLE_HEADING, STYLE_BODY, STYLE_CAPTION };

/* The wrapped notes, under the lines. */
enum {
  NOTE_EXPLANATION,
  NOTE_FIX,
  NOTE_DETAIL,
  N_NOTES
};

static const ConcordActivityTextPart note_part[N_NOTES] = {
  CONCORD_ACTIVITY_TEXT_EXPLANATION, CONCORD_ACTIVITY_TEXT_FIX, CONCORD_ACTIVITY_TEXT_DETAIL
};
static const Style note_style[N_NOTES] = { STYLE_BODY, STYLE_BODY, STYLE_CAPTION };

struct _ConcordActivityText
{
  GtkWidget             parent_instance;

  char                 *parts[CONCORD_ACTIVITY_TEXT_N_PARTS];  /* (owned) (nullable) */
  gboolean              is_error;

  /* The lines, laid out when drawn for layout_width; NULL until then. */
  PangoLayout          *title_layout;
  PangoLayout          *time_layout;
  PangoLayout          *change_layout;
  PangoLayout          *outcome_layout;
  int                   layout_width;

  /* The notes, laid out when measured for notes_width; NULL until then. */
  PangoLayout          *note_layouts[N_NOTES];
  int                   note_height[N_NOTES];
  int                   notes_width;

  /* From the font, not the words: 0 until known. */
  int                   style_height[N_STYLES];
  int                   char_width;
  PangoFontDescription *font;  /* (owned) (nullable) the font they were measured in */
};

G_DEFINE_FINAL_TYPE (ConcordActivityText, concord_activity_text, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static gboolean
has_text (const char *text)
{
  return text != NULL && *text != '\0';
}

static gboolean
line_shown (ConcordActivityText *self,
            guint                line)
{
  switch (line)
    {
    case LINE_TITLE:
      return TRUE;
    case LINE_CHANGE:
      return has_text (self->parts[CONCORD_ACTIVITY_TEXT_CHANGE]);
    case LINE_OUTCOME:
      return has_text (self->parts[CONCORD_ACTIVITY_TEXT_OUTCOME]);
    default:
      g_assert_not_reached ();
    }
}

static gboolean
note_shown (ConcordActivityText *self,
            guint                note)
{
  return has_text (self->parts[note_part[note]]);
}

static gboolean
has_notes (ConcordActivityText *self)
{
  for (guint note = 0; note < N_NOTES; note++)
    if (note_shown (self, note))
      return TRUE;
  return FALSE;
}

static void
clear_line_layouts (ConcordActivityText *self)
{
  g_clear_object (&self->title_layout);
  g_clear_object (&self->time_layout);
  g_clear_object (&self->change_layout);
  g_clear_object (&self->outcome_layout);
  self->layout_width = -1;
}

static void
clear_note_layouts (ConcordActivityText *self)
{
  for (guint note = 0; note < N_NOTES; note++)
    {
      g_clear_object (&self->note_layouts[note]);
      self->note_height[note] = 0;
    }
  self->notes_width = -1;
}

/* Attributes of a whole layout in one style. */
static PangoAttrList *
style_attributes (Style    style,
                  gboolean numeric)
{
  PangoAttrList *attrs = pango_attr_list_new ();

  if (style == STYLE_HEADING)
    {
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_attr_list_insert (attrs, pango_attr_size_new (HEADING_SIZE));
    }
  else if (style == STYLE_CAPTION)
    pango_attr_list_insert (attrs, pango_attr_size_new (CAPTION_SIZE));
  if (numeric)
    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  return attrs;
}

/* A single line cut short at @width, or not cut when @width is -1. */
static PangoLayout *
new_layout (ConcordActivityText *self,
            const char          *text,
            Style                style,
            gboolean             numeric,
            int                  width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  g_autoptr(PangoAttrList) attrs = style_attributes (style, numeric);

  pango_layout_set_attributes (layout, attrs);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  if (width >= 0)
    {
      pango_layout_set_width (layout, MAX (width, 0) * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  return layout;
}

/* The height of each style and the width of a character, from the font. */
static void
ensure_metrics (ConcordActivityText *self)
{
  PangoContext *context;
  PangoFontMetrics *metrics;

  if (self->style_height[STYLE_HEADING] > 0)
    return;

  context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  g_clear_pointer (&self->font, pango_font_description_free);
  self->font = pango_font_description_copy (pango_context_get_font_description (context));

  for (guint style = 0; style < N_STYLES; style++)
    {
      g_autoptr(PangoLayout) sample = new_layout (self, "Ag", style, FALSE, -1);

      pango_layout_get_pixel_size (sample, NULL, &self->style_height[style]);
      self->style_height[style] = MAX (self->style_height[style], 1);
    }

  metrics = pango_context_get_metrics (context, NULL, NULL);
  self->char_width = MAX (PANGO_PIXELS_CEIL (pango_font_metrics_get_approximate_char_width (metrics)), 1);
  pango_font_metrics_unref (metrics);
}

/* The notes wrapped at @width. */
static void
ensure_notes (ConcordActivityText *self,
              int                  width)
{
  if (self->notes_width == width)
    return;

  clear_note_layouts (self);
  self->notes_width = width;
  for (guint note = 0; note < N_NOTES; note++)
    {
      PangoLayout *layout;
      g_autoptr(PangoAttrList) attrs = NULL;

      if (!note_shown (self, note))
        continue;

      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), self->parts[note_part[note]]);
      attrs = style_attributes (note_style[note], FALSE);
      pango_layout_set_attributes (layout, attrs);
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_width (layout, MAX (width, 1) * PANGO_SCALE);
      pango_layout_get_pixel_size (layout, NULL, &self->note_height[note]);
      self->note_layouts[note] = layout;
    }
}

/* The font may have changed: heights again, words again. */
static void
invalidate_font (ConcordActivityText *self)
{
  int before[N_STYLES];

  memcpy (before, self->style_height, sizeof before);
  memset (self->style_height, 0, sizeof self->style_height);
  clear_line_layouts (self);
  clear_note_layouts (self);
  ensure_metrics (self);
  if (memcmp (before, self->style_height, sizeof before) != 0 || has_notes (self))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The top of each single line. */
static int
line_top (ConcordActivityText *self,
          guint                line)
{
  int y = 0;

  ensure_metrics (self);
  for (guint i = 0; i < line; i++)
    if (line_shown (self, i))
      y += self->style_height[line_style[i]] + LINE_SPACING;
  return y;
}

/* The height of the single lines, without spacing below. */
static int
lines_height (ConcordActivityText *self)
{
  return line_top (self, N_LINES) - LINE_SPACING;
}

/* The title and the quieter email after it, in one layout. */
static PangoLayout *
new_title_layout (ConcordActivityText *self,
                  int                  width)
{
  const char *title = self->parts[CONCORD_ACTIVITY_TEXT_TITLE];
  const char *email = self->parts[CONCORD_ACTIVITY_TEXT_EMAIL];
  g_autofree char *text = NULL;
  PangoLayout *layout;

  if (!has_text (email))
    return new_layout (self, title != NULL ? title : "", STYLE_HEADING, FALSE, width);

  text = g_strconcat (title != NULL ? title : "", TITLE_GAP, email, NULL);
  layout = new_layout (self, text, STYLE_HEADING, FALSE, width);
  {
    PangoAttrList *attrs = pango_layout_get_attributes (layout);
    guint start = (guint) strlen (text) - (guint) strlen (email);
    PangoAttribute *weight = pango_attr_weight_new (PANGO_WEIGHT_NORMAL);
    PangoAttribute *alpha = pango_attr_foreground_alpha_new ((guint16) (DIM_ALPHA * G_MAXUINT16));

    weight->start_index = alpha->start_index = start;
    weight->end_index = alpha->end_index = G_MAXUINT;
    pango_attr_list_change (attrs, weight);
    pango_attr_list_change (attrs, alpha);
    pango_layout_context_changed (layout);
  }
  return layout;
}

static void
ensure_line_layouts (ConcordActivityText *self,
                     int                  width)
{
  int time_width = 0;

  if (self->title_layout != NULL && self->layout_width == width)
    return;

  clear_line_layouts (self);
  self->layout_width = width;

  if (has_text (self->parts[CONCORD_ACTIVITY_TEXT_TIME]))
    {
      self->time_layout = new_layout (self, self->parts[CONCORD_ACTIVITY_TEXT_TIME], STYLE_CAPTION, TRUE, -1);
      pango_layout_get_pixel_size (self->time_layout, &time_width, NULL);
      time_width = MIN (time_width, width / 3);
      pango_layout_set_width (self->time_layout, time_width * PANGO_SCALE);
      pango_layout_set_ellipsize (self->time_layout, PANGO_ELLIPSIZE_END);
    }
  self->title_layout = new_title_layout (self, width - (time_width > 0 ? time_width + TIME_SPACING : 0));
  if (line_shown (self, LINE_CHANGE))
    self->change_layout = new_layout (self, self->parts[CONCORD_ACTIVITY_TEXT_CHANGE], STYLE_BODY, FALSE, width);
  if (line_shown (self, LINE_OUTCOME))
    self->outcome_layout = new_layout (self, self->parts[CONCORD_ACTIVITY_TEXT_OUTCOME], STYLE_CAPTION, FALSE, width);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
get_colors (ConcordActivityText *self,
            GdkRGBA             *color,
            GdkRGBA             *error)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (GTK_WIDGET (self), color);
#else
  gtk_style_context_get_color (context, color);
#endif
  if (!gtk_style_context_lookup_color (context, "error_color", error))
    *error = *color;
}
G_GNUC_END_IGNORE_DEPRECATIONS

static void
append_layout (GtkSnapshot   *snapshot,
               PangoLayout   *layout,
               int            x,
               int            y,
               const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

/* ------------------------------------------------------------------------- */
/* GtkWidget                                                                 */
/* ------------------------------------------------------------------------- */

static GtkSizeRequestMode
concord_activity_text_get_request_mode (GtkWidget *widget)
{
  return has_notes (CONCORD_ACTIVITY_TEXT (widget)) ? GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH
                                                    : GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
concord_activity_text_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  ConcordActivityText *self = CONCORD_ACTIVITY_TEXT (widget);
  int height;

  ensure_metrics (self);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MIN_CHARS * self->char_width;
      *natural = NAT_CHARS * self->char_width;
      return;
    }

  height = lines_height (self);
  if (has_notes (self))
    {
      ensure_notes (self, for_size >= 0 ? for_size : NAT_CHARS * self->char_width);
      for (guint note = 0; note < N_NOTES; note++)
        if (self->note_layouts[note] != NULL)
          height += LINE_SPACING + self->note_height[note];
    }
  *minimum = *natural = height;
}

static void
concord_activity_text_size_allocate (GtkWidget *widget,
                                     int        width,
                                     int        height,
                                     int        baseline)
{
  ConcordActivityText *self = CONCORD_ACTIVITY_TEXT (widget);

  if (width != self->layout_width)
    clear_line_layouts (self);
}

static void
concord_activity_text_snapshot (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  ConcordActivityText *self = CONCORD_ACTIVITY_TEXT (widget);
  int width = gtk_widget_get_width (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  GdkRGBA color, dim, error;
  int time_width = 0;
  int title_x = 0;
  int y;

  if (width <= 0)
    return;

  ensure_line_layouts (self, width);
  get_colors (self, &color, &error);
  dim = color;
  dim.alpha *= DIM_ALPHA;

  if (self->time_layout != NULL)
    {
      int title_baseline = pango_layout_get_baseline (self->title_layout) / PANGO_SCALE;
      int time_baseline = pango_layout_get_baseline (self->time_layout) / PANGO_SCALE;

      pango_layout_get_pixel_size (self->time_layout, &time_width, NULL);
      append_layout (snapshot, self->time_layout, rtl ? 0 : width - time_width,
                     title_baseline - time_baseline, &dim);
      if (rtl)
        title_x = time_width + TIME_SPACING;
    }
  append_layout (snapshot, self->title_layout, title_x, 0, &color);

  if (self->change_layout != NULL)
    append_layout (snapshot, self->change_layout, 0, line_top (self, LINE_CHANGE), &color);
  if (self->outcome_layout != NULL)
    append_layout (snapshot, self->outcome_layout, 0, line_top (self, LINE_OUTCOME), &dim);

  if (!has_notes (self))
    return;

  ensure_notes (self, width);
  y = lines_height (self);
  for (guint note = 0; note < N_NOTES; note++)
    {
      const GdkRGBA *note_color = &color;

      if (self->note_layouts[note] == NULL)
        continue;
      if (note == NOTE_EXPLANATION && self->is_error)
        note_color = &error;
      else if (note_style[note] == STYLE_CAPTION)
        note_color = &dim;
      y += LINE_SPACING;
      append_layout (snapshot, self->note_layouts[note], 0, y, note_color);
      y += self->note_height[note];
    }
}

static gboolean
concord_activity_text_query_tooltip (GtkWidget  *widget,
                                     int         x,
                                     int         y,
                                     gboolean    keyboard_tooltip,
                                     GtkTooltip *tooltip)
{
  ConcordActivityText *self = CONCORD_ACTIVITY_TEXT (widget);
  PangoLayout *layout = NULL;

  if (y < line_top (self, LINE_CHANGE))
    layout = self->title_layout;
  else if (line_shown (self, LINE_CHANGE) && y < line_top (self, LINE_OUTCOME))
    layout = self->change_layout;
  else if (line_shown (self, LINE_OUTCOME) && y < line_top (self, N_LINES))
    layout = self->outcome_layout;

  /* Only a line that was cut short; the notes wrap. */
  if (layout == NULL || !pango_layout_is_ellipsized (layout))
    return FALSE;
  gtk_tooltip_set_text (tooltip, pango_layout_get_text (layout));
  return TRUE;
}

/* Most style changes are the line's own (its kind, loading or not) and
 * leave the font alone: the colours are taken when drawing. */
static void
concord_activity_text_css_changed (GtkWidget         *widget,
                                   GtkCssStyleChange *change)
{
  ConcordActivityText *self = CONCORD_ACTIVITY_TEXT (widget);
  PangoContext *context;

  GTK_WIDGET_CLASS (concord_activity_text_parent_class)->css_changed (widget, change);

  context = gtk_widget_get_pango_context (widget);
  if (self->font == NULL ||
      !pango_font_description_equal (self->font, pango_context_get_font_description (context)))
    invalidate_font (self);
}

static void
concord_activity_text_system_setting_changed (GtkWidget        *widget,
                                              GtkSystemSetting  setting)
{
  GTK_WIDGET_CLASS (concord_activity_text_parent_class)->system_setting_changed (widget, setting);

  invalidate_font (CONCORD_ACTIVITY_TEXT (widget));
}

static void
concord_activity_text_direction_changed (GtkWidget        *widget,
                                         GtkTextDirection  previous)
{
  ConcordActivityText *self = CONCORD_ACTIVITY_TEXT (widget);

  GTK_WIDGET_CLASS (concord_activity_text_parent_class)->direction_changed (widget, previous);

  clear_line_layouts (self);
  clear_note_layouts (self);
  gtk_widget_queue_resize (widget);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_activity_text_finalize (GObject *object)
{
  ConcordActivityText *self = (ConcordActivityText *) object;

  clear_line_layouts (self);
  clear_note_layouts (self);
  for (guint i = 0; i < CONCORD_ACTIVITY_TEXT_N_PARTS; i++)
    g_free (self->parts[i]);
  g_clear_pointer (&self->font, pango_font_description_free);

  G_OBJECT_CLASS (concord_activity_text_parent_class)->finalize (object);
}

static void
concord_activity_text_class_init (ConcordActivityTextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = concord_activity_text_finalize;

  widget_class->get_request_mode = concord_activity_text_get_request_mode;
  widget_class->measure = concord_activity_text_measure;
  widget_class->size_allocate = concord_activity_text_size_allocate;
  widget_class->snapshot = concord_activity_text_snapshot;
  widget_class->query_tooltip = concord_activity_text_query_tooltip;
  widget_class->css_changed = concord_activity_text_css_changed;
  widget_class->system_setting_changed = concord_activity_text_system_setting_changed;
  widget_class->direction_changed = concord_activity_text_direction_changed;

  gtk_widget_class_set_css_name (widget_class, "activitytext");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
concord_activity_text_init (ConcordActivityText *self)
{
  self->layout_width = -1;
  self->notes_width = -1;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

GtkWidget *
concord_activity_text_new (void)
{
  return g_object_new (CONCORD_TYPE_ACTIVITY_TEXT, NULL);
}

/* Sets @n parts from @first; returns whether any changed. */
static gboolean
set_parts (ConcordActivityText     *self,
           ConcordActivityTextPart  first,
           const char * const      *parts,
           guint                    n)
{
  gboolean changed = FALSE;

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (self->parts[first + i], parts[i]) != 0)
      {
        g_free (self->parts[first + i]);
        self->parts[first + i] = g_strdup (parts[i]);
        changed = TRUE;
      }
  return changed;
}

/**
 * concord_activity_text_set:
 * @title: (nullable): who, or what happened for a run
 * @email: (nullable): shown quieter after the title
 * @time: (nullable): shown at the end of the title's line
 * @change: (nullable): the second line; none when %NULL or empty
 * @outcome: (nullable): the third line; none when %NULL or empty
 *
 * Sets the single lines. Only a change in which lines are shown measures
 * the widget again.
 */
void
concord_activity_text_set (ConcordActivityText *self,
                           const char          *title,
                           const char          *email,
                           const char          *time,
                           const char          *change,
                           const char          *outcome)
{
  const char *parts[] = { title, email, time, change, outcome };
  gboolean had_change, had_outcome;

  g_return_if_fail (CONCORD_IS_ACTIVITY_TEXT (self));

  had_change = line_shown (self, LINE_CHANGE);
  had_outcome = line_shown (self, LINE_OUTCOME);

  if (!set_parts (self, CONCORD_ACTIVITY_TEXT_TITLE, parts, G_N_ELEMENTS (parts)))
    return;

  clear_line_layouts (self);
  if (had_change != line_shown (self, LINE_CHANGE) || had_outcome != line_shown (self, LINE_OUTCOME))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * concord_activity_text_set_notes:
 * @explanation: (nullable): why, in a sentence
 * @fix: (nullable): what to do about it
 * @detail: (nullable): what the app said, quieter
 * @is_error: whether the explanation is of an error (its colour)
 *
 * Sets the notes under the lines, which wrap; %NULL or empty leaves one
 * out.
 */
void
concord_activity_text_set_notes (ConcordActivityText *self,
                                 const char          *explanation,
                                 const char          *fix,
                                 const char          *detail,
                                 gboolean             is_error)
{
  const char *parts[] = { explanation, fix, detail };

  g_return_if_fail (CONCORD_IS_ACTIVITY_TEXT (self));

  if (self->is_error != !!is_error)
    {
      self->is_error = !!is_error;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }

  if (!set_parts (self, CONCORD_ACTIVITY_TEXT_EXPLANATION, parts, G_N_ELEMENTS (parts)))
    return;

  clear_note_layouts (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/**
 * concord_activity_text_get_part:
 *
 * Returns: (nullable): one part of the text, as set
 */
const char *
concord_activity_text_get_part (ConcordActivityText     *self,
                                ConcordActivityTextPart  part)
{
  g_return_val_if_fail (CONCORD_IS_ACTIVITY_TEXT (self), NULL);
  g_return_val_if_fail (part < CONCORD_ACTIVITY_TEXT_N_PARTS, NULL);

  return self->parts[part];
}
