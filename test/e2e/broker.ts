// The broker for the end-to-end tests, started as `npm start` starts it (harness/broker.mjs),
// on a free loopback port with a state of its own.
export { startBroker, type Broker, type WorkerOptions as BrokerOptions } from "../../harness/broker.mjs";
