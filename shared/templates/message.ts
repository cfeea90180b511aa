/**
 * The message body the miner sees: `classify(line, receivedAt).message` (the header - timestamp,
 * level, pid, component - taken off by the classifier in `shared/classify`).
 */
import { classify } from '../classify/index.ts';

export function messageOf(line: string, receivedAt: Date): string {
  return classify(line, receivedAt).message;
}
