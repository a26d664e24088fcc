/* concord-activity-line.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * One line of the activity list: a run, a change (field: before → after),
 * a conflict with its "Use the Other Value" button, an error with what to
 * do about it, or a contact left out and why. A line is recycled by the
 * list view for any row, so concord_activity_line_set_item() sets every
 * label and every visibility each time; an item without a row (still
 * loading) shows a quiet placeholder of the same shape.
 */

#define G_LOG_DOMAIN "concord-activity-line"

#include "config.h"

#include <glib/gi18n.h>

#include "concord-activity-line.h"
#include "concord-activity-text.h"
#include "concord-fields.h"

struct _ConcordActivityLine
{
  GtkWidget            parent_instance;

  ConcordActivityItem *item;         /* (owned) (nullable) */
  gulong               row_handler;  /* notify::row of item */
  const char          *icon_name;    /* (unowned) static: what the icon shows now */
  const char          *icon_style;   /* (unowned) static */
  char                *names[2];     /* (owned) each side's account name */
  char                *flip_tip;     /* (owned) (nullable) what the flip does */

  /* Template widgets */
  GtkWidget           *box;
  GtkImage            *icon;
  ConcordActivityText *text;
  GtkButton           *flip_button;
};

G_DEFINE_FINAL_TYPE (ConcordActivityLine, concord_activity_line, GTK_TYPE_WIDGET)

enum {
  SIGNAL_FLIP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

/* The local time zone, looked up once: binding a line happens for every
 * row that scrolls into view, and g_date_time_new_from_unix_local() reads
 * the zone from disk each time. */
static GTimeZone *
local_zone (void)
{
  static GTimeZone *zone;

  if (g_once_init_enter (&zone))
    g_once_init_leave (&zone, g_time_zone_new_local ());
  return zone;
}

static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);
  g_autoptr(GDateTime) when = utc != NULL ? g_date_time_to_timezone (utc, local_zone ()) : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now (local_zone ());

  if (when == NULL)
    return g_strdup ("");

  if (g_date_time_get_year (when) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (now))
    /* Translators: a time of today in the activity, e.g. "14:05"; a
     * g_date_time_format() format: "%I:%M %p" gives "2:05 PM" */
    return g_date_time_format (when, _("%H:%M"));

  if (g_date_time_get_year (when) == g_date_time_get_year (now))
    /* Translators: a date and time in the activity, e.g. "12 Mar, 14:05" */
    return g_date_time_format (when, _("%e %b, %H:%M"));

  /* Translators: a date of another year in the activity, e.g. "12 Mar 2023" */
  return g_date_time_format (when, _("%e %b %Y"));
}

static const char *
field_label (const char *key)
{
  return concord_activity_field_label (key);
}

/* A value as people write it ("VIP, Pro"), or "(empty)". */
static char *
shown_value (const char *value)
{
  if (value == NULL || *value == '\0')
    /* Translators: an empty field, as in "Phone: (empty) → +44 20 …" */
    return g_strdup (_("(empty)"));
  return concord_activity_format_value (value);
}

static void
append_count (GString    *out,
              guint       count,
              const char *text)
{
  if (count == 0)
    return;
  if (out->len > 0)
    /* Translators: between the counts of a sync run, as in "3 created · 2 updated" (with its spaces) */
    g_string_append (out, C_("counts separator", " · "));
  g_string_append (out, text);
}

static char *
run_counts (const ConcordActivityRow *row)
{
  GString *out = g_string_new (NULL);
  g_autofree char *created = NULL;
  g_autofree char *updated = NULL;
  g_autofree char *linked = NULL;
  g_autofree char *conflicts = NULL;
  g_autofree char *failed = NULL;

  /* Translators: a count of a sync run; %u is a number of contacts that were
   * created. The counts are joined with " · " */
  created = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u created", "%u created", row->created), row->created);
  /* Translators: a count of a sync run; %u is a number of contacts that were updated */
  updated = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u updated", "%u updated", row->updated), row->updated);
  /* Translators: a count of a sync run; %u is a number of contacts that were paired (linked)
   * between the two apps */
  linked = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u paired", "%u paired", row->linked), row->linked);
  /* Translators: a count of a sync run; %u is a number of contacts whose values conflicted */
  conflicts = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u conflict", "%u conflicts", row->conflicts),
                               row->conflicts);
  /* Translators: a count of a sync run; %u is a number of contacts that could not be synced */
  failed = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u failed", "%u failed", row->failed), row->failed);

  append_count (out, row->created, created);
  append_count (out, row->updated, updated);
  append_count (out, row->linked, linked);
  append_count (out, row->conflicts, conflicts);
  append_count (out, row->failed, failed);
  if (out->len == 0)
    g_string_append (out, _("Nothing needed changing"));

  return g_string_free (out, FALSE);
}

static char *
format_duration (gint64 seconds)
{
  if (seconds < 0)
    return g_strdup (_("Did not finish"));
  if (seconds < 60)
    /* Translators: how long a sync run took; %u is a number of seconds */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Took %u second", "Took %u seconds",
                                         (gulong) seconds), (guint) seconds);
  /* Translators: how long a sync run took; %u is a number of minutes */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Took %u minute", "Took %u minutes",
                                       (gulong) (seconds / 60)), (guint) (seconds / 60));
}

static void
set_kind_style (ConcordActivityLine *self,
                const char          *icon_name,
                const char          *style)
{
  /* Lines are rebound constantly while scrolling: touch the icon (and
   * restyle it) only when it changes. */
  if (g_strcmp0 (self->icon_name, icon_name) != 0)
    {
      gtk_image_set_from_icon_name (self->icon, icon_name);
      self->icon_name = icon_name;
    }
  if (g_strcmp0 (self->icon_style, style) != 0)
    {
      if (self->icon_style != NULL)
        gtk_widget_remove_css_class (GTK_WIDGET (self->icon), self->icon_style);
      if (style != NULL)
        gtk_widget_add_css_class (GTK_WIDGET (self->icon), style);
      self->icon_style = style;
    }
}

/* The line's name, and its list item's: screen readers read the item, which
 * GTK 4.8 leaves unnamed. */
static void
set_accessible_name (ConcordActivityLine *self,
                     const char          *text)
{
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  if (parent != NULL && gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (parent)) == GTK_ACCESSIBLE_ROLE_LIST_ITEM)
    gtk_accessible_update_property (GTK_ACCESSIBLE (parent), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
show_placeholder (ConcordActivityLine *self)
{
  set_kind_style (self, "content-loading-symbolic", "dim");
  /* The same shape as most lines, so the list does not jump. */
  concord_activity_text_set (self->text, _("Loading…"), NULL, NULL, " ", " ");
  concord_activity_text_set_notes (self->text, NULL, NULL, NULL, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->flip_button), FALSE);
  if (!gtk_widget_has_css_class (GTK_WIDGET (self), "loading"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "loading");
  set_accessible_name (self, _("Loading"));
}

/* A change to a contact: added, paired, unpaired, or a field's new value. */
static void
describe_change (ConcordActivityLine       *self,
                 const ConcordActivityRow  *row,
                 const char                *target,
                 char                     **change,
                 char                     **outcome)
{
  if (g_strcmp0 (row->op, "create") == 0)
    {
      set_kind_style (self, "contact-new-symbolic", "success");
      /* Translators: %s is an account, e.g. "Shop CRM" */
      *change = g_strdup_printf (_("Added to %s"), target);
    }
  else if (g_strcmp0 (row->op, "link") == 0)
    {
      set_kind_style (self, "emblem-default-symbolic", "success");
      *change = g_strdup (_("Paired with the contact of the same email address"));
    }
  else if (g_strcmp0 (row->op, "unlink") == 0)
    {
      set_kind_style (self, "action-unavailable-symbolic", "dim");
      *change = g_strdup (_("Unpaired: one of the two contacts was deleted in its app"));
    }
  else
    {
      g_autofree char *before = shown_value (row->before);
      g_autofree char *after = shown_value (row->after);

      set_kind_style (self, "document-edit-symbolic", "accent");
      /* Translators: a field's change: "Company: Old Ltd → New Ltd"; the arrow
       * points from the old value to the new: in a right-to-left language,
       * use "←" and keep the order of the placeholders (old, then new). */
      *change = g_strdup_printf (_("%s: %s → %s"), field_label (row->field), before, after);
      *outcome = row->by_person
        /* Translators: %s is an account */
        ? g_strdup_printf (_("Changed in %s at your request"), target)
        : g_strdup_printf (_("Updated in %s"), target);
    }
}

/* A conflict: both values, which one was kept; returns whether the other
 * one can still be chosen (the flip button, named here). */
static gboolean
describe_conflict (ConcordActivityLine       *self,
                   const ConcordActivityRow  *row,
                   const char                *name_a,
                   const char                *name_b,
                   char                     **change,
                   char                     **outcome)
{
  const char *winner = row->winner == CONCORD_SIDE_A ? name_a : name_b;
  const char *loser = row->winner == CONCORD_SIDE_A ? name_b : name_a;
  g_autofree char *value_a = shown_value (row->value_a);
  g_autofree char *value_b = shown_value (row->value_b);
  const char *loser_value = row->winner == CONCORD_SIDE_A ? value_b : value_a;

  set_kind_style (self, "object-flip-horizontal-symbolic", "warning");
  /* Translators: "Company changed in both apps: Shop CRM “X”, Elastic Email “Y”" */
  *change = g_strdup_printf (_("%s changed in both apps: %s “%s”, %s “%s”"),
                             field_label (row->field), name_a, value_a, name_b, value_b);
  if (g_strcmp0 (row->chosen, "a") == 0 || g_strcmp0 (row->chosen, "b") == 0)
    /* Translators: %s is the name of an account ("Elastic Email") */
    *outcome = g_strdup_printf (_("You chose the value of %s"),
                                g_strcmp0 (row->chosen, "a") == 0 ? name_a : name_b);
  else if (row->explanation != NULL)
    *outcome = g_strdup (row->explanation);
  else
    /* Translators: %s is the account whose value was kept */
    *outcome = g_strdup_printf (_("Kept the value of %s"), winner);
  if (row->can_flip)
    {
      /* Translators: %s in quotes is a contact's value, the other %s the account it came from */
      g_autofree char *tip = g_strdup_printf (_("Use “%s” from %s in both apps"),
                                              loser_value, loser);

      g_free (self->flip_tip);
      self->flip_tip = g_strdup (tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->flip_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
    }

  return row->can_flip;
}

/* An error: what could not be done where, and what the app said. */
static void
describe_error (ConcordActivityLine       *self,
                const ConcordActivityRow  *row,
                const char                *target,
                char                     **title,
                char                     **change,
                char                     **outcome)
{
  set_kind_style (self, "dialog-warning-symbolic", "error");
  if (row->op == NULL)  /* a run, not a write */
    {
      g_free (*title);
      *title = g_strdup (_("Sync failed"));
    }
  else if (g_strcmp0 (row->op, "create") == 0)
    /* Translators: %s is the name of an account ("Elastic Email") */
    *change = g_strdup_printf (_("Could not be added to %s"), target);
  else
    /* Translators: %s is the name of an account ("Elastic Email") */
    *change = g_strdup_printf (_("Could not be updated in %s"), target);
  if (row->detail != NULL && *row->detail != '\0')
    /* Translators: what the app answered, quoted */
    *outcome = g_strdup_printf (_("The app said: %s"), row->detail);
}

/* Everything a line shows, for screen readers: its text is drawn. */
static char *
join_parts (const char **parts,
            guint        n_parts)
{
  GString *all = g_string_new (NULL);

  for (guint i = 0; i < n_parts; i++)
    if (parts[i] != NULL && *parts[i] != '\0')
      g_string_append_printf (all, "%s%s", all->len > 0 ? ". " : "", parts[i]);
  return g_string_free (all, FALSE);
}

static void
show_row (ConcordActivityLine      *self,
          const ConcordActivityRow *row)
{
  const char *target = self->names[row->target] != NULL ? self->names[row->target] : "";
  const char *name_a = self->names[0] != NULL ? self->names[0] : "A";
  const char *name_b = self->names[1] != NULL ? self->names[1] : "B";
  g_autofree char *time = format_time (row->time);
  g_autofree char *change = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *title = NULL;
  g_autofree char *accessible = NULL;
  g_autofree char *fix = NULL;
  const char *who = row->name != NULL && *row->name != '\0' ? row->name : row->email;
  /* The email beside the name, when the name is not the email. */
  const char *email = who != row->email ? row->email : NULL;
  const char *explanation = NULL;
  gboolean flip = FALSE;

  if (gtk_widget_has_css_class (GTK_WIDGET (self), "loading"))
    gtk_widget_remove_css_class (GTK_WIDGET (self), "loading");
  /* A contact is named by its name, else its email; a contact with
   * neither says so rather than hiding behind "A contact". */
  title = g_strdup (who != NULL && *who != '\0' ? who : _("Contact without a name or email address"));

  switch (row->kind)
    {
    case CONCORD_ACTIVITY_RUN:
      set_kind_style (self, "emblem-synchronizing-symbolic", "accent");
      g_free (title);
      title = g_strdup (g_strcmp0 (row->status, "partial") == 0 ? _("Sync finished with failures")
                                                                : _("Sync finished"));
      email = NULL;
      change = run_counts (row);
      outcome = format_duration (row->duration);
      break;

    case CONCORD_ACTIVITY_CHANGE:
      describe_change (self, row, target, &change, &outcome);
      break;

    case CONCORD_ACTIVITY_CONFLICT:
      flip = describe_conflict (self, row, name_a, name_b, &change, &outcome);
      break;

    case CONCORD_ACTIVITY_ERROR:
      describe_error (self, row, target, &title, &change, &outcome);
      break;

    case CONCORD_ACTIVITY_SKIPPED:
    default:
      set_kind_style (self, "action-unavailable-symbolic", "dim");
      if (row->field != NULL)
        /* Translators: the first %s is a field ("Phone"), the second the name of an account */
        change = g_strdup_printf (_("%s was not synced to %s"), field_label (row->field), target);
      else
        /* Translators: %s is the name of an account ("Elastic Email") */
        change = g_strdup_printf (_("Not synced to %s"), target);
      break;
    }

  /* Errors and left-out contacts say why and what to do; for an error,
   * what the app said comes last. */
  if (row->kind == CONCORD_ACTIVITY_ERROR || row->kind == CONCORD_ACTIVITY_SKIPPED)
    {
      if (row->fix != NULL)
        /* Translators: a suggested fix, e.g. "What to do: If the API key was changed …" */
        fix = g_strdup_printf (_("What to do: %s"), row->fix);
      explanation = row->explanation;
    }
  concord_activity_text_set (self->text, title, email, time, change,
                             row->kind == CONCORD_ACTIVITY_ERROR ? NULL : outcome);
  concord_activity_text_set_notes (self->text, explanation, fix,
                                   row->kind == CONCORD_ACTIVITY_ERROR ? outcome : NULL,
                                   row->kind == CONCORD_ACTIVITY_ERROR);

  gtk_widget_set_visible (GTK_WIDGET (self->flip_button), flip);

  {
    /* Everything the line shows, for screen readers: its text is drawn. */
    const char *parts[] = { title, email, time, change, explanation, fix, outcome };

    accessible = join_parts (parts, G_N_ELEMENTS (parts));
  }
  set_accessible_name (self, accessible);
}

static void
update (ConcordActivityLine *self)
{
  const ConcordActivityRow *row = self->item != NULL ? concord_activity_item_get_row (self->item) : NULL;

  if (row == NULL)
    show_placeholder (self);
  else
    show_row (self, row);
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

/* A placeholder's row arrived. */
static void
on_item_row_cb (ConcordActivityLine *self)
{
  update (self);
}

/* The flip button's tooltip is answered when asked rather than set on
 * every bind: gtk_widget_set_tooltip_text() asks the display where the
 * pointer is, a round trip to the X server for each line that scrolls
 * into view. */
static gboolean
on_flip_query_tooltip_cb (ConcordActivityLine *self,
                          int                  x,
                          int                  y,
                          gboolean             keyboard_mode,
                          GtkTooltip          *tooltip)
{
  if (self->flip_tip == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, self->flip_tip);
  return TRUE;
}

static void
on_flip_clicked_cb (ConcordActivityLine *self)
{
  const ConcordActivityRow *row = self->item != NULL ? concord_activity_item_get_row (self->item) : NULL;

  if (row == NULL || row->kind != CONCORD_ACTIVITY_CONFLICT || !row->can_flip)
    return;

  g_signal_emit (self, signals[SIGNAL_FLIP], 0, row->id);
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_activity_line_dispose (GObject *object)
{
  ConcordActivityLine *self = (ConcordActivityLine *) object;

  gtk_widget_dispose_template (GTK_WIDGET (self), CONCORD_TYPE_ACTIVITY_LINE);
  if (self->item != NULL)
    g_clear_signal_handler (&self->row_handler, self->item);
  g_clear_object (&self->item);

  G_OBJECT_CLASS (concord_activity_line_parent_class)->dispose (object);
}

static void
concord_activity_line_finalize (GObject *object)
{
  ConcordActivityLine *self = (ConcordActivityLine *) object;

  g_free (self->names[0]);
  g_free (self->names[1]);
  g_free (self->flip_tip);

  G_OBJECT_CLASS (concord_activity_line_parent_class)->finalize (object);
}

static void
concord_activity_line_class_init (ConcordActivityLineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = concord_activity_line_dispose;
  object_class->finalize = concord_activity_line_finalize;

  /**
   * ConcordActivityLine::flip:
   * @conflict_id: the conflict
   *
   * "Use the Other Value" was pressed.
   */
  signals[SIGNAL_FLIP] =
    g_signal_new ("flip", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/concord-activity-line.ui");
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityLine, box);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityLine, icon);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityLine, text);
  gtk_widget_class_bind_template_child (widget_class, ConcordActivityLine, flip_button);
  gtk_widget_class_bind_template_callback (widget_class, on_flip_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_flip_query_tooltip_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "activityline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
concord_activity_line_init (ConcordActivityLine *self)
{
  g_type_ensure (CONCORD_TYPE_ACTIVITY_TEXT);
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

GtkWidget *
concord_activity_line_new (void)
{
  return g_object_new (CONCORD_TYPE_ACTIVITY_LINE, NULL);
}

/**
 * concord_activity_line_set_item:
 * @item: (nullable): what to show; a placeholder while loading
 * @name_a: (nullable): the account name of side A
 * @name_b: (nullable): the account name of side B
 */
void
concord_activity_line_set_item (ConcordActivityLine *self,
                                ConcordActivityItem *item,
                                const char          *name_a,
                                const char          *name_b)
{
  g_return_if_fail (CONCORD_IS_ACTIVITY_LINE (self));
  g_return_if_fail (item == NULL || CONCORD_IS_ACTIVITY_ITEM (item));

  if (self->item != item)
    {
      if (self->item != NULL)
        g_clear_signal_handler (&self->row_handler, self->item);
      g_set_object (&self->item, item);
      if (item != NULL)
        self->row_handler = g_signal_connect_swapped (item, "notify::row", G_CALLBACK (on_item_row_cb), self);
    }
  g_free (self->names[0]);
  g_free (self->names[1]);
  self->names[0] = g_strdup (name_a);
  self->names[1] = g_strdup (name_b);

  update (self);
}

ConcordActivityItem *
concord_activity_line_get_item (ConcordActivityLine *self)
{
  g_return_val_if_fail (CONCORD_IS_ACTIVITY_LINE (self), NULL);

  return self->item;
}
