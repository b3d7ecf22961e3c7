/* Every bound of pdhooks in one place: what the loader, the CLI's option table and the
 * saved-plan reader accept. A bound that two of them check is read from here by both, so a
 * value one accepts is never refused by another (a saved plan of max_deletes 2,000,000 reads
 * back as it was written). */
#ifndef PDHOOKS_LIMITS_H
#define PDHOOKS_LIMITS_H

#include <limits.h>

/* manage.max_deletes and --max-deletes: 0 .. INT_MAX, default 10. */
#define PDH_DEFAULT_MAX_DELETES 10
#define PDH_MAX_DELETES_MIN 0
#define PDH_MAX_DELETES_MAX INT_MAX

/* apply --parallelism: calls in flight at once, 1 .. 32, default 4. */
#define PDH_APPLY_DEFAULT_PARALLELISM 4
#define PDH_APPLY_MAX_PARALLELISM 32

/* --timeout: seconds for one HTTP call, above 0 and at most an hour. */
#define PDH_TIMEOUT_MAX_S 3600

/* The desired-state file: at most 10 MiB and 50,000 webhooks. */
#define PDH_DESIRED_MAX_BYTES (10u * 1024u * 1024u)
#define PDH_DESIRED_MAX_WEBHOOKS 50000

/* A saved plan (-o PLANFILE) read back: at most 64 MiB. */
#define PDH_PLANFILE_MAX_BYTES (64u * 1024u * 1024u)

/* A webhook's name: Pipedrive takes at most 255 characters (the API's maxLength counts code
 * points); a derived name is cut to 255 bytes, which is never more. */
#define PDH_NAME_MAX 255

/* manage.owner: [a-z0-9][a-z0-9._-]{0,39}, so a marker " [pdhooks:OWNER:N]" always leaves a
 * name most of its 255 characters. */
#define PDH_OWNER_MAX 40
/* http_auth_password_version: 1 to this. */
#define PDH_PASSWORD_VERSION_MAX 999999999

/* A subscription_url: at most 2048 characters. Pipedrive documents no bound; 2048 is the
 * length every HTTP stack on the way is known to carry (older browsers, proxies and the
 * sitemaps protocol stop there; RFC 9110 asks for at least 8000 octets), and a real endpoint
 * (Zapier, Make, n8n, a company's own) is well under 300. A longer value is a mistake or an
 * attack on the logs and plans that show it, never a webhook. */
#define PDH_URL_MAX 2048

/* Pipedrive's webhook limit: 40 per user (per user_id, the permission user; per app user for
 * an app). apply reads a 422 on a create as this limit only when Pipedrive's text names it or
 * the listing shows the user at it. */
#define PDH_WEBHOOKS_PER_USER 40

/* A token from the environment or --token-file: at most 1024 bytes. */
#define PDH_TOKEN_MAX 1024

/* Fleet mode: companies worked on at once (the fleet file's concurrency, --concurrency),
 * 1 .. 256, default 8; at most 100,000 accounts in a fleet file; a token_command's time. */
#define PDH_FLEET_DEFAULT_CONCURRENCY 8
#define PDH_FLEET_MAX_CONCURRENCY 256
#define PDH_FLEET_MAX_ACCOUNTS 100000
/* A fleet file: at most 32 MiB and 4,000,000 YAML values (a desired file's 10 MiB and million
 * values would stop 100,000 accounts with labels and vars short of the account limit). */
#define PDH_FLEET_MAX_BYTES (32u * 1024u * 1024u)
#define PDH_FLEET_MAX_VALUES 4000000
#define PDH_FLEET_TOKEN_COMMAND_TIMEOUT_MS 10000
/* --shard I/N: at most 65,536 shards. */
#define PDH_FLEET_MAX_SHARDS 65536u

#endif
