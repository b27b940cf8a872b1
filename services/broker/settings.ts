/** The broker's part of the service configuration (GW_MQTT_*), as the broker takes it. */
import type { ServiceConfig } from '../config/service-config.js';
import type { BrokerLimits } from './limits.js';
import type { ListenOptions } from './listeners.js';

export function brokerLimitsFrom(c: ServiceConfig): BrokerLimits {
  return {
    maxPacketBytes: c.GW_MQTT_MAX_PACKET_BYTES,
    maxPayloadBytes: c.GW_MAX_PAYLOAD_BYTES,
    ratePerDevice: c.GW_MQTT_RATE_PER_DEVICE,
    burstPerDevice: c.GW_MQTT_BURST_PER_DEVICE,
    maxConnections: c.GW_MQTT_MAX_CONNECTIONS,
    maxConnectionsPerDevice: c.GW_MQTT_MAX_CONNECTIONS_PER_DEVICE,
    overloadLagMs: c.GW_MQTT_OVERLOAD_LAG_MS,
  };
}

export function brokerListenFrom(c: ServiceConfig): ListenOptions {
  return {
    host: c.GW_MQTT_HOST,
    port: c.GW_MQTT_PORT,
    ...(c.GW_MQTT_TLS_CERT && c.GW_MQTT_TLS_KEY ? { tls: { port: c.GW_MQTTS_PORT, certFile: c.GW_MQTT_TLS_CERT, keyFile: c.GW_MQTT_TLS_KEY } } : {}),
    ...(c.GW_MQTT_WS_PORT !== undefined ? { wsPort: c.GW_MQTT_WS_PORT } : {}),
  };
}
