/**
 * Run once before the test suite (`deno task test` does): installs what the
 * tests need into `.cache/` when it is missing, and fetches into the Deno
 * cache what later tests would otherwise download, so that test files running
 * in parallel never race to install it and no test depends on what an
 * earlier one happened to cache.
 *
 * @module
 */
import { ensureActionlint } from "./actionlint.ts";
import { prefetchDenoDownloads } from "./deno_downloads.ts";
import { ensureZitadelExample } from "./openid_providers.ts";
import { ensureRie } from "./rie.ts";
import { ensureSystemTools } from "./system_tools.ts";
import { ensurePythonTools } from "./tools.ts";

await ensurePythonTools();
await ensureRie();
await ensureActionlint();
await ensureSystemTools();
await prefetchDenoDownloads();
await ensureZitadelExample();
