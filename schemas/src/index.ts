export * from './common.js';
export * from './device-messages.js';
export * from './topics.js';
export * from './decode.js';
export * from './examples.js';
export * from './http.js';
export * from './registry.js';
export * from './message.js';
