/* concord-test-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the tests of connectors share: driving a connector's async calls
 * from a test's main context.
 */

#include "config.h"

#include "concord-test-connector.h"
#include "concord-test-utils.h"

/**
 * concord_test_list_page:
 * @page_token: (nullable): the previous page's next_page; %NULL for the first
 *
 * One page of a full listing, waited for on the thread-default context.
 *
 * Returns: (transfer full) (nullable): the page, or %NULL with @error set
 */
ConcordPage *
concord_test_list_page (ConcordConnector  *connector,
                        const char        *contact_type,
                        const char        *page_token,
                        GError           **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_list_async (connector, contact_type, NULL, page_token, NULL,
                                concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_list_finish (connector, done, error);
}
