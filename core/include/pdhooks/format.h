/* The one output format of every renderer: a plan, an apply, a status, a fleet's report and a
 * merge of shard reports are each rendered as text, JSON or Markdown. */
#ifndef PDHOOKS_FORMAT_H
#define PDHOOKS_FORMAT_H

/* --format: the option table names them in this order. */
typedef enum pdh_format { PDH_FORMAT_TEXT, PDH_FORMAT_JSON, PDH_FORMAT_MARKDOWN } pdh_format;

#endif
