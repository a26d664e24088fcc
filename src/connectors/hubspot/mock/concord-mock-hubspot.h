/* concord-mock-hubspot.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-mock-app.h"
#include "concord-mock-server.h"

G_BEGIN_DECLS

/* The most results one search query reaches (after + limit beyond: 400). */
#define CONCORD_MOCK_HUBSPOT_SEARCH_WINDOW 10000

#define CONCORD_TYPE_MOCK_HUBSPOT (concord_mock_hubspot_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMockHubspot, concord_mock_hubspot, CONCORD, MOCK_HUBSPOT, GObject)

/* What concord-mock, the sandbox and the end-to-end tests run. */
extern const ConcordMockAppInfo concord_mock_hubspot_info;

ConcordMockHubspot *concord_mock_hubspot_new               (const char          *token,
                                                            guint                port,
                                                            GError             **error);
const char         *concord_mock_hubspot_get_base_url      (ConcordMockHubspot  *self);
ConcordMockServer  *concord_mock_hubspot_get_server        (ConcordMockHubspot  *self);
void                concord_mock_hubspot_set_token         (ConcordMockHubspot  *self,
                                                            const char          *token);

/* The account; every call is thread-safe. */
void                concord_mock_hubspot_add_property      (ConcordMockHubspot  *self,
                                                            const char          *name,
                                                            const char          *label,
                                                            const char          *type,
                                                            const char          *field_type,
                                                            const char * const  *options);
guint64             concord_mock_hubspot_put_contact_json  (ConcordMockHubspot  *self,
                                                            const char          *properties_json,
                                                            GError             **error);
char               *concord_mock_hubspot_get_contact_json  (ConcordMockHubspot  *self,
                                                            guint64              id);
guint64             concord_mock_hubspot_find_email        (ConcordMockHubspot  *self,
                                                            const char          *email);
gboolean            concord_mock_hubspot_archive           (ConcordMockHubspot  *self,
                                                            guint64              id);
guint               concord_mock_hubspot_get_n_contacts    (ConcordMockHubspot  *self);
void                concord_mock_hubspot_set_frozen_time   (ConcordMockHubspot  *self,
                                                            gint64               unix_ms);
void                concord_mock_hubspot_generate          (ConcordMockHubspot  *self,
                                                            guint                n,
                                                            guint32              seed);

/* How the API behaves: @max requests per rolling 10 s (0: no limit);
 * searches per second; batches written all or nothing. */
void                concord_mock_hubspot_set_rate_limit        (ConcordMockHubspot  *self,
                                                                guint                max);
guint               concord_mock_hubspot_get_n_429             (ConcordMockHubspot  *self);
void                concord_mock_hubspot_set_search_rate_limit (ConcordMockHubspot  *self,
                                                                guint                max);
void                concord_mock_hubspot_set_atomic_batches    (ConcordMockHubspot  *self,
                                                                gboolean             atomic);

gboolean            concord_mock_hubspot_load_file         (ConcordMockHubspot  *self,
                                                            const char          *path,
                                                            GError             **error);
void                concord_mock_hubspot_set_save_path     (ConcordMockHubspot  *self,
                                                            const char          *path);

G_END_DECLS
