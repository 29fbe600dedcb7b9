/**
 * A stand-in for the two Cognito Identity operations moto 5.2 does not
 * implement, `GetIdentityPoolRoles` and `SetIdentityPoolRoles`: it answers
 * those from memory and forwards every other request to moto unchanged.
 * Point a process at it with `AWS_ENDPOINT_URL_COGNITO_IDENTITY` (the SDK's
 * standard per-service endpoint setting); every other service still goes to
 * moto directly.
 *
 * @module
 */
import type { MotoServer } from "./moto.ts";

/** A running stand-in; stopped when disposed (`await using`). */
export interface IdentityRolesStub extends AsyncDisposable {
  /** Its base URL. */
  endpoint: string;
  /** Environment that sends Cognito Identity calls through the stand-in. */
  env: Record<string, string>;
  /** The roles set on a pool, as `SetIdentityPoolRoles` stored them. */
  roles(identityPoolId: string): Record<string, string> | undefined;
  /** Sets a pool's roles directly (as if set in the console). */
  setRoles(identityPoolId: string, roles: Record<string, string>): void;
  /** Stops it. */
  stop(): Promise<void>;
}

const PREFIX = "AWSCognitoIdentityService.";

/** Starts the stand-in on a free loopback port in front of `moto`. */
export function startIdentityRolesStub(moto: MotoServer): IdentityRolesStub {
  const stored = new Map<
    string,
    { Roles: Record<string, string>; RoleMappings?: unknown }
  >();
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/x-amz-json-1.1" },
    });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const target = request.headers.get("x-amz-target") ?? "";
      if (target === `${PREFIX}GetIdentityPoolRoles`) {
        const { IdentityPoolId } = await request.json();
        const entry = stored.get(IdentityPoolId);
        return json(200, {
          IdentityPoolId,
          Roles: entry?.Roles ?? {},
          ...(entry?.RoleMappings ? { RoleMappings: entry.RoleMappings } : {}),
        });
      }
      if (target === `${PREFIX}SetIdentityPoolRoles`) {
        const body = await request.json();
        stored.set(body.IdentityPoolId, {
          Roles: body.Roles ?? {},
          RoleMappings: body.RoleMappings,
        });
        return json(200, {});
      }
      const url = new URL(request.url);
      const forwarded = await fetch(
        `${moto.endpoint}${url.pathname}${url.search}`,
        {
          method: request.method,
          headers: request.headers,
          body: request.body ? await request.arrayBuffer() : undefined,
        },
      );
      return new Response(await forwarded.arrayBuffer(), {
        status: forwarded.status,
        headers: forwarded.headers,
      });
    },
  );
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  return {
    endpoint,
    env: { AWS_ENDPOINT_URL_COGNITO_IDENTITY: endpoint },
    roles: (id) => stored.get(id)?.Roles,
    setRoles: (id, roles) => stored.set(id, { Roles: roles }),
    stop: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
