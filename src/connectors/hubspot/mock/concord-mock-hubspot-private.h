/* concord-mock-hubspot-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the parts of the simulated HubSpot share: its account's data and
 * their saving (concord-mock-hubspot-state.c), writes (-write.c), reads,
 * errors and the routing of requests (-requests.c), and the object with
 * its public API (concord-mock-hubspot.c).
 */

#pragma once

#include "concord-mock-hubspot.h"
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define MAX_LIMIT         100
#define DEFAULT_LIMIT     10
#define MAX_SEARCH_LIMIT  200
#define MAX_BATCH         100
#define WINDOW_US         (10 * G_USEC_PER_SEC)
#define PATH_CONTACTS     "/crm/v3/objects/contacts"
#define PATH_PROPERTIES   "/crm/v3/properties/contacts"
#define FORMAT_VERSION    1

typedef struct
{
  char       *name;
  char       *label;
  char       *type;        /* string, number, date, datetime, enumeration, bool */
  char       *field_type;  /* text, select, radio, checkbox, booleancheckbox, … */
  GPtrArray  *options;     /* (owned) (nullable): label, value, label, value, … */
  gboolean    custom;
  gboolean    read_only;
  gboolean    calculated;
} ConcordMockHubspotProperty;

typedef struct
{
  guint64     id;
  GHashTable *values;      /* (owned): name → value */
  gint64      created_ms;
  gint64      updated_ms;
  gint64      archived_ms; /* 0: live */
} ConcordMockHubspotContact;

struct _ConcordMockHubspot
{
  GObject            parent_instance;

  ConcordMockServer *server;      /* (owned) */
  char              *base_url;    /* (owned): immutable */

  GMutex             mutex;
  char              *token;       /* (owned) */
  GPtrArray         *contacts;    /* (owned): Contact, id order */
  GHashTable        *by_id;       /* (owned): id → Contact (unowned) */
  GHashTable        *by_email;    /* (owned): lower-case email → live Contact (unowned) */
  GPtrArray         *properties;  /* (owned): Property */
  guint64            next_id;
  gint64             clock_ms;    /* the last lastmodifieddate given */
  gint64             frozen_ms;   /* 0: the real clock */
  guint              rate_max;    /* 0: none */
  GQueue             window;      /* arrival times (gint64 *, owned) */
  guint              n_429;
  guint              search_max;  /* searches a second (0: none) */
  GQueue             search_window; /* arrival times (gint64 *, owned) */
  gboolean           atomic;      /* a batch write with one bad input fails whole */
  char              *save_path;   /* (owned) (nullable) */
};

/* concord-mock-hubspot-state.c */
void                        _concord_mock_hubspot_property_free  (ConcordMockHubspotProperty *property);
void                        _concord_mock_hubspot_contact_free   (ConcordMockHubspotContact *contact);
ConcordMockHubspotProperty *_concord_mock_hubspot_find_property  (ConcordMockHubspot *self,
                                                                  const char         *name);
ConcordMockHubspotProperty *_concord_mock_hubspot_add_property   (ConcordMockHubspot *self,
                                                                  const char         *name,
                                                                  const char         *label,
                                                                  const char         *type,
                                                                  const char         *field_type,
                                                                  const char * const *options,
                                                                  gboolean            custom,
                                                                  gboolean            read_only,
                                                                  gboolean            calculated);
gboolean                    _concord_mock_hubspot_is_option      (ConcordMockHubspotProperty *property,
                                                                  const char                 *value);
gint64                      _concord_mock_hubspot_next_ms        (ConcordMockHubspot *self);
gboolean                    _concord_mock_hubspot_email_is_valid (const char *email);
ConcordMockHubspotContact  *_concord_mock_hubspot_find_email     (ConcordMockHubspot        *self,
                                                                  const char                *email,
                                                                  ConcordMockHubspotContact *except);
void                        _concord_mock_hubspot_index_email    (ConcordMockHubspot        *self,
                                                                  ConcordMockHubspotContact *contact,
                                                                  const char                *old);
ConcordMockHubspotContact  *_concord_mock_hubspot_new_contact    (ConcordMockHubspot *self);
char                       *_concord_mock_hubspot_contact_value  (ConcordMockHubspotContact *contact,
                                                                  const char                *name);
gboolean                    _concord_mock_hubspot_contact_number (ConcordMockHubspotContact *contact,
                                                                  const char                *name,
                                                                  gint64                    *number);
JsonObject                 *_concord_mock_hubspot_contact_object (ConcordMockHubspot        *self,
                                                                  ConcordMockHubspotContact *contact,
                                                                  const char * const        *names);
void                        _concord_mock_hubspot_save_locked    (ConcordMockHubspot *self);

/* concord-mock-hubspot-write.c */
void                        _concord_mock_hubspot_apply_properties (ConcordMockHubspot        *self,
                                                                    ConcordMockHubspotContact *contact,
                                                                    JsonObject                *properties);
JsonObject                 *_concord_mock_hubspot_request_object   (ConcordMockRequest *request);
char                      **_concord_mock_hubspot_names_of_query   (const char *text);
char                      **_concord_mock_hubspot_names_of_array   (JsonNode *node);
ConcordMockHubspotContact  *_concord_mock_hubspot_contact_of_text  (ConcordMockHubspot *self,
                                                                    const char         *text);
void                        _concord_mock_hubspot_write_one        (ConcordMockHubspot        *self,
                                                                    ConcordMockRequest        *request,
                                                                    ConcordMockHubspotContact *contact);
void                        _concord_mock_hubspot_write_batch      (ConcordMockHubspot *self,
                                                                    ConcordMockRequest *request,
                                                                    const char         *action);

/* concord-mock-hubspot-requests.c */
JsonObject *_concord_mock_hubspot_error_object     (const char         *category,
                                                    const char         *message,
                                                    const char * const *context);
char       *_concord_mock_hubspot_object_text      (JsonObject *object);
char       *_concord_mock_hubspot_build_error_body (guint       status,
                                                    const char *message,
                                                    gpointer    user_data);
void        _concord_mock_hubspot_respond_error    (ConcordMockRequest *request,
                                                    guint               status,
                                                    const char         *category,
                                                    const char         *message);
void        _concord_mock_hubspot_respond_object   (ConcordMockRequest *request,
                                                    guint               status,
                                                    JsonObject         *object);
void        _concord_mock_hubspot_on_request_cb    (ConcordMockRequest *request,
                                                    gpointer            user_data);

G_END_DECLS
