/**
 * Client ids bound to devices. The client id `<device id>` and every
 * `<device id>-<suffix>` belong to that device: no other device or service
 * may use them, whether the owner is online or not, so a device of one
 * company cannot squat the client id of another's and lock it out. Where
 * device ids nest (`therm` and `therm-g1`), the longest registered device id
 * that is the client id or a prefix of it ending at a `-` owns it:
 * `therm-g1-0` is therm-g1's. Any other client id (mosquitto_pub's random
 * `mosq-…`, one the server assigns to an empty client id) is first come,
 * first served while it is held, as before.
 */
// The rule itself lives beside the registry (store/registry-repo.ts), so RabbitMQ's auth endpoint (api/) asks the same one.
export { clientIdOwner, clientIdTakenBy } from '../store/registry-repo.js';
