/* concord-file-connector.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"

G_BEGIN_DECLS

#define CONCORD_TYPE_FILE_CONNECTOR (concord_file_connector_get_type ())

G_DECLARE_DERIVABLE_TYPE (ConcordFileConnector, concord_file_connector,
                          CONCORD, FILE_CONNECTOR, ConcordConnector)

/**
 * ConcordFileConnectorClass:
 * @parse: replaces the subclass's state with what @bytes (the whole file)
 *   holds; on error (%CONCORD_ERROR_PARSE, naming the place, never a value)
 *   leaves the state alone
 * @serialise: the file's bytes for the subclass's state
 * @reset: empties the state: the file does not exist (an empty app), or
 *   what the connector held is no longer to be trusted
 * @text_only: %TRUE (the default) when the file must be UTF-8 text; the
 *   base then refuses other bytes, naming the line, before @parse sees them
 *
 * The base of connectors whose app is a local file: it reads the file
 * lazily, again whenever its bytes change, saves it atomically and watches
 * it for changes. The subclass knows only the format.
 */
struct _ConcordFileConnectorClass
{
  ConcordConnectorClass parent_class;

  gboolean  (*parse)     (ConcordFileConnector  *self,
                          GBytes                *bytes,
                          GError               **error);
  GBytes   *(*serialise) (ConcordFileConnector  *self,
                          GError               **error);
  void      (*reset)     (ConcordFileConnector  *self);

  gboolean  text_only;

  gpointer padding[4];
};

#define CONCORD_FILE_CONNECTOR_DEFAULT_MAX_BYTES (64 * 1024 * 1024)

const char *concord_file_connector_get_path      (ConcordFileConnector  *self);
gsize       concord_file_connector_get_max_bytes (ConcordFileConnector  *self);
void        concord_file_connector_set_max_bytes (ConcordFileConnector  *self,
                                                  gsize                  max_bytes);
gboolean    concord_file_connector_load          (ConcordFileConnector  *self,
                                                  GError               **error);
gboolean    concord_file_connector_save          (ConcordFileConnector  *self,
                                                  GError               **error);
void        concord_file_connector_forget        (ConcordFileConnector  *self);
GError     *concord_file_connector_new_parse_error (ConcordFileConnector *self,
                                                    guint                 line,
                                                    const char           *format,
                                                    ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
