/** A device message as the broker received it, before decoding: what ingest processes. */
export interface ReceivedMessage {
  receivedAt: number;
  clientId: string;
  topic: string;
  payload: Buffer;
  qos: number;
}
