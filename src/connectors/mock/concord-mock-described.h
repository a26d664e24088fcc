/* concord-mock-described.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "concord-mock-app.h"
#include "concord-mock-server.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_MOCK_DESCRIBED (concord_mock_described_get_type ())

G_DECLARE_FINAL_TYPE (ConcordMockDescribed, concord_mock_described, CONCORD, MOCK_DESCRIBED, GObject)

/**
 * ConcordMockDescribedQuirks:
 *
 * What an app's API does that its connector description does not say,
 * hand-written in src/connectors/described/mock/concord-mock-<app>.c. Every
 * member is optional. The functions run on the server's thread with the
 * mock's lock held, except generate_fields (the caller's thread, locked).
 */
typedef struct
{
  /* Checks a request beyond the described authentication (Copper's other
   * X-PW headers); answers it and returns FALSE to refuse it. */
  gboolean     (*check_request)      (ConcordMockDescribed *self,
                                      ConcordMockRequest   *request);
  /* The app's error body; NULL: {<error path>: message}. */
  char        *(*error_body)         (guint                 status,
                                      const char           *message);
  /* Checks the body of a list request sent as POST (Copper's search). */
  char        *(*check_list_body)    (JsonObject           *body);
  /* Checks the query of a list request sent as GET (Insightly's search:
   * field_name and field_value together). */
  char        *(*check_list_query)   (ConcordMockRequest   *request);
  /* Checks a custom field's value against its definition (as the fields
   * endpoint lists it); returns the problem (transfer full) or NULL. */
  char        *(*check_custom_value) (JsonObject           *definition,
                                      JsonNode             *value);
  /* Checks a create or update body beyond the described checks (valid
   * emails, known custom fields); returns the problem or NULL. */
  char        *(*check_record)       (JsonObject           *body,
                                      gboolean              creating);
  /* Fills a new record's members the app always sets. */
  void         (*init_record)        (JsonObject           *record);
  /* Applies one member of an update body the app's own way (Capsule's
   * nested items: added unless they carry an id); FALSE: the described
   * way (set, or merged by field for custom values). */
  gboolean     (*update_member)      (JsonObject           *record,
                                      const char           *member,
                                      JsonNode             *value);
  /* A record as an answer to @request shows it (Capsule: fields and tags
   * only when the query embeds them); returns (transfer full) a new
   * object, or a reference to @record. */
  JsonObject  *(*present)            (JsonObject           *record,
                                      ConcordMockRequest   *request);
  /* Recomputes what the app derives after a write (Copper's name). */
  void         (*fix_record)         (JsonObject           *record);
  /* The account's custom field definitions, as the fields endpoint lists
   * them, for generate() and a new mock (transfer full: a JSON array). */
  JsonArray   *(*sample_fields)      (void);
  /* A sample value of a custom field definition for generate(). */
  JsonNode    *(*sample_value)       (JsonObject           *definition,
                                      GRand                *rand);

  /* What the description cannot say about the server (0 or NULL: a
   * default from the description) */
  guint          invalid_status;       /* a refused record: 400 or 422 */
  guint          create_status;        /* 200 or 201 */
  const char    *auth_message;         /* the 401's message */
  guint          max_page_size;        /* above: 400 */
  guint          default_page_size;    /* without the size parameter */
  const char    *sort_param;           /* sorts by modification time when … */
  const char    *sort_value;           /* … it has this value */
  const char    *total_header;         /* the number of results (X-PW-TOTAL) */
  const char    *limit_header;         /* the rate limit's (the description names the others) */
  gboolean       reset_is_epoch;       /* the reset header is a Unix time, not seconds left */
  gboolean       retry_after;          /* a 429 carries Retry-After */
  gboolean       spaced_times;         /* times as "yyyy-mm-dd hh:mm:ss" UTC (Insightly) */
  const char    *verify_answer;        /* JSON (NULL: the verify request's expected path set) */
  const char    *link_page_param;      /* the page parameter of Link URLs (Capsule "page") */
  const char    *plain_list_path;      /* another GET listing, without the incremental filter */
  /* An update replaces the record: what it omits is cleared (Insightly's
   * PUT); FALSE: only what it holds changes. */
  gboolean       update_replaces;
  /* Rate limit over a rolling window, for concord-mock and the sandbox
   * (0: none); a mock made with concord_mock_described_new() has none. */
  guint          rate_limit;
  guint          rate_window_s;
} ConcordMockDescribedQuirks;

ConcordMockDescribed *concord_mock_described_new            (const char                       *app_id,
                                                             const ConcordMockDescribedQuirks *quirks,
                                                             const char                       *secret,
                                                             guint                             port,
                                                             GError                          **error);
const char           *concord_mock_described_get_app_id     (ConcordMockDescribed             *self);
const char           *concord_mock_described_get_base_url   (ConcordMockDescribed             *self);
ConcordMockServer    *concord_mock_described_get_server     (ConcordMockDescribed             *self);
void                  concord_mock_described_set_secret     (ConcordMockDescribed             *self,
                                                             const char                       *secret);
const char           *concord_mock_described_get_secret     (ConcordMockDescribed             *self);

/* The account; every call is thread-safe. */
void                  concord_mock_described_generate       (ConcordMockDescribed             *self,
                                                             guint                             n,
                                                             guint32                           seed);
gint64                concord_mock_described_put_record_json (ConcordMockDescribed            *self,
                                                             const char                       *json,
                                                             GError                          **error);
char                 *concord_mock_described_get_record_json (ConcordMockDescribed            *self,
                                                             gint64                            id);
guint                 concord_mock_described_get_n_records  (ConcordMockDescribed             *self);
gint64                concord_mock_described_find_email     (ConcordMockDescribed             *self,
                                                             const char                       *email);
void                  concord_mock_described_add_field_json (ConcordMockDescribed             *self,
                                                             const char                       *json);
gboolean              concord_mock_described_load_file      (ConcordMockDescribed             *self,
                                                             const char                       *path,
                                                             GError                          **error);
void                  concord_mock_described_set_save_path  (ConcordMockDescribed             *self,
                                                             const char                       *path);

/* How the API behaves: @limit requests per @window_s seconds, rolling (0:
 * none). */
void                  concord_mock_described_set_rate_limit (ConcordMockDescribed             *self,
                                                             guint                             limit,
                                                             guint                             window_s);

/* For the quirk files */
GObject              *_concord_mock_described_info_create        (const char                       *app_id,
                                                                  const ConcordMockDescribedQuirks *quirks,
                                                                  const char                       *secret,
                                                                  guint                             port,
                                                                  GError                          **error);
JsonNode             *concord_mock_described_get_path       (JsonObject                       *object,
                                                             const char                       *path);
void                  concord_mock_described_set_path       (JsonObject                       *object,
                                                             const char                       *path,
                                                             JsonNode                         *value);

/* The ConcordMockAppInfo members every described app shares: the quirk
 * file's info names its own create and these. */
ConcordMockServer    *_concord_mock_described_info_get_server    (GObject     *mock);
const char           *_concord_mock_described_info_get_base_url  (GObject     *mock);
void                  _concord_mock_described_info_set_secret    (GObject     *mock,
                                                                  const char  *secret);
void                  _concord_mock_described_info_generate      (GObject     *mock,
                                                                  guint        n,
                                                                  guint32      seed);
gboolean              _concord_mock_described_info_load_file     (GObject     *mock,
                                                                  const char  *path,
                                                                  GError     **error);
void                  _concord_mock_described_info_set_save_path (GObject     *mock,
                                                                  const char  *path);

G_END_DECLS
