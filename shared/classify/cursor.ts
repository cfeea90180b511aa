/**
 * The classifier's scratch state, passed explicitly to every reader that needs one: the timestamp
 * readers' (`TimeCursor`), the format parsers' out-values (where a quoted field, a group or a header
 * field ended), and the classification's own results and memos. `classify` and `toDocument` reuse
 * one cursor per module (they are synchronous and allocate none per call); a caller that interleaves
 * classifications (a worker pool, a re-entrant parser) passes its own `new Cursor()`.
 */
import { TimeCursor } from './time.ts';

export class Cursor extends TimeCursor {
  /** access: index past the quoted field last read. */
  qEnd = 0;
  /** gc: index past the parenthesized group last read. */
  pEnd = 0;
  /** gc: index past the `uptime: ` last read. */
  uEnd = 0;
  /** syslog: index past the header field last read. */
  fieldEnd = 0;
  /** syslog: index past the STRUCTURED-DATA last read. */
  sdEnd = 0;
  /** classify: the event time (ISO) of the last draft, and whether it is the receive time. */
  timestamp = '';
  fallback = false;
  /** toDocument: the last receive time parsed (a batch's envelopes mostly share one), text and epoch ms. */
  lastReceived = '1970-01-01T00:00:00.000Z';
  lastReceivedMs = 0;
}
