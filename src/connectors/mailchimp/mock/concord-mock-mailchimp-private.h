/* concord-mock-mailchimp-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the simulated Mailchimp share: its audiences and
 * members with the checks of what is written (concord-mock-mailchimp-state.c),
 * the answers, reads and routing of requests (-requests.c), the writes
 * (-write.c), the account as a file and generated accounts (-file.c),
 * and the object with its public API (concord-mock-mailchimp.c).
 */

#pragma once

#include "concord-mock-mailchimp.h"
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define API_PREFIX      "/3.0"
#define MAX_COUNT       1000
#define DEFAULT_COUNT   10
#define MAX_BATCH       500
#define ERRORS_DOC      "https://mailchimp.com/developer/marketing/docs/errors/"

typedef struct
{
  char  *tag;      /* (owned) */
  char  *name;     /* (owned) */
  char  *type;     /* (owned) */
  char **choices;  /* (owned) (nullable) */
  guint  merge_id;
  gboolean required;
} ConcordMockMailchimpMergeField;

typedef struct
{
  char       *id;       /* (owned) */
  char       *name;     /* (owned) */
  GPtrArray  *members;  /* (owned): JsonObject, as the API shows them, in order of addition */
  GHashTable *by_hash;  /* (owned): hash → JsonObject (unowned) */
  GPtrArray  *fields;   /* (owned): MField */
} ConcordMockMailchimpList;

struct _ConcordMockMailchimp
{
  GObject            parent_instance;

  ConcordMockServer *server;      /* (owned) */
  char              *base_url;    /* (owned): immutable */

  GMutex             mutex;
  char              *api_key;     /* (owned) */
  GPtrArray         *lists;       /* (owned): List */
  guint              max_connections;
  gint64             clock;       /* the last last_changed given, Unix seconds */
  guint              next_list;
  char              *save_path;   /* (owned) (nullable) */
};

/* concord-mock-mailchimp.c */
ConcordMockMailchimpList *_concord_mock_mailchimp_add_list_locked  (ConcordMockMailchimp *self,
                                                                    const char           *id,
                                                                    const char           *name);
void                      _concord_mock_mailchimp_add_field_locked (ConcordMockMailchimpList *list,
                                                                    const char               *tag,
                                                                    const char               *name,
                                                                    const char               *type,
                                                                    const char * const       *choices);

/* concord-mock-mailchimp-state.c */
void                            _concord_mock_mailchimp_mfield_free      (ConcordMockMailchimpMergeField *field);
void                            _concord_mock_mailchimp_list_free        (ConcordMockMailchimpList *list);
char                           *_concord_mock_mailchimp_hash_of          (const char *email);
ConcordMockMailchimpList       *_concord_mock_mailchimp_find_list        (ConcordMockMailchimp *self,
                                                                          const char           *id);
ConcordMockMailchimpMergeField *_concord_mock_mailchimp_find_field       (ConcordMockMailchimpList *list,
                                                                          const char               *tag);
char                           *_concord_mock_mailchimp_next_time        (ConcordMockMailchimp *self);
gint64                          _concord_mock_mailchimp_parse_time       (const char *text);
JsonObject                     *_concord_mock_mailchimp_new_member       (ConcordMockMailchimp     *self,
                                                                          ConcordMockMailchimpList *list,
                                                                          const char               *email);
char                           *_concord_mock_mailchimp_check_body       (ConcordMockMailchimpList  *list,
                                                                          JsonObject                *body,
                                                                          JsonObject                *existing,
                                                                          const char               **field);
const char                     *_concord_mock_mailchimp_missing_required (ConcordMockMailchimpList *list,
                                                                          JsonObject               *body,
                                                                          gboolean                  skip);
void                            _concord_mock_mailchimp_set_tags         (JsonObject *member,
                                                                          JsonArray  *names,
                                                                          gboolean    add);
void                            _concord_mock_mailchimp_apply_body       (ConcordMockMailchimp     *self,
                                                                          ConcordMockMailchimpList *list,
                                                                          JsonObject               *member,
                                                                          JsonObject               *body,
                                                                          gboolean                  is_new);

/* concord-mock-mailchimp-requests.c */
char       *_concord_mock_mailchimp_build_error_body (guint       status,
                                                      const char *message,
                                                      gpointer    user_data);
void        _concord_mock_mailchimp_respond_problem  (ConcordMockRequest *request,
                                                      guint               status,
                                                      const char         *title,
                                                      const char         *detail,
                                                      const char         *field);
void        _concord_mock_mailchimp_respond_object   (ConcordMockRequest *request,
                                                      guint               status,
                                                      JsonObject         *object);
JsonObject *_concord_mock_mailchimp_request_body     (ConcordMockRequest *request);
JsonObject *_concord_mock_mailchimp_make_field       (gpointer item,
                                                      gpointer data);
void        _concord_mock_mailchimp_on_request_cb    (ConcordMockRequest *request,
                                                      gpointer            user_data);

/* concord-mock-mailchimp-write.c */
void _concord_mock_mailchimp_write_member    (ConcordMockMailchimp     *self,
                                              ConcordMockRequest       *request,
                                              ConcordMockMailchimpList *list,
                                              const char               *hash,
                                              const char               *method);
void _concord_mock_mailchimp_batch_subscribe (ConcordMockMailchimp     *self,
                                              ConcordMockRequest       *request,
                                              ConcordMockMailchimpList *list,
                                              guint                     max_items);
void _concord_mock_mailchimp_write_tags      (ConcordMockMailchimp *self,
                                              ConcordMockRequest   *request,
                                              JsonObject           *member);

/* concord-mock-mailchimp-file.c */
void _concord_mock_mailchimp_save_locked (ConcordMockMailchimp *self);

G_END_DECLS
