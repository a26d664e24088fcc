/* concord-test-connector.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"
#include "concord-engine.h"

G_BEGIN_DECLS

ConcordPage *concord_test_list_page (ConcordConnector  *connector,
                                     const char        *contact_type,
                                     const char        *page_token,
                                     GError           **error);

/* An engine's calls waited for on the thread-default context; each fails
 * the test on an error. */
char                   *concord_test_add_account (ConcordEngine *engine,
                                                  const char    *app_id,
                                                  const char    *name,
                                                  const char    *options_json,
                                                  const char    *key);
ConcordConnectionSetup *concord_test_load_setup  (ConcordEngine *engine,
                                                  gint64         connection_id);
void                    concord_test_remove_connection_and_accounts (ConcordEngine *engine,
                                                                     gint64         connection_id,
                                                                     const char    *account_a,
                                                                     const char    *account_b);

G_END_DECLS
