/**
 * The local ingest URL: an HTTP server that turns each request into the API Gateway HTTP API
 * (payload 2.0) event that AWS would deliver, calls the ingest handler in-process, and writes its
 * answer back. Bodies are read up to the API Gateway limit (10 MB); ingest applies its own limit.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiGatewayV2Event } from './http-events.ts';

const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;

type IngestFn = (event: ReturnType<typeof apiGatewayV2Event>, context: { awsRequestId: string }) => Promise<unknown>;

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > API_GATEWAY_MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startGateway(port: number, ingest?: IngestFn): Promise<Server> {
  const handler = ingest ?? ((await import('../functions/ingest.ts')).ingest as unknown as IngestFn);
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (body === undefined) {
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"Request Entity Too Large"}');
        req.resume();
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
      const result = (await handler(event, { awsRequestId: randomUUID() })) as APIGatewayProxyStructuredResultV2;
      const out = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '');
      res.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>), 'content-length': String(out.length) });
      res.end(out);
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (err as Error).message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
