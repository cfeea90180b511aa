/**
 * The local ingest URL (and the read API and console on GET /v1/search, /v1/tail, /v1/templates/top,
 * /v1/summaries, /console: functions/query.ts): an HTTP server that turns each request into the API Gateway HTTP API
 * (payload 2.0) event that AWS would deliver, calls the ingest handler in-process, and writes its
 * answer back. Bodies are read up to the API Gateway limit (10 MB); ingest applies its own limit.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiGatewayV2Event } from './http-events.ts';
import { isReadRoute } from '../shared/query/routes.ts';

const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;

type IngestFn = (event: ReturnType<typeof apiGatewayV2Event>, context: { awsRequestId: string }) => Promise<unknown>;

/** Beyond this, a client still sending an oversized body is cut off (the 413 was its answer). */
const DRAIN_MAX_BYTES = 128 * 1024 * 1024;

/**
 * The body, or undefined when it is over the API Gateway limit. An oversized body is still read to
 * its end (and discarded), so that the client gets the 413 instead of a connection reset in the
 * middle of its upload, which would also break the next request on a kept-alive connection.
 */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > API_GATEWAY_MAX_BODY) {
      chunks.length = 0;
      if (size > DRAIN_MAX_BYTES) {
        req.socket.destroy();
        return undefined;
      }
      continue;
    }
    chunks.push(chunk as Buffer);
  }
  return size > API_GATEWAY_MAX_BODY ? undefined : Buffer.concat(chunks);
}

/** The read path (functions/query.ts: GET /v1/search, /v1/tail, ..., /console), loaded on its first request. */
let readHandler: Promise<IngestFn> | undefined;
const loadQuery = () => (readHandler ??= import('../functions/query.ts').then((m) => m.query as unknown as IngestFn));

export async function startGateway(port: number, ingest?: IngestFn, query?: IngestFn): Promise<Server> {
  const ingestHandler = ingest ?? ((await import('../functions/ingest.ts')).ingest as unknown as IngestFn);
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (body === undefined) {
        if (!res.destroyed) res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end('{"message":"Request Entity Too Large"}');
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const event = apiGatewayV2Event({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers,
        ...(body.length > 0 ? { body } : {}),
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      });
      const handler = isReadRoute(event.requestContext.http.method, event.rawPath) ? (query ?? (await loadQuery())) : ingestHandler;
      const result = (await handler(event, { awsRequestId: randomUUID() })) as APIGatewayProxyStructuredResultV2;
      const out = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '');
      res.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>), 'content-length': String(out.length) });
      res.end(out);
    })().catch((err: unknown) => {
      // A client that went away mid-request has no one to answer; anything else is the handler's 500.
      if (res.destroyed || res.headersSent) return;
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (err as Error).message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
