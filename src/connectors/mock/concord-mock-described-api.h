/* concord-mock-described-api.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What the described mock serves, taken from a connector description as
 * the loader (concord-description.h) read it: the server's view of the
 * API, in the mock's own path syntax (members joined with ".", "name[]"
 * for every element of an array). Filled by
 * concord_mock_described_api_load(), the only code that reads a
 * description here.
 */

typedef enum
{
  CONCORD_MOCK_DESCRIBED_AUTH_HEADER,
  CONCORD_MOCK_DESCRIBED_AUTH_BEARER,
  CONCORD_MOCK_DESCRIBED_AUTH_BASIC,
  CONCORD_MOCK_DESCRIBED_AUTH_QUERY,
} ConcordMockDescribedAuth;

typedef enum
{
  CONCORD_MOCK_DESCRIBED_PAGING_OFFSET,
  CONCORD_MOCK_DESCRIBED_PAGING_PAGE,
  CONCORD_MOCK_DESCRIBED_PAGING_LINK,
  CONCORD_MOCK_DESCRIBED_PAGING_CURSOR,
} ConcordMockDescribedPaging;

typedef enum
{
  CONCORD_MOCK_DESCRIBED_TIME_UNIX,
  CONCORD_MOCK_DESCRIBED_TIME_ISO8601,
  /* "yyyy-mm-dd hh:mm:ss", UTC (Insightly's DATE_UPDATED_UTC) */
  CONCORD_MOCK_DESCRIBED_TIME_SPACED,
} ConcordMockDescribedTime;

typedef struct
{
  char                       *app_id;
  char                       *base_path;        /* "" or "/v3.1" */

  ConcordMockDescribedAuth    auth_kind;
  char                       *auth_name;        /* header or query parameter */
  char                       *auth_message;     /* the 401's message */
  GStrv                       fixed_headers;    /* name, value, name, value… */
  GStrv                       account_headers;  /* names of headers an account field fills */

  char                       *verify_method;
  char                       *verify_path;
  char                       *verify_answer;    /* JSON */

  char                       *list_method;
  char                       *list_path;
  ConcordMockDescribedPaging  paging;
  char                       *size_param;
  char                       *page_param;       /* offset, page number, cursor (Link: the page) */
  char                       *next_path;        /* (nullable): cursor paging's next cursor */
  guint                       default_page_size;
  guint                       max_page_size;
  char                       *since_param;      /* (nullable) */
  char                       *sort_param;       /* (nullable) */
  char                       *sort_value;
  char                       *records_path;     /* (nullable): NULL, the answer is the array */
  char                       *total_header;     /* (nullable): X-PW-TOTAL */

  char                       *id_path;
  char                       *email_path;       /* "EMAIL_ADDRESS", "emails[].email" */
  char                       *email_label_path; /* (nullable): "emails[].category" */
  char                       *email_label;
  char                       *modified_path;
  ConcordMockDescribedTime    modified_format;
  char                       *created_path;     /* (nullable) */
  GStrv                       read_only;        /* top-level members the app sets */
  GStrv                       where;            /* member, value…: what a contact holds */

  char                       *first_name_path;  /* (nullable), for generate() */
  char                       *last_name_path;
  char                       *name_path;
  char                       *phone_path;
  char                       *company_path;

  char                       *fields_path;      /* (nullable): the definitions endpoint */
  char                       *fields_selector;  /* (nullable): NULL, the answer is the array */
  char                       *def_id_path;
  char                       *def_name_path;
  char                       *def_type_path;
  char                       *values_path;      /* (nullable): "custom_fields[]" */
  char                       *value_key_path;   /* in an item: "custom_field_definition_id" */
  char                       *value_path;       /* in an item: "value" */

  char                       *fetch_path;       /* "/people/{id}" */
  char                       *create_method;
  char                       *create_path;
  guint                       create_status;
  char                       *update_method;
  char                       *update_path;      /* may lack {id}: the id is in the body */
  char                       *body_wrapper;     /* (nullable): "party" */
  char                       *fetch_answer;     /* (nullable): where answers put the record */
  char                       *create_answer;    /* (nullable); a batch's: the array */
  char                       *update_answer;    /* (nullable) */
  guint                       create_batch;     /* records a create takes; 1: one */
  char                       *create_records;   /* (nullable): a batch body's array member */

  char                       *error_path;
  char                       *limit_header;     /* (nullable) */
  char                       *remaining_header; /* (nullable) */
  char                       *reset_header;     /* (nullable) */
  gboolean                    reset_is_epoch;
  gboolean                    retry_after;
} ConcordMockDescribedApi;

ConcordMockDescribedApi *concord_mock_described_api_load (const char               *app_id,
                                                          GError                  **error);
void                     concord_mock_described_api_free (ConcordMockDescribedApi  *api);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConcordMockDescribedApi, concord_mock_described_api_free)

G_END_DECLS
