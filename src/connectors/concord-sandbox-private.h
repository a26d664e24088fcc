/* concord-sandbox-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The custom fields and lists the sandbox's Elastic Email account has. */
extern const char * const _concord_sandbox_ee_custom_fields[];
extern const char * const _concord_sandbox_ee_lists[];

void _concord_sandbox_seed (guint32   seed,
                            char    **elasticemail_json,
                            char    **crm_json);

G_END_DECLS
