/**
 * Times the proxy's own STS module (`lambda/sts.ts`) in a process set up as
 * the Lambda is: the SDK's default HTTP handler, the endpoint and extra CA
 * from the environment (`AWS_ENDPOINT_URL_STS`, `NODE_EXTRA_CA_CERTS`). The
 * benchmark runs it to split a warm invocation into the STS call and the
 * rest. Input on stdin as JSON; prints the samples (ms) as a JSON array.
 *
 * @module
 */
import { type AssumeRoleRequest, createStsRoleAssumer } from "../lambda/sts.ts";

/** What the benchmark sends on stdin. */
interface ChildInput {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  request: AssumeRoleRequest;
  warmup: number;
  runs: number;
}

if (import.meta.main) {
  const input: ChildInput = JSON.parse(
    await new Response(Deno.stdin.readable).text(),
  );
  const sts = createStsRoleAssumer(input);
  for (let i = 0; i < input.warmup; i++) await sts.assumeRole(input.request);
  const samples: number[] = [];
  for (let i = 0; i < input.runs; i++) {
    const started = performance.now();
    await sts.assumeRole(input.request);
    samples.push(performance.now() - started);
  }
  console.log(JSON.stringify(samples));
}
