/* test-radicale-carddav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The CardDAV connector against a real Radicale (INFRA_DAV_URL, started by
 * .ci/run and tools/in-session.sh), with Elastic Email's mock as the
 * other side of whole sync runs through the store and the engine:
 * discovery, an initial two-way sync, a no-change run (one REPORT, no
 * multiget, no PUT), an edit and a deletion made on the server, a 412 from
 * a concurrent edit resolved without loss, an invalid token resynced
 * without duplicates.
 *
 * Each test makes its own address book (MKCOL /alice/<test>-<pid>-<n>/)
 * and deletes it at the end; the server edits come from the test itself,
 * as plain HTTP requests, as another client would send them.
 *
 * Paths: /concord/radicale-carddav/<case>.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "concord-connector-carddav-private.h"
#include "concord-connector-elasticemail.h"
#include "concord-error.h"
#include "concord-fields.h"
#include "concord-mock-elasticemail.h"
#include "concord-store.h"
#include "concord-sync-run.h"
#include "concord-test-utils.h"

#define EE_KEY  "radicale-ee-key-5c"
#define USER    "alice"

typedef struct
{
  gboolean                      ready;
  char                         *server;      /* INFRA_DAV_URL without the trailing '/' */
  char                         *password;
  char                         *book;        /* "/alice/<name>/" */
  SoupSession                  *session;
  ConcordMockElasticEmail      *ee;
  ConcordConnectorElasticEmail *a;
  ConcordConnectorCarddav      *b;
  ConcordStore                 *store;
  gint64                        connection_id;
  ConcordMapping               *mapping;
  ConcordSyncConfig             config;
} Fixture;

/* ---- plain HTTP to Radicale, as another client ------------------------- */

static guint
dav (Fixture     *f,
     const char  *method,
     const char  *path,
     const char  *body,
     const char  *content_type,
     const char  *if_match,
     char       **etag,
     char       **answer)
{
  g_autofree char *url = g_strconcat (f->server, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autofree char *pair = g_strconcat (USER, ":", f->password, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
  g_autofree char *auth = g_strconcat ("Basic ", encoded, NULL);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (msg);
  soup_message_headers_replace (headers, "Authorization", auth);
  if (if_match != NULL)
    soup_message_headers_replace (headers, "If-Match", if_match);
  if (g_str_equal (method, "PROPFIND"))
    soup_message_headers_replace (headers, "Depth", "1");
  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, content_type, request);
    }
  bytes = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  if (etag != NULL)
    *etag = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "ETag"));
  if (answer != NULL)
    *answer = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return soup_message_get_status (msg);
}

static char *
put_card (Fixture    *f,
          const char *name,
          const char *vcard,
          const char *if_match)
{
  g_autofree char *path = g_strconcat (f->book, name, NULL);
  char *etag = NULL;
  guint status = dav (f, "PUT", path, vcard, "text/vcard; charset=utf-8", if_match, &etag, NULL);

  g_assert_cmpuint (status, >=, 200);
  g_assert_cmpuint (status, <, 300);
  return etag;
}

static char *
get_card (Fixture    *f,
          const char *href)
{
  char *answer = NULL;
  guint status = dav (f, "GET", href, NULL, NULL, NULL, NULL, &answer);

  if (status == SOUP_STATUS_NOT_FOUND)
    {
      g_free (answer);
      return NULL;
    }
  g_assert_cmpuint (status, ==, 200);
  return answer;
}

/* The hrefs of the book's cards. */
static GPtrArray *
list_cards (Fixture *f)
{
  g_autofree char *answer = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("<(?:[A-Za-z0-9]+:)?href>([^<]+\\.vcf)</", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GPtrArray *hrefs = g_ptr_array_new_with_free_func (g_free);
  guint status;

  status = dav (f, "PROPFIND", f->book,
                "<?xml version=\"1.0\"?><propfind xmlns=\"DAV:\"><prop><getetag/></prop>"
                "</propfind>", "application/xml", NULL, NULL, &answer);
  g_assert_cmpuint (status, ==, 207);
  g_regex_match (regex, answer, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *href = g_match_info_fetch (match, 1);

      g_ptr_array_add (hrefs, g_uri_unescape_string (href, NULL));
      g_match_info_next (match, NULL);
    }
  return hrefs;
}

static guint
n_cards (Fixture *f)
{
  g_autoptr(GPtrArray) hrefs = list_cards (f);

  return hrefs->len;
}

/* The href of the card whose text holds @needle. */
static char *
find_card (Fixture    *f,
           const char *needle)
{
  g_autoptr(GPtrArray) hrefs = list_cards (f);
  char *found = NULL;

  for (guint i = 0; i < hrefs->len; i++)
    {
      g_autofree char *text = get_card (f, g_ptr_array_index (hrefs, i));

      if (g_test_verbose ())
        g_test_message ("%s: %s", (char *) g_ptr_array_index (hrefs, i), text);
      if (text != NULL && strstr (text, needle) != NULL)
        {
          g_assert_null (found);
          found = g_strdup (g_ptr_array_index (hrefs, i));
        }
    }
  return found;
}

/* ---- fixture ------------------------------------------------------------ */

static GPtrArray *
load_schema (ConcordConnector *connector,
             const char       *type)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *schema;

  concord_connector_load_schema_async (connector, type, NULL, concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  schema = concord_connector_load_schema_finish (connector, result, &error);
  g_assert_no_error (error);
  return schema;
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  static guint counter;
  const char *url = g_getenv ("INFRA_DAV_URL");
  const char *password = g_getenv ("INFRA_DAV_PASS");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "state.sqlite", NULL);
  g_autofree char *name = NULL;
  g_autofree char *book_url = NULL;
  g_autoptr(GPtrArray) schema_a = NULL;
  g_autoptr(GPtrArray) schema_b = NULL;
  ConcordConnectionRow row = {
    .name = (char *) "dav", .account_a = (char *) "a", .type_a = (char *) "contacts",
    .account_b = (char *) "b", .enabled = TRUE,
  };
  guint status;

  if (url == NULL || *url == '\0')
    {
      g_test_fail_printf ("INFRA_DAV_URL is not set: these tests need the Radicale that "
                          ".ci/run (or tools/in-session.sh) starts");
      return;
    }

  f->server = g_strdup (url);
  while (g_str_has_suffix (f->server, "/"))
    f->server[strlen (f->server) - 1] = '\0';
  f->password = g_strdup (password != NULL ? password : "secret");
  f->session = soup_session_new ();

  name = g_strdup_printf ("concord-test-%d-%u", (int) getpid (), ++counter);
  f->book = g_strdup_printf ("/%s/%s/", USER, name);
  status = dav (f, "MKCOL", f->book,
                "<?xml version=\"1.0\"?><D:mkcol xmlns:D=\"DAV:\" "
                "xmlns:C=\"urn:ietf:params:xml:ns:carddav\"><D:set><D:prop><D:resourcetype>"
                "<D:collection/><C:addressbook/></D:resourcetype>"
                "<D:displayname>Test Book</D:displayname></D:prop></D:set></D:mkcol>",
                "application/xml", NULL, NULL, NULL);
  g_assert_cmpuint (status, ==, 201);

  f->ee = concord_mock_elasticemail_new (EE_KEY, 0, &error);
  g_assert_no_error (error);
  f->a = concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (f->ee),
                                             EE_KEY);
  concord_connector_elasticemail_set_retry_base_ms (f->a, 1);
  book_url = g_strconcat (f->server, f->book, NULL);
  f->b = concord_connector_carddav_new (book_url, USER, f->password, "GB", &error);
  g_assert_no_error (error);
  _concord_connector_carddav_set_retry_base_ms (f->b, 1);

  f->store = concord_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_true (concord_store_add_account (f->store, "a", "elasticemail", "A", NULL, &error));
  g_assert_true (concord_store_add_account (f->store, "b", "carddav", "B", NULL, &error));
  row.type_b = f->book;
  f->connection_id = concord_store_add_connection (f->store, &row, &error);
  g_assert_no_error (error);

  schema_a = load_schema (CONCORD_CONNECTOR (f->a), "contacts");
  schema_b = load_schema (CONCORD_CONNECTOR (f->b), f->book);
  f->mapping = concord_mapping_new_default (schema_a, schema_b);
  concord_sync_config_init (&f->config, f->mapping);
  f->ready = TRUE;
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  if (f->book != NULL && f->session != NULL)
    dav (f, "DELETE", f->book, NULL, NULL, NULL, NULL, NULL);
  if (f->ready)
    concord_sync_config_clear (&f->config);
  g_clear_pointer (&f->mapping, concord_mapping_unref);
  g_clear_object (&f->store);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  g_clear_object (&f->ee);
  g_clear_object (&f->session);
  g_free (f->server);
  g_free (f->password);
  g_free (f->book);
}

static void
run (Fixture           *f,
     ConcordRunSummary *summary)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_sync_run (f->store, f->connection_id, &f->config,
                                   CONCORD_CONNECTOR (f->a), "contacts",
                                   CONCORD_CONNECTOR (f->b), f->book,
                                   NULL, NULL, summary, &error));
  g_assert_no_error (error);
  if (g_test_verbose ())
    {
      g_autofree char *json = concord_run_summary_to_json (summary);
      ConcordRunOptions options = { .dry_run = TRUE };
      ConcordRunSummary dry = { 0, };

      g_test_message ("run: %s", json);
      concord_sync_run (f->store, f->connection_id, &f->config, CONCORD_CONNECTOR (f->a),
                        "contacts", CONCORD_CONNECTOR (f->b), f->book, &options, NULL, &dry,
                        NULL);
      g_test_message ("plan: %s", dry.plan_text);
      concord_run_summary_clear (&dry);
    }
}

static void
put_ee (Fixture    *f,
        const char *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (concord_mock_elasticemail_put_contact_json (f->ee, json, &error));
  g_assert_no_error (error);
}

static char *
ee_member (Fixture    *f,
           const char *email,
           const char *name)
{
  g_autofree char *json = concord_mock_elasticemail_get_contact_json (f->ee, email);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;
  object = json_node_get_object (json_parser_get_root (parser));
  return json_object_has_member (object, name) && !json_object_get_null_member (object, name)
         ? g_strdup (json_object_get_string_member (object, name)) : NULL;
}

static guint
count (Fixture    *f,
       const char *label)
{
  return _concord_connector_carddav_count_requests (f->b, label);
}

#define BO_CARD \
  "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bo-1\r\nFN:Bo Berg\r\nN:Berg;Bo;;;\r\n" \
  "EMAIL;TYPE=INTERNET:bo@example.com\r\nX-CUSTOM-THING;X-PARAM=1:kept as is\r\n" \
  "item1.X-ABLabel:Kept\r\nEND:VCARD\r\n"

/* ---- tests -------------------------------------------------------------- */

/* From the server's root: well-known → principal → home → books. A wrong
 * password says so. */
static void
test_discovery (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ConcordConnectorCarddav) root = NULL;
  g_autoptr(ConcordConnectorCarddav) wrong = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root_url = NULL;
  GAsyncResult *slot = NULL;
  gboolean found = FALSE;

  if (!f->ready)
    return;

  root_url = g_strconcat (f->server, "/", NULL);
  root = concord_connector_carddav_new (root_url, USER, f->password, NULL, &error);
  g_assert_no_error (error);
  concord_connector_list_contact_types_async (CONCORD_CONNECTOR (root), NULL,
                                              concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  types = concord_connector_list_contact_types_finish (CONCORD_CONNECTOR (root), result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < types->len; i++)
    {
      ConcordContactType *type = g_ptr_array_index (types, i);

      if (g_strcmp0 (type->id, f->book) == 0)
        {
          g_assert_cmpstr (type->label, ==, "Test Book");
          found = TRUE;
        }
    }
  g_assert_true (found);
  g_assert_cmpuint (_concord_connector_carddav_count_requests (root, "PROPFIND"), >=, 2);

  /* The book's own address is a book. */
  g_clear_object (&result);
  concord_connector_verify_async (CONCORD_CONNECTOR (f->b), NULL, concord_test_store_result_cb,
                                  &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_true (concord_connector_verify_finish (CONCORD_CONNECTOR (f->b), result, &error));
  g_assert_no_error (error);

  wrong = concord_connector_carddav_new (root_url, USER, "not-the-password", NULL, &error);
  g_assert_no_error (error);
  _concord_connector_carddav_set_retry_base_ms (wrong, 1);
  g_clear_object (&result);
  concord_connector_verify_async (CONCORD_CONNECTOR (wrong), NULL, concord_test_store_result_cb,
                                  &slot);
  result = concord_test_wait_for_result (&slot);
  g_assert_false (concord_connector_verify_finish (CONCORD_CONNECTOR (wrong), result, &error));
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
  g_assert_null (strstr (error->message, "not-the-password"));
}

/* Both ways at once; then a run with no change is one REPORT: no
 * multiget, no PUT. */
static void
test_initial_and_quiet (Fixture       *f,
                        gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, quiet = { 0, };
  g_autofree char *etag = NULL;
  g_autofree char *ann = NULL;
  g_autofree char *ann_text = NULL;
  g_autofree char *bo_first = NULL;
  guint puts, multigets, reports;

  if (!f->ready)
    return;

  put_ee (f, "{\"Email\":\"ann@example.com\",\"FirstName\":\"Ann\",\"LastName\":\"Lee\","
             "\"Status\":\"Active\"}");
  etag = put_card (f, "bo.vcf", BO_CARD, NULL);

  run (f, &first);
  g_assert_cmpuint (first.created[0], ==, 1);
  g_assert_cmpuint (first.created[1], ==, 1);
  g_assert_cmpuint (first.failed[0] + first.failed[1], ==, 0);

  bo_first = ee_member (f, "bo@example.com", "FirstName");
  g_assert_cmpstr (bo_first, ==, "Bo");
  ann = find_card (f, "ann@example.com");
  g_assert_nonnull (ann);
  ann_text = get_card (f, ann);
  g_assert_nonnull (strstr (ann_text, "Lee"));
  g_assert_nonnull (strstr (ann_text, "UID:"));
  g_assert_cmpuint (n_cards (f), ==, 2);

  puts = count (f, "PUT");
  multigets = count (f, "REPORT addressbook-multiget");
  reports = count (f, "REPORT sync-collection");
  run (f, &quiet);
  g_assert_cmpuint (count (f, "PUT"), ==, puts);
  g_assert_cmpuint (count (f, "REPORT addressbook-multiget"), ==, multigets);
  g_assert_cmpuint (count (f, "REPORT sync-collection"), ==, reports + 1);
  g_assert_cmpuint (quiet.created[0] + quiet.created[1] + quiet.updated[0] + quiet.updated[1],
                    ==, 0);

  concord_run_summary_clear (&first);
  concord_run_summary_clear (&quiet);
}

/* An edit made on the server reaches Elastic Email, and an edit made in
 * Elastic Email reaches the card with its unknown properties byte for
 * byte; a deletion on the server undoes the pair (nothing is deleted in
 * Elastic Email). */
static void
test_server_edit_and_delete (Fixture       *f,
                             gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, edited = { 0, }, back = { 0, }, deleted = { 0, };
  g_autofree char *etag = NULL;
  g_autofree char *etag2 = NULL;
  g_autofree char *last = NULL;
  g_autofree char *text = NULL;
  g_autofree char *bo_href = NULL;
  g_autofree char *ann = NULL;
  guint links;

  if (!f->ready)
    return;

  put_ee (f, "{\"Email\":\"ann@example.com\",\"FirstName\":\"Ann\",\"Status\":\"Active\"}");
  etag = put_card (f, "bo.vcf", BO_CARD, NULL);
  run (f, &first);
  links = concord_store_count_links (f->store, f->connection_id, NULL);
  g_assert_cmpuint (links, ==, 2);

  /* Another client edits Bo's name on the server. */
  bo_href = g_strconcat (f->book, "bo.vcf", NULL);
  text = get_card (f, bo_href);
  {
    g_autoptr(GString) edit = g_string_new (text);

    g_string_replace (edit, "N:Berg;Bo;;;", "N:Bergman;Bo;;;", 1);
    g_string_replace (edit, "FN:Bo Berg", "FN:Bo Bergman", 1);
    etag2 = put_card (f, "bo.vcf", edit->str, NULL);
  }
  run (f, &edited);
  last = ee_member (f, "bo@example.com", "LastName");
  g_assert_cmpstr (last, ==, "Bergman");

  /* Elastic Email edits Bo: the card keeps what Concord does not map. */
  put_ee (f, "{\"Email\":\"bo@example.com\",\"FirstName\":\"Bob\",\"LastName\":\"Bergman\","
             "\"Status\":\"Active\"}");
  run (f, &back);
  g_free (text);
  text = get_card (f, bo_href);
  g_assert_nonnull (strstr (text, "Bob"));
  g_assert_nonnull (strstr (text, "X-CUSTOM-THING;X-PARAM=1:kept as is"));
  /* Radicale (vobject) writes property names in capitals itself. */
  {
    g_autofree char *lower = g_ascii_strdown (text, -1);

    g_assert_nonnull (strstr (lower, "item1.x-ablabel:kept"));
  }

  /* Another client deletes Ann's card. */
  ann = find_card (f, "ann@example.com");
  g_assert_nonnull (ann);
  g_assert_cmpuint (dav (f, "DELETE", ann, NULL, NULL, NULL, NULL, NULL), <, 300);
  run (f, &deleted);
  g_assert_cmpuint (deleted.unlinked, ==, 1);
  g_assert_cmpuint (concord_store_count_links (f->store, f->connection_id, NULL), ==, links - 1);
  {
    g_autofree char *json = concord_mock_elasticemail_get_contact_json (f->ee, "ann@example.com");

    g_assert_nonnull (json);
  }

  concord_run_summary_clear (&first);
  concord_run_summary_clear (&edited);
  concord_run_summary_clear (&back);
  concord_run_summary_clear (&deleted);
}

static GPtrArray *
update (Fixture             *f,
        ConcordRecordChange *change)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (
    (GDestroyNotify) concord_record_change_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *results;

  g_ptr_array_add (changes, change);
  concord_connector_update_async (CONCORD_CONNECTOR (f->b), f->book, changes, NULL,
                                  concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  results = concord_connector_update_finish (CONCORD_CONNECTOR (f->b), result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return results;
}

static void
list_all (Fixture *f)
{
  g_autofree char *page_token = NULL;

  do
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(ConcordPage) page = NULL;
      g_autoptr(GError) error = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_list_async (CONCORD_CONNECTOR (f->b), f->book, NULL, page_token, NULL,
                                    concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      page = concord_connector_list_finish (CONCORD_CONNECTOR (f->b), result, &error);
      g_assert_no_error (error);
      g_free (page_token);
      page_token = g_steal_pointer (&page->next_page);
    }
  while (page_token != NULL);
}

/* The card changes on the server between the connector's read and its
 * write: the PUT's If-Match fails (412); a change to another field is
 * applied onto the server's card (both edits survive); a change to the same
 * field is left for the next run's merge, never written blind. */
static void
test_concurrent_edit (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *href = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) results = NULL;
  ConcordRecord *set;
  ConcordWriteResult *result;
  guint puts;

  if (!f->ready)
    return;

  g_free (put_card (f, "cy.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:cy-1\r\nFN:Cy Dahl\r\n"
                                 "N:Dahl;Cy;;;\r\nEMAIL:cy@example.com\r\nTITLE:Engineer\r\n"
                                 "END:VCARD\r\n", NULL));
  href = g_strconcat (f->book, "cy.vcf", NULL);
  list_all (f);   /* the connector has read the card */

  /* Another client changes the title. */
  text = get_card (f, href);
  {
    g_autoptr(GString) edit = g_string_new (text);

    g_string_replace (edit, "TITLE:Engineer", "TITLE:Chief Engineer", 1);
    etag = put_card (f, "cy.vcf", edit->str, NULL);
  }

  /* Concord changes the last name, from the card as it read it. */
  puts = count (f, "PUT");
  set = concord_record_new (NULL);
  concord_record_set_text (set, CONCORD_FIELD_LAST_NAME, CONCORD_FIELD_TYPE_STRING, "Dahlberg");
  results = update (f, concord_record_change_new (href, set, NULL));
  concord_record_unref (set);
  result = g_ptr_array_index (results, 0);
  g_assert_no_error (result->error);
  g_assert_cmpuint (count (f, "PUT"), ==, puts + 2);  /* the 412, then the merged one */
  g_free (text);
  text = get_card (f, href);
  g_assert_nonnull (strstr (text, "Dahlberg"));
  g_assert_nonnull (strstr (text, "Chief Engineer"));

  /* Now both change the title: the server's stays, the change waits. */
  g_clear_pointer (&results, g_ptr_array_unref);
  {
    g_autoptr(GString) edit = g_string_new (text);

    g_string_replace (edit, "TITLE:Chief Engineer", "TITLE:CTO", 1);
    g_free (put_card (f, "cy.vcf", edit->str, NULL));
  }
  set = concord_record_new (NULL);
  concord_record_set_text (set, CONCORD_FIELD_JOB_TITLE, CONCORD_FIELD_TYPE_STRING, "Architect");
  results = update (f, concord_record_change_new (href, set, NULL));
  concord_record_unref (set);
  result = g_ptr_array_index (results, 0);
  g_assert_error (result->error, CONCORD_ERROR, CONCORD_ERROR_CONFLICT);
  g_free (text);
  text = get_card (f, href);
  g_assert_nonnull (strstr (text, "TITLE:CTO"));
  g_assert_null (strstr (text, "Architect"));
  g_assert_nonnull (strstr (text, "Dahlberg"));
}

/* A token the server no longer knows (403 valid-sync-token): a full
 * listing, and no contact twice on either side. */
static void
test_invalid_token (Fixture       *f,
                    gconstpointer  data)
{
  ConcordRunSummary first = { 0, }, again = { 0, };
  g_autoptr(GError) error = NULL;
  guint links;
  guint cards;
  guint ee;

  if (!f->ready)
    return;

  put_ee (f, "{\"Email\":\"di@example.com\",\"FirstName\":\"Di\",\"Status\":\"Active\"}");
  g_free (put_card (f, "bo.vcf", BO_CARD, NULL));
  run (f, &first);
  links = concord_store_count_links (f->store, f->connection_id, NULL);
  cards = n_cards (f);
  ee = concord_mock_elasticemail_get_n_contacts (f->ee);
  g_assert_cmpuint (links, ==, 2);

  g_assert_true (concord_store_set_cursor (f->store, f->connection_id, CONCORD_SIDE_B,
                                           "http://radicale.org/ns/sync/not-a-token", &error));
  g_assert_no_error (error);
  run (f, &again);
  g_assert_cmpuint (again.listed[1], ==, 2);
  g_assert_cmpuint (again.created[0] + again.created[1], ==, 0);
  g_assert_cmpuint (again.unlinked, ==, 0);
  g_assert_cmpuint (concord_store_count_links (f->store, f->connection_id, NULL), ==, links);
  g_assert_cmpuint (n_cards (f), ==, cards);
  g_assert_cmpuint (concord_mock_elasticemail_get_n_contacts (f->ee), ==, ee);
  {
    g_autofree char *cursor = concord_store_get_cursor (f->store, f->connection_id,
                                                        CONCORD_SIDE_B, &error);

    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (cursor, "http://radicale.org/ns/sync/"));
    g_assert_cmpstr (cursor, !=, "http://radicale.org/ns/sync/not-a-token");
  }

  concord_run_summary_clear (&first);
  concord_run_summary_clear (&again);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  concord_test_init (&argc, &argv);

  g_test_add ("/concord/radicale-carddav/discovery", Fixture, NULL, setup,
              test_discovery, teardown);
  g_test_add ("/concord/radicale-carddav/initial-and-quiet", Fixture, NULL, setup,
              test_initial_and_quiet, teardown);
  g_test_add ("/concord/radicale-carddav/server-edit-and-delete", Fixture, NULL, setup,
              test_server_edit_and_delete, teardown);
  g_test_add ("/concord/radicale-carddav/concurrent-edit", Fixture, NULL, setup,
              test_concurrent_edit, teardown);
  g_test_add ("/concord/radicale-carddav/invalid-token", Fixture, NULL, setup,
              test_invalid_token, teardown);

  return g_test_run ();
}
