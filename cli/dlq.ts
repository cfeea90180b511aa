/**
 * `sluice dlq ls --tenant <id>`: a tenant's records in the DLQ topic, with the error each carries.
 * `sluice dlq redrive --tenant <id> [--dry-run]`: sends them through processing again.
 *
 * Redrive runs the processing stage's core (`runStage`, with the default adapters) right here on the
 * DLQ records. It does not produce them back to the raw topic: the archive would then store the
 * events a second time, and every other consumer of the raw topic would see them again. It runs them
 * as the `deferred` stage does (budget checked, over-budget events deferred to the deferred topic, no
 * second count of the events in the summaries, which counted them when they first arrived); the
 * events keep their ids, so an event that was indexed after all is overwritten, never duplicated.
 * Records that fail again go back to the DLQ as new records (with the DLQ offset as their origin).
 *
 * Each DLQ record is redriven at most once: the consumer group `sluice-dlq-redrive-<tenant>` stores,
 * per partition, the offset up to which the tenant's records have been redriven; it is committed
 * only after the stage succeeded (a failed redrive is retried in full by the next one, harmlessly).
 * Summary contributions that could not be written (kind `summary`) are listed but not redriven.
 */
import { parseArgs } from 'node:util';
import { TopicReader, type TopicRecord } from '../shared/adapters/kafka-consumer.ts';
import { closeAll } from '../shared/adapters/lifecycle.ts';
import { OpenSearchSink } from '../shared/adapters/opensearch-bulk.ts';
import * as config from '../shared/config.ts';
import { toMskEvent } from '../shared/msk.ts';
import { DLQ_KINDS, HEADER_ERROR, HEADER_ERROR_KIND, HEADER_ORIGIN, HEADER_STAGE, type DlqKind } from '../shared/process/records.ts';
import type { StageResult } from '../shared/process/tally.ts';
import { assertTenantId, isTenantId } from '../shared/tenants/ids.ts';
import { writeLine, type CommandIO } from './io.ts';

const USAGE = `Usage:
  sluice dlq ls --tenant <id> [--json] [--limit <n>]
      the tenant's DLQ records: offset, time, stage, kind, origin, event id, whether already redriven, error
  sluice dlq redrive --tenant <id> [--dry-run] [--json]
      process the tenant's DLQ records not redriven yet again (index them, or defer them when over
      budget); each record is redriven once (consumer group sluice-dlq-redrive-<tenant>)

  --topic <name>    DLQ topic (default: ${config.topics().dlq})`;

export const redriveGroup = (tenant: string): string => `sluice-dlq-redrive-${assertTenantId(tenant)}`;

export interface DlqEntry {
  partition: number;
  offset: bigint;
  timestamp: number;
  tenant: string | undefined;
  eventId: string | undefined;
  error: string;
  /** Undefined for a record without a known kind (written by an older version, or not by Sluice). */
  kind: DlqKind | undefined;
  origin: string;
  stage: string;
  redriven: boolean;
  record: TopicRecord;
}

function header(r: TopicRecord, name: string): string {
  for (const [k, v] of r.headers) if (k?.toString('utf8') === name) return v?.toString('utf8') ?? '';
  return '';
}

function kindOf(s: string): DlqKind | undefined {
  return (DLQ_KINDS as readonly string[]).includes(s) ? (s as DlqKind) : undefined;
}

function describe(r: TopicRecord, committed: bigint | null): DlqEntry {
  let tenant: string | undefined;
  let eventId: string | undefined;
  try {
    const v = JSON.parse(r.value?.toString('utf8') ?? '') as { tenant?: unknown; id?: unknown };
    if (isTenantId(v.tenant)) tenant = v.tenant;
    if (typeof v.id === 'string') eventId = v.id;
  } catch {
    // not JSON: the key says whose it was (the tenant, or `<tenant>#<n>` for a spread tenant)
  }
  if (!tenant) {
    const k = r.key?.toString('utf8').split('#')[0];
    if (isTenantId(k)) tenant = k;
  }
  return {
    partition: r.partition,
    offset: r.offset,
    timestamp: Number(r.timestamp),
    tenant,
    eventId,
    error: header(r, HEADER_ERROR),
    kind: kindOf(header(r, HEADER_ERROR_KIND)),
    origin: header(r, HEADER_ORIGIN),
    stage: header(r, HEADER_STAGE),
    redriven: committed !== null && r.offset < committed,
    record: r,
  };
}

/**
 * The tenant's DLQ records from the start of the topic (`fromCommitted`: only those after the redrive
 * group's committed offsets), and the offsets reached per partition.
 */
async function readDlq(topic: string, tenant: string, fromCommitted: boolean): Promise<{ entries: DlqEntry[]; reached: Map<number, bigint>; reader: TopicReader }> {
  const reader = new TopicReader({ topic, groupId: redriveGroup(tenant), clientId: 'sluice-cli-dlq' });
  try {
    const positions = await reader.positions();
    const committed = new Map(positions.map((p) => [p.partition, p.committed]));
    const ranges = positions
      .map((p) => ({ partition: p.partition, start: fromCommitted ? p.start : p.earliest, end: p.latest }))
      .filter((r) => r.end > r.start);
    const entries: DlqEntry[] = [];
    const reached = ranges.length === 0 ? new Map<number, bigint>() : await reader.read(ranges, {
      deadlineMs: Date.now() + 120_000,
      onRecord: (r) => {
        const e = describe(r, committed.get(r.partition) ?? null);
        if (e.tenant === tenant) entries.push(e);
      },
    });
    for (const r of ranges) {
      if ((reached.get(r.partition) ?? r.start) < r.end) throw new Error(`could not read ${topic} partition ${r.partition} to its end in time; nothing was changed`);
    }
    entries.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1));
    return { entries, reached, reader };
  } catch (err) {
    await reader.close();
    throw err;
  }
}

const oneLine = (s: string, max: number) => {
  const t = s.replace(/\s+/g, ' ');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
};

export async function dlqCommand(argv: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        tenant: { type: 'string' },
        topic: { type: 'string' },
        json: { type: 'boolean', default: false },
        limit: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  const [sub] = positionals;
  if (values.help || !sub) {
    writeLine(values.help ? io.stdout : io.stderr, USAGE);
    return values.help ? 0 : 2;
  }
  if (sub !== 'ls' && sub !== 'redrive') return usage(io, `unknown subcommand "${sub}"`);
  if (!values.tenant) return usage(io, `dlq ${sub} needs --tenant`);
  const tenant = assertTenantId(values.tenant);
  const topic = values.topic ?? config.topics().dlq;
  try {
    return sub === 'ls' ? await ls(io, topic, tenant, values.json, values.limit) : await redrive(io, topic, tenant, values['dry-run'], values.json);
  } finally {
    await closeAll();
  }
}

async function ls(io: CommandIO, topic: string, tenant: string, json: boolean, limitArg: string | undefined): Promise<number> {
  const limit = limitArg === undefined ? Infinity : Number(limitArg);
  if (!(limit > 0)) return usage(io, '--limit must be a positive number');
  const { entries, reader } = await readDlq(topic, tenant, false);
  await reader.close();
  const shown = entries.slice(Math.max(0, entries.length - limit));
  if (json) {
    for (const e of shown) {
      writeLine(io.stdout, JSON.stringify({
        partition: e.partition, offset: e.offset.toString(), time: new Date(e.timestamp).toISOString(), tenant: e.tenant, eventId: e.eventId ?? null,
        stage: e.stage, kind: e.kind ?? '', origin: e.origin, redriven: e.redriven, error: e.error,
      }));
    }
    return 0;
  }
  writeLine(io.stdout, ['PARTITION/OFFSET', 'TIME (UTC)', 'STAGE', 'KIND', 'ORIGIN', 'EVENT ID', 'REDRIVEN', 'ERROR'].join('\t'));
  for (const e of shown) {
    writeLine(io.stdout, [`${e.partition}/${e.offset}`, new Date(e.timestamp).toISOString(), e.stage || '-', e.kind || '-', e.origin || '-', e.eventId ?? '-', e.redriven ? 'yes' : 'no', oneLine(e.error, 300)].join('\t'));
  }
  const pending = entries.filter((e) => !e.redriven).length;
  writeLine(io.stdout, `${entries.length} DLQ record(s) of ${tenant} in ${topic}${shown.length < entries.length ? ` (last ${shown.length} shown)` : ''}; ${pending} not redriven yet.`);
  return 0;
}

async function redrive(io: CommandIO, topic: string, tenant: string, dryRun: boolean, json: boolean): Promise<number> {
  const { entries, reached, reader } = await readDlq(topic, tenant, true);
  try {
    const todo = entries.filter((e) => e.kind !== 'summary');
    const skipped = entries.length - todo.length;
    if (dryRun) {
      if (json) writeLine(io.stdout, JSON.stringify({ dryRun: true, tenant, topic, records: todo.map((e) => ({ partition: e.partition, offset: e.offset.toString(), eventId: e.eventId ?? null, kind: e.kind ?? '', error: e.error })), skipped }));
      else {
        for (const e of todo) writeLine(io.stdout, [`${e.partition}/${e.offset}`, e.eventId ?? '-', e.kind || '-', oneLine(e.error, 200)].join('\t'));
        writeLine(io.stdout, `Dry run: would redrive ${todo.length} record(s) of ${tenant} from ${topic}${skipped ? ` (${skipped} summary record(s) are not redriven)` : ''}; nothing was processed or committed.`);
      }
      return 0;
    }
    const total: Pick<StageResult, 'records' | 'indexed' | 'deferred' | 'archiveOnly' | 'dlq'> = { records: 0, indexed: 0, deferred: 0, archiveOnly: 0, dlq: 0 };
    if (todo.length > 0) {
      const { runStage, defaultDeps } = await import('../shared/process/index.ts');
      // A fresh OpenSearch sink: the indices may have been fixed (deleted, re-mapped) since anything was cached.
      const deps = { ...defaultDeps(), search: new OpenSearchSink() };
      for (let i = 0; i < todo.length; i += 1000) {
        const chunk = todo.slice(i, i + 1000);
        const event = toMskEvent(chunk.map((e) => ({
          topic,
          partition: e.partition,
          offset: Number(e.offset),
          timestamp: e.timestamp,
          key: e.record.key,
          value: e.record.value ?? Buffer.alloc(0),
          headers: Object.fromEntries(e.record.headers.filter(([k]) => k).map(([k, v]) => [k!.toString('utf8'), v ?? Buffer.alloc(0)])),
        })));
        const r = await runStage(event, { getRemainingTimeInMillis: () => 300_000 }, deps, 'deferred');
        total.records += r.records;
        total.indexed += r.indexed;
        total.deferred += r.deferred + r.parked;
        total.archiveOnly += r.archiveOnly;
        total.dlq += r.dlq;
      }
    }
    // Everything read (other tenants' records included) is done for this tenant's group.
    await reader.commit(reached);
    if (json) writeLine(io.stdout, JSON.stringify({ tenant, topic, ...total, skipped }));
    else if (todo.length === 0) writeLine(io.stdout, `Nothing to redrive for ${tenant} in ${topic}${skipped ? ` (${skipped} summary record(s) are not redriven)` : ''}.`);
    else {
      writeLine(io.stdout, `Redrove ${total.records} record(s) of ${tenant} from ${topic}: ${total.indexed} indexed, ${total.deferred} deferred (over budget), ${total.archiveOnly} archive-only, ${total.dlq} back in the DLQ.`);
    }
    return total.dlq > 0 ? 1 : 0;
  } finally {
    await reader.close();
  }
}

function usage(io: CommandIO, problem: string): number {
  writeLine(io.stderr, `sluice dlq: ${problem}\n\n${USAGE}`);
  return 2;
}
