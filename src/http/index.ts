/**
 * org-access-tokens/node: runs the library's Fetch API handlers (the Hub API,
 * the registry token endpoint, or any other) on Node: `serveNode` starts a
 * `node:http` server, and `toNodeHandler` makes the `(request, response)`
 * listener that `node:http`, Express and Fastify mount.
 *
 * @packageDocumentation
 * @module org-access-tokens/node
 */
export { serveNode } from './node.js';
export type { NodeServerHandle, ServeNodeOptions } from './node.js';

export { MAX_REQUEST_BODY_BYTES, toNodeHandler } from './node-handler.js';
export type { NodeHandlerOptions, NodeListener } from './node-handler.js';

export type { FetchContext, FetchHandler } from './context.js';
