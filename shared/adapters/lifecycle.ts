/**
 * Connection lifecycle. In Lambda, clients live as long as the instance (reused across invocations,
 * frozen in between). Under `serverless invoke local` the process must end after one invocation,
 * which open sockets prevent, so the handlers close every client then.
 */
type Closer = () => unknown;

// On globalThis: a lazily loaded bundle file (deploy/esbuild.cjs) has its own copy of this module.
const closers: Set<Closer> = ((globalThis as { [k: symbol]: Set<Closer> | undefined })[Symbol.for('sluice.closers')] ??= new Set<Closer>());

/** Adapters register how to close what they opened. */
export function onClose(closer: Closer): void {
  closers.add(closer);
}

export async function closeAll(): Promise<void> {
  const all = [...closers];
  closers.clear();
  await Promise.allSettled(all.map(async (c) => c()));
}
