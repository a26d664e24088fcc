/* test-secret-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The secret store against the in-memory backend (always) and against the
 * real gnome-keyring of the test session (suite 'keyring'; skipped when no
 * unlocked keyring owns org.freedesktop.secrets, because activating one
 * would prompt for a password and hang).
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "concord-error.h"
#include "concord-secret-store.h"
#include "concord-test-utils.h"

typedef struct
{
  ConcordSecretStore *store;
  char               *account_id;
} Fixture;

static gboolean
store_secret (ConcordSecretStore  *store,
              const char          *account_id,
              const char          *secret,
              GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *pending = NULL;

  concord_secret_store_store_async (store, account_id, "elasticemail",
                                    "Concord test key", secret, NULL,
                                    concord_test_store_result_cb, &pending);
  result = concord_test_wait_for_result (&pending);
  return concord_secret_store_store_finish (store, result, error);
}

static char *
lookup_secret (ConcordSecretStore  *store,
               const char          *account_id,
               GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *pending = NULL;

  concord_secret_store_lookup_async (store, account_id, NULL,
                                     concord_test_store_result_cb, &pending);
  result = concord_test_wait_for_result (&pending);
  return concord_secret_store_lookup_finish (store, result, error);
}

static gboolean
clear_secret (ConcordSecretStore  *store,
              const char          *account_id,
              GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *pending = NULL;

  concord_secret_store_clear_async (store, account_id, NULL,
                                    concord_test_store_result_cb, &pending);
  result = concord_test_wait_for_result (&pending);
  return concord_secret_store_clear_finish (store, result, error);
}

static void
setup_memory (Fixture       *fixture,
              gconstpointer  data)
{
  fixture->store = concord_secret_store_new_in_memory ();
  fixture->account_id = g_strdup ("account-1");
}

static void
setup_keyring (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->store = concord_secret_store_new ();
  /* meson runs test programs in parallel against one keyring. */
  fixture->account_id = g_strdup_printf ("test-%d-%08x", (int) getpid (), g_random_int ());
}

static void
teardown (Fixture       *fixture,
          gconstpointer  data)
{
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->account_id, g_free);
}

static gboolean
keyring_available (void)
{
  if (concord_test_session_has_name ("org.freedesktop.secrets"))
    return TRUE;

  g_test_skip ("no unlocked keyring owns org.freedesktop.secrets in this session");
  return FALSE;
}

/* Store, look up, replace, clear, and the errors in between: the whole life
 * of an account's key. */
static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(ConcordSecretString) secret = NULL;
  g_auto(ConcordSecretString) replaced = NULL;
  g_auto(ConcordSecretString) other = NULL;
  g_autofree char *other_account = g_strconcat (fixture->account_id, "-other", NULL);

  if (data != NULL && !keyring_available ())
    return;

  /* Nothing stored yet: a clear "authorise again" error, not a crash. */
  secret = lookup_secret (fixture->store, fixture->account_id, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_REQUIRED);
  g_assert_null (secret);
  g_clear_error (&error);

  g_assert_true (store_secret (fixture->store, fixture->account_id, "s3cr3t-key-1", &error));
  g_assert_no_error (error);

  secret = lookup_secret (fixture->store, fixture->account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, "s3cr3t-key-1");

  /* Storing again replaces, it does not add a second item. */
  g_assert_true (store_secret (fixture->store, fixture->account_id, "s3cr3t-key-2", &error));
  g_assert_no_error (error);
  replaced = lookup_secret (fixture->store, fixture->account_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (replaced, ==, "s3cr3t-key-2");

  /* Accounts do not see each other's keys. */
  g_assert_true (store_secret (fixture->store, other_account, "other-key", &error));
  g_assert_no_error (error);
  other = lookup_secret (fixture->store, other_account, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (other, ==, "other-key");

  g_assert_true (clear_secret (fixture->store, fixture->account_id, &error));
  g_assert_no_error (error);
  g_assert_false (clear_secret (fixture->store, fixture->account_id, &error));
  g_assert_no_error (error);

  g_clear_pointer (&secret, concord_secret_free);
  secret = lookup_secret (fixture->store, fixture->account_id, &error);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_REQUIRED);
  g_assert_null (secret);
  /* The error names the account, never the key. */
  g_assert_nonnull (strstr (error->message, fixture->account_id));
  g_assert_null (strstr (error->message, "s3cr3t"));
  g_clear_error (&error);

  /* Removing one account leaves the other alone. */
  g_clear_pointer (&other, concord_secret_free);
  other = lookup_secret (fixture->store, other_account, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (other, ==, "other-key");
  g_assert_true (clear_secret (fixture->store, other_account, &error));
  g_assert_no_error (error);
}

/* The item really lives in the keyring under Concord's schema, with the
 * attributes other tools (seahorse, secret-tool) see. */
static void
test_keyring_schema (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  char *raw;

  if (!keyring_available ())
    return;

  g_assert_true (store_secret (fixture->store, fixture->account_id, "schema-key", &error));
  g_assert_no_error (error);

  raw = secret_password_lookup_sync (concord_secret_store_get_schema (), NULL, &error,
                                     "account-id", fixture->account_id,
                                     "connector", "elasticemail",
                                     NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (raw, ==, "schema-key");
  secret_password_free (raw);

  /* A lookup with the wrong connector attribute finds nothing. */
  raw = secret_password_lookup_sync (concord_secret_store_get_schema (), NULL, &error,
                                     "account-id", fixture->account_id,
                                     "connector", "hubspot",
                                     NULL);
  g_assert_no_error (error);
  g_assert_null (raw);

  g_assert_true (clear_secret (fixture->store, fixture->account_id, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/secret-store/memory/round-trip", Fixture, NULL,
              setup_memory, test_round_trip, teardown);
  g_test_add ("/concord/secret-store/keyring/round-trip", Fixture, GINT_TO_POINTER (1),
              setup_keyring, test_round_trip, teardown);
  g_test_add ("/concord/secret-store/keyring/schema", Fixture, NULL,
              setup_keyring, test_keyring_schema, teardown);

  return g_test_run ();
}
