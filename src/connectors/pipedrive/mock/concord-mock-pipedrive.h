/* concord-mock-pipedrive.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-mock-app.h"
#include "concord-mock-server.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_MOCK_PIPEDRIVE (concord_mock_pipedrive_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMockPipedrive, concord_mock_pipedrive, CONCORD, MOCK_PIPEDRIVE, GObject)

/* What concord-mock, the sandbox and the end-to-end tests run. */
extern const ConcordMockAppInfo concord_mock_pipedrive_info;

ConcordMockPipedrive *concord_mock_pipedrive_new              (const char            *api_token,
                                                               guint                  port,
                                                               GError               **error);
const char           *concord_mock_pipedrive_get_base_url     (ConcordMockPipedrive  *self);
ConcordMockServer    *concord_mock_pipedrive_get_server       (ConcordMockPipedrive  *self);
void                  concord_mock_pipedrive_set_api_token    (ConcordMockPipedrive  *self,
                                                               const char            *api_token);

/* The account; every call is thread-safe. */
char                 *concord_mock_pipedrive_add_field        (ConcordMockPipedrive  *self,
                                                               const char            *name,
                                                               const char            *field_type,
                                                               const char * const    *options);
guint                 concord_mock_pipedrive_add_label        (ConcordMockPipedrive  *self,
                                                               const char            *name);
guint                 concord_mock_pipedrive_add_org          (ConcordMockPipedrive  *self,
                                                               const char            *name);
guint                 concord_mock_pipedrive_put_person_json  (ConcordMockPipedrive  *self,
                                                               const char            *person_json,
                                                               GError               **error);
char                 *concord_mock_pipedrive_get_person_json  (ConcordMockPipedrive  *self,
                                                               guint                  id);
guint                 concord_mock_pipedrive_get_n_persons    (ConcordMockPipedrive  *self);
guint                 concord_mock_pipedrive_get_n_orgs       (ConcordMockPipedrive  *self);
void                  concord_mock_pipedrive_generate         (ConcordMockPipedrive  *self,
                                                               guint                  n,
                                                               guint32                seed);

/* The account as a file, for the sandbox demo. */
gboolean              concord_mock_pipedrive_load_file        (ConcordMockPipedrive  *self,
                                                               const char            *path,
                                                               GError               **error);
void                  concord_mock_pipedrive_set_save_path    (ConcordMockPipedrive  *self,
                                                               const char            *path);

/* How the API behaves: @limit requests per 2 s (0: none), and a 403
 * Cloudflare page after @n_429 429s in a row (0: never). */
void                  concord_mock_pipedrive_set_burst_limit  (ConcordMockPipedrive  *self,
                                                               guint                  limit,
                                                               guint                  n_429);
void                  concord_mock_pipedrive_set_blocked      (ConcordMockPipedrive  *self,
                                                               gboolean               blocked);

G_END_DECLS
