/* The run's HTTP session: one libcurl multi handle, driven by one I/O thread, runs every call
 * of the run. libcurl cannot share a connection cache between threads that transfer at the
 * same time (CURL_LOCK_DATA_CONNECT across threads is unsupported), so calls are handed to the
 * thread instead: it owns the connection cache (connections kept open and reused, HTTP/2
 * streams multiplexed on one connection), the cached CA store (loaded once per multi handle,
 * CURLOPT_CA_CACHE_TIMEOUT) and the DNS cache. TLS sessions are kept in a share object so a
 * new connection to a known host resumes its session. Callers block on their own call, as
 * with curl_easy_perform; the callbacks of a call run on the I/O thread while its caller
 * waits. The thread waits in epoll on the sockets libcurl names and an eventfd that new calls
 * write, and hands libcurl only what is ready (curl_multi_socket_action): with a fleet's
 * hundred connections open, a wake-up costs what is ready, not a poll of every one. */
#include "pdhooks/session.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "api/session_perform.h"
#include "pdhooks/alloc.h"

/* A call handed to the I/O thread. It lives on its caller's stack: the caller waits on done
 * and the I/O thread touches it no more once it has posted done. */
typedef struct S_job {
	CURL *easy;
	CURLcode rc;
	sem_t done;
	struct S_job *next;
} S_job;

/* The proxy settings of the environment, as libcurl would read them for each call. */
typedef struct S_proxy {
	char *http, *https; /* http_proxy; https_proxy or HTTPS_PROXY; else all_proxy or ALL_PROXY */
	char *no_proxy;     /* no_proxy or NO_PROXY */
} S_proxy;

struct pdh_session {
	CURLM *multi;
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t mu;          /* guards queue, stop and max_connections */
	S_job *queue, *queue_tail;   /* handed over, not yet added to the multi handle */
	bool stop;
	long max_connections;        /* asked for; the I/O thread sets it on the multi handle */
	long max_connections_set;
	bool started;
	pthread_t thread;
	char *cacert;
	S_proxy proxy;
	/* The I/O thread's own: */
	int epfd;                    /* the sockets libcurl waits on, and wakefd */
	int wakefd;                  /* an eventfd: written when the queue or stop changes */
	long long deadline_ms;       /* libcurl's next timeout on the monotonic clock; -1 none */
	long active;                 /* calls in the multi handle */
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

/* The first of names set and not empty in the environment, copied; NULL when none is (as
 * libcurl's curl_getenv takes an empty variable for an unset one). */
static char *S_env(const char *const *names)
{
	for (; *names; names++) {
		const char *v = getenv(*names);

		if (v && *v)
			return pdh_xstrdup(v);
	}
	return NULL;
}

/* libcurl reads the proxy variables (several getenv, each a walk of the whole environment: a
 * fleet has a token variable per account) for every call whose options name no proxy. The
 * session reads them once, by libcurl's rules (no uppercase HTTP_PROXY, which a CGI request
 * could set), and names them in each call's options. */
static void S_proxy_read(S_proxy *p)
{
	static const char *const http[] = { "http_proxy", "all_proxy", "ALL_PROXY", NULL };
	static const char *const https[] = { "https_proxy", "HTTPS_PROXY", "all_proxy",
		                             "ALL_PROXY", NULL };
	static const char *const no[] = { "no_proxy", "NO_PROXY", NULL };

	p->http = S_env(http);
	p->https = S_env(https);
	p->no_proxy = S_env(no);
}

static void S_finish(S_job *j, CURLcode rc)
{
	j->rc = rc;
	sem_post(&j->done); /* j may be gone from here on */
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
		s->active--;
		if (j != NULL)
			S_finish(j, rc);
	}
}

static long long S_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libcurl's CURLMOPT_SOCKETFUNCTION: a socket to wait on (or no more) for what. */
static int S_on_socket(CURL *easy, curl_socket_t fd, int what, void *ctx, void *socketp)
{
	pdh_session *s = ctx;
	struct epoll_event ev = { 0 };

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
	ev.data.fd = fd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT &&
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		return -1;
	return 0;
}

/* libcurl's CURLMOPT_TIMERFUNCTION: call CURL_SOCKET_TIMEOUT in ms (-1: no timer). */
static int S_on_timer(CURLM *multi, long ms, void *ctx)
{
	pdh_session *s = ctx;

	(void)multi;
	s->deadline_ms = ms < 0 ? -1 : S_now_ms() + ms;
	return 0;
}

static void S_wake(pdh_session *s)
{
	uint64_t one = 1;

	while (write(s->wakefd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

/* The queue into the multi handle; false once the session stops and no call is left. */
static bool S_take_queue(pdh_session *s)
{
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
			S_finish(j, CURLE_FAILED_INIT);
		else
			s->active++;
	}
	return !(stop && s->active == 0);
}

/* The I/O thread: each wake-up hands libcurl only the sockets that are ready (epoll and
 * curl_multi_socket_action), not every connection of the run. */
static void *S_loop(void *arg)
{
	pdh_session *s = arg;
	struct epoll_event evs[64];
	int running = 0;

	while (S_take_queue(s)) {
		long long wait = s->deadline_ms;
		int n;

		if (wait >= 0) {
			wait -= S_now_ms();
			if (wait < 0)
				wait = 0;
		}
		n = epoll_wait(s->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])),
		               wait > 1000 ? 1000 : (int)wait);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, flags = 0;
			uint64_t count;

			if (fd == s->wakefd) {
				(void)!read(s->wakefd, &count, sizeof(count)); /* non-blocking */
				continue;
			}
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
				flags |= CURL_CSELECT_IN;
			if (evs[i].events & EPOLLOUT)
				flags |= CURL_CSELECT_OUT;
			if (evs[i].events & EPOLLERR)
				flags |= CURL_CSELECT_ERR;
			curl_multi_socket_action(s->multi, fd, flags, &running);
		}
		if (s->deadline_ms >= 0 && S_now_ms() >= s->deadline_ms) {
			s->deadline_ms = -1;
			curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		S_reap(s);
	}
	return NULL;
}

void pdh_session_expect(pdh_session *s, long calls_in_flight)
{
	pthread_mutex_lock(&s->mu);
	if (calls_in_flight + 1 > s->max_connections)
		s->max_connections = calls_in_flight + 1;
	pthread_mutex_unlock(&s->mu);
	S_wake(s);
}

CURLcode pdh_session_perform(pdh_session *s, CURL *easy, const char *url)
{
	bool https = strncasecmp(url, "https:", 6) == 0;
	const char *proxy = https ? s->proxy.https : s->proxy.http;
	S_job j = { .easy = easy, .rc = CURLE_FAILED_INIT };
	bool was_empty;

	if (curl_easy_setopt(easy, CURLOPT_SHARE, s->share) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)&j) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PROXY, proxy ? proxy : "") != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_NOPROXY, s->proxy.no_proxy ? s->proxy.no_proxy : "") !=
	            CURLE_OK)
		return CURLE_FAILED_INIT;
	sem_init(&j.done, 0, 0);
	pthread_mutex_lock(&s->mu);
	was_empty = s->queue == NULL;
	/* j stays queued or in the multi handle only until its done is posted, and this call
	 * returns only after that. */
	if (s->queue_tail)
		s->queue_tail->next = &j;
	else
		// cppcheck-suppress autoVariables ; taken out before this function returns
		s->queue = &j;
	// cppcheck-suppress autoVariables ; taken out before this function returns
	s->queue_tail = &j;
	pthread_mutex_unlock(&s->mu);
	/* A queue that was not empty has its wake-up on the way: the I/O thread reads wakefd
	 * before it takes the queue. */
	if (was_empty)
		S_wake(s);
	while (sem_wait(&j.done) != 0)
		; /* EINTR */
	sem_destroy(&j.done);
	return j.rc;
}

void pdh_session_free(pdh_session *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_mutex_unlock(&s->mu);
		S_wake(s);
		pthread_join(s->thread, NULL);
	}
	if (s->multi)
		curl_multi_cleanup(s->multi); /* its socket callbacks still use epfd */
	if (s->share)
		curl_share_cleanup(s->share);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->wakefd >= 0)
		close(s->wakefd);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->share_locks[i]);
	pthread_mutex_destroy(&s->mu);
	PDH_FREE_ALL(s->proxy.http, s->proxy.https, s->proxy.no_proxy, s->cacert, s);
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
	S_proxy_read(&s->proxy);
	s->deadline_ms = -1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->multi = curl_multi_init();
	s->share = curl_share_init();
	if (s->epfd < 0 || s->wakefd < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wakefd,
	              &(struct epoll_event){ .events = EPOLLIN, .data.fd = s->wakefd }) != 0 ||
	    s->multi == NULL || s->share == NULL ||
	    curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, S_on_socket) != CURLM_OK ||
	    curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s) != CURLM_OK ||
	    curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, S_on_timer) != CURLM_OK ||
	    curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s) != CURLM_OK ||
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
