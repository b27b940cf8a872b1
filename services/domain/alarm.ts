/** An alarm as the service holds it: what rules raise, operators act on and every adapter reports. */
import type { z } from 'zod';
import type { AlarmStatus as AlarmStatusSchema, Severity as SeveritySchema } from '../../schemas/src/http.js';
import type { Message } from '../../schemas/src/message.js';

export type AlarmStatus = z.infer<typeof AlarmStatusSchema>;
export type Severity = z.infer<typeof SeveritySchema>;

export interface Alarm {
  id: number;
  communityId: string;
  rule: string;
  subject: string;
  severity: Severity;
  status: AlarmStatus;
  /** English (integrations); titleMessage is what people read, per language. */
  title: string;
  titleMessage: Message;
  details: Record<string, unknown>;
  firstEventTime: number;
  lastEventTime: number;
  occurrences: number;
  readingIds: number[];
  openedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  acknowledgeNote: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolveNote: string | null;
}
