/* The fleet file loader: the YAML tree of the desired-file loader (desired/tree.h) and its
 * field checks (desired/fields.h), so both files are equally strict and report alike. The
 * fleet file itself has no ${VAR}: its values are written in git, and `vars` are the values
 * an account's desired file reads. */
#include "pdhooks/fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "desired/fields.h"
#include "desired/tree.h"
#include "pdhooks/alloc.h"
#include "pdhooks/api_url.h"
#include "pdhooks/buf.h"
#include "pdhooks/read_file.h"
#include "pdhooks/sha256.h"

#define S_ERR(L, line, col, ...) pdh_tree_report(L, PDH_DIAG_ERROR, line, col, __VA_ARGS__)
#define S_NAME_MAX 100
#define S_TOO_BIG "the fleet file is larger than 32 MiB (%u bytes) and is refused"
#define S_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

enum { R_VERSION, R_DESIRED, R_CONCURRENCY, R_ACCOUNTS, R_N };
static const char *const S_root_keys[] = { "pdhooks_fleet", "desired", "concurrency", "accounts",
                                           NULL };

enum { A_NAME, A_API_URL, A_DOMAIN, A_TOKEN_ENV, A_TOKEN_FILE, A_TOKEN_COMMAND, A_OAUTH,
       A_DESIRED, A_LABELS, A_VARS, A_ENABLED, A_OAUTH_REFRESH, A_N };
static const char *const S_account_keys[] = { "name", "api_url", "company_domain", "token_env",
                                              "token_file", "token_command", "oauth", "desired",
                                              "labels", "vars", "enabled", "oauth_refresh", NULL };

enum { O_CLIENT_ID_ENV, O_CLIENT_SECRET_ENV, O_TOKEN_FILE, O_TOKEN_URL, O_N };
static const char *const S_refresh_keys[] = { "client_id_env", "client_secret_env", "token_file",
                                              "token_url", NULL };

/* Strings seen so far, each with the index of its first occurrence: the duplicate checks of
 * names, labels, vars and token sources in linear time (a fleet file has up to 100,000
 * accounts, a mapping any number of keys). Open addressing; the keys are borrowed. */
typedef struct {
	const char *key;
	size_t len;
	size_t first;
} S_slot;

typedef struct {
	S_slot *slots;   /* key NULL: free */
	size_t cap;      /* a power of two, at least twice the keys it will hold */
} S_seen;

static void S_seen_init(S_seen *t, size_t n)
{
	t->cap = 16;
	while (t->cap < 2 * n)
		t->cap *= 2;
	t->slots = pdh_xcalloc(t->cap, sizeof(*t->slots));
}

/* Adds key (len bytes) first seen at index; when it was there already, false and *first is
 * the index it was first seen at. */
static bool S_seen_add(S_seen *t, const char *key, size_t len, size_t index, size_t *first)
{
	size_t i = (size_t)pdh_fnv1a64(key, len) & (t->cap - 1);

	for (; t->slots[i].key; i = (i + 1) & (t->cap - 1))
		if (t->slots[i].len == len && memcmp(t->slots[i].key, key, len) == 0) {
			*first = t->slots[i].first;
			return false;
		}
	t->slots[i] = (S_slot){ key, len, index };
	return true;
}

typedef struct {
	pdh_loader L;
	pdh_fleet *f;
	S_seen names;         /* the account names so far */
	int (*token_at)[2];   /* each account's token key: line, column */
	char *dir;            /* the fleet file's directory with a trailing '/', or "" */
	char *desired;        /* the top-level desired file, joined with dir; NULL when absent */
	const pdh_node *desired_node;
} S_state;

/* A string scalar's text as written (no ${VAR} in a fleet file): 0, or -1 after reporting. */
static int S_string_e(pdh_loader *L, const pdh_node *n, const char *what, bool empty_ok,
                      char **out)
{
	*out = NULL;
	if (n->kind == N_BAD)
		return -1;
	if (!pdh_field_is_string(n)) {
		if (n->kind == N_SCALAR && !pdh_field_is_null(n))
			S_ERR(L, n->line, n->col, "%s: expected a string, found %s (quote it: \"%s\")",
			      what, pdh_field_describe(n), n->value);
		else
			S_ERR(L, n->line, n->col, "%s: expected a string, found %s", what,
			      pdh_field_describe(n));
		return -1;
	}
	if ((n->len == 0 && !empty_ok) || strlen(n->value) != n->len) {
		S_ERR(L, n->line, n->col, "%s: expected a non-empty string without NUL bytes", what);
		return -1;
	}
	*out = pdh_xstrdup(n->value);
	return 0;
}

static int S_string(pdh_loader *L, const pdh_node *n, const char *what, char **out)
{
	return S_string_e(L, n, what, false, out);
}

/* A relative path made relative to the fleet file's directory. */
static char *S_path(const S_state *S, const char *p)
{
	if (p[0] == '/' || S->dir[0] == '\0')
		return pdh_xstrdup(p);
	return pdh_xasprintf("%s%s", S->dir, p);
}

static bool S_var_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

/* labels: / vars: a mapping of strings to strings; vars keys are variable names. */
static void S_kv(S_state *S, const pdh_node *n, const char *what, bool var_names,
                 pdh_fleet_kv **out, size_t *n_out)
{
	pdh_loader *L = &S->L;
	S_seen seen;

	*out = NULL;
	*n_out = 0;
	if (n->kind == N_BAD || pdh_field_is_null(n))
		return;
	if (n->kind != N_MAP) {
		S_ERR(L, n->line, n->col, "%s: expected a mapping of names to strings, found %s", what,
		      pdh_field_describe(n));
		return;
	}
	*out = pdh_xcalloc(n->n / 2 + 1, sizeof(**out));
	S_seen_init(&seen, n->n / 2);
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const pdh_node *k = n->kids[i], *v = n->kids[i + 1];
		char *key = NULL, *val = NULL;
		size_t first;

		if (S_string(L, k, what, &key) != 0)
			continue;
		if (!S_seen_add(&seen, k->value, k->len, i, &first)) {
			char *q = pdh_field_quote(k);
			S_ERR(L, k->line, k->col, "duplicate key %s in %s (first at line %d, column %d)",
			      q, what, n->kids[first]->line, n->kids[first]->col);
			free(q);
		} else if (var_names && !S_var_name(key)) {
			char *q = pdh_field_quote(k);
			S_ERR(L, k->line, k->col, "%s: %s is not a variable name (a letter or '_', then "
			      "letters, digits and '_')", what, q);
			free(q);
		} else if (S_string_e(L, v, what, true, &val) == 0) {
			(*out)[*n_out].key = key;
			(*out)[*n_out].value = val;
			(*n_out)++;
			continue;
		}
		free(key);
		free(val);
	}
	free(seen.slots);
}

static void S_token_command(S_state *S, const pdh_node *n, pdh_fleet_account *a)
{
	pdh_loader *L = &S->L;

	if (n->kind == N_BAD)
		return;
	if (n->kind != N_SEQ || n->n == 0) {
		S_ERR(L, n->line, n->col, "token_command: expected a non-empty list of strings (the "
		      "program and its arguments; no shell), found %s",
		      n->kind == N_SEQ ? "an empty list" : pdh_field_describe(n));
		return;
	}
	a->token_argv = pdh_xcalloc(n->n + 1, sizeof(*a->token_argv));
	for (size_t i = 0; i < n->n; i++) {
		char *s;

		if (S_string(L, n->kids[i], "token_command", &s) == 0)
			a->token_argv[a->token_argc++] = s;
	}
	if (a->token_argc != n->n) {
		for (size_t i = 0; i < a->token_argc; i++)
			free(a->token_argv[i]);
		a->token_argc = 0;
	}
}

static bool S_var_name(const char *s);

/* oauth_refresh: client_id_env, client_secret_env, token_file (required), token_url. */
static void S_oauth_refresh(S_state *S, const pdh_node *n, pdh_fleet_account *a)
{
	pdh_loader *L = &S->L;
	const pdh_node *f[O_N + 1] = { 0 }, *k[O_N + 1] = { 0 };
	pdh_fleet_refresh_conf *r = &a->refresh;
	char *s = NULL;

	if (n->kind == N_BAD)
		return;
	if (n->kind != N_MAP) {
		S_ERR(L, n->line, n->col, "oauth_refresh: expected a mapping (client_id_env, "
		      "client_secret_env, token_file, token_url), found %s", pdh_field_describe(n));
		return;
	}
	pdh_field_keys(L, n, "oauth_refresh", S_refresh_keys, f, k);
	(void)k;
	for (int i = O_CLIENT_ID_ENV; i <= O_TOKEN_FILE; i++)
		if (f[i] == NULL)
			S_ERR(L, n->line, n->col, "oauth_refresh: missing the required key '%s'",
			      S_refresh_keys[i]);
	if (f[O_CLIENT_ID_ENV] && S_string(L, f[O_CLIENT_ID_ENV], "client_id_env",
	                                   &r->client_id_env) == 0 && !S_var_name(r->client_id_env))
		S_ERR(L, f[O_CLIENT_ID_ENV]->line, f[O_CLIENT_ID_ENV]->col, "client_id_env: expected "
		      "the name of an environment variable (letters, digits and '_')");
	if (f[O_CLIENT_SECRET_ENV] && S_string(L, f[O_CLIENT_SECRET_ENV], "client_secret_env",
	                                       &r->client_secret_env) == 0 &&
	    !S_var_name(r->client_secret_env))
		S_ERR(L, f[O_CLIENT_SECRET_ENV]->line, f[O_CLIENT_SECRET_ENV]->col, "client_secret_env: "
		      "expected the name of an environment variable (letters, digits and '_')");
	if (f[O_TOKEN_FILE] && S_string(L, f[O_TOKEN_FILE], "token_file", &s) == 0)
		r->token_file = S_path(S, s);
	free(s);
	if (f[O_TOKEN_URL] && S_string(L, f[O_TOKEN_URL], "token_url", &r->token_url) == 0) {
		pdh_error err = { 0 };

		if (pdh_api_url_check(r->token_url, &err) != 0)
			S_ERR(L, f[O_TOKEN_URL]->line, f[O_TOKEN_URL]->col, "token_url: %s", err.message);
	}
}

/* Where the account being loaded names its token. */
static void S_token_at(S_state *S, const pdh_node *key)
{
	S->token_at[S->f->n_accounts][0] = key->line;
	S->token_at[S->f->n_accounts][1] = key->col;
}

/* path made absolute (from the working directory) and without ".", ".." and repeated '/'. */
static void S_normal_path(pdh_buf *b, const char *path)
{
	char cwd[4096];
	size_t start = b->len;

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		pdh_buf_puts(b, cwd);
	for (const char *p = path; *p;) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (b->len > start && b->data[b->len - 1] != '/')
				b->len--;
			if (b->len > start)
				b->len--;
		} else {
			pdh_buf_putc(b, '/');
			pdh_buf_append(b, p, n);
		}
		p += n;
	}
}

/* The file at path as one string, however its path is spelled: its device and inode when it
 * exists, else its normalised absolute path. */
static void S_file_key(pdh_buf *b, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		pdh_buf_printf(b, "i%llu:%llu", (unsigned long long)st.st_dev,
		               (unsigned long long)st.st_ino);
	} else {
		pdh_buf_putc(b, 'p');
		S_normal_path(b, path);
	}
}

/* An account's token source as one string (its kind, then what names it), or NULL when the
 * entry has none that loaded. A token_file, and oauth_refresh's, is named by the file it is
 * (S_file_key). */
static char *S_token_key(const pdh_fleet_account *a, size_t *len)
{
	pdh_buf b = PDH_BUF_INIT;

	if (a->name == NULL)
		return NULL;
	if (a->token_kind == PDH_TOKEN_ENV && a->token_env) {
		pdh_buf_printf(&b, "e%s", a->token_env);
	} else if (a->token_kind == PDH_TOKEN_FILE && a->token_file) {
		pdh_buf_putc(&b, 'f');
		S_file_key(&b, a->token_file);
	} else if (a->token_kind == PDH_TOKEN_OAUTH_REFRESH && a->refresh.token_file) {
		pdh_buf_putc(&b, 'o');
		S_file_key(&b, a->refresh.token_file);
	} else if (a->token_kind == PDH_TOKEN_COMMAND && a->token_argc > 0) {
		pdh_buf_putc(&b, 'c');
		for (size_t i = 0; i < a->token_argc; i++)
			pdh_buf_append(&b, a->token_argv[i], strlen(a->token_argv[i]) + 1);
	} else {
		return NULL;
	}
	*len = b.len;
	return pdh_buf_detach(&b);
}

/* The warning of account a (index i) whose oauth_refresh token file account b's (index
 * first) is too: each refresh may rotate the refresh token, which the other then spends. */
static void S_same_refresh(S_state *S, const pdh_fleet_account *a, const pdh_fleet_account *b,
                           size_t i, size_t first)
{
	const char *pa = a->refresh.token_file, *pb = b->refresh.token_file;
	char *what = strcmp(pa, pb) == 0 ? pdh_xstrdup(pa)
	                                 : pdh_xasprintf("(%s is %s)", pa, pb);

	pdh_tree_report(&S->L, PDH_DIAG_WARNING, S->token_at[i][0], S->token_at[i][1],
	                "accounts '%s' and '%s' (line %d, column %d) have the same oauth_refresh "
	                "token_file %s: refreshing one install's refresh token from two accounts "
	                "can lock one of them out, and both would plan and apply to the same "
	                "company",
	                a->name, b->name, S->token_at[first][0], S->token_at[first][1], what);
	free(what);
}

/* A warning for each account whose token source an earlier one has too: a token is one
 * company's, so both accounts would plan and apply to the same company. */
static void S_same_tokens(S_state *S)
{
	const pdh_fleet *f = S->f;
	char **keys = pdh_xcalloc(f->n_accounts + 1, sizeof(*keys));
	S_seen seen;

	S_seen_init(&seen, f->n_accounts);
	for (size_t i = 0; i < f->n_accounts; i++) {
		const pdh_fleet_account *a = &f->accounts[i], *b;
		size_t len = 0, first;
		char *what;

		keys[i] = S_token_key(a, &len);
		if (keys[i] == NULL || S_seen_add(&seen, keys[i], len, i, &first))
			continue;
		b = &f->accounts[first];
		if (a->token_kind == PDH_TOKEN_OAUTH_REFRESH) {
			S_same_refresh(S, a, b, i, first);
			continue;
		}
		if (a->token_kind == PDH_TOKEN_ENV)
			what = pdh_xasprintf("token_env %s", a->token_env);
		else if (a->token_kind == PDH_TOKEN_FILE && strcmp(a->token_file, b->token_file) == 0)
			what = pdh_xasprintf("token_file %s", a->token_file);
		else if (a->token_kind == PDH_TOKEN_FILE)
			what = pdh_xasprintf("token file (%s is %s)", a->token_file, b->token_file);
		else
			what = pdh_xasprintf("token_command");
		pdh_tree_report(&S->L, PDH_DIAG_WARNING, S->token_at[i][0], S->token_at[i][1],
		                "accounts '%s' and '%s' (line %d, column %d) have the same %s: a "
		                "token is one company's, so both would plan and apply to the same "
		                "company", a->name, b->name, S->token_at[first][0],
		                S->token_at[first][1], what);
		free(what);
	}
	pdh_free_strings(keys, f->n_accounts);
	free(seen.slots);
}

static void S_account(S_state *S, const pdh_node *n, size_t index)
{
	pdh_loader *L = &S->L;
	pdh_fleet_account *a = &S->f->accounts[S->f->n_accounts];
	const pdh_node *f[A_N + 1] = { 0 }, *k[A_N + 1] = { 0 };
	char where[64], *s = NULL;
	int n_tokens = 0;

	memset(a, 0, sizeof(*a));
	a->line = n->line;
	a->col = n->col;
	if (n->kind != N_MAP) {
		if (n->kind != N_BAD)
			S_ERR(L, n->line, n->col, "accounts[%zu]: expected a mapping (name, api_url or "
			      "company_domain, a token source), found %s", index + 1,
			      pdh_field_describe(n));
		return;
	}
	snprintf(where, sizeof(where), "accounts[%zu]", index + 1);
	pdh_field_keys(L, n, where, S_account_keys, f, k);
	if (f[A_NAME] == NULL) {
		S_ERR(L, n->line, n->col, "%s: missing the required key 'name'", where);
	} else if (S_string(L, f[A_NAME], "name", &a->name) == 0) {
		if (strlen(a->name) > S_NAME_MAX || strspn(a->name, S_NAME_CHARS) != strlen(a->name) ||
		    strcmp(a->name, ".") == 0 || strcmp(a->name, "..") == 0) {
			char *q = pdh_field_quote(f[A_NAME]);
			S_ERR(L, f[A_NAME]->line, f[A_NAME]->col, "name %s: expected 1 to %d letters, "
			      "digits, '.', '_' or '-' (it names the account's saved plan file)", q,
			      S_NAME_MAX);
			free(q);
			free(a->name);
			a->name = NULL;
		} else {
			size_t first;

			if (!S_seen_add(&S->names, a->name, strlen(a->name), S->f->n_accounts, &first))
				S_ERR(L, f[A_NAME]->line, f[A_NAME]->col, "duplicate account name '%s' "
				      "(first at line %d, column %d)", a->name, S->f->accounts[first].line,
				      S->f->accounts[first].col);
		}
	}
	/* Where the API is: exactly one of api_url and company_domain. */
	if (f[A_API_URL] && f[A_DOMAIN]) {
		S_ERR(L, k[A_DOMAIN]->line, k[A_DOMAIN]->col, "%s: give api_url or company_domain, "
		      "not both", where);
	} else if (f[A_API_URL] == NULL && f[A_DOMAIN] == NULL) {
		/* A token command's JSON or a refreshed token may say it (api_domain). */
		if (f[A_TOKEN_COMMAND] == NULL && f[A_OAUTH_REFRESH] == NULL)
			S_ERR(L, n->line, n->col, "%s: missing api_url or company_domain (where the "
			      "account's API is; only a token_command or oauth_refresh can leave it to "
			      "the token's api_domain)", where);
	} else if (f[A_API_URL] && S_string(L, f[A_API_URL], "api_url", &s) == 0) {
		pdh_error err = { 0 };

		if (pdh_api_url_resolve(&a->api_url, s, NULL, NULL, &err) != 0)
			S_ERR(L, f[A_API_URL]->line, f[A_API_URL]->col, "api_url: %s", err.message);
	} else if (f[A_DOMAIN] && S_string(L, f[A_DOMAIN], "company_domain", &s) == 0) {
		pdh_error err = { 0 };

		if (!pdh_company_domain_valid(s))
			S_ERR(L, f[A_DOMAIN]->line, f[A_DOMAIN]->col, "company_domain: expected the "
			      "name in https://NAME.pipedrive.com (letters, digits and '-')");
		else if (pdh_api_url_resolve(&a->api_url, NULL, NULL, s, &err) != 0)
			S_ERR(L, f[A_DOMAIN]->line, f[A_DOMAIN]->col, "company_domain: %s", err.message);
	}
	free(s);
	s = NULL;
	/* The token: exactly one source. */
	n_tokens = (f[A_TOKEN_ENV] != NULL) + (f[A_TOKEN_FILE] != NULL) +
	           (f[A_TOKEN_COMMAND] != NULL) + (f[A_OAUTH_REFRESH] != NULL);
	if (n_tokens == 0) {
		S_ERR(L, n->line, n->col, "%s: missing a token source: one of token_env, token_file, "
		      "token_command, oauth_refresh", where);
	} else if (n_tokens > 1) {
		const pdh_node *second = f[A_OAUTH_REFRESH] ? k[A_OAUTH_REFRESH]
		                         : f[A_TOKEN_COMMAND] ? k[A_TOKEN_COMMAND] : k[A_TOKEN_FILE];
		S_ERR(L, second->line, second->col, "%s: give one token source (token_env, token_file, "
		      "token_command or oauth_refresh), not %d", where, n_tokens);
	} else if (f[A_OAUTH_REFRESH]) {
		a->token_kind = PDH_TOKEN_OAUTH_REFRESH;
		a->oauth = true;
		S_token_at(S, k[A_OAUTH_REFRESH]);
		S_oauth_refresh(S, f[A_OAUTH_REFRESH], a);
	} else if (f[A_TOKEN_ENV]) {
		a->token_kind = PDH_TOKEN_ENV;
		S_token_at(S, k[A_TOKEN_ENV]);
		if (S_string(L, f[A_TOKEN_ENV], "token_env", &a->token_env) == 0 &&
		    !S_var_name(a->token_env))
			S_ERR(L, f[A_TOKEN_ENV]->line, f[A_TOKEN_ENV]->col, "token_env: expected the name "
			      "of an environment variable (letters, digits and '_')");
	} else if (f[A_TOKEN_FILE]) {
		a->token_kind = PDH_TOKEN_FILE;
		S_token_at(S, k[A_TOKEN_FILE]);
		if (S_string(L, f[A_TOKEN_FILE], "token_file", &s) == 0)
			a->token_file = S_path(S, s);
	} else {
		a->token_kind = PDH_TOKEN_COMMAND;
		S_token_at(S, k[A_TOKEN_COMMAND]);
		a->dir = pdh_xstrdup(S->dir);
		S_token_command(S, f[A_TOKEN_COMMAND], a);
	}
	free(s);
	s = NULL;
	if (f[A_OAUTH])
		pdh_field_boolean(L, f[A_OAUTH], "oauth", &a->oauth);
	if (f[A_ENABLED]) {
		bool enabled = true;

		if (pdh_field_boolean(L, f[A_ENABLED], "enabled", &enabled) == 0)
			a->disabled = !enabled;
	}
	if (f[A_DESIRED]) {
		if (S_string(L, f[A_DESIRED], "desired", &s) == 0)
			a->desired = S_path(S, s);
		free(s);
	} else if (S->desired) {
		a->desired = pdh_xstrdup(S->desired);
	} else if (S->desired_node == NULL) {
		S_ERR(L, n->line, n->col, "%s: no desired file: set 'desired:' at the top of the "
		      "fleet file or in this account", where);
	}
	if (f[A_LABELS])
		S_kv(S, f[A_LABELS], "labels", false, &a->labels, &a->n_labels);
	if (f[A_VARS])
		S_kv(S, f[A_VARS], "vars", true, &a->vars, &a->n_vars);
	S->f->n_accounts++;
}

static void S_check(S_state *S)
{
	pdh_loader *L = &S->L;
	const pdh_node *root = L->root, *f[R_N + 1] = { 0 }, *k[R_N + 1] = { 0 };
	long long v;

	if (root == NULL || pdh_field_is_null(root)) {
		S_ERR(L, 0, 0, "the file is empty; expected 'pdhooks_fleet: 1' and an 'accounts:' list");
		return;
	}
	if (root->kind != N_MAP) {
		if (root->kind != N_BAD)
			S_ERR(L, root->line, root->col, "expected a mapping at the top ('pdhooks_fleet: 1', "
			      "'accounts: ...'), found %s", pdh_field_describe(root));
		return;
	}
	pdh_field_keys(L, root, "the top level", S_root_keys, f, k);
	if (f[R_VERSION] == NULL)
		S_ERR(L, root->line, root->col, "missing the required key 'pdhooks_fleet' (the file "
		      "format version: 'pdhooks_fleet: 1')");
	else if (pdh_field_integer(L, f[R_VERSION], "pdhooks_fleet", 0, 1000000, &v) == 0) {
		if (v != 1)
			S_ERR(L, f[R_VERSION]->line, f[R_VERSION]->col, "unsupported fleet file format "
			      "version %lld; this pdhooks reads 'pdhooks_fleet: 1'", v);
		else
			S->f->format_version = 1;
	}
	if (f[R_DESIRED]) {
		char *s;

		S->desired_node = f[R_DESIRED];
		if (S_string(L, f[R_DESIRED], "desired", &s) == 0)
			S->desired = S_path(S, s);
		free(s);
	}
	if (f[R_CONCURRENCY] &&
	    pdh_field_integer(L, f[R_CONCURRENCY], "concurrency", 1, PDH_FLEET_MAX_CONCURRENCY,
	                      &v) == 0)
		S->f->concurrency = (int)v;
	if (f[R_ACCOUNTS] == NULL) {
		S_ERR(L, root->line, root->col, "missing the required key 'accounts' (a list of "
		      "companies)");
	} else if (f[R_ACCOUNTS]->kind != N_SEQ) {
		if (f[R_ACCOUNTS]->kind != N_BAD)
			S_ERR(L, f[R_ACCOUNTS]->line, f[R_ACCOUNTS]->col, "accounts: expected a list of "
			      "accounts, found %s", pdh_field_describe(f[R_ACCOUNTS]));
	} else if (f[R_ACCOUNTS]->n > PDH_FLEET_MAX_ACCOUNTS) {
		S_ERR(L, f[R_ACCOUNTS]->line, f[R_ACCOUNTS]->col, "accounts: %u entries; pdhooks "
		      "handles at most %d", (unsigned)f[R_ACCOUNTS]->n, PDH_FLEET_MAX_ACCOUNTS);
	} else {
		const pdh_node *a = f[R_ACCOUNTS];

		S->f->accounts = pdh_xcalloc(a->n + 1, sizeof(*S->f->accounts));
		S->token_at = pdh_xcalloc(a->n + 1, sizeof(*S->token_at));
		S_seen_init(&S->names, a->n);
		for (size_t i = 0; i < a->n; i++)
			S_account(S, a->kids[i], i);
		S_same_tokens(S);
	}
}

static void S_check_state(void *S)
{
	S_check(S);
}

int pdh_fleet_load_buffer(pdh_fleet **out, const char *path, const char *data, size_t len,
                          pdh_diags *diags, pdh_error *err)
{
	S_state S;
	size_t errors_before = diags->n_errors;
	const char *slash = path ? strrchr(path, '/') : NULL;
	int rc = PDH_EFILE;

	*out = NULL;
	memset(&S, 0, sizeof(S));
	S.L.diags = diags;
	S.L.data = data;
	S.L.len = len;
	S.dir = slash ? pdh_xstrndup(path, (size_t)(slash - path) + 1) : pdh_xstrdup("");
	S.L.max_nodes = PDH_FLEET_MAX_VALUES;
	if (len > PDH_FLEET_MAX_BYTES) {
		S_ERR(&S.L, 0, 0, S_TOO_BIG, PDH_FLEET_MAX_BYTES);
		goto done;
	}
	S.f = pdh_xcalloc(1, sizeof(*S.f));
	S.f->path = pdh_xstrdup(path ? path : "");
	S.f->concurrency = PDH_FLEET_DEFAULT_CONCURRENCY;
	rc = pdh_field_load(&S.L, errors_before, S.f->sha256, S_check_state, &S, path,
	                    "the fleet file", err);
	if (rc == PDH_OK) {
		*out = S.f;
		S.f = NULL;
	}
	goto loaded;
done:
	pdh_error_set(err, rc, "%s does not load", path ? path : "the fleet file");
	pdh_tree_free(&S.L);
	if (S.L.have_lines)
		pdh_lines_dispose(&S.L.lines);
loaded:
	pdh_fleet_free(S.f);
	PDH_FREE_ALL(S.dir, S.desired, S.names.slots, S.token_at);
	return rc;
}

int pdh_fleet_read_file(char **data, size_t *len, const char *path, pdh_diags *diags,
                        pdh_error *err)
{
	bool too_big = false;
	int rc = pdh_read_file_capped(path, PDH_FLEET_MAX_BYTES, data, len, &too_big, err);

	if (rc != PDH_OK && too_big) {
		pdh_diags_add(diags, PDH_DIAG_ERROR, 0, 0, S_TOO_BIG, PDH_FLEET_MAX_BYTES);
		rc = pdh_error_set(err, PDH_EFILE, "%s does not load", path);
	}
	return rc;
}

int pdh_fleet_load_file(pdh_fleet **out, const char *path, pdh_diags *diags, pdh_error *err)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = pdh_fleet_read_file(&data, &len, path, diags, err);
	if (rc == PDH_OK)
		rc = pdh_fleet_load_buffer(out, path, data, len, diags, err);
	free(data);
	return rc;
}
