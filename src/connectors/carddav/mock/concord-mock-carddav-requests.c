/* concord-mock-carddav-requests.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The requests the simulated CardDAV server answers (see
 * concord-mock-carddav.c): PROPFIND, the sync-collection and
 * addressbook-multiget REPORTs, PUT and DELETE with their preconditions,
 * and the routing of every request with its password check (the lock is
 * held).
 */

#define G_LOG_DOMAIN "concord-mock-carddav"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>
#include "concord-mock-carddav.h"
#include "concord-mock-carddav-private.h"

/* ------------------------------------------------------------------------- */
/* Helpers (the lock is held)                                                */
/* ------------------------------------------------------------------------- */

static char *
encode_path (const char *path)
{
  g_auto(GStrv) segments = g_strsplit (path, "/", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (segments[i], "!$&'()*+,;=:@", FALSE);

      if (i > 0)
        g_string_append_c (out, '/');
      g_string_append (out, escaped);
    }
  return g_string_free (out, FALSE);
}

static void
append_href (GString    *out,
             const char *path)
{
  g_autofree char *encoded = encode_path (path);
  g_autofree char *escaped = g_markup_escape_text (encoded, -1);

  g_string_append_printf (out, "<d:href>%s</d:href>", escaped);
}

static char *
token_for (guint64 revision)
{
  return g_strdup_printf (TOKEN_PREFIX "%" G_GUINT64_FORMAT, revision);
}

void
_concord_mock_carddav_note_change (ConcordMockCarddav *self,
                                   const char         *href,
                                   gboolean            deleted)
{
  ConcordMockCarddavChange *change = g_new0 (ConcordMockCarddavChange, 1);

  change->revision = ++self->revision;
  change->deleted = deleted;
  g_hash_table_replace (self->changes, g_strdup (href), change);
}

char *
_concord_mock_carddav_store_card (ConcordMockCarddav *self,
                                  const char         *href,
                                  const char         *data)
{
  ConcordMockCarddavCard *card = g_new0 (ConcordMockCarddavCard, 1);

  _concord_mock_carddav_note_change (self, href, FALSE);
  card->data = g_strdup (data);
  card->revision = self->revision;
  card->etag = g_strdup_printf ("\"%" G_GUINT64_FORMAT "-%08x\"", self->revision,
                                g_str_hash (data));
  g_hash_table_replace (self->cards, g_strdup (href), card);
  return g_strdup (card->etag);
}

/* The texts of the elements named @name in @body, whatever their prefix. */
static GPtrArray *
element_texts (const char *body,
               const char *name)
{
  g_autofree char *pattern = g_strdup_printf ("<(?:[A-Za-z0-9_.-]+:)?%s\\s*>([^<]*)</", name);
  g_autoptr(GRegex) regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  g_regex_match (regex, body, 0, &match);
  while (g_match_info_matches (match))
    {
      g_ptr_array_add (texts, g_match_info_fetch (match, 1));
      g_match_info_next (match, NULL);
    }
  return texts;
}

static char *
unescape (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_str_has_prefix (p, "&amp;"))
        g_string_append_c (out, '&'), p += 4;
      else if (g_str_has_prefix (p, "&lt;"))
        g_string_append_c (out, '<'), p += 3;
      else if (g_str_has_prefix (p, "&gt;"))
        g_string_append_c (out, '>'), p += 3;
      else if (g_str_has_prefix (p, "&quot;"))
        g_string_append_c (out, '"'), p += 5;
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static char *
decode_href (const char *text)
{
  g_autofree char *plain = unescape (text);
  g_autofree char *stripped = g_strstrip (g_strdup (plain));
  const char *path = stripped;

  if (g_str_has_prefix (path, "http://") || g_str_has_prefix (path, "https://"))
    {
      path = strchr (strstr (path, "//") + 2, '/');
      if (path == NULL)
        return NULL;
    }
  return g_uri_unescape_string (path, NULL);
}

static void
respond_xml (ConcordMockRequest *request,
             guint               status,
             GString            *body)
{
  concord_mock_request_respond (request, status, XML_TYPE, g_string_free (body, FALSE));
}

static void
respond_status (ConcordMockRequest *request,
                guint               status)
{
  concord_mock_request_respond (request, status, "text/plain", g_strdup (""));
}

/* ------------------------------------------------------------------------- */
/* PROPFIND                                                                  */
/* ------------------------------------------------------------------------- */

static void
append_book_props (ConcordMockCarddav *self,
                   GString            *out)
{
  g_autofree char *token = token_for (self->revision);

  g_string_append_printf (out,
    "<d:response>");
  append_href (out, BOOK);
  g_string_append_printf (out,
    "<d:propstat><d:prop>"
    "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>"
    "<d:displayname>Contacts</d:displayname>"
    "<d:sync-token>%s</d:sync-token>"
    "<cs:getctag>%" G_GUINT64_FORMAT "</cs:getctag>"
    "<d:supported-report-set>"
    "<d:supported-report><d:report><card:addressbook-multiget/></d:report></d:supported-report>"
    "%s</d:supported-report-set>"
    "<card:supported-address-data>"
    "<card:address-data-type content-type=\"text/vcard\" version=\"3.0\"/>"
    "<card:address-data-type content-type=\"text/vcard\" version=\"4.0\"/>"
    "</card:supported-address-data>"
    "<card:max-resource-size>%u</card:max-resource-size>"
    "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
    token, self->revision,
    self->fault == CONCORD_MOCK_CARDDAV_NO_SYNC ? "" :
    "<d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report>",
    MAX_RESOURCE_SIZE);
}

static void
handle_propfind (ConcordMockCarddav *self,
                 ConcordMockRequest *request,
                 const char         *path)
{
  const char *depth = concord_mock_request_get_header (request, "Depth");
  GString *out = g_string_new (MULTISTATUS);

  if (g_strcmp0 (path, ROOT) == 0 || g_strcmp0 (path, PRINCIPAL) == 0)
    {
      g_string_append (out, "<d:response>");
      append_href (out, path);
      g_string_append (out, "<d:propstat><d:prop>"
                            "<d:resourcetype><d:collection/></d:resourcetype>"
                            "<d:current-user-principal><d:href>" PRINCIPAL "</d:href>"
                            "</d:current-user-principal>");
      if (g_strcmp0 (path, PRINCIPAL) == 0)
        g_string_append (out, "<card:addressbook-home-set><d:href>" HOME "</d:href>"
                              "</card:addressbook-home-set>");
      g_string_append (out, "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
                            "<d:propstat><d:prop><d:displayname/></d:prop>"
                            "<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>"
                            "</d:response>");
    }
  else if (g_strcmp0 (path, HOME) == 0)
    {
      g_string_append (out, "<d:response>");
      append_href (out, HOME);
      g_string_append (out, "<d:propstat><d:prop><d:resourcetype><d:collection/>"
                            "</d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status>"
                            "</d:propstat></d:response>");
      if (g_strcmp0 (depth, "0") != 0)
        append_book_props (self, out);
    }
  else if (g_strcmp0 (path, BOOK) == 0)
    {
      GHashTableIter iter;
      gpointer key, value;

      append_book_props (self, out);
      if (g_strcmp0 (depth, "0") != 0)
        {
          g_hash_table_iter_init (&iter, self->cards);
          while (g_hash_table_iter_next (&iter, &key, &value))
            {
              ConcordMockCarddavCard *card = value;

              g_string_append (out, "<d:response>");
              append_href (out, key);
              g_string_append_printf (out, "<d:propstat><d:prop><d:getetag>%s</d:getetag>"
                                           "<d:resourcetype/></d:prop>"
                                           "<d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
                                           "</d:response>", card->etag);
            }
        }
    }
  else
    {
      g_string_free (out, TRUE);
      respond_status (request, SOUP_STATUS_NOT_FOUND);
      return;
    }

  g_string_append (out, "</d:multistatus>\n");
  respond_xml (request, 207, out);
}

/* ------------------------------------------------------------------------- */
/* REPORT                                                                    */
/* ------------------------------------------------------------------------- */

static void
respond_hostile (ConcordMockCarddav *self,
                 ConcordMockRequest *request)
{
  GString *out = g_string_new (NULL);

  if (self->fault == CONCORD_MOCK_CARDDAV_ENTITY_BOMB)
    {
      g_string_append (out, "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
      for (guint i = 2; i < 10; i++)
        {
          g_string_append_printf (out, "<!ENTITY lol%u \"", i);
          for (guint j = 0; j < 10; j++)
            g_string_append_printf (out, i == 2 ? "&lol;" : "&lol%u;", i - 1);
          g_string_append (out, "\">");
        }
      g_string_append (out, "]><d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>&lol9;"
                            "</d:href></d:response></d:multistatus>");
    }
  else
    {
      g_string_append (out, MULTISTATUS);
      for (guint i = 0; i < 100000; i++)
        g_string_append (out, "<d:x>");
      for (guint i = 0; i < 100000; i++)
        g_string_append (out, "</d:x>");
      g_string_append (out, "</d:multistatus>");
    }
  respond_xml (request, 207, out);
}

typedef struct
{
  const char *href;
  guint64     revision;
  gboolean    deleted;
} Member;

static gint
compare_members (gconstpointer a,
                 gconstpointer b)
{
  const Member *ma = a;
  const Member *mb = b;

  return ma->revision < mb->revision ? -1 : ma->revision > mb->revision ? 1 : 0;
}

/* One member's propstat with its card (a multiget's, or a sync-collection's
 * that asked for address-data); the faults of the first card of an answer
 * apply to either. */
static void
append_card (ConcordMockCarddav     *self,
             GString                *out,
             ConcordMockCarddavCard *card,
             gboolean                first)
{
  g_autofree char *escaped = g_markup_escape_text (card->data, -1);

  g_string_append_printf (out, "<d:propstat><d:prop><d:getetag>%s</d:getetag>"
                               "<card:address-data>", card->etag);
  if ((first && self->fault == CONCORD_MOCK_CARDDAV_HUGE_CARD) ||
      (self->fault == CONCORD_MOCK_CARDDAV_ONE_HUGE_CARD &&
       strstr (card->data, "\r\nUID:huge\r\n") != NULL))
    {
      const char *end = strstr (escaped, "END:VCARD");

      /* A NOTE of 2 MiB in the first card. */
      g_string_append_len (out, escaped, end != NULL ? end - escaped : 0);
      g_string_append (out, "NOTE:");
      for (guint k = 0; k < HUGE_CARD_BYTES / 64; k++)
        g_string_append (out, "0123456789abcdef0123456789abcdef"
                              "0123456789abcdef0123456789abcdef");
      g_string_append (out, "&#13;\n");
      g_string_append (out, end != NULL ? end : "END:VCARD&#13;\n");
    }
  else if (first && self->fault == CONCORD_MOCK_CARDDAV_INVALID_UTF8)
    {
      const char *fn = strstr (escaped, "FN:");

      /* Bytes that are not UTF-8 in the card's name. */
      if (fn != NULL)
        {
          g_string_append_len (out, escaped, fn + 3 - escaped);
          g_string_append (out, "\xff\xfe");
          g_string_append (out, fn + 3);
        }
      else
        g_string_append (out, escaped);
    }
  else
    g_string_append (out, escaped);
  g_string_append (out, "</card:address-data></d:prop>"
                        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat>");
}

/* The fault CONCORD_MOCK_CARDDAV_ENDLESS_507: a truncated answer with a
 * new token, every time. */
static void
respond_endless (ConcordMockCarddav *self,
                 ConcordMockRequest *request)
{
  GString *out = g_string_new (MULTISTATUS);
  g_autofree char *next = token_for (G_MAXUINT32 + ++self->endless);

  g_string_append (out, "<d:response>");
  append_href (out, BOOK);
  g_string_append_printf (out, "<d:status>HTTP/1.1 507 Insufficient Storage</d:status>"
                               "</d:response><d:sync-token>%s</d:sync-token>"
                               "</d:multistatus>", next);
  respond_xml (request, 207, out);
}

/* A response for each of @members: gone, or the card (or its etag). */
static void
append_members (ConcordMockCarddav *self,
                GString            *out,
                GArray             *members,
                gboolean            with_data)
{
  gboolean first = TRUE;

  for (guint i = 0; i < members->len; i++)
    {
      Member *member = &g_array_index (members, Member, i);
      ConcordMockCarddavCard *card = g_hash_table_lookup (self->cards, member->href);

      g_string_append (out, "<d:response>");
      append_href (out, member->href);
      if (member->deleted || card == NULL)
        g_string_append (out, "<d:status>HTTP/1.1 404 Not Found</d:status>");
      else if (with_data)
        {
          append_card (self, out, card, first);
          first = FALSE;
        }
      else
        g_string_append_printf (out, "<d:propstat><d:prop><d:getetag>%s</d:getetag></d:prop>"
                                     "<d:status>HTTP/1.1 200 OK</d:status></d:propstat>",
                                card->etag);
      g_string_append (out, "</d:response>");
    }
}

static void
handle_sync (ConcordMockCarddav *self,
             ConcordMockRequest *request,
             const char         *body)
{
  g_autoptr(GPtrArray) tokens = element_texts (body, "sync-token");
  g_autofree char *token = tokens->len > 0 ? g_strdup (g_ptr_array_index (tokens, 0)) : NULL;
  g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (Member));
  g_autofree char *next = NULL;
  GString *out;
  guint64 since = 0;
  guint64 last;
  gboolean truncated = FALSE;
  /* Like Radicale and sabre/dav: the cards themselves when the REPORT asks
   * for address-data (RFC 6578 §3.2 allows any property). */
  gboolean with_data = strstr (body, "address-data") != NULL &&
                       self->fault != CONCORD_MOCK_CARDDAV_SYNC_NO_DATA;
  GHashTableIter iter;
  gpointer key, value;

  if (token != NULL)
    g_strstrip (token);

  if (self->fault == CONCORD_MOCK_CARDDAV_ENDLESS_507)
    {
      respond_endless (self, request);
      return;
    }

  if (token != NULL && *token != '\0')
    {
      const char *number = g_str_has_prefix (token, TOKEN_PREFIX) ?
                           token + strlen (TOKEN_PREFIX) : NULL;

      if (self->fault == CONCORD_MOCK_CARDDAV_TOKENS_LOST || number == NULL ||
          !g_ascii_string_to_unsigned (number, 10, 0, self->revision, &since, NULL))
        {
          concord_mock_request_respond (request, SOUP_STATUS_FORBIDDEN, XML_TYPE, g_strdup (
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\">"
            "<d:valid-sync-token/></d:error>"));
          return;
        }
      g_hash_table_iter_init (&iter, self->changes);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          ConcordMockCarddavChange *change = value;
          Member member = { key, change->revision, change->deleted };

          if (change->revision > since)
            g_array_append_val (members, member);
        }
    }
  else
    {
      g_hash_table_iter_init (&iter, self->cards);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          ConcordMockCarddavCard *card = value;
          Member member = { key, card->revision, FALSE };

          g_array_append_val (members, member);
        }
    }

  g_array_sort (members, compare_members);
  last = self->revision;
  if (self->sync_limit > 0 && members->len > self->sync_limit)
    {
      g_array_set_size (members, self->sync_limit);
      last = g_array_index (members, Member, members->len - 1).revision;
      truncated = TRUE;
    }

  out = g_string_new (MULTISTATUS);
  append_members (self, out, members, with_data);
  if (truncated)
    {
      g_string_append (out, "<d:response>");
      append_href (out, BOOK);
      g_string_append (out, "<d:status>HTTP/1.1 507 Insufficient Storage</d:status>"
                            "</d:response>");
    }
  next = token_for (last);
  g_string_append_printf (out, "<d:sync-token>%s</d:sync-token></d:multistatus>\n", next);
  respond_xml (request, 207, out);
}

static void
handle_multiget (ConcordMockCarddav *self,
                 ConcordMockRequest *request,
                 const char         *body)
{
  GString *out = g_string_new (MULTISTATUS);
  g_autoptr(GPtrArray) hrefs = element_texts (body, "href");
  gboolean first = TRUE;

  for (guint i = 0; i < hrefs->len; i++)
    {
      g_autofree char *href = decode_href (g_ptr_array_index (hrefs, i));
      ConcordMockCarddavCard *card;

      if (href == NULL)
        continue;

      card = g_hash_table_lookup (self->cards, href);
      g_string_append (out, "<d:response>");
      append_href (out, href);
      if (card == NULL)
        g_string_append (out, "<d:status>HTTP/1.1 404 Not Found</d:status>");
      else
        {
          append_card (self, out, card, first);
          first = FALSE;
        }
      g_string_append (out, "</d:response>");
    }

  g_string_append (out, "</d:multistatus>\n");
  respond_xml (request, 207, out);
}

/* ------------------------------------------------------------------------- */
/* Writes                                                                    */
/* ------------------------------------------------------------------------- */

static gboolean
precondition_fails (ConcordMockRequest     *request,
                    ConcordMockCarddavCard *card)
{
  const char *if_match = concord_mock_request_get_header (request, "If-Match");
  const char *if_none_match = concord_mock_request_get_header (request, "If-None-Match");

  g_autofree char *none_match = if_none_match != NULL ? g_strstrip (g_strdup (if_none_match))
                                                      : NULL;

  if (g_strcmp0 (none_match, "*") == 0 && card != NULL)
    return TRUE;
  if (if_match != NULL && (card == NULL || g_strcmp0 (if_match, card->etag) != 0))
    return TRUE;
  return FALSE;
}

static void
handle_put (ConcordMockCarddav *self,
            ConcordMockRequest *request,
            const char         *path,
            const char         *body,
            gsize               length)
{
  ConcordMockCarddavCard *card = g_hash_table_lookup (self->cards, path);
  g_autofree char *etag = NULL;
  gboolean existed = card != NULL;

  if (!g_str_has_prefix (path, BOOK) || strchr (path + strlen (BOOK), '/') != NULL)
    {
      respond_status (request, SOUP_STATUS_FORBIDDEN);
      return;
    }
  if (precondition_fails (request, card))
    {
      respond_status (request, SOUP_STATUS_PRECONDITION_FAILED);
      return;
    }
  if (length == 0 || strlen (body) != length || !g_utf8_validate (body, length, NULL) ||
      strstr (body, "BEGIN:VCARD") == NULL || strstr (body, "END:VCARD") == NULL)
    {
      concord_mock_request_respond (request, SOUP_STATUS_FORBIDDEN, XML_TYPE, g_strdup (
        "<d:error xmlns:d=\"DAV:\"><card:valid-address-data "
        "xmlns:card=\"urn:ietf:params:xml:ns:carddav\"/></d:error>"));
      return;
    }

  if (length > MAX_RESOURCE_SIZE)
    {
      concord_mock_request_respond (request, SOUP_STATUS_FORBIDDEN, XML_TYPE, g_strdup (
        "<d:error xmlns:d=\"DAV:\"><card:max-resource-size "
        "xmlns:card=\"urn:ietf:params:xml:ns:carddav\"/></d:error>"));
      return;
    }

  etag = _concord_mock_carddav_store_card (self, path, body);
  concord_mock_request_set_response_header (request, "ETag", etag);
  respond_status (request, existed ? SOUP_STATUS_NO_CONTENT : SOUP_STATUS_CREATED);
}

static void
handle_delete (ConcordMockCarddav *self,
               ConcordMockRequest *request,
               const char         *path)
{
  ConcordMockCarddavCard *card = g_hash_table_lookup (self->cards, path);

  if (card == NULL)
    {
      respond_status (request, SOUP_STATUS_NOT_FOUND);
      return;
    }
  if (precondition_fails (request, card))
    {
      respond_status (request, SOUP_STATUS_PRECONDITION_FAILED);
      return;
    }
  g_hash_table_remove (self->cards, path);
  _concord_mock_carddav_note_change (self, path, TRUE);
  respond_status (request, SOUP_STATUS_NO_CONTENT);
}

/* ------------------------------------------------------------------------- */
/* Routing                                                                   */
/* ------------------------------------------------------------------------- */

/* Basic auth with the account's password and any user name: the password
 * is the mock's one secret (what concord-mock's --api-key sets), so a form
 * filled with a made-up user still signs in. */
static gboolean
check_password (ConcordMockRequest *request,
                const char         *password)
{
  const char *value = concord_mock_request_get_header (request, "Authorization");
  g_autofree guchar *decoded = NULL;
  g_autofree char *pair = NULL;
  const char *colon;
  gsize length = 0;

  if (value == NULL || g_ascii_strncasecmp (value, "Basic ", 6) != 0)
    return FALSE;
  decoded = g_base64_decode (value + 6, &length);
  pair = g_strndup ((const char *) decoded, length);
  colon = strchr (pair, ':');
  return colon != NULL && colon > pair && g_strcmp0 (colon + 1, password) == 0;
}

void
_concord_mock_carddav_on_request_cb (ConcordMockRequest *request,
                                     gpointer            user_data)
{
  ConcordMockCarddav *self = user_data;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  const char *method = concord_mock_request_get_method (request);
  const char *path = concord_mock_request_get_path (request);
  GBytes *bytes = concord_mock_request_get_body (request);
  g_autofree char *body = NULL;
  gsize length = 0;

  if (bytes != NULL)
    {
      const char *data = g_bytes_get_data (bytes, &length);

      body = g_strndup (data != NULL ? data : "", length);
    }
  else
    body = g_strdup ("");

  if (g_strcmp0 (path, "/.well-known/carddav") == 0)
    {
      if (self->fault == CONCORD_MOCK_CARDDAV_CROSS_ORIGIN)
        concord_mock_request_set_response_header (request, "Location",
                                                  "http://127.0.0.2:9/dav/");
      else
        concord_mock_request_set_response_header (request, "Location", ROOT);
      respond_status (request, SOUP_STATUS_MOVED_PERMANENTLY);
      return;
    }

  if (!check_password (request, self->password))
    {
      concord_mock_request_set_response_header (request, "WWW-Authenticate",
                                                "Basic realm=\"Concord mock\"");
      respond_status (request, SOUP_STATUS_UNAUTHORIZED);
      return;
    }

  /* The book moved, or a redirect loop: only what lists it is redirected. */
  if ((g_strcmp0 (method, "REPORT") == 0 || g_strcmp0 (method, "PROPFIND") == 0) &&
      (g_strcmp0 (path, BOOK) == 0 || g_str_has_prefix (path, "/loop/")))
    {
      if (self->fault == CONCORD_MOCK_CARDDAV_REDIRECT_LOOP)
        {
          concord_mock_request_set_response_header (request, "Location",
                                                    g_strcmp0 (path, "/loop/a/") == 0
                                                    ? "/loop/b/" : "/loop/a/");
          respond_status (request, SOUP_STATUS_TEMPORARY_REDIRECT);
          return;
        }
      if (self->book_redirect != 0 && g_strcmp0 (path, BOOK) == 0)
        {
          concord_mock_request_set_response_header (request, "Location", MOVED_PREFIX BOOK);
          respond_status (request, self->book_redirect);
          return;
        }
    }
  if (g_str_has_prefix (path, MOVED_PREFIX "/"))
    path += strlen (MOVED_PREFIX);

  if (g_strcmp0 (method, "PROPFIND") == 0)
    handle_propfind (self, request, path);
  else if (g_strcmp0 (method, "REPORT") == 0 && g_strcmp0 (path, BOOK) == 0)
    {
      if (self->fault == CONCORD_MOCK_CARDDAV_ENTITY_BOMB ||
          self->fault == CONCORD_MOCK_CARDDAV_DEEP_NESTING)
        respond_hostile (self, request);
      else if (strstr (body, "sync-collection") != NULL &&
               self->fault == CONCORD_MOCK_CARDDAV_NO_SYNC)
        respond_status (request, SOUP_STATUS_NOT_IMPLEMENTED);
      else if (strstr (body, "sync-collection") != NULL)
        handle_sync (self, request, body);
      else if (strstr (body, "addressbook-multiget") != NULL)
        handle_multiget (self, request, body);
      else
        respond_status (request, SOUP_STATUS_BAD_REQUEST);
    }
  else if (g_strcmp0 (method, "GET") == 0)
    {
      ConcordMockCarddavCard *card = g_hash_table_lookup (self->cards, path);

      if (card == NULL)
        respond_status (request, SOUP_STATUS_NOT_FOUND);
      else
        {
          concord_mock_request_set_response_header (request, "ETag", card->etag);
          concord_mock_request_respond (request, SOUP_STATUS_OK, "text/vcard; charset=utf-8",
                                        g_strdup (card->data));
        }
    }
  else if (g_strcmp0 (method, "PUT") == 0)
    handle_put (self, request, path, body, length);
  else if (g_strcmp0 (method, "DELETE") == 0)
    handle_delete (self, request, path);
  else
    respond_status (request, SOUP_STATUS_METHOD_NOT_ALLOWED);
}

/* ------------------------------------------------------------------------- */
