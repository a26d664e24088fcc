/* concord-file-connector.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The base of connectors whose app is a file on this computer (the Sample
 * CRM's JSON file; a CSV export, a vCard file later). The subclass knows the
 * format: parse() turns the file's bytes into its state, serialise() turns
 * the state back into bytes, reset() empties it. This class does the rest:
 *
 * Reading. Nothing is read before the first call. Every call then begins
 * with concord_file_connector_load(), which reads the file and parses it only
 * when its bytes differ from what this connector last read or wrote: the
 * file is the truth, so two connectors on one file (the engine's, and one
 * made to check a key) never undo each other's writes, and a person may
 * edit the file between runs. "Differ" is decided by size and SHA-256 of
 * the bytes, never by the modification time alone: a time has a coarse
 * granularity on some file systems and is set back by copies and archives,
 * and a file replaced within the same second with as many bytes would be
 * missed. The file is small (it is bounded), so reading it again costs a
 * fraction of a millisecond; it is parsed again only when it changed.
 *
 * Bounds. A file larger than the bound (64 MiB unless the subclass says
 * otherwise) is refused with CONCORD_ERROR_TOO_LARGE before it is read.
 * A text format's bytes must be UTF-8: the error names the line. Errors
 * name the file and the place, never a value (it is contact data).
 *
 * Never losing the file. A file that cannot be read or parsed fails the
 * call, and nothing is written while it does, so the original bytes stay
 * for the person to repair. A save writes a temporary file in the same
 * folder, flushes it to the disk, and renames it over the file: a crash or
 * a full disk leaves the old file or the new one, never half of one. When a
 * save fails, the connector forgets its state (it holds a batch the file
 * did not take) and reads the file again on the next call.
 *
 * A missing file is an empty app; the first save creates it (and its
 * folder).
 *
 * Changes. Once asked (concord_connector_watch_changes()), a GFileMonitor
 * watches the file, and the connector emits "changed" when its bytes
 * differ from what it last read or wrote: its own saves, which the monitor
 * reports too, are not changes.
 *
 * The I/O is synchronous, on the caller's thread (the engine's): the files
 * are small, and it keeps the state free of locks. Results still arrive
 * through GTask, never inside the call.
 */

#define G_LOG_DOMAIN "concord-file-connector"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "concord-error.h"
#include "concord-file-connector-private.h"

#define HASH_LENGTH 32  /* SHA-256 */

typedef struct
{
  char         *path;          /* (owned) */
  gsize         max_bytes;

  gboolean      loaded;        /* the state is the file's (or the empty app) */
  gboolean      have_file;     /* when loaded: there was a file */
  gsize         size;          /* when have_file: the bytes last read or written */
  guint8        hash[HASH_LENGTH];

  GFileMonitor *monitor;       /* (owned) (nullable): once watching */

  gssize        fail_save_after; /* tests: -1, or the bytes the next save writes */
} ConcordFileConnectorPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (ConcordFileConnector, concord_file_connector,
                                     CONCORD_TYPE_CONNECTOR)

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static char *
display_name (ConcordFileConnectorPrivate *priv)
{
  return g_filename_display_basename (priv->path);
}

static void
hash_bytes (GBytes *bytes,
            guint8  hash[HASH_LENGTH])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize length = HASH_LENGTH;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_checksum_update (checksum, data, (gssize) size);
  g_checksum_get_digest (checksum, hash, &length);
  g_assert (length == HASH_LENGTH);
}

static gboolean
is_last_seen (ConcordFileConnectorPrivate *priv,
              GBytes                      *bytes)
{
  guint8 hash[HASH_LENGTH];

  if (!priv->loaded || !priv->have_file || g_bytes_get_size (bytes) != priv->size)
    return FALSE;

  hash_bytes (bytes, hash);
  return memcmp (hash, priv->hash, HASH_LENGTH) == 0;
}

static void
remember (ConcordFileConnectorPrivate *priv,
          GBytes                      *bytes)
{
  priv->loaded = TRUE;
  priv->have_file = bytes != NULL;
  priv->size = bytes != NULL ? g_bytes_get_size (bytes) : 0;
  if (bytes != NULL)
    hash_bytes (bytes, priv->hash);
  else
    memset (priv->hash, 0, HASH_LENGTH);
}

/* Reads the whole file, at most max_bytes of it. Sets *missing (and
 * returns NULL without an error) when there is no file. */
static GBytes *
read_file (ConcordFileConnector  *self,
           gboolean              *missing,
           GError               **error)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);
  g_autofree char *name = display_name (priv);
  g_autofree guint8 *data = NULL;
  GStatBuf st;
  gsize length = 0;
  gsize capacity;
  int fd;

  *missing = FALSE;

  fd = g_open (priv->path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        {
          *missing = TRUE;
          return NULL;
        }
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   /* Translators: the first placeholder is a file name */
                   _("Could not read “%s”: %s"), name, g_strerror (saved_errno));
      return NULL;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                   /* Translators: %s is a file's name */
                   _("Could not read “%s”: it is not a regular file"), name);
      close (fd);
      return NULL;
    }

  if ((guint64) st.st_size > priv->max_bytes)
    {
      g_autofree char *size = g_format_size ((guint64) st.st_size);
      g_autofree char *max = g_format_size (priv->max_bytes);

      g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                   /* Translators: the first placeholder is a file name, the others sizes
                    * such as "70.1 MB" */
                   _("“%s” is too large to read (%s; at most %s)"), name, size, max);
      close (fd);
      return NULL;
    }

  /* The file may grow while it is read: one byte past the bound tells. */
  capacity = (gsize) st.st_size + 1;
  data = g_malloc (capacity);
  for (;;)
    {
      gssize n;

      if (length == capacity)
        {
          if (capacity > priv->max_bytes)
            {
              g_autofree char *max = g_format_size (priv->max_bytes);

              g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_TOO_LARGE,
                           /* Translators: a file name, and a size such as "70.1 MB" */
                           _("“%s” is too large to read (at most %s)"), name, max);
              close (fd);
              return NULL;
            }
          capacity = MIN (capacity * 2, priv->max_bytes + 1);
          data = g_realloc (data, capacity);
        }

      n = read (fd, data + length, capacity - length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                       _("Could not read “%s”: %s"), name, g_strerror (saved_errno));
          close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      length += (gsize) n;
    }
  close (fd);

  return g_bytes_new_take (g_steal_pointer (&data), length);
}

static gboolean
check_text (ConcordFileConnector  *self,
            GBytes                *bytes,
            GError               **error)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  const char *end = NULL;
  guint line = 1;

  if (g_utf8_validate (data, (gssize) size, &end))
    return TRUE;

  for (const char *p = data; p < end; p++)
    if (*p == '\n')
      line++;

  if (end < data + size && *end == '\0')
    g_propagate_error (error, concord_file_connector_new_parse_error (self, line,
                                                                      _("a NUL byte in text")));
  else
    g_propagate_error (error, concord_file_connector_new_parse_error (self, line,
                                                                      _("not valid UTF-8 text")));
  return FALSE;
}

/* Writes @bytes to a new file in the folder of the file, flushed to the
 * disk, and renames it over the file. */
static gboolean
write_atomically (ConcordFileConnector  *self,
                  GBytes                *bytes,
                  GError               **error)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);
  g_autofree char *dir = g_path_get_dirname (priv->path);
  g_autofree char *base = g_path_get_basename (priv->path);
  g_autofree char *template = g_strdup_printf ("%s%c.%s.XXXXXX", dir, G_DIR_SEPARATOR, base);
  gssize fail_after = priv->fail_save_after;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  gsize written = 0;
  int saved_errno = 0;
  int fd;

  priv->fail_save_after = -1;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      saved_errno = errno;
      goto fail;
    }

  fd = g_mkstemp_full (template, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      goto fail;
    }

  while (written < size)
    {
      gsize chunk = size - written;
      gssize n;

      if (fail_after >= 0 && written + chunk > (gsize) fail_after)
        {
          chunk = (gsize) fail_after - written;
          if (chunk == 0)
            {
              saved_errno = ENOSPC;
              break;
            }
        }

      n = write (fd, data + written, chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          break;
        }
      written += (gsize) n;
    }

  if (saved_errno == 0 && fsync (fd) != 0)
    saved_errno = errno;
  if (close (fd) != 0 && saved_errno == 0)
    saved_errno = errno;
  if (saved_errno == 0 && g_rename (template, priv->path) != 0)
    saved_errno = errno;

  if (saved_errno != 0)
    {
      g_unlink (template);
      goto fail;
    }

  /* The rename itself reaches the disk with the folder. */
  fd = g_open (dir, O_RDONLY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }

  return TRUE;

fail:
  {
    g_autofree char *name = display_name (priv);

    g_set_error (error, CONCORD_ERROR, CONCORD_ERROR_FAILED,
                 /* Translators: the first placeholder is a file name */
                 _("Could not save “%s”: %s"), name, g_strerror (saved_errno));
    return FALSE;
  }
}

/* ------------------------------------------------------------------------- */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------- */

static void
on_monitor_changed_cb (GFileMonitor      *monitor,
                       GFile             *file,
                       GFile             *other_file,
                       GFileMonitorEvent  event,
                       gpointer           user_data)
{
  ConcordFileConnector *self = user_data;
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);
  g_autoptr(GBytes) bytes = NULL;
  gboolean missing = FALSE;

  if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT &&
      event != G_FILE_MONITOR_EVENT_CREATED &&
      event != G_FILE_MONITOR_EVENT_DELETED)
    return;

  /* Its own save, or nothing new. */
  bytes = read_file (self, &missing, NULL);
  if (bytes != NULL && is_last_seen (priv, bytes))
    return;
  if (missing && priv->loaded && !priv->have_file)
    return;

  g_debug ("The file of a %s changed", G_OBJECT_TYPE_NAME (self));
  concord_connector_emit_changed (CONCORD_CONNECTOR (self));
}

/* ------------------------------------------------------------------------- */
/* ConcordConnector                                                          */
/* ------------------------------------------------------------------------- */

static gboolean
concord_file_connector_watch_changes (ConcordConnector *connector)
{
  ConcordFileConnector *self = CONCORD_FILE_CONNECTOR (connector);
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (priv->monitor != NULL)
    return TRUE;

  file = g_file_new_for_path (priv->path);
  priv->monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, NULL, &error);
  if (priv->monitor == NULL)
    {
      g_debug ("Cannot watch the file of a %s: %s", G_OBJECT_TYPE_NAME (self), error->message);
      return FALSE;
    }
  g_signal_connect (priv->monitor, "changed", G_CALLBACK (on_monitor_changed_cb), self);

  return TRUE;
}

/* A file on this computer: no budget to keep to. */
static guint
concord_file_connector_get_rate_budget (ConcordConnector *connector)
{
  return 0;
}

/* ------------------------------------------------------------------------- */
/* GObject                                                                   */
/* ------------------------------------------------------------------------- */

static void
concord_file_connector_dispose (GObject *object)
{
  ConcordFileConnector *self = CONCORD_FILE_CONNECTOR (object);
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  if (priv->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (priv->monitor, self);
      g_file_monitor_cancel (priv->monitor);
      g_clear_object (&priv->monitor);
    }

  G_OBJECT_CLASS (concord_file_connector_parent_class)->dispose (object);
}

static void
concord_file_connector_finalize (GObject *object)
{
  ConcordFileConnector *self = CONCORD_FILE_CONNECTOR (object);
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  g_clear_pointer (&priv->path, g_free);

  G_OBJECT_CLASS (concord_file_connector_parent_class)->finalize (object);
}

static void
concord_file_connector_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ConcordFileConnector *self = CONCORD_FILE_CONNECTOR (object);
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, priv->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_file_connector_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ConcordFileConnector *self = CONCORD_FILE_CONNECTOR (object);
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (priv->path);
      priv->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
concord_file_connector_constructed (GObject *object)
{
  ConcordFileConnector *self = CONCORD_FILE_CONNECTOR (object);
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  ConcordFileConnectorClass *klass = CONCORD_FILE_CONNECTOR_GET_CLASS (self);

  G_OBJECT_CLASS (concord_file_connector_parent_class)->constructed (object);

  g_warn_if_fail (priv->path != NULL && g_path_is_absolute (priv->path));
  g_warn_if_fail (klass->parse != NULL && klass->serialise != NULL && klass->reset != NULL);
}

static void
concord_file_connector_class_init (ConcordFileConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ConcordConnectorClass *connector_class = CONCORD_CONNECTOR_CLASS (klass);

  object_class->dispose = concord_file_connector_dispose;
  object_class->finalize = concord_file_connector_finalize;
  object_class->get_property = concord_file_connector_get_property;
  object_class->set_property = concord_file_connector_set_property;
  object_class->constructed = concord_file_connector_constructed;

  connector_class->watch_changes = concord_file_connector_watch_changes;
  connector_class->get_rate_budget = concord_file_connector_get_rate_budget;

  klass->text_only = TRUE;

  /**
   * ConcordFileConnector:path:
   *
   * The absolute path of the app's file; it need not exist.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
concord_file_connector_init (ConcordFileConnector *self)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  priv->max_bytes = CONCORD_FILE_CONNECTOR_DEFAULT_MAX_BYTES;
  priv->fail_save_after = -1;
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

/**
 * concord_file_connector_get_path:
 *
 * Returns: (transfer none): the path of the app's file
 */
const char *
concord_file_connector_get_path (ConcordFileConnector *self)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  g_return_val_if_fail (CONCORD_IS_FILE_CONNECTOR (self), NULL);

  return priv->path;
}

/**
 * concord_file_connector_get_max_bytes:
 *
 * Returns: the largest file the connector reads
 */
gsize
concord_file_connector_get_max_bytes (ConcordFileConnector *self)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  g_return_val_if_fail (CONCORD_IS_FILE_CONNECTOR (self), 0);

  return priv->max_bytes;
}

/**
 * concord_file_connector_set_max_bytes:
 * @max_bytes: the largest file to read; a larger one fails every call with
 *   %CONCORD_ERROR_TOO_LARGE and is left alone
 */
void
concord_file_connector_set_max_bytes (ConcordFileConnector *self,
                                      gsize                 max_bytes)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  g_return_if_fail (CONCORD_IS_FILE_CONNECTOR (self));
  g_return_if_fail (max_bytes > 0 && max_bytes < G_MAXSIZE);

  priv->max_bytes = max_bytes;
}

/**
 * concord_file_connector_load:
 *
 * For subclasses, at the start of every call: brings the state up to the
 * file. Reads it, and parses it when its bytes are not those this
 * connector last read or wrote; a missing file is an empty app.
 *
 * Returns: %TRUE when the state is the file's; otherwise %FALSE with
 *   @error set, and the state is left as it was
 */
gboolean
concord_file_connector_load (ConcordFileConnector  *self,
                             GError               **error)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);
  ConcordFileConnectorClass *klass;
  g_autoptr(GBytes) bytes = NULL;
  gboolean missing;

  g_return_val_if_fail (CONCORD_IS_FILE_CONNECTOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  klass = CONCORD_FILE_CONNECTOR_GET_CLASS (self);

  bytes = read_file (self, &missing, error);
  if (bytes == NULL && !missing)
    return FALSE;

  if (missing)
    {
      /* No file: an empty app (even when it had records: the file is the truth). */
      if (priv->loaded && !priv->have_file)
        return TRUE;
      klass->reset (self);
      remember (priv, NULL);
      return TRUE;
    }

  if (is_last_seen (priv, bytes))
    return TRUE;

  if (klass->text_only && !check_text (self, bytes, error))
    return FALSE;

  if (!klass->parse (self, bytes, error))
    return FALSE;

  remember (priv, bytes);
  g_debug ("Read the %" G_GSIZE_FORMAT " bytes of a %s's file", g_bytes_get_size (bytes),
           G_OBJECT_TYPE_NAME (self));

  return TRUE;
}

/**
 * concord_file_connector_save:
 *
 * For subclasses, after a write call changed the state: writes the whole
 * file, atomically. When it fails, the state is forgotten (the file did
 * not take it) and read again on the next call.
 *
 * Returns: %TRUE when the file holds the state, otherwise %FALSE with
 *   @error set
 */
gboolean
concord_file_connector_save (ConcordFileConnector  *self,
                             GError               **error)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (CONCORD_IS_FILE_CONNECTOR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = CONCORD_FILE_CONNECTOR_GET_CLASS (self)->serialise (self, error);
  if (bytes == NULL || !write_atomically (self, bytes, error))
    {
      concord_file_connector_forget (self);
      return FALSE;
    }

  remember (priv, bytes);
  return TRUE;
}

/**
 * concord_file_connector_forget:
 *
 * Empties the state; the next concord_file_connector_load() reads the
 * file again whatever it holds.
 */
void
concord_file_connector_forget (ConcordFileConnector *self)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  g_return_if_fail (CONCORD_IS_FILE_CONNECTOR (self));

  CONCORD_FILE_CONNECTOR_GET_CLASS (self)->reset (self);
  priv->loaded = FALSE;
  priv->have_file = FALSE;
}

/**
 * concord_file_connector_new_parse_error:
 * @line: the line of the fault, from 1; 0 when unknown
 * @format: what is wrong there, for people: never a value of the file
 *
 * For subclasses' parse(): a %CONCORD_ERROR_PARSE error that names the
 * file and the line.
 *
 * Returns: (transfer full): a new error
 */
GError *
concord_file_connector_new_parse_error (ConcordFileConnector *self,
                                        guint                 line,
                                        const char           *format,
                                        ...)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);
  g_autofree char *name = NULL;
  g_autofree char *what = NULL;
  va_list args;

  g_return_val_if_fail (CONCORD_IS_FILE_CONNECTOR (self), NULL);
  g_return_val_if_fail (format != NULL, NULL);

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  name = display_name (priv);
  if (line > 0)
    /* Translators: a damaged file: its name, a line number, and what is wrong there */
    return g_error_new (CONCORD_ERROR, CONCORD_ERROR_PARSE, _("“%s” is damaged at line %u: %s"),
                        name, line, what);

  /* Translators: a damaged file: its name, and what is wrong */
  return g_error_new (CONCORD_ERROR, CONCORD_ERROR_PARSE, _("“%s” is damaged: %s"), name, what);
}

void
_concord_file_connector_fail_next_save_after (ConcordFileConnector *self,
                                              gsize                 n_bytes)
{
  ConcordFileConnectorPrivate *priv = concord_file_connector_get_instance_private (self);

  g_return_if_fail (CONCORD_IS_FILE_CONNECTOR (self));

  priv->fail_save_after = (gssize) MIN (n_bytes, (gsize) G_MAXSSIZE);
}
