/* What pdhooks was built from and runs with, for `pdhooks version --json`. */
#ifndef PDHOOKS_BUILD_INFO_H
#define PDHOOKS_BUILD_INFO_H

/* One JSON object, newline-terminated:
 *   {"version": VERSION, "commit": COMMIT, "libcurl": "8.1.2", "tls": "OpenSSL/3.0.11"}
 * libcurl and tls are the versions of the libcurl loaded at run time and of its TLS library
 * (curl_version_info); tls is null when libcurl has none. Caller frees. */
char *pdh_build_info_json(const char *version, const char *commit);

#endif
