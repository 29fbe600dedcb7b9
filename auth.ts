#!/usr/bin/env -S deno run -A
/**
 * `aws-cognito-auth`: sign in to a Cognito User Pool and get temporary AWS
 * credentials the AWS CLI and SDKs use at once.
 *
 * The parser lives in `cli/auth_program.ts`; this entry point only routes.
 * `credential-process` is served before the parser is loaded, and a cache
 * hit before the AWS SDK is, because the AWS CLI runs it before every API
 * call.
 *
 * @module
 */

if (import.meta.main) {
  const args = Deno.args;
  if (args[0] === "credential-process") {
    const { serveCredentialProcess } = await import(
      "./cli/credential_process_fast.ts"
    );
    if (await serveCredentialProcess(args.slice(1))) Deno.exit(0);
  }
  const [{ buildAuthProgram }, { runCli }] = await Promise.all([
    import("./cli/auth_program.ts"),
    import("./cli/run.ts"),
  ]);
  await runCli(buildAuthProgram(), args);
}
