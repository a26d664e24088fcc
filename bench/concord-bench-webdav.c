/* concord-bench-webdav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Which HTTP stack the CardDAV connector uses: Evolution Data Server's
 * EWebDAVSession (libedataserver, synchronous) against the platform's
 * ConcordHttpClient (async, on the caller's main context), on the same
 * job against a real Radicale: discovery from the server's root, one
 * sync-collection REPORT over a book of N cards, and addressbook-multiget
 * REPORTs of 100 cards until every card is read; then, for Concord, the
 * no-change listing with the token.
 *
 * The Concord side is the whole connector: its multigets also turn every
 * card into a record (concord-vcard), which EDS's side does not do, so the
 * comparison favours EDS.
 *
 * Needs INFRA_DAV_URL (and INFRA_DAV_USER, INFRA_DAV_PASS) as .ci/run and
 * tools/in-session.sh set them. Usage:
 *
 *   concord-bench-webdav [--n N] [--rounds R]
 *
 * Prints `bench-webdav phase=<name> stack=<eds|concord> n=<cards> wall_s=<s>
 * requests=<n>` per phase and round, and the best of R rounds.
 */

#include "config.h"

#include <string.h>

#include <glib.h>
/* EDS's headers still name GTimeVal. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libedataserver/libedataserver.h>
G_GNUC_END_IGNORE_DEPRECATIONS
#include <libsoup/soup.h>

#include "concord-connector-carddav-private.h"
#include "concord-test-utils.h"

#define MULTIGET 100

typedef struct
{
  char        *server;    /* without the trailing '/' */
  char        *user;
  char        *password;
  char        *book;      /* "/alice/bench-webdav-<pid>/" */
  SoupSession *session;
} Bench;

static guint
raw (Bench       *b,
     const char  *method,
     const char  *path,
     GBytes      *body,
     const char  *content_type)
{
  g_autofree char *url = g_strconcat (b->server, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autofree char *pair = g_strconcat (b->user, ":", b->password, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
  g_autofree char *auth = g_strconcat ("Basic ", encoded, NULL);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  answer = soup_session_send_and_read (b->session, msg, NULL, &error);
  if (answer == NULL)
    g_error ("%s %s: %s", method, path, error->message);
  return soup_message_get_status (msg);
}

/* One PUT of the whole book: Radicale makes the address book from it. */
static void
seed (Bench *b,
      guint  n)
{
  GString *all = g_string_new (NULL);
  g_autoptr(GBytes) body = NULL;
  guint status;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (all,
      "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bench-%06u\r\nFN:Person %06u\r\n"
      "N:%06u;Person;;;\r\nEMAIL;TYPE=INTERNET:person%06u@example.com\r\n"
      "TEL;TYPE=CELL:+44 20 7946 %04u\r\nORG:Example Ltd\r\nNOTE:Seeded for the benchmark\r\n"
      "END:VCARD\r\n", i, i, i, i, i % 10000);
  body = g_string_free_to_bytes (all);
  status = raw (b, "PUT", b->book, body, "text/vcard; charset=utf-8");
  if (status < 200 || status >= 300)
    g_error ("seeding the book: HTTP %u", status);
}

/* ---- Evolution Data Server ---------------------------------------------- */

typedef struct
{
  GPtrArray *hrefs;
  guint      cards;
} EdsState;

static gboolean
on_eds_sync_cb (EWebDAVSession *webdav,
                xmlNode        *prop_node,
                const GUri     *request_uri,
                const gchar    *href,
                guint           status_code,
                gpointer        user_data)
{
  EdsState *state = user_data;

  if (href != NULL && status_code == SOUP_STATUS_OK && g_str_has_suffix (href, ".vcf"))
    {
      g_autoptr(GUri) uri = g_uri_parse (href, G_URI_FLAGS_ENCODED, NULL);

      g_ptr_array_add (state->hrefs, g_strdup (uri != NULL ? g_uri_get_path (uri) : href));
    }
  return TRUE;
}

static gboolean
on_eds_multiget_cb (EWebDAVSession *webdav,
                    xmlNode        *prop_node,
                    const GUri     *request_uri,
                    const gchar    *href,
                    guint           status_code,
                    gpointer        user_data)
{
  EdsState *state = user_data;

  if (status_code == SOUP_STATUS_OK &&
      e_xml_find_child_and_get_text (prop_node, E_WEBDAV_NS_CARDDAV, "address-data") != NULL)
    state->cards++;
  return TRUE;
}

static void
bench_eds (Bench *b,
           guint  n)
{
  g_autoptr(ESource) source = NULL;
  g_autoptr(EWebDAVSession) session = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *book_url = g_strconcat (b->server, b->book, NULL);
  g_autofree char *root_url = g_strconcat (b->server, "/", NULL);
  ENamedParameters *credentials = e_named_parameters_new ();
  ESourceWebdav *webdav;
  ESourceAuthentication *auth;
  GSList *discovered = NULL;
  EdsState state = { g_ptr_array_new_with_free_func (g_free), 0 };
  gint64 start;
  guint requests = 0;

  e_named_parameters_set (credentials, E_SOURCE_CREDENTIAL_USERNAME, b->user);
  e_named_parameters_set (credentials, E_SOURCE_CREDENTIAL_PASSWORD, b->password);

  source = e_source_new (NULL, NULL, &error);
  g_assert_no_error (error);
  uri = g_uri_parse (root_url, G_URI_FLAGS_ENCODED, &error);
  g_assert_no_error (error);
  webdav = e_source_get_extension (source, E_SOURCE_EXTENSION_WEBDAV_BACKEND);
  e_source_webdav_set_uri (webdav, uri);
  auth = e_source_get_extension (source, E_SOURCE_EXTENSION_AUTHENTICATION);
  e_source_authentication_set_host (auth, g_uri_get_host (uri));
  e_source_authentication_set_port (auth, g_uri_get_port (uri));
  e_source_authentication_set_user (auth, b->user);

  /* Discovery from the root, as Evolution's account setup does it. */
  start = g_get_monotonic_time ();
  if (!e_webdav_discover_sources_sync (source, NULL, E_WEBDAV_DISCOVER_SUPPORTS_CONTACTS,
                                       credentials, NULL, NULL, &discovered, NULL, NULL,
                                       &error))
    g_error ("EDS discovery: %s", error->message);
  g_print ("bench-webdav phase=discovery stack=eds n=%u wall_s=%.3f books=%u\n", n,
           (g_get_monotonic_time () - start) / 1e6, g_slist_length (discovered));
  e_webdav_discover_free_discovered_sources (discovered);

  g_clear_pointer (&uri, g_uri_unref);
  uri = g_uri_parse (book_url, G_URI_FLAGS_ENCODED, &error);
  e_source_webdav_set_uri (webdav, uri);
  session = e_webdav_session_new (source);
  e_soup_session_set_credentials (E_SOUP_SESSION (session), credentials);

  /* The first sync: one sync-collection, then multigets of 100. */
  start = g_get_monotonic_time ();
  {
    g_autoptr(EXmlDocument) xml = e_xml_document_new (E_WEBDAV_NS_DAV, "sync-collection");

    e_xml_document_add_empty_element (xml, E_WEBDAV_NS_DAV, "sync-token");
    e_xml_document_start_text_element (xml, E_WEBDAV_NS_DAV, "sync-level");
    e_xml_document_write_string (xml, "1");
    e_xml_document_end_element (xml);
    e_xml_document_start_element (xml, E_WEBDAV_NS_DAV, "prop");
    e_xml_document_add_empty_element (xml, E_WEBDAV_NS_DAV, "getetag");
    e_xml_document_end_element (xml);
    if (!e_webdav_session_report_sync (session, book_url, E_WEBDAV_DEPTH_THIS, xml,
                                       on_eds_sync_cb, &state, NULL, NULL, NULL, &error))
      g_error ("EDS sync-collection: %s", error->message);
    requests++;
  }
  for (guint i = 0; i < state.hrefs->len; i += MULTIGET)
    {
      g_autoptr(EXmlDocument) xml = e_xml_document_new (E_WEBDAV_NS_CARDDAV,
                                                        "addressbook-multiget");

      e_xml_document_add_namespaces (xml, "D", E_WEBDAV_NS_DAV, NULL);
      e_xml_document_start_element (xml, E_WEBDAV_NS_DAV, "prop");
      e_xml_document_add_empty_element (xml, E_WEBDAV_NS_DAV, "getetag");
      e_xml_document_add_empty_element (xml, E_WEBDAV_NS_CARDDAV, "address-data");
      e_xml_document_end_element (xml);
      for (guint j = i; j < MIN (i + MULTIGET, state.hrefs->len); j++)
        {
          e_xml_document_start_text_element (xml, E_WEBDAV_NS_DAV, "href");
          e_xml_document_write_string (xml, g_ptr_array_index (state.hrefs, j));
          e_xml_document_end_element (xml);
        }
      if (!e_webdav_session_report_sync (session, book_url, E_WEBDAV_DEPTH_THIS_AND_CHILDREN,
                                         xml, on_eds_multiget_cb, &state, NULL, NULL, NULL,
                                         &error))
        g_error ("EDS multiget: %s", error->message);
      requests++;
    }
  g_print ("bench-webdav phase=first-sync stack=eds n=%u wall_s=%.3f requests=%u cards=%u\n", n,
           (g_get_monotonic_time () - start) / 1e6, requests, state.cards);

  g_ptr_array_unref (state.hrefs);
  e_named_parameters_free (credentials);
}

/* ---- Concord ------------------------------------------------------------ */

static char *
list_all (ConcordConnectorCarddav *connector,
          const char              *book,
          const char              *cursor,
          guint                   *n_records)
{
  g_autofree char *page_token = NULL;
  char *next_cursor = NULL;

  *n_records = 0;
  do
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(ConcordPage) page = NULL;
      g_autoptr(GError) error = NULL;
      GAsyncResult *slot = NULL;

      concord_connector_list_async (CONCORD_CONNECTOR (connector), book, cursor, page_token,
                                    NULL, concord_test_store_result_cb, &slot);
      result = concord_test_wait_for_result (&slot);
      page = concord_connector_list_finish (CONCORD_CONNECTOR (connector), result, &error);
      if (page == NULL)
        g_error ("Concord listing: %s", error->message);
      *n_records += page->records->len;
      g_free (page_token);
      page_token = g_steal_pointer (&page->next_page);
      if (page_token == NULL)
        next_cursor = g_steal_pointer (&page->cursor);
    }
  while (page_token != NULL);

  return next_cursor;
}

static void
bench_concord (Bench *b,
               guint  n)
{
  g_autofree char *root_url = g_strconcat (b->server, "/", NULL);
  g_autoptr(ConcordConnectorCarddav) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cursor = NULL;
  g_autofree char *again = NULL;
  GAsyncResult *slot = NULL;
  guint records = 0;
  guint reports;
  gint64 start;

  connector = concord_connector_carddav_new (root_url, b->user, b->password, "GB", &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  concord_connector_list_contact_types_async (CONCORD_CONNECTOR (connector), NULL,
                                              concord_test_store_result_cb, &slot);
  result = concord_test_wait_for_result (&slot);
  types = concord_connector_list_contact_types_finish (CONCORD_CONNECTOR (connector), result,
                                                       &error);
  if (types == NULL)
    g_error ("Concord discovery: %s", error->message);
  g_print ("bench-webdav phase=discovery stack=concord n=%u wall_s=%.3f books=%u\n", n,
           (g_get_monotonic_time () - start) / 1e6, types->len);

  start = g_get_monotonic_time ();
  cursor = list_all (connector, b->book, NULL, &records);
  reports = _concord_connector_carddav_count_requests (connector, "REPORT sync-collection") +
            _concord_connector_carddav_count_requests (connector, "REPORT addressbook-multiget");
  g_print ("bench-webdav phase=first-sync stack=concord n=%u wall_s=%.3f requests=%u "
           "cards=%u\n", n, (g_get_monotonic_time () - start) / 1e6, reports, records);

  start = g_get_monotonic_time ();
  again = list_all (connector, b->book, cursor, &records);
  g_print ("bench-webdav phase=no-change stack=concord n=%u wall_s=%.3f requests=%u "
           "cards=%u\n", n, (g_get_monotonic_time () - start) / 1e6,
           _concord_connector_carddav_count_requests (connector, "REPORT sync-collection") +
           _concord_connector_carddav_count_requests (connector, "REPORT addressbook-multiget") -
           reports, records);
}

int
main (int   argc,
      char *argv[])
{
  Bench b = { NULL, };
  const char *url = g_getenv ("INFRA_DAV_URL");
  int n = 2000;
  int rounds = 1;
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Cards in the book", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Rounds of each stack", "R" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- EDS against Concord on WebDAV");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (url == NULL || *url == '\0')
    {
      g_printerr ("INFRA_DAV_URL is not set: run inside .ci/run's or tools/in-session.sh's Radicale\n");
      return 1;
    }
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  b.server = g_strdup (url);
  while (g_str_has_suffix (b.server, "/"))
    b.server[strlen (b.server) - 1] = '\0';
  b.user = g_strdup (g_getenv ("INFRA_DAV_USER") != NULL ? g_getenv ("INFRA_DAV_USER") : "alice");
  b.password = g_strdup (g_getenv ("INFRA_DAV_PASS") != NULL ? g_getenv ("INFRA_DAV_PASS")
                                                               : "secret");
  b.book = g_strdup_printf ("/%s/bench-webdav-%d/", b.user, (int) getpid ());
  b.session = soup_session_new ();

  seed (&b, (guint) n);
  for (int r = 0; r < rounds; r++)
    {
      /* Alternating, so neither stack always meets the warmer cache. */
      if (r % 2 == 0)
        {
          bench_eds (&b, (guint) n);
          bench_concord (&b, (guint) n);
        }
      else
        {
          bench_concord (&b, (guint) n);
          bench_eds (&b, (guint) n);
        }
    }

  raw (&b, "DELETE", b.book, NULL, NULL);
  g_clear_object (&b.session);
  g_free (b.server);
  g_free (b.user);
  g_free (b.password);
  g_free (b.book);
  return 0;
}
