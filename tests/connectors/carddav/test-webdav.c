/* test-webdav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * WebDAV's XML (src/connectors/carddav/concord-webdav.c): the bodies the
 * CardDAV connector sends, and the 207 answers it reads, from Radicale's
 * and SabreDAV's shapes to hostile ones (entity bombs, deep nesting,
 * invalid UTF-8, hrefs to another origin, huge answers).
 */

#include "config.h"

#include <string.h>

#include "concord-error.h"
#include "concord-webdav.h"

#define URL "http://127.0.0.1:5299/alice/book/"

static ConcordWebdavMultistatus *
parse (const char  *xml,
       GError     **error)
{
  return concord_webdav_parse_multistatus (xml, strlen (xml), URL, error);
}

/* Radicale's answer to an initial sync-collection. */
static void
test_sync_collection (void)
{
  const char *xml =
    "<?xml version='1.0' encoding='utf-8'?>\n"
    "<multistatus xmlns=\"DAV:\">"
    "<response><href>/alice/book/ada.vcf</href><propstat><prop>"
    "<getetag>\"abc\"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>"
    "<response><href>/alice/book/grace%20h.vcf</href><status>HTTP/1.1 404 Not Found</status>"
    "</response>"
    "<sync-token>http://radicale.org/ns/sync/0f1e</sync-token>"
    "</multistatus>";
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  g_autoptr(GError) error = NULL;
  ConcordWebdavResponse *r;

  ms = parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms->sync_token, ==, "http://radicale.org/ns/sync/0f1e");
  g_assert_false (ms->truncated);
  g_assert_cmpuint (ms->responses->len, ==, 2);
  r = g_ptr_array_index (ms->responses, 0);
  g_assert_cmpstr (r->href, ==, "/alice/book/ada.vcf");
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (r->etag, ==, "\"abc\"");
  r = g_ptr_array_index (ms->responses, 1);
  g_assert_cmpstr (r->href, ==, "/alice/book/grace h.vcf");
  g_assert_cmpuint (r->status, ==, 404);
  g_assert_null (r->etag);
}

/* Prefixes are the server's choice: namespaces decide. */
static void
test_namespaces_by_uri (void)
{
  const char *xml =
    "<x:multistatus xmlns:x=\"DAV:\" xmlns:y=\"urn:ietf:params:xml:ns:carddav\""
    " xmlns:D=\"urn:not-dav\">"
    "<x:response><x:href>a.vcf</x:href><x:propstat><x:prop>"
    "<x:getetag>\"1\"</x:getetag><y:address-data>BEGIN:VCARD&#13;\nEND:VCARD\r\n</y:address-data>"
    "<D:getetag>\"wrong\"</D:getetag>"
    "</x:prop><x:status>HTTP/1.1 200 OK</x:status></x:propstat></x:response>"
    "<D:response><D:href>/alice/book/fake.vcf</D:href></D:response>"
    "</x:multistatus>";
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  g_autoptr(GError) error = NULL;
  ConcordWebdavResponse *r;

  ms = parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms->responses->len, ==, 1);
  r = g_ptr_array_index (ms->responses, 0);
  /* Relative to the request URL. */
  g_assert_cmpstr (r->href, ==, "/alice/book/a.vcf");
  g_assert_cmpstr (r->etag, ==, "\"1\"");
  /* XML reads a literal CR LF as LF; an escaped CR stays. */
  g_assert_cmpstr (r->address_data, ==, "BEGIN:VCARD\r\nEND:VCARD\n");
}

/* Discovery: principal, home set, books with their properties. */
static void
test_discovery_props (void)
{
  const char *xml =
    "<d:multistatus xmlns:d=\"DAV:\" xmlns:card=\"urn:ietf:params:xml:ns:carddav\""
    " xmlns:cs=\"http://calendarserver.org/ns/\">"
    "<d:response><d:href>/alice/</d:href><d:propstat><d:prop>"
    "<d:current-user-principal><d:href>/alice/</d:href></d:current-user-principal>"
    "<card:addressbook-home-set><d:href>http://127.0.0.1:5299/alice/</d:href>"
    "</card:addressbook-home-set>"
    "<d:resourcetype><d:collection/></d:resourcetype>"
    "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
    "<d:response><d:href>/alice/book/</d:href><d:propstat><d:prop>"
    "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>"
    "<d:displayname>Customers &amp; friends</d:displayname>"
    "<d:sync-token>http://sabre.io/ns/sync/12</d:sync-token>"
    "<cs:getctag>ctag-12</cs:getctag>"
    "<d:supported-report-set><d:supported-report><d:report><card:addressbook-multiget/>"
    "</d:report></d:supported-report><d:supported-report><d:report><d:sync-collection/>"
    "</d:report></d:supported-report></d:supported-report-set>"
    "<card:supported-address-data><card:address-data-type content-type=\"text/vcard\""
    " version=\"3.0\"/><card:address-data-type content-type=\"text/vcard\" version=\"4.0\"/>"
    "</card:supported-address-data>"
    "<card:max-resource-size>102400</card:max-resource-size>"
    "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
    "<d:propstat><d:prop><d:getetag/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status>"
    "</d:propstat></d:response>"
    "</d:multistatus>";
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  g_autoptr(GError) error = NULL;
  ConcordWebdavResponse *r;

  ms = parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms->responses->len, ==, 2);
  r = g_ptr_array_index (ms->responses, 0);
  g_assert_cmpstr (r->principal, ==, "/alice/");
  g_assert_cmpstr (r->home_set, ==, "/alice/");
  g_assert_true (r->is_collection);
  g_assert_false (r->is_addressbook);
  r = g_ptr_array_index (ms->responses, 1);
  g_assert_true (r->is_addressbook);
  g_assert_cmpstr (r->displayname, ==, "Customers & friends");
  g_assert_cmpstr (r->sync_token, ==, "http://sabre.io/ns/sync/12");
  g_assert_cmpstr (r->ctag, ==, "ctag-12");
  g_assert_true (r->sync_collection);
  g_assert_cmpuint (r->versions, ==, CONCORD_WEBDAV_VCARD_3 | CONCORD_WEBDAV_VCARD_4);
  g_assert_cmpuint (r->max_resource_size, ==, 102400);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_null (r->etag);
}

/* 507 on the collection: truncated, and not a member. */
static void
test_truncated (void)
{
  const char *xml =
    "<multistatus xmlns=\"DAV:\">"
    "<response><href>/alice/book/a.vcf</href><propstat><prop><getetag>\"1\"</getetag></prop>"
    "<status>HTTP/1.1 200 OK</status></propstat></response>"
    "<response><href>/alice/book/</href><status>HTTP/1.1 507 Insufficient Storage</status>"
    "</response><sync-token>t2</sync-token></multistatus>";
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  g_autoptr(GError) error = NULL;

  ms = parse (xml, &error);
  g_assert_no_error (error);
  g_assert_true (ms->truncated);
  g_assert_cmpuint (ms->responses->len, ==, 1);
  g_assert_cmpstr (ms->sync_token, ==, "t2");
}

static void
test_precondition (void)
{
  const char *valid = "<?xml version=\"1.0\"?><D:error xmlns:D=\"DAV:\"><D:valid-sync-token/>"
                      "</D:error>";
  const char *uid = "<error xmlns=\"DAV:\"><no-uid-conflict xmlns=\"urn:ietf:params:xml:ns:"
                    "carddav\"><href>/alice/book/x.vcf</href></no-uid-conflict></error>";
  const char *bomb = "<!DOCTYPE e [<!ENTITY a \"valid-sync-token\">]><error xmlns=\"DAV:\">"
                     "&a;</error>";

  g_assert_true (concord_webdav_is_precondition (valid, strlen (valid), "valid-sync-token"));
  g_assert_false (concord_webdav_is_precondition (valid, strlen (valid), "no-uid-conflict"));
  g_assert_true (concord_webdav_is_precondition (uid, strlen (uid), "no-uid-conflict"));
  g_assert_false (concord_webdav_is_precondition (bomb, strlen (bomb), "valid-sync-token"));
  g_assert_false (concord_webdav_is_precondition ("nonsense", 8, "valid-sync-token"));
  g_assert_false (concord_webdav_is_precondition (NULL, 0, "valid-sync-token"));
}

static void
test_status_line (void)
{
  g_assert_cmpuint (concord_webdav_parse_status ("HTTP/1.1 404 Not Found"), ==, 404);
  g_assert_cmpuint (concord_webdav_parse_status ("  HTTP/1.1 200 OK"), ==, 200);
  g_assert_cmpuint (concord_webdav_parse_status ("HTTP/1.1 2000 OK"), ==, 0);
  g_assert_cmpuint (concord_webdav_parse_status ("HTTP/1.1 999 Nope"), ==, 0);
  g_assert_cmpuint (concord_webdav_parse_status ("200 OK"), ==, 0);
  g_assert_cmpuint (concord_webdav_parse_status ("HTTP/1.1"), ==, 0);
  g_assert_cmpuint (concord_webdav_parse_status (NULL), ==, 0);
}

static void
test_paths (void)
{
  g_autofree char *a = concord_webdav_decode_path ("/alice/b%C3%A4r/x%2Fy.vcf", URL);
  g_autofree char *a2 = concord_webdav_decode_path ("/alice/b%C3%A4r/x%20y.vcf", URL);
  g_autofree char *b = concord_webdav_decode_path ("../other/", URL);
  g_autofree char *c = concord_webdav_decode_path ("http://127.0.0.1:5299/alice/z.vcf", URL);
  g_autofree char *d = concord_webdav_decode_path ("http://evil.example/alice/z.vcf", URL);
  g_autofree char *e = concord_webdav_decode_path ("https://127.0.0.1:5299/alice/z.vcf", URL);
  g_autofree char *f = concord_webdav_decode_path ("/alice/%00.vcf", URL);
  g_autofree char *g = concord_webdav_decode_path ("/alice/%FF.vcf", URL);
  g_autofree char *h = concord_webdav_decode_path ("//evil.example/x", URL);
  g_autofree char *enc = concord_webdav_encode_path ("/alice/bär/a b#?%.vcf");
  g_autofree char *safe1 = concord_webdav_safe_name ("ada-1.2_x");
  g_autofree char *safe2 = concord_webdav_safe_name ("../../etc/passwd");
  g_autofree char *safe3 = concord_webdav_safe_name ("");
  g_autofree char *safe4 = concord_webdav_safe_name ("../../etc/passwd");

  g_assert_null (a);
  g_assert_cmpstr (a2, ==, "/alice/bär/x y.vcf");
  g_assert_cmpstr (b, ==, "/alice/other/");
  g_assert_cmpstr (c, ==, "/alice/z.vcf");
  g_assert_null (d);
  g_assert_null (e);
  g_assert_null (f);
  g_assert_null (g);
  g_assert_null (h);
  g_assert_cmpstr (enc, ==, "/alice/b%C3%A4r/a%20b%23%3F%25.vcf");
  g_assert_cmpstr (safe1, ==, "ada-1.2_x");
  g_assert_cmpuint (strlen (safe2), ==, 64);
  g_assert_null (strchr (safe2, '/'));
  g_assert_cmpstr (safe2, ==, safe4);
  g_assert_cmpuint (strlen (safe3), ==, 64);
}

static void
test_bodies (void)
{
  const char *props[] = { "D:displayname", "C:addressbook-home-set", "CS:getctag", NULL };
  const char *paths[] = { "/alice/book/a&b.vcf", "/alice/book/c d.vcf" };
  g_autoptr(GBytes) propfind = concord_webdav_propfind_body (props);
  g_autoptr(GBytes) initial = concord_webdav_sync_collection_body (NULL, TRUE);
  g_autoptr(GBytes) later = concord_webdav_sync_collection_body ("http://x/sync/<1>&", FALSE);
  g_autoptr(GBytes) multiget = concord_webdav_multiget_body (paths, 2);
  const char *text;

  text = g_bytes_get_data (propfind, NULL);
  g_assert_nonnull (strstr (text, "<D:propfind"));
  g_assert_nonnull (strstr (text, "<C:addressbook-home-set/>"));
  g_assert_nonnull (strstr (text, "xmlns:CS=\"http://calendarserver.org/ns/\""));
  text = g_bytes_get_data (initial, NULL);
  g_assert_nonnull (strstr (text, "<D:sync-token/>"));
  g_assert_nonnull (strstr (text, "<D:sync-level>1</D:sync-level>"));
  g_assert_nonnull (strstr (text, "<D:getetag/><C:address-data/></D:prop>"));
  text = g_bytes_get_data (later, NULL);
  g_assert_nonnull (strstr (text, "<D:sync-token>http://x/sync/&lt;1&gt;&amp;</D:sync-token>"));
  g_assert_null (strstr (text, "address-data"));
  text = g_bytes_get_data (multiget, NULL);
  g_assert_nonnull (strstr (text, "<D:href>/alice/book/a&amp;b.vcf</D:href>"));
  g_assert_nonnull (strstr (text, "<D:href>/alice/book/c%20d.vcf</D:href>"));
  g_assert_nonnull (strstr (text, "<C:address-data/>"));
}

/* ---- hostile answers ---------------------------------------------------- */

static void
test_entity_bomb (void)
{
  const char *bomb =
    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
    "<multistatus xmlns=\"DAV:\"><response><href>&lol3;</href></response></multistatus>";
  const char *external =
    "<?xml version=\"1.0\"?><!DOCTYPE m SYSTEM \"http://evil.example/x.dtd\">"
    "<multistatus xmlns=\"DAV:\"/>";
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;

  ms = parse (bomb, &error);
  g_assert_null (ms);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
  g_clear_error (&error);
  ms = parse (external, &error);
  g_assert_null (ms);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL);
}

static void
test_deep_nesting (void)
{
  GString *xml = g_string_new ("<multistatus xmlns=\"DAV:\"><response><href>/a</href>"
                               "<propstat><prop>");
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append (xml, "<x>");
  for (guint i = 0; i < 100000; i++)
    g_string_append (xml, "</x>");
  g_string_append (xml, "</prop></propstat></response></multistatus>");

  ms = parse (xml->str, &error);
  g_assert_null (ms);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_clear_error (&error);

  /* Under libxml2's own limit, over ours. */
  g_string_assign (xml, "<multistatus xmlns=\"DAV:\">");
  for (guint i = 0; i < 100; i++)
    g_string_append (xml, "<x>");
  for (guint i = 0; i < 100; i++)
    g_string_append (xml, "</x>");
  g_string_append (xml, "</multistatus>");
  ms = parse (xml->str, &error);
  g_assert_null (ms);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
  g_string_free (xml, TRUE);
}

/* An invalid byte in one card: that card is marked, the others are read. */
static void
test_invalid_utf8 (void)
{
  const char *xml =
    "<multistatus xmlns=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:carddav\">"
    "<response><href>/alice/book/bad.vcf</href><propstat><prop><getetag>\"1\"</getetag>"
    "<C:address-data>BEGIN:VCARD\r\nFN:\xff\xfe\r\nEND:VCARD\r\n</C:address-data></prop>"
    "<status>HTTP/1.1 200 OK</status></propstat></response>"
    "<response><href>/alice/book/bad\xc3.vcf</href><propstat><prop><getetag>\"3\"</getetag>"
    "</prop><status>HTTP/1.1 200 OK</status></propstat></response>"
    "<response><href>/alice/book/good.vcf</href><propstat><prop><getetag>\"2\"</getetag>"
    "<C:address-data>BEGIN:VCARD\r\nFN:Zoë\r\nEND:VCARD\r\n</C:address-data></prop>"
    "<status>HTTP/1.1 200 OK</status></propstat></response></multistatus>";
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  ConcordWebdavResponse *r;

  ms = parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms->responses->len, ==, 2);
  g_assert_cmpuint (ms->dropped, ==, 1);
  r = g_ptr_array_index (ms->responses, 0);
  g_assert_cmpstr (r->href, ==, "/alice/book/bad.vcf");
  g_assert_true (r->invalid_data);
  g_assert_null (r->address_data);
  r = g_ptr_array_index (ms->responses, 1);
  g_assert_false (r->invalid_data);
  g_assert_cmpstr (r->address_data, ==, "BEGIN:VCARD\nFN:Zoë\nEND:VCARD\n");
}

/* A member on another origin is dropped, never followed. */
static void
test_foreign_href (void)
{
  const char *xml =
    "<multistatus xmlns=\"DAV:\">"
    "<response><href>https://evil.example/alice/book/a.vcf</href><propstat><prop>"
    "<getetag>\"1\"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>"
    "<response><href></href></response>"
    "<response><propstat/></response>"
    "</multistatus>";
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;

  ms = parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms->responses->len, ==, 0);
  g_assert_cmpuint (ms->dropped, ==, 3);
}

static void
test_not_multistatus (void)
{
  const char *inputs[] = {
    "", "<", "<html><body>Login</body></html>", "<multistatus/>",
    "<multistatus xmlns=\"DAV:\">", "\xef\xbb\xbf<multistatus xmlns=\"urn:x\"/>",
    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><m:multistatus xmlns:m=\"DAV:\">"
    "<m:response><m:href>/a</m:href></m:response></m:multistatus>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConcordWebdavMultistatus) ms = NULL;

      ms = concord_webdav_parse_multistatus (inputs[i], strlen (inputs[i]), URL, &error);
      if (i == G_N_ELEMENTS (inputs) - 1)
        {
          /* Declared Latin-1, read as UTF-8 (it is ASCII): fine. */
          g_assert_no_error (error);
          g_assert_cmpuint (ms->responses->len, ==, 1);
          continue;
        }
      g_assert_null (ms);
      g_assert_true (error != NULL && error->domain == CONCORD_ERROR);
    }
}

static void
test_too_large (void)
{
  gsize length = CONCORD_WEBDAV_MAX_ANSWER_BYTES + 1;
  g_autofree char *data = g_malloc (length);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;

  memset (data, ' ', length);
  ms = concord_webdav_parse_multistatus (data, length, URL, &error);
  g_assert_null (ms);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE);
}

/* Many responses: all read. The time bound is a hang guard only (a
 * sanitizer build on a busy machine takes seconds); how fast it reads is
 * bench/concord-bench-webdav's business. */
static void
test_many_responses (void)
{
  GString *xml = g_string_new ("<multistatus xmlns=\"DAV:\">");
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordWebdavMultistatus) ms = NULL;
  gint64 start;

  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (xml, "<response><href>/alice/book/%u.vcf</href><propstat><prop>"
                            "<getetag>\"%u\"</getetag></prop><status>HTTP/1.1 200 OK</status>"
                            "</propstat></response>", i, i);
  g_string_append (xml, "<sync-token>t</sync-token></multistatus>");

  start = g_get_monotonic_time ();
  ms = parse (xml->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms->responses->len, ==, 10000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 60 * G_USEC_PER_SEC);
  g_string_free (xml, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/webdav/sync-collection", test_sync_collection);
  g_test_add_func ("/webdav/namespaces-by-uri", test_namespaces_by_uri);
  g_test_add_func ("/webdav/discovery-props", test_discovery_props);
  g_test_add_func ("/webdav/truncated", test_truncated);
  g_test_add_func ("/webdav/precondition", test_precondition);
  g_test_add_func ("/webdav/status-line", test_status_line);
  g_test_add_func ("/webdav/paths", test_paths);
  g_test_add_func ("/webdav/bodies", test_bodies);
  g_test_add_func ("/webdav/hostile/entity-bomb", test_entity_bomb);
  g_test_add_func ("/webdav/hostile/deep-nesting", test_deep_nesting);
  g_test_add_func ("/webdav/hostile/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/webdav/hostile/foreign-href", test_foreign_href);
  g_test_add_func ("/webdav/hostile/not-multistatus", test_not_multistatus);
  g_test_add_func ("/webdav/hostile/too-large", test_too_large);
  g_test_add_func ("/webdav/hostile/many-responses", test_many_responses);

  return g_test_run ();
}
