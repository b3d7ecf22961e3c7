/* Private to core/api: the session's side of a call, libcurl's one-time initialisation, and
 * the transport options every call sets. */
#ifndef PDH_API_SESSION_PERFORM_H
#define PDH_API_SESSION_PERFORM_H

#include <curl/curl.h>
#include <stdbool.h>

#include "pdhooks/error.h"
#include "pdhooks/session.h"

/* curl_global_init, once per process (thread-safe); 0 or PDH_ENET. */
int pdh_curl_global_init(pdh_error *err);
/* Runs the transfer easy is set up for (to url) on the session's I/O thread and waits for its
 * end, as curl_easy_perform does. The session sets CURLOPT_SHARE, CURLOPT_PRIVATE,
 * CURLOPT_PIPEWAIT, and CURLOPT_PROXY and CURLOPT_NOPROXY as the environment had them when the
 * session started. Thread-safe; easy must not be in use elsewhere. */
CURLcode pdh_session_perform(pdh_session *s, CURL *easy, const char *url);
/* What every call of pdhooks sets on its handle: HTTP and HTTPS only, no redirect followed,
 * the peer's certificate and name checked, against cacert when given (NULL: the system's),
 * without a CA directory when no_capath. The first option refused, or CURLE_OK. */
CURLcode pdh_curl_transport(CURL *easy, const char *cacert, bool no_capath);

#endif
