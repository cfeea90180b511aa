/**
 * Types of the classifier's output. The full schema, with the rules behind each field, is in
 * `shared/classify/README.md`.
 */

/** Normalized severity, lowest to highest (syslog's eight severities plus `trace`). */
export type Level =
  | 'trace'
  | 'debug'
  | 'info'
  | 'notice'
  | 'warn'
  | 'error'
  | 'critical'
  | 'alert'
  | 'emergency';

export const LEVELS: readonly Level[] = [
  'trace',
  'debug',
  'info',
  'notice',
  'warn',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** The format a line was recognised as. `text`: nothing recognised, the whole event is the message. */
export type Format =
  | 'json'
  | 'logfmt'
  | 'syslog5424'
  | 'syslog3164'
  | 'access_common'
  | 'access_combined'
  | 'jvm_gc'
  | 'jvm_unified'
  | 'cef'
  | 'generic'
  | 'text';

/** Flags that can appear in `flags` (documents may carry flags added by other stages too). */
export type Flag =
  | 'timestamp_fallback'
  | 'timestamp_implausible'
  | 'truncated'
  | 'invalid_utf8'
  | 'multiline';

/** What `classify` returns: everything read from the event's text, nothing from its envelope. */
export interface Classified {
  /** Event time, ISO 8601 UTC with milliseconds; the receive time when none could be read (then `timestampFallback`). */
  timestamp: string;
  /** True when `timestamp` is the receive time (no timestamp found, or it was implausible). */
  timestampFallback: boolean;
  /** The event's message: the text after the header (for formats with a message field, that field). */
  message: string;
  /** Normalized level; absent when the event carries none (never guessed). */
  level?: Level;
  format: Format;
  /** Host named inside the event (syslog HOSTNAME, JSON `host`, ...). */
  host?: string;
  /** Program / service named inside the event (syslog APP-NAME or TAG, JSON `service`, ...). */
  service?: string;
  /** What the format carries beyond the above (snake_case keys per format; see README). */
  fields: Record<string, unknown>;
  /** e.g. `timestamp_fallback`, `timestamp_implausible`, `multiline`. */
  flags: string[];
}

/**
 * The document Sluice indexes (one per event). Envelope-derived names are snake_case; `@timestamp`
 * is the event time (see `flags`). `template_id` is set by the template miner (`shared/templates`).
 */
export interface LogDocument {
  '@timestamp': string;
  message: string;
  level?: Level;
  format: Format;
  host?: string;
  service?: string;
  fields: Record<string, unknown>;
  flags: string[];
  tenant: string;
  /** The region the event was accepted in (its envelope's; set by the stage, shared/process). */
  region?: string;
  event_id: string;
  source?: string;
  tags: string[];
  received_at: string;
  template_id?: string;
}
