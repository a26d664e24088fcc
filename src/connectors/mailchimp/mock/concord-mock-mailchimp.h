/* concord-mock-mailchimp.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-mock-app.h"
#include "concord-mock-server.h"

G_BEGIN_DECLS

/* Mailchimp's limit of simultaneous connections a key. */
#define CONCORD_MOCK_MAILCHIMP_MAX_CONNECTIONS 10
/* The id of the first audience a mock makes (concord_mock_mailchimp_add_list()). */
#define CONCORD_MOCK_MAILCHIMP_FIRST_LIST_ID "a6e761e54b"

#define CONCORD_TYPE_MOCK_MAILCHIMP (concord_mock_mailchimp_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMockMailchimp, concord_mock_mailchimp, CONCORD, MOCK_MAILCHIMP, GObject)

/* What concord-mock, the sandbox and the end-to-end tests run. */
extern const ConcordMockAppInfo concord_mock_mailchimp_info;

ConcordMockMailchimp *concord_mock_mailchimp_new               (const char            *api_key,
                                                                guint                  port,
                                                                GError               **error);
const char           *concord_mock_mailchimp_get_base_url      (ConcordMockMailchimp  *self);
ConcordMockServer    *concord_mock_mailchimp_get_server        (ConcordMockMailchimp  *self);
void                  concord_mock_mailchimp_set_api_key       (ConcordMockMailchimp  *self,
                                                                const char            *api_key);

/* The account; every call is thread-safe. */
char                 *concord_mock_mailchimp_add_list          (ConcordMockMailchimp  *self,
                                                                const char            *name);
char                 *concord_mock_mailchimp_dup_list_id       (ConcordMockMailchimp  *self,
                                                                guint                  index);
void                  concord_mock_mailchimp_add_merge_field   (ConcordMockMailchimp  *self,
                                                                const char            *list_id,
                                                                const char            *tag,
                                                                const char            *name,
                                                                const char            *type,
                                                                const char * const    *choices);
void                  concord_mock_mailchimp_set_merge_field_required (ConcordMockMailchimp *self,
                                                                       const char           *list_id,
                                                                       const char           *tag,
                                                                       gboolean              required);
char                 *concord_mock_mailchimp_put_member_json   (ConcordMockMailchimp  *self,
                                                                const char            *list_id,
                                                                const char            *member_json,
                                                                GError               **error);
char                 *concord_mock_mailchimp_get_member_json   (ConcordMockMailchimp  *self,
                                                                const char            *list_id,
                                                                const char            *email);
gboolean              concord_mock_mailchimp_set_status        (ConcordMockMailchimp  *self,
                                                                const char            *list_id,
                                                                const char            *email,
                                                                const char            *status);
guint                 concord_mock_mailchimp_get_n_members     (ConcordMockMailchimp  *self,
                                                                const char            *list_id);
void                  concord_mock_mailchimp_set_max_connections (ConcordMockMailchimp *self,
                                                                guint                  max);
void                  concord_mock_mailchimp_generate          (ConcordMockMailchimp  *self,
                                                                guint                  n,
                                                                guint32                seed);
gboolean              concord_mock_mailchimp_load_file         (ConcordMockMailchimp  *self,
                                                                const char            *path,
                                                                GError               **error);
void                  concord_mock_mailchimp_set_save_path     (ConcordMockMailchimp  *self,
                                                                const char            *path);

G_END_DECLS
