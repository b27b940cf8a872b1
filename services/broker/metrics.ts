/** The broker's Prometheus metrics, registered on the registry the runtime passes in. */
import { Counter, Gauge, type Registry } from 'prom-client';

export function createBrokerMetrics(registry: Registry, readInflight: () => number) {
  const registers = [registry];
  return {
    limitHits: new Counter({
      name: 'gatewatch_mqtt_limit_hits_total',
      help: 'MQTT limits hit, by limit (packet_size, payload_size, rate, device_connections, total_connections, client_id, overload) and what was done',
      labelNames: ['limit', 'action'],
      registers,
    }),
    shed: new Counter({
      name: 'gatewatch_mqtt_shed_total',
      help: 'QoS 0 messages dropped unstored, by reason (rate, overload). QoS 1 is never shed: it is slowed or its connection closed before PUBACK',
      labelNames: ['reason'],
      registers,
    }),
    connections: new Gauge({ name: 'gatewatch_mqtt_connections', help: 'Open MQTT transport connections, by listener', labelNames: ['transport'], registers }),
    devicesOnline: new Gauge({ name: 'gatewatch_mqtt_devices_online', help: 'Devices with at least one live MQTT connection', registers }),
    inflight: new Gauge({
      name: 'gatewatch_mqtt_inflight_messages',
      help: 'Messages received and not yet committed by ingest (including rate-delayed QoS 1)',
      registers,
      collect() {
        this.set(readInflight());
      },
    }),
    overloaded: new Gauge({ name: 'gatewatch_mqtt_overloaded', help: '1 while the event-loop lag is above GW_MQTT_OVERLOAD_LAG_MS (QoS 0 is shed)', registers }),
    presenceChanges: new Counter({ name: 'gatewatch_device_presence_changes_total', help: 'Devices going online or offline, by state and reason', labelNames: ['state', 'reason'], registers }),
  };
}

export type BrokerMetrics = ReturnType<typeof createBrokerMetrics>;
