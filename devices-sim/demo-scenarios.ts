/** The demo's day (npm run demo): one community keeps to the plan; two have a bad day of several kinds. Tests play the same day. */
export const DEMO_SCENARIOS = [
  'compliant',
  'resident-fevers+missed-disinfection+open-activity-room+late-uploads',
  'fever-on-duty+unstaffed-night+couriers+broadcast-stops+device-offline+malformed',
];

/** The demo's default seed (npm run demo -- --seed N). */
export const DEMO_SEED = 1;
