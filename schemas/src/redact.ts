/**
 * What a dead letter may keep of a refused message. A dead letter tells a
 * device maker why a payload was refused; it must not become a store of the
 * personal data the contract refuses (an ID or phone number sent as
 * `personRef`, a name in an unknown field). So:
 *
 * - a JSON payload that breaks its kind's schema keeps its shape, but the
 *   value of a refused reference field (personRef, staffRef, operatorRef,
 *   ref) and of every unknown field is replaced by REDACTED, and any other
 *   refused string value loses its rows of digits (below); the reason names
 *   the field only (decode.ts, formatIssues);
 * - text that is not such a payload (not JSON, over the size limit and cut,
 *   a topic, a reason quoting the payload) has every row of 7 or more digits,
 *   ASCII or full-width, separators in between included, replaced by REDACTED.
 *
 * Both are idempotent, so the API applies them again to rows stored before
 * this existed.
 */
import type { z } from 'zod';
import { DeviceMessageSchemas } from './device-messages.js';
import { parseTelemetryTopic } from './topics.js';

export const REDACTED = '[redacted]';

/** 7+ digits (ASCII or full-width), with spaces, dashes, dots, brackets or a leading + between or before them. */
const NUMBER_ROW = /[+＋]?[0-9０-９](?:[\s\-‐–—－.·_:/()（）]*[0-9０-９]){6,}/g;

/** Replaces every row of 7 or more digits: no ID, passport or phone number survives in free text. */
export function scrubNumbers(text: string): string {
  return text.replace(NUMBER_ROW, REDACTED);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function setAt(root: Json, path: readonly PropertyKey[], value: Json): Json {
  if (path.length === 0) return value;
  let node: Json = root;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return root;
    node = (node as Record<string, Json>)[key as string] ?? null;
  }
  const last = path[path.length - 1] as string;
  if (node !== null && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, last)) (node as Record<string, Json>)[last] = value;
  return root;
}

/** The fields that hold a pseudonymous reference (schemas/src/pseudonymous-ref.ts). */
const REF_FIELDS = new Set(['personRef', 'staffRef', 'operatorRef', 'ref']);

function valueAt(root: Json, path: readonly PropertyKey[]): Json {
  let node: Json = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, Json>)[key as string] ?? null;
  }
  return node;
}

/** A refused value that is not a reference keeps what helps the device maker (`"ts": "now"`), minus any number row. */
const scrubbed = (value: Json): Json => (typeof value === 'string' ? scrubNumbers(value) : typeof value === 'object' && value !== null ? REDACTED : value);

/**
 * A copy of `json` in which a refused reference and every unknown field are
 * REDACTED, and any other refused string loses its number rows.
 */
export function redactRefusedFields(json: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  let copy = structuredClone(json) as Json;
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) copy = setAt(copy, [...issue.path, key], REDACTED);
    else if (REF_FIELDS.has(String(issue.path.at(-1)))) copy = setAt(copy, issue.path, REDACTED);
    else copy = setAt(copy, issue.path, scrubbed(valueAt(copy, issue.path)));
  }
  return copy;
}

/** The payload text a dead letter keeps for a message on `topic` (already cut to the payload limit). */
export function deadLetterPayload(topic: string, payload: string): string {
  const parsedTopic = parseTelemetryTopic(topic);
  if (!parsedTopic.ok) return scrubNumbers(payload);
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return scrubNumbers(payload);
  }
  const result = DeviceMessageSchemas[parsedTopic.kind].safeParse(json);
  // A valid payload refused for its timing keeps its fields: every one of them passed the contract.
  if (result.success) return payload;
  const redacted = JSON.stringify(redactRefusedFields(json, result.error.issues));
  // Nothing personal in it: the payload as the device sent it, spacing included.
  return redacted === JSON.stringify(json) ? payload : redacted;
}

/** Bounds of a dead letter's topic and reason (a 65 KB topic made a 130 KB row and log line). */
export const MAX_DEAD_LETTER_TOPIC_CHARS = 256;
export const MAX_DEAD_LETTER_REASON_CHARS = 1024;

/** `text` if it fits in `max` characters, else its start and how long it was, `max` characters in all. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = `… (${text.length} chars)`;
  return text.slice(0, max - tail.length) + tail;
}
