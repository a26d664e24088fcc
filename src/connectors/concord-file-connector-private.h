/* concord-file-connector-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-file-connector.h"

G_BEGIN_DECLS

/* For tests: the next save writes @n_bytes of the temporary file, then
 * fails as a full disk would. */
void _concord_file_connector_fail_next_save_after (ConcordFileConnector *self,
                                                   gsize                 n_bytes);

G_END_DECLS
