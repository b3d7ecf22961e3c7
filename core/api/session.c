/* The run's HTTP session: one libcurl multi handle, driven by one I/O thread, runs every call
 * of the run. libcurl cannot share a connection cache between threads that transfer at the
 * same time (CURL_LOCK_DATA_CONNECT across threads is unsupported), so calls are handed to the
 * thread instead: it owns the connection cache (connections kept open and reused, HTTP/2
 * streams multiplexed on one connection), the cached CA store (loaded once per multi handle,
 * CURLOPT_CA_CACHE_TIMEOUT) and the DNS cache. TLS sessions are kept in a share object so a
 * new connection to a known host resumes its session. Callers block on their own call, as
 * with curl_easy_perform; the callbacks of a call run on the I/O thread while its caller
 * waits. */
#include "pdhooks/session.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "api/session_perform.h"
#include "pdhooks/alloc.h"

/* A call handed to the I/O thread; its caller frees it once done. */
typedef struct S_job {
	CURL *easy;
	CURLcode rc;
	bool done;
	pthread_cond_t cv;
	struct S_job *next;
} S_job;

struct pdh_session {
	CURLM *multi;
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t mu;          /* guards queue, stop and each job's done/rc */
	S_job *queue, *queue_tail;   /* handed over, not yet added to the multi handle */
	bool stop;
	long max_connections;        /* asked for; the I/O thread sets it on the multi handle */
	long max_connections_set;
	bool started;
	pthread_t thread;
	char *cacert;
};

static pthread_once_t S_global_once = PTHREAD_ONCE_INIT;
static CURLcode S_global_rc = CURLE_FAILED_INIT;

static void S_global_init(void)
{
	S_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int pdh_curl_global_init(pdh_error *err)
{
	pthread_once(&S_global_once, S_global_init);
	if (S_global_rc != CURLE_OK)
		return pdh_error_set(err, PDH_ENET, "cannot initialise libcurl: %s",
		                     curl_easy_strerror(S_global_rc));
	return PDH_OK;
}

/* The share's locks: one mutex per kind of data, as libcurl asks. */
static void S_share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
	pdh_session *s = ctx;

	(void)h;
	(void)access;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&s->share_locks[data]);
}

static void S_share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
	pdh_session *s = ctx;

	(void)h;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&s->share_locks[data]);
}

static void S_finish(pdh_session *s, S_job *j, CURLcode rc)
{
	pthread_mutex_lock(&s->mu);
	j->rc = rc;
	j->done = true;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&s->mu); /* j may be freed from here on */
}

/* Every finished transfer out of the multi handle, its caller woken. */
static void S_reap(pdh_session *s)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
		CURL *easy = m->easy_handle;
		CURLcode rc = m->data.result;
		S_job *j = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&j);
		curl_multi_remove_handle(s->multi, easy);
		if (j != NULL)
			S_finish(s, j, rc);
	}
}

static void *S_loop(void *arg)
{
	pdh_session *s = arg;
	int running = 0;

	for (;;) {
		S_job *j, *next;
		bool stop;

		long conns;

		pthread_mutex_lock(&s->mu);
		j = s->queue;
		s->queue = s->queue_tail = NULL;
		stop = s->stop;
		conns = s->max_connections;
		pthread_mutex_unlock(&s->mu);
		/* Fewer kept than calls in flight would close, and open again, one per call. */
		if (conns != s->max_connections_set &&
		    curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, conns) == CURLM_OK)
			s->max_connections_set = conns;
		for (; j != NULL; j = next) {
			next = j->next;
			if (curl_multi_add_handle(s->multi, j->easy) != CURLM_OK)
				S_finish(s, j, CURLE_FAILED_INIT);
		}
		curl_multi_perform(s->multi, &running);
		S_reap(s);
		if (stop && running == 0)
			break;
		curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
	}
	return NULL;
}

void pdh_session_expect(pdh_session *s, long calls_in_flight)
{
	pthread_mutex_lock(&s->mu);
	if (calls_in_flight + 1 > s->max_connections)
		s->max_connections = calls_in_flight + 1;
	pthread_mutex_unlock(&s->mu);
	curl_multi_wakeup(s->multi);
}

CURLcode pdh_session_perform(pdh_session *s, CURL *easy)
{
	S_job *j = pdh_xcalloc(1, sizeof(*j));
	CURLcode rc;

	j->easy = easy;
	pthread_cond_init(&j->cv, NULL);
	if (curl_easy_setopt(easy, CURLOPT_SHARE, s->share) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)j) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L) != CURLE_OK) {
		rc = CURLE_FAILED_INIT;
		goto done;
	}
	pthread_mutex_lock(&s->mu);
	if (s->queue_tail)
		s->queue_tail->next = j;
	else
		s->queue = j;
	s->queue_tail = j;
	pthread_mutex_unlock(&s->mu);
	curl_multi_wakeup(s->multi);
	pthread_mutex_lock(&s->mu);
	while (!j->done)
		pthread_cond_wait(&j->cv, &s->mu);
	rc = j->rc;
	pthread_mutex_unlock(&s->mu);
done:
	pthread_cond_destroy(&j->cv);
	free(j);
	return rc;
}

void pdh_session_free(pdh_session *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_mutex_unlock(&s->mu);
		curl_multi_wakeup(s->multi);
		pthread_join(s->thread, NULL);
	}
	if (s->multi)
		curl_multi_cleanup(s->multi);
	if (s->share)
		curl_share_cleanup(s->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->share_locks[i]);
	pthread_mutex_destroy(&s->mu);
	PDH_FREE_ALL(s->cacert, s);
}

int pdh_session_new(pdh_session **out, const pdh_session_opts *opts, pdh_error *err)
{
	pdh_session *s;
	long conns = opts && opts->max_connections > 0 ? opts->max_connections
	                                               : PDH_SESSION_CONNECTIONS;
	int rc;

	*out = NULL;
	if ((rc = pdh_curl_global_init(err)) != 0)
		return rc;
	s = pdh_xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->share_locks[i], NULL);
	s->cacert = opts && opts->cacert ? pdh_xstrdup(opts->cacert) : NULL;
	s->multi = curl_multi_init();
	s->share = curl_share_init();
	if (s->multi == NULL || s->share == NULL ||
	    curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, conns) != CURLM_OK ||
	    curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK ||
	    curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, S_share_lock) != CURLSHE_OK ||
	    curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, S_share_unlock) != CURLSHE_OK ||
	    curl_share_setopt(s->share, CURLSHOPT_USERDATA, s) != CURLSHE_OK ||
	    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		pdh_session_free(s);
		return pdh_error_set(err, PDH_ENET, "cannot set up libcurl's connection cache");
	}
	s->max_connections = s->max_connections_set = conns;
	if (pthread_create(&s->thread, NULL, S_loop, s) != 0) {
		pdh_session_free(s);
		return pdh_error_set(err, PDH_ENET, "cannot start the HTTP thread");
	}
	s->started = true;
	*out = s;
	return PDH_OK;
}

const char *pdh_session_cacert(const pdh_session *s)
{
	return s->cacert;
}
