/* concord-webdav.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * WebDAV's XML, for the CardDAV connector: the request bodies it sends
 * (PROPFIND, sync-collection, addressbook-multiget) and the 207
 * multistatus answers it reads.
 *
 * An answer is a server's, so a hostile one is expected:
 *
 * - libxml2 reads it with XML_PARSE_NONET (no fetch of anything named in
 *   the document) and XML_PARSE_NOCDATA, never with NOENT, DTDLOAD or
 *   HUGE; a document with a DOCTYPE is refused before it is parsed (the
 *   entity bombs all need one: WebDAV never sends one), and after, should
 *   one have slipped through.
 * - Size: at most CONCORD_WEBDAV_MAX_ANSWER_BYTES; depth: at most
 *   CONCORD_WEBDAV_MAX_DEPTH (libxml2 stops at 256 on its own), at most
 *   CONCORD_WEBDAV_MAX_RESPONSES responses.
 * - Invalid UTF-8 would make libxml2 refuse the whole answer, and with it
 *   every card of the book. Each invalid byte is first replaced by U+FDD0,
 *   a noncharacter; a card whose text holds one is marked invalid_data
 *   and left out on its own, and a response whose href holds one is
 *   dropped. The parse is always UTF-8, whatever the document declares.
 * - Elements are matched by namespace URI and local name, never by prefix.
 * - An href is resolved against the request URL and percent-decoded; one
 *   that resolves to another origin (scheme, host, port) is dropped: the
 *   connector never sends credentials there.
 */

#define G_LOG_DOMAIN "concord-webdav"

#include "config.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "concord-error.h"
#include "concord-webdav.h"

#define NS_DAV     "DAV:"
#define NS_CARDDAV "urn:ietf:params:xml:ns:carddav"
#define NS_CS      "http://calendarserver.org/ns/"

/* U+FDD0 in UTF-8: the mark of a byte that was not UTF-8. */
#define REPAIR_MARK "\xef\xb7\x90"

/* ------------------------------------------------------------------------- */
/* Freeing                                                                   */
/* ------------------------------------------------------------------------- */

void
concord_webdav_response_free (ConcordWebdavResponse *response)
{
  if (response == NULL)
    return;

  g_free (response->href);
  g_free (response->etag);
  g_free (response->address_data);
  g_free (response->displayname);
  g_free (response->sync_token);
  g_free (response->ctag);
  g_free (response->principal);
  g_free (response->home_set);
  g_free (response);
}

void
concord_webdav_multistatus_free (ConcordWebdavMultistatus *multistatus)
{
  if (multistatus == NULL)
    return;

  g_clear_pointer (&multistatus->responses, g_ptr_array_unref);
  g_free (multistatus->sync_token);
  g_free (multistatus);
}

/* ------------------------------------------------------------------------- */
/* Paths                                                                     */
/* ------------------------------------------------------------------------- */

static gboolean
same_origin (GUri *a,
             GUri *b)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0 &&
         g_uri_get_host (a) != NULL && g_uri_get_host (b) != NULL &&
         g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0 &&
         g_uri_get_port (a) == g_uri_get_port (b);
}

/**
 * concord_webdav_decode_path:
 * @href: an href as a server wrote it: a path ("/a/b%20c.vcf"), relative
 *   ("b.vcf") or absolute ("http://host/a/")
 * @request_url: the URL of the request it answered
 *
 * Returns: (transfer full) (nullable): the decoded path on the request's
 *   origin, or %NULL when @href is on another origin, is not a URL, or
 *   decodes to something that is not UTF-8, holds a NUL or an encoded '/'
 */
char *
concord_webdav_decode_path (const char *href,
                            const char *request_url)
{
  g_autoptr(GUri) base = NULL;
  g_autoptr(GUri) target = NULL;
  g_autofree char *trimmed = NULL;
  char *path;

  g_return_val_if_fail (request_url != NULL, NULL);

  if (href == NULL)
    return NULL;

  trimmed = g_strstrip (g_strdup (href));
  if (*trimmed == '\0')
    return NULL;

  base = g_uri_parse (request_url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (base == NULL)
    return NULL;

  target = g_uri_parse_relative (base, trimmed,
                                 G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (target == NULL || !same_origin (base, target))
    return NULL;

  /* An encoded '/' inside a segment would name another resource once
   * decoded: such an href is not read. */
  path = g_uri_unescape_string (g_uri_get_path (target), "/");
  if (path == NULL || *path != '/' || !g_utf8_validate (path, -1, NULL) ||
      strstr (path, REPAIR_MARK) != NULL)
    {
      g_free (path);
      return NULL;
    }

  return path;
}

/**
 * concord_webdav_encode_path:
 * @path: a decoded path
 *
 * Returns: (transfer full): @path percent-encoded for a request, each
 *   segment on its own ("/a/b c.vcf" → "/a/b%20c.vcf")
 */
char *
concord_webdav_encode_path (const char *path)
{
  g_auto(GStrv) segments = NULL;
  GString *out;

  g_return_val_if_fail (path != NULL, NULL);

  segments = g_strsplit (path, "/", -1);
  out = g_string_new (NULL);
  for (guint i = 0; segments[i] != NULL; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (segments[i], "!$&'()*+,;=:@", FALSE);

      if (i > 0)
        g_string_append_c (out, '/');
      g_string_append (out, escaped);
    }

  return g_string_free (out, FALSE);
}

/**
 * concord_webdav_safe_name:
 * @uid: a card's UID, any text
 *
 * Returns: (transfer full): a resource name for the card, without
 *   extension: @uid itself when it is short and plain (letters, digits,
 *   '-', '_', '.', not starting with '.'), otherwise its SHA-256 in hex,
 *   so that any UID gives a safe name and one UID always the same name
 */
char *
concord_webdav_safe_name (const char *uid)
{
  gsize length;
  gboolean plain;

  g_return_val_if_fail (uid != NULL, NULL);

  length = strlen (uid);
  plain = length > 0 && length <= 64 && uid[0] != '.';
  for (gsize i = 0; plain && i < length; i++)
    plain = g_ascii_isalnum (uid[i]) || uid[i] == '-' || uid[i] == '_' || uid[i] == '.';

  if (plain)
    return g_strdup (uid);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, uid, -1);
}

/* ------------------------------------------------------------------------- */
/* Reading                                                                   */
/* ------------------------------------------------------------------------- */

/**
 * concord_webdav_parse_status:
 * @status_line: a D:status text, "HTTP/1.1 404 Not Found"
 *
 * Returns: the status code, or 0 when unreadable
 */
guint
concord_webdav_parse_status (const char *status_line)
{
  const char *p;
  guint64 code = 0;

  if (status_line == NULL)
    return 0;

  p = status_line;
  while (g_ascii_isspace (*p))
    p++;
  if (!g_str_has_prefix (p, "HTTP/"))
    return 0;
  while (*p != '\0' && !g_ascii_isspace (*p))
    p++;
  while (g_ascii_isspace (*p))
    p++;
  if (!g_ascii_isdigit (p[0]) || !g_ascii_isdigit (p[1]) || !g_ascii_isdigit (p[2]) ||
      g_ascii_isdigit (p[3]))
    return 0;
  code = (guint64) (p[0] - '0') * 100 + (guint64) (p[1] - '0') * 10 + (guint64) (p[2] - '0');

  return code >= 100 && code < 600 ? (guint) code : 0;
}

static gboolean
is_element (xmlNode    *node,
            const char *ns,
            const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
         node->ns->href != NULL && strcmp ((const char *) node->ns->href, ns) == 0 &&
         strcmp ((const char *) node->name, name) == 0;
}

static xmlNode *
first_child (xmlNode    *node,
             const char *ns,
             const char *name)
{
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if (is_element (child, ns, name))
      return child;
  return NULL;
}

/* The element's text (text nodes only: no entity is expanded), or NULL. */
static char *
node_text (xmlNode *node)
{
  GString *text = g_string_new (NULL);

  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
        child->content != NULL)
      g_string_append (text, (const char *) child->content);

  return g_string_free (text, FALSE);
}

static char *
node_trimmed_text (xmlNode *node)
{
  char *text = node_text (node);

  g_strstrip (text);
  if (*text == '\0' || strstr (text, REPAIR_MARK) != NULL)
    g_clear_pointer (&text, g_free);

  return text;
}

static guint
node_status (xmlNode *node)
{
  xmlNode *status = first_child (node, NS_DAV, "status");
  g_autofree char *text = NULL;

  if (status == NULL)
    return 0;
  text = node_text (status);
  return concord_webdav_parse_status (text);
}

static char *
child_href (xmlNode    *node,
            const char *request_url)
{
  xmlNode *href = first_child (node, NS_DAV, "href");
  g_autofree char *text = NULL;

  if (href == NULL)
    return NULL;
  text = node_text (href);
  if (strstr (text, REPAIR_MARK) != NULL)
    return NULL;
  return concord_webdav_decode_path (text, request_url);
}

static void
read_prop (ConcordWebdavResponse *response,
           xmlNode               *prop,
           const char            *request_url)
{
  for (xmlNode *node = prop->children; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;

      if (is_element (node, NS_DAV, "getetag"))
        {
          g_free (response->etag);
          response->etag = node_trimmed_text (node);
        }
      else if (is_element (node, NS_CARDDAV, "address-data"))
        {
          g_autofree char *text = node_text (node);

          g_clear_pointer (&response->address_data, g_free);
          response->invalid_data = strstr (text, REPAIR_MARK) != NULL;
          if (!response->invalid_data && *text != '\0')
            response->address_data = g_steal_pointer (&text);
        }
      else if (is_element (node, NS_DAV, "displayname"))
        {
          g_free (response->displayname);
          response->displayname = node_trimmed_text (node);
        }
      else if (is_element (node, NS_DAV, "sync-token"))
        {
          g_free (response->sync_token);
          response->sync_token = node_trimmed_text (node);
        }
      else if (is_element (node, NS_CS, "getctag"))
        {
          g_free (response->ctag);
          response->ctag = node_trimmed_text (node);
        }
      else if (is_element (node, NS_DAV, "resourcetype"))
        {
          response->is_collection = first_child (node, NS_DAV, "collection") != NULL;
          response->is_addressbook = first_child (node, NS_CARDDAV, "addressbook") != NULL;
        }
      else if (is_element (node, NS_DAV, "current-user-principal"))
        {
          g_free (response->principal);
          response->principal = child_href (node, request_url);
        }
      else if (is_element (node, NS_CARDDAV, "addressbook-home-set"))
        {
          g_free (response->home_set);
          response->home_set = child_href (node, request_url);
        }
      else if (is_element (node, NS_DAV, "supported-report-set"))
        {
          for (xmlNode *supported = node->children; supported != NULL; supported = supported->next)
            {
              xmlNode *report;

              if (!is_element (supported, NS_DAV, "supported-report"))
                continue;
              report = first_child (supported, NS_DAV, "report");
              if (report != NULL && first_child (report, NS_DAV, "sync-collection") != NULL)
                response->sync_collection = TRUE;
            }
        }
      else if (is_element (node, NS_CARDDAV, "supported-address-data"))
        {
          for (xmlNode *type = node->children; type != NULL; type = type->next)
            {
              g_autofree char *version = NULL;
              xmlChar *value;

              if (!is_element (type, NS_CARDDAV, "address-data-type"))
                continue;
              value = xmlGetNoNsProp (type, (const xmlChar *) "version");
              version = g_strdup ((const char *) value);
              xmlFree (value);
              if (g_strcmp0 (version, "3.0") == 0)
                response->versions |= CONCORD_WEBDAV_VCARD_3;
              else if (g_strcmp0 (version, "4.0") == 0)
                response->versions |= CONCORD_WEBDAV_VCARD_4;
            }
        }
      else if (is_element (node, NS_CARDDAV, "max-resource-size"))
        {
          g_autofree char *text = node_trimmed_text (node);
          guint64 size = 0;

          if (text != NULL && g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &size, NULL))
            response->max_resource_size = size;
        }
    }
}

/* A copy of @data where each byte that is not UTF-8 (and each NUL) is
 * REPAIR_MARK. */
static char *
repair_utf8 (const char *data,
             gsize       length,
             gsize      *out_length)
{
  GString *out = g_string_sized_new (length + 16);
  const char *p = data;
  const char *end = data + length;

  while (p < end)
    {
      const char *valid_end;

      g_utf8_validate_len (p, (gsize) (end - p), &valid_end);
      g_string_append_len (out, p, valid_end - p);
      p = valid_end;
      if (p < end)
        {
          g_string_append (out, REPAIR_MARK);
          p++;
        }
    }

  *out_length = out->len;
  return g_string_free (out, FALSE);
}

static gboolean
has_doctype (const char *data,
             gsize       length)
{
  return g_strstr_len (data, (gssize) length, "<!DOCTYPE") != NULL ||
         g_strstr_len (data, (gssize) length, "<!ENTITY") != NULL;
}

static guint
tree_depth (xmlNode *root)
{
  guint depth = 1;
  guint deepest = 1;
  xmlNode *node = root;

  /* Iterative: a deep tree must not take the stack. */
  while (node != NULL)
    {
      if (node->children != NULL && node->type == XML_ELEMENT_NODE)
        {
          node = node->children;
          depth++;
          deepest = MAX (deepest, depth);
          continue;
        }
      while (node != NULL && node != root && node->next == NULL)
        {
          node = node->parent;
          depth--;
        }
      if (node == NULL || node == root)
        break;
      node = node->next;
    }

  return deepest;
}

static xmlDoc *
read_document (const char  *data,
               gsize        length,
               GError     **error)
{
  g_autofree char *repaired = NULL;
  gsize repaired_length = 0;
  xmlDoc *doc;

  if (length > CONCORD_WEBDAV_MAX_ANSWER_BYTES)
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                   "WebDAV answer too large (%" G_GSIZE_FORMAT " bytes)", length);
      return NULL;
    }

  if (has_doctype (data, length))
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                           "WebDAV answer refused: it has a document type declaration");
      return NULL;
    }

  if (!g_utf8_validate_len (data, length, NULL))
    {
      repaired = repair_utf8 (data, length, &repaired_length);
      data = repaired;
      length = repaired_length;
    }

  if (length > G_MAXINT)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                           "WebDAV answer too large");
      return NULL;
    }

  doc = xmlReadMemory (data, (int) length, NULL, "UTF-8",
                       XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |
                       XML_PARSE_NOWARNING);
  if (doc == NULL)
    {
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                           "WebDAV answer is not well-formed XML");
      return NULL;
    }

  if (doc->intSubset != NULL || doc->extSubset != NULL)
    {
      xmlFreeDoc (doc);
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                           "WebDAV answer refused: it has a document type declaration");
      return NULL;
    }

  if (xmlDocGetRootElement (doc) == NULL ||
      tree_depth (xmlDocGetRootElement (doc)) > CONCORD_WEBDAV_MAX_DEPTH)
    {
      xmlFreeDoc (doc);
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PARSE,
                           "WebDAV answer refused: nested too deep");
      return NULL;
    }

  return doc;
}

static ConcordWebdavResponse *
read_response (xmlNode    *node,
               const char *request_url)
{
  g_autoptr(ConcordWebdavResponse) response = g_new0 (ConcordWebdavResponse, 1);
  guint status;

  response->href = child_href (node, request_url);
  if (response->href == NULL)
    return NULL;

  status = node_status (node);
  for (xmlNode *propstat = node->children; propstat != NULL; propstat = propstat->next)
    {
      guint propstat_status;
      xmlNode *prop;

      if (!is_element (propstat, NS_DAV, "propstat"))
        continue;
      propstat_status = node_status (propstat);
      prop = first_child (propstat, NS_DAV, "prop");
      /* Properties the server does not have come in a 404 propstat. */
      if (prop == NULL || (propstat_status != 0 && (propstat_status < 200 ||
                                                    propstat_status >= 300)))
        continue;
      read_prop (response, prop, request_url);
      if (status == 0)
        status = propstat_status != 0 ? propstat_status : 200;
    }

  response->status = status;
  return g_steal_pointer (&response);
}

/**
 * concord_webdav_parse_multistatus:
 * @data: a 207 answer's body
 * @request_url: the URL of the request (hrefs are resolved against it)
 *
 * Returns: (transfer full) (nullable): the answer read, or %NULL with
 *   @error set (CONCORD_ERROR_PARSE, _PROTOCOL, _TOO_LARGE)
 */
ConcordWebdavMultistatus *
concord_webdav_parse_multistatus (const char  *data,
                                  gsize        length,
                                  const char  *request_url,
                                  GError     **error)
{
  g_autoptr(ConcordWebdavMultistatus) multistatus = NULL;
  g_autofree char *request_path = NULL;
  xmlNode *root;
  xmlDoc *doc;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (request_url != NULL, NULL);

  doc = read_document (data, length, error);
  if (doc == NULL)
    return NULL;

  root = xmlDocGetRootElement (doc);
  if (!is_element (root, NS_DAV, "multistatus"))
    {
      xmlFreeDoc (doc);
      g_set_error_literal (error, CONCORD_ERROR, CONCORD_ERROR_PROTOCOL,
                           "WebDAV answer is not a multistatus");
      return NULL;
    }

  request_path = concord_webdav_decode_path (request_url, request_url);
  multistatus = g_new0 (ConcordWebdavMultistatus, 1);
  multistatus->responses = g_ptr_array_new_with_free_func (
    (GDestroyNotify) concord_webdav_response_free);

  for (xmlNode *node = root->children; node != NULL; node = node->next)
    {
      ConcordWebdavResponse *response;

      if (is_element (node, NS_DAV, "sync-token"))
        {
          g_free (multistatus->sync_token);
          multistatus->sync_token = node_trimmed_text (node);
          continue;
        }
      if (!is_element (node, NS_DAV, "response"))
        continue;

      if (multistatus->responses->len >= CONCORD_WEBDAV_MAX_RESPONSES)
        {
          xmlFreeDoc (doc);
          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                       "WebDAV answer has more than %u responses",
                       CONCORD_WEBDAV_MAX_RESPONSES);
          return NULL;
        }

      response = read_response (node, request_url);
      if (response == NULL)
        {
          multistatus->dropped++;
          continue;
        }

      /* RFC 6578 §3.6: the collection itself with 507 = truncated. */
      if (response->status == 507)
        {
          multistatus->truncated = TRUE;
          concord_webdav_response_free (response);
          continue;
        }

      g_ptr_array_add (multistatus->responses, response);
    }

  xmlFreeDoc (doc);
  return g_steal_pointer (&multistatus);
}

/**
 * concord_webdav_is_precondition:
 * @data: (nullable): an error answer's body
 * @element: a precondition's local name ("valid-sync-token",
 *   "no-uid-conflict") in the DAV: or CardDAV namespace
 *
 * Returns: %TRUE when @data is a D:error naming @element
 */
gboolean
concord_webdav_is_precondition (const char *data,
                                gsize       length,
                                const char *element)
{
  xmlNode *root;
  xmlDoc *doc;
  gboolean found = FALSE;

  g_return_val_if_fail (element != NULL, FALSE);

  if (data == NULL || length == 0)
    return FALSE;

  doc = read_document (data, length, NULL);
  if (doc == NULL)
    return FALSE;

  root = xmlDocGetRootElement (doc);
  if (is_element (root, NS_DAV, "error"))
    found = first_child (root, NS_DAV, element) != NULL ||
            first_child (root, NS_CARDDAV, element) != NULL;

  xmlFreeDoc (doc);
  return found;
}

/* ------------------------------------------------------------------------- */
/* Writing                                                                   */
/* ------------------------------------------------------------------------- */

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
#define XMLNS " xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:carddav\"" \
              " xmlns:CS=\"http://calendarserver.org/ns/\""

/**
 * concord_webdav_propfind_body:
 * @props: %NULL-terminated property names with a prefix: "D:" (DAV:),
 *   "C:" (CardDAV) or "CS:" (calendarserver)
 *
 * Returns: (transfer full): a PROPFIND body asking for @props
 */
GBytes *
concord_webdav_propfind_body (const char * const *props)
{
  GString *body = g_string_new (XML_HEAD "<D:propfind" XMLNS "><D:prop>");

  for (guint i = 0; props != NULL && props[i] != NULL; i++)
    g_string_append_printf (body, "<%s/>", props[i]);
  g_string_append (body, "</D:prop></D:propfind>\n");

  return g_string_free_to_bytes (body);
}

/**
 * concord_webdav_sync_collection_body:
 * @sync_token: (nullable): the token of the last listing; %NULL (or "")
 *   for an initial one
 * @with_data: ask for the cards themselves (address-data) as well as
 *   their etags: one REPORT instead of a REPORT and a multiget per hundred
 *   cards (RFC 6578 §3.2 lets the client ask any property; Radicale,
 *   sabre/dav and Nextcloud answer it)
 *
 * Returns: (transfer full): a sync-collection REPORT body
 */
GBytes *
concord_webdav_sync_collection_body (const char *sync_token,
                                     gboolean    with_data)
{
  GString *body = g_string_new (XML_HEAD "<D:sync-collection" XMLNS ">");

  if (sync_token != NULL && *sync_token != '\0')
    {
      g_autofree char *escaped = g_markup_escape_text (sync_token, -1);

      g_string_append_printf (body, "<D:sync-token>%s</D:sync-token>", escaped);
    }
  else
    g_string_append (body, "<D:sync-token/>");
  g_string_append (body, "<D:sync-level>1</D:sync-level><D:prop><D:getetag/>");
  if (with_data)
    g_string_append (body, "<C:address-data/>");
  g_string_append (body, "</D:prop></D:sync-collection>\n");

  return g_string_free_to_bytes (body);
}

/**
 * concord_webdav_multiget_body:
 * @paths: decoded paths of the cards
 *
 * Returns: (transfer full): an addressbook-multiget REPORT body asking
 *   for getetag and address-data
 */
GBytes *
concord_webdav_multiget_body (const char * const *paths,
                              guint               n_paths)
{
  GString *body = g_string_new (XML_HEAD "<C:addressbook-multiget" XMLNS ">"
                                "<D:prop><D:getetag/><C:address-data/></D:prop>");

  for (guint i = 0; i < n_paths; i++)
    {
      g_autofree char *encoded = concord_webdav_encode_path (paths[i]);
      g_autofree char *escaped = g_markup_escape_text (encoded, -1);

      g_string_append_printf (body, "<D:href>%s</D:href>", escaped);
    }
  g_string_append (body, "</C:addressbook-multiget>\n");

  return g_string_free_to_bytes (body);
}
