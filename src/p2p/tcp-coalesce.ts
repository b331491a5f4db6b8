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
 * streamed answer: ~8 write syscalls per forwarded HTTP chunk, most of the relay's CPU. Corking the
 * socket around the batch sends it as one `writev`. The bytes on the wire are the same.
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
      if (key === 'upgradeInbound') return (maConn: MultiaddrConnection, o: never) => target.upgradeInbound(corked(maConn), o);
      if (key === 'upgradeOutbound') return (maConn: MultiaddrConnection, o: never) => target.upgradeOutbound(corked(maConn), o);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The connection, its `sendData` patched to cork the socket around one batch (a no-op where the shape is not @libp2p/tcp's). */
export function corked(maConn: MultiaddrConnection): MultiaddrConnection {
  const conn = maConn as MultiaddrConnection & {socket?: unknown; sendData?: SendData};
  const socket = conn.socket;
  const sendData = conn.sendData;
  if (!(socket instanceof Socket) || typeof sendData !== 'function') return maConn;
  conn.sendData = (data) => {
    socket.cork();
    try {
      return sendData.call(conn, data);
    } finally {
      socket.uncork();
    }
  };
  return maConn;
}
