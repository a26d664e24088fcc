/* concord-word-order.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean concord_word_order_parse (const char *pattern,
                                   guint       n_parts,
                                   guint      *order);
void     concord_word_order_apply (const char *pattern,
                                   GtkWidget  *after,
                                   GtkWidget **parts,
                                   guint       n_parts);

G_END_DECLS
