import {createRequire} from 'node:module';
// js-libp2p 3 (it-queue, mortice, yamux and others, 25 files here) calls Promise.withResolvers, which Node
// has from 22 on; Node 20.19, which this package still supports, lacks it and libp2p fails at its first
// lock. It is the only newer built-in those packages use (docs/p2p.md): this is the standard definition,
// installed only where it is missing, before any libp2p code runs.
type WithResolvers = <T>() => {promise: Promise<T>; resolve: (value: T | PromiseLike<T>) => void; reject: (reason?: unknown) => void};

const P = Promise as unknown as {withResolvers?: WithResolvers};
if (typeof P.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return {promise, resolve, reject};
    },
  });
}

// @libp2p/websockets dials with the global WebSocket, which Node has without a flag from 22 on; on Node 20 a
// WebSockets dial threw (a /ws relay could not be reserved or dialed). `ws` (already in the tree, the same
// package the transport's listener uses) is the WHATWG-compatible client; installed only where it is missing.
const G = globalThis as {WebSocket?: unknown};
if (typeof G.WebSocket === 'undefined') {
  G.WebSocket = (createRequire(import.meta.url)('ws') as {WebSocket: unknown}).WebSocket;
}

export {};
