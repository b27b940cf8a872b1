/**
 * Places by their registered names. The server keeps codes and parameters
 * with ids (`fact.fever` with `place: 'g1'`, `alarm.fever` with `gate: 'g1'`):
 * ids are what evidence, journals and devices agree on. Where a person reads
 * it (CSV, webhooks, the page), the id parameters are replaced, just before
 * formatting, by a message that carries the registry's name and keeps the id:
 *
 * - a gate, area or room (an activity room is an area): `place.named`
 *   `{ name, id }`, which reads as the name (the page shows the id as its tooltip);
 * - a device (the registry names none; its label is its id): `place.device`
 *   `{ id, location }`, the id with the name of where it is installed, so an
 *   inspector can match the device and find it;
 * - the whole community (`*`, e.g. contractors): its name.
 *
 * An id the registry does not know stays as it is; so do people's refs.
 * services/web/places.js does the same for the page (test/i18n/places.test.ts
 * keeps the two equal). Pure.
 */
import type { Message, MessageParam } from '../../schemas/src/message.js';

/** What the registry knows of one community's places, by id. */
export interface PlaceNames {
  communityId: string;
  communityName: string;
  gates: ReadonlyMap<string, string>;
  areas: ReadonlyMap<string, string>;
  /** Device id → its location (a gate, area or room id; '' when mobile). */
  devices: ReadonlyMap<string, string>;
}

export interface RegistryPlaces {
  id: string;
  name: string;
  gates: readonly { id: string; name: string }[];
  areas: readonly { id: string; name: string }[];
  devices: readonly { id: string; location: string }[];
}

export function placeNames(c: RegistryPlaces): PlaceNames {
  return {
    communityId: c.id,
    communityName: c.name,
    gates: new Map(c.gates.map((g) => [g.id, g.name])),
    areas: new Map(c.areas.map((a) => [a.id, a.name])),
    devices: new Map(c.devices.map((d) => [d.id, d.location])),
  };
}

type PlaceKind = 'gate' | 'area' | 'device' | 'community';

/** Parameters that always name a place of one kind. */
const PARAM_KINDS: Readonly<Record<string, PlaceKind>> = {
  gate: 'gate', gateId: 'gate', area: 'area', areaId: 'area', room: 'area', roomId: 'area', device: 'device', deviceId: 'device',
};

/**
 * The kind of a fact's `place`, by rule (services/rules/facts.ts FIGURES:
 * gateId, areaId, roomId, deviceId, WHOLE_COMMUNITY; staffRef facts are about
 * people and are left out). test/i18n/places.test.ts checks it against FIGURES.
 */
export const FACT_PLACE_KINDS: Readonly<Record<string, PlaceKind>> = {
  fever: 'gate', 'gate-staffed': 'gate', 'entry-checks': 'gate', 'no-couriers': 'gate',
  'area-disinfection': 'area', 'post-ventilation': 'area', 'touch-points': 'area', ventilation: 'area', garbage: 'area', 'venues-closed': 'area',
  broadcast: 'device', 'device-health': 'device',
  contractors: 'community',
};

const factRule = (m: MessageParam | undefined): string | undefined =>
  m && typeof m === 'object' && !Array.isArray(m) && m.code.startsWith('fact.') ? m.code.slice('fact.'.length) : undefined;

/** The kind of `place` in a message: a fact's by its rule; `score.factRef` by the fact it quotes. */
function placeKindOf(message: Message): PlaceKind | undefined {
  const rule = factRule(message) ?? (message.code === 'score.factRef' ? factRule(message.params?.summary) : undefined);
  return rule === undefined ? undefined : FACT_PLACE_KINDS[rule];
}

const named = (name: string, id: string): Message => ({ code: 'place.named', params: { name, id } });

/** One id as a place message, or the id itself when the registry has no name for it. */
export function namePlace(kind: PlaceKind, id: string, names: PlaceNames): MessageParam {
  switch (kind) {
    case 'community':
      return named(names.communityName, names.communityId);
    case 'gate': {
      const name = names.gates.get(id);
      return name ? named(name, id) : id;
    }
    case 'area': {
      const name = names.areas.get(id);
      return name ? named(name, id) : id;
    }
    case 'device': {
      const at = names.devices.get(id);
      const location = at ? (names.gates.get(at) ?? names.areas.get(at)) : undefined;
      return location ? { code: 'place.device', params: { id, location } } : id;
    }
  }
}

/** The message with every place id it holds (nested messages too) named from the registry; unchanged without names. */
export function namePlaces(message: Message, names: PlaceNames | null | undefined): Message {
  if (!names || !message.params) return message;
  const placeKind = placeKindOf(message);
  const params: Record<string, MessageParam> = {};
  for (const [key, value] of Object.entries(message.params)) {
    const kind = key === 'place' ? placeKind : PARAM_KINDS[key];
    if (typeof value === 'string') params[key] = kind && (kind !== 'community' || value === '*') ? namePlace(kind, value, names) : value;
    else if (Array.isArray(value)) params[key] = value.map((m) => namePlaces(m, names));
    else if (typeof value === 'object') params[key] = namePlaces(value, names);
    else params[key] = value;
  }
  return { ...message, params };
}
