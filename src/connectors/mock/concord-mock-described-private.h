/* concord-mock-described-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the described mock share: its records and their
 * checks (concord-mock-described-records.c), its listing
 * (-list.c), its answers and other routes (-routes.c), and the object
 * with its paths and public API (concord-mock-described.c).
 */

#pragma once

#include "concord-mock-described.h"
#include "concord-mock-described-api.h"

G_BEGIN_DECLS

struct _ConcordMockDescribed
{
  GObject                           parent_instance;

  ConcordMockServer                *server;     /* (owned) */
  char                             *base_url;   /* (owned): immutable */
  ConcordMockDescribedApi          *api;        /* (owned): immutable */
  const ConcordMockDescribedQuirks *quirks;     /* (unowned): static */

  GMutex                            mutex;
  char                             *secret;     /* (owned) */
  GPtrArray                        *records;    /* (owned): JsonObject, id order */
  GHashTable                       *by_id;      /* (owned): id → JsonObject (unowned) */
  JsonArray                        *fields;     /* (owned): definitions as listed */
  gint64                            next_id;
  gint64                            clock;      /* the last modification time given */
  guint                             rate_limit; /* 0: none */
  gint64                            window_us;
  GQueue                            window;     /* arrival times (gint64 *, owned) */
  char                             *save_path;  /* (owned) (nullable) */
};

/* concord-mock-described.c */
GPtrArray *_concord_mock_described_collect_path (JsonObject *object,
                                                 const char *path);
gboolean   _concord_mock_described_node_id      (JsonNode *node,
                                                 gint64   *id);

/* concord-mock-described-records.c */
gboolean    _concord_mock_described_parse_time   (JsonNode *node,
                                                  gint64   *seconds);
gint64      _concord_mock_described_record_id    (ConcordMockDescribed *self,
                                                  JsonObject           *record);
gboolean    _concord_mock_described_is_contact   (ConcordMockDescribed *self,
                                                  JsonObject           *record);
JsonObject *_concord_mock_described_new_record   (ConcordMockDescribed *self);
JsonNode   *_concord_mock_described_object_node  (JsonObject *object);
void        _concord_mock_described_save         (ConcordMockDescribed *self);
char       *_concord_mock_described_check_record (ConcordMockDescribed *self,
                                                  JsonObject           *body);
void        _concord_mock_described_apply_record (ConcordMockDescribed *self,
                                                  JsonObject           *record,
                                                  JsonObject           *body,
                                                  gboolean              creating,
                                                  gboolean              replace);

/* concord-mock-described-routes.c */
char       *_concord_mock_described_build_error_body (guint       status,
                                                      const char *message,
                                                      gpointer    user_data);
void        _concord_mock_described_respond_json     (ConcordMockRequest *request,
                                                      guint               status,
                                                      JsonNode           *node);
JsonObject *_concord_mock_described_present          (ConcordMockDescribed *self,
                                                      ConcordMockRequest   *request,
                                                      JsonObject           *record);
JsonNode   *_concord_mock_described_request_json     (ConcordMockRequest *request);
void        _concord_mock_described_set_rate_header  (ConcordMockRequest *request,
                                                      const char         *name,
                                                      gint64              value);
void        _concord_mock_described_on_request_cb    (ConcordMockRequest *request,
                                                      gpointer            user_data);
void        _concord_mock_described_apply_quirks     (ConcordMockDescribedApi          *api,
                                                      const ConcordMockDescribedQuirks *quirks);

/* concord-mock-described-list.c */
void _concord_mock_described_list_records (ConcordMockDescribed *self,
                                           ConcordMockRequest   *request,
                                           gboolean              plain);

G_END_DECLS
