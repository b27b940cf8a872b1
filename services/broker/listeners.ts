/**
 * The broker's transports: plain MQTT over TCP, MQTT over TLS (mqtts) when a
 * certificate and key are configured, and MQTT over WebSocket when a port is.
 * All of them share one limit on open connections, counted at accept (before
 * the TLS handshake or the WebSocket upgrade costs anything).
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../observability/logger.js';
import type { LimitReporter } from './limits.js';
import type { BrokerMetrics } from './metrics.js';

export type Transport = 'tcp' | 'tls' | 'ws';

export interface ListenOptions {
  host: string;
  port: number;
  /** mqtts: certificate and key files (PEM). */
  tls?: { port: number; certFile: string; keyFile: string };
  /** MQTT over WebSocket (subprotocol "mqtt"). */
  wsPort?: number;
}

export interface ListenAddresses {
  tcp: AddressInfo;
  tls?: AddressInfo;
  ws?: AddressInfo;
}

export interface ListenerDeps {
  maxConnections: number;
  maxPacketBytes: number;
  metrics: BrokerMetrics;
  limits: LimitReporter;
  logger: Logger;
  /** Hands an accepted, configured transport stream to the broker. */
  accept: (stream: Duplex, transport: Transport, req?: IncomingMessage) => void;
}

const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
const TCP_KEEPALIVE_MS = 60_000;

export function createListeners(deps: ListenerDeps) {
  const servers: Server[] = [];
  let wss: WebSocketServer | undefined;
  let open = 0;

  /** Counts a raw socket; false (and the socket destroyed) when over the limit. */
  function admit(socket: Socket, transport: Transport): boolean {
    if (open >= deps.maxConnections) {
      deps.limits.hit('total_connections', 'refused', { transport, remote: socket.remoteAddress, open });
      socket.destroy();
      return false;
    }
    open++;
    deps.metrics.connections.inc({ transport });
    socket.once('close', () => {
      open--;
      deps.metrics.connections.dec({ transport });
    });
    // Nagle's algorithm added ~20 ms to every small ack; devices want them now.
    socket.setNoDelay(true);
    // Finds dead peers of devices that asked for no MQTT keep-alive.
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    return true;
  }

  async function listenOn(server: Server, host: string, port: number, transport: Transport): Promise<AddressInfo> {
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    deps.logger.info({ transport, host: address.address, port: address.port }, 'mqtt listening');
    return address;
  }

  return {
    get open() {
      return open;
    },

    async listen(opts: ListenOptions): Promise<ListenAddresses> {
      const tcp = createTcpServer((socket) => {
        if (admit(socket, 'tcp')) deps.accept(socket, 'tcp');
      });
      const addresses: ListenAddresses = { tcp: await listenOn(tcp, opts.host, opts.port, 'tcp') };

      if (opts.tls) {
        const tls = createTlsServer({
          cert: readFileSync(opts.tls.certFile),
          key: readFileSync(opts.tls.keyFile),
          minVersion: 'TLSv1.2',
          handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
        });
        // 'connection' is the raw TCP socket, before the handshake.
        tls.on('connection', (socket: Socket) => void admit(socket, 'tls'));
        tls.on('secureConnection', (socket) => deps.accept(socket, 'tls'));
        tls.on('tlsClientError', (err, socket) => {
          deps.logger.debug({ err: err.message, remote: socket.remoteAddress }, 'mqtts handshake failed');
          socket.destroy();
        });
        addresses.tls = await listenOn(tls, opts.host, opts.tls.port, 'tls');
      }

      if (opts.wsPort !== undefined) {
        const http = createHttpServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'));
        http.on('connection', (socket: Socket) => void admit(socket, 'ws'));
        wss = new WebSocketServer({
          server: http,
          // A WebSocket frame is buffered whole before it reaches MQTT: bound it too.
          maxPayload: deps.maxPacketBytes,
          handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
        });
        wss.on('connection', (ws, req) => deps.accept(createWebSocketStream(ws), 'ws', req));
        addresses.ws = await listenOn(http, opts.host, opts.wsPort, 'ws');
      }
      return addresses;
    },

    /** Stops accepting; resolves when the servers have closed (aedes closes the clients). */
    async close(): Promise<void> {
      wss?.close();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
