import {Socket} from 'node:net';
import {tcp, type TCPOptions} from '@libp2p/tcp';
import type {CreateListenerOptions, DialTransportOptions, MultiaddrConnection, Transport, Upgrader} from '@libp2p/interface';

type TcpComponents = Parameters<ReturnType<typeof tcp>>[0];
type SendData = (data: Iterable<Uint8Array>) => {sentBytes: number; canSendMore: boolean};

/**
 * @libp2p/tcp with one socket write per batch of libp2p messages instead of one per buffer.
 *
 * js-libp2p's TCP connection writes each buffer of a batch with its own `socket.write`, and a Noise
 * frame is several buffers (length prefix, ciphertext, tag): with TCP_NODELAY each became its own
 * syscall and TCP segment, and the peer woke once per segment. Measured on a relay forwarding a
 * streamed answer: ~8 write syscalls per forwarded HTTP chunk, most of the relay's CPU. The batch now
 * leaves as one buffer in one write. The bytes on the wire are the same.
 */
export function coalescingTcp(init: TCPOptions = {}): (components: TcpComponents) => Transport {
  const make = tcp(init);
  return (components) => {
    const transport = make(components);
    const dial = transport.dial.bind(transport);
    const createListener = transport.createListener.bind(transport);
    transport.dial = (ma, options: DialTransportOptions) => dial(ma, {...options, upgrader: coalescingUpgrader(options.upgrader)});
    transport.createListener = (options: CreateListenerOptions) => createListener({...options, upgrader: coalescingUpgrader(options.upgrader)});
    return transport;
  };
}

function coalescingUpgrader(upgrader: Upgrader): Upgrader {
  return new Proxy(upgrader, {
    get(target, key) {
      if (key === 'upgradeInbound') return (maConn: MultiaddrConnection, o: never) => target.upgradeInbound(oneWrite(maConn), o);
      if (key === 'upgradeOutbound') return (maConn: MultiaddrConnection, o: never) => target.upgradeOutbound(oneWrite(maConn), o);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The connection, its `sendData` patched to hand the socket one buffer per batch (a no-op where the shape is
 * not @libp2p/tcp's). Not cork/uncork: under cork every write reports a full buffer past 16 KiB, the batch
 * loop stops there and waits for a drain, and bulk transfers crawled (and could stall on a missed drain).
 * One concatenated write keeps the library's backpressure exactly as it was, for one copy of the batch.
 */
export function oneWrite(maConn: MultiaddrConnection): MultiaddrConnection {
  const conn = maConn as MultiaddrConnection & {socket?: unknown; sendData?: SendData};
  const sendData = conn.sendData;
  if (!(conn.socket instanceof Socket) || typeof sendData !== 'function') return maConn;
  conn.sendData = (data) => {
    const bufs = [...data];
    return sendData.call(conn, bufs.length < 2 ? bufs : [Buffer.concat(bufs)]);
  };
  return maConn;
}
