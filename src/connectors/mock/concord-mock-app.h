/* concord-mock-app.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "concord-mock-server.h"

G_BEGIN_DECLS

/*
 * What every app's simulated server offers, so that one program
 * (`concord-mock APP`), the sandbox demo and the end-to-end tests can run
 * any of them without knowing the app: each app's mock (a GObject in
 * src/connectors/<app>/mock/) defines one ConcordMockAppInfo named
 * concord_mock_<app>_info.
 *
 * Every function is called on the thread that created the mock; the mock's
 * own server runs on a thread of its own, so those that touch the data
 * take the mock's lock.
 */
typedef struct _ConcordMockAppInfo ConcordMockAppInfo;

struct _ConcordMockAppInfo
{
  /* The app's id in the registry ("hubspot"). */
  const char         *id;

  /* A new server on 127.0.0.1:@port (0: any free port) that accepts
   * @secret (the app's API key or token, in the app's own format) and no
   * other. Returns (transfer full) the mock GObject. */
  GObject           *(*create)         (const char  *secret,
                                        guint        port,
                                        GError     **error);
  ConcordMockServer *(*get_server)     (GObject     *mock);

  /* What a Concord account's base_url option must be to use this mock. */
  const char        *(*get_base_url)   (GObject     *mock);

  /* Revokes the secret and accepts @secret instead (a person making a new
   * key in the app's settings). */
  void               (*set_secret)     (GObject     *mock,
                                        const char  *secret);

  /* Adds @n made-up contacts (and whatever the app needs around them:
   * custom fields, audiences, lists), the same ones for the same @seed. */
  void               (*generate)       (GObject     *mock,
                                        guint        n,
                                        guint32      seed);

  /* The account's state as a JSON file of the mock's own format, for the
   * sandbox demo: load it, and save after every change when a path is
   * set (and at once: the sandbox sets it after generate()). Optional
   * (NULL) for a mock that keeps no state across runs; the sandbox offers
   * an app as its second side only when its mock has generate, load_file
   * and set_save_path (concord_sandbox_list_apps()). */
  gboolean           (*load_file)      (GObject     *mock,
                                        const char  *path,
                                        GError     **error);
  void               (*set_save_path)  (GObject     *mock,
                                        const char  *path);

  /* Optional (NULL): globs of "METHOD /path" of the requests that change
   * nothing although their method is a write's (HubSpot's search and
   * batch reads are POSTs), so that they are not counted as writes. */
  const char * const *read_requests;
};

G_END_DECLS
