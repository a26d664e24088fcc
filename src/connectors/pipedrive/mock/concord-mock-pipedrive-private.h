/* concord-mock-pipedrive-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the simulated Pipedrive share: its account's data and
 * the checks of what is written (concord-mock-pipedrive-state.c), the
 * account as a file (-file.c), the endpoints and their routing
 * (-requests.c), and the object with its public API
 * (concord-mock-pipedrive.c).
 */

#pragma once

#include "concord-mock-pipedrive.h"
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define MAX_LIMIT        500
#define DEFAULT_LIMIT    100
#define SAVE_DELAY_MS    250
#define STATE_VERSION    1
#define WINDOW_US        (2 * G_USEC_PER_SEC)
#define ERROR_INFO       "Please check developers.pipedrive.com for more information about " \
                         "Pipedrive API."
#define CLOUDFLARE_PAGE  "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare" \
                         "</title></head><body><h1>Sorry, you have been blocked</h1></body></html>"

typedef struct
{
  JsonObject *object;      /* (owned): the person as the API shows it */
  GHashTable *left;        /* (owned): marketing statuses this person has left */
} ConcordMockPipedrivePerson;

typedef struct
{
  char       *key;         /* (owned) */
  char       *name;        /* (owned) */
  char       *field_type;  /* (owned) */
  GPtrArray  *options;     /* (owned) (nullable): labels; option id = index + 1 */
} ConcordMockPipedriveField;

struct _ConcordMockPipedrive
{
  GObject            parent_instance;

  ConcordMockServer *server;      /* (owned) */
  char              *base_url;    /* (owned): immutable */

  GMutex             mutex;
  char              *api_token;   /* (owned) */
  GPtrArray         *persons;     /* (owned): Person, id order */
  GHashTable        *by_id;       /* (owned): id → Person (unowned) */
  guint              next_id;
  GPtrArray         *orgs;        /* (owned): names; id = index + 1 */
  GPtrArray         *labels;      /* (owned): names; id = index + 1 */
  GPtrArray         *fields;      /* (owned): Field, custom ones */
  guint              burst_limit; /* 0: none */
  guint              cloudflare_after;
  GQueue             window;      /* arrival times (gint64 *, owned) in the last 2 s */
  guint              n_429;       /* 429s in a row */
  gboolean           blocked;     /* Cloudflare blocks every request */
  gint64             clock;       /* the last update_time given, Unix seconds */
  char              *save_path;   /* (owned) (nullable) */
  gboolean           unsaved;     /* changed since the last save */
  GSource           *save_source; /* (owned) (nullable): server thread only */
};

/* concord-mock-pipedrive-state.c */
void                        _concord_mock_pipedrive_person_free (ConcordMockPipedrivePerson *person);
void                        _concord_mock_pipedrive_field_free  (ConcordMockPipedriveField *field);
void                        _concord_mock_pipedrive_split_name  (JsonObject *object,
                                                                 const char *name);
char                       *_concord_mock_pipedrive_check_body  (ConcordMockPipedrive *self,
                                                                 JsonObject           *body,
                                                                 gboolean              creating);
void                        _concord_mock_pipedrive_apply_body  (ConcordMockPipedrive       *self,
                                                                 ConcordMockPipedrivePerson *person,
                                                                 JsonObject                 *body);
ConcordMockPipedrivePerson *_concord_mock_pipedrive_new_person  (ConcordMockPipedrive *self);

/* concord-mock-pipedrive-file.c */
char     *_concord_mock_pipedrive_state_to_string (ConcordMockPipedrive *self);
gboolean  _concord_mock_pipedrive_state_load      (ConcordMockPipedrive  *self,
                                                   JsonNode              *root,
                                                   GError               **error);
void      _concord_mock_pipedrive_save_if_unsaved (ConcordMockPipedrive *self);
void      _concord_mock_pipedrive_schedule_save   (ConcordMockPipedrive *self);

/* concord-mock-pipedrive-requests.c */
char     *_concord_mock_pipedrive_envelope         (JsonNode   *data,
                                                    JsonObject *additional);
char     *_concord_mock_pipedrive_build_error_body (guint       status,
                                                    const char *message,
                                                    gpointer    user_data);
JsonNode *_concord_mock_pipedrive_object_node      (JsonObject *object);
void      _concord_mock_pipedrive_on_request_cb    (ConcordMockRequest *request,
                                                    gpointer            user_data);

G_END_DECLS
