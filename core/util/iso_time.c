/* Pipedrive's two time forms read into ISO 8601 UTC (iso_time.h). */
#include "util/iso_time.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* n digits at *p as a number, *p moved past them; -1 when one is not a digit. */
static int S_digits(const char **p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static bool S_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int S_month_days(long y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && S_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), the civil-from-days inverse. */
static long long S_days(long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void S_civil(long long z, long *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (long)(yoe + era * 400 + (*m <= 2));
}

/* The zone after the seconds: "Z", "+HH:MM", "+HHMM", "+HH" (or '-'), into seconds east of
 * UTC; "" is UTC. -1 when it is something else. */
static int S_zone(const char *p, long *east)
{
	int sign, hh, mm = 0;

	*east = 0;
	if (*p == '\0' || (p[0] == 'Z' && p[1] == '\0') || (p[0] == 'z' && p[1] == '\0'))
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if ((hh = S_digits(&p, 2)) < 0 || hh > 23)
		return -1;
	if (*p == ':')
		p++;
	if (*p != '\0' && ((mm = S_digits(&p, 2)) < 0 || mm > 59))
		return -1;
	if (*p != '\0')
		return -1;
	*east = sign * (hh * 3600L + mm * 60L);
	return 0;
}

int pdh_iso_time(const char *text, char out[PDH_ISO_TIME_LEN])
{
	const char *p = text;
	long y, east;
	int mo, d, h, mi, s;
	bool iso;
	long long t;

	if (p == NULL)
		return -1;
	if ((y = S_digits(&p, 4)) < 0 || *p++ != '-' || (mo = S_digits(&p, 2)) < 1 || mo > 12 ||
	    *p++ != '-' || (d = S_digits(&p, 2)) < 1 || d > S_month_days(y, mo))
		return -1;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	iso = *p++ != ' ';
	if ((h = S_digits(&p, 2)) < 0 || h > 23 || *p++ != ':' || (mi = S_digits(&p, 2)) < 0 ||
	    mi > 59 || *p++ != ':' || (s = S_digits(&p, 2)) < 0 || s > 59)
		return -1;
	if (*p == '.' || *p == ',') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (!iso && *p != '\0')
		return -1;   /* the v1 form is UTC, written without a zone */
	if (S_zone(p, &east) != 0)
		return -1;
	t = S_days(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + s - east;
	{
		long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
		long long rest = t - days * 86400;
		long yy;
		int mm, dd;

		char buf[64];

		S_civil(days, &yy, &mm, &dd);
		if (yy < 0 || yy > 9999)
			return -1;
		snprintf(buf, sizeof(buf), "%04ld-%02d-%02dT%02d:%02d:%02dZ", yy, mm, dd,
		         (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60));
		memcpy(out, buf, PDH_ISO_TIME_LEN);
	}
	return 0;
}
