/**
 * Made-up sessions for tests that need `credential-process` or `exec` to
 * find one without signing in first.
 *
 * @module
 */
import type { Session } from "../../lib/session_cache.ts";

/** A session as `login` records it, with made-up values. */
export function sampleSession(profile: string, expiration: Date): Session {
  return {
    profile,
    username: "alice",
    cognitoUsername: "alice",
    userPoolId: "us-east-1_abc123",
    clientId: "client123",
    identityPoolId: "us-east-1:00000000-1111-2222-3333-444444444444",
    region: "us-east-1",
    authFlow: "password",
    clientSecret: false,
    flow: "enhanced",
    durationHours: 12,
    identityId: "us-east-1:55555555-6666-7777-8888-999999999999",
    refreshToken: "refresh-token-value",
    credentials: {
      accessKeyId: "ASIASAMPLE",
      secretAccessKey: "secret/with+chars",
      sessionToken: "token'with\"quotes $and `ticks`",
      expiration,
    },
    source: "identity-pool",
  };
}
