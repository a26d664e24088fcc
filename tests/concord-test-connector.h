/* concord-test-connector.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "concord-connector.h"

G_BEGIN_DECLS

ConcordPage *concord_test_list_page (ConcordConnector  *connector,
                                     const char        *contact_type,
                                     const char        *page_token,
                                     GError           **error);

G_END_DECLS
