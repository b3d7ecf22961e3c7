/* One HTTP session per run: every call of the run (apply's parallel calls, every account of
 * a fleet) goes through it, so the CA store is loaded once and connections, TLS sessions and
 * DNS answers are reused; HTTP/2 is used when the server offers it. A client is given a
 * session in pdh_client_opts.session; the session must outlive its clients. Self-contained:
 * whoever decides where a run's connections come from creates one and hands it on.
 *
 * Each call still carries its own request headers (the credentials among them): a session
 * shares connections between accounts on one API host, never a token. */
#ifndef PDHOOKS_SESSION_H
#define PDHOOKS_SESSION_H

#include "pdhooks/error.h"

typedef struct pdh_session pdh_session;

typedef struct pdh_session_opts {
	const char *cacert;     /* NULL: the system's CA bundle */
	int max_connections;    /* open connections kept for reuse; 0: PDH_SESSION_CONNECTIONS
	                         * (pdh_session_expect raises it) */
} pdh_session_opts;

#define PDH_SESSION_CONNECTIONS 64

/* Starts the session (its I/O thread). PDH_ENET when libcurl or the thread cannot start.
 * opts may be NULL. Caller frees with pdh_session_free. */
int pdh_session_new(pdh_session **out, const pdh_session_opts *opts, pdh_error *err);
/* Closes every connection and stops the thread; no call of the session may be running.
 * NULL ok. */
void pdh_session_free(pdh_session *s);
/* A part of the run about to make up to calls_in_flight calls at once (a fleet: concurrency
 * x apply's parallelism): the session keeps at least that many connections open for reuse.
 * Thread-safe. */
void pdh_session_expect(pdh_session *s, long calls_in_flight);
/* The CA bundle the session's calls trust (NULL: the system's). */
const char *pdh_session_cacert(const pdh_session *s);

#endif
