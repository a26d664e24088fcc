/* concord-keyring-probe.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ConcordKeyringKind:
 * @CONCORD_KEYRING_UNKNOWN: not looked at yet
 * @CONCORD_KEYRING_NONE: keys cannot be stored: nothing offers to keep them
 * @CONCORD_KEYRING_SECRET_SERVICE: a Secret Service (GNOME Keyring,
 *   KeePassXC, KWallet) owns or can be started as org.freedesktop.secrets
 * @CONCORD_KEYRING_PORTAL: inside Flatpak, the Secret portal
 *
 * Where Concord can keep its keys.
 */
typedef enum
{
  CONCORD_KEYRING_UNKNOWN,
  CONCORD_KEYRING_NONE,
  CONCORD_KEYRING_SECRET_SERVICE,
  CONCORD_KEYRING_PORTAL,
} ConcordKeyringKind;

#define CONCORD_TYPE_KEYRING_KIND (concord_keyring_kind_get_type ())
GType concord_keyring_kind_get_type (void);

#define CONCORD_TYPE_KEYRING_PROBE (concord_keyring_probe_get_type ())

G_DECLARE_FINAL_TYPE (ConcordKeyringProbe, concord_keyring_probe, CONCORD, KEYRING_PROBE, GObject)

ConcordKeyringProbe *concord_keyring_probe_get_default   (void);
void                 concord_keyring_probe_set_default   (ConcordKeyringProbe  *probe);
ConcordKeyringProbe *concord_keyring_probe_new           (GDBusConnection      *bus,
                                                          gboolean              sandboxed);
ConcordKeyringKind   concord_keyring_probe_get_kind      (ConcordKeyringProbe  *self);
gboolean             concord_keyring_probe_get_sandboxed (ConcordKeyringProbe  *self);
gboolean             concord_keyring_probe_can_store     (ConcordKeyringProbe  *self);
void                 concord_keyring_probe_check_async   (ConcordKeyringProbe  *self,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
ConcordKeyringKind   concord_keyring_probe_check_finish  (ConcordKeyringProbe  *self,
                                                          GAsyncResult         *result,
                                                          GError              **error);

G_END_DECLS
