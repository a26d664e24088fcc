/* concord-test-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the tests of connectors and of the engine share: driving a
 * connector's or an engine's async calls from a test's main context.
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

/**
 * concord_test_add_account:
 *
 * Adds an account through @engine (the key goes to its secret store).
 *
 * Returns: (transfer full): the new account's id
 */
char *
concord_test_add_account (ConcordEngine *engine,
                          const char    *app_id,
                          const char    *name,
                          const char    *options_json,
                          const char    *key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  char *id;

  concord_engine_add_account_async (engine, app_id, name, options_json, key, NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  id = concord_engine_add_account_finish (engine, result, &error);
  g_assert_no_error (error);
  return id;
}

/**
 * concord_test_load_setup:
 *
 * Returns: (transfer full): the connection's setup as the store has it
 */
ConcordConnectionSetup *
concord_test_load_setup (ConcordEngine *engine,
                         gint64         connection_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ConcordConnectionSetup *setup;

  concord_engine_load_setup_async (engine, connection_id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  setup = concord_engine_load_setup_finish (engine, result, &error);
  g_assert_no_error (error);
  return setup;
}

/**
 * concord_test_remove_connection_and_accounts:
 *
 * Removes a connection, then its two accounts, so that a test leaves no
 * key in the session keyring.
 */
void
concord_test_remove_connection_and_accounts (ConcordEngine *engine,
                                             gint64         connection_id,
                                             const char    *account_a,
                                             const char    *account_b)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  concord_engine_remove_connection_async (engine, connection_id, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_engine_remove_connection_finish (engine, result, &error));
  g_assert_no_error (error);
  for (guint s = 0; s < 2; s++)
    {
      g_clear_object (&result);
      slot = NULL;
      concord_engine_remove_account_async (engine, s == 0 ? account_a : account_b, NULL,
                                           concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      g_assert_true (concord_engine_remove_account_finish (engine, result, &error));
      g_assert_no_error (error);
    }
}
