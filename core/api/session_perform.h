/* Private to core/api: the session's side of a call, and libcurl's one-time initialisation. */
#ifndef PDH_API_SESSION_PERFORM_H
#define PDH_API_SESSION_PERFORM_H

#include <curl/curl.h>

#include "pdhooks/error.h"
#include "pdhooks/session.h"

/* curl_global_init, once per process (thread-safe); 0 or PDH_ENET. */
int pdh_curl_global_init(pdh_error *err);
/* Runs the transfer easy is set up for on the session's I/O thread and waits for its end, as
 * curl_easy_perform does. The session sets CURLOPT_SHARE, CURLOPT_PRIVATE and
 * CURLOPT_PIPEWAIT on easy. Thread-safe; easy must not be in use elsewhere. */
CURLcode pdh_session_perform(pdh_session *s, CURL *easy);

#endif
