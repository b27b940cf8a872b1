/** A device message as the broker received it, before decoding: what ingest processes. */
export interface ReceivedMessage {
  receivedAt: number;
  clientId: string;
  topic: string;
  payload: Buffer;
  qos: number;
  /**
   * RabbitMQ's alternate exchange took it: no partition queue is bound to its topic (services/rabbitmq/topology.ts),
   * so ingest dead-letters it (TOPIC_UNROUTED) instead of trusting the topic.
   */
  unrouted?: boolean;
}
