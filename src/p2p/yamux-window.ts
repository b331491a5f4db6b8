import {StreamState, YamuxStream} from '@chainsafe/libp2p-yamux/stream';

/**
 * js-yamux sends a WINDOW_UPDATE frame for every data frame it receives (its
 * `sendWindowUpdate` runs on each one and sends whenever the window is not
 * full). On a relayed answer that is one more message per message on every
 * hop and end to end, each a Noise frame and a syscall: half the relay's
 * writes (docs/p2p.md, Speed). This makes it send as go-yamux does: once less
 * than half the receive window is left (or when flags must go out, or the
 * stream resumes). The sender never stalls on it: it still holds at least half
 * a window (128 KiB) when an update is due. Same frames, fewer of them.
 */
type Internals = {state: StreamState; recvWindow: number; recvWindowCapacity: number; sendWindowUpdate(): void};

const proto = YamuxStream.prototype as unknown as Internals & {cocoonHalfWindow?: true};
if (!proto.cocoonHalfWindow) {
  const original = proto.sendWindowUpdate;
  if (typeof original === 'function') {
    proto.sendWindowUpdate = function (this: Internals) {
      if (this.state === StreamState.Established && typeof this.recvWindowCapacity === 'number' && this.recvWindowCapacity >= this.recvWindow / 2) return;
      original.call(this);
    };
    proto.cocoonHalfWindow = true;
  }
}

export {};
