/* Pipedrive's times in the two forms it writes them, read into one: ISO 8601 UTC with whole
 * seconds. Pure. Private to core/. */
#ifndef PDH_ISO_TIME_H
#define PDH_ISO_TIME_H

/* "2019-10-25T08:25:27Z" and its NUL. */
#define PDH_ISO_TIME_LEN 21

/* Reads text as a time: ISO 8601 ("2019-10-25T08:25:27.000Z", "2019-10-25T10:25:27+02:00",
 * the offset as +HH:MM, +HHMM or +HH; without one, UTC) or Pipedrive v1's
 * "YYYY-MM-DD HH:MM:SS" (UTC), fractions of a second dropped. On success writes the same
 * moment as "YYYY-MM-DDTHH:MM:SSZ" into out and returns 0; -1 when text is in neither form
 * or names no real date (month 13, February 30). */
int pdh_iso_time(const char *text, char out[PDH_ISO_TIME_LEN]);

#endif
