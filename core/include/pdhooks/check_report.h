/* What `pdhooks validate` found, for machines: each file checked with its errors and
 * warnings, rendered as one JSON document (schemas/validate.schema.json) or as GitHub
 * Actions workflow commands (::error file=F,line=L,col=C::message), so that a pull request
 * shows each diagnostic on its line. */
#ifndef PDHOOKS_CHECK_REPORT_H
#define PDHOOKS_CHECK_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "pdhooks/diag.h"

typedef struct pdh_check_file {
	char *path;          /* the file as given */
	char *account;       /* a fleet account's desired file: the account; else NULL */
	bool valid;
	pdh_diag *items;     /* copies, in position order */
	size_t n_items, n_errors, n_warnings;
} pdh_check_file;

typedef struct pdh_check_report {
	char *fleet;         /* validate --fleet: the fleet file; else NULL */
	bool no_env;         /* references checked without reading the environment */
	bool errors_only;    /* -q: warnings are left out */
	pdh_check_file *files;
	size_t n, cap;
} pdh_check_report;

/* fleet may be NULL. */
void pdh_check_report_init(pdh_check_report *r, const char *fleet, bool no_env,
                           bool errors_only);
/* Adds the file path (of account, or NULL) with the diagnostics of d (NULL: none), sorted by
 * position; failure, when not NULL, is one more error about the whole file (it could not be
 * read). */
void pdh_check_report_add(pdh_check_report *r, const char *path, const char *account,
                          const pdh_diags *d, bool valid, const char *failure);
/* The JSON document, indented, and a newline. Caller frees. */
char *pdh_check_report_json(const pdh_check_report *r);
/* One workflow command per diagnostic (::error or ::warning), its message and properties
 * escaped as GitHub reads them. Caller frees. */
char *pdh_check_report_github(const pdh_check_report *r);
void pdh_check_report_dispose(pdh_check_report *r);

#endif
