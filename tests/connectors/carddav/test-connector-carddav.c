/* test-connector-carddav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The CardDAV connector against its mock (src/connectors/carddav/mock/):
 * discovery, listing in pages with the sync token, tombstones, 507
 * truncation (continued, and an endless chain stopped), a lost token,
 * conditional writes and the 412 merge, retries, credentials kept on
 * their origin, and the hostile answers: entity bomb, deep nesting,
 * invalid UTF-8 and huge cards (refused alone, never the whole book);
 * same-origin redirects of the listing followed (bounded), a multiget
 * answer too large split down to the one card, and the whole-answer
 * deadline.
 *
 * Paths: /concord/connector-carddav/<case>.
 */

#include "config.h"

#include <string.h>

#include "concord-connector-carddav-private.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-http-client.h"
#include "concord-memory-connector.h"
#include "concord-mock-carddav.h"
#include "concord-planner.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-utils.h"

#define PASSWORD "carddav-test-pass-81f3"
#define BOOK     CONCORD_MOCK_CARDDAV_BOOK

typedef struct
{
  ConcordMockCarddav      *mock;
  ConcordMockServer       *server;
  ConcordConnectorCarddav *connector;
} Fixture;

typedef struct
{
  GPtrArray *records;   /* (element-type ConcordRecord) */
  GPtrArray *deleted;   /* (element-type utf8) */
  GPtrArray *refused;   /* (element-type utf8) "id: reason" */
  char      *cursor;
  gboolean   complete;
  guint      pages;
  GError    *error;
} Listing;

static void
listing_clear (Listing *listing)
{
  g_clear_pointer (&listing->records, g_ptr_array_unref);
  g_clear_pointer (&listing->deleted, g_ptr_array_unref);
  g_clear_pointer (&listing->refused, g_ptr_array_unref);
  g_clear_pointer (&listing->cursor, g_free);
  g_clear_error (&listing->error);
}

static ConcordConnectorCarddav *
make_connector (Fixture    *f,
                const char *path,
                const char *password)
{
  g_autofree char *url = g_strconcat (concord_mock_server_get_origin (f->server), path, NULL);
  g_autoptr(GError) error = NULL;
  ConcordConnectorCarddav *connector;

  connector = concord_connector_carddav_new (url, CONCORD_MOCK_CARDDAV_USER, password, "GB",
                                             &error);
  g_assert_no_error (error);
  _concord_connector_carddav_set_retry_base_ms (connector, 1);
  return connector;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->mock = concord_mock_carddav_new (PASSWORD, 0, &error);
  g_assert_no_error (error);
  f->server = concord_mock_carddav_get_server (f->mock);
  f->connector = make_connector (f, BOOK, PASSWORD);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_clear_object (&f->connector);
  g_clear_object (&f->mock);
}

static guint
count (Fixture    *f,
       const char *label)
{
  return _concord_connector_carddav_count_requests (f->connector, label);
}

/* Lists every page from @cursor; stops at the first error. */
static void
list (Fixture    *f,
      const char *cursor,
      Listing    *out)
{
  g_autofree char *page_token = NULL;

  memset (out, 0, sizeof *out);
  out->records = g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
  out->deleted = g_ptr_array_new_with_free_func (g_free);
  out->refused = g_ptr_array_new_with_free_func (g_free);
  do
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(ConcordPage) page = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_list_async (CONCORD_CONNECTOR (f->connector), BOOK, cursor, page_token,
                                    NULL, concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      page = concord_connector_list_finish (CONCORD_CONNECTOR (f->connector), result,
                                            &out->error);
      if (page == NULL)
        return;
      out->pages++;
      g_assert_cmpuint (page->records->len, <=,
                        concord_connector_get_page_size (CONCORD_CONNECTOR (f->connector)));
      for (guint i = 0; i < page->records->len; i++)
        g_ptr_array_add (out->records, concord_record_ref (g_ptr_array_index (page->records, i)));
      for (guint i = 0; i < page->deleted->len; i++)
        g_ptr_array_add (out->deleted, g_strdup (g_ptr_array_index (page->deleted, i)));
      for (guint i = 0; i < page->refused->len; i++)
        {
          ConcordRefusal *refusal = g_ptr_array_index (page->refused, i);

          g_ptr_array_add (out->refused, g_strdup_printf ("%s: %s", refusal->id, refusal->reason));
        }
      g_free (page_token);
      page_token = g_steal_pointer (&page->next_page);
      if (page_token == NULL)
        {
          out->cursor = g_steal_pointer (&page->cursor);
          out->complete = page->complete;
        }
    }
  while (page_token != NULL);
}

static char *
card (const char *uid,
      const char *first,
      const char *last,
      const char *email,
      const char *extra)
{
  return g_strdup_printf ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s %s\r\nN:%s;%s;;;\r\n"
                          "EMAIL;TYPE=INTERNET:%s\r\n%sEND:VCARD\r\n",
                          uid, first, last, last, first, email, extra != NULL ? extra : "");
}

static void
put (Fixture    *f,
     const char *name,
     const char *uid,
     const char *first,
     const char *last,
     const char *email,
     const char *extra)
{
  g_autofree char *text = card (uid, first, last, email, extra);

  g_free (concord_mock_carddav_put_card (f->mock, name, text));
}

/* ---- discovery ---------------------------------------------------------- */

static void
test_discovery (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ConcordConnectorCarddav) root = make_connector (f, "/", PASSWORD);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  ConcordContactType *type;

  concord_connector_list_contact_types_async (CONCORD_CONNECTOR (root), NULL,
                                              concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  types = concord_connector_list_contact_types_finish (CONCORD_CONNECTOR (root), result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (types->len, ==, 1);
  type = g_ptr_array_index (types, 0);
  g_assert_cmpstr (type->id, ==, BOOK);
  g_assert_cmpstr (type->label, ==, "Contacts");
  /* A person names the book by its id, its name in any case, its path
   * with or without the last '/', or the last part of its path. */
  {
    g_autofree char *bare = g_strndup (BOOK, strlen (BOOK) - 1);
    g_autofree char *last = g_strdup (strrchr (bare, '/') + 1);
    g_autofree char *other = g_strconcat (bare, "-other/", NULL);
    const char *refused[] = { "", "/", "Contact", "contacts/x", "\xff\xfe", "/nobody/contacts/" };

    g_assert_true (concord_connector_type_matches (CONCORD_CONNECTOR (root), type, BOOK));
    g_assert_true (concord_connector_type_matches (CONCORD_CONNECTOR (root), type, "CONTACTS"));
    g_assert_true (concord_connector_type_matches (CONCORD_CONNECTOR (root), type, bare));
    g_assert_true (concord_connector_type_matches (CONCORD_CONNECTOR (root), type, last));
    g_assert_false (concord_connector_type_matches (CONCORD_CONNECTOR (root), type, other));
    for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
      g_assert_false (concord_connector_type_matches (CONCORD_CONNECTOR (root), type, refused[i]));
  }
  /* well-known (301), the root, the principal, the home. */
  g_assert_cmpuint (_concord_connector_carddav_count_requests (root, "PROPFIND"), ==, 4);

  /* The book's own address. */
  g_clear_object (&result);
  concord_connector_verify_async (CONCORD_CONNECTOR (f->connector), NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_connector_verify_finish (CONCORD_CONNECTOR (f->connector), result,
                                                  &error));
  g_assert_no_error (error);
}

static void
test_auth_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ConcordConnectorCarddav) wrong = make_connector (f, "/", "not-" PASSWORD);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  concord_connector_verify_async (CONCORD_CONNECTOR (wrong), NULL, concord_test_store_result_cb,
                                  &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_false (concord_connector_verify_finish (CONCORD_CONNECTOR (wrong), result, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_null (strstr (error->message, PASSWORD));
}

static void
on_other_cb (ConcordMockRequest *request,
             gpointer            user_data)
{
  concord_mock_request_respond (request, 207, "application/xml",
                                g_strdup ("<multistatus xmlns=\"DAV:\"/>"));
}

/* A redirect to another origin: an error, and the password never goes
 * there; the well-known redirect to another origin too. */
static void
test_cross_origin_redirect (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(ConcordConnectorCarddav) root = make_connector (f, "/", PASSWORD);
  g_autoptr(ConcordMockServer) other = NULL;
  g_autoptr(GError) error = NULL;
  Listing listing;

  other = concord_mock_server_new ("carddav-other-origin", 0, &error);
  g_assert_no_error (error);
  concord_mock_server_add_route (other, NULL, "/", on_other_cb, NULL, NULL);
  concord_mock_server_set_redirect_target (f->server, concord_mock_server_get_origin (other));
  concord_mock_server_fail_route (f->server, NULL, "/", 1, 10, CONCORD_MOCK_FAULT_REDIRECT, 0);

  list (f, NULL, &listing);
  g_assert_error (listing.error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
  /* The message names where it went and why it was not followed. */
  g_assert_nonnull (strstr (listing.error->message, concord_mock_server_get_origin (other)));
  g_assert_nonnull (strstr (listing.error->message, "did not follow"));
  g_assert_null (strstr (listing.error->message, PASSWORD));
  listing_clear (&listing);
  g_assert_cmpuint (concord_mock_server_get_n_requests (other), ==, 0);
  g_assert_cmpuint (concord_mock_server_count_header (other, "Authorization", NULL), ==, 0);

  concord_mock_server_clear_faults (f->server);
  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_CROSS_ORIGIN);
  {
    g_autoptr(GAsyncResult) result = NULL;
    GAsyncResult *slot = NULL;

    concord_connector_verify_async (CONCORD_CONNECTOR (root), NULL,
                                    concord_test_store_result_cb, &slot);
    result = concord_test_wait_for_result (&slot);
    g_assert_false (concord_connector_verify_finish (CONCORD_CONNECTOR (root), result, &error));
    g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
  }
}

/* The book's REPORTs (and the PROPFIND fallback) redirected on the same
 * server: followed with the same method and body, the listing whole; a
 * permanent redirect is remembered for the rest of the run. */
static void
test_same_origin_redirect (Fixture       *f,
                           gconstpointer  data)
{
  static const struct { guint status; guint syncs; guint multigets; } cases[] = {
    { 301, 2, 3 }, { 302, 2, 6 }, { 307, 2, 6 }, { 308, 2, 3 },
  };

  concord_mock_carddav_generate (f->mock, 250, 11);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Listing listing;

      g_clear_object (&f->connector);
      f->connector = make_connector (f, BOOK, PASSWORD);
      concord_mock_carddav_set_book_redirect (f->mock, cases[i].status);
      /* Etags only in the REPORT: the multigets are redirected too. */
      concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_SYNC_NO_DATA);
      list (f, NULL, &listing);
      g_assert_no_error (listing.error);
      g_assert_cmpuint (listing.records->len, ==, 250);
      g_assert_true (listing.complete);
      g_assert_true (g_str_has_prefix (
        concord_record_get_remote_id (g_ptr_array_index (listing.records, 0)), BOOK));
      g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, cases[i].syncs);
      g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), ==, cases[i].multigets);
      listing_clear (&listing);
    }

  /* The cards in the REPORT itself: one redirect, no multiget. */
  {
    Listing listing;

    g_clear_object (&f->connector);
    f->connector = make_connector (f, BOOK, PASSWORD);
    concord_mock_carddav_set_book_redirect (f->mock, 307);
    concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_NONE);
    list (f, NULL, &listing);
    g_assert_no_error (listing.error);
    g_assert_cmpuint (listing.records->len, ==, 250);
    g_assert_true (listing.complete);
    g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, 2);
    g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), ==, 0);
    listing_clear (&listing);
  }

  /* A server without sync-collection: the PROPFIND fallback (its ctag
   * first, then every etag) follows too. */
  {
    Listing listing;

    g_clear_object (&f->connector);
    f->connector = make_connector (f, BOOK, PASSWORD);
    concord_mock_carddav_set_book_redirect (f->mock, 307);
    concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_NO_SYNC);
    list (f, "ctag:old", &listing);
    g_assert_no_error (listing.error);
    g_assert_cmpuint (listing.records->len, ==, 250);
    g_assert_true (g_str_has_prefix (listing.cursor, "ctag:"));
    /* Depth 0 (redirected, then followed), then Depth 1 at the target. */
    g_assert_cmpuint (count (f, "PROPFIND"), ==, 3);
    g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, 0);
    listing_clear (&listing);
  }
}

/* A redirect loop on the same server: stopped after a few hops, with a
 * message that says so. */
static void
test_redirect_loop (Fixture       *f,
                    gconstpointer  data)
{
  Listing listing;

  concord_mock_carddav_generate (f->mock, 3, 12);
  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_REDIRECT_LOOP);
  list (f, NULL, &listing);
  g_assert_error (listing.error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (listing.error->message, "redirected the address book more than"));
  g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, 6);
  listing_clear (&listing);
}

/* ---- listing ------------------------------------------------------------ */

/* 250 cards: one REPORT that brings the cards with their etags (no
 * multiget), served in pages of at most 100; a second listing with the
 * token is one REPORT and nothing else. */
static void
test_pages_and_token (Fixture       *f,
                      gconstpointer  data)
{
  Listing first, quiet;

  concord_mock_carddav_generate (f->mock, 250, 7);
  list (f, NULL, &first);
  g_assert_no_error (first.error);
  g_assert_cmpuint (first.records->len, ==, 250);
  g_assert_true (first.complete);
  g_assert_nonnull (first.cursor);
  g_assert_cmpuint (first.pages, ==, 3);
  g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, 1);
  g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), ==, 0);
  {
    ConcordRecord *record = g_ptr_array_index (first.records, 0);

    g_assert_true (g_str_has_prefix (concord_record_get_remote_id (record), BOOK));
    g_assert_nonnull (concord_record_get_version (record));
    g_assert_nonnull (concord_record_get_email (record));
  }

  list (f, first.cursor, &quiet);
  g_assert_no_error (quiet.error);
  g_assert_cmpuint (quiet.records->len, ==, 0);
  g_assert_cmpuint (quiet.pages, ==, 1);
  g_assert_false (quiet.complete);
  g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, 2);
  g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), ==, 0);

  listing_clear (&first);
  listing_clear (&quiet);
}

/* A server that gives etags only in sync-collection (asked for the cards
 * or not): multigets of at most 100 bring them, and the listing is the
 * same. */
static void
test_pages_etags_only (Fixture       *f,
                       gconstpointer  data)
{
  Listing first;

  concord_mock_carddav_generate (f->mock, 250, 7);
  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_SYNC_NO_DATA);
  list (f, NULL, &first);
  g_assert_no_error (first.error);
  g_assert_cmpuint (first.records->len, ==, 250);
  g_assert_true (first.complete);
  g_assert_cmpuint (first.pages, ==, 3);
  g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, 1);
  g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), ==, 3);
  listing_clear (&first);
}

/* The cards do not fit in one answer (the answer limit, lowered here to
 * what 250 cards with their etags exceed): the REPORT is asked again for
 * etags only, and multigets bring the cards. Nothing is lost. */
static void
test_inline_too_large (Fixture       *f,
                       gconstpointer  data)
{
  Listing first;

  concord_mock_carddav_generate (f->mock, 250, 7);
  _concord_connector_carddav_set_max_answer_bytes (f->connector, 96 * 1024);
  list (f, NULL, &first);
  g_assert_no_error (first.error);
  g_assert_cmpuint (first.records->len, ==, 250);
  g_assert_true (first.complete);
  g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, 2);
  g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), ==, 3);
  listing_clear (&first);
}

/* An edit and a deletion on the server: the edit listed, the deletion a
 * tombstone in ConcordPage.deleted. */
static void
test_incremental_changes (Fixture       *f,
                          gconstpointer  data)
{
  Listing first, later;

  put (f, "ada.vcf", "ada", "Ada", "Lovelace", "ada@example.com", NULL);
  put (f, "grace.vcf", "grace", "Grace", "Hopper", "grace@example.com", NULL);
  list (f, NULL, &first);
  g_assert_no_error (first.error);
  g_assert_cmpuint (first.records->len, ==, 2);

  put (f, "ada.vcf", "ada", "Ada", "King", "ada@example.com", NULL);
  g_assert_true (concord_mock_carddav_delete_card (f->mock, BOOK "grace.vcf"));
  list (f, first.cursor, &later);
  g_assert_no_error (later.error);
  g_assert_cmpuint (later.records->len, ==, 1);
  g_assert_cmpstr (concord_record_get_text (g_ptr_array_index (later.records, 0),
                                            CONCORD_FIELD_LAST_NAME), ==, "King");
  g_assert_cmpuint (later.deleted->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (later.deleted, 0), ==, BOOK "grace.vcf");
  g_assert_false (later.complete);
  g_assert_cmpstr (later.cursor, !=, first.cursor);

  listing_clear (&first);
  listing_clear (&later);
}

/* 507: the REPORT goes again with the token it returned, until the end. */
static void
test_truncated_continued (Fixture       *f,
                          gconstpointer  data)
{
  Listing listing;

  concord_mock_carddav_generate (f->mock, 100, 3);
  concord_mock_carddav_set_sync_limit (f->mock, 30);
  list (f, NULL, &listing);
  g_assert_no_error (listing.error);
  g_assert_cmpuint (listing.records->len, ==, 100);
  g_assert_true (listing.complete);
  g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, 4);
  listing_clear (&listing);
}

/* A server that truncates for ever is stopped. */
static void
test_endless_507 (Fixture       *f,
                  gconstpointer  data)
{
  Listing listing;

  concord_mock_carddav_generate (f->mock, 3, 1);
  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_ENDLESS_507);
  list (f, NULL, &listing);
  g_assert_error (listing.error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
  g_assert_cmpuint (count (f, "REPORT sync-collection"), <=, 1001);
  listing_clear (&listing);
}

/* A token the server lost (403 valid-sync-token): everything again, as a
 * complete listing. */
static void
test_token_lost (Fixture       *f,
                 gconstpointer  data)
{
  Listing first, again;

  concord_mock_carddav_generate (f->mock, 5, 2);
  list (f, NULL, &first);
  g_assert_no_error (first.error);
  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_TOKENS_LOST);
  list (f, first.cursor, &again);
  g_assert_no_error (again.error);
  g_assert_cmpuint (again.records->len, ==, 5);
  g_assert_true (again.complete);
  g_assert_nonnull (again.cursor);
  g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, 3);
  listing_clear (&first);
  listing_clear (&again);
}

/* A server without sync-collection: a PROPFIND of every etag, complete,
 * with the ctag as cursor; the next listing asks the ctag alone when the
 * book did not change, every etag again when it did. */
static void
test_no_sync_collection (Fixture       *f,
                         gconstpointer  data)
{
  Listing first, quiet, changed;

  concord_mock_carddav_generate (f->mock, 5, 8);
  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_NO_SYNC);
  list (f, NULL, &first);
  g_assert_no_error (first.error);
  g_assert_cmpuint (first.records->len, ==, 5);
  g_assert_true (first.complete);
  g_assert_true (g_str_has_prefix (first.cursor, "ctag:"));

  concord_mock_server_reset_log (f->server);
  list (f, first.cursor, &quiet);
  g_assert_no_error (quiet.error);
  g_assert_cmpuint (quiet.records->len, ==, 0);
  g_assert_false (quiet.complete);
  g_assert_cmpstr (quiet.cursor, ==, first.cursor);
  g_assert_cmpuint (concord_mock_server_get_n_requests (f->server), ==, 1);

  put (f, "late.vcf", "late", "Lee", "Late", "late@example.com", NULL);
  list (f, quiet.cursor, &changed);
  g_assert_no_error (changed.error);
  g_assert_cmpuint (changed.records->len, ==, 6);
  g_assert_true (changed.complete);
  g_assert_cmpstr (changed.cursor, !=, first.cursor);

  listing_clear (&first);
  listing_clear (&quiet);
  listing_clear (&changed);
}

/* A 500, then a 429: retried, and the listing succeeds (the third
 * request, the REPORT, brings the cards). */
static void
test_retried (Fixture       *f,
              gconstpointer  data)
{
  Listing listing;

  concord_mock_carddav_generate (f->mock, 3, 4);
  concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_500, 0);
  concord_mock_server_fail_request (f->server, 2, CONCORD_MOCK_FAULT_429, 0);
  list (f, NULL, &listing);
  g_assert_no_error (listing.error);
  g_assert_cmpuint (listing.records->len, ==, 3);
  g_assert_cmpuint (concord_mock_server_get_n_requests (f->server), ==, 3);
  listing_clear (&listing);
}

/* ---- hostile answers ---------------------------------------------------- */

static void
test_entity_bomb (Fixture       *f,
                  gconstpointer  data)
{
  Listing listing;

  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_ENTITY_BOMB);
  list (f, NULL, &listing);
  g_assert_error (listing.error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
  listing_clear (&listing);
}

static void
test_deep_nesting (Fixture       *f,
                   gconstpointer  data)
{
  Listing listing;

  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_DEEP_NESTING);
  list (f, NULL, &listing);
  g_assert_error (listing.error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  listing_clear (&listing);
}

static void
test_truncated_answer (Fixture       *f,
                       gconstpointer  data)
{
  Listing listing;

  concord_mock_carddav_generate (f->mock, 3, 5);
  concord_mock_server_fail_route (f->server, "REPORT", "/", 1, 10, CONCORD_MOCK_FAULT_TRUNCATE,
                                  0);
  list (f, NULL, &listing);
  g_assert_error (listing.error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  listing_clear (&listing);
}

/* A card that is not UTF-8, or too large, is left out on its own, named
 * with why in the page's refused (the engine shows it in the activity);
 * the listing then does not claim to be complete. */
static void
test_bad_cards_alone (Fixture       *f,
                      gconstpointer  data)
{
  Listing listing;
  const ConcordMockCarddavFault faults[] = {
    CONCORD_MOCK_CARDDAV_INVALID_UTF8, CONCORD_MOCK_CARDDAV_HUGE_CARD,
  };
  const char *reasons[] = { "not valid UTF-8", "larger than" };

  concord_mock_carddav_generate (f->mock, 5, 6);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_clear_object (&f->connector);
      f->connector = make_connector (f, BOOK, PASSWORD);
      concord_mock_carddav_set_fault (f->mock, faults[i]);
      list (f, NULL, &listing);
      g_assert_no_error (listing.error);
      g_assert_cmpuint (listing.records->len, ==, 4);
      g_assert_false (listing.complete);
      g_assert_cmpuint (listing.refused->len, ==, 1);
      g_test_message ("refused: %s", (char *) listing.refused->pdata[0]);
      g_assert_true (g_str_has_prefix (listing.refused->pdata[0], BOOK));
      g_assert_nonnull (strstr (listing.refused->pdata[0], ".vcf: "));
      g_assert_nonnull (strstr (listing.refused->pdata[0], reasons[i]));
      listing_clear (&listing);
    }
}

/* A whole sync with a bad card in the book (the mock's card that is not
 * UTF-8): the other cards reach the other side, and the activity has one
 * row naming the app, the card's href and why. */
static void
test_bad_card_in_activity (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "state.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordStore) store = NULL;
  g_autoptr(ConcordMemoryConnector) other = concord_memory_connector_new ("other",
                                                                         CONCORD_CONNECTOR_NONE);
  g_autoptr(GPtrArray) journal = NULL;
  g_autofree char *expected = NULL;
  ConcordMapping *mapping = concord_mapping_new ();
  ConcordSyncConfig config;
  ConcordRunSummary summary;
  ConcordConnectionRow row = {
    .name = (char *) "dav", .account_a = (char *) "a", .type_a = (char *) BOOK,
    .account_b = (char *) "b", .type_b = (char *) "contacts", .enabled = TRUE,
  };
  const char *keys[] = { CONCORD_FIELD_EMAIL, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_LAST_NAME };
  const ConcordFieldType types[] = { CONCORD_FIELD_TYPE_EMAIL, CONCORD_FIELD_TYPE_STRING,
                                     CONCORD_FIELD_TYPE_STRING };
  gint64 connection_id;
  guint rows = 0;

  store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (store, "a", "carddav", "Cards", NULL, &error));
  g_assert_true (concord_store_add_account (store, "b", "memory", "Other", NULL, &error));
  connection_id = concord_store_add_connection (store, &row, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    concord_mapping_add (mapping, keys[i], types[i], keys[i], types[i], CONCORD_PAIR_FLOW_BOTH);
  concord_sync_config_init (&config, mapping);

  concord_mock_carddav_generate (f->mock, 5, 6);
  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_INVALID_UTF8);
  g_assert_true (concord_sync_run (store, connection_id, &config,
                                   CONCORD_CONNECTOR (f->connector), BOOK,
                                   CONCORD_CONNECTOR (other), "contacts",
                                   NULL, NULL, &summary, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (concord_memory_connector_get_n_records (other), ==, 4);

  expected = g_strdup_printf ("%s could not read “%smock-6-0.vcf”: the card is not valid UTF-8",
                              concord_connector_get_app_name (CONCORD_CONNECTOR (f->connector)),
                              BOOK);
  journal = concord_store_list_journal (store, connection_id, summary.run_id, 0, NULL);
  for (guint i = 0; i < journal->len; i++)
    {
      ConcordJournalRow *journal_row = g_ptr_array_index (journal, i);

      if (g_strcmp0 (journal_row->code, CONCORD_SKIP_BAD_RECORD) != 0)
        continue;
      g_test_message ("%s", journal_row->error);
      g_assert_true (g_str_has_prefix (journal_row->error, expected));
      g_assert_cmpstr (journal_row->code_side, ==, "a");
      rows++;
    }
  g_assert_cmpuint (rows, ==, 1);

  concord_run_summary_clear (&summary);
  concord_sync_config_clear (&config);
  concord_mapping_unref (mapping);
}

/* One card too large for a multiget answer: the batch is halved until the
 * card is alone, which is left out; every other card is listed, and the
 * listing does not claim to be complete (its absence deletes nothing). */
static void
test_oversized_card (Fixture       *f,
                     gconstpointer  data)
{
  Listing listing;

  concord_mock_carddav_generate (f->mock, 250, 13);
  put (f, "huge.vcf", "huge", "Huge", "Card", "huge@example.com", NULL);
  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_ONE_HUGE_CARD);
  _concord_connector_carddav_set_max_answer_bytes (f->connector, 1024 * 1024);
  list (f, NULL, &listing);
  g_assert_no_error (listing.error);
  g_assert_cmpuint (listing.records->len, ==, 250);
  g_assert_false (listing.complete);
  g_assert_cmpuint (listing.deleted->len, ==, 0);
  for (guint i = 0; i < listing.records->len; i++)
    g_assert_null (strstr (concord_record_get_remote_id (g_ptr_array_index (listing.records, i)),
                           "huge"));
  /* Named, with why, for the activity. */
  g_assert_cmpuint (listing.refused->len, ==, 1);
  g_test_message ("refused: %s", (char *) listing.refused->pdata[0]);
  g_assert_true (g_str_has_suffix (listing.refused->pdata[0],
                                   "huge.vcf: even alone, the server's answer for the card is too "
                                   "large to read"));
  /* 3 batches; the one with the card: 1 + 2 per halving (100 → 1: 7). */
  g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), <=, 3 + 2 * 7);
  g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), >, 3);
  listing_clear (&listing);

  /* Every card too large (each answer's first card): each page stops
   * after a bounded number of answers too large, with an error that says
   * so. */
  g_clear_object (&f->connector);
  f->connector = make_connector (f, BOOK, PASSWORD);
  concord_mock_carddav_set_fault (f->mock, CONCORD_MOCK_CARDDAV_HUGE_CARD);
  _concord_connector_carddav_set_max_answer_bytes (f->connector, 1024 * 1024);
  list (f, NULL, &listing);
  g_assert_error (listing.error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE);
  g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), <=, 17);
  listing_clear (&listing);
}

/* An answer that does not end in time: the attempt is cancelled at the
 * client's deadline and retried; one that never ends fails with a message
 * saying how long it waited. */
static void
test_deadline (Fixture       *f,
               gconstpointer  data)
{
  Listing listing;

  concord_mock_carddav_generate (f->mock, 3, 14);
  _concord_connector_carddav_set_deadline_ms (f->connector, 300);
  concord_mock_server_fail_route (f->server, "REPORT", "/", 1, 1, CONCORD_MOCK_FAULT_SLOW, 3);
  list (f, NULL, &listing);
  g_assert_no_error (listing.error);
  g_assert_cmpuint (listing.records->len, ==, 3);
  listing_clear (&listing);

  g_clear_object (&f->connector);
  f->connector = make_connector (f, BOOK, PASSWORD);
  _concord_connector_carddav_set_deadline_ms (f->connector, 300);
  concord_mock_server_fail_route (f->server, "REPORT", "/", 1, 100, CONCORD_MOCK_FAULT_SLOW, 3);
  list (f, NULL, &listing);
  g_assert_error (listing.error, CONCORD_ERROR, CONCORD_ERROR_NETWORK);
  g_assert_nonnull (strstr (listing.error->message, "took longer than 0.3 s"));
  listing_clear (&listing);
}

/* ---- writes ------------------------------------------------------------- */

static GPtrArray *
write_call (Fixture   *f,
            guint      kind,
            GPtrArray *inputs)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *results;

  if (kind == 0)
    concord_connector_create_async (CONCORD_CONNECTOR (f->connector), BOOK, inputs, NULL,
                                    concord_test_store_result_cb, &slot);
  else if (kind == 1)
    concord_connector_update_async (CONCORD_CONNECTOR (f->connector), BOOK, inputs, NULL,
                                    concord_test_store_result_cb, &slot);
  else
    concord_connector_delete_async (CONCORD_CONNECTOR (f->connector), BOOK,
                                    (const char * const *) inputs->pdata, NULL,
                                    concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  if (kind == 0)
    results = concord_connector_create_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  else if (kind == 1)
    results = concord_connector_update_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  else
    results = concord_connector_delete_finish (CONCORD_CONNECTOR (f->connector), result, &error);
  g_assert_no_error (error);
  return results;
}

static ConcordRecordChange *
change_text (const char *href,
             const char *key,
             const char *value)
{
  g_autoptr(ConcordRecord) set = concord_record_new (NULL);

  concord_record_set_text (set, key, CONCORD_FIELD_TYPE_STRING, value);
  return concord_record_change_new (href, set, NULL);
}

static void
test_writes (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (
    (GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (
    (GDestroyNotify) concord_record_change_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *href = NULL;
  g_autofree char *text = NULL;
  ConcordWriteResult *result;

  /* Create two. */
  for (guint i = 0; i < 2; i++)
    {
      ConcordRecord *record = concord_record_new (NULL);
      g_autofree char *email = g_strdup_printf ("new%u@example.com", i);

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
      concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, "New");
      g_ptr_array_add (records, record);
    }
  results = write_call (f, 0, records);
  g_assert_cmpuint (results->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      result = g_ptr_array_index (results, i);
      g_assert_no_error (result->error);
      g_assert_true (g_str_has_prefix (concord_record_get_remote_id (result->record), BOOK));
      g_assert_true (g_str_has_suffix (concord_record_get_remote_id (result->record), ".vcf"));
      g_assert_nonnull (concord_record_get_version (result->record));
    }
  g_assert_cmpuint (concord_mock_carddav_get_n_cards (f->mock), ==, 2);
  g_assert_cmpuint (concord_mock_server_count_header (f->server, "If-None-Match", "*"), ==, 2);
  result = g_ptr_array_index (results, 0);
  href = g_strdup (concord_record_get_remote_id (result->record));
  text = concord_mock_carddav_get_card (f->mock, href);
  g_assert_nonnull (strstr (text, "new0@example.com"));
  g_assert_nonnull (strstr (text, "UID:"));
  g_clear_pointer (&results, g_ptr_array_unref);

  /* Update it (the card as written, with its etag). */
  g_ptr_array_add (changes, change_text (href, CONCORD_FIELD_LAST_NAME, "Newer"));
  results = write_call (f, 1, changes);
  result = g_ptr_array_index (results, 0);
  g_assert_no_error (result->error);
  g_free (text);
  text = concord_mock_carddav_get_card (f->mock, href);
  g_assert_nonnull (strstr (text, "Newer"));
  g_assert_cmpuint (concord_mock_server_count_header (f->server, "If-Match", NULL), ==, 1);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* Delete the other; deleting one already gone is no error. */
  g_ptr_array_add (ids, g_strdup (href));
  g_ptr_array_add (ids, g_strdup (BOOK "never-there.vcf"));
  g_ptr_array_add (ids, NULL);
  results = write_call (f, 2, ids);
  g_assert_cmpuint (results->len, ==, 2);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 1))->error);
  g_assert_cmpuint (concord_mock_carddav_get_n_cards (f->mock), ==, 1);
}

/* The card changed on the server since it was read: a change to another
 * field is applied onto the server's card; to the same field it waits. An
 * update of a card never read reads it first. Unknown properties stay. */
static void
test_412_merge (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (
    (GDestroyNotify) concord_record_change_free);
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *text = NULL;
  Listing listing;

  put (f, "cy.vcf", "cy", "Cy", "Dahl", "cy@example.com",
       "TITLE:Engineer\r\nX-KEEP;X-A=1:as is\r\n");
  list (f, NULL, &listing);
  listing_clear (&listing);

  /* Another client: the title. */
  put (f, "cy.vcf", "cy", "Cy", "Dahl", "cy@example.com",
       "TITLE:Chief Engineer\r\nX-KEEP;X-A=1:as is\r\n");
  g_ptr_array_add (changes, change_text (BOOK "cy.vcf", CONCORD_FIELD_LAST_NAME, "Dahlberg"));
  results = write_call (f, 1, changes);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  text = concord_mock_carddav_get_card (f->mock, BOOK "cy.vcf");
  g_assert_nonnull (strstr (text, "Dahlberg"));
  g_assert_nonnull (strstr (text, "Chief Engineer"));
  g_assert_nonnull (strstr (text, "X-KEEP;X-A=1:as is"));
  g_assert_cmpuint (count (f, "PUT"), ==, 2);
  g_clear_pointer (&results, g_ptr_array_unref);

  /* Another client changes the title again; so does Concord. */
  g_free (text);
  text = concord_mock_carddav_get_card (f->mock, BOOK "cy.vcf");
  {
    g_autoptr(GString) edit = g_string_new (text);

    g_string_replace (edit, "TITLE:Chief Engineer", "TITLE:CTO", 1);
    g_free (concord_mock_carddav_put_card (f->mock, "cy.vcf", edit->str));
  }
  g_ptr_array_set_size (changes, 0);
  g_ptr_array_add (changes, change_text (BOOK "cy.vcf", CONCORD_FIELD_JOB_TITLE, "Architect"));
  results = write_call (f, 1, changes);
  g_assert_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error, CONCORD_ERROR,
                  CONCORD_ERROR_CONFLICT);
  g_free (text);
  text = concord_mock_carddav_get_card (f->mock, BOOK "cy.vcf");
  g_assert_nonnull (strstr (text, "TITLE:CTO"));
  g_assert_null (strstr (text, "Architect"));
  g_clear_pointer (&results, g_ptr_array_unref);

  /* A card this connector never read: read, then changed. */
  put (f, "dee.vcf", "dee", "Dee", "Eck", "dee@example.com", NULL);
  g_ptr_array_set_size (changes, 0);
  g_ptr_array_add (changes, change_text (BOOK "dee.vcf", CONCORD_FIELD_FIRST_NAME, "Deirdre"));
  results = write_call (f, 1, changes);
  g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error);
  g_free (text);
  text = concord_mock_carddav_get_card (f->mock, BOOK "dee.vcf");
  g_assert_nonnull (strstr (text, "Deirdre"));
}

/* A deletion from a stale read (the card changed since): not deleted. */
static void
test_delete_stale (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) results = NULL;
  Listing listing;

  put (f, "eve.vcf", "eve", "Eve", "Fox", "eve@example.com", NULL);
  list (f, NULL, &listing);
  listing_clear (&listing);
  put (f, "eve.vcf", "eve", "Eve", "Fox", "eve@example.com", "NOTE:changed\r\n");

  g_ptr_array_add (ids, g_strdup (BOOK "eve.vcf"));
  g_ptr_array_add (ids, g_strdup ("/dav/elsewhere/x.vcf"));
  g_ptr_array_add (ids, NULL);
  results = write_call (f, 2, ids);
  g_assert_error (((ConcordWriteResult *) g_ptr_array_index (results, 0))->error, CONCORD_ERROR,
                  CONCORD_ERROR_CONFLICT);
  g_assert_error (((ConcordWriteResult *) g_ptr_array_index (results, 1))->error, CONCORD_ERROR,
                  CONCORD_ERROR_NOT_FOUND);
  g_assert_cmpuint (concord_mock_carddav_get_n_cards (f->mock), ==, 1);
}

/* Several PUTs at once, within the client's limit. */
static void
test_writes_in_flight (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (
    (GDestroyNotify) concord_record_unref);
  g_autoptr(GPtrArray) results = NULL;

  for (guint i = 0; i < 12; i++)
    {
      ConcordRecord *record = concord_record_new (NULL);
      g_autofree char *email = g_strdup_printf ("flight%u@example.com", i);

      concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
      g_ptr_array_add (records, record);
    }
  concord_mock_server_reset_max_in_flight (f->server);
  concord_mock_server_fail_route (f->server, "PUT", "/", 1, 12, CONCORD_MOCK_FAULT_SLOW, 1);
  results = write_call (f, 0, records);
  for (guint i = 0; i < results->len; i++)
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, i))->error);
  g_assert_cmpuint (concord_mock_carddav_get_n_cards (f->mock), ==, 12);
  g_assert_cmpuint (concord_mock_server_get_max_in_flight (f->server), >=, 2);
  g_assert_cmpuint (concord_mock_server_get_max_in_flight (f->server), <=,
                    CONCORD_HTTP_DEFAULT_MAX_IN_FLIGHT);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

#define ADD(name, func) \
  g_test_add ("/concord/connector-carddav/" name, Fixture, NULL, setup, func, teardown)
  ADD ("discovery", test_discovery);
  ADD ("auth-refused", test_auth_refused);
  ADD ("cross-origin-redirect", test_cross_origin_redirect);
  ADD ("same-origin-redirect", test_same_origin_redirect);
  ADD ("redirect-loop", test_redirect_loop);
  ADD ("pages-and-token", test_pages_and_token);
  ADD ("pages-etags-only", test_pages_etags_only);
  ADD ("inline-too-large", test_inline_too_large);
  ADD ("incremental-changes", test_incremental_changes);
  ADD ("truncated-continued", test_truncated_continued);
  ADD ("endless-507", test_endless_507);
  ADD ("token-lost", test_token_lost);
  ADD ("no-sync-collection", test_no_sync_collection);
  ADD ("retried", test_retried);
  ADD ("hostile/entity-bomb", test_entity_bomb);
  ADD ("hostile/deep-nesting", test_deep_nesting);
  ADD ("hostile/truncated-answer", test_truncated_answer);
  ADD ("hostile/bad-cards-alone", test_bad_cards_alone);
  ADD ("hostile/bad-card-in-activity", test_bad_card_in_activity);
  ADD ("hostile/oversized-card", test_oversized_card);
  ADD ("hostile/deadline", test_deadline);
  ADD ("writes", test_writes);
  ADD ("412-merge", test_412_merge);
  ADD ("delete-stale", test_delete_stale);
  ADD ("writes-in-flight", test_writes_in_flight);
#undef ADD

  return g_test_run ();
}
