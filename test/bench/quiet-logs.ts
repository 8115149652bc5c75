// Imported first by run.ts: the handlers' logger reads its level when its module loads, which the
// bench's own imports may do before any local cloud sets it; the table must not drown in INFO lines.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
