/**
 * Watch streams (`?watch=true`): newline-delimited JSON events, resumable from a resourceVersion.
 * Like the API server: no resourceVersion (or "0") starts with synthetic ADDED events for what exists;
 * a compacted resourceVersion yields an ERROR event carrying a 410 Expired Status; objects leaving or
 * entering a selector arrive as DELETED / ADDED; bookmarks only when allowWatchBookmarks is set.
 */
import type { ServerResponse } from 'node:http';
import { gone } from './errors.js';
import { matchesAll, matchesFields, type FieldRequirement, type Requirement } from './selectors.js';
import type { Store, StoreEvent } from './store.js';
import { storageKey, apiVersionOf, type ResourceType } from './resources.js';
import type { KubeObject } from './types.js';

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  labels: Requirement[];
  fields: FieldRequirement[];
  resourceVersion?: string;
  allowBookmarks: boolean;
  /** Close the stream after this many real seconds (the client then resumes). */
  timeoutSeconds?: number;
  /** Real milliseconds between bookmark events. */
  bookmarkIntervalMs: number;
}

export function serveWatch(
  store: Store,
  req: WatchRequest,
  res: ServerResponse,
  onClose: (fn: () => void) => void,
): void {
  const key = storageKey(req.type);
  const matches = (o: KubeObject | undefined) =>
    o !== undefined &&
    (req.namespace === undefined || (o.metadata.namespace ?? '') === req.namespace) &&
    matchesAll(o.metadata.labels, req.labels) &&
    matchesFields(o, req.fields);
  const withKind = (o: KubeObject): KubeObject => ({ apiVersion: apiVersionOf(req.type), kind: req.type.kind, ...o });

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  const write = (type: string, object: unknown) => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };

  const send = (e: StoreEvent) => {
    if (e.key !== key) return;
    const now = matches(e.object);
    const before = e.type === 'MODIFIED' ? matches(e.previous) : now;
    if (e.type === 'MODIFIED' && now && !before) write('ADDED', withKind(e.object));
    else if (e.type === 'MODIFIED' && !now && before) write('DELETED', withKind(e.object));
    else if (now) write(e.type, withKind(e.object));
  };

  const rv = req.resourceVersion;
  if (rv === undefined || rv === '' || rv === '0') {
    for (const o of store.list(req.type, req.namespace)) if (matches(o)) write('ADDED', withKind(o));
  } else {
    const from = Number(rv);
    const replay = Number.isInteger(from) ? store.eventsSince(key, from) : undefined;
    if (!replay) {
      const status = gone(`too old resource version: ${rv} (${store.oldestWatchableRevision})`).toStatus();
      write('ERROR', status);
      res.end();
      return;
    }
    for (const e of replay) send(e);
  }

  const unsubscribe = store.subscribe(send);
  const bookmark = req.allowBookmarks
    ? setInterval(
        () =>
          write('BOOKMARK', {
            kind: req.type.kind,
            apiVersion: apiVersionOf(req.type),
            metadata: { resourceVersion: String(store.resourceVersion) },
          }),
        req.bookmarkIntervalMs,
      )
    : undefined;
  const timeout = req.timeoutSeconds ? setTimeout(() => close(), req.timeoutSeconds * 1000) : undefined;
  let closed = false;
  function close() {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(bookmark);
    clearTimeout(timeout);
    if (!res.writableEnded) res.end();
  }
  res.on('close', close);
  onClose(close);
}
