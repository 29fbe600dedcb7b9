/**
 * The request counter `bench/run.ts` uses: {@linkcode startRelay} with every
 * request forwarded, seen as service, action and raw body. Tests use
 * `relay.ts` directly; this file goes once the benchmark does too.
 *
 * @module
 */
import { forwardAll, type RelayOptions, startRelay } from "./relay.ts";

/** One request that went through the relay. */
export interface RecordedRequest {
  /** Service, e.g. `cognito-idp`, `cognito-identity`, `lambda`, `sts`. */
  service: string;
  /** Operation, e.g. `InitiateAuth`, `GetId`, `Invoke`. */
  action: string;
  /** The raw request body. */
  raw: string;
}

/** A running relay, seen as a list of requests. */
export interface Recorder {
  /** Base URL to point the SDK at. */
  endpoint: string;
  /** Every request so far, in order. */
  readonly requests: RecordedRequest[];
  /** Stops the relay. */
  close(): Promise<void>;
}

/** Starts a forwarding relay to `target` (see {@linkcode startRelay}). */
export function startRecorder(
  target: string,
  options: RelayOptions = {},
): Recorder {
  const relay = startRelay(target, forwardAll, options);
  return {
    endpoint: relay.endpoint,
    get requests() {
      return relay.exchanges.map((e) => ({
        service: e.service,
        action: e.action,
        raw: e.requestBody,
      }));
    },
    close: () => relay.stop(),
  };
}
