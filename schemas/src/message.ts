/**
 * A text a person reads, as the server produces it: a dictionary code and its
 * parameters, formatted per language by services/i18n (server: CSV, webhooks)
 * or services/web/i18n.js (the page), from the same ICU MessageFormat
 * dictionaries. A parameter may itself be a message, or a list of messages
 * (e.g. the failing days an explanation names), formatted first.
 */
import { z } from 'zod';

export interface Message {
  code: string;
  params?: Record<string, MessageParam>;
}
export type MessageParam = string | number | Message | Message[];

export const Message: z.ZodType<Message> = z
  .object({
    code: z.string().describe('Dictionary key, e.g. "fact.gate-staffed" (services/i18n/messages/*.json)'),
    get params() {
      return z.record(z.string(), z.union([z.string(), z.number(), Message, z.array(Message)])).optional();
    },
  })
  .meta({ id: 'Message' });
