/**
 * The one wrapper every handler goes through: middy with, in this order,
 *  1. closeConnectionsAfterCliInvoke: under `serverless invoke local`, close the clients after the
 *     invocation so the command exits;
 *  2. Powertools' injectLambdaContext: the request id and cold-start flag on every log line;
 *  3. Powertools' logMetrics: the function's EMF metrics flushed after each invocation.
 *
 * `settings` are the config getters the function depends on: they run when the handler is built,
 * i.e. when its module is loaded at cold start, so a bad setting fails the init with the
 * SettingError (variable, value, what is allowed) instead of a later request.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { closeAll } from './adapters/lifecycle.ts';
import * as config from './config.ts';
import { logger, metrics } from './observability.ts';

/** Under `serverless invoke local`, closes the clients after the invocation so the command exits. */
export function closeConnectionsAfterCliInvoke(): middy.MiddlewareObj {
  const close = async () => {
    if (config.isCliInvoke()) await closeAll();
  };
  return { after: close, onError: close };
}

export function lambdaHandler<E, R>(fn: (event: E, context: Context) => Promise<R>, settings: ReadonlyArray<() => unknown> = []) {
  for (const read of [config.logLevel, config.stage, ...settings]) read();
  return middy(fn).use(closeConnectionsAfterCliInvoke()).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
