/** The answer to a CloudFormation custom resource request: a PUT of the result to its pre-signed ResponseURL. */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export async function respond(event: CloudFormationCustomResourceEvent, status: 'SUCCESS' | 'FAILED', reason: string, data: Record<string, string>) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 3000),
    PhysicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : `sluice-setup-${event.LogicalResourceId}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  const res = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) } });
  if (!res.ok) throw new Error(`CloudFormation did not take the response: ${res.status}`);
}
