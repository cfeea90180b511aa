/**
 * One ingest request through the real handler (functions/ingest.ts), in this process's environment:
 * the regions mirror test runs one such process per local "region", each with its own SLUICE_REGION,
 * KAFKA_BROKERS and SLUICE_TOPIC_RAW (the handler reads its region when its module loads, as on Lambda).
 *   tsx test/support/regions-ingest.ts '<API Gateway v2 event as JSON>'   -> prints the answer as JSON
 */
const event = JSON.parse(process.argv[2] ?? '{}') as never;
const { ingest } = await import('../../functions/ingest.ts');
const res = await ingest(event, { awsRequestId: `regions-${process.pid}` });
const { resetProducer } = await import('../../shared/adapters/kafka.ts');
await resetProducer();
process.stdout.write(`${JSON.stringify(res)}\n`);
process.exit(0);
