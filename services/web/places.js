// Places by their registered names, for the page: the same as services/i18n/places.ts on the
// server (test/i18n/places.test.ts keeps the two equal). The server's messages carry ids
// (`fact.fever` with place "g1"); just before formatting, each place id is replaced by a message
// with the registry's name that keeps the id: a gate, area or room reads as its name
// (`place.named`, the id in a tooltip where the place has its own cell), a device as its id
// with where it is installed (`place.device`), the whole community ("*") as its name.
// An id the registry does not know stays as it is; so do people's refs. No imports: pure.

/** What the page knows of a community's places, from GET /api/v1/communities/:id. */
export function placeNames(c) {
  return {
    communityId: c.id,
    communityName: c.name,
    gates: new Map((c.gates ?? []).map((g) => [g.id, g.name])),
    areas: new Map((c.areas ?? []).map((a) => [a.id, a.name])),
    devices: new Map((c.devices ?? []).map((d) => [d.id, d.location])),
  };
}

const PARAM_KINDS = {
  gate: 'gate', gateId: 'gate', area: 'area', areaId: 'area', room: 'area', roomId: 'area', device: 'device', deviceId: 'device',
};

/** The kind of a fact's `place`, by rule (services/i18n/places.ts FACT_PLACE_KINDS). */
export const FACT_PLACE_KINDS = {
  fever: 'gate', 'gate-staffed': 'gate', 'entry-checks': 'gate', 'no-couriers': 'gate',
  'area-disinfection': 'area', 'post-ventilation': 'area', 'touch-points': 'area', ventilation: 'area', garbage: 'area', 'venues-closed': 'area',
  broadcast: 'device', 'device-health': 'device',
  contractors: 'community',
};

const factRule = (m) => (m && typeof m === 'object' && !Array.isArray(m) && m.code.startsWith('fact.') ? m.code.slice('fact.'.length) : undefined);

function placeKindOf(message) {
  const rule = factRule(message) ?? (message.code === 'score.factRef' ? factRule(message.params?.summary) : undefined);
  return rule === undefined ? undefined : FACT_PLACE_KINDS[rule];
}

const named = (name, id) => ({ code: 'place.named', params: { name, id } });

/** One id as a place message, or the id itself when the registry has no name for it. */
export function namePlace(kind, id, names) {
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
    default:
      return id;
  }
}

/** The message with every place id it holds (nested messages too) named; unchanged without names. */
export function namePlaces(message, names) {
  if (!names || !message || typeof message !== 'object' || !message.params) return message;
  const placeKind = placeKindOf(message);
  const params = {};
  for (const [key, value] of Object.entries(message.params)) {
    const kind = key === 'place' ? placeKind : PARAM_KINDS[key];
    if (typeof value === 'string') params[key] = kind && (kind !== 'community' || value === '*') ? namePlace(kind, value, names) : value;
    else if (Array.isArray(value)) params[key] = value.map((m) => namePlaces(m, names));
    else if (value && typeof value === 'object') params[key] = namePlaces(value, names);
    else params[key] = value;
  }
  return { ...message, params };
}

/** A place id of a fact (`rule`'s place) as text and tooltip: the name, and the id; the id alone when it has no name. */
export function placeLabel(rule, id, names, format) {
  const kind = FACT_PLACE_KINDS[rule];
  const named = kind && names && (kind !== 'community' || id === '*') ? namePlace(kind, id, names) : id;
  return typeof named === 'string' ? { text: id, title: null } : { text: format(named), title: id === '*' ? names.communityId : id };
}
