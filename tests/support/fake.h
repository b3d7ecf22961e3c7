/* Running pdhooks-fake from a test: start it on a free port, talk to its control API, stop it.
 * Every function aborts the test (cr_assert) when the fake cannot be reached. */
#ifndef PDH_T_FAKE_H
#define PDH_T_FAKE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct pdh_t_fake pdh_t_fake;
typedef struct pdh_t_http pdh_t_http;

/* Starts $PDH_FAKE_BIN on 127.0.0.1 port 0, token "test-token", plus extra args (NULL-terminated
 * list, may be NULL; e.g. "--oauth-app", "app-1:webhooks:read", "--companies", "3"); waits
 * for "port=N". Aborts the test (cr_assert) on failure. The --token company is company 1
 * (--company-id); control paths take "?company=ID" for the others. */
pdh_t_fake *pdh_t_fake_start(char *const extra_args[]);
const char *pdh_t_fake_url(const pdh_t_fake *f);    /* "http://127.0.0.1:PORT/v1" (or --prefix) */
/* "test-token", or the value of a --token among the extra arguments (which must then outlive
 * the fake). */
const char *pdh_t_fake_token(const pdh_t_fake *f);
const char *pdh_t_fake_base(const pdh_t_fake *f);   /* "http://127.0.0.1:PORT" */
/* A fake started with "--tls-cert", P, "--tls-key", K serves HTTPS: its URLs are https://,
 * and the harness's control calls trust the test CA (testdata/tls/ca.pem) when P is the test
 * server certificate, or check nothing when it is one of the deliberately bad ones. The
 * test CA's path for such a fake; NULL otherwise. */
const char *pdh_t_fake_cacert(const pdh_t_fake *f);
/* $PDH_TESTDATA/tls/NAME: the test certificates ("ca.pem", "server.pem", "server.key",
 * "expired.pem", ...; see testdata/tls/README.md). Caller frees. */
char *pdh_t_tls_path(const char *name);
int pdh_t_fake_port(const pdh_t_fake *f);
int pdh_t_fake_pid(const pdh_t_fake *f);   /* e.g. to read its /proc/PID/status */
/* API calls served, by method ("GET", "POST", "DELETE"; NULL: all), from GET /_fake/calls. */
int pdh_t_fake_calls(pdh_t_fake *f, const char *method);
/* A control call, e.g. ("POST", "/_fake/fail", "{...}", NULL); json may be NULL. Returns the
 * HTTP status; *out (when out is not NULL) gets the body, caller frees. */
long pdh_t_fake_control(pdh_t_fake *f, const char *method, const char *path, const char *json,
                        char **out);
/* PUT /_fake/state with a JSON array of webhooks; asserts 200. */
void pdh_t_fake_set_state(pdh_t_fake *f, const char *json_array);
char *pdh_t_fake_state(pdh_t_fake *f);  /* GET /_fake/state; caller frees */
void pdh_t_fake_stop(pdh_t_fake *f);    /* SIGTERM, waitpid, free; NULL ok */
/* As pdh_t_fake_stop, and returns the exit status (128+signal when killed), so a test can check
 * the fake stopped cleanly (0; under ASan also leak-free). */
int pdh_t_fake_stop_status(pdh_t_fake *f);

/* One plain HTTP exchange over libcurl, for tests that speak to the fake directly. */
typedef struct pdh_t_http {
	int curl_code;   /* CURLE_OK (0) or the transport error */
	long status;     /* 0 when no answer */
	char *body;      /* NUL-terminated, never NULL after a call */
	char *headers;   /* the raw response header lines, never NULL after a call */
} pdh_t_http;

/* method, full URL, extra header lines ("Name: value", NULL-terminated, may be NULL), body
 * (NULL: none) with its length (-1: strlen). Timeout: 30 s. */
void pdh_t_http_call(pdh_t_http *r, const char *method, const char *url,
                     const char *const headers[], const char *body, long len);
/* The same with a timeout in ms (the answer is then curl_code CURLE_OPERATION_TIMEDOUT). */
void pdh_t_http_call_timeout(pdh_t_http *r, const char *method, const char *url,
                             const char *const headers[], const char *body, long len,
                             long timeout_ms);
/* An API call to the fake as a given caller: path is below the prefix ("/webhooks"), auth a
 * header line ("x-api-token: tok-1", "Authorization: Bearer app-1"; NULL: none), body JSON
 * or NULL. Asserts that an answer came. */
void pdh_t_fake_api(pdh_t_http *r, pdh_t_fake *f, const char *auth, const char *method,
                    const char *path, const char *body);
/* pdh_t_fake_api, asserting the status `want` and a JSON body; returns the body parsed
 * (caller json_decref()s). */
json_t *pdh_t_fake_api_json(pdh_t_fake *f, const char *auth, const char *method,
                            const char *path, const char *body, long want);
/* GET /webhooks as `auth`: the ids listed as "1,2," (with_company: "1@1,2@3,"), checking
 * that the fake's own fields are never served. Caller frees. */
char *pdh_t_fake_list_ids(pdh_t_fake *f, const char *auth, bool with_company);
/* Runs $PDH_FAKE_BIN with each bad[i] (up to four arguments, NULL-padded) and expects exit
 * status 2, nothing on stdout and a message on stderr (containing in_err unless NULL). */
void pdh_t_fake_expect_bad_args(const char *bad[][4], size_t n, const char *in_err);
/* A create-deal webhook's POST body for url (a string literal). */
#define PDH_T_DEAL_HOOK(url) \
	"{\"subscription_url\":\"" url "\",\"event_action\":\"create\",\"event_object\":\"deal\"," \
	"\"name\":\"n\"}"
/* The value of response header name (case-insensitive), copied; NULL when absent. Caller frees. */
char *pdh_t_http_header(const pdh_t_http *r, const char *name);
/* The value of header name as a number; asserts that the header is there. */
long pdh_t_http_header_num(const pdh_t_http *r, const char *name);
void pdh_t_http_dispose(pdh_t_http *r);

#endif
