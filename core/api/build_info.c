/* The versions pdhooks runs with: its own, its commit, libcurl's and libcurl's TLS library's. */
#include "pdhooks/build_info.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>

#include "pdhooks/alloc.h"

char *pdh_build_info_json(const char *version, const char *commit)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	json_t *doc = json_object();
	char *text, *out;

	json_object_set_new(doc, "version", json_string(version));
	json_object_set_new(doc, "commit", json_string(commit));
	json_object_set_new(doc, "libcurl", json_string(cv->version));
	json_object_set_new(doc, "tls", cv->ssl_version ? json_string(cv->ssl_version) : json_null());
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (text == NULL)
		abort(); /* only on out-of-memory: jansson has no other failure for a valid tree */
	out = pdh_xasprintf("%s\n", text);
	free(text);
	return out;
}
