/**
 * Property tests of the INI editor (`editIniText`, and `updateProfileFile`
 * on real files): random valid credentials and config documents (comments
 * of both kinds, blank lines, LF, CRLF and mixed line ends, a byte order
 * mark, no final newline, indented sub-sections and continuation lines,
 * duplicate sections, keys in any case, every spacing around `=`), one
 * profile edited (keys set, keys removed, the section new or existing).
 *
 * For every case:
 * - every line that is not a key line being set or removed in the edited
 *   section is byte-identical in the output and in the same order, and
 *   every line added is `key = value` for a key being set (or the header
 *   and separating blank line of a new section);
 * - the AWS SDK's own parser reads back exactly the intended values for the
 *   edited profile, and exactly what it read before for every other one;
 * - the byte order mark, the final-newline state and the line-end style of
 *   new lines follow the document; a second identical edit changes nothing.
 *
 * Cases are drawn from a seeded PRNG (`INI_PROPERTY_SEED` picks another base
 * seed; it is only read); a failure names the seed of its case.
 */
import assert from "node:assert/strict";
import {
  externalDataInterceptor,
  loadSharedConfigFiles,
} from "@smithy/shared-ini-file-loader";
import {
  editIniText,
  readProfile,
  sectionName,
  updateProfileFile,
} from "../lib/aws_files.ts";
import { tempDir } from "./support/tools.ts";
import { filePlatform } from "../lib/atomic_file.ts";

/** This system's file behaviour (modes, whether lock files are removed). */
const FILES = filePlatform();

const BASE_SEED = Number(Deno.env.get("INI_PROPERTY_SEED") ?? "20261126");
const CASES = 1200;
const FILE_CASES = 150;

/** mulberry32: a small, good-enough seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    /** True with probability p. */
    chance: (p: number) => next() < p,
    /** An integer in [min, max]. */
    int: (min: number, max: number) =>
      min + Math.floor(next() * (max - min + 1)),
    /** One of the items. */
    pick: <T>(items: readonly T[]): T =>
      items[Math.floor(next() * items.length)],
  };
}
type Rng = ReturnType<typeof prng>;

type Kind = "credentials" | "config";

const PROFILES = [
  "default",
  "dev",
  "prod",
  "ci",
  "team-a",
  "x.y",
  "a@b",
  "p+q",
  "s3:role",
  "path/to",
  "100%",
  "UPPER",
  "under_score",
];
/** Keys an edit may set or remove (also found in documents, in any case). */
const EDITABLE = [
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "x_security_token_expires",
  "region",
  "output",
];
/** Keys only documents have. */
const OTHER_KEYS = ["role_arn", "source_profile", "mfa_serial", "cli_pager"];
/** Keys that open an indented sub-section. */
const PARENTS = ["s3", "dynamodb"];
const SEPARATORS = ["=", " = ", "  =  ", "\t=\t", " =", "= ", " \t= "];
const HEADER_TAILS = ["", "", "", "   ", " # note", "\t; note"];
const COMMENTS = [
  "# comment",
  "; comment",
  "   # indented comment",
  "#",
  ";x = y",
];
const BLANKS = ["", "", "  ", "\t"];

function token(rng: Rng, prefix = ""): string {
  const chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=._:-";
  let out = prefix;
  const length = rng.int(1, 40);
  for (let i = 0; i < length; i++) out += rng.pick([...chars]);
  if (rng.chance(0.1)) out += ` ${token(rng)}`; // an inner space is fine
  return out;
}

function casing(rng: Rng, key: string): string {
  if (!rng.chance(0.2)) return key;
  return [...key].map((c) => rng.chance(0.5) ? c.toUpperCase() : c).join("");
}

/** One line of a generated document. */
interface GenLine {
  text: string;
  eol: string;
  /** Index of the section it belongs to (-1 before any). */
  section: number;
  /** For key lines: the key as written; continuations carry their key's. */
  key?: string;
  role: "header" | "key" | "cont" | "other";
}

interface GenDoc {
  kind: Kind;
  bom: boolean;
  finalNewline: boolean;
  lines: GenLine[];
  /** Header names between the brackets, by section index. */
  sections: string[];
}

function sectionFor(kind: Kind, profile: string): string {
  return sectionName(kind, profile);
}

function generateDoc(rng: Rng): GenDoc {
  const kind: Kind = rng.chance(0.5) ? "credentials" : "config";
  const style = rng.pick(["lf", "lf", "lf", "crlf", "crlf", "mixed"] as const);
  const eol = () =>
    style === "lf"
      ? "\n"
      : style === "crlf"
      ? "\r\n"
      : rng.pick(["\n", "\r\n"]);
  const lines: GenLine[] = [];
  const sections: string[] = [];
  const other = (section: number) => {
    lines.push({
      text: rng.chance(0.5) ? rng.pick(COMMENTS) : rng.pick(BLANKS),
      eol: eol(),
      section,
      role: "other",
    });
  };
  for (let i = rng.int(0, 3); i > 0; i--) other(-1);
  const count = rng.int(0, 6);
  for (let s = 0; s < count; s++) {
    let name = sectionFor(kind, rng.pick(PROFILES));
    if (kind === "config" && rng.chance(0.1)) {
      name = rng.pick(["sso-session corp", "services local", "plain"]);
    }
    sections.push(name);
    lines.push({
      text: `[${name}]${rng.pick(HEADER_TAILS)}`,
      eol: eol(),
      section: s,
      role: "header",
    });
    const entries = rng.int(0, 5);
    for (let e = 0; e < entries; e++) {
      if (e > 0 && rng.chance(0.2)) other(s);
      const indent = e === 0 && rng.chance(0.15) ? "  " : "";
      if (rng.chance(0.15)) {
        const parent = rng.pick(PARENTS);
        lines.push({
          text: `${indent}${parent}${rng.pick([" =", "=", " = "]).trimEnd()}`,
          eol: eol(),
          section: s,
          key: parent,
          role: "key",
        });
        for (let n = rng.int(1, 3); n > 0; n--) {
          const sub = rng.pick([...EDITABLE, ...OTHER_KEYS]);
          lines.push({
            text: `${rng.pick(["  ", "\t", "    "])}${sub}${
              rng.pick(SEPARATORS)
            }${token(rng)}`,
            eol: eol(),
            section: s,
            key: parent,
            role: "cont",
          });
        }
        continue;
      }
      const key = casing(
        rng,
        rng.pick([...EDITABLE, ...EDITABLE, ...OTHER_KEYS]),
      );
      const comment = rng.chance(0.1) ? " # inline comment" : "";
      lines.push({
        text: `${indent}${key}${rng.pick(SEPARATORS)}${token(rng)}${comment}`,
        eol: eol(),
        section: s,
        key,
        role: "key",
      });
      if (rng.chance(0.05)) {
        lines.push({
          // Without "=": with one, the JS SDK reads a key where botocore
          // (and the editor) read more of the value above.
          text: `  ${token(rng, "more").replaceAll("=", "")}`,
          eol: eol(),
          section: s,
          key,
          role: "cont",
        });
      }
    }
    for (let i = rng.int(0, 2); i > 0; i--) other(s);
  }
  // An empty last line without a line end would be no line at all.
  const finalNewline = lines.length === 0 || rng.chance(0.85) ||
    lines[lines.length - 1].text === "";
  return { kind, bom: rng.chance(0.1), finalNewline, lines, sections };
}

function render(doc: GenDoc): string {
  let text = doc.bom ? "\uFEFF" : "";
  doc.lines.forEach((line, i) => {
    const last = i === doc.lines.length - 1;
    text += line.text + (last && !doc.finalNewline ? "" : line.eol);
  });
  return text;
}

interface Edit {
  profile: string;
  section: string;
  set: Record<string, string>;
  remove: string[];
}

function generateEdit(rng: Rng, doc: GenDoc): Edit {
  const profiles = doc.sections
    .map((name) =>
      doc.kind === "credentials"
        ? name
        : name === "default"
        ? "default"
        : name.startsWith("profile ")
        ? name.slice(8)
        : undefined
    )
    .filter((p): p is string => p !== undefined);
  const profile = profiles.length > 0 && rng.chance(0.7)
    ? rng.pick(profiles)
    : rng.pick(PROFILES);
  const keys = [...EDITABLE].sort(() => rng.chance(0.5) ? 1 : -1);
  const setCount = rng.int(1, 4);
  const set: Record<string, string> = {};
  for (const key of keys.slice(0, setCount)) set[key] = token(rng, "NEW-");
  const remove = keys.slice(setCount, setCount + rng.int(0, 2));
  return { profile, section: sectionFor(doc.kind, profile), set, remove };
}

/** The SDK's raw view of every section (path "credentials" parses them all). */
async function sdkSections(text: string, path: string) {
  externalDataInterceptor.interceptFile(path, text);
  return (await loadSharedConfigFiles({
    filepath: path,
    configFilepath: `${path}.none`,
  })).credentialsFile as Record<string, Record<string, string>>;
}

/** The SDK's config-file view of the profiles. */
async function sdkConfigView(text: string, path: string) {
  externalDataInterceptor.interceptFile(path, text);
  return (await loadSharedConfigFiles({
    filepath: `${path}.none`,
    configFilepath: path,
  })).configFile as Record<string, Record<string, string>>;
}

/** The SDK's key for a section header (`profile dev` → `profile.dev`). */
function sdkKey(section: string): string {
  const m = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/.exec(section);
  return m && ["profile", "sso-session", "services"].includes(m[1])
    ? `${m[1]}.${m[3]}`
    : section;
}

const KEY_LINE = /^[ \t]*([^=\s][^=]*?)[ \t]*=[ \t]*(.*)$/;

/** Checks one case; throws with a description of the first violation. */
async function checkCase(seed: number, path: string): Promise<void> {
  const rng = prng(seed);
  const doc = generateDoc(rng);
  const edit = generateEdit(rng, doc);
  const input = render(doc);
  const output = editIniText(input, edit.section, edit.set, edit.remove);

  // 1. Lines: everything but the edited keys is kept, in order.
  const lower = new Set(
    [...Object.keys(edit.set), ...edit.remove].map((k) => k.toLowerCase()),
  );
  const editable = (line: GenLine) =>
    (line.role === "key" || line.role === "cont") &&
    doc.sections[line.section] === edit.section &&
    lower.has(line.key!.toLowerCase());
  const fixed = doc.lines.filter((line) => !editable(line));
  const editedEols = new Set(
    doc.lines.filter((line) => editable(line) && line.role === "key").map((
      line,
    ) => line.eol),
  );
  const body = output.startsWith("\uFEFF") ? output.slice(1) : output;
  assert.equal(output.startsWith("\uFEFF"), doc.bom, "byte order mark");
  const outLines = [...body.matchAll(/([^\n]*?)(\r?\n|$)/g)]
    .filter((m) => m[0] !== "")
    .map((m) => ({ text: m[1], eol: m[2] }));
  const docEol = /\r?\n/.exec(render({ ...doc, bom: false }))?.[0] ?? "\n";
  const sectionExists = doc.sections.includes(edit.section);
  let p = 0;
  const lastInput = doc.lines.length - 1;
  for (const [i, line] of outLines.entries()) {
    const want = fixed[p];
    if (want) {
      const wantEol = doc.lines.indexOf(want) === lastInput && !doc.finalNewline
        ? undefined // the last line may gain a line end when lines follow it
        : want.eol;
      if (
        line.text === want.text &&
        (wantEol === undefined ? true : line.eol === wantEol)
      ) {
        p++;
        continue;
      }
    }
    const added = KEY_LINE.exec(line.text);
    const isSet = added && !/^[ \t]/.test(line.text.replace(/^[ \t]+/, "")) &&
      Object.hasOwn(edit.set, added[1]) && added[2] === edit.set[added[1]];
    const isNewSection = !sectionExists &&
      (line.text === `[${edit.section}]` || line.text === "");
    assert.ok(
      isSet || isNewSection,
      `output line ${i + 1} ${JSON.stringify(line.text)} is neither kept nor ` +
        `an edit (expected ${JSON.stringify(want?.text)})`,
    );
    // New lines take the document's first line end; a key replaced in
    // place keeps its own.
    const lastOut = i === outLines.length - 1;
    if (!(lastOut && line.eol === "")) {
      assert.ok(
        line.eol === docEol || editedEols.has(line.eol),
        `line end of added line ${i + 1}`,
      );
    }
  }
  assert.equal(p, fixed.length, "a line that should be kept is gone");
  const inputEndsWithNewline = doc.lines.length === 0 || doc.finalNewline;
  assert.equal(/\n$/.test(body), inputEndsWithNewline, "final newline state");

  // 2. The SDK reads the intended values, and nothing else changed.
  const before = await sdkSections(input, path);
  const after = await sdkSections(output, path);
  const key = sdkKey(edit.section);
  const expected: Record<string, string> = {};
  for (const [k, v] of Object.entries(before[key] ?? {})) {
    if (!lower.has(k.toLowerCase())) expected[k] = v;
  }
  Object.assign(expected, edit.set);
  assert.deepEqual(
    after[key],
    expected,
    "the edited profile as the SDK reads it",
  );
  const others = (map: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(map).filter(([k]) => k !== key));
  assert.deepEqual(others(after), others(before), "another profile changed");
  if (doc.kind === "config") {
    const view = await sdkConfigView(output, `${path}.config`);
    assert.deepEqual(view[edit.profile], expected, "the config-file view");
  }

  // 3. The same edit again changes nothing.
  assert.equal(
    editIniText(output, edit.section, edit.set, edit.remove),
    output,
  );
}

Deno.test(`INI editor, ${CASES} random documents (seed ${BASE_SEED}): one profile edited, every other line byte-identical, and the AWS SDK parser reads back exactly the intended values`, async () => {
  const path = `/nonexistent/ini-property-${crypto.randomUUID()}/credentials`;
  const stats = {
    crlf: 0,
    bom: 0,
    newSection: 0,
    duplicates: 0,
    subSections: 0,
  };
  for (let i = 0; i < CASES; i++) {
    const seed = BASE_SEED + i;
    try {
      await checkCase(seed, path);
    } catch (error) {
      throw new Error(
        `case ${i} fails with seed ${seed} (INI_PROPERTY_SEED=${seed} runs ` +
          `it first): ${(error as Error).message}`,
        { cause: error },
      );
    }
    const rng = prng(seed);
    const doc = generateDoc(rng);
    const edit = generateEdit(rng, doc);
    if (doc.lines.some((l) => l.eol === "\r\n")) stats.crlf++;
    if (doc.bom) stats.bom++;
    if (!doc.sections.includes(edit.section)) stats.newSection++;
    if (doc.sections.filter((s) => s === edit.section).length > 1) {
      stats.duplicates++;
    }
    if (doc.lines.some((l) => l.role === "key" && PARENTS.includes(l.key!))) {
      stats.subSections++;
    }
  }
  console.log(
    `${CASES} cases passed: ${stats.crlf} with CRLF, ${stats.bom} with a BOM, ` +
      `${stats.newSection} adding a section, ${stats.duplicates} editing a ` +
      `duplicated section, ${stats.subSections} with sub-sections`,
  );
  // The generator must reach the interesting shapes.
  for (const [name, count] of Object.entries(stats)) {
    assert.ok(count >= 30, `only ${count} cases of ${name}`);
  }
});

Deno.test(`updateProfileFile on real files, ${FILE_CASES} random documents: the file holds exactly the edited text, and readProfile (the SDK) reads the intended values`, async () => {
  await using dirFolder = await tempDir("ini-property-");
  const dir = dirFolder.path;
  for (let i = 0; i < FILE_CASES; i++) {
    const seed = BASE_SEED + 100_000 + i;
    const rng = prng(seed);
    const doc = generateDoc(rng);
    const edit = generateEdit(rng, doc);
    const input = render(doc);
    const file = `${dir}/${doc.kind}`;
    await Deno.writeTextFile(file, input, { mode: 0o600 });
    try {
      await updateProfileFile(file, edit.section, edit.set, edit.remove);
      assert.equal(
        await Deno.readTextFile(file),
        editIniText(input, edit.section, edit.set, edit.remove),
      );
      const env = doc.kind === "credentials"
        ? {
          AWS_SHARED_CREDENTIALS_FILE: file,
          AWS_CONFIG_FILE: `${dir}/none`,
        }
        : {
          AWS_SHARED_CREDENTIALS_FILE: `${dir}/none`,
          AWS_CONFIG_FILE: file,
        };
      const values = await readProfile(doc.kind, edit.profile, env);
      for (const [key, value] of Object.entries(edit.set)) {
        assert.equal(values?.[key], value, key);
      }
      for (const key of edit.remove) assert.equal(values?.[key], undefined);
      if (FILES.modes) {
        assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
      }
    } catch (error) {
      throw new Error(
        `file case ${i} fails with seed ${seed}: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      await Deno.remove(file);
    }
  }
  // On Windows the (empty) lock files stay by design; nothing else may.
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
      .filter((name) => FILES.removeLockFile || !name.endsWith(".lock")),
    [],
    "lock or temporary files left",
  );
});
