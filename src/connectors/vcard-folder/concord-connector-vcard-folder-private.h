/* concord-connector-vcard-folder-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sys/stat.h>

#include "concord-connector-vcard-folder.h"
#include "concord-vcard.h"
#include "concord-write-batch.h"

G_BEGIN_DECLS

/* The file name a new card with @uid gets (without the folder). */
char *_concord_vcard_folder_file_name_for_uid (const char *uid);

/* For tests: called for each card of a write after its temporary file is
 * written and flushed, before it takes the card's name (@path: the card's
 * file). */
typedef void (*ConcordVCardFolderCommitHook) (const char *path,
                                              gpointer    user_data);

void _concord_connector_vcard_folder_set_commit_hook (ConcordConnectorVCardFolder  *self,
                                                      ConcordVCardFolderCommitHook  hook,
                                                      gpointer                      user_data);

/* For tests: creates @card in @contact_type as a create_async() would, and
 * returns the file name it took. */
char *_concord_connector_vcard_folder_create_card (ConcordConnectorVCardFolder  *self,
                                                   const char                   *contact_type,
                                                   const ConcordVCard           *card,
                                                   GError                      **error);

/* Where the persistent state goes (before any call): tests and benchmarks
 * measure a connector without it. */
void _concord_connector_vcard_folder_set_state_root (ConcordConnectorVCardFolder *self,
                                                     const char                  *path);

/* The debounce of change reports, in milliseconds (tests shorten it). */
void _concord_connector_vcard_folder_set_debounce (ConcordConnectorVCardFolder *self,
                                                   guint                        ms);

/* What the parts of the connector share: concord-connector-vcard-folder.c
 * (the calls, the object), -entries.c (books and card files), -state.c
 * (cache and snapshots), -write.c (writes) and -list.c (listing, fetch,
 * changes). */

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define PAGE_SIZE          500
#define MAX_BATCH          100
#define HASH_LENGTH        32      /* SHA-256 */
/* A folder with more entries than this is refused (a wrong folder chosen). */
#define MAX_FILES          500000
/* A UID longer than this is hashed into the name (NAME_MAX is 255 bytes). */
#define MAX_UID_NAME       200
#define MAX_DISPLAYNAME    1024
#define DEFAULT_DEBOUNCE   1000

typedef struct
{
  dev_t   dev;
  ino_t   ino;
  goffset size;
  gint64  mtime_ns;
  gint64  ctime_ns;
  guint   mode;      /* permissions; not compared */
} ConcordVCardFolderFileStamp;

/* The part of a card's hash a snapshot keeps (128 bits). */
#define SNAPSHOT_HASH_LENGTH 16
/* Snapshots kept per folder: each a cursor an engine may still hold. */
#define MAX_SNAPSHOTS        16
#define CURSOR_PREFIX        "vcf1:"

typedef struct
{
  ConcordVCardFolderFileStamp stamp;
  guint8         hash[HASH_LENGTH];
  guint          version;  /* 3 or 4; 0 for a bad file */
  ConcordVCard  *card;     /* (owned) (nullable): NULL for a bad file, or one known
                            * from the persistent cache only (not read in this process) */
  gboolean       good;     /* a card: it has a record (or its serialized form) */
  ConcordRecord *record;   /* (owned) (nullable): NULL for a bad file, or not yet
                            * made from @serialized */
  GBytes        *serialized; /* (owned) (nullable): the record in the persistent cache's
                              * form, made into @record when first needed */
  gint64         modified; /* with @serialized: the record's modification time */
  char         **customs;  /* (owned) (nullable): without a card, its X- properties' names */
  char          *refused;  /* (owned) (nullable): a bad file read in this process: why */
} ConcordVCardFolderCardEntry;

typedef struct
{
  char       *id;          /* "." or the sub-folder's name */
  char       *dir;         /* the folder's path */
  GHashTable *cards;       /* (element-type utf8 CardEntry) */
  GPtrArray  *snapshot;    /* (element-type utf8) (nullable): the names the listing's pages list */
  GPtrArray  *all_names;   /* (element-type utf8) (nullable): every card of the folder then */
  guint       generation;  /* of the snapshot */
  gboolean    damaged;     /* the listing in progress left a file out */
  gboolean    checked;     /* while set, _concord_vcard_folder_refresh_entry () trusts the cache's stats */
  int         dir_fd;      /* the folder, during a pass over every card; else -1 */
  gint64      schema_checked; /* when load_schema () checked every stat, until the next call */
  gint64      fresh_checked;  /* in the call right after load_schema (): its schema_checked */
  gboolean    listed;      /* a listing went to its end */

  /* Persistent state (see "Persistent state" below) */
  char       *state_dir;   /* (owned): this folder's, in the user's cache */
  gboolean    cache_loaded;
  gboolean    cache_dirty;
  char       *snapshot_id; /* (owned) (nullable): the last listing's snapshot, this connector's */
  GHashTable *snapshot_hashes; /* (owned) (nullable): its name → hash, with this connector's writes */
  gboolean    snapshot_dirty;
  /* The listing in progress */
  gboolean    incremental; /* lists only what changed since the cursor's snapshot */
  GHashTable *base;        /* (owned) (nullable): the cursor's snapshot, name → hash */
  GPtrArray  *deleted;     /* (owned) (nullable): names gone since the cursor's snapshot */
} ConcordVCardFolderBook;

struct _ConcordConnectorVCardFolder
{
  ConcordConnector  parent_instance;

  char             *path;      /* the folder */
  char             *real_path; /* (nullable): the folder, symbolic links resolved */
  char             *region;    /* (nullable): ISO 3166 code for phone numbers */
  GHashTable       *books;     /* (element-type utf8 Book) */
  GHashTable       *known_specs; /* keys a card maps */
  char             *state_root;  /* where each folder's persistent state goes */

  GHashTable       *monitors;  /* (element-type utf8 GFileMonitor): dir → monitor */
  GMainContext     *context;   /* (owned) (nullable): where "changed" is emitted */
  GSource          *debounce;  /* (owned) (nullable) */
  guint             debounce_ms;

  ConcordVCardFolderCommitHook commit_hook;
  gpointer                     commit_hook_data;
};

/**
 * ConcordVCardFolderPendingWrite:
 *
 * One card of a write batch on its way to the disk: written to a hidden
 * temporary file first, then renamed onto its name.
 */
typedef struct
{
  guint                        index;       /* the input's */
  char                        *name;        /* the card's file name */
  char                        *temp;        /* (nullable): the temporary file's path */
  gboolean                     create;      /* never replace a file */
  gboolean                     have_stamp;  /* update: the stat of the file the card was read from */
  ConcordVCardFolderFileStamp  stamp;
  ConcordVCard                *card;        /* (owned): the card written */
  char                        *data;        /* (owned) */
  gsize                        length;
} ConcordVCardFolderPendingWrite;

/* concord-connector-vcard-folder.c */
gpointer _concord_vcard_folder_parent_class (void);
ConcordVCardFolderBook *_concord_vcard_folder_begin_call   (ConcordConnectorVCardFolder *self,
                                                            GTask                       *task,
                                                            const char                  *contact_type);
GPtrArray              *_concord_vcard_folder_list_books   (ConcordConnectorVCardFolder  *self,
                                                            GError                      **error);
gboolean                _concord_vcard_folder_refresh_book (ConcordConnectorVCardFolder  *self,
                                                            ConcordVCardFolderBook       *book,
                                                            GError                      **error);

/* concord-connector-vcard-folder-entries.c */
void                         _concord_vcard_folder_book_free        (ConcordVCardFolderBook *book);
void                         _concord_vcard_folder_stamp_from_stat  (ConcordVCardFolderFileStamp *stamp,
                                                                     const struct stat           *st);
gboolean                     _concord_vcard_folder_stamp_equal      (const ConcordVCardFolderFileStamp *a,
                                                                     const ConcordVCardFolderFileStamp *b);
void                         _concord_vcard_folder_hash_data        (const char *data,
                                                                     gsize       length,
                                                                     guint8      hash[HASH_LENGTH]);
char                        *_concord_vcard_folder_hash_to_version  (const guint8 hash[HASH_LENGTH]);
gboolean                     _concord_vcard_folder_is_card_name     (const char *name);
gboolean                     _concord_vcard_folder_is_book_name     (const char *name);
gboolean                     _concord_vcard_folder_is_inside        (ConcordConnectorVCardFolder *self,
                                                                     const char                  *path);
gboolean                     _concord_vcard_folder_stat_card        (ConcordConnectorVCardFolder *self,
                                                                     int                          dir_fd,
                                                                     const char                  *dir,
                                                                     const char                  *name,
                                                                     struct stat                 *st,
                                                                     gboolean                    *followed);
char                        *_concord_vcard_folder_read_displayname (const char *dir);
ConcordVCardFolderBook      *_concord_vcard_folder_get_book         (ConcordConnectorVCardFolder  *self,
                                                                     const char                   *contact_type,
                                                                     GError                      **error);
int                          _concord_vcard_folder_compare_names    (gconstpointer a,
                                                                     gconstpointer b);
GPtrArray                   *_concord_vcard_folder_scan_book        (ConcordVCardFolderBook  *book,
                                                                     GError                 **error);
char                        *_concord_vcard_folder_read_card_file   (ConcordConnectorVCardFolder  *self,
                                                                     ConcordVCardFolderBook       *book,
                                                                     const char                   *name,
                                                                     gsize                        *length,
                                                                     ConcordVCardFolderFileStamp  *stamp,
                                                                     gboolean                     *missing,
                                                                     GError                      **error);
ConcordRecord               *_concord_vcard_folder_record_for       (ConcordConnectorVCardFolder       *self,
                                                                     const ConcordVCard                *card,
                                                                     const char                        *name,
                                                                     const ConcordVCardFolderCardEntry *entry);
ConcordVCardFolderCardEntry *_concord_vcard_folder_refresh_entry    (ConcordConnectorVCardFolder  *self,
                                                                     ConcordVCardFolderBook       *book,
                                                                     const char                   *name,
                                                                     GError                      **error);

/* concord-connector-vcard-folder-state.c */
void           _concord_vcard_folder_ensure_cache     (ConcordVCardFolderBook *book);
ConcordRecord *_concord_vcard_folder_entry_get_record (ConcordVCardFolderCardEntry *entry,
                                                       const char                  *name);
GHashTable    *_concord_vcard_folder_load_snapshot    (ConcordVCardFolderBook *book,
                                                       const char             *cursor);
void           _concord_vcard_folder_prune_snapshots  (ConcordVCardFolderBook *book);
void           _concord_vcard_folder_save_state       (ConcordVCardFolderBook *book);
void           _concord_vcard_folder_snapshot_note    (ConcordVCardFolderBook *book,
                                                       const char             *name,
                                                       const guint8           *hash);

/* concord-connector-vcard-folder-write.c */
void          _concord_vcard_folder_pending_write_free (ConcordVCardFolderPendingWrite *pending);
gboolean      _concord_vcard_folder_write_temp         (ConcordVCardFolderBook          *book,
                                                        ConcordVCardFolderPendingWrite  *pending,
                                                        GError                         **error);
void          _concord_vcard_folder_write_cards        (ConcordConnectorVCardFolder *self,
                                                        ConcordVCardFolderBook      *book,
                                                        GPtrArray                   *writes,
                                                        ConcordWriteBatch           *batch);
ConcordVCardFolderPendingWrite *_concord_vcard_folder_pending_create     (guint         index,
                                                                          ConcordVCard *card);
void          _concord_vcard_folder_create_async       (ConcordConnector    *connector,
                                                        const char          *contact_type,
                                                        GPtrArray           *records,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
void          _concord_vcard_folder_update_async       (ConcordConnector    *connector,
                                                        const char          *contact_type,
                                                        GPtrArray           *changes,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
void          _concord_vcard_folder_delete_async       (ConcordConnector    *connector,
                                                        const char          *contact_type,
                                                        const char * const  *remote_ids,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);

/* concord-connector-vcard-folder-list.c */
void     _concord_vcard_folder_list_async            (ConcordConnector    *connector,
                                                      const char          *contact_type,
                                                      const char          *cursor,
                                                      const char          *page_token,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean _concord_vcard_folder_is_remote_id          (const char *remote_id);
void     _concord_vcard_folder_fetch_async           (ConcordConnector    *connector,
                                                      const char          *contact_type,
                                                      const char * const  *remote_ids,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
void     _concord_vcard_folder_on_monitor_changed_cb (GFileMonitor      *monitor,
                                                      GFile             *file,
                                                      GFile             *other_file,
                                                      GFileMonitorEvent  event,
                                                      gpointer           user_data);
gboolean _concord_vcard_folder_type_matches          (ConcordConnector         *connector,
                                                      const ConcordContactType *type,
                                                      const char               *name);
gboolean _concord_vcard_folder_watch_changes         (ConcordConnector *connector);

G_END_DECLS
