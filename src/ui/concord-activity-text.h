/* concord-activity-text.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The parts of an activity line's text, top to bottom. */
typedef enum
{
  CONCORD_ACTIVITY_TEXT_TITLE,        /* who, bold */
  CONCORD_ACTIVITY_TEXT_EMAIL,        /* beside the title, quieter */
  CONCORD_ACTIVITY_TEXT_TIME,         /* at the end of the title's line, small */
  CONCORD_ACTIVITY_TEXT_CHANGE,       /* what happened */
  CONCORD_ACTIVITY_TEXT_OUTCOME,      /* how it ended, small and quieter */
  CONCORD_ACTIVITY_TEXT_EXPLANATION,  /* why, wrapped; in the error colour for errors */
  CONCORD_ACTIVITY_TEXT_FIX,          /* what to do, wrapped */
  CONCORD_ACTIVITY_TEXT_DETAIL,       /* what the app said, wrapped, small and quieter */
  CONCORD_ACTIVITY_TEXT_N_PARTS
} ConcordActivityTextPart;

#define CONCORD_TYPE_ACTIVITY_TEXT (concord_activity_text_get_type ())

G_DECLARE_FINAL_TYPE (ConcordActivityText, concord_activity_text, CONCORD, ACTIVITY_TEXT, GtkWidget)

GtkWidget  *concord_activity_text_new       (void);
void        concord_activity_text_set       (ConcordActivityText     *self,
                                             const char              *title,
                                             const char              *email,
                                             const char              *time,
                                             const char              *change,
                                             const char              *outcome);
void        concord_activity_text_set_notes (ConcordActivityText     *self,
                                             const char              *explanation,
                                             const char              *fix,
                                             const char              *detail,
                                             gboolean                 is_error);
const char *concord_activity_text_get_part  (ConcordActivityText     *self,
                                             ConcordActivityTextPart  part);

char       *concord_activity_format_value   (const char              *value);
const char *concord_activity_field_label    (const char              *key);

G_END_DECLS
