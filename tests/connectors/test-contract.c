/* test-contract.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The connector contract: what every connector keeps, whatever its app.
 * One program, parameterised by a table of apps ({ name, make_mock,
 * make_connector, capabilities }), runs the same cases over each: the
 * memory connector (its fault injection plays the app), the Sample CRM (a
 * file plays the app), Elastic Email (its mock server plays the app) and
 * GNOME Contacts (the session's Evolution Data Server plays the app: its
 * cases run as the meson test contract-gnome-contacts, inside a private
 * session bus, .ci/run or tools/in-session.sh).
 * A new connector adds one row here, with its mock; its own test file
 * keeps only its app's quirks.
 *
 * A case is skipped, with g_test_skip() and the reason, only where a
 * capability says the app cannot have it: a local file has no 429 and no
 * other origin, the memory connector has no bytes to parse. Timing is read
 * from the mock's request log (when each request arrived), never from the
 * test's own clock.
 *
 * Paths: /concord/contract/<app>/<case>.
 */

#define G_LOG_DOMAIN "concord-test-contract"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "concord-connector-elasticemail.h"
#include "concord-connector-mailchimp.h"
#include "concord-connector-hubspot.h"
#include "concord-connector-pipedrive.h"
#include "concord-connector-carddav-private.h"
#include "concord-connector-sample.h"
#include "concord-connector-vcard-folder.h"
#include "concord-connector-gnome-contacts.h"
#include "concord-app-registry.h"
#include "concord-description.h"
#include "concord-error.h"
#include "concord-json-connector.h"
#include "concord-memory-connector.h"
#include "concord-mock-described-apps.h"
#include "concord-mock-elasticemail.h"
#include "concord-mock-mailchimp.h"
#include "concord-mock-hubspot.h"
#include "concord-mock-pipedrive.h"
#include "concord-mock-carddav.h"
#include "concord-mock-server.h"
#include "concord-test-address-book.h"
#include "concord-test-connector.h"
#include "concord-test-utils.h"
#include "concord-vcard.h"

/* A key no log line and no other origin may ever see. */
#define SECRET_KEY "contract-key-5e1d9a7c3b2f4e6a8d0c"

/**
 * ContractCaps:
 * @CAP_SERVER: the app is a server (a mock): 429, 5xx, truncated answers,
 *   nesting bombs, redirects, requests in flight, 413
 * @CAP_FILE: the app is a local file: damaged files
 * @CAP_INJECTED: the app is in memory: faults are injected
 * @CAP_KEY: the connector takes a key the app checks
 * @CAP_FOLDER: the app is a local folder of files, one record each: a
 *   damaged file is left out alone, never failing the listing
 * @CAP_BOOK: the app is a local address book service (GNOME Contacts:
 *   the session's Evolution Data Server, in an address book made for
 *   the case): a card it holds that Concord cannot read is left out
 *   alone, never failing the listing
 */
typedef enum
{
  CAP_SERVER   = 1 << 0,
  CAP_FILE     = 1 << 1,
  CAP_INJECTED = 1 << 2,
  CAP_KEY      = 1 << 3,
  CAP_FOLDER   = 1 << 4,
  CAP_BOOK     = 1 << 5,
} ContractCaps;

typedef struct _ContractApp ContractApp;

typedef struct
{
  const ContractApp      *app;
  char                   *dir;          /* (owned): a folder for the case */
  char                   *path;         /* (owned) (nullable): the app's file */
  ConcordMockElasticEmail *mock;        /* (owned) (nullable) */
  GObject                *app_mock;     /* (owned) (nullable): another app's mock */
  ConcordMockServer      *server;       /* (unowned) (nullable): the mock's framework */
  ConcordMemoryConnector *memory;       /* (owned) (nullable): the app, in memory */
  ConcordTestAddressBook *book;         /* (owned) (nullable): the app's address book */
  char                   *contact_type; /* (owned): the app's, or its address book's */
  ConcordConnector       *connector;    /* (owned) */
} Fixture;

struct _ContractApp
{
  const char    *name;
  ContractCaps   caps;
  const char    *contact_type;
  const char    *key_header;       /* (nullable): the header the key goes in */
  guint          max_in_flight;    /* the connector's limit, for CAP_SERVER */
  void         (*make_mock)       (Fixture    *f);
  ConcordConnector *(*make_connector) (Fixture    *f,
                                       const char *key);
  /* A record the app refuses (the i-th of a batch) */
  ConcordRecord *(*make_refused)  (Fixture    *f,
                                   guint       i);
  /* (nullable) The method of its list requests ("GET" when NULL) and of
   * its create requests ("POST" when NULL): WebDAV's REPORT and PUT. */
  const char    *list_method;
  const char    *create_method;
};

/* ------------------------------------------------------------------------- */
/* Log capture                                                               */
/* ------------------------------------------------------------------------- */

static GMutex   log_mutex;
static GString *log_capture;   /* (owned): every message, at every level */
static GString *own_capture;   /* (owned): what connectors logged */

/* The log domains of connector code */
static gboolean
is_connector_domain (const char *domain)
{
  return g_str_has_prefix (domain, "concord-connector") ||
         g_str_has_prefix (domain, "concord-memory-connector") ||
         g_str_equal (domain, "concord-http") ||
         g_str_has_prefix (domain, "concord-http-") ||
         g_str_has_prefix (domain, "concord-rest") ||
         g_str_has_prefix (domain, "concord-file");
}

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean own = FALSE;

  for (gsize i = 0; i < n_fields; i++)
    {
      g_string_append (text, fields[i].key);
      g_string_append_c (text, '=');
      if (fields[i].length < 0)
        g_string_append (text, fields[i].value);
      else
        g_string_append_len (text, fields[i].value, fields[i].length);
      g_string_append_c (text, '\n');
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0 &&
          is_connector_domain (fields[i].value))
        own = TRUE;
    }

  g_mutex_lock (&log_mutex);
  g_string_append (log_capture, text->str);
  if (own)
    g_string_append (own_capture, text->str);
  g_mutex_unlock (&log_mutex);

  /* Debug output would only clutter the test log. */
  if ((log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* ------------------------------------------------------------------------- */
/* Records and calls                                                         */
/* ------------------------------------------------------------------------- */

static ConcordRecord *
new_person (const char *email,
            const char *first_name)
{
  ConcordRecord *record = concord_record_new (NULL);

  if (email != NULL)
    concord_record_set_text (record, CONCORD_FIELD_EMAIL, CONCORD_FIELD_TYPE_EMAIL, email);
  if (first_name != NULL)
    concord_record_set_text (record, CONCORD_FIELD_FIRST_NAME, CONCORD_FIELD_TYPE_STRING, first_name);

  return record;
}

/* The first request in @log after the first one to the same path and
 * query: the retry of the first request. */
static ConcordMockLogEntry *
find_retry (GPtrArray *log)
{
  ConcordMockLogEntry *first;

  g_assert_cmpuint (log->len, >=, 2);
  first = g_ptr_array_index (log, 0);
  for (guint i = 1; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

      if (g_str_equal (entry->method, first->method) && g_str_equal (entry->path, first->path) &&
          g_strcmp0 (entry->query, first->query) == 0)
        return entry;
    }

  g_assert_not_reached ();
  return NULL;
}

static GPtrArray *
new_records (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) concord_record_unref);
}

static GPtrArray *
create (Fixture    *f,
        GPtrArray  *records,
        GError    **error)
{
  GAsyncResult *result = NULL;
  g_autoptr(GAsyncResult) done = NULL;

  concord_connector_create_async (f->connector, f->contact_type, records, NULL,
                                  concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);

  return concord_connector_create_finish (f->connector, done, error);
}

/* Creates @n people, person<i>@example.com, in batches the connector takes. */
static void
create_people (Fixture *f,
               guint    n)
{
  guint max_batch = MAX (concord_connector_get_max_batch (f->connector), 1);

  for (guint start = 0; start < n; start += max_batch)
    {
      g_autoptr(GPtrArray) records = new_records ();
      g_autoptr(GPtrArray) results = NULL;
      g_autoptr(GError) error = NULL;

      for (guint i = start; i < MIN (n, start + max_batch); i++)
        {
          g_autofree char *email = g_strdup_printf ("person%05u@example.com", i);

          g_ptr_array_add (records, new_person (email, "Person"));
        }
      results = create (f, records, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < results->len; i++)
        g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, i))->error);
    }
}

/* Every record of every page, by lower-cased email; fails the test on a
 * record listed twice. Sets @n_pages. */
static GHashTable *
list_all (Fixture  *f,
          guint    *n_pages,
          GError  **error)
{
  g_autoptr(GHashTable) all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                     (GDestroyNotify) concord_record_unref);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *token = NULL;
  guint pages = 0;

  do
    {
      g_autoptr(ConcordPage) page = concord_test_list_page (f->connector, f->contact_type,
                                                            token, error);

      if (page == NULL)
        return NULL;
      pages++;
      g_assert_cmpuint (pages, <, 10000);
      for (guint i = 0; i < page->records->len; i++)
        {
          ConcordRecord *record = g_ptr_array_index (page->records, i);
          const char *email = concord_record_get_email (record);

          g_assert_nonnull (concord_record_get_remote_id (record));
          g_assert_true (g_hash_table_add (ids, g_strdup (concord_record_get_remote_id (record))));
          if (email != NULL)
            g_hash_table_replace (all, g_ascii_strdown (email, -1), concord_record_ref (record));
        }
      g_free (token);
      token = g_strdup (page->next_page);
    }
  while (token != NULL);

  if (n_pages != NULL)
    *n_pages = pages;

  return g_steal_pointer (&all);
}

/* One page, with a cancellable, waited for by the caller. */
static void
start_list (Fixture       *f,
            GCancellable  *cancellable,
            GAsyncResult **result)
{
  concord_connector_list_async (f->connector, f->contact_type, NULL, NULL, cancellable,
                                concord_test_store_result_cb, result);
}

/* ------------------------------------------------------------------------- */
/* The apps                                                                  */
/* ------------------------------------------------------------------------- */

/* Memory: the connector is the app; faults are injected. */
static void
memory_make_mock (Fixture *f)
{
  f->memory = concord_memory_connector_new ("memory", CONCORD_CONNECTOR_NONE);
  concord_memory_connector_set_page_size (f->memory, 7);
  concord_memory_connector_set_max_batch (f->memory, 20);
}

static ConcordConnector *
memory_make_connector (Fixture    *f,
                       const char *key)
{
  return g_object_ref (CONCORD_CONNECTOR (f->memory));
}

static gboolean
memory_refuses (const ConcordRecord *record,
                gpointer             user_data)
{
  const char *email = concord_record_get_email (record);

  return email != NULL && g_str_has_prefix (email, "refused");
}

static ConcordRecord *
memory_make_refused (Fixture *f,
                     guint    i)
{
  g_autofree char *email = g_strdup_printf ("refused%u@example.com", i);

  concord_memory_connector_set_fail_func (f->memory, memory_refuses, NULL);
  return new_person (email, "Refused");
}

/* The Sample CRM: its file is the app. */
static void
sample_make_mock (Fixture *f)
{
  f->path = g_build_filename (f->dir, "sample-crm.json", NULL);
}

static ConcordConnector *
sample_make_connector (Fixture    *f,
                       const char *key)
{
  return CONCORD_CONNECTOR (concord_connector_sample_new (f->path, key));
}

/* The Sample CRM refuses a person without an email. */
static ConcordRecord *
sample_make_refused (Fixture *f,
                     guint    i)
{
  return new_person (NULL, "Nameless");
}

/* A vCard folder: the folder is the app. */
static void
vcard_folder_make_mock (Fixture *f)
{
}

static ConcordConnector *
vcard_folder_make_connector (Fixture    *f,
                             const char *key)
{
  return CONCORD_CONNECTOR (concord_connector_vcard_folder_new (f->dir, "GB"));
}

/* A card holds no field of another app's own (not an X- property). */
static ConcordRecord *
vcard_folder_make_refused (Fixture *f,
                           guint    i)
{
  ConcordRecord *record = new_person ("refused@example.com", "Refused");

  concord_record_set_number (record, "custom:Deals won", 3);
  return record;
}

/* Elastic Email: its mock server is the app. */
static void
elasticemail_make_mock (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->mock = concord_mock_elasticemail_new (SECRET_KEY, 0, &error);
  g_assert_no_error (error);
  f->server = concord_mock_elasticemail_get_server (f->mock);
}

static ConcordConnector *
elasticemail_make_connector (Fixture    *f,
                             const char *key)
{
  ConcordConnectorElasticEmail *connector =
    concord_connector_elasticemail_new (concord_mock_elasticemail_get_base_url (f->mock), key);

  /* Quick retries; a Retry-After is still honoured as sent. */
  concord_connector_elasticemail_set_retry_base_ms (connector, 2);
  return CONCORD_CONNECTOR (connector);
}

/* Elastic Email keeps no custom field the account does not define: the
 * connector reports that contact as not written. */
static ConcordRecord *
elasticemail_make_refused (Fixture *f,
                           guint    i)
{
  g_autofree char *email = g_strdup_printf ("refused%u@example.com", i);
  ConcordRecord *record = new_person (email, "Refused");

  concord_record_set_text (record, "custom:No such field", CONCORD_FIELD_TYPE_STRING, "x");
  return record;
}

/* Pipedrive: its mock server is the app; pages of 20 persons, so paging
 * needs no thousand writes (there is no batch: one request a person). */
static void
pipedrive_make_mock (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ConcordMockPipedrive *mock = concord_mock_pipedrive_new (SECRET_KEY, 0, &error);

  g_assert_no_error (error);
  f->app_mock = G_OBJECT (mock);
  f->server = concord_mock_pipedrive_get_server (mock);
}

static ConcordConnector *
pipedrive_make_connector (Fixture    *f,
                          const char *key)
{
  ConcordConnectorPipedrive *connector = concord_connector_pipedrive_new (
    concord_mock_pipedrive_get_base_url (CONCORD_MOCK_PIPEDRIVE (f->app_mock)), key);

  concord_connector_pipedrive_set_retry_base_ms (connector, 2);
  concord_connector_pipedrive_set_page_limit (connector, 20);
  return CONCORD_CONNECTOR (connector);
}

/* Pipedrive refuses an invalid email address, that person only. */
static ConcordRecord *
pipedrive_make_refused (Fixture *f,
                        guint    i)
{
  g_autofree char *email = g_strdup_printf ("refused%u-at-example.com", i);

  return new_person (email, "Refused");
}

/* Mailchimp: its mock server is the app, with one audience; pages of 20
 * members, batches of up to 500 in one request. */
static void
mailchimp_make_mock (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ConcordMockMailchimp *mock = concord_mock_mailchimp_new (SECRET_KEY, 0, &error);

  g_assert_no_error (error);
  g_free (concord_mock_mailchimp_add_list (mock, "Contract"));
  f->app_mock = G_OBJECT (mock);
  f->server = concord_mock_mailchimp_get_server (mock);
}

static ConcordConnector *
mailchimp_make_connector (Fixture    *f,
                          const char *key)
{
  ConcordConnectorMailchimp *connector = concord_connector_mailchimp_new (
    concord_mock_mailchimp_get_base_url (CONCORD_MOCK_MAILCHIMP (f->app_mock)), key);

  concord_connector_mailchimp_set_retry_base_ms (connector, 2);
  concord_connector_mailchimp_set_page_limit (connector, 20);
  return CONCORD_CONNECTOR (connector);
}

/* Mailchimp refuses an address it thinks fake, that member only. */
static ConcordRecord *
mailchimp_make_refused (Fixture *f,
                        guint    i)
{
  g_autofree char *email = g_strdup_printf ("refused%u@fake.invalid", i);

  return new_person (email, "Refused");
}

/* HubSpot: its mock server is the app; pages of 20 contacts, so paging
 * needs no thousand writes (creates go 100 a batch). */
static void
hubspot_make_mock (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ConcordMockHubspot *mock = concord_mock_hubspot_new (SECRET_KEY, 0, &error);

  g_assert_no_error (error);
  f->app_mock = G_OBJECT (mock);
  f->server = concord_mock_hubspot_get_server (mock);
}

static ConcordConnector *
hubspot_make_connector (Fixture    *f,
                        const char *key)
{
  ConcordConnectorHubspot *connector = concord_connector_hubspot_new (
    concord_mock_hubspot_get_base_url (CONCORD_MOCK_HUBSPOT (f->app_mock)), key);

  concord_connector_hubspot_set_retry_base_ms (connector, 2);
  concord_connector_hubspot_set_page_limit (connector, 20);
  return CONCORD_CONNECTOR (connector);
}

/* HubSpot refuses an invalid email address, that contact only (207). */
static ConcordRecord *
hubspot_make_refused (Fixture *f,
                      guint    i)
{
  g_autofree char *email = g_strdup_printf ("refused%u-at-example.com", i);

  return new_person (email, "Refused");
}

/* The described apps (Copper, Insightly, Capsule): the described mock
 * plays the app and ConcordJsonConnector reads the same shipped
 * description; pages of 20, one request a record. */
static void
described_make_mock (Fixture                          *f,
                     const char                       *id,
                     const ConcordMockDescribedQuirks *quirks)
{
  g_autoptr(GError) error = NULL;
  ConcordMockDescribed *mock = concord_mock_described_new (id, quirks, SECRET_KEY, 0, &error);

  g_assert_no_error (error);
  f->app_mock = G_OBJECT (mock);
  f->server = concord_mock_described_get_server (mock);
}

/* @option, @value: an account field the description needs (NULL: none) */
static ConcordConnector *
described_make_connector (Fixture    *f,
                          const char *key,
                          const char *option,
                          const char *value)
{
  ConcordMockDescribed *mock = CONCORD_MOCK_DESCRIBED (f->app_mock);
  ConcordDescription *description =
    concord_app_registry_get_description (concord_mock_described_get_app_id (mock));
  g_autoptr(JsonObject) options = json_object_new ();
  g_autoptr(GError) error = NULL;
  ConcordJsonConnector *connector;

  /* The very description the registry made the app from. */
  g_assert_nonnull (description);
  json_object_set_string_member (options, "base_url", concord_mock_described_get_base_url (mock));
  if (option != NULL)
    json_object_set_string_member (options, option, value);
  connector = concord_json_connector_new (description, options, key, &error);
  g_assert_no_error (error);
  concord_json_connector_set_retry_base_ms (connector, 2);
  concord_json_connector_set_page_size (connector, 20);
  return CONCORD_CONNECTOR (connector);
}

/* Each described app refuses an invalid email address, that record only. */
static ConcordRecord *
described_make_refused (Fixture *f,
                        guint    i)
{
  g_autofree char *email = g_strdup_printf ("refused%u-at-example.com", i);

  return new_person (email, "Refused");
}

static void
copper_make_mock (Fixture *f)
{
  described_make_mock (f, "copper", &concord_mock_copper_quirks);
}

static ConcordConnector *
copper_make_connector (Fixture    *f,
                       const char *key)
{
  return described_make_connector (f, key, "user_email", "owner@example.com");
}

static void
insightly_make_mock (Fixture *f)
{
  described_make_mock (f, "insightly", &concord_mock_insightly_quirks);
}

static ConcordConnector *
insightly_make_connector (Fixture    *f,
                          const char *key)
{
  return described_make_connector (f, key, "pod", "na1");
}

static void
capsule_make_mock (Fixture *f)
{
  described_make_mock (f, "capsule", &concord_mock_capsule_quirks);
}

static ConcordConnector *
capsule_make_connector (Fixture    *f,
                        const char *key)
{
  return described_make_connector (f, key, NULL, NULL);
}

/* CardDAV: its mock server is the app, with one address book; one PUT a
 * card, at most 100 KiB (max-resource-size). */
static void
carddav_make_mock (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ConcordMockCarddav *mock = concord_mock_carddav_new (SECRET_KEY, 0, &error);

  g_assert_no_error (error);
  f->app_mock = G_OBJECT (mock);
  f->server = concord_mock_carddav_get_server (mock);
}

static ConcordConnector *
carddav_make_connector (Fixture    *f,
                        const char *key)
{
  g_autofree char *url = g_strconcat (concord_mock_server_get_origin (f->server),
                                      CONCORD_MOCK_CARDDAV_BOOK, NULL);
  g_autoptr(GError) error = NULL;
  ConcordConnectorCarddav *connector = concord_connector_carddav_new (
    url, CONCORD_MOCK_CARDDAV_USER, key, "GB", &error);

  g_assert_no_error (error);
  _concord_connector_carddav_set_retry_base_ms (connector, 2);
  return CONCORD_CONNECTOR (connector);
}

/* A card over the book's max-resource-size: refused, that card only. */
static ConcordRecord *
carddav_make_refused (Fixture *f,
                      guint    i)
{
  g_autofree char *email = g_strdup_printf ("refused%u@example.com", i);
  g_autofree char *notes = g_strnfill (200 * 1024, 'n');
  ConcordRecord *record = new_person (email, "Refused");

  concord_record_set_text (record, "notes", CONCORD_FIELD_TYPE_STRING, notes);
  return record;
}

/* GNOME Contacts: the session's Evolution Data Server is the app, with
 * an address book made for the case (its UID is the contact type). */
static void
gnome_contacts_make_mock (Fixture *f)
{
  f->book = concord_test_address_book_new ("contract");
  g_free (f->contact_type);
  f->contact_type = g_strdup (f->book->uid);
}

static ConcordConnector *
gnome_contacts_make_connector (Fixture    *f,
                               const char *key)
{
  return CONCORD_CONNECTOR (concord_connector_gnome_contacts_new ("GB"));
}

/* A contact too big for a card: refused, that contact only. */
static ConcordRecord *
gnome_contacts_make_refused (Fixture *f,
                             guint    i)
{
  g_autofree char *email = g_strdup_printf ("refused%u@example.com", i);
  g_autofree char *notes = g_strnfill (CONCORD_VCARD_MAX_BYTES + 10, 'n');
  ConcordRecord *record = new_person (email, "Refused");

  concord_record_set_text (record, CONCORD_FIELD_NOTES, CONCORD_FIELD_TYPE_STRING, notes);
  return record;
}

static const ContractApp apps[] = {
  { "memory", CAP_INJECTED, "contacts", NULL, 0,
    memory_make_mock, memory_make_connector, memory_make_refused },
  { "sample-crm", CAP_FILE | CAP_KEY, CONCORD_SAMPLE_CRM_PEOPLE, NULL, 0,
    sample_make_mock, sample_make_connector, sample_make_refused },
  { "vcard-folder", CAP_FOLDER, CONCORD_VCARD_FOLDER_SELF, NULL, 0,
    vcard_folder_make_mock, vcard_folder_make_connector, vcard_folder_make_refused },
  { "elasticemail", CAP_SERVER | CAP_KEY, "contacts", "X-ElasticEmail-ApiKey", 4,
    elasticemail_make_mock, elasticemail_make_connector, elasticemail_make_refused },
  { "pipedrive", CAP_SERVER | CAP_KEY, "persons", "x-api-token", 4,
    pipedrive_make_mock, pipedrive_make_connector, pipedrive_make_refused },
  { "mailchimp", CAP_SERVER | CAP_KEY, CONCORD_MOCK_MAILCHIMP_FIRST_LIST_ID, "Authorization", 10,
    mailchimp_make_mock, mailchimp_make_connector, mailchimp_make_refused },
  { "hubspot", CAP_SERVER | CAP_KEY, "contacts", "Authorization", 4,
    hubspot_make_mock, hubspot_make_connector, hubspot_make_refused },
  { "copper", CAP_SERVER | CAP_KEY, "people", "X-PW-AccessToken", 4,
    copper_make_mock, copper_make_connector, described_make_refused },
  { "insightly", CAP_SERVER | CAP_KEY, "contacts", "Authorization", 4,
    insightly_make_mock, insightly_make_connector, described_make_refused },
  { "capsule", CAP_SERVER | CAP_KEY, "persons", "Authorization", 4,
    capsule_make_mock, capsule_make_connector, described_make_refused },
  { "carddav", CAP_SERVER | CAP_KEY, CONCORD_MOCK_CARDDAV_BOOK, "Authorization", 4,
    carddav_make_mock, carddav_make_connector, carddav_make_refused, "REPORT", "PUT" },
  { "gnome-contacts", CAP_BOOK, NULL, NULL, 0,
    gnome_contacts_make_mock, gnome_contacts_make_connector, gnome_contacts_make_refused },
};

static const char *
app_key (const ContractApp *app)
{
  return g_str_equal (app->name, "sample-crm") ? CONCORD_SAMPLE_CRM_KEY : SECRET_KEY;
}

/* ------------------------------------------------------------------------- */
/* Fixture                                                                   */
/* ------------------------------------------------------------------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->app = data;
  f->dir = g_dir_make_tmp ("concord-contract-XXXXXX", &error);
  g_assert_no_error (error);
  f->contact_type = g_strdup (f->app->contact_type);
  f->app->make_mock (f);
  f->connector = f->app->make_connector (f, app_key (f->app));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->connector);
  g_clear_object (&f->memory);
  g_clear_object (&f->mock);
  g_clear_object (&f->app_mock);
  g_clear_pointer (&f->book, concord_test_address_book_free);
  g_free (f->contact_type);
  concord_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* Skips the case unless the app has @caps; says why. */
static gboolean
needs (Fixture      *f,
       ContractCaps  caps,
       const char   *reason)
{
  if ((f->app->caps & caps) != 0)
    return TRUE;

  g_test_skip (reason);
  return FALSE;
}

/* ------------------------------------------------------------------------- */
/* Cases                                                                     */
/* ------------------------------------------------------------------------- */

/* More records than a page: listing to the end lists each exactly once. */
static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  guint page_size = concord_connector_get_page_size (f->connector);
  guint n = page_size * 2 + page_size / 2 + 1;
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GError) error = NULL;
  guint n_pages = 0;

  g_assert_cmpuint (page_size, >, 0);
  create_people (f, n);

  all = list_all (f, &n_pages, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (all), ==, n);
  g_assert_cmpuint (n_pages, >=, 3);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *email = g_strdup_printf ("person%05u@example.com", i);

      g_assert_true (g_hash_table_contains (all, email));
    }
}

/* Some records of a batch refused: an error for each, the rest written. */
static void
test_partial_failure (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *email = g_strdup_printf ("batch%u@example.com", i);

      if (i == 1 || i == 4)
        g_ptr_array_add (records, f->app->make_refused (f, i));
      else
        g_ptr_array_add (records, new_person (email, "Batch"));
    }

  results = create (f, records, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, records->len);

  all = list_all (f, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < results->len; i++)
    {
      ConcordWriteResult *result = g_ptr_array_index (results, i);
      g_autofree char *email = g_strdup_printf ("batch%u@example.com", result->index);

      if (result->index == 1 || result->index == 4)
        {
          g_assert_nonnull (result->error);
          g_assert_true (result->error->domain == CONCORD_ERROR);
          g_assert_null (result->record);
        }
      else
        {
          g_assert_no_error (result->error);
          g_assert_nonnull (result->record);
          g_assert_true (g_hash_table_contains (all, email));
        }
    }
}

/* A refused key: CONCORD_ERROR_AUTH_FAILED, never a generic failure. */
static void
test_auth_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = NULL;

  if (!needs (f, CAP_KEY | CAP_INJECTED, "a folder or an address book service takes no key"))
    return;

  if ((f->app->caps & CAP_KEY) != 0)
    {
      g_clear_object (&f->connector);
      f->connector = f->app->make_connector (f, "not-the-key");
    }
  else
    {
      g_autoptr(GError) refused = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED,
                                                       "HTTP 401 Unauthorized");

      concord_memory_connector_fail_list_at_page (f->memory, 0, refused);
    }

  page = concord_test_list_page (f->connector, f->contact_type, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
}

/* 429 with Retry-After: 1: the retry comes after the wait (as the mock
 * saw the requests arrive), and the call succeeds. */
static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GPtrArray) log = NULL;
  ConcordMockLogEntry *first, *second;

  if (!needs (f, CAP_SERVER, "a local app never answers 429"))
    return;

  concord_mock_server_reset_log (f->server);
  concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_429, 1);
  page = concord_test_list_page (f->connector, f->contact_type, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (page);

  log = concord_mock_server_get_log (f->server);
  first = g_ptr_array_index (log, 0);
  second = find_retry (log);
  g_assert_cmpint (second->time_us - first->time_us, >=, G_USEC_PER_SEC);
}

/* A 5xx once: retried, and the call succeeds. */
static void
test_server_error_retried (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GPtrArray) log = NULL;

  if (!needs (f, CAP_SERVER, "a local app has no server to fail"))
    return;

  create_people (f, 3);
  concord_mock_server_reset_log (f->server);
  concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_500, 0);
  page = concord_test_list_page (f->connector, f->contact_type, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->records->len, ==, 3);

  log = concord_mock_server_get_log (f->server);
  g_assert_nonnull (find_retry (log));
}

/* Writes @contents as the Sample CRM's file. */
static void
damage_file (Fixture    *f,
             const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (f->path, contents, -1, &error));
  g_assert_no_error (error);
}

/* A folder (an address book): two good records and a damaged file (a
 * contact the address book keeps), @contents: the listing succeeds with
 * the two, and is not complete (the damaged record is not a deleted
 * one). */
static void
assert_damaged_left_out (Fixture    *f,
                         const char *contents,
                         gsize       length)
{
  g_autofree char *path = g_build_filename (f->dir, "damaged.vcf", NULL);
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  guint n_records = 0;
  gboolean complete = TRUE;

  create_people (f, 2);
  if (f->book != NULL)
    {
      g_autofree char *text = g_strndup (contents, length);
      g_autofree char *uid = concord_test_address_book_add (f->book, text);

      g_assert_nonnull (uid);
    }
  else
    g_assert_true (g_file_set_contents (path, contents, (gssize) length, &error));
  do
    {
      g_autoptr(ConcordPage) page = concord_test_list_page (f->connector, f->contact_type,
                                                            token, &error);

      g_assert_no_error (error);
      n_records += page->records->len;
      complete = page->complete;
      g_free (token);
      token = g_strdup (page->next_page);
    }
  while (token != NULL);

  g_assert_cmpuint (n_records, ==, 2);
  g_assert_false (complete);
}

/* A card the address book keeps, cut off inside its NOTE and past the
 * vCard layer's size bound: Concord cannot read it. */
static void
assert_cut_card_left_out (Fixture *f)
{
  g_autoptr(GString) cut = g_string_new ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Trunc\r\n"
                                         "EMAIL:trunc@example.com\r\nNOTE:");

  while (cut->len < CONCORD_VCARD_MAX_BYTES + 1024)
    g_string_append (cut, "lorem ipsum dolor sit amet ");
  assert_damaged_left_out (f, cut->str, cut->len);
}

/* Truncated JSON (and, for a file, bytes that are not JSON at all):
 * CONCORD_ERROR_PARSE. */
static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = NULL;

  if ((f->app->caps & CAP_BOOK) != 0)
    {
      /* The service parses what it is given; what it hands over is
       * bounded by the vCard layer. */
      assert_cut_card_left_out (f);
      return;
    }
  if ((f->app->caps & CAP_FOLDER) != 0)
    {
      static const char truncated[] = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Trunc";

      assert_damaged_left_out (f, truncated, sizeof truncated - 1);
      return;
    }

  if ((f->app->caps & CAP_SERVER) != 0)
    {
      create_people (f, 3);
      concord_mock_server_fail_route (f->server, f->app->list_method ? f->app->list_method : "GET",
                                      "/", 1, 10, CONCORD_MOCK_FAULT_TRUNCATE, 0);
    }
  else if ((f->app->caps & CAP_FILE) != 0)
    {
      damage_file (f, "{\"format\": \"concord-sample-crm\", \"next_id\": 4, \"people\": [{\"id\": \"per");
    }
  else
    {
      g_autoptr(GError) parse = g_error_new_literal (CONCORD_ERROR, CONCORD_ERROR_PARSE,
                                                     "The answer is not valid JSON");

      concord_memory_connector_fail_list_at_page (f->memory, 0, parse);
    }

  page = concord_test_list_page (f->connector, f->contact_type, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);

  /* A file can also hold anything at all: bytes that are not JSON. */
  if ((f->app->caps & CAP_FILE) != 0)
    {
      g_autoptr(ConcordPage) garbage = NULL;

      g_clear_error (&error);
      damage_file (f, "\x89PNG\r\n\x1a\n not a contact file");
      garbage = concord_test_list_page (f->connector, f->contact_type, NULL, &error);
      g_assert_null (garbage);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
    }
}

/* JSON nested 100,000 deep is refused (PARSE), not recursed into. */
static void
test_nesting_bomb (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = NULL;

  if (!needs (f, CAP_SERVER | CAP_FILE | CAP_FOLDER | CAP_BOOK, "the memory connector parses no bytes"))
    return;

  if ((f->app->caps & (CAP_FOLDER | CAP_BOOK)) != 0)
    {
      /* 50,000 cards begun inside each other, inside the size bound
       * (for an address book, inside a card it keeps). */
      g_autoptr(GString) bomb = g_string_new ((f->app->caps & CAP_BOOK) != 0
                                              ? "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bomb\r\n" : NULL);

      for (guint i = 0; i < 50000; i++)
        g_string_append (bomb, "BEGIN:VCARD\r\n");
      assert_damaged_left_out (f, bomb->str, bomb->len);
      return;
    }

  if ((f->app->caps & CAP_SERVER) != 0)
    {
      concord_mock_server_fail_route (f->server, f->app->list_method ? f->app->list_method : "GET",
                                      "/", 1, 10, CONCORD_MOCK_FAULT_NESTING_BOMB, 0);
    }
  else
    {
      g_autofree char *bomb = g_malloc (200001);

      memset (bomb, '[', 100000);
      memset (bomb + 100000, ']', 100000);
      bomb[200000] = '\0';
      damage_file (f, bomb);
    }

  page = concord_test_list_page (f->connector, f->contact_type, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_PARSE);
}

static gboolean
answered_once (Fixture *f)
{
  return concord_mock_server_get_n_requests (f->server) >= 1 &&
         concord_mock_server_get_in_flight (f->server) == 0;
}

/* Cancelled while waiting out a 429's Retry-After of 100 s: the call
 * returns cancelled at once (well inside the test's 60 s wait), and no
 * retry is sent. */
static void
test_cancel_during_backoff (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  if (!needs (f, CAP_SERVER, "a local app never makes the connector wait"))
    return;

  concord_mock_server_reset_log (f->server);
  concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_429, 100);
  start_list (f, cancellable, &result);
  CONCORD_TEST_WAIT_FOR (answered_once (f));
  g_cancellable_cancel (cancellable);
  CONCORD_TEST_WAIT_FOR (result != NULL);

  done = g_steal_pointer (&result);
  page = concord_connector_list_finish (f->connector, done, &error);
  g_assert_null (page);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (concord_mock_server_get_n_requests (f->server), ==, 1);
}

static void
on_other_origin_cb (ConcordMockRequest *request,
                    gpointer            user_data)
{
  concord_mock_request_respond (request, SOUP_STATUS_OK, NULL, g_strdup ("[]"));
}

/* Whether a header's @value carries @key: as it is, or in HTTP Basic's
 * base64 ("Basic " + base64 of "user:key", which hides it from strstr). */
static gboolean
header_carries_key (const char *value,
                    const char *key)
{
  if (strstr (value, key) != NULL)
    return TRUE;
  if (g_ascii_strncasecmp (value, "Basic ", 6) == 0)
    {
      gsize length = 0;
      g_autofree guchar *decoded = g_base64_decode (value + 6, &length);
      g_autofree char *pair = g_strndup ((const char *) decoded, length);

      return strstr (pair, key) != NULL;
    }
  return FALSE;
}

/* How many requests @server logged whose header @name carries @key. */
static guint
count_key_header (ConcordMockServer *server,
                  const char        *name,
                  const char        *key)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      const char *value = soup_message_headers_get_one (
        ((ConcordMockLogEntry *) g_ptr_array_index (log, i))->headers, name);

      if (value != NULL && header_carries_key (value, key))
        n++;
    }
  return n;
}

/* Whether any request @server logged carries @key, in a header or the query. */
static gboolean
log_holds (ConcordMockServer *server,
           const char        *key)
{
  g_autoptr(GPtrArray) log = concord_mock_server_get_log (server);

  for (guint i = 0; i < log->len; i++)
    {
      ConcordMockLogEntry *entry = g_ptr_array_index (log, i);
      SoupMessageHeadersIter iter;
      const char *name, *value;

      if ((entry->query != NULL && strstr (entry->query, key) != NULL) || strstr (entry->path, key) != NULL)
        return TRUE;
      soup_message_headers_iter_init (&iter, entry->headers);
      while (soup_message_headers_iter_next (&iter, &name, &value))
        if (header_carries_key (value, key))
          return TRUE;
    }

  return FALSE;
}

/* A redirect to another origin: the key never goes there. */
static void
test_redirect_keeps_key (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(ConcordMockServer) other = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(GError) error = NULL;

  if (!needs (f, CAP_SERVER, "a local app has no other origin to send the key to"))
    return;

  other = concord_mock_server_new ("contract-other-origin", 0, &error);
  g_assert_no_error (error);
  concord_mock_server_add_route (other, NULL, "/", on_other_origin_cb, NULL, NULL);
  concord_mock_server_set_redirect_target (f->server, concord_mock_server_get_origin (other));
  concord_mock_server_fail_route (f->server, NULL, "/", 1, 10, CONCORD_MOCK_FAULT_REDIRECT, 0);

  page = concord_test_list_page (f->connector, f->contact_type, NULL, &error);
  g_clear_error (&error);

  /* Control: the app's own server got the key, in its header. */
  g_assert_cmpuint (count_key_header (f->server, f->app->key_header, SECRET_KEY), >=, 1);
  g_assert_false (log_holds (other, SECRET_KEY));
  g_assert_cmpuint (concord_mock_server_count_header (other, f->app->key_header, NULL), ==, 0);
}

/* Nothing logged, at any level, holds the key, and connectors log no
 * contact's address: through a listing, a write, retries and failures.
 * An app without a key (a folder, an address book) is checked for the
 * addresses, through a listing, a write and a card it cannot read. */
static void
test_key_not_logged (Fixture       *f,
                     gconstpointer  data)
{
  const char *key = app_key (f->app);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConcordPage) page = NULL;
  g_autoptr(ConcordPage) refused = NULL;
  g_autoptr(ConcordConnector) wrong = NULL;
  g_autofree char *wrong_key = g_strconcat (key, "-revoked", NULL);
  gboolean leaked;

  gboolean local = (f->app->caps & (CAP_FOLDER | CAP_BOOK)) != 0;

  if (!needs (f, CAP_KEY | CAP_FOLDER | CAP_BOOK, "the memory connector holds no key and reads no card"))
    return;

  g_mutex_lock (&log_mutex);
  g_string_truncate (log_capture, 0);
  g_string_truncate (own_capture, 0);
  g_mutex_unlock (&log_mutex);
  g_debug ("contract: capturing the log for %s", f->app->name);

  create_people (f, 3);
  if ((f->app->caps & CAP_SERVER) != 0)
    {
      concord_mock_server_fail_request (f->server, 1, CONCORD_MOCK_FAULT_500, 0);
      concord_mock_server_fail_request (f->server, 2, CONCORD_MOCK_FAULT_429, 0);
    }
  page = concord_test_list_page (f->connector, f->contact_type, NULL, &error);
  g_assert_no_error (error);

  /* A card the app holds that Concord cannot read: left out with a
   * message, which names no address. */
  if (local)
    {
      g_autoptr(GString) card = g_string_new ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Unread\r\n"
                                              "EMAIL:unread@example.com\r\nNOTE:");
      g_autoptr(ConcordPage) again = NULL;

      while (card->len < CONCORD_VCARD_MAX_BYTES + 1024)
        g_string_append (card, "lorem ipsum dolor sit amet ");
      if (f->book != NULL)
        g_free (concord_test_address_book_add (f->book, card->str));
      else
        {
          g_autofree char *path = g_build_filename (f->dir, "unread.vcf", NULL);

          g_assert_true (g_file_set_contents (path, card->str, (gssize) card->len, &error));
        }
      again = concord_test_list_page (f->connector, f->contact_type, NULL, &error);
      g_assert_no_error (error);
      g_assert_false (again->complete && again->next_page == NULL);
    }

  /* The key: never in a failure's message, a path or a query. */
  if ((f->app->caps & CAP_KEY) != 0)
    {
      /* A key the app refuses: a failure path too, with a key that must not show. */
      wrong = f->app->make_connector (f, wrong_key);
      refused = concord_test_list_page (wrong, f->contact_type, NULL, &error);
      g_assert_error (error, CONCORD_ERROR, CONCORD_ERROR_AUTH_FAILED);
      g_assert_null (strstr (error->message, key));

      /* A key sent in a header is never in a path or a query as well. */
      if (f->app->key_header != NULL)
        {
          g_autoptr(GPtrArray) log = concord_mock_server_get_log (f->server);

          g_assert_cmpuint (log->len, >, 0);
          for (guint i = 0; i < log->len; i++)
            {
              ConcordMockLogEntry *entry = g_ptr_array_index (log, i);

              g_assert_null (strstr (entry->path, key));
              g_assert_true (entry->query == NULL || strstr (entry->query, key) == NULL);
            }
        }
    }

  g_mutex_lock (&log_mutex);
  /* Control: debug messages are captured (G_MESSAGES_DEBUG=all), and so
   * are a server app's own (its requests) and a local app's (the card it
   * left out), so the address check is not blind. */
  g_assert_nonnull (strstr (log_capture->str, "contract: capturing the log"));
  g_assert_true ((f->app->caps & (CAP_SERVER | CAP_FOLDER | CAP_BOOK)) == 0 || own_capture->len > 0);
  leaked = strstr (log_capture->str, key) != NULL || strstr (own_capture->str, "@example.com") != NULL;
  g_mutex_unlock (&log_mutex);
  g_assert_false (leaked);
}

/* Many fetches at once: the server never sees more requests in flight
 * than the connector's limit (and sees more than one: the check is not
 * blind). */
static void
test_in_flight_limit (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  if (!needs (f, CAP_SERVER, "a local app has no requests in flight"))
    return;

  create_people (f, 12);
  {
    /* The ids the app gave them (an email for some apps, a number for others). */
    g_autoptr(GHashTable) all = list_all (f, NULL, &error);
    GHashTableIter iter;
    gpointer record;

    g_assert_no_error (error);
    g_hash_table_iter_init (&iter, all);
    while (g_hash_table_iter_next (&iter, NULL, &record))
      g_ptr_array_add (ids, g_strdup (concord_record_get_remote_id (record)));
    g_assert_cmpuint (ids->len, ==, 12);
  }
  g_ptr_array_add (ids, NULL);

  concord_mock_server_reset_max_in_flight (f->server);
  /* Any method: a batch read may be a POST (HubSpot's batch/read). */
  concord_mock_server_fail_route (f->server, NULL, "/", 1, 12, CONCORD_MOCK_FAULT_SLOW, 1);
  concord_connector_fetch_async (f->connector, f->contact_type, (const char * const *) ids->pdata,
                                 NULL, concord_test_store_result_cb, &result);
  done = concord_test_wait_for_result (&result);
  fetched = concord_connector_fetch_finish (f->connector, done, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched->len, ==, 12);

  g_assert_cmpuint (concord_mock_server_get_max_in_flight (f->server), <=, f->app->max_in_flight);
  g_assert_cmpuint (concord_mock_server_get_max_in_flight (f->server), >=, 2);
}

/* 413 above 3 records a request: the batch is halved until it fits, and
 * every record lands. */
static void
test_413_split (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) records = new_records ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GError) error = NULL;
  guint n_posts = 0;

  if (!needs (f, CAP_SERVER, "a local app has no request size limit"))
    return;

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *email = g_strdup_printf ("split%u@example.com", i);

      g_ptr_array_add (records, new_person (email, "Split"));
    }

  concord_mock_server_reset_log (f->server);
  concord_mock_server_set_max_items (f->server, 3);
  results = create (f, records, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 10);
  for (guint i = 0; i < results->len; i++)
    g_assert_no_error (((ConcordWriteResult *) g_ptr_array_index (results, i))->error);

  {
    g_autoptr(GPtrArray) log = concord_mock_server_get_log (f->server);

    for (guint i = 0; i < log->len; i++)
      if (g_str_equal (((ConcordMockLogEntry *) g_ptr_array_index (log, i))->method,
                       f->app->create_method ? f->app->create_method : "POST"))
        n_posts++;
  }
  /* 10 refused, 5 + 5 refused, then 2 + 3 twice: at least 7 requests. */
  g_assert_cmpuint (n_posts, >=, 7);

  concord_mock_server_set_max_items (f->server, 0);
  all = list_all (f, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *email = g_strdup_printf ("split%u@example.com", i);

      g_assert_true (g_hash_table_contains (all, email));
    }
}

/* An address book service's cases, without a session to find it on. */
static void
test_no_session (gconstpointer data)
{
  const ContractApp *app = data;

  g_test_fail_printf ("The %s cases need a private session bus with Evolution Data Server: run "
                      "them inside dbus-run-session, as .ci/run and tools/in-session.sh do.",
                      app->name);
}

/* ------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  static const struct
  {
    const char *name;
    void      (*func) (Fixture *, gconstpointer);
  } cases[] = {
    { "paging", test_paging },
    { "partial-failure", test_partial_failure },
    { "auth-refused", test_auth_refused },
    { "retry-after", test_retry_after },
    { "server-error-retried", test_server_error_retried },
    { "truncated", test_truncated },
    { "nesting-bomb", test_nesting_bomb },
    { "cancel-during-backoff", test_cancel_during_backoff },
    { "redirect-keeps-key", test_redirect_keeps_key },
    { "key-not-logged", test_key_not_logged },
    { "in-flight-limit", test_in_flight_limit },
    { "413-split", test_413_split },
  };

  /* Every message, debug included, goes through the capture. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  /* The isolated test dirs hold no schemas for GNOME's proxy resolver. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  /* libedataserver (GNOME Contacts' row) reads its GSettings schemas from
   * the system's data directories, which the isolated ones hide: name
   * their schema folders in GSETTINGS_SCHEMA_DIR too (from the
   * environment, not GLib's caches, which isolating replaces). */
  {
    const char *data_dirs = g_getenv ("XDG_DATA_DIRS");
    g_auto(GStrv) dirs = g_strsplit (data_dirs != NULL && *data_dirs != '\0'
                                     ? data_dirs : "/usr/local/share:/usr/share",
                                     G_SEARCHPATH_SEPARATOR_S, -1);
    g_autoptr(GString) schema_dirs = g_string_new (g_getenv ("GSETTINGS_SCHEMA_DIR"));

    for (guint i = 0; dirs[i] != NULL; i++)
      {
        if (dirs[i][0] == '\0')
          continue;
        if (schema_dirs->len > 0)
          g_string_append_c (schema_dirs, G_SEARCHPATH_SEPARATOR);
        g_string_append_printf (schema_dirs, "%s/glib-2.0/schemas", dirs[i]);
      }
    g_setenv ("GSETTINGS_SCHEMA_DIR", schema_dirs->str, TRUE);
  }
  concord_test_init (&argc, &argv);
  log_capture = g_string_new (NULL);
  own_capture = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  for (guint a = 0; a < G_N_ELEMENTS (apps); a++)
    {
      /* An address book service needs the session's EDS: without one, one
       * case that fails saying so. */
      if ((apps[a].caps & CAP_BOOK) != 0 && !concord_test_address_book_check_session ())
        {
          g_autofree char *path = g_strdup_printf ("/concord/contract/%s/session", apps[a].name);

          g_test_add_data_func (path, &apps[a], test_no_session);
          continue;
        }
      for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
        {
          g_autofree char *path = g_strdup_printf ("/concord/contract/%s/%s", apps[a].name,
                                                   cases[c].name);

          g_test_add (path, Fixture, &apps[a], fixture_set_up, cases[c].func, fixture_tear_down);
        }
    }

  return g_test_run ();
}
