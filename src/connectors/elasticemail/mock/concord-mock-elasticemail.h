/* concord-mock-elasticemail.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-mock-app.h"
#include "concord-mock-server.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_MOCK_ELASTICEMAIL (concord_mock_elasticemail_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMockElasticEmail, concord_mock_elasticemail,
                      CONCORD, MOCK_ELASTICEMAIL, GObject)

/* This mock as any app's (concord-mock-app.h); the secret is the API key. */
extern const ConcordMockAppInfo concord_mock_elasticemail_info;

/**
 * ConcordMockElasticEmailStallFunc:
 * @request: the held request, "METHOD /v4/path?query"
 *
 * Called on the server's thread when a stalled request is reached.
 */
typedef void (*ConcordMockElasticEmailStallFunc) (ConcordMockElasticEmail *mock,
                                                  const char              *request,
                                                  gpointer                 user_data);

ConcordMockElasticEmail *concord_mock_elasticemail_new              (const char               *api_key,
                                                                     guint                     port,
                                                                     GError                  **error);
const char              *concord_mock_elasticemail_get_base_url     (ConcordMockElasticEmail  *self);
ConcordMockServer       *concord_mock_elasticemail_get_server       (ConcordMockElasticEmail  *self);

/* The account's data; every call is thread-safe (the server runs on a thread of its own). */
void                     concord_mock_elasticemail_add_custom_field (ConcordMockElasticEmail  *self,
                                                                     const char               *name);
void                     concord_mock_elasticemail_add_list         (ConcordMockElasticEmail  *self,
                                                                     const char               *name);
gboolean                 concord_mock_elasticemail_put_contact_json (ConcordMockElasticEmail  *self,
                                                                     const char               *contact_json,
                                                                     GError                  **error);
char                    *concord_mock_elasticemail_get_contact_json (ConcordMockElasticEmail  *self,
                                                                     const char               *email);
guint                    concord_mock_elasticemail_get_n_contacts   (ConcordMockElasticEmail  *self);
char                   **concord_mock_elasticemail_get_list_members (ConcordMockElasticEmail  *self,
                                                                     const char               *list_name);
gboolean                 concord_mock_elasticemail_load_seed_file   (ConcordMockElasticEmail  *self,
                                                                     const char               *path,
                                                                     GError                  **error);
void                     concord_mock_elasticemail_generate         (ConcordMockElasticEmail  *self,
                                                                     guint                     n_contacts,
                                                                     guint32                   seed);
gboolean                 concord_mock_elasticemail_save_file        (ConcordMockElasticEmail  *self,
                                                                     const char               *path,
                                                                     GError                  **error);
void                     concord_mock_elasticemail_set_save_path    (ConcordMockElasticEmail  *self,
                                                                     const char               *path);

/* How the API behaves */
void                     concord_mock_elasticemail_set_max_page_size (ConcordMockElasticEmail *self,
                                                                     guint                     max_page_size);
void                     concord_mock_elasticemail_set_access       (ConcordMockElasticEmail  *self,
                                                                     gboolean                  view_contacts,
                                                                     gboolean                  modify_contacts);
void                     concord_mock_elasticemail_set_ignore_list_offset (ConcordMockElasticEmail *self,
                                                                     gboolean                  ignore);
void                     concord_mock_elasticemail_set_api_key      (ConcordMockElasticEmail  *self,
                                                                     const char               *api_key);

/* Faults: the @nth request from now (1 = the next one) gets @fault;
 * @seconds is the Retry-After of a 429 or the delay of a slow answer. */
void                     concord_mock_elasticemail_fail_request     (ConcordMockElasticEmail  *self,
                                                                     guint                     nth,
                                                                     ConcordMockFault          fault,
                                                                     guint                     seconds);

/* Stalls: the @nth request matching one of @patterns (globs over
 * "METHOD /v4/path") is held unanswered and unapplied until released. */
void                     concord_mock_elasticemail_stall_request    (ConcordMockElasticEmail  *self,
                                                                     const char * const       *patterns,
                                                                     guint                     nth,
                                                                     ConcordMockElasticEmailStallFunc func,
                                                                     gpointer                  user_data);
void                     concord_mock_elasticemail_release_stalled  (ConcordMockElasticEmail  *self,
                                                                     gboolean                  apply);

/* What clients did: "METHOD /v4/path?query", in order. */
guint                    concord_mock_elasticemail_get_n_requests   (ConcordMockElasticEmail  *self);
GPtrArray               *concord_mock_elasticemail_get_requests     (ConcordMockElasticEmail  *self);
void                     concord_mock_elasticemail_reset_requests   (ConcordMockElasticEmail  *self);

G_END_DECLS
