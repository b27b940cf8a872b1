/**
 * What a scenario produces: a time-ordered list of messages, each from one
 * device, either a payload that follows the contract or a raw payload that
 * deliberately does not. The DayBuilder writes them in local wall time and
 * assigns per-device sequence numbers in event-time order.
 */
import type { MessageKind, PayloadOf } from '../schemas/src/device-messages.js';
import { hhmm, isoInZone, localInstant } from './clock.js';

interface Base {
  communityId: string;
  deviceId: string;
  /** Simulated send time, ms: the list is ordered by it. Event time is the payload's ts. */
  at: number;
  /** What the message stands for in its scenario, e.g. "disinfect:b1-lobby:2" (not sent). */
  tag?: string;
}

export type SimPayloadMessage = { [K in MessageKind]: Base & { kind: K; payload: PayloadOf<K> } }[MessageKind];
/** A deliberately broken message: `kind` is the topic's last level, which need not be a known kind. */
export type SimRawMessage = Base & { kind: string; rawPayload: string };
export type SimMessage = SimPayloadMessage | SimRawMessage;

export const isRaw = (m: SimMessage): m is SimRawMessage => 'rawPayload' in m;

/** The body of a payload without the envelope (seq, ts), which the builder fills in. */
export type Body<K extends MessageKind> = Omit<PayloadOf<K>, 'seq' | 'ts'>;

interface Draft {
  order: number;
  tag: string | undefined;
  deviceId: string;
  kind: string;
  eventTime: number;
  sendAt: number | undefined;
  body?: Record<string, unknown>;
  raw?: string;
  /** Reuse the seq of another draft (a resend). */
  sameSeqAs?: Draft;
}

export interface DraftHandle {
  readonly tag: string | undefined;
  readonly deviceId: string;
  readonly kind: string;
  eventTime: number;
  sendAt: number | undefined;
  body?: Record<string, unknown>;
}

export class DayBuilder {
  private drafts: Draft[] = [];
  private counter = 0;

  constructor(
    readonly communityId: string,
    readonly day: string,
    readonly timeZone: string,
  ) {}

  /** The instant of a local wall time on the day ("09:05"), or dayOffset days later/earlier. */
  t(time: string, dayOffset = 0): number {
    return localInstant(this.day, hhmm(time) + dayOffset * 1440, this.timeZone);
  }

  /** Minutes after local midnight of the day, as an instant. */
  m(minutes: number): number {
    return localInstant(this.day, minutes, this.timeZone);
  }

  iso(ms: number): string {
    return isoInZone(ms, this.timeZone);
  }

  add<K extends MessageKind>(deviceId: string, kind: K, eventTime: number, body: Body<K>, opts: { tag?: string; sendAt?: number } = {}): DraftHandle {
    const d: Draft = { order: this.counter++, tag: opts.tag, deviceId, kind, eventTime, sendAt: opts.sendAt, body: body as Record<string, unknown> };
    this.drafts.push(d);
    return d;
  }

  /** A raw (probably invalid) payload sent at `at` on topic kind `kind`. */
  raw(deviceId: string, kind: string, at: number, rawPayload: string, tag?: string): void {
    this.drafts.push({ order: this.counter++, tag, deviceId, kind, eventTime: at, sendAt: at, raw: rawPayload });
  }

  /** The same message sent again later (a device resending after a lost ack): same seq, same payload. */
  resend(of: DraftHandle, at: number): void {
    const src = of as Draft;
    this.drafts.push({ ...src, order: this.counter++, tag: `resend:${src.tag ?? src.kind}`, sendAt: at, sameSeqAs: src });
  }

  find(tag: string): DraftHandle[] {
    return this.drafts.filter((d) => d.tag === tag);
  }

  /** The one draft with this tag; throws when there is none or several (a scenario bug). */
  one(tag: string): DraftHandle {
    const found = this.find(tag);
    if (found.length !== 1) throw new Error(`expected one message tagged ${tag}, found ${found.length}`);
    return found[0]!;
  }

  drop(pred: (d: DraftHandle) => boolean): number {
    const before = this.drafts.length;
    this.drafts = this.drafts.filter((d) => !pred(d));
    return before - this.drafts.length;
  }

  all(): readonly DraftHandle[] {
    return this.drafts;
  }

  /**
   * The messages, ordered by send time (then by the order they were added).
   * Seq per device = local-midnight ms of the day + rank in event-time order,
   * so it increases across days as the contract asks.
   */
  build(): SimMessage[] {
    const base = this.m(0);
    const seqOf = new Map<Draft, number>();
    const byDevice = new Map<string, Draft[]>();
    for (const d of this.drafts) {
      if (d.raw !== undefined || d.sameSeqAs) continue;
      const list = byDevice.get(d.deviceId) ?? [];
      list.push(d);
      byDevice.set(d.deviceId, list);
    }
    for (const list of byDevice.values()) {
      list.sort((a, b) => a.eventTime - b.eventTime || a.order - b.order);
      list.forEach((d, i) => seqOf.set(d, base + i));
    }
    const sendAt = (d: Draft) => d.sendAt ?? d.eventTime;
    const sorted = [...this.drafts].sort((a, b) => sendAt(a) - sendAt(b) || a.order - b.order);
    return sorted.map((d): SimMessage => {
      const common = { communityId: this.communityId, deviceId: d.deviceId, at: sendAt(d), ...(d.tag ? { tag: d.tag } : {}) };
      if (d.raw !== undefined) return { ...common, kind: d.kind, rawPayload: d.raw };
      const src = d.sameSeqAs ?? d;
      const seq = seqOf.get(src);
      if (seq === undefined) throw new Error(`resend of a message that is no longer in the scenario (${d.tag ?? d.kind})`);
      return { ...common, kind: d.kind, payload: { seq, ts: this.iso(src.eventTime), ...src.body } } as SimPayloadMessage;
    });
  }
}
