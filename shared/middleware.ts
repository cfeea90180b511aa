/** Middy middlewares the handlers share. */
import type middy from '@middy/core';
import { closeAll, isCliInvoke } from './adapters/lifecycle.ts';

/** Under `serverless invoke local`, closes the clients after the invocation so the command exits. */
export function closeConnectionsAfterCliInvoke(): middy.MiddlewareObj {
  const close = async () => {
    if (isCliInvoke()) await closeAll();
  };
  return { after: close, onError: close };
}
