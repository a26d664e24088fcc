/* concord-engine-rules.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-engine.h"
#include "concord-filter.h"
#include "concord-types.h"

G_BEGIN_DECLS

/* How many contacts the sample of concord_engine_count_matching_finish()
 * holds at most. */
#define CONCORD_COUNT_SAMPLE_SIZE 5

/* How long a side's listing is reused for counting, in seconds. */
#define CONCORD_COUNT_CACHE_SECONDS 60

void     concord_engine_count_matching_async  (ConcordEngine        *self,
                                               gint64                connection_id,
                                               ConcordSide           side,
                                               ConcordFilter        *filter,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
void     concord_engine_count_matching_in_async (ConcordEngine      *self,
                                               const char           *account_id,
                                               const char           *type,
                                               ConcordFilter        *filter,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean concord_engine_count_matching_finish (ConcordEngine        *self,
                                               GAsyncResult         *result,
                                               guint                *n_matching,
                                               guint                *n_total,
                                               GStrv                *sample,
                                               GError              **error);

/* How many distinct values concord_engine_list_values_finish() gives at most. */
#define CONCORD_LIST_VALUES_MAX 500

void     concord_engine_list_values_async     (ConcordEngine        *self,
                                               gint64                connection_id,
                                               ConcordSide           side,
                                               const char           *field,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GStrv    concord_engine_list_values_finish    (ConcordEngine        *self,
                                               GAsyncResult         *result,
                                               GError              **error);

G_END_DECLS
