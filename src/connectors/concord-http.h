/* concord-http.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Most apps' documented limits are far higher; Concord stays polite. */
#define CONCORD_HTTP_MAX_CONNECTIONS 8
#define CONCORD_HTTP_TIMEOUT_SECONDS 60
/* A Retry-After beyond this is treated as this: a run should not sleep for hours. */
#define CONCORD_HTTP_MAX_RETRY_AFTER_SECONDS 900
/* A Retry-After above this is not waited for: the call fails at once with
 * CONCORD_ERROR_RATE_LIMITED, so the run fails and the schedule retries. */
#define CONCORD_HTTP_RETRY_AFTER_LIMIT_SECONDS 120
/* The most one listing (a run) of a connector waits on retries, all its
 * calls together; beyond it the call fails the same way. */
#define CONCORD_HTTP_RETRY_BUDGET_SECONDS 300

SoupSession *concord_http_session_new          (void);
gboolean     concord_http_check_status         (guint         status,
                                                const char   *context,
                                                GError      **error);
gint64       concord_http_parse_retry_after    (const char   *value,
                                                GDateTime    *now);
char        *concord_http_redact               (const char   *text);
char        *concord_http_origin               (GUri         *uri);
gboolean     concord_http_check_base_url       (const char   *url,
                                                GError      **error);
void         concord_http_message_prepare      (SoupMessage  *msg);
gboolean     concord_http_check_redirect       (SoupMessage  *msg,
                                                GError      **error);

G_END_DECLS
