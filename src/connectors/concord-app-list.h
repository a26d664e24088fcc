/* concord-app-list.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The apps Concord can connect, one line each, in the order the Add
 * Connection flow offers them. Each names the ConcordAppInfo an app's folder
 * defines in its concord-<app>-app.c. Included by concord-app-registry.h
 * (declarations) and concord-app-registry.c (the list) with CONCORD_APP
 * defined; registering an app is adding its line here.
 */

CONCORD_APP (concord_elasticemail_app)
CONCORD_APP (concord_sample_app)
