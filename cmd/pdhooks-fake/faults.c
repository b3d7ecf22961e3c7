/* Fault injection: a queue of "fail the next N calls of METHOD this way". */
#include "fake.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pdhooks/alloc.h"

static const char *const S_methods[] = { "GET", "POST", "DELETE", "*" };

int fake_method_of(const char *method)
{
	for (int i = 0; i < FAKE_OTHER; i++)
		if (strcmp(method, S_methods[i]) == 0)
			return i;
	return FAKE_OTHER;
}

static int S_number(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	long n;

	errno = 0;
	if (s == NULL || *s == '\0')
		return -1;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* STATUS=TEXT: that status with TEXT as Pipedrive's error text (a 422 that is not the webhook
 * limit: "422=name contains forbidden characters"). */
static int S_status_text(const char *k, fake_fault *f)
{
	const char *eq = strchr(k, '=');
	char num[8];
	long n;

	if (eq == NULL || eq == k || (size_t)(eq - k) >= sizeof(num) || eq[1] == '\0' ||
	    strlen(eq + 1) > FAKE_FAULT_TEXT_MAX)
		return -1;
	memcpy(num, k, (size_t)(eq - k));
	num[eq - k] = '\0';
	if (S_number(num, 100, 599, &n) != 0)
		return -1;
	f->kind = FAKE_FAULT_STATUS;
	f->status = (int)n;
	strcpy(f->text, eq + 1);
	return 0;
}

/* KIND as --fail writes it: "503", "422=TEXT", "html", "html=403", "truncated", "drop", "delay=MS",
 * "create-503", "huge", "huge=BYTES", "wrong-types", "missing-id", "success-false",
 * "reset-mid-body", "redirect=PORT", "retry-after-huge", "cut-password"... */
static int S_kind(const char *k, fake_fault *f, const char **why)
{
	static const struct { const char *name; int kind; } plain[] = {
		{ "truncated", FAKE_FAULT_TRUNCATED },
		{ "drop", FAKE_FAULT_DROP },
		{ "wrong-types", FAKE_FAULT_WRONG_TYPES },
		{ "missing-id", FAKE_FAULT_MISSING_ID },
		{ "success-false", FAKE_FAULT_SUCCESS_FALSE },
		{ "reset-mid-body", FAKE_FAULT_RESET_MID_BODY },
		{ "echo-400", FAKE_FAULT_ECHO_400 },
		{ "duplicate-id", FAKE_FAULT_DUP_ID },
		{ "zero-id", FAKE_FAULT_ZERO_ID },
		{ "negative-id", FAKE_FAULT_NEGATIVE_ID },
		{ "null-data", FAKE_FAULT_NULL_DATA },
		{ "retry-after-huge", FAKE_FAULT_HUGE_RETRY_AFTER },
		{ "ratelimit-reset-huge", FAKE_FAULT_HUGE_RESET },
		{ "cut-password", FAKE_FAULT_CUT_PASSWORD },
	};
	long n;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (strcmp(k, plain[i].name) == 0) {
			f->kind = plain[i].kind;
			return 0;
		}
	}
	if (S_number(k, 100, 599, &n) == 0) {
		f->kind = FAKE_FAULT_STATUS;
		f->status = (int)n;
	} else if (S_status_text(k, f) == 0) {
		/* STATUS=TEXT */
	} else if (strcmp(k, "html") == 0) {
		f->kind = FAKE_FAULT_HTML;
		f->status = 503;
	} else if (strncmp(k, "html=", 5) == 0 && S_number(k + 5, 100, 599, &n) == 0) {
		f->kind = FAKE_FAULT_HTML;
		f->status = (int)n;
	} else if (strncmp(k, "delay=", 6) == 0 && S_number(k + 6, 0, 600000, &n) == 0) {
		f->kind = FAKE_FAULT_DELAY;
		f->delay_ms = n;
	} else if (strncmp(k, "late-answer=", 12) == 0 && S_number(k + 12, 0, 600000, &n) == 0) {
		f->kind = FAKE_FAULT_LATE_ANSWER;
		f->delay_ms = n;
	} else if (strcmp(k, "ratelimit-zero") == 0 || strcmp(k, "ratelimit-zero-epoch") == 0) {
		f->kind = FAKE_FAULT_RATE_ZERO;
		f->seconds = 3600;
		f->epoch = strcmp(k, "ratelimit-zero-epoch") == 0;
	} else if ((strncmp(k, "ratelimit-zero=", 15) == 0 &&
	            S_number(k + 15, 0, 100000000, &n) == 0) ||
	           (strncmp(k, "ratelimit-zero-epoch=", 21) == 0 &&
	            S_number(k + 21, 0, 100000000, &n) == 0)) {
		f->kind = FAKE_FAULT_RATE_ZERO;
		f->seconds = n;
		f->epoch = k[14] == '-';
	} else if (strcmp(k, "create-503") == 0) {
		f->kind = FAKE_FAULT_CREATE_503;
		f->status = 503;
	} else if (strcmp(k, "huge") == 0) {
		f->kind = FAKE_FAULT_HUGE;
		f->size = FAKE_HUGE_DEFAULT;
	} else if (strncmp(k, "huge=", 5) == 0 && S_number(k + 5, 1, (long)FAKE_HUGE_MAX, &n) == 0) {
		f->kind = FAKE_FAULT_HUGE;
		f->size = n;
	} else if (strncmp(k, "redirect=", 9) == 0 && S_number(k + 9, 1, 65535, &n) == 0) {
		f->kind = FAKE_FAULT_REDIRECT;
		f->status = 302;
		f->port = (int)n;
	} else {
		*why = "KIND must be an HTTP status, STATUS=TEXT, html, html=STATUS, truncated, drop, delay=MS, "
		       "create-503, huge, huge=BYTES, wrong-types, missing-id, success-false, "
		       "reset-mid-body, redirect=PORT, echo-400, ratelimit-zero[=S], "
		       "ratelimit-zero-epoch[=S], retry-after-huge, ratelimit-reset-huge, "
		       "duplicate-id, zero-id, negative-id, null-data, cut-password or "
		       "late-answer=MS";
		return -1;
	}
	return 0;
}

int fake_fault_parse(const char *spec, fake_fault *out, const char **why)
{
	char *s = pdh_xstrdup(spec), *kind, *count;
	long n = 1;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	kind = strchr(s, ':');
	if (kind == NULL) {
		*why = "expected METHOD:KIND[:N]";
		goto done;
	}
	*kind++ = '\0';
	if ((out->method = fake_method_of(s)) == FAKE_OTHER && strcmp(s, "*") != 0) {
		*why = "METHOD must be GET, POST, DELETE or *";
		goto done;
	}
	/* "delay=MS", "html=STATUS", "redirect=PORT" hold no ':'; the count is after the last one. */
	count = strrchr(kind, ':');
	if (count) {
		*count++ = '\0';
		if (S_number(count, 1, 1000000, &n) != 0) {
			*why = "N must be a positive number";
			goto done;
		}
	}
	if (S_kind(kind, out, why) != 0)
		goto done;
	out->remaining = (int)n;
	rc = 0;
done:
	free(s);
	return rc;
}

#define S_JSON_KINDS                                                                    \
	"kind must be status, html, truncated, drop, delay, create-503, huge, wrong-types, " \
	"missing-id, success-false, reset-mid-body, redirect, echo-400, ratelimit-zero, "   \
	"ratelimit-zero-epoch, retry-after-huge, ratelimit-reset-huge, duplicate-id, zero-id, " \
	"negative-id, null-data, cut-password or late-answer"

int fake_fault_from_json(const json_t *j, fake_fault *out, const char **why)
{
	const char *kind;
	json_t *v;
	long status = 0;

	if (json_is_string(j))   /* "POST:503:2", as --fail takes it */
		return fake_fault_parse(json_string_value(j), out, why);
	memset(out, 0, sizeof(*out));
	out->remaining = 1;
	if (!json_is_object(j)) {
		*why = "expected a JSON object or a \"METHOD:KIND[:N]\" string";
		return -1;
	}
	v = json_object_get(j, "method");
	if (v) {
		if (!json_is_string(v) || ((out->method = fake_method_of(json_string_value(v))) ==
		                           FAKE_OTHER && strcmp(json_string_value(v), "*") != 0)) {
			*why = "method must be GET, POST, DELETE or *";
			return -1;
		}
	} else {
		out->method = FAKE_OTHER;
	}
	v = json_object_get(j, "count");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000) {
			*why = "count must be a positive integer";
			return -1;
		}
		out->remaining = (int)json_integer_value(v);
	}
	v = json_object_get(j, "status");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 100 || json_integer_value(v) > 599) {
			*why = "status must be an HTTP status (100-599)";
			return -1;
		}
		status = (long)json_integer_value(v);
	}
	v = json_object_get(j, "path");
	if (v) {
		if (!json_is_string(v) || json_string_value(v)[0] != '/' ||
		    json_string_length(v) > FAKE_FAULT_PATH_MAX) {
			*why = "path must be an API path such as /users/me (at most 63 bytes)";
			return -1;
		}
		strcpy(out->path, json_string_value(v));
	}
	kind = json_string_value(json_object_get(j, "kind"));
	if (kind == NULL) {
		*why = S_JSON_KINDS;
		return -1;
	}
	if (strcmp(kind, "status") == 0) {
		if (status == 0) {
			*why = "kind status needs a status";
			return -1;
		}
		out->kind = FAKE_FAULT_STATUS;
		out->status = (int)status;
		v = json_object_get(j, "text");
		if (v && (!json_is_string(v) || json_string_length(v) == 0 ||
		          json_string_length(v) > FAKE_FAULT_TEXT_MAX)) {
			*why = "kind status takes a text of 1 to 200 bytes";
			return -1;
		}
		if (v)
			strcpy(out->text, json_string_value(v));
	} else if (strcmp(kind, "html") == 0) {
		out->kind = FAKE_FAULT_HTML;
		out->status = status ? (int)status : 503;
	} else if (strcmp(kind, "delay") == 0 || strcmp(kind, "late-answer") == 0) {
		bool late = strcmp(kind, "late-answer") == 0;

		v = json_object_get(j, "delay_ms");
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 600000) {
			*why = late ? "kind late-answer needs delay_ms (0-600000)"
			            : "kind delay needs delay_ms (0-600000)";
			return -1;
		}
		out->kind = late ? FAKE_FAULT_LATE_ANSWER : FAKE_FAULT_DELAY;
		out->delay_ms = (long)json_integer_value(v);
	} else if (strcmp(kind, "ratelimit-zero") == 0 || strcmp(kind, "ratelimit-zero-epoch") == 0) {
		v = json_object_get(j, "seconds");
		if (v && (!json_is_integer(v) || json_integer_value(v) < 0 ||
		          json_integer_value(v) > 100000000)) {
			*why = "kind ratelimit-zero takes seconds (0-100000000)";
			return -1;
		}
		out->kind = FAKE_FAULT_RATE_ZERO;
		out->seconds = v ? (long)json_integer_value(v) : 3600;
		out->epoch = strcmp(kind, "ratelimit-zero-epoch") == 0;
	} else if (strcmp(kind, "huge") == 0) {
		v = json_object_get(j, "size");
		if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
		          json_integer_value(v) > FAKE_HUGE_MAX)) {
			*why = "kind huge takes a size in bytes (1 to 1 GiB)";
			return -1;
		}
		out->kind = FAKE_FAULT_HUGE;
		out->size = v ? (long long)json_integer_value(v) : FAKE_HUGE_DEFAULT;
	} else if (strcmp(kind, "redirect") == 0) {
		v = json_object_get(j, "port");
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535 ||
		    (status != 0 && (status < 300 || status > 399))) {
			*why = "kind redirect needs a port (1-65535); its status, if given, is 3xx";
			return -1;
		}
		out->kind = FAKE_FAULT_REDIRECT;
		out->port = (int)json_integer_value(v);
		out->status = status ? (int)status : 302;
	} else if (S_kind(kind, out, why) != 0) {   /* truncated, drop, create-503, "503", ... */
		*why = S_JSON_KINDS " (or a KIND of --fail)";
		return -1;
	}
	return 0;
}

void fake_fault_add(fake_company *s, const fake_fault *f)
{
	s->faults = pdh_xgrow(s->faults, &s->faults_cap, s->nfaults + 1, sizeof(*s->faults));
	s->faults[s->nfaults++] = *f;
}

bool fake_fault_take(fake_company *s, int method, fake_fault *out)
{
	return fake_fault_take_at(s, method, NULL, out);
}

bool fake_fault_take_at(fake_company *s, int method, const char *path, fake_fault *out)
{
	for (size_t i = 0; i < s->nfaults; i++) {
		fake_fault *f = &s->faults[i];
		if (f->path[0] && (path == NULL || strcmp(path, f->path) != 0))
			continue;   /* limited to another path */
		bool listing_only = f->kind == FAKE_FAULT_DUP_ID || f->kind == FAKE_FAULT_ZERO_ID ||
		                    f->kind == FAKE_FAULT_NEGATIVE_ID || f->kind == FAKE_FAULT_NULL_DATA ||
		                    f->kind == FAKE_FAULT_CUT_PASSWORD;
		if (f->method != FAKE_OTHER && f->method != method)
			continue;
		if (listing_only && (method != FAKE_GET || (path && strcmp(path, "/webhooks") != 0)))
			continue;   /* only a listing has ids to break: the fault waits for one */
		*out = *f;
		if (--f->remaining == 0) {
			memmove(f, f + 1, (s->nfaults - i - 1) * sizeof(*f));
			s->nfaults--;
		}
		return true;
	}
	return false;
}
