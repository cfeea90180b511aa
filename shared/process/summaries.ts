/**
 * Step 5: the batch's summary contributions, to OpenSearch (a refused one goes to the DLQ, kind
 * `summary`) and to `logs.summary`, produced together with the DLQ records; the template states the
 * batch changed are written meanwhile.
 */
import { summaryIndex } from '../index/naming.ts';
import { bulkWithRetry } from './indexing.ts';
import { summaryDlqRecord, summaryRecord, type OutRecord } from './records.ts';
import type { Batch } from './batch.ts';

export async function writeSummaries(b: Batch): Promise<void> {
  const { deps, tally } = b;
  const until = b.hardDeadline - 1_000;
  const persisted = deps.templates.persist(until);
  const contributions = b.summary.contributions();
  const summaryRecords: OutRecord[] = [];
  if (contributions.length > 0) {
    // One JSON text per contribution, for both its document and its `logs.summary` record.
    const texts = contributions.map((c) => JSON.stringify(c.doc));
    const items = contributions.map((c, ref) => ({ index: summaryIndex(c.doc.minute, deps.indexPrefix), id: c.id, doc: texts[ref]!, ref }));
    const out = await bulkWithRetry(deps.search, items, { maxBytes: deps.maxBulkBytes, deadline: until, now: deps.now, sleep: deps.sleep, random: deps.random });
    tally.result.bulkRequests += out.requests;
    tally.result.bulkMs.push(...out.latencyMs);
    for (const { ref, error } of out.rejected) {
      b.dlq.push(summaryDlqRecord(deps.topics.dlq, contributions[ref]!.doc, b.stage, error));
      tally.record(undefined, 'dlq', undefined);
    }
    contributions.forEach((c, ref) => summaryRecords.push(summaryRecord(deps.topics.summary, c, texts[ref])));
    tally.result.summaries = contributions.length;
  }
  const last = [...b.dlq, ...summaryRecords];
  if (last.length > 0) await deps.kafka.produce(last, Math.max(1_000, b.hardDeadline - deps.now()));
  await persisted;
}
