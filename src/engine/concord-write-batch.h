/* concord-write-batch.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-connector.h"

G_BEGIN_DECLS

typedef struct _ConcordWriteBatch ConcordWriteBatch;

ConcordWriteBatch  *concord_write_batch_new       (GTask             *task,
                                                   guint              n_inputs);
void                concord_write_batch_hold      (ConcordWriteBatch *batch);
GTask              *concord_write_batch_release   (ConcordWriteBatch *batch);
ConcordWriteResult *concord_write_batch_set_ok    (ConcordWriteBatch *batch,
                                                   guint              index,
                                                   ConcordRecord     *echo);
void                concord_write_batch_set_error (ConcordWriteBatch *batch,
                                                   guint              index,
                                                   const GError      *error);
void                concord_write_batch_fail      (ConcordWriteBatch *batch,
                                                   GError            *fatal);
guint               concord_write_batch_get_n_inputs (ConcordWriteBatch *batch);
gboolean            concord_write_batch_is_failed (ConcordWriteBatch *batch);
void                concord_write_batch_free      (ConcordWriteBatch *batch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordWriteBatch, concord_write_batch_free)

G_END_DECLS
