/* concord-description.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "concord-record.h"

G_BEGIN_DECLS

/* The format this Concord reads (docs/connector-descriptions.md). */
#define CONCORD_DESCRIPTION_FORMAT 1
/* The resource folder the registry enumerates. */
#define CONCORD_DESCRIPTION_RESOURCE_PATH "/io/github/concordsync/Concord/connectors"

/**
 * ConcordDescPath:
 * @text: the path as written ("address.city", "errors[0].message", "")
 * @n_steps: its steps; 0 for the whole value
 * @names: (array length=n_steps): each step's member name
 * @indices: (array length=n_steps): each step's array index after the
 *   member, -1 for none
 *
 * A path into JSON, compiled once at load.
 */
typedef struct
{
  char   *text;
  guint   n_steps;
  char  **names;
  gint   *indices;
} ConcordDescPath;

JsonNode   *concord_desc_path_get      (const ConcordDescPath *path,
                                        JsonNode              *node);
char       *concord_desc_path_get_text (const ConcordDescPath *path,
                                        JsonNode              *node,
                                        gsize                  max_bytes,
                                        gboolean              *repaired);
void        concord_desc_path_set      (const ConcordDescPath *path,
                                        JsonObject            *object,
                                        JsonNode              *value);
ConcordDescPath *concord_desc_path_new  (const char           *text,
                                         const char           *place,
                                         GError              **error);
void        concord_desc_path_free     (ConcordDescPath       *path);

typedef enum
{
  CONCORD_DESC_AUTH_HEADER,
  CONCORD_DESC_AUTH_BEARER,
  CONCORD_DESC_AUTH_BASIC,
  CONCORD_DESC_AUTH_QUERY,
} ConcordDescAuthKind;

typedef enum
{
  CONCORD_DESC_PAGING_OFFSET,
  CONCORD_DESC_PAGING_PAGE_NUMBER,
  CONCORD_DESC_PAGING_CURSOR,
  CONCORD_DESC_PAGING_LINK,
} ConcordDescPaging;

typedef enum
{
  CONCORD_DESC_INCREMENTAL_NONE,
  CONCORD_DESC_INCREMENTAL_MODIFIED_SINCE,
  CONCORD_DESC_INCREMENTAL_SYNC_TOKEN,
} ConcordDescIncremental;

typedef enum
{
  CONCORD_DESC_TIME_UNIX,
  CONCORD_DESC_TIME_UNIX_MS,
  CONCORD_DESC_TIME_ISO8601,
} ConcordDescTime;

typedef enum
{
  CONCORD_DESC_FIELD_SECRET,
  CONCORD_DESC_FIELD_TEXT,
  CONCORD_DESC_FIELD_URL,
  CONCORD_DESC_FIELD_CHOICE,
} ConcordDescFieldKind;

/* A request of the description; @query and @body are templates (shared). */
typedef struct
{
  char            *method;
  char            *path;
  JsonObject      *query;   /* (nullable) */
  JsonObject      *body;    /* (nullable) */
  ConcordDescPath *answer;  /* never NULL: "" when not said */
} ConcordDescRequest;

typedef struct
{
  ConcordDescPath *value;         /* (nullable): the items are strings */
  ConcordDescPath *label;         /* (nullable) */
  ConcordDescPath *primary;       /* (nullable) */
  GHashTable      *labels;        /* app label → Concord label */
  GHashTable      *labels_back;   /* Concord label → app label */
  char            *default_label; /* (nullable) */
  /* (nullable), both or neither: an item's id, and the member that asks
   * the app to delete the item of that id (Capsule's "_delete"), for an
   * app that keeps the items an update leaves out and adds those sent
   * without an id */
  ConcordDescPath *id;
  ConcordDescPath *delete_flag;
} ConcordDescItems;

typedef struct
{
  char             *key;
  ConcordDescPath  *path;
  ConcordFieldType  type;
  gboolean          has_format;
  ConcordDescTime   format;
  gboolean          read_only;
  char            **choices;        /* (nullable) */
  char            **choice_labels;  /* (nullable) */
  ConcordDescItems *items;          /* (nullable) */
} ConcordDescField;

typedef struct
{
  char                 *key;
  ConcordDescFieldKind  kind;
  char                 *label;
  char                 *help;           /* (nullable) */
  gboolean              required;
  gboolean              advanced;
  gboolean              editable;
  GPtrArray            *choice_values;  /* (nullable) */
  GPtrArray            *choice_labels;  /* (nullable) */
  GRegex               *check;          /* (nullable) */
  char                 *check_message;  /* (nullable) */
  char                 *default_value;  /* (nullable) */
} ConcordDescAccountField;

typedef struct
{
  char   *name;
  char   *from;   /* "secret" or an account field's key */
  GRegex *regex;
} ConcordDescDerive;

typedef struct
{
  ConcordDescRequest *request;
  ConcordDescPath    *records;
  JsonObject         *where;       /* (nullable) */
  ConcordDescPath    *id;
  ConcordDescPath    *name;
  ConcordDescPath    *type;
  ConcordDescPath    *read_only;   /* (nullable) */
  ConcordDescPath    *options;     /* (nullable) */
  ConcordDescPath    *option_value;/* (nullable) */
  ConcordDescPath    *option_label;/* (nullable) */
  GHashTable         *types;       /* app type → GINT_TO_POINTER (ConcordFieldType + 1) */
  ConcordDescPath    *values;      /* the array, or the object with @values_object */
  gboolean            values_object;
  ConcordDescPath    *value_id;    /* (nullable) with @values_object */
  ConcordDescPath    *value_value; /* (nullable) with @values_object */
} ConcordDescCustom;

typedef struct
{
  char                   *id;            /* (nullable): discovered types */
  char                   *label;         /* (nullable) */
  ConcordDescRequest     *discover;      /* (nullable) */
  ConcordDescPath        *discover_records;
  ConcordDescPath        *discover_id;
  ConcordDescPath        *discover_name;

  ConcordDescRequest     *list;
  ConcordDescPath        *list_records;
  gboolean                params_in_body;
  ConcordDescPaging       paging;
  char                   *page_param;    /* offset / page / cursor parameter (nullable for link) */
  char                   *size_param;    /* (nullable) */
  guint                   page_size;
  guint                   first_page;
  gboolean                short_page_ends;
  ConcordDescPath        *next;          /* cursor style */
  ConcordDescIncremental  incremental;
  char                   *since_param;
  ConcordDescTime         since_format;
  ConcordDescPath        *sync_token;
  guint                   overlap;

  ConcordDescPath        *record_id;
  ConcordDescField       *email;
  ConcordDescPath        *modified;      /* (nullable) */
  ConcordDescTime         modified_format;
  JsonObject             *where;         /* (nullable) */
  GPtrArray              *fields;        /* ConcordDescField */
  ConcordDescCustom      *custom;        /* (nullable) */

  ConcordDescRequest     *fetch;
  ConcordDescRequest     *create;
  guint                   batch;
  char                   *create_wrap;   /* (nullable) */
  char                   *create_records;/* (nullable): the array member of a batch body */
  ConcordDescRequest     *update;
  gboolean                update_full;
  char                   *update_wrap;   /* (nullable) */
  char                   *id_member;     /* (nullable) */
} ConcordDescContactType;

/**
 * ConcordDescription:
 *
 * A connector description, checked and compiled
 * (docs/connector-descriptions.md). Read-only once loaded; shared by
 * reference.
 */
typedef struct _ConcordDescription
{
  gatomicrefcount      ref_count;
  char                *id;
  char                *name;
  char                *icon;
  char                *key_url;
  char                *key_help;        /* (nullable) */
  GPtrArray           *account;         /* ConcordDescAccountField, base_url not among them */
  char                *base_url;
  GPtrArray           *derive;          /* ConcordDescDerive */
  ConcordDescAuthKind  auth;
  char                *auth_name;       /* header or query parameter (nullable) */
  char                *auth_value;      /* header value / basic user template */
  char                *auth_password;   /* basic password template */
  GPtrArray           *header_names;    /* char * */
  GPtrArray           *header_values;   /* char * templates */
  ConcordDescRequest  *verify;
  ConcordDescPath     *verify_expect;   /* (nullable) */
  char                *rate_remaining;  /* (nullable) */
  char                *rate_reset;      /* (nullable) */
  guint                rate_requests;
  guint                rate_seconds;
  GPtrArray           *error_paths;     /* ConcordDescPath */
  char               **hooks;           /* NULL-terminated, never NULL */
  guint                max_in_flight;
  GPtrArray           *contact_types;   /* ConcordDescContactType */
} ConcordDescription;

ConcordDescription *concord_description_load         (const char          *data,
                                                      gssize               length,
                                                      GError             **error);
ConcordDescription *concord_description_ref          (ConcordDescription  *description);
void                concord_description_unref        (ConcordDescription  *description);
gboolean            concord_description_uses_hook    (const ConcordDescription *description,
                                                      const char          *hook);
const ConcordDescContactType *
                    concord_description_find_type    (const ConcordDescription *description,
                                                      const char          *contact_type);
char               *concord_description_fill         (const ConcordDescription *description,
                                                      const char          *template_text,
                                                      JsonObject          *options,
                                                      const char          *secret,
                                                      const char          *contact_type,
                                                      const char          *id,
                                                      gboolean             escape,
                                                      GError             **error);
char               *concord_description_base_url     (const ConcordDescription *description,
                                                      JsonObject          *options,
                                                      const char          *secret,
                                                      GError             **error);
char               *concord_description_derive       (const ConcordDescription *description,
                                                      const char          *name,
                                                      JsonObject          *options,
                                                      const char          *secret,
                                                      GError             **error);
gboolean            concord_desc_parse_time          (JsonNode            *node,
                                                      ConcordDescTime      format,
                                                      gint64              *unix_time);
char               *concord_desc_format_time         (gint64               unix_time,
                                                      ConcordDescTime      format);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordDescription, concord_description_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordDescPath, concord_desc_path_free)

G_END_DECLS
