/* concord-mock-server-request.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A request of the mock server framework as its handlers see it (see
 * concord-mock-server.c): its method, path, query, headers and body, the
 * checks of its credentials, and its answer.
 */

#define G_LOG_DOMAIN "concord-mock-server"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "concord-mock-server.h"
#include "concord-mock-server-private.h"

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

ConcordMockServer *
concord_mock_request_get_server (ConcordMockRequest *request)
{
  return request->server;
}

SoupServerMessage *
concord_mock_request_get_message (ConcordMockRequest *request)
{
  return request->msg;
}

const char *
concord_mock_request_get_method (ConcordMockRequest *request)
{
  return request->method;
}

/* As libsoup hands it over: percent-decoded. */
const char *
concord_mock_request_get_path (ConcordMockRequest *request)
{
  return request->path;
}

/* As it was sent. */
const char *
concord_mock_request_get_query (ConcordMockRequest *request)
{
  return request->query;
}

/**
 * concord_mock_request_get_query_param:
 * @name: a parameter name, compared without case
 *
 * Returns: (nullable): the decoded value of the first parameter @name
 */
const char *
concord_mock_request_get_query_param (ConcordMockRequest *request,
                                      const char         *name)
{
  GPtrArray *params = concord_mock_request_get_query_params (request);

  for (guint i = 0; i + 1 < params->len; i += 2)
    if (g_ascii_strcasecmp (g_ptr_array_index (params, i), name) == 0)
      return g_ptr_array_index (params, i + 1);

  return NULL;
}

/**
 * concord_mock_request_get_query_params:
 *
 * Returns: (transfer none) (element-type utf8): the decoded query, name and
 *   value in turn, in the order sent (a name may come more than once)
 */
GPtrArray *
concord_mock_request_get_query_params (ConcordMockRequest *request)
{
  if (request->query_params == NULL)
    request->query_params = _concord_mock_server_parse_query (request->query);

  return request->query_params;
}

const char *
concord_mock_request_get_header (ConcordMockRequest *request,
                                 const char         *name)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (request->msg),
                                       name);
}

/**
 * concord_mock_request_get_body:
 *
 * Returns: (transfer none): the request body
 */
GBytes *
concord_mock_request_get_body (ConcordMockRequest *request)
{
  if (request->body == NULL)
    request->body = soup_message_body_flatten (soup_server_message_get_request_body (request->msg));

  return request->body;
}

/* Authentication helpers: whether the request carries the expected
 * credentials, the way an app's API looks for them. */
gboolean
concord_mock_request_check_header (ConcordMockRequest *request,
                                   const char         *name,
                                   const char         *expected)
{
  return g_strcmp0 (concord_mock_request_get_header (request, name), expected) == 0;
}

gboolean
concord_mock_request_check_bearer (ConcordMockRequest *request,
                                   const char         *token)
{
  g_autofree char *expected = g_strdup_printf ("Bearer %s", token);

  return concord_mock_request_check_header (request, "Authorization", expected);
}

gboolean
concord_mock_request_check_basic (ConcordMockRequest *request,
                                  const char         *user,
                                  const char         *password)
{
  g_autofree char *pair = g_strdup_printf ("%s:%s", user, password);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
  g_autofree char *expected = g_strdup_printf ("Basic %s", encoded);

  return concord_mock_request_check_header (request, "Authorization", expected);
}

gboolean
concord_mock_request_check_query_key (ConcordMockRequest *request,
                                      const char         *name,
                                      const char         *key)
{
  return g_strcmp0 (concord_mock_request_get_query_param (request, name), key) == 0;
}

/**
 * concord_mock_request_respond:
 * @status: the HTTP status
 * @content_type: (nullable): the body's type; %NULL for JSON in UTF-8
 * @body: (transfer full) (nullable): the body, a string
 */
void
concord_mock_request_respond (ConcordMockRequest *request,
                              guint               status,
                              const char         *content_type,
                              char               *body)
{
  request->status = status;
  g_free (request->response);
  request->response = body;
  g_free (request->content_type);
  request->content_type = g_strdup (content_type);
}

/* An error in the server's error body format. */
void
concord_mock_request_respond_error (ConcordMockRequest *request,
                                    guint               status,
                                    const char         *message)
{
  _concord_mock_server_respond_fault_error (request->server, request, status, message);
}

void
concord_mock_request_set_response_header (ConcordMockRequest *request,
                                          const char         *name,
                                          const char         *value)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                name, value);
}

guint
concord_mock_request_get_status (ConcordMockRequest *request)
{
  return request->status;
}
