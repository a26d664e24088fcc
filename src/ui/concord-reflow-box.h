/* concord-reflow-box.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CONCORD_TYPE_REFLOW_BOX (concord_reflow_box_get_type ())

G_DECLARE_FINAL_TYPE (ConcordReflowBox, concord_reflow_box, CONCORD, REFLOW_BOX, GtkWidget)

GtkWidget *concord_reflow_box_new         (int               spacing);
void       concord_reflow_box_append      (ConcordReflowBox *self,
                                           GtkWidget        *child);
gboolean   concord_reflow_box_is_vertical (ConcordReflowBox *self);

G_END_DECLS
